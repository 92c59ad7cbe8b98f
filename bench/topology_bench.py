"""Time the import's topology check (gisdesk.io.topology) on a generated grid of buildings.

    .venv/bin/python -m bench.topology_bench 100000 1000000

The grid: 10 × 10 m footprints 14 m apart (a 4 m lane between them), and in it, planted at known
places, what the check must find: every 97th building shifted 2 m onto its east neighbour (an
overlap of 20 m²), every 101st replaced by a 10 × 0.2 m strip (a sliver), and every 113th by four small
buildings around a 1 × 1 m hole (a gap), each planted cell between two plain buildings. Every 7th row is a
terrace of buildings sharing their walls (touching, not overlapping): what real blocks look like,
and what makes the gap search union many features. Prints the time and what was found, which must
equal what was planted.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import shapely

from gisdesk.io.topology import find_topology, summary

SIZE, PITCH = 10.0, 14.0


def grid(n: int):
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    col, row = i % side, i // side
    terrace = row % 7 == 3
    x0 = np.where(terrace, col * SIZE, col * PITCH)  # a terrace: walls shared with the neighbours
    y0 = row * PITCH
    kind = np.zeros(n, dtype=int)  # 1 overlap, 2 sliver, 3 gap
    kind[i % 97 == 0], kind[i % 101 == 50], kind[i % 113 == 7] = 1, 2, 3
    inner = ~terrace & (col > 0) & (col < side - 1) & (i + 1 < n)
    alone = np.concatenate([[False], kind[:-2] == 0, [False]]) & np.concatenate([[False], kind[2:] == 0, [False]])
    kind[~(inner & alone)] = 0  # planted cells apart: the east and west neighbours are plain buildings
    x0 = np.where(kind == 1, x0 + PITCH - SIZE + 2.0, x0)  # 2 m into the east neighbour: 20 m²
    h = np.where(kind == 2, 0.2, SIZE)  # a 10 × 0.2 m strip
    geoms = shapely.box(x0, y0, x0 + SIZE, y0 + h)
    x, y = x0[kind == 3], y0[kind == 3]  # four buildings of 1-3 m around a 1 × 1 m hole
    geoms[kind == 3] = shapely.box(x, y, x + 3, y + 1)
    extra = np.concatenate([shapely.box(x + 2, y + 1, x + 3, y + 3), shapely.box(x, y + 2, x + 2, y + 3),
                            shapely.box(x, y + 1, x + 1, y + 2)])
    geoms = np.concatenate([geoms, extra])
    planted = {p: int((kind == k).sum()) for k, p in ((1, "overlap"), (2, "sliver"), (3, "gap"))}
    return geoms, np.array([f"b{k}" for k in range(len(geoms))], dtype=object), planted


def main(sizes: list[int]) -> None:
    for n in sizes:
        geoms, uids, planted = grid(n)
        start, cpu = time.perf_counter(), time.process_time()
        found = find_topology(geoms, uids)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"{len(geoms):>9,} buildings: {seconds:6.2f} s ({cpu:.2f} s CPU)  found {summary(found)}  "
              f"planted {planted}", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000])
