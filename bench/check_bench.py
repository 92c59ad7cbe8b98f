"""Benchmark of the conflict check on synthetic cities of 10k, 100k and 1M buildings.

    python -m bench.check_bench [--sizes 10000 100000 1000000] [--city classic|grid|ring|osm] [--engines [NAME ...]]
                                [--regen] [--profile]

For each size: write the city into a project (bench/out/city-N.gpkg for the classic city of
bench/city.py, grid-N.gpkg / ring-N.gpkg for bench/grid_city.py's; kept for later runs;
not timed), then in a fresh subprocess (so peak memory of sizes does not mix) time the
whole check as `run_check` does it — load, the engine's stages, save to the project —
plus writing conflicts.csv, and next to it a plain geopandas baseline on the same data:
sjoin(predicate="intersects") + the overlap area of each pair.

Prints a table (and writes bench/out/results.md and results-N.json). Budget: the check of
1M buildings under 15 s and 3 GB, growing linearly.

With --engines, the baselines of bench/engines.py (SedonaDB, DuckDB spatial, shapely on 2
threads and `gisdesk check` as a whole process, each in its own child) run on the same project
too; their table goes to stdout and bench/results/check-<city>-<N>.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
RESULTS = Path(__file__).resolve().parent / "results"
CITIES = ("classic", "grid", "ring", "osm")


def project_path(city: str, n: int) -> Path:
    return OUT / (f"city-{n}.gpkg" if city == "classic" else f"{city}-{n}.gpkg")


def _tag(city: str, n: int) -> str:
    """The name of a run's outputs: N for the classic city (as before), city-N for the others."""
    return str(n) if city == "classic" else f"{city}-{n}"
BUDGET_S, BUDGET_BYTES = 15.0, 3 * 1024 ** 3
STAGES = ["load", "zones", "query", "overlap", "depth", "setback", "sort", "save", "csv"]


# --- in the child: one size ------------------------------------------------------------

class RssSampler(threading.Thread):
    """Samples the resident set size every few ms, to find the peak of each stage."""

    def __init__(self, every: float = 0.005):
        super().__init__(daemon=True)
        self.every, self.samples, self.running = every, [], True
        self.page = os.sysconf("SC_PAGE_SIZE")

    def run(self):
        with open("/proc/self/statm") as statm:
            while self.running:
                statm.seek(0)
                self.samples.append((time.perf_counter(), int(statm.read().split()[1]) * self.page))
                time.sleep(self.every)

    def peak(self, start: float, end: float) -> int:
        inside = [rss for t, rss in self.samples if start <= t <= end]
        if inside:
            return max(inside)
        # a stage shorter than the sampling interval: the last sample before it ended
        return max((rss for t, rss in self.samples if t <= end), default=0)


def _clock_feedback():
    from gisdesk.jobs import Feedback

    class Clock(Feedback):
        """Records (time, stage, progress) at every report, to split the check into stages."""

        def __init__(self):
            super().__init__()
            self.events = []

        def report(self):
            self.events.append((time.perf_counter(), self.stage, self.progress))
            super().report()

    return Clock()


def _stage_ends(events, start: float, end: float) -> dict[str, tuple[float, float]]:
    """(start, end) of each stage from the feedback events of a check with one subject layer.

    The engine reports: stage 'zones', stage 'buildings' with progress 0.5 after the
    candidate query, 0.7 after the exact overlap, 0.9 after the depth and 1 after the
    setback distances; then '' (the sort) and 'save'.
    """
    marks = [("load", lambda s, p: s == "zones"), ("zones", lambda s, p: s == "buildings"),
             ("query", lambda s, p: s == "buildings" and p >= 0.5 - 1e-9),
             ("overlap", lambda s, p: s == "buildings" and p >= 0.7 - 1e-9),
             ("depth", lambda s, p: s == "buildings" and p >= 0.9 - 1e-9),
             ("setback", lambda s, p: s == "buildings" and p >= 1.0 - 1e-9),
             ("sort", lambda s, p: s == "save")]
    spans, t, k = {}, start, 0
    for name, reached in marks:
        while k < len(events) and not reached(*events[k][1:]):
            k += 1
        stop = events[k][0] if k < len(events) else t
        spans[name], t = (t, stop), stop
    spans["save"] = (t, end)
    return spans


