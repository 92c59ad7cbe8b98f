"""Benchmark of importing buildings into a project and appending 1,000 more to it.

    python -m bench.import_bench [--sizes 100000,1000000] [--gisdesk-root PATH] [--regen] [--keep]

For each size N, each step in its own child process (its wall time and its own peak RSS,
from os.wait4, so steps do not mix):

1. `gisdesk new P --crs EPSG:4549`, then `gisdesk import P source-N.gpkg --as buildings
   --id-field uid`, through `gisdesk.cli.main` as the command runs it;
2. `gisdesk import P append-1000.gpkg --as buildings --id-field uid`: 1,000 more buildings
   with uids of their own, into the N-building project;
3. the floor any GeoPackage store can reach, on the same files: read the source with
   `pyogrio.read_dataframe` and write it with `pyogrio.write_dataframe` to a fresh
   GeoPackage, then read the 1,000 and write them with `append=True`;
4. the size of the project file after each step, and any hidden `.partial` file left
   in the project's folder.

The sources (bench/city.py's buildings of N, and 1,000 from another seed with `A…` uids)
are written once to bench/out/import/ and reused; `--regen` writes them again. Projects go
to a run folder beside them, removed at the end unless `--keep`.

`--gisdesk-root PATH` measures another checkout: PATH goes first on the children's
PYTHONPATH (they run in the run folder, so no checkout is on sys.path by accident), and
the header prints the `gisdesk.__file__` the children imported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.import_vs_ogr2ogr import GISDESK_CHILD as CLI_CHILD_STAGES  # cli.main in a child, with its stages
from bench.import_vs_ogr2ogr import compare

BENCH_ROOT = Path(__file__).resolve().parent.parent  # the checkout holding this bench (for bench.city)
CACHE = Path(__file__).resolve().parent / "out" / "import"
APPEND_N, APPEND_SEED = 1_000, 1
CRS = "EPSG:4549"  # bench/city.py's CRS: the import needs no transformation
MARK = "@bench "

# The children. Each prints one MARK line with what only it can know; the parent measures
# the wall time and the peak RSS from outside.
CLI_CHILD = f"""
import json, sys, time
t0 = time.perf_counter()
import gisdesk, gisdesk.cli
t1 = time.perf_counter()
rc = gisdesk.cli.main(sys.argv[1:])
t2 = time.perf_counter()
print({MARK!r} + json.dumps({{"gisdesk": gisdesk.__file__, "work_s": t2 - t1, "imports_s": t1 - t0}}), flush=True)
sys.exit(rc)
"""
BASELINE_CHILD = f"""
import json, sys, time
t0 = time.perf_counter()
import pyogrio
mode, source, target = sys.argv[1:]
t1 = time.perf_counter()
frame = pyogrio.read_dataframe(source, use_arrow=True)
t2 = time.perf_counter()
pyogrio.write_dataframe(frame, target, layer="buildings", driver="GPKG", append=mode == "append")
t3 = time.perf_counter()
print({MARK!r} + json.dumps({{"work_s": t3 - t1, "read_s": t2 - t1, "write_s": t3 - t2, "imports_s": t1 - t0}}),
      flush=True)
"""
PROBE_CHILD = f"""
import json, gisdesk
print({MARK!r} + json.dumps({{"gisdesk": gisdesk.__file__}}))
"""
MAKE_CHILD = """
import sys
from pathlib import Path
import pyogrio
from bench.city import make_city
n, seed, prefix, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
buildings = make_city(n, seed)["buildings"]
if prefix:  # uids of their own, distinct from the city's B…
    buildings["uid"] = buildings["uid"].str.replace("B", prefix, n=1)
tmp = path.with_name(path.name + ".writing")
tmp.unlink(missing_ok=True)
pyogrio.write_dataframe(buildings, tmp, layer="buildings", driver="GPKG")
tmp.replace(path)
"""


# --- running a child and measuring it -------------------------------------------------------

def run_child(code: str, args: list[str], *, cwd: Path, env: dict) -> dict:
    """Run `python -c code args` in `cwd`; its wall time, peak RSS, stdout lines and MARK record."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", code, *args], cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines, errors = out.read().splitlines(), err.read()
    if child.returncode != 0:
        raise RuntimeError(f"child failed (exit {child.returncode}): {' '.join(args)}\n"
                           + "\n".join(lines) + "\n" + errors)
    record = next((json.loads(x[len(MARK):]) for x in lines if x.startswith(MARK)), {})
    return {"wall_s": wall, "peak_rss": usage.ru_maxrss * 1024,  # Linux: KiB
            "said": [x for x in lines if not x.startswith(MARK)], **record}


def child_env(gisdesk_root: Path | None) -> dict:
    """The children's environment: `gisdesk_root` first on PYTHONPATH, before the venv's editable install."""
    env = dict(os.environ, GISDESK_LANG="en")
    if gisdesk_root is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(gisdesk_root), env.get("PYTHONPATH")]))
    return env


# --- the sources ------------------------------------------------------------------------------

