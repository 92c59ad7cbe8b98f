"""Time the demo's atlases: `gisdesk export --default --atlas conflicts|cases|districts --pdf`.

    python -m bench.atlas_bench [--atlases conflicts cases districts] [--limit N]

One fresh `gisdesk export` process per atlas (Python's start and imports included) on a checked copy
of data/demo.gpkg with its two .mbtiles beside it, in bench/out/atlas/. Prints per atlas the pages,
the file's size, the export's own time (as it reports it), the whole process's wall time and its CPU
time (user + system of the child): on a shared machine the CPU time is the figure that does not
depend on the others' load.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
OUT = ROOT / "bench" / "out" / "atlas"
GISDESK = Path(sys.executable).with_name("gisdesk")


def prepare(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "demo.gpkg"
    shutil.copyfile(DATA / "demo.gpkg", project)
    for mbtiles in DATA.glob("demo_imagery_*.mbtiles"):
        shutil.copyfile(mbtiles, folder / mbtiles.name)
    subprocess.run([str(GISDESK), "check", str(project), "--out", str(folder / "check")], check=True,
                   capture_output=True)
    return project


def run(project: Path, atlas: str, limit: int | None) -> dict:
    out = project.parent / f"{atlas}.pdf"
    args = [str(GISDESK), "--lang", "en", "export", str(project), "--default", "--atlas", atlas, "--pdf", str(out)]
    if limit:
        args += ["--limit", str(limit)]
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    wall = time.perf_counter() - started
    after = os.times()
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    own = float(re.search(r"in ([\d.]+) s\)", done.stdout).group(1))
    pages = int(re.search(r"(\d+) pages", done.stdout).group(1))
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"atlas": atlas, "pages": pages, "mb": out.stat().st_size / 1e6, "export_s": own, "wall_s": wall,
            "cpu_s": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--atlases", nargs="+", default=["conflicts", "cases", "districts"])
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    project = prepare(OUT)
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores")
    for atlas in args.atlases:
        r = run(project, atlas, args.limit)
        print(f"{r['atlas']:<10} {r['pages']:>4} pages {r['mb']:6.1f} MB  export {r['export_s']:6.1f} s  "
              f"process {r['wall_s']:6.1f} s  CPU {r['cpu_s']:6.1f} s ({1000 * r['cpu_s'] / r['pages']:.0f} ms a page)")


if __name__ == "__main__":
    main()