def run_one(n: int, profile: bool, city: str = "classic") -> dict:
    import geopandas as gpd
    import pandas as pd
    import shapely

    from gisdesk.analysis.check import CONTROL_COLUMNS, run_check
    from gisdesk.analysis.conflicts import CONFLICT_COLUMNS
    from gisdesk.io.tables import write_csv
    from gisdesk.layers.kinds import CONTROL_KINDS
    from gisdesk.project import Project
    from gisdesk.rules import load_rules

    project, rules = Project.open(project_path(city, n)), load_rules()
    out = OUT / _tag(city, n)
    out.mkdir(parents=True, exist_ok=True)
    sampler = RssSampler()
    sampler.start()
    feedback = _clock_feedback()
    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()

    # gisdesk: the whole check, as `gisdesk check` runs it
    t0 = time.perf_counter()
    result, subjects = run_check(project, rules, feedback=feedback)
    t1 = time.perf_counter()
    write_csv(result.conflicts, out / "conflicts.csv", CONFLICT_COLUMNS)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # the check's peak: nothing bigger ran before
    if profiler:
        import pstats
        profiler.disable()
        with open(OUT / f"profile-{_tag(city, n)}.txt", "w") as handle:
            pstats.Stats(profiler, stream=handle).sort_stats("cumulative").print_stats(60)

    spans = _stage_ends(feedback.events, t0, t1)
    spans["csv"] = (t1, t2)
    encroach, setback = result.count("encroach"), result.count("setback")
    timings = dict(getattr(result, "timings", {}))
    del result

    # the baseline: plain geopandas on the same data (the controls read again, untimed)
    controls = {k: project.read_layer(project.layers_of(k)[0].id, CONTROL_COLUMNS) for k in CONTROL_KINDS if project.layers_of(k)}
    buildings = subjects["buildings"]
    b0 = time.perf_counter()
    zones = []
    for kind, frame in controls.items():
        geoms = frame.geometry.copy()
        line = geoms.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
        if line.any():
            geoms[line] = geoms[line].buffer(frame["half_width_m"][line].to_numpy())
        zones.append(gpd.GeoDataFrame({"kind": kind, "uid": frame["uid"]}, geometry=geoms, crs=frame.crs))
    zones = pd.concat(zones, ignore_index=True)
    pairs = gpd.sjoin(buildings[["uid", "geometry"]], zones, predicate="intersects")
    overlap = shapely.intersection(buildings.geometry.values[pairs.index.to_numpy()],
                                   zones.geometry.values[pairs["index_right"].to_numpy()])
    area = shapely.area(overlap)
    b1 = time.perf_counter()
    sampler.running = False
    sampler.join()

    return {
        "buildings": n,
        "seconds": {name: e - s for name, (s, e) in spans.items()},
        "peak_rss": {name: sampler.peak(s, e) for name, (s, e) in spans.items()},
        "total_s": t2 - t0,
        "peak_rss_bytes": peak,
        "baseline_s": b1 - b0,
        "baseline_peak_rss": sampler.peak(b0, b1),
        "baseline_pairs": int(len(pairs)),
        "baseline_overlap_m2": float(area.sum()),
        "encroach": encroach,
        "setback": setback,
        "timings": timings,  # Feedback.timings, the engine's own stage names
    }


# --- in the parent -----------------------------------------------------------------------

def _child(*args: str) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-m", "bench.check_bench", *args], cwd=root, check=True,
                          stdout=subprocess.PIPE, text=True)


def _row(r: dict) -> str:
    s, n = r["seconds"], r["buildings"]
    cells = [f"{n:>9,}", *(f"{s.get(k, 0.0):7.2f}" for k in STAGES), f"{r['total_s']:7.2f}",
             f"{r['total_s'] / (n / 1e5):7.2f}", f"{r['peak_rss_bytes'] / 1024 ** 2:8.0f}",
             f"{r['baseline_s']:8.2f}", f"{r['total_s'] / r['baseline_s']:6.2f}",
             f"{(r['encroach'] + r['setback']) / n * 100:5.1f}%"]
    return "| " + " | ".join(cells) + " |"


HEADER = ("| buildings | " + " | ".join(f"{k:>7}" for k in STAGES) +
          " |   total | s/100k | peak MiB | baseline |  ratio | conflicts |")
MEMORY_HEADER = "| buildings | " + " | ".join(f"{k:>7}" for k in STAGES) + " | baseline |"


def _memory_row(r: dict) -> str:
    """Peak RSS in MiB during each stage, and during the baseline."""
    cells = [f"{r['buildings']:>9,}", *(f"{r['peak_rss'].get(k, 0) / 1024 ** 2:7.0f}" for k in STAGES),
             f"{r['baseline_peak_rss'] / 1024 ** 2:8.0f}"]
    return "| " + " | ".join(cells) + " |"


