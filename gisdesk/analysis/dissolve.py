"""Dissolved measures: the area (or length) of the union of many geometries, without a big union.

Overlaps of different buildings rarely touch each other, so the union is mostly the
sum of the parts. Only geometries whose bounding boxes meet (connected through the
spatial index) are unioned, group by group; the rest are measured as they are.

A big group, such as the zones of a connected road network, is not unioned in one
piece: the plane is cut into a grid of cells, each geometry that crosses a cell edge
is clipped to the cells it meets, and the pieces of each cell are unioned on their
own. Cells share only their edges, which have no area, so the sum of the cells'
dissolved areas is the dissolved area. The small unions run on all cores (GEOS
releases the GIL).

Lengths are dissolved by another route: lines that only cross or touch share no
length, so only lines that share a stretch (interiors meeting in a line) are unioned.
"""

from __future__ import annotations

import numpy as np
import shapely

from gisdesk.geometry import WORKERS, parallel, thread_pool

_BIG = 256  # a group with more geometries than this is cut into cells
# about this many geometries per cell: fewer clip more pieces, more make bigger unions. The red zones'
# union of the grid city 1 M (100,800 stadiums): 4 → 7.8-8.6 s, 16 → 6.9-7.3 s, 64 → 6.3-6.5 s, 256 → 7.1-7.9 s
_PER_CELL = 64


def dissolved_area(geoms, extent: tuple[float, float, float, float] | None = None) -> float:
    """area(union(geoms)), or area(union(geoms) ∩ box(extent)) with `extent` (xmin, ymin, xmax, ymax)."""
    geoms = _present(geoms)
    if len(geoms) == 0:
        return 0.0
    if extent is not None:
        geoms = _within_extent(geoms, extent)
    return float(dissolved_areas(geoms, np.zeros(len(geoms), dtype=np.int64), 1)[0])


def dissolved_areas(geoms: np.ndarray, sets: np.ndarray, count: int, members: np.ndarray | None = None) -> np.ndarray:
    """The dissolved area of each of `count` sets of geometries: area(union(geoms[members[sets == s]])).

    `members` (default: every geometry, each in set `sets[i]`) index `geoms`, one row per
    membership: a geometry may be in several sets. Missing or empty geometries count 0.
    """
    geoms = np.asarray(geoms, dtype=object)
    members = np.arange(len(geoms)) if members is None else np.asarray(members, dtype=np.int64)
    sets = np.asarray(sets, dtype=np.int64)
    out = np.zeros(count, dtype=float)
    if len(members) == 0:
        return out
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    keep = present[members]
    members, sets = members[keep], sets[keep]
    if len(members) == 0:
        return out
    used = np.unique(members)
    group = np.full(len(geoms), -1, dtype=np.int64)
    group[used] = bbox_groups(geoms[used])
    area = np.zeros(len(geoms))
    area[used] = shapely.area(geoms[used])
    # one part per (set, bbox group): parts never overlap one another, their dissolved areas add
    key = sets * (int(group.max()) + 1) + group[members]
    order = np.argsort(key, kind="stable")
    key, members, sets = key[order], members[order], sets[order]
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    size = np.diff(np.r_[start, len(key)])
    single = start[size == 1]
    np.add.at(out, sets[single], area[members[single]])
    many = np.flatnonzero(size > 1)
    if len(many):
        # parts with the same members (one building's overlaps under its group and under ALL) are unioned once
        parts = [members[start[i]:start[i] + size[i]] for i in many]
        unique: dict[bytes, int] = {}
        which = np.array([unique.setdefault(p.tobytes(), len(unique)) for p in parts])
        firsts = np.zeros(len(unique), dtype=np.int64)
        firsts[which[::-1]] = np.arange(len(parts))[::-1]
        areas = _union_areas(geoms, [parts[i] for i in firsts])
        np.add.at(out, sets[start[many]], areas[which])
    return out


def dissolved_length(geoms, extent: tuple[float, float, float, float] | None = None) -> float:
    """length(union(geoms)), or of union(geoms) ∩ box(extent) with `extent`."""
    geoms = _present(geoms)
    if len(geoms) == 0:
        return 0.0
    if extent is not None:
        geoms = _within_extent(geoms, extent)
        geoms = geoms[~shapely.is_empty(geoms)]
    length = shapely.length(geoms)
    first, second = shapely.STRtree(geoms).query(geoms)  # pairs whose boxes meet
    pairs = first < second
    first, second = first[pairs], second[pairs]
    first, second = _maybe_collinear(geoms, first, second)
    if len(first):  # of those, the pairs whose interiors share a stretch of line
        shared = parallel(shapely.relate_pattern, geoms[first], geoms[second], pattern="1********")
        first, second = first[shared], second[shared]
    if len(first) == 0:
        return float(length.sum())
    group = components(len(geoms), first, second)
    sizes = np.bincount(group)
    alone = sizes[group] == 1
    total = float(length[alone].sum())
    order = np.argsort(group, kind="stable")
    order = order[sizes[group[order]] > 1]
    bounds = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:]):
        total += float(shapely.length(shapely.union_all(geoms[order[a:b]])))
    return total


