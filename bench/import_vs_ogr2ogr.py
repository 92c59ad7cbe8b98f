"""gisdesk import against ogr2ogr on the same 1 M buildings, from a GeoPackage and from a shapefile.

Run by `python -m bench.import_bench` (its `--n`, `--repeat`, `--vs-only`, `--no-vs` options);
see bench/README.md. For each source, back to back in one run, each a whole process of its own
(wall clock; peak RSS from os.wait4, i.e. the child's getrusage):

1. `ogr2ogr -f GPKG out.gpkg SRC` — the ogr2ogr on PATH (GDAL 3.6 here); for the shapefile with
   `-nlt PROMOTE_TO_MULTI`, so that it writes MultiPolygons as the GeoPackage source holds them;
2. `pyogrio.write_dataframe(pyogrio.read_dataframe(SRC, use_arrow=True), out.gpkg)` with pyogrio's
   bundled GDAL, a second reference;
3. `gisdesk import P SRC --as buildings` into a fresh project (`gisdesk new P --crs EPSG:4549`
   before it, not counted), through `gisdesk.cli.main` in a child of its own; the child also
   reports the import's stages (Feedback.timings) and cli.main()'s own time.

The sources (bench/mixed_buildings.py: rectangles, L-shapes, round and star towers up to 200
vertices, courtyards with a hole, 10 % multi-part; Chinese field names and values) are written
once to bench/out/import/ as mixed-N.gpkg and as mixed-N.shp (GBK .dbf, `.cpg` saying GBK) and
reused; `--regen` writes them again. gisdesk splits the multi-part buildings into one feature per
part, so its layer has more rows than the references' (checked: the references hold N, gisdesk
the number of parts).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MARK = "@bench "
MIB = 1024 ** 2
SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
MAKE_CHILD = """
import json, sys
from pathlib import Path
import pyogrio
from bench.mixed_buildings import make_buildings, shape_counts
n, gpkg, shp = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
frame = make_buildings(n)
tmp = gpkg.with_name(gpkg.name + ".writing")
tmp.unlink(missing_ok=True)
pyogrio.write_dataframe(frame, tmp, layer="buildings", driver="GPKG", geometry_type="MultiPolygon")
tmp.replace(gpkg)
for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
    shp.with_suffix(suffix).unlink(missing_ok=True)
# GBK attributes; GDAL writes the .cpg (GBK) and leaves the DBF's language byte 0
pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding="GBK")
print("@bench " + json.dumps(shape_counts(frame)), flush=True)
"""
COPY_CHILD = f"""
import json, sys, time
t0 = time.perf_counter()
import pyogrio
source, target = sys.argv[1:]
t1 = time.perf_counter()
frame = pyogrio.read_dataframe(source, use_arrow=True)
t2 = time.perf_counter()
pyogrio.write_dataframe(frame, target, layer="buildings", driver="GPKG", promote_to_multi=True)
t3 = time.perf_counter()
print({MARK!r} + json.dumps({{"work_s": t3 - t1, "read_s": t2 - t1, "write_s": t3 - t2}}), flush=True)
"""
GISDESK_CHILD = f"""
import json, sys, time
t0 = time.perf_counter()
import gisdesk, gisdesk.cli, gisdesk.jobs
feedbacks = []
_init = gisdesk.jobs.TerminalFeedback.__init__
def _keep(self, *a, **k):
    _init(self, *a, **k)
    feedbacks.append(self)
gisdesk.jobs.TerminalFeedback.__init__ = _keep
t1 = time.perf_counter()
rc = gisdesk.cli.main(sys.argv[1:])
t2 = time.perf_counter()
stages = feedbacks[-1].timings if feedbacks else {{}}
print({MARK!r} + json.dumps({{"gisdesk": gisdesk.__file__, "work_s": t2 - t1, "imports_s": t1 - t0,
                             "stages": stages}}), flush=True)
