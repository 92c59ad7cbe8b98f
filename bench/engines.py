"""Baselines for the check benchmark (issue 8): other spatial engines on the same project file.

    python -m bench.engines PROJECT [--engines sedonadb duckdb shapely gisdesk] [--threads 2] [--out FILE]

Every engine reads the project's GeoPackage itself (the layers are plain GeoPackage tables:
`buildings` and `<kind>_lines` for red, green, blue, purple, yellow), makes the zones as
gisdesk/layers/zones.py defines them — a polygon is its own zone, a centre line its buffer of
`half_width_m` with round ends — and answers every building × zone pair that intersects with
the area of their overlap. It reports the pairs with area > 0 and their total area, and the
same for area > the rules' overlap tolerance (0.5 m²). The generated cities have no `side`
field (one-sided boundary lines); an engine refuses a layer that has one rather than answer
something else.

Each engine runs in its own child process; the parent takes its peak memory (ru_maxrss) from
os.wait4. `run` is the child's time from the first read to the answer (imports, connecting and loading
DuckDB's extension excluded),
`process` the child's whole wall time. `gisdesk` is `gisdesk check PROJECT` as a whole process
(`python -c "from gisdesk.cli import console; console()" check ...` from this tree's root, so a
checkout elsewhere measures its own gisdesk; on a copy of the project, since the check stores
its results in it), compared through the stored conflicts' `overlap_m2` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ENGINES = ("sedonadb", "duckdb", "shapely", "gisdesk")
CONTROL_TABLES = {"red": "red_lines", "green": "green_lines", "blue": "blue_lines",
                  "purple": "purple_lines", "yellow": "yellow_lines"}  # kind_of(kind).table
SUBJECTS = "buildings"
TOLERANCE_M2 = 0.5  # resources/rules/default.toml [tolerance] overlap_m2


def _layers(path: str) -> dict[str, list[str]]:
    """The control tables in the project and their fields."""
    import pyogrio

    names = {str(n) for n, _ in pyogrio.list_layers(path)}
    out = {}
    for kind, table in CONTROL_TABLES.items():
        if table in names:
            fields = list(pyogrio.read_info(path, layer=table)["fields"])
            if "side" in fields:
                raise SystemExit(f"{table} has a 'side' field: one-sided zones are not modelled by the baselines")
            out[kind] = fields
    return out


def _answer(areas) -> dict:
    import numpy as np

    areas = np.asarray(areas, dtype=float)
    over = areas > TOLERANCE_M2
    return {"pairs": int((areas > 0).sum()), "area_m2": float(areas[areas > 0].sum()),
            "pairs_over_tol": int(over.sum()), "area_over_tol_m2": float(areas[over].sum())}


# --- the engines (each in its own child) ---------------------------------------------------------

def _plain_wkb(table, name: str):
    """The table with its geometry column renamed `geom` and without CRS metadata (SedonaDB
    refuses to mix the buffers' missing CRS with the read layers' one)."""
    i = table.schema.get_field_index(name)
    field = table.schema.field(i).with_name("geom").with_metadata(
        {b"ARROW:extension:name": b"geoarrow.wkb", b"ARROW:extension:metadata": b"{}"})
    return table.set_column(i, field, table.column(i))


def run_sedonadb(path: str, threads: int, started=lambda: None) -> dict:
    """SedonaDB: the layers read to Arrow with pyogrio (only the columns needed) and handed over;
    buffers, the spatial join (ST_Intersects, its optimised join), intersection areas in SQL."""
    import pyarrow as pa
    import pyogrio
    import sedonadb

    sd = sedonadb.connect()
    sd.sql(f"SET datafusion.execution.target_partitions = {threads}").execute()
    started()
    meta, buildings = pyogrio.read_arrow(path, layer=SUBJECTS, columns=["uid"])
    sd.create_data_frame(_plain_wkb(buildings, meta["geometry_name"] or "wkb_geometry")).to_view("b")
    parts = []
    for kind, fields in _layers(path).items():
        columns = ["uid"] + (["half_width_m"] if "half_width_m" in fields else [])
        meta, table = pyogrio.read_arrow(path, layer=CONTROL_TABLES[kind], columns=columns)
        if "half_width_m" not in columns:
            table = table.append_column("half_width_m", pa.nulls(len(table), pa.float64()))
        sd.create_data_frame(_plain_wkb(table, meta["geometry_name"] or "wkb_geometry")).to_view(f"c_{kind}")
        parts.append(f"SELECT '{kind}' AS kind, uid, half_width_m, geom FROM c_{kind}")
    sd.sql(" UNION ALL ".join(parts)).to_view("c")
    # two branches rather than CASE: a CASE of geometries loses the geometry type in 0.5
    sd.sql("SELECT kind, uid, ST_Buffer(geom, half_width_m) AS zone FROM c "
           "WHERE upper(ST_GeometryType(geom)) LIKE '%LINE%' UNION ALL "
           "SELECT kind, uid, geom AS zone FROM c WHERE upper(ST_GeometryType(geom)) NOT LIKE '%LINE%'").to_view("z")
    result = pa.table(sd.sql(f"""
        SELECT count(*) AS pairs, sum(a) AS area_m2,
               sum(CASE WHEN a > {TOLERANCE_M2} THEN 1 ELSE 0 END) AS pairs_over_tol,
               sum(CASE WHEN a > {TOLERANCE_M2} THEN a ELSE 0 END) AS area_over_tol_m2
        FROM (SELECT ST_Area(ST_Intersection(b.geom, z.zone)) AS a
              FROM b JOIN z ON ST_Intersects(b.geom, z.zone)) WHERE a > 0""").arrow()).to_pylist()[0]
    return {k: (v or 0) for k, v in result.items()}


def run_duckdb(path: str, threads: int, started=lambda: None) -> dict:
    """DuckDB + spatial (the extension from the duckdb-extension-spatial package, loaded by
    path): ST_Read of the GeoPackage, buffers, SPATIAL_JOIN on ST_Intersects, areas in SQL."""
    import glob

    import duckdb
    import duckdb_extension_spatial

    found = glob.glob(os.path.join(os.path.dirname(duckdb_extension_spatial.__file__), "extensions", "*",
                                   "spatial.duckdb_extension"))
    if not found:
        raise SystemExit("no spatial.duckdb_extension in the duckdb-extension-spatial package")
    con = duckdb.connect(config={"threads": threads, "autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.execute(f"LOAD '{found[0]}'")
    started()
    layers = _layers(path)
    path = path.replace("'", "''")  # a literal: ST_Read with a bound parameter takes 1.5 s longer
    con.execute(f"CREATE TABLE b AS SELECT uid, geom FROM ST_Read('{path}', layer='{SUBJECTS}')")
    parts = []
    for kind, fields in layers.items():
        half = "half_width_m" if "half_width_m" in fields else "NULL::DOUBLE"
        parts.append(f"SELECT '{kind}' AS kind, uid, CASE WHEN ST_GeometryType(geom)::VARCHAR LIKE '%LINE%' "
                     f"THEN ST_Buffer(geom, {half}) ELSE geom END AS zone "
                     f"FROM ST_Read('{path}', layer='{CONTROL_TABLES[kind]}')")
    con.execute("CREATE TABLE z AS " + " UNION ALL ".join(parts))
    row = con.execute(f"""
        SELECT count(*), coalesce(sum(a), 0), count(*) FILTER (WHERE a > {TOLERANCE_M2}),
               coalesce(sum(a) FILTER (WHERE a > {TOLERANCE_M2}), 0)
        FROM (SELECT ST_Area(ST_Intersection(b.geom, z.zone)) AS a
              FROM b JOIN z ON ST_Intersects(b.geom, z.zone)) WHERE a > 0""").fetchone()
    return dict(zip(("pairs", "area_m2", "pairs_over_tol", "area_over_tol_m2"), row))


def run_shapely(path: str, threads: int, started=lambda: None) -> dict:
    """shapely 2: pyogrio to Arrow, WKB to GEOS, buffers, an STRtree of the buildings queried by
    the (prepared) zones, the query and the intersection areas split over `threads` (GEOS
    releases the GIL)."""
    import numpy as np
    import pyogrio
    import shapely

    def geoms_of(table, meta):
        return shapely.from_wkb(table.column(meta["geometry_name"] or "wkb_geometry").to_numpy(zero_copy_only=False))

    pool = ThreadPoolExecutor(threads)

    def split(func, *arrays):
        bounds = np.linspace(0, len(arrays[0]), threads * 4 + 1).astype(int)
        return list(pool.map(lambda ab: func(*(a[ab[0]:ab[1]] for a in arrays)), zip(bounds[:-1], bounds[1:])))

    started()
    meta, table = pyogrio.read_arrow(path, layer=SUBJECTS, columns=[])
    buildings = geoms_of(table, meta)
    zones = []
    for kind, fields in _layers(path).items():
        columns = ["half_width_m"] if "half_width_m" in fields else []
        meta, table = pyogrio.read_arrow(path, layer=CONTROL_TABLES[kind], columns=columns)
        geoms = geoms_of(table, meta)
        line = np.isin(shapely.get_type_id(geoms), (1, 2, 5))
        if line.any():
            half = table.column("half_width_m").to_numpy(zero_copy_only=False).astype(float)
            geoms[line] = np.concatenate(split(shapely.buffer, geoms[line], half[line]))
        zones.append(geoms)
    zones = np.concatenate(zones)
    # the buildings indexed, the zones querying it: shapely prepares each query geometry, so a
    # large zone (a ring road's 10 k vertices) is prepared once for all its candidates; the
    # other way round (zones indexed) the ring city takes 68 s instead of a few
    tree = shapely.STRtree(buildings)
    order = np.random.default_rng(0).permutation(len(zones))  # chunks of similar cost
    offsets = np.linspace(0, len(zones), threads * 4 + 1).astype(int)

    def query(a, b):
        zi, bi = tree.query(zones[order[a:b]], predicate="intersects")
        return bi, order[a:b][zi]

    pairs = list(pool.map(lambda ab: query(*ab), zip(offsets[:-1], offsets[1:])))
    bi, zi = np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])
    areas = np.concatenate(split(lambda b, z: shapely.area(shapely.intersection(b, z)), buildings[bi], zones[zi]))
    return _answer(areas)


RUNNERS = {"sedonadb": run_sedonadb, "duckdb": run_duckdb, "shapely": run_shapely}


IMPORTS = {"sedonadb": ("pyarrow", "pyogrio", "sedonadb"), "duckdb": ("duckdb", "duckdb_extension_spatial"),
           "shapely": ("numpy", "pyogrio", "shapely")}


def _child_main(engine: str, path: str, threads: int, out: str) -> int:
    import importlib

    for module in IMPORTS[engine]:  # not timed: `process_s` has them
        importlib.import_module(module)
    clock = {}
    answer = RUNNERS[engine](path, threads, lambda: clock.setdefault("t0", time.perf_counter()))
    answer["run_s"] = time.perf_counter() - clock["t0"]
    Path(out).write_text(json.dumps(answer))
    return 0


# --- in the parent --------------------------------------------------------------------------------

def _timed(cmd: list[str], cwd: Path, log: Path) -> tuple[float, int, int]:
    """Run cmd as a child; its wall time, peak RSS (bytes, from os.wait4) and exit status."""
    with open(log, "w") as handle:
        t0 = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss * 1024, child.returncode


def gisdesk_conflicts(project: Path) -> dict:
    """The stored conflicts of the last check, as the engines count them: pairs with overlap_m2 > 0
    (any relation: a sliver under the tolerances is a setback row that keeps its overlap_m2) and > 0.5."""
    import numpy as np

    from gisdesk.project import CONFLICTS

    with sqlite3.connect(f"file:{project}?mode=ro", uri=True) as db:
        rows = db.execute(f"SELECT relation, overlap_m2 FROM {CONFLICTS}").fetchall()
    relation = np.array([r[0] for r in rows], dtype=object)
    area = np.array([r[1] if r[1] is not None else 0.0 for r in rows], dtype=float)
    return {**_answer(area), "encroach": int((relation == "encroach").sum()),
            "setback": int((relation == "setback").sum())}


def run_engine(engine: str, project: Path, threads: int = 2) -> dict:
    """One engine in its own child process: its answer, `run_s`, `process_s` and `peak_bytes`."""
    root = Path(__file__).resolve().parent.parent
    work = Path(tempfile.mkdtemp(prefix=f"bench-{engine}-", dir=project.parent))
    try:
        if engine == "gisdesk":
            copy = work / project.name
            shutil.copyfile(project, copy)
            # what the console script runs, with this tree's gisdesk first on sys.path (cwd = root)
            cmd = [sys.executable, "-c", "from gisdesk.cli import console; console()"]
            wall, peak, status = _timed([*cmd, "check", str(copy), "--out", str(work / "out")], root, work / "log.txt")
            if status:
                raise RuntimeError(f"gisdesk check failed ({status}): {(work / 'log.txt').read_text()[-2000:]}")
            return {**gisdesk_conflicts(copy), "run_s": wall, "process_s": wall, "peak_bytes": peak}
        out = work / "answer.json"
        wall, peak, status = _timed([sys.executable, "-m", "bench.engines", "--_engine", engine, str(project),
                                     "--threads", str(threads), "--_answer", str(out)], root, work / "log.txt")
        if status:
            raise RuntimeError(f"{engine} failed ({status}): {(work / 'log.txt').read_text()[-2000:]}")
        return {**json.loads(out.read_text()), "process_s": wall, "peak_bytes": peak}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def table(n: int, results: dict[str, dict]) -> list[str]:
    """The issue's table: engine | N whole run | process | peak memory, with ratios to SedonaDB,
    then the answers (pairs and areas) side by side."""
    base = results.get("sedonadb")
    lines = [f"| engine | {n:,}: whole run | × SedonaDB | process | peak memory | × SedonaDB |",
             "|---|---|---|---|---|---|"]
    names = {"sedonadb": "SedonaDB (2 partitions)", "duckdb": "DuckDB spatial", "shapely": "shapely 2, 2 threads",
             "gisdesk": "`gisdesk check` (whole process)"}
    for engine, r in results.items():
        ratio = f"{r['run_s'] / base['run_s']:.1f}×" if base else "—"
        mem = f"{r['peak_bytes'] / base['peak_bytes']:.1f}×" if base else "—"
        lines.append(f"| {names.get(engine, engine)} | {r['run_s']:.2f} s | {ratio} | {r['process_s']:.2f} s | "
                     f"{r['peak_bytes'] / 1024 ** 3:.2f} GB | {mem} |")
    lines += ["", "| engine | pairs, area > 0 | area m² | pairs, area > 0.5 m² | area m² |", "|---|---|---|---|---|"]
    for engine, r in results.items():
        lines.append(f"| {engine} | {r['pairs']:,} | {r['area_m2']:,.1f} | {r['pairs_over_tol']:,} | "
                     f"{r['area_over_tol_m2']:,.1f} |")
    if "gisdesk" in results:
        g = results["gisdesk"]
        lines.append(f"(gisdesk: {g['encroach']:,} encroach and {g['setback']:,} setback rows; its pairs are the "
                     f"stored conflicts with overlap_m2 > 0, which omit slivers of zones without a setback, i.e. purple)")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--_engine", choices=sorted(RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--_answer", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._engine:
        return _child_main(args._engine, str(args.project.resolve()), args.threads, args._answer)
    with sqlite3.connect(f"file:{args.project.resolve()}?mode=ro", uri=True) as db:
        n = db.execute(f"SELECT count(*) FROM {SUBJECTS}").fetchone()[0]
    results = {}
    for engine in args.engines:
        results[engine] = run_engine(engine, args.project.resolve(), args.threads)
        print(f"{engine}: {results[engine]}", file=sys.stderr, flush=True)
    lines = [f"{args.project.name}; load {os.getloadavg()[0]:.2f}", *table(n, results)]
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