def touching_groups(geoms: np.ndarray) -> np.ndarray:
    """A group number per geometry: geometries that intersect, directly or in a chain, share one."""
    first, second = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    return components(len(geoms), first, second)


def bbox_groups(geoms: np.ndarray) -> np.ndarray:
    """A group number per geometry: geometries whose bounding boxes meet, directly or in a chain,
    share one. Coarser than touching_groups (a union of a group is still exact) and cheaper."""
    first, second = shapely.STRtree(geoms).query(geoms)
    return components(len(geoms), first, second)


def components(n: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Connected components of the graph of n nodes with edges first[i]–second[i], numbered 0..k-1
    in the order of their smallest node."""
    label = np.arange(n)
    first, second = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    while True:
        a, b = label[first], label[second]
        open_ = a != b
        if not open_.any():
            break
        first, second, a, b = first[open_], second[open_], a[open_], b[open_]
        np.minimum.at(label, np.maximum(a, b), np.minimum(a, b))  # hook the larger root under the smaller
        while True:  # point every node at its root
            up = label[label]
            if np.array_equal(up, label):
                break
            label = up
    return np.unique(label, return_inverse=True)[1]


# --- inside -------------------------------------------------------------------------------

def _present(geoms) -> np.ndarray:
    geoms = np.asarray(geoms, dtype=object).ravel()
    geoms = geoms[~shapely.is_missing(geoms)]
    return geoms[~shapely.is_empty(geoms)]


def _within_extent(geoms: np.ndarray, extent) -> np.ndarray:
    """geoms ∩ box(extent); those inside the box stay as they are (cheaper, the same measure)."""
    xmin, ymin, xmax, ymax = extent
    b = shapely.bounds(geoms)
    inside = (b[:, 0] >= xmin) & (b[:, 1] >= ymin) & (b[:, 2] <= xmax) & (b[:, 3] <= ymax)
    if inside.all():
        return geoms
    out = geoms.copy()
    out[~inside] = shapely.intersection(geoms[~inside], shapely.box(xmin, ymin, xmax, ymax))
    return out


def _maybe_collinear(geoms: np.ndarray, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs that may share a stretch of line: of two straight segments (2-point lines), only those
    whose endpoints both lie on the other's line, as far as floating point can tell, and that overlap
    along it. A pair ruled out here has an endpoint clearly off the other's line, so the segments meet
    in a point at most, or shares at most a billionth of its length (touching ends)."""
    straight = (shapely.get_type_id(geoms) == 1) & (shapely.get_num_coordinates(geoms) == 2)
    both = straight[first] & straight[second]
    if not both.any():
        return first, second
    index = np.flatnonzero(straight)
    ends = np.zeros((len(geoms), 2, 2))
    ends[index] = shapely.get_coordinates(geoms[index]).reshape(-1, 2, 2)
    a, b = first[both], second[both]
    p, d = ends[a, 0], ends[a, 1] - ends[a, 0]
    r, s = ends[b, 0] - p, ends[b, 1] - p
    off = np.maximum(np.abs(d[:, 0] * r[:, 1] - d[:, 1] * r[:, 0]), np.abs(d[:, 0] * s[:, 1] - d[:, 1] * s[:, 0]))
    scale = np.abs(d).sum(axis=1) * (np.abs(r).sum(axis=1) + np.abs(s).sum(axis=1) + np.abs(d).sum(axis=1))
    # on one line, the stretch the two share along it, as a fraction of the first: none, or a point only,
    # when they follow each other (consecutive pieces of a street)
    along = np.einsum("ij,ij->i", d, d)
    tr, ts = np.einsum("ij,ij->i", r, d) / along, np.einsum("ij,ij->i", s, d) / along
    shared = np.minimum(1.0, np.maximum(tr, ts)) - np.maximum(0.0, np.minimum(tr, ts))
    keep = ~both
    # near or on one line and sharing more than a rounding error of length: GEOS decides
    keep[np.flatnonzero(both)[(off <= 1e-9 * scale) & (shared > 1e-9)]] = True
    return first[keep], second[keep]


def _union_areas(geoms: np.ndarray, parts: list[np.ndarray]) -> np.ndarray:
    """area(union(geoms[p])) for each p: big parts by cells, the small ones together over the cores."""
    out = np.full(len(parts), np.nan)
    small = [i for i, p in enumerate(parts) if len(p) <= _BIG]
    for i, p in enumerate(parts):
        if len(p) > _BIG:
            out[i] = _tiled_area(geoms[p])
    if small:
        out[small] = _union_rows_area([geoms[parts[i]] for i in small])
    return out


def _union_rows_area(rows: list[np.ndarray]) -> np.ndarray:
    """area(union_all(row)) of each row of geometries, by a few calls of union_all(axis=1) over threads."""
    order = np.argsort([len(r) for r in rows], kind="stable")  # rows of like size pad each other little
    out = np.zeros(len(rows))
    batches = np.array_split(order, max(1, min(8 * WORKERS, len(rows) // 64)))

    def run(batch):
        width = max(len(rows[i]) for i in batch)
        table = np.full((len(batch), width), None, dtype=object)
        for k, i in enumerate(batch):
            table[k, :len(rows[i])] = rows[i]
        try:
            return shapely.area(shapely.union_all(table, axis=1))
        except shapely.errors.GEOSException:  # a clipped piece GEOS cannot node: repair and retry row by row
            return np.array([shapely.area(shapely.union_all(shapely.make_valid(r[r != None])))  # noqa: E711
                             for r in table])

    batches = [b for b in batches if len(b)]
    if WORKERS > 1 and len(batches) > 1:
        results = list(thread_pool().map(run, batches))
    else:
        results = [run(b) for b in batches]
    for batch, areas in zip(batches, results):
        out[batch] = areas
    return out


def _tiled_area(geoms: np.ndarray) -> float:
    """area(union(geoms)) as the sum over the cells of a grid of the area of the union of the pieces in
    each cell. A geometry inside one cell is a piece as it is; one that crosses cell edges is clipped
    to each cell its box meets (GEOS's rectangle clipping: exact, cheap)."""
    b = shapely.bounds(geoms)
    x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    if not (x1 > x0 and y1 > y0):
        return 0.0
    side = np.sqrt((x1 - x0) * (y1 - y0) * _PER_CELL / len(geoms))
    nx = int(np.clip(np.ceil((x1 - x0) / side), 1, 2048))
    ny = int(np.clip(np.ceil((y1 - y0) / side), 1, 2048))
    ex, ey = np.linspace(x0, x1, nx + 1), np.linspace(y0, y1, ny + 1)
    ix0 = np.clip(np.searchsorted(ex, b[:, 0], "right") - 1, 0, nx - 1)
    ix1 = np.clip(np.searchsorted(ex, b[:, 2], "left") - 1, 0, nx - 1)
    iy0 = np.clip(np.searchsorted(ey, b[:, 1], "right") - 1, 0, ny - 1)
    iy1 = np.clip(np.searchsorted(ey, b[:, 3], "left") - 1, 0, ny - 1)
    one = (ix0 == ix1) & (iy0 == iy1)  # the box lies in one cell (edges included): no clipping
    many = np.flatnonzero(~one)
    wide, high = ix1[many] - ix0[many] + 1, iy1[many] - iy0[many] + 1
    count = wide * high
    source = np.repeat(many, count)
    step = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    px = ix0[source] + step % np.repeat(wide, count)
    py = iy0[source] + step // np.repeat(wide, count)
    cell = py * nx + px
    order = np.argsort(cell, kind="stable")
    source, cell = source[order], cell[order]
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]]) if len(cell) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(cell)]

    def clip(span):
        out = []
        for s, e in zip(starts[span[0]:span[1]], ends[span[0]:span[1]]):
            i, j = cell[s] % nx, cell[s] // nx
            out.append(shapely.clip_by_rect(geoms[source[s:e]], ex[i], ey[j], ex[i + 1], ey[j + 1]))
        return out

    spans = np.linspace(0, len(starts), 4 * WORKERS + 1).astype(int)
    spans = list(zip(spans[:-1], spans[1:]))
    clipped = [piece for part in thread_pool().map(clip, spans) for piece in part]
    pieces = np.concatenate([geoms[one], *clipped]) if clipped else geoms[one]
    cells = np.concatenate([iy0[one] * nx + ix0[one], cell])
    keep = ~shapely.is_empty(pieces)
    pieces, cells = pieces[keep], cells[keep]
    # within a cell, only pieces whose boxes meet (in a chain) are unioned: a part per (cell, box group)
    first, second = shapely.STRtree(pieces).query(pieces)
    same = (cells[first] == cells[second]) & (first < second)
    part = components(len(pieces), first[same], second[same])
    order = np.argsort(part, kind="stable")
    pieces, part = pieces[order], part[order]
    bounds = np.flatnonzero(np.r_[True, part[1:] != part[:-1], True])
    sizes = np.diff(bounds)
    total = float(shapely.area(pieces[bounds[:-1][sizes == 1]]).sum())
    rows = [pieces[a:b] for a, b, n in zip(bounds[:-1], bounds[1:], sizes) if n > 1]
    return total + float(_union_rows_area(rows).sum()) if rows else total
