"""Benchmark of the desktop UI on a synthetic city: first map, pan frames, re-renders, stalls, memory.

    python -m bench.ui_bench [--buildings 1000000] [--frames 200]

Runs in this process, offscreen (QT_QPA_PLATFORM=offscreen), on bench/out/city-N.gpkg
(written by bench.city when missing, not timed), with a throw-away settings folder so no
remembered view or layout of the user's gets in the way. Measures:

- first map: from MainWindow().open_project(path) to the canvas' `rendered` signal;
- pan frame: one small pan step (set_view + a synchronous canvas.repaint()), many frames,
  median and max; the same for zoom steps (the cached picture drawn scaled);
- re-render: render_image of the whole view and of a zoomed-in view (1:10 000), the first
  time (caches being built) and again;
- stall: the longest lateness of a 10 ms QTimer on the UI thread while the check runs as the
  UI runs it (Analysis › Run check: a job in a child process; it stores its results in the
  bench project, as check_bench does);
- peak memory: the peak RSS with the project open and drawn, and over the whole run.

Goals (DESIGN.md "Budgets"): first map < 3 s, frames < 30 ms, no stall > 100 ms, peak < 2 GB.
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
GOALS = {"first": 3.0, "frame": 0.030, "stall": 0.100, "rss": 2 * 1024 ** 3}


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
    from PySide6.QtCore import QTimer

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

    # --- first map -------------------------------------------------------------------
    drawn = []
    canvas.rendered.connect(drawn.append)
    start = time.perf_counter()
    window.open_project(path)
    opened = time.perf_counter() - start
    _wait(app, lambda: drawn and not canvas.is_rendering())
    results["first"] = time.perf_counter() - start
    results["first_open"] = opened
    results["first_render"] = drawn[-1] if drawn else float("nan")

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

    # --- stalls of the UI thread while the check runs as the UI runs it (a job in a child process)
    from gisdesk.project import Project
    from gisdesk.ui.conflicts_panel import check_project
    from gisdesk.ui.jobs import run_job

    lateness: list[float] = []
    expected = [time.perf_counter() + 0.010]

    def tick():
        now = time.perf_counter()
        lateness.append(max(0.0, now - expected[0]))
        expected[0] = now + 0.010

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    error: list[BaseException] = []
    outcome: list[str] = []

    start = time.perf_counter()
    expected[0] = start + 0.010
    timer.start()
    job = run_job(window, "check", check_project, Project(path), in_process=True, on_error=error.append)
    job.done.connect(outcome.append)
    _wait(app, lambda: bool(outcome), limit=600)
    timer.stop()
    results["check_s"] = time.perf_counter() - start
    results["stall"] = max(lateness, default=0.0)
    results["stalls_over_100ms"] = sum(1 for x in lateness if x > 0.1)
    results["check_error"] = repr(error[0]) if error else ""
    results["rss_peak"] = peak_rss()
    window.document.dirty = False  # nothing to ask on close
    window.close()
    return results


def report(n: int, r: dict) -> str:
    def ok(value, goal):
        return "ok" if value < goal else "OVER"

    ms = lambda s: f"{s * 1000:8.1f} ms"  # noqa: E731
    gib = lambda b: f"{b / 1024 ** 3:8.2f} GB"  # noqa: E731
    pan, zoom = r["pan"], r["zoom"]
    rows = [
        f"gisdesk UI bench, {n:,} buildings (offscreen, 1400×900 window)",
        f"{'figure':42s} {'value':>11s}   goal",
        f"{'first map (open_project → rendered)':42s} {r['first']:9.2f} s   < 3 s   {ok(r['first'], GOALS['first'])}",
        f"{'  of which open_project (read, UI thread)':42s} {r['first_open']:9.2f} s",
        f"{'  of which the render (worker thread)':42s} {r['first_render']:9.2f} s",
        f"{'pan frame, median':42s} {ms(statistics.median(pan))}   < 30 ms",
        f"{'pan frame, max':42s} {ms(max(pan))}   < 30 ms  {ok(max(pan), GOALS['frame'])}",
        f"{'zoom frame, median':42s} {ms(statistics.median(zoom))}   < 30 ms",
        f"{'zoom frame, max':42s} {ms(max(zoom))}   < 30 ms  {ok(max(zoom), GOALS['frame'])}",
        f"{'re-render whole view (first, again)':42s} {r['render_full'][0]:6.2f} s, {r['render_full'][1]:.2f} s",
        f"{'re-render 1:10 000 (first, again)':42s} {r['render_zoomed'][0]:6.2f} s, {r['render_zoomed'][1]:.2f} s",
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