def source_path(n: int, seed: int = 0, prefix: str = "") -> Path:
    return CACHE / (f"append-{n}-seed{seed}.gpkg" if prefix else f"source-{n}.gpkg")


def ensure_source(n: int, seed: int, prefix: str, regen: bool) -> Path:
    """bench/city.py's n buildings in a GeoPackage of one layer `buildings`; written once, then reused."""
    path = source_path(n, seed, prefix)
    if regen or not path.exists():
        t = time.perf_counter()
        run_child(MAKE_CHILD, [str(n), str(seed), prefix, str(path)], cwd=BENCH_ROOT, env=child_env(None))
        print(f"(wrote {path.relative_to(BENCH_ROOT)} in {time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
    return path


# --- one size ---------------------------------------------------------------------------------

def count_rows(path: Path, table: str = "buildings") -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def partial_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


def run_size(n: int, run_dir: Path, env: dict, append_source: Path, regen: bool) -> dict:
    source = ensure_source(n, 0, "", regen)
    project_dir, baseline_dir = run_dir / f"{n}" / "project", run_dir / f"{n}" / "baseline"
    project_dir.mkdir(parents=True)
    baseline_dir.mkdir(parents=True)
    project, baseline = project_dir / "city.gpkg", baseline_dir / "city.gpkg"
    steps = {}

    def cli(name, *args):
        steps[name] = run_child(CLI_CHILD, ["--lang", "en", *args], cwd=run_dir, env=env)
        steps[name].update(file_bytes=project.stat().st_size, partial=partial_files(project_dir))
        print(f"({n:,}: {name} {steps[name]['wall_s']:.1f} s)", file=sys.stderr, flush=True)

    def plain(name, mode, src):
        steps[name] = run_child(BASELINE_CHILD, [mode, str(src), str(baseline)], cwd=run_dir, env=env)
        steps[name].update(file_bytes=baseline.stat().st_size, partial=[])
        print(f"({n:,}: {name} {steps[name]['wall_s']:.1f} s)", file=sys.stderr, flush=True)

    cli("new", "new", str(project), "--crs", CRS, "--name", f"import bench {n}")
    cli("import", "import", str(project), str(source), "--as", "buildings", "--id-field", "uid")
    steps["import"]["rows"] = count_rows(project)
    cli("append", "import", str(project), str(append_source), "--as", "buildings", "--id-field", "uid")
    steps["append"]["rows"] = count_rows(project)
    plain("baseline_write", "write", source)
    steps["baseline_write"]["rows"] = count_rows(baseline)
    plain("baseline_append", "append", append_source)
    steps["baseline_append"]["rows"] = count_rows(baseline)

    for name, expected in (("import", n), ("append", n + APPEND_N), ("baseline_write", n),
                           ("baseline_append", n + APPEND_N)):
        if steps[name]["rows"] != expected:
            raise RuntimeError(f"{name}: {steps[name]['rows']:,} rows in the file, expected {expected:,}")
    return {"buildings": n, "source_bytes": source.stat().st_size, "steps": steps}


# --- the report -------------------------------------------------------------------------------

HEADER = ("| buildings | step                       | wall s | in-process s | peak RSS MiB | file MiB "
          "| × base wall | × base in-process | × base RSS | × base file | .partial left |")
RULE = "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
ROWS = (  # (step, label, the baseline step it is compared with)
    ("new", "gisdesk new --crs", None),
    ("import", "gisdesk import N", "baseline_write"),
    ("baseline_write", "baseline: pyogrio write N", None),
    ("append", "gisdesk import +1,000", "baseline_append"),
    ("baseline_append", "baseline: pyogrio append", None),
)
MIB = 1024 ** 2


def table_rows(result: dict) -> list[str]:
    steps, rows = result["steps"], []
    for key, label, base in ROWS:
        s = steps[key]
        cells = [f"{result['buildings']:>9,}", f"{label:<26}", f"{s['wall_s']:6.2f}", f"{s['work_s']:12.2f}",
                 f"{s['peak_rss'] / MIB:12.0f}", f"{s['file_bytes'] / MIB:8.1f}"]
        if base:
            b = steps[base]
            cells += [f"{s['wall_s'] / b['wall_s']:11.2f}", f"{s['work_s'] / b['work_s']:17.2f}",
                      f"{s['peak_rss'] / b['peak_rss']:10.2f}",
                      f"{s['file_bytes'] / b['file_bytes']:11.2f}", ", ".join(s["partial"]) or "none"]
        else:
            left = (", ".join(s["partial"]) or "none") if key == "new" else ""
            cells += [" " * 11, " " * 17, " " * 10, " " * 11, left]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def summary(result: dict) -> list[str]:
    s, n = result["steps"], result["buildings"]
    imp, app, bw, ba = s["import"], s["append"], s["baseline_write"], s["baseline_append"]
    return [
        f"{n:,}: import {imp['wall_s']:.1f} s / {imp['peak_rss'] / MIB:,.0f} MiB "
        f"(baseline {bw['wall_s']:.1f} s / {bw['peak_rss'] / MIB:,.0f} MiB, of which read {bw['read_s']:.2f} s, "
        f"write {bw['write_s']:.2f} s); append 1,000: {app['wall_s']:.2f} s / {app['peak_rss'] / MIB:,.0f} MiB "
        f"(baseline {ba['wall_s']:.2f} s / {ba['peak_rss'] / MIB:,.0f} MiB); project "
        f"{imp['file_bytes'] / MIB:.1f} → {app['file_bytes'] / MIB:.1f} MiB, "
        f"source {result['source_bytes'] / MIB:.1f} MiB",
        "  gisdesk said: " + " | ".join(x.split(" (")[0].strip() for x in imp["said"] + app["said"] if x.strip()),
    ]


def machine() -> str:
    memory = next(int(x.split()[1]) for x in open("/proc/meminfo") if x.startswith("MemTotal:")) * 1024
    import pyogrio

    return (f"machine: {platform.node()}, nproc {len(os.sched_getaffinity(0))}, {memory / 1024 ** 3:.1f} GiB RAM, "
            f"load {' '.join(open('/proc/loadavg').read().split()[:3])}; python {platform.python_version()}, "
            f"pyogrio {pyogrio.__version__}, GDAL {pyogrio.__gdal_version_string__}")


def describe_checkout(gisdesk_file: str) -> str:
    root = Path(gisdesk_file).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "gisdesk"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"git {head}" + (", gisdesk/ has uncommitted changes" if dirty else ", clean")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="building counts, comma-separated")
    parser.add_argument("--gisdesk-root", type=Path, help="checkout whose gisdesk to measure (first on PYTHONPATH)")
    parser.add_argument("--regen", action="store_true", help="write the source files again")
    parser.add_argument("--keep", action="store_true", help="keep the projects of this run")
    parser.add_argument("--n", type=int, default=1_000_000,
                        help="buildings of the comparison with ogr2ogr (bench/import_vs_ogr2ogr.py)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the comparison with ogr2ogr")
    parser.add_argument("--vs-only", action="store_true", help="only the comparison with ogr2ogr")
    parser.add_argument("--no-vs", action="store_true", help="no comparison with ogr2ogr")
    parser.add_argument("--vs-out", type=Path, help="where the comparison's table goes (default "
                        "bench/results/import-vs-ogr2ogr.txt for 1 M, import-vs-ogr2ogr-N.txt otherwise)")
    args = parser.parse_args(argv)
    sizes = [int(x.replace("_", "")) for x in args.sizes.split(",") if x.strip()]
    root = args.gisdesk_root.resolve() if args.gisdesk_root else None
    if root is not None and not (root / "gisdesk" / "__init__.py").is_file():
        parser.error(f"--gisdesk-root {root}: no gisdesk/__init__.py there")
    CACHE.mkdir(parents=True, exist_ok=True)
    env = child_env(root)

    append_source = ensure_source(APPEND_N, APPEND_SEED, "A", args.regen)
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=CACHE))
    print(f"gisdesk import bench, {dt.datetime.now().astimezone().isoformat(timespec='seconds')}", flush=True)
    print(machine(), flush=True)
    try:
        where = run_child(PROBE_CHILD, [], cwd=run_dir, env=env)["gisdesk"]
        print(f"gisdesk measured: {where} ({describe_checkout(where)})", flush=True)
        print("each step in its own process: wall = the whole process (start, imports, work); in-process = "
              "cli.main(), or read + write for the baseline; peak RSS of that process; file = the target "
              "file after the step; × base = gisdesk / the pyogrio baseline of the same step", flush=True)
        if not args.no_vs:
            lines = compare(args.n, args.repeat, cache=CACHE, bench_root=BENCH_ROOT, run_dir=run_dir, env=env,
                            gisdesk_child=[sys.executable, "-c", CLI_CHILD_STAGES], regen=args.regen)
            out = args.vs_out or BENCH_ROOT / "bench" / "results" / (
                "import-vs-ogr2ogr.txt" if args.n == 1_000_000 else f"import-vs-ogr2ogr-{args.n}.txt")
            started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            out.write_text(f"# python -m bench.import_bench {' '.join(argv if argv is not None else sys.argv[1:])}"
                           f"\n# written {started}; {machine()}\n# gisdesk measured: {where} "
                           f"({describe_checkout(where)})\n" + "\n".join(lines) + "\n")
            print(f"(written to {out})", file=sys.stderr, flush=True)
            if args.vs_only:
                return 0
            print()
        print(HEADER, flush=True)
        print(RULE, flush=True)
        results = []
        for n in sizes:
            result = run_size(n, run_dir, env, append_source, args.regen)
            if result["steps"]["import"]["gisdesk"] != where:
                raise RuntimeError(f"the import ran {result['steps']['import']['gisdesk']}, not {where}")
            results.append(result)
            print("\n".join(table_rows(result)), flush=True)
        print()
        for result in results:
            print("\n".join(summary(result)))
        print(f"load at the end: {' '.join(open('/proc/loadavg').read().split()[:3])}")
    finally:
        if args.keep:
            print(f"(projects kept in {run_dir})", file=sys.stderr)
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