def _engines_report(city: str, n: int, engines: list[str], stages: dict) -> list[str]:
    """Run the baselines of bench/engines.py on the city's project; the table with its context."""
    from bench.engines import run_engine, table

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=OUT.parent.parent, text=True,
                            stdout=subprocess.PIPE).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "gisdesk"], cwd=OUT.parent.parent, text=True,
                           stdout=subprocess.PIPE).stdout.strip()
    load = os.getloadavg()[0]
    results = {}
    for engine in engines:
        results[engine] = run_engine(engine, project_path(city, n))
        print(f"({engine}: {results[engine]['run_s']:.2f} s)", file=sys.stderr, flush=True)
    timing = ", ".join(f"{k} {v:.2f}" for k, v in stages.get("timings", {}).items())
    split = ", ".join(f"{k} {v:.2f}" for k, v in stages.get("seconds", {}).items())
    return [f"# check of the {city} city, {n:,} buildings ({project_path(city, n).name})",
            f"gisdesk {commit}{' + uncommitted changes in gisdesk/' if dirty else ''}; python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs; load {load:.2f} before the engines, {os.getloadavg()[0]:.2f} after",
            "", *table(n, results), "",
            f"gisdesk's stages in-process (run_check, Feedback.timings, s): {timing}",
            f"split as bench/check_bench.py splits them (s): {split}", ""]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--city", choices=CITIES, default="classic",
                        help="classic: bench/city.py; grid, ring: bench/grid_city.py; osm: bench/osm_city.py")
    parser.add_argument("--engines", nargs="*", metavar="NAME",
                        help="also run these baselines of bench/engines.py (none named: all)")
    parser.add_argument("--regen", action="store_true", help="write the city projects again")
    parser.add_argument("--profile", action="store_true", help="cProfile the check: bench/out/profile-N.txt")
    parser.add_argument("--_make", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_run", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)

    if args._make:  # child: write one city
        if args.city == "classic":
            from bench.city import write_project
            counts = write_project(project_path(args.city, args._make), args._make)
        elif args.city == "osm":
            from bench.osm_city import write_city
            counts = write_city(project_path(args.city, args._make), args._make)
        else:
            from bench.grid_city import write_city
            counts = write_city(project_path(args.city, args._make), args._make, layout=args.city)
        print(json.dumps(counts))
        return 0
    if args._run:  # child: check one city
        result = run_one(args._run, args.profile, args.city)
        (OUT / f"results-{_tag(args.city, args._run)}.json").write_text(json.dumps(result, indent=1))
        print(json.dumps(result))
        return 0

    engines = None
    if args.engines is not None:
        from bench.engines import ENGINES
        engines = args.engines or list(ENGINES)
        unknown = set(engines) - set(ENGINES)
        if unknown:
            parser.error(f"unknown engines {sorted(unknown)}; choose from {', '.join(ENGINES)}")

    print(f"{args.city} city; python {sys.version.split()[0]}, {os.cpu_count()} CPUs; seconds per stage, "
          f"peak RSS of the check; baseline = geopandas sjoin + overlap areas", flush=True)
    print(HEADER, flush=True)
    print("|" + "---|" * (len(STAGES) + 7), flush=True)
    rows, reports = [], []
    city = ["--city", args.city]
    for n in args.sizes:
        path = project_path(args.city, n)
        if args.regen or not path.exists():
            t = time.perf_counter()
            counts = json.loads(_child("--_make", str(n), *city).stdout.splitlines()[-1])
            print(f"(wrote {path.name} in {time.perf_counter() - t:.0f} s: {counts})", file=sys.stderr, flush=True)
        result = json.loads(_child("--_run", str(n), *city, *(["--profile"] if args.profile else [])).stdout.splitlines()[-1])
        rows.append(result)
        print(_row(result), flush=True)
        if engines:
            report = _engines_report(args.city, n, engines, result)
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / f"check-{args.city}-{n}.txt").write_text("\n".join(report))
            reports += report

    big = max(rows, key=lambda r: r["buildings"])
    verdict = (f"budget for 1M buildings: {BUDGET_S:.0f} s, {BUDGET_BYTES / 1024 ** 3:.0f} GiB — "
               f"{big['buildings']:,} took {big['total_s']:.1f} s, {big['peak_rss_bytes'] / 1024 ** 3:.2f} GiB")
    linear = ", ".join(f"{r['buildings']:,}: {r['total_s'] / (r['buildings'] / 1e5):.2f}" for r in rows)
    memory = ["peak RSS per stage, MiB", MEMORY_HEADER, "|" + "---|" * (len(STAGES) + 2), *map(_memory_row, rows)]
    print("\n".join(["", *memory, "", verdict, f"linearity (s per 100k buildings): {linear}", "", *reports]))
    name = "results.md" if args.city == "classic" else f"results-{args.city}.md"
    (OUT / name).write_text("\n".join([HEADER, "|" + "---|" * (len(STAGES) + 7), *map(_row, rows), "",
                                       *memory, "", verdict, f"linearity: {linear}", "", *reports, ""]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
