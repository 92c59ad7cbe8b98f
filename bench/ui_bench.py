"""Benchmark of the desktop UI on a synthetic city: opening, first map, frames, re-renders, jobs, stalls, memory.

    python -m bench.ui_bench [--buildings 1000000] [--frames 200]

Runs in this process, offscreen (QT_QPA_PLATFORM=offscreen), on bench/out/city-N.gpkg
(written by bench.city when missing, not timed), with a throw-away settings folder so no
remembered view or layout of the user's gets in the way. Measures:

- opening: from MainWindow().open_project(path) to the canvas' first `rendered` signal (first
  map: the layers read so far), and until every layer is in and drawn (whole map); meanwhile
  the longest lateness of a 10 ms QTimer on the UI thread (the open's stall);
- pan frame: one small pan step (set_view + a synchronous canvas.repaint()), many frames,
  median and max; the same for zoom steps (the cached picture drawn scaled);
- re-render: render_image of the whole view and of a zoomed-in view (1:10 000), the first
  time (caches being built) and again;
- job start: from run_job (what a click on Analysis › Run check does) to the first progress
  report of the job's own function reaching the UI thread (`Job.progressed`), for the check
  and for a job that only reports (median and max of several);
- stall: the longest lateness of a 10 ms QTimer on the UI thread while the check runs as the
  UI runs it (Analysis › Run check: a job in a child process; it stores its results in the
  bench project, as check_bench does), and pan / zoom frames drawn while it runs;
- peak memory: the peak RSS with the project open and drawn, and over the whole run.

Goals (DESIGN.md "Budgets", issue 8): first map < 2 s, frames < 30 ms (also while a job runs),
no stall > 100 ms (opening or during a job), job start < 0.3 s, peak < 2 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
GOALS = {"first": 2.0, "frame": 0.030, "stall": 0.100, "start": 0.300, "rss": 2 * 1024 ** 3}
JOB_STARTS = 5  # runs of the job that only reports


def reports_at_once(*, feedback):
    """A job whose own code reports at once: its start latency is the runner's alone."""
    feedback.set_stage("load")
    feedback.set_progress(1.0)
    return os.getpid()


