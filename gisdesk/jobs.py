"""Long work is a plain function taking `feedback`: it reports progress and raises on cancel.

The CLI passes a terminal progress bar, the UI a Qt adaptor, tests a bare Feedback().
"""

from __future__ import annotations

import sys
import time

from gisdesk.errors import Cancelled


class Feedback:
    """Progress in [0, 1] with a stage name, and a cancel flag checked at each report of progress."""

    def __init__(self):
        self.cancelled = False
        self.stage = ""
        self.progress = 0.0
        self.timings: dict[str, float] = {}
        self._stage_started = time.perf_counter()

    def set_stage(self, stage: str) -> None:
        self._close_stage()
        self.stage = stage
        self.check_cancelled()
        self.report()

    def set_progress(self, fraction: float) -> None:
        self.progress = min(max(fraction, 0.0), 1.0)
        self.check_cancelled()
        self.report()

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled()

    def cancel(self) -> None:
        self.cancelled = True

    def finish(self) -> None:
        """The job is done. No cancel check here: what it saved is saved and must be reported so."""
        self._close_stage()
        self.stage = ""
        self.report()

    def report(self) -> None:
        """Show progress; subclasses draw it."""

    def _close_stage(self) -> None:
        now = time.perf_counter()
        if self.stage:
            self.timings[self.stage] = self.timings.get(self.stage, 0.0) + now - self._stage_started
        self._stage_started = now


class TerminalFeedback(Feedback):
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    WIDTH = 30

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last_drawn = 0.0

    def report(self) -> None:
        now = time.perf_counter()
        if not self.enabled or (now - self._last_drawn < 0.1 and 0 < self.progress < 1):
            return
        self._last_drawn = now
        done = int(self.progress * self.WIDTH)
        bar = "█" * done + "·" * (self.WIDTH - done)
        self.stream.write(f"\r[{bar}] {self.progress * 100:5.1f}% {self.stage:<24}")
        if not self.stage:
            self.stream.write("\r" + " " * (self.WIDTH + 40) + "\r")
        self.stream.flush()
