"""Long work is a plain function taking `feedback`: it reports progress and raises on cancel.

The CLI passes a terminal progress bar, the UI a Qt adaptor, tests a bare Feedback().
`run_in_process` runs such a function in a child process and relays its progress, cancel,
result and errors, as if it had run in the caller's thread.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queues
import sys
import time
import traceback

from gisdesk.errors import Cancelled

JOB_NICENESS = 10  # added to a job process's niceness
RELAY_INTERVAL_S = 0.1  # a child sends progress at most this often (and always its 100 %)


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


# --- a job in a child process ----------------------------------------------------------------

def run_in_process(fn, args, feedback: Feedback):
    """Run `fn(*args, feedback=...)` in a fresh (spawned) process and return its result.

    The child's progress reaches `feedback.report()` here; `feedback.cancel()` from any thread
    is passed on to the child, whose job then raises Cancelled, raised here too; an exception
    in the child (a GisdeskError with both its languages) is raised here. `fn` must be a
    module-level function and `args` picklable. A spawned child copies no state of the caller
    (no Qt objects, no open handles), and a long GEOS/GDAL call in it holds no GIL of ours.
    """
    context = multiprocessing.get_context("spawn")
    up, cancel = context.Queue(), context.Event()
    child = context.Process(target=_child_main, args=(fn, args, up, cancel), daemon=True)
    child.start()
    try:
        while True:
            try:
                message = up.get(timeout=0.1)
            except queues.Empty:
                if feedback.cancelled:
                    cancel.set()
                if child.is_alive():
                    continue
                try:  # the child may have exited just after sending its last message: read it
                    message = up.get(timeout=1.0)
                except queues.Empty:
                    raise RuntimeError(f"the job's process ended unexpectedly (exit code {child.exitcode})") from None
            if message[0] == "progress":
                feedback.stage, feedback.progress = message[1], message[2]
                feedback.report()
            elif message[0] == "done":
                return message[1]
            elif message[0] == "cancelled":
                raise Cancelled()
            else:
                raise message[1]
    finally:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()


class _RelayFeedback(Feedback):
    """The child process's feedback: progress goes up a queue (a few times a second), cancel comes down an event."""

    def __init__(self, up, cancel):
        super().__init__()
        self.up, self.cancel_event, self._sent = up, cancel, 0.0

    def check_cancelled(self) -> None:
        self.cancelled = self.cancelled or self.cancel_event.is_set()
        super().check_cancelled()

    def report(self) -> None:
        now = time.monotonic()
        if now - self._sent > RELAY_INTERVAL_S or self.progress >= 1.0:
            self._sent = now
            self.up.put(("progress", self.stage, self.progress))


def _child_main(fn, args, up, cancel) -> None:
    """Runs in the child process: the job, and its outcome sent up the queue."""
    # A job may keep every core busy (the check uses one thread a core): at a lower priority
    # it yields them to the window whenever the UI has something to do.
    os.nice(JOB_NICENESS)
    try:
        up.put(("done", fn(*args, feedback=_RelayFeedback(up, cancel))))
    except Cancelled:
        up.put(("cancelled",))
    except BaseException as error:  # noqa: BLE001 - the parent reports it
        up.put(("error", error, traceback.format_exc()))