class Lateness:
    """The lateness of a 10 ms QTimer on the UI thread: how long the thread was busy elsewhere."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.late: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self._expected = 0.0

    def _tick(self):
        now = time.perf_counter()
        self.late.append(max(0.0, now - self._expected))
        self._expected = now + 0.010

    def start(self):
        self.late = []
        self._expected = time.perf_counter() + 0.010
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return max(self.late, default=0.0)

    def over(self, limit: float = 0.1) -> int:
        return sum(1 for x in self.late if x > limit)


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def _wait(app, done, limit: float = 300.0) -> None:
    start = time.perf_counter()
    while not done() and time.perf_counter() - start < limit:
        app.processEvents()
        time.sleep(0.002)


def run(buildings: int, frames: int) -> dict:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="gisdesk-bench-")  # fresh QSettings
    path = OUT / f"city-{buildings}.gpkg"
    if not path.exists():
        from bench.city import write_project

        OUT.mkdir(exist_ok=True)
        print(f"writing {path} …", flush=True)
        write_project(path, buildings)

    from gisdesk.ui.app import make_app

    app = make_app("en", offscreen=True)

    from gisdesk.render.context import RenderContext
    from gisdesk.render.renderer import render_image
    from gisdesk.render.snapshot import Scene
    from gisdesk.ui.main_window import MainWindow

    results: dict = {}
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    canvas = window.canvas

    # --- opening and first map ---------------------------------------------------------
    drawn: list[float] = []
    canvas.rendered.connect(lambda _s: drawn.append(time.perf_counter()))
    lateness = Lateness()
    lateness.start()
    start = time.perf_counter()
    window.open_project(path)  # returns when the project is open; the UI thread runs meanwhile (or not)
    opened = time.perf_counter() - start

    def loaded() -> bool:  # every layer is in (window.loading: the open under way) and the picture shows them
        return window.document is not None and not getattr(window, "loading", None) and bool(drawn) \
            and not canvas.is_rendering()
    _wait(app, loaded)
    results["whole"] = time.perf_counter() - start
    results["open_stall"] = lateness.stop()
    results["open_stalls_over_100ms"] = lateness.over()
    results["first"] = drawn[0] - start if drawn else float("nan")
    results["first_open"] = opened
    _wait(app, lambda: not window.jobs_panel.running(), limit=120)  # the panels' loads after an open

    # --- pan and zoom frames: the cached picture drawn moved / scaled --------------------
    def frames_of(step) -> list[float]:
        times = []
        for i in range(frames):
            t = time.perf_counter()
            canvas.set_view(step(canvas.view, i))
            canvas.repaint()
            times.append(time.perf_counter() - t)
            app.processEvents()
        return times

    home = canvas.view
    results["pan"] = frames_of(lambda v, i: v.panned(4 if (i // 50) % 2 == 0 else -4, 3 if (i // 25) % 2 == 0 else -3))
    canvas.set_view(home, render_delay=False)
    results["zoom"] = frames_of(lambda v, i: v.zoomed(1.02 if i < frames // 2 else 1 / 1.02, 500, 400))
    canvas.set_view(home, render_delay=False)
    _wait(app, lambda: not canvas.is_rendering())
    results["rss_open"] = peak_rss()

    # --- full re-renders -------------------------------------------------------------
    layers = list(canvas.document.layers)
    zoomed = home.with_scale(10_000)
    for name, view in (("render_full", home), ("render_zoomed", zoomed)):
        times = []
        for _ in range(2):
            t = time.perf_counter()
            render_image(Scene.of(layers), RenderContext.screen(view))
            times.append(time.perf_counter() - t)
        results[name] = times

    # --- job start, stalls and frames while the check runs as the UI runs it (a job in a child process)
    from gisdesk.project import Project
    from gisdesk.ui.conflicts_panel import check_project
    from gisdesk.ui.jobs import run_job

    def started(title, fn, *args) -> tuple[object, list[float], list[str], list[BaseException]]:
        first: list[float] = []
        outcome: list[str] = []
        error: list[BaseException] = []
        clicked = time.perf_counter()
        job = run_job(window, title, fn, *args, in_process=True, on_error=error.append)
        job.progressed.connect(lambda *_: first or first.append(time.perf_counter() - clicked))
        job.done.connect(outcome.append)
        return job, first, outcome, error

    starts, pids = [], []
    for _ in range(JOB_STARTS):
        job, first, outcome, error = started("bench", reports_at_once)
        _wait(app, lambda: bool(outcome), limit=120)
        starts.append(first[0] if first else float("nan"))
        pids.append(job.result)
    results["start_trivial"] = starts
    results["start_pids"] = len(set(pids))

    lateness.start()
    start = time.perf_counter()
    job, first, outcome, error = started("check", check_project, Project(path))
    _wait(app, lambda: bool(first), limit=120)
    results["start_check"] = first[0] if first else float("nan")
    pan_job = frames_of(lambda v, i: v.panned(4 if (i // 50) % 2 == 0 else -4, 3 if (i // 25) % 2 == 0 else -3))
    zoom_job = frames_of(lambda v, i: v.zoomed(1.02 if i < frames // 2 else 1 / 1.02, 500, 400))
    results["pan_job"], results["zoom_job"] = pan_job, zoom_job
    results["frames_in_check"] = not outcome  # the frames were drawn while the check still ran
    _wait(app, lambda: bool(outcome), limit=600)
    results["check_s"] = time.perf_counter() - start
    results["stall"] = lateness.stop()
    results["stalls_over_100ms"] = lateness.over()
    results["check_error"] = repr(error[0]) if error else ""
    results["rss_peak"] = peak_rss()
    window.document.dirty = False  # nothing to ask on close
    window.close()
    return results


def report(n: int, r: dict) -> str:
    def ok(value, goal):
        return "ok" if value < goal else "OVER"

    ms = lambda s: f"{s * 1000:8.1f} ms"  # noqa: E731

    def over(times) -> str:
        slow = sum(1 for t in times if t >= GOALS["frame"])
        return f"  ({slow} of {len(times)} frames over 30 ms)" if slow else ""

    gib = lambda b: f"{b / 1024 ** 3:8.2f} GB"  # noqa: E731
    pan, zoom = r["pan"], r["zoom"]
    starts = r["start_trivial"]
    rows = [
        f"gisdesk UI bench, {n:,} buildings (offscreen, 1400×900 window)",
        f"{'figure':42s} {'value':>11s}   goal",
        f"{'first map (open_project → first rendered)':42s} {r['first']:9.2f} s   < 2 s    {ok(r['first'], GOALS['first'])}",
        f"{'whole map (every layer in, drawn)':42s} {r['whole']:9.2f} s",
        f"{'  open_project returned after':42s} {r['first_open']:9.2f} s",
        f"{'longest UI stall while opening':42s} {ms(r['open_stall'])}   < 100 ms {ok(r['open_stall'], GOALS['stall'])}"
        f"  ({r['open_stalls_over_100ms']} ticks over 100 ms)",
        f"{'pan frame, median':42s} {ms(statistics.median(pan))}   < 30 ms",
        f"{'pan frame, max':42s} {ms(max(pan))}   < 30 ms  {ok(max(pan), GOALS['frame'])}{over(pan)}",
        f"{'zoom frame, median':42s} {ms(statistics.median(zoom))}   < 30 ms",
        f"{'zoom frame, max':42s} {ms(max(zoom))}   < 30 ms  {ok(max(zoom), GOALS['frame'])}{over(zoom)}",
        f"{'re-render whole view (first, again)':42s} {r['render_full'][0]:6.2f} s, {r['render_full'][1]:.2f} s",
        f"{'re-render 1:10 000 (first, again)':42s} {r['render_zoomed'][0]:6.2f} s, {r['render_zoomed'][1]:.2f} s",
        f"{'job start, a job that only reports (median)':42s} {ms(statistics.median(starts))}   < 300 ms "
        f"{ok(statistics.median(starts), GOALS['start'])}",
        f"{'job start, a job that only reports (max)':42s} {ms(max(starts))}   < 300 ms {ok(max(starts), GOALS['start'])}"
        f"  ({len(starts)} jobs in {r['start_pids']} process(es))",
        f"{'job start, the check (click → load stage)':42s} {ms(r['start_check'])}   < 300 ms "
        f"{ok(r['start_check'], GOALS['start'])}",
        f"{'pan frame during the check, median':42s} {ms(statistics.median(r['pan_job']))}   < 30 ms",
        f"{'pan frame during the check, max':42s} {ms(max(r['pan_job']))}   < 30 ms  "
        f"{ok(max(r['pan_job']), GOALS['frame'])}{over(r['pan_job'])}",
        f"{'zoom frame during the check, median':42s} {ms(statistics.median(r['zoom_job']))}   < 30 ms",
        f"{'zoom frame during the check, max':42s} {ms(max(r['zoom_job']))}   < 30 ms  "
        f"{ok(max(r['zoom_job']), GOALS['frame'])}{over(r['zoom_job'])}"
        f"{'' if r['frames_in_check'] else '  (the check ended first)'}",
        f"{'longest UI stall during run_check':42s} {ms(r['stall'])}   < 100 ms {ok(r['stall'], GOALS['stall'])}"
        f"  ({r['stalls_over_100ms']} ticks over 100 ms; check {r['check_s']:.1f} s){' ' + r['check_error'] if r['check_error'] else ''}",
        f"{'peak RSS, project open and drawn':42s} {gib(r['rss_open'])}   < 2 GB   {ok(r['rss_open'], GOALS['rss'])}",
        f"{'peak RSS, whole run (with the check)':42s} {gib(r['rss_peak'])}",
    ]
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=1_000_000)
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args(argv)
    print(report(args.buildings, run(args.buildings, args.frames)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