sys.exit(rc)
"""


def run(cmd: list[str], *, cwd: Path, env: dict) -> dict:
    """Run `cmd`; its wall time, peak RSS (os.wait4 of that child), its stdout lines and MARK record."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines, errors = out.read().splitlines(), err.read()
    if code != 0:
        raise RuntimeError(f"failed (exit {code}): {' '.join(cmd)}\n" + "\n".join(lines) + "\n" + errors)
    record = next((json.loads(x[len(MARK):]) for x in lines if x.startswith(MARK)), {})
    return {"wall_s": wall, "peak_rss": usage.ru_maxrss * 1024, "cpu_s": usage.ru_utime + usage.ru_stime,
            "said": [x for x in lines if not x.startswith(MARK)], **record}


def sources(n: int, cache: Path, bench_root: Path, env: dict, regen: bool) -> tuple[Path, Path, dict]:
    gpkg, shp = cache / f"mixed-{n}.gpkg", cache / f"mixed-{n}.shp"
    info = cache / f"mixed-{n}.json"
    if regen or not (gpkg.exists() and shp.exists() and info.exists()):
        t = time.perf_counter()
        made = run([sys.executable, "-c", MAKE_CHILD, str(n), str(gpkg), str(shp)], cwd=bench_root, env=env)
        counts = {k: v for k, v in made.items() if k not in ("wall_s", "peak_rss", "cpu_s", "said")}
        info.write_text(json.dumps(counts))
        print(f"(wrote {gpkg.name} and {shp.name} in {time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
    return gpkg, shp, json.loads(info.read_text())


def count_rows(path: Path, table: str | None = None) -> int:
    """Rows of `table`, or of the file's one feature table."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        table = table or db.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'").fetchone()[0]
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def tool_versions() -> str:
    ogr = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True).stdout.strip()
    return f"ogr2ogr on PATH: {shutil.which('ogr2ogr')} ({ogr})"


def one_round(source: Path, kind: str, counts: dict, run_dir: Path, env: dict, gisdesk_child: list[str]) -> dict:
    """ogr2ogr, the pyogrio copy and gisdesk import of one source, back to back."""
    out = {}
    folder = Path(tempfile.mkdtemp(prefix=f"vs-{kind}-", dir=run_dir))
    target = folder / "ogr2ogr.gpkg"
    cmd = ["ogr2ogr", "-f", "GPKG", str(target), str(source)]
    if kind == "shp":
        cmd[4:4] = ["-nlt", "PROMOTE_TO_MULTI"]
    out["load_before"] = load()
    out["ogr2ogr"] = run(cmd, cwd=folder, env=env)
    out["ogr2ogr"].update(rows=count_rows(target), file_bytes=target.stat().st_size, cmd=cmd)
    target.unlink()
    target = folder / "pyogrio.gpkg"
    out["pyogrio"] = run([sys.executable, "-c", COPY_CHILD, str(source), str(target)], cwd=folder, env=env)
    out["pyogrio"].update(rows=count_rows(target, "buildings"), file_bytes=target.stat().st_size)
    target.unlink()
    project = folder / "project.gpkg"
    run([*gisdesk_child, "--lang", "en", "new", str(project), "--crs", "EPSG:4549"], cwd=folder, env=env)
    out["gisdesk"] = run([*gisdesk_child, "--lang", "en", "import", str(project), str(source), "--as", "buildings"],
                         cwd=folder, env=env)
    out["gisdesk"].update(rows=count_rows(project, "buildings"), file_bytes=project.stat().st_size)
    out["load_after"] = load()
    shutil.rmtree(folder, ignore_errors=True)
    for name, expected in (("ogr2ogr", counts["features"]), ("pyogrio", counts["features"]),
                           ("gisdesk", counts["parts"])):
        if out[name]["rows"] != expected:
            raise RuntimeError(f"{kind}: {name} wrote {out[name]['rows']:,} rows, expected {expected:,}")
    return out


HEADER = ("| source | round | ogr2ogr s | pyogrio copy s | gisdesk import s | gisdesk / ogr2ogr | "
          "gisdesk / pyogrio | cpu s ogr2ogr / gisdesk (ratio) | peak RSS MiB ogr2ogr / pyogrio / gisdesk "
          "| load before → after |")
RULE = "|---|---:|---:|---:|---:|---:|---:|---|---|---|"


def row(kind: str, label: str, r: dict) -> str:
    o, p, g = r["ogr2ogr"], r["pyogrio"], r["gisdesk"]
    return (f"| {kind:<6} | {label:>5} | {o['wall_s']:9.2f} | {p['wall_s']:14.2f} | {g['wall_s']:16.2f} | "
            f"{g['wall_s'] / o['wall_s']:17.2f} | {g['wall_s'] / p['wall_s']:17.2f} | "
            f"{o['cpu_s']:.1f} / {g['cpu_s']:.1f} ({g['cpu_s'] / o['cpu_s']:.2f}) | "
            f"{o['peak_rss'] / MIB:,.0f} / {p['peak_rss'] / MIB:,.0f} / {g['peak_rss'] / MIB:,.0f} | "
            f"{r['load_before']} → {r['load_after']} |")


def compare(n: int, repeat: int, *, cache: Path, bench_root: Path, run_dir: Path, env: dict,
            gisdesk_child: list[str], regen: bool) -> list[str]:
    """The comparison of one size: the report's lines (also printed as they come)."""
    gpkg, shp, counts = sources(n, cache, bench_root, env, regen)
    lines = []

    def say(line=""):
        lines.append(line)
        print(line, flush=True)

    say(f"## gisdesk import vs ogr2ogr, {n:,} buildings ({counts['parts']:,} parts, {counts['multi_part']:,} "
        f"multi-part, {counts['holes']:,} holes, {counts['vertices']:,} vertices, up to {counts['max_vertices']} "
        f"a building; Chinese text attributes)")
    say(tool_versions())
    say(f"sources: {gpkg.name} ({gpkg.stat().st_size / MIB:.0f} MiB), {shp.name} + .dbf (GBK, .cpg) "
        f"({sum(shp.with_suffix(x).stat().st_size for x in SHP_PARTS) / MIB:.0f} MiB)")
    say("each a whole process, wall clock; gisdesk = `gisdesk import P SRC --as buildings` into a fresh project "
        "(new --crs EPSG:4549 before, not counted); rounds run back to back, the ratio of each round from that "
        "round; best = the fastest of each column; cpu = user + system seconds of the process (less swayed by "
        "other jobs on the shared cores than the wall clock)")
    say()
    say(HEADER)
    say(RULE)
    results = {"gpkg": [], "shp": []}
    for i in range(repeat):
        for kind, source in (("gpkg", gpkg), ("shp", shp)):
            r = one_round(source, kind, counts, run_dir, env, gisdesk_child)
            results[kind].append(r)
            say(row(kind, str(i + 1), r))
    for kind in ("gpkg", "shp"):
        if repeat > 1:
            best = {name: min((r[name] for r in results[kind]), key=lambda s: s["wall_s"])
                    for name in ("ogr2ogr", "pyogrio", "gisdesk")}
            best.update(load_before="", load_after="")
            say(row(kind, "best", best).replace(" →  |", " |"))
    say()
    for kind in ("gpkg", "shp"):
        g = min((r["gisdesk"] for r in results[kind]), key=lambda s: s["wall_s"])
        stages = ", ".join(f"{k} {v:.2f}" for k, v in g.get("stages", {}).items())
        say(f"gisdesk from {kind} (its fastest round): cli.main {g['work_s']:.2f} s of {g['wall_s']:.2f} s wall "
            f"(imports {g['imports_s']:.2f} s), cpu {g['cpu_s']:.2f} s; stages: {stages}; project "
            f"{g['file_bytes'] / MIB:.0f} MiB, {g['rows']:,} rows")
        p = min((r["pyogrio"] for r in results[kind]), key=lambda s: s["wall_s"])
        o = min((r["ogr2ogr"] for r in results[kind]), key=lambda s: s["wall_s"])
        say(f"  references from {kind}: ogr2ogr cpu {o['cpu_s']:.2f} s, file {o['file_bytes'] / MIB:.0f} MiB; "
            f"pyogrio read {p['read_s']:.2f} s + write {p['write_s']:.2f} s, file {p['file_bytes'] / MIB:.0f} MiB")
    said = results["gpkg"][0]["gisdesk"]["said"]
    say("gisdesk said (gpkg): " + " | ".join(x.strip() for x in said if x.strip()))
    return lines
