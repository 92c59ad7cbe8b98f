"""Benchmark of the totals and the indicators of a checked project, stage by stage.

    python -m bench.totals_bench [PROJECT.gpkg ...] [--repeat 1] [--profile]

Default projects: bench/out/city-1000000.gpkg and bench/out/grid-1000000.gpkg, those that exist
and have a check (make them with `python -m bench.check_bench --sizes 1000000`). For each:
`project_totals` by district, street and community (on subjects and conflicts read before,
untimed, as the check and the Totals dock hand them over), and `project_indicators` as
`gisdesk indicators` runs it (reading the layers itself). Stages are timed by wrapping the
functions they call; wall and CPU seconds (both cores count), the load average next to them.
Goals at 1 M on this 2-core machine: totals under 1 s, indicators under 2 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


class Stages:
    """Wall seconds per stage, collected by wrapping functions (nested stages count in both)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}  # in the order the stages were wrapped
        self._undo: list = []

    def wrap(self, owner, name: str, label: str | None = None) -> None:
        original = getattr(owner, name)
        self.seconds.setdefault(label or name, 0.0)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label or name] += time.perf_counter() - start

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def undo(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


@contextlib.contextmanager
def clock(into: dict, name: str):
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into[name] = (time.perf_counter() - wall, time.process_time() - cpu)


def bench_project(path: Path, repeat: int, profile: bool) -> None:
    from gisdesk.analysis import dissolve, indicators, totals
    from gisdesk.analysis.indicators import project_indicators
    from gisdesk.analysis.totals import project_totals, read_subjects, stored_conflicts
    from gisdesk.layers import zones
    from gisdesk.project import Project

    project = Project.open(path)
    if not project.last_run():
        print(f"{path.name}: no check yet, skipped (python -m bench.check_bench makes one)")
        return
    print(f"\n## {path.name}  (layers: {', '.join(f'{i.id} ({i.kind})' for i in project.layers())})")
    read: dict = {}
    with clock(read, "read_subjects"):
        subjects = read_subjects(project)
    with clock(read, "stored_conflicts"):
        conflicts = stored_conflicts(project)
    print(f"untimed inputs: read_subjects {read['read_subjects'][0]:.2f} s, stored_conflicts "
          f"{read['stored_conflicts'][0]:.2f} s ({len(conflicts):,} conflict rows)")
    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile()
    for run in range(repeat):
        stages = Stages()
        stages.wrap(totals, "_group_codes", "groups")
        stages.wrap(totals, "_conflict_stats", "conflict stats")
        stages.wrap(totals, "dissolved_areas", "  of which dissolve")
        figures: dict = {}
        if profiler:
            profiler.enable()
        for by in ("district", "street", "community"):
            with clock(figures, f"totals by {by}"):
                rows = project_totals(project, subjects, conflicts, by=by)
            figures[f"totals by {by}"] += (len(rows),)
        totals_stages = dict(stages.seconds)
        stages.undo()
        stages = Stages()
        stages.wrap(project, "read_layer", "read layers")
        stages.wrap(indicators, "buildings_count_and_extent", "buildings count and extent")
        stages.wrap(zones, "control_zones", "zones (buffers, gisdesk.layers.zones)")
        stages.wrap(indicators, "dissolved_area", "dissolved zone area")  # (before 86758fa: and the occupation areas)
        if hasattr(indicators, "dissolved_areas"):
            stages.wrap(indicators, "dissolved_areas", "occupation areas (one dissolve)")
        stages.wrap(dissolve, "_tiled_area", "  of which by cells")
        stages.wrap(indicators, "dissolved_length", "dissolved line length")
        with clock(figures, "indicators"):
            frame = project_indicators(project, conflicts)
        if profiler:
            profiler.disable()
        stages.undo()
        load = os.getloadavg()[0]
        print(f"run {run + 1}, load {load:.2f} (2 cores: other work on the machine slows every figure)")
        for name, (wall, cpu, *extra) in figures.items():
            more = f", {extra[0]:,} rows" if extra else ""
            print(f"  {name:<22} {wall:7.3f} s  (cpu {cpu:6.2f} s{more})")
            if name == "totals by district":
                for stage, seconds in totals_stages.items():
                    print(f"      {stage:<40} {seconds:7.3f} s (all three levels)")
        for stage, seconds in stages.seconds.items():
            print(f"      {stage:<40} {seconds:7.3f} s")
        ratios = frame.set_index("code")["value"]
        print("  " + ", ".join(f"{c} {ratios[c]:.6f}" for c in ("green_land_ratio", "road_area_ratio",
                                                                 "road_network_density") if c in ratios))
    if profiler:
        import pstats
        target = OUT / f"totals-profile-{path.stem}.txt"
        with open(target, "w") as handle:
            pstats.Stats(profiler, stream=handle).sort_stats("tottime").print_stats(40)
        print(f"  profile: {target}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("projects", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile both: bench/out/totals-profile-NAME.txt")
    args = parser.parse_args(argv)
    projects = args.projects or [p for p in (OUT / "city-1000000.gpkg", OUT / "grid-1000000.gpkg") if p.exists()]
    if not projects:
        print("no project: python -m bench.check_bench --sizes 1000000 writes bench/out/city-1000000.gpkg")
        return 1
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for path in projects:
        bench_project(path, args.repeat, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
