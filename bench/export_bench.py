"""Time `gisdesk export` of the demo's default A3 page, with and without its base maps.

    python -m bench.export_bench [--runs 5] [--formats pdf png svg]

Each run is a fresh `gisdesk export` process (what a user waits for, Python's start and imports
included) on a checked copy of data/demo.gpkg in bench/out/export/: once with the two .mbtiles
beside it (the page draws the top one) and once without them (they show as missing: no image).
Prints per case the median and the range of the export's own time (as it reports it) and of the
whole process, and the file's size.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
OUT = ROOT / "bench" / "out" / "export"
GISDESK = Path(sys.executable).with_name("gisdesk")


def prepare(folder: Path, with_basemaps: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "demo.gpkg"
    shutil.copyfile(DATA / "demo.gpkg", project)
    for mbtiles in DATA.glob("demo_imagery_*.mbtiles"):
        target = folder / mbtiles.name
        if with_basemaps:
            shutil.copyfile(mbtiles, target)
        else:
            target.unlink(missing_ok=True)
    subprocess.run([str(GISDESK), "check", str(project), "--out", str(folder / "check")], check=True,
                   capture_output=True)
    return project


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--formats", nargs="+", default=["pdf", "png", "svg"])
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GISDESK_LANG": "en"}
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    for with_basemaps in (False, True):
        project = prepare(OUT / ("with-basemaps" if with_basemaps else "no-basemaps"), with_basemaps)
        for fmt in args.formats:
            out = project.with_name(f"a3.{fmt}")
            own, whole = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                done = subprocess.run([str(GISDESK), "export", str(project), "--default", f"--{fmt}", str(out)],
                                      env=env, capture_output=True, text=True, check=True)
                whole.append(time.perf_counter() - started)
                own.append(float(re.search(r"in ([\d.]+) s\)", done.stdout)[1]))
            print(f"{'with' if with_basemaps else 'without'} base maps, {fmt}: export {statistics.median(own):.2f} s "
                  f"({min(own):.2f}-{max(own):.2f}), process {statistics.median(whole):.2f} s "
                  f"({min(whole):.2f}-{max(whole):.2f}), {out.stat().st_size / 1e6:.2f} MB")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
