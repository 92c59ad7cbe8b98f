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

from gisdesk.geometry import WORKERS, parallel, point_segment_distance, segment_distance, thread_pool

_BIG = 256  # a group with more geometries than this is cut into cells
_PER_CELL = 4  # about this many geometries per cell
_BY_BOUNDARY = True  # unions of convex polygons by their boundary (False: all by GEOS, as the tests compare)


def dissolved_area(geoms, extent: tuple[float, float, float, float] | None = None) -> float:
    """area(union(geoms)), or area(union(geoms) ∩ box(extent)) with `extent` (xmin, ymin, xmax, ymax)."""
    geoms = _present(geoms)
    if len(geoms) == 0:
        return 0.0
    if extent is not None:
        geoms = _within_extent(geoms, extent)
    if _BY_BOUNDARY and len(geoms) > _BIG:  # as one part, no groups needed
        some = geoms[shapely.area(geoms) > 0]  # what the extent cut to a line or nothing adds no area
        area = _boundary_areas(some, [np.arange(len(some))])[0] if _simple_polygons(some) else np.nan
        if not np.isnan(area):
            return float(area)
    return float(dissolved_areas(geoms, np.zeros(len(geoms), dtype=np.int64), 1)[0])


def _simple_polygons(geoms: np.ndarray) -> bool:
    """Whether all are polygons without holes: whether the boundary method may take them (if convex)."""
    return bool(((shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)).all())


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
    """area(union(geoms[p])) for each p: big parts of convex polygons by their boundary; the other
    big parts by cells, the small ones together over the cores."""
    out = np.full(len(parts), np.nan)
    big = [i for i, p in enumerate(parts) if len(p) > _BIG]
    if big and _BY_BOUNDARY:  # a few GEOS unions of small parts cost less than the boundary's set-up
        out[big] = _boundary_areas(geoms, [parts[i] for i in big])
    small = [i for i, p in enumerate(parts) if len(p) <= _BIG and np.isnan(out[i])]
    for i, p in enumerate(parts):
        if len(p) > _BIG and np.isnan(out[i]):
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


# --- unions of convex polygons, by their boundary ------------------------------------------
#
# area(union) = ½ ∮ (x dy − y dx) over the union's boundary, which is made of the parts of the
# polygons' edges that lie inside no other polygon. For convex polygons the part of an edge
# inside another is one interval of it (Cyrus–Beck clipping against the other's edge lines), so
# the area is a sum over edges with no overlay at all. The cost is in telling, for each edge and
# each neighbour, what of it the neighbour covers; passes decide what they can cheaply and hand
# on only what is still open (see _boundary_areas). An edge lying on a neighbour's edge with the
# same direction (duplicates, shared stretches) is covered only by the neighbour of the lower
# number, so the stretch counts once; in the other direction (two polygons side by side) both
# count and cancel.

_WIDEST = 2048  # a convex ring of more vertices goes to GEOS
_RING_CHUNK = 4  # edges per chunk of a ring: a chunk inside or away from a neighbour is decided whole
_MARGIN = 1e-6  # m: a shortcut decides only what lies farther than this from the boundary it tests
_ON_LINE = 1e-6  # m: an edge whose ends lie this close to a neighbour's edge line lies on that line
_DENSE = 24  # neighbours per polygon: a part denser than this is left to GEOS, which pays less there
_ROWS = 32768  # rows per block of work: its temporaries stay within a few tens of MB


class _Rings:
    """Polygons' exterior rings as flat edges (p: start, d: vector), counter-clockwise, relative to
    `origin`, without repeated points, and which are convex without holes."""

    def __init__(self, polys: np.ndarray, origin: np.ndarray):
        # a polygon's coordinates are its exterior ring's when it has no holes: the others are not taken
        xy, owner = shapely.get_coordinates(polys, return_index=True)
        n = np.bincount(owner, minlength=len(polys))
        keep = np.ones(len(xy), dtype=bool)
        keep[np.cumsum(n)[n > 0] - 1] = False  # the closing point
        keep[1:] &= ~((xy[1:] == xy[:-1]).all(axis=1) & (owner[1:] == owner[:-1]))  # repeated points
        xy, owner = xy[keep] - origin, owner[keep]
        m = np.bincount(owner, minlength=len(polys))
        off = np.r_[0, np.cumsum(m)]
        index = np.arange(len(xy))
        local = index - off[owner]
        after = np.where(local + 1 < m[owner], index + 1, off[owner])
        twice = np.zeros(len(polys))
        if len(xy):
            twice = np.bincount(owner, xy[:, 0] * xy[after, 1] - xy[after, 0] * xy[:, 1], minlength=len(polys))
        # clockwise rings are reversed: vertex k becomes m - 1 - k
        order = np.where(twice[owner] < 0, off[owner] + m[owner] - 1 - local, index)
        xy = xy[order]
        d = xy[after] - xy
        before = np.where(local > 0, index - 1, off[owner] + m[owner] - 1)
        turn = d[before, 0] * d[:, 1] - d[before, 1] * d[:, 0]  # at each vertex: > 0 turns left
        square = d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]
        bent = (turn < 0) & (turn * turn > 1e-18 * square[before] * square)  # a reflex vertex (sine over 1e-9)
        reflex = np.bincount(owner, bent | (square == 0), minlength=len(polys)) > 0  # or an edge of no length
        self.convex = ((shapely.get_type_id(polys) == 3) & (shapely.get_num_interior_rings(polys) == 0)
                       & ~reflex & (m >= 3) & (m <= _WIDEST) & (twice != 0))
        self.p, self.d, self.owner, self.m, self.off = xy, d, owner, m, off
        self.twice = np.abs(twice)

    def prepare(self) -> None:
        """Tables of the half-planes by ring width, each polygon's capsules and its rings' chunks."""
        m = np.where(self.convex, self.m, 0)  # the others get no tables: their parts are not taken
        sizes = np.unique(m[m >= 3])
        widths, width = [], 0  # tables of a few widths, each padding its rings by at most a quarter
        for size in sizes:
            if size > width:
                width = int(sizes[np.searchsorted(sizes, 1.25 * size, side="right") - 1])
                widths.append(width)
        self.widths = np.array(widths or [8])
        self.table = np.searchsorted(self.widths, m)
        self.row = np.zeros(len(m), dtype=np.int64)
        self.tables = {}
        n = len(m)
        self.S0, self.S1 = np.zeros((n, 2)), np.zeros((n, 2))
        self.r_in, self.r_out = np.full(n, -1.0), np.zeros(n)
        for t in np.unique(self.table[m >= 3]):
            K = int(self.widths[t])
            members = np.flatnonzero((self.table == t) & (m >= 3))
            self.row[members] = np.arange(len(members))
            edges = self.off[members, None] + np.minimum(np.arange(K)[None, :], m[members, None] - 1)
            ax, ay = self.p[edges, 0], self.p[edges, 1]
            fx, fy = self.d[edges, 0], self.d[edges, 1]  # the last edge repeated: a harmless half-plane
            fl = np.hypot(fx, fy)
            self.tables[t] = (fx, fy, fx * ay - fy * ax)  # the line of each edge: fx·y − fy·x = c
            self._capsules(members, ax, ay, fx, fy, fl)
        self._chunks()

    def _capsules(self, members, ax, ay, fx, fy, fl) -> None:
        """An axis s = S0–S1 per polygon, from its longest edge and the edge most opposite it (a road
        buffer's centre line), with capsule(s, r_in) ⊂ polygon ⊂ capsule(s, r_out), margins taken."""
        rows = np.arange(len(members))
        longest = np.argmax(fl, axis=1)
        lx, ly = fx[rows, longest] / fl[rows, longest], fy[rows, longest] / fl[rows, longest]
        anti = np.argmin(fx * lx[:, None] + fy * ly[:, None], axis=1)
        a = np.c_[ax[rows, longest], ay[rows, longest]]
        b = a + np.c_[fx[rows, longest], fy[rows, longest]]
        c = np.c_[ax[rows, anti], ay[rows, anti]]
        d = c + np.c_[fx[rows, anti], fy[rows, anti]]
        s0, s1 = (a + d) / 2, (b + c) / 2

        def least(s):  # the least signed distance of s to the edge lines: > 0 inside
            return ((fx * (s[:, 1:2] - ay) - fy * (s[:, 0:1] - ax)) / fl).min(axis=1)

        r = np.minimum(least(s0), least(s1))
        self.S0[members], self.S1[members] = s0, s1
        self.r_in[members] = np.where(r > 2 * _MARGIN, r - _MARGIN, -1.0)
        far = point_segment_distance(np.stack([ax, ay], axis=-1), s0[:, None, :], s1[:, None, :]).max(axis=1)
        self.r_out[members] = far + _MARGIN

    def _chunks(self) -> None:
        """Runs of _RING_CHUNK edges of each ring, with a circle around each run."""
        count = -(-self.m // _RING_CHUNK)
        self.choff = np.r_[0, np.cumsum(count)]
        owner = np.repeat(np.arange(len(self.m)), count)
        first = self.off[owner] + (np.arange(len(owner)) - self.choff[owner]) * _RING_CHUNK
        last = np.minimum(first + _RING_CHUNK, self.off[owner + 1]) - 1
        end = self.p[last] + self.d[last]
        if len(first):  # the box of each run's vertices and end; the circle around the box
            lo = np.minimum(np.minimum.reduceat(self.p, first, axis=0), end)
            hi = np.maximum(np.maximum.reduceat(self.p, first, axis=0), end)
        else:
            lo = hi = np.zeros((0, 2))
        self.ch_first, self.ch_last, self.ch_centre = first, last, (lo + hi) / 2
        self.ch_radius = np.hypot(*(hi - lo).T) / 2 + _MARGIN


def _boundary_areas(geoms: np.ndarray, parts: list[np.ndarray]) -> np.ndarray:
    """area(union(geoms[p])) for each p by the boundary of the union, NaN for the parts it does not
    take (a member not a convex polygon, or too dense: GEOS measures those)."""
    out = np.full(len(parts), np.nan)
    if not parts:
        return out
    members = np.concatenate(parts)
    part = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    polys = geoms[members]
    b = shapely.bounds(polys)
    origin = np.array([(b[:, 0].min() + b[:, 2].max()) / 2, (b[:, 1].min() + b[:, 3].max()) / 2])
    R = _Rings(polys, origin)
    taken = np.bincount(part, ~R.convex, minlength=len(parts)) == 0
    I, J = shapely.STRtree(polys).query(polys)
    same = (part[I] == part[J]) & (I != J) & taken[part[I]]
    I, J = I[same], J[same]
    dense = np.bincount(part[I], minlength=len(parts)) > _DENSE * np.bincount(part, minlength=len(parts))
    taken &= ~dense
    keep = taken[part[I]]
    I, J = I[keep], J[keep]
    if not taken.any():
        return out
    R.prepare()
    whole = np.zeros(len(polys), dtype=bool)
    found = _blocks(_pairs, R, I, J)
    whole[_cat(found, 0)] = True
    I, J = _cat(found, 1), _cat(found, 2)
    keep = ~whole[I]
    found = _blocks(_chunk_rows, R, I[keep], J[keep])
    chunk_in = np.zeros(len(R.ch_first), dtype=bool)
    chunk_in[_cat(found, 0)] = True
    ch, jj = _cat(found, 1), _cat(found, 2)
    keep = ~chunk_in[ch]
    covered = whole[R.owner]
    covered[_expand(R.ch_first[chunk_in], R.ch_last[chunk_in])] = True
    found = _blocks(_edge_rows, R, ch[keep], jj[keep])
    covered[_cat(found, 0)] = True
    g, jj = _cat(found, 1), _cat(found, 2)
    keep = ~covered[g]
    found = _blocks(_exact_rows, R, g[keep], jj[keep])
    covered[_cat(found, 0)] = True
    g, t0, t1 = _cat(found, 1), _cat(found, 2, float), _cat(found, 3, float)
    keep = ~covered[g]
    g, t0, t1 = g[keep], t0[keep], t1[keep]
    cross = R.p[:, 0] * R.d[:, 1] - R.p[:, 1] * R.d[:, 0]  # twice the area each edge adds
    edge_part = part[R.owner]
    twice = np.bincount(edge_part[~covered], cross[~covered], minlength=len(parts))
    if len(g):  # less the parts of partly covered edges: the intervals of an edge sorted by start
        order = np.lexsort((t0, g))
        g, t0, t1 = g[order], t0[order], t1[order]
        new = t1 - t0 - _overlap_with_earlier(g, t0, t1)
        twice -= np.bincount(edge_part[g], cross[g] * new, minlength=len(parts))
    out[taken] = twice[taken] / 2
    return out


def _overlap_with_earlier(g: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """For intervals [t0, t1] sorted by edge g, then t0: how much of each the earlier intervals of the
    same edge cover. Those reach up to the furthest end before it, worked out position by position
    within the edge: a running maximum over all edges at once (offset by the edge number) would
    round the ends to the edge number's last bits, and the error grows with the count of edges."""
    start = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    position = np.arange(len(g)) - np.repeat(start, np.diff(np.r_[start, len(g)]))
    reach = np.full(len(g), -1.0)  # the furthest end of the earlier intervals of the edge
    for k in range(1, int(position.max()) + 1 if len(g) else 0):
        at = np.flatnonzero(position == k)
        reach[at] = np.maximum(reach[at - 1], t1[at - 1])
    return np.clip(np.minimum(t1, reach) - t0, 0.0, None)


def _blocks(func, R: _Rings, *rows: np.ndarray) -> list:
    """func(R, *rows) over blocks of the rows, one after the other. The passes are numpy gathers and
    arithmetic bound by memory: on two threads the 1 M grid city took as long (6 s) and 50 % more
    CPU (8.5-9.6 s against 5.8 s), so the second core is left to whatever else runs."""
    n = len(rows[0])
    return [func(R, *(r[s:s + _ROWS] for r in rows)) for s in range(0, n, _ROWS)]


def _cat(found: list, k: int, dtype=np.int64) -> np.ndarray:
    parts = [f[k] for f in found]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _pairs(R: _Rings, I, J):
    """Pass 1, pairs of polygons: those whose outer capsules meet, and the polygons I that lie in J's
    inner capsule (covered whole)."""
    S0, S1, r_out = R.S0, R.S1, R.r_out
    near = segment_distance(S0[I], S1[I], S0[J], S1[J]) <= r_out[I] + r_out[J]
    I, J = I[near], J[near]
    far = np.maximum(point_segment_distance(S0[I], S0[J], S1[J]), point_segment_distance(S1[I], S0[J], S1[J])) + r_out[I]
    inside = far < R.r_in[J]
    return I[inside], I[~inside], J[~inside]


def _chunk_rows(R: _Rings, I, J):
    """Pass 2, chunks of I's ring: those in J's inner capsule, and the (chunk, J) that may meet J."""
    count = R.choff[I + 1] - R.choff[I]
    ch = _expand(R.choff[I], R.choff[I + 1] - 1)
    jj = np.repeat(J, count)
    dc = point_segment_distance(R.ch_centre[ch], R.S0[jj], R.S1[jj])
    radius = R.ch_radius[ch]
    inside = dc + radius < R.r_in[jj]
    mixed = ~inside & (dc - radius <= R.r_out[jj])
    return ch[inside], ch[mixed], jj[mixed]


def _edge_rows(R: _Rings, ch, jj):
    """Pass 3, edges of the open chunks: those in J's inner capsule, and the (edge, J) still open."""
    g = _expand(R.ch_first[ch], R.ch_last[ch])
    jj = np.repeat(jj, R.ch_last[ch] - R.ch_first[ch] + 1)
    p0 = R.p[g]
    s0, s1, r = R.S0[jj], R.S1[jj], R.r_in[jj]
    inside = (point_segment_distance(p0, s0, s1) < r) & (point_segment_distance(p0 + R.d[g], s0, s1) < r)
    return g[inside], g[~inside], jj[~inside]


def _exact_rows(R: _Rings, g, jj):
    """Pass 4, the (edge, J) still open that meet J's outer capsule: the part of the edge inside J by
    Cyrus–Beck. Returns the edges J covers whole, then (edges, t0, t1) of the parts."""
    p0 = R.p[g]
    meet = segment_distance(p0, p0 + R.d[g], R.S0[jj], R.S1[jj]) <= R.r_out[jj]
    g, jj = g[meet], jj[meet]
    whole, eg, et0, et1 = [], [], [], []
    table = R.table[jj]
    for t in np.unique(table):
        mine = table == t
        gt, t0, t1 = g[mine], *_clip(R, g[mine], jj[mine], t)
        hit = t1 > t0
        gt, t0, t1 = gt[hit], t0[hit], t1[hit]
        full = (t0 <= 0) & (t1 >= 1)
        whole.append(gt[full])
        eg.append(gt[~full]), et0.append(t0[~full]), et1.append(t1[~full])
    empty = np.zeros(0)
    return (np.concatenate(whole) if whole else empty.astype(np.int64), np.concatenate(eg) if eg else empty.astype(np.int64),
            np.concatenate(et0) if et0 else empty, np.concatenate(et1) if et1 else empty)


def _clip(R: _Rings, g, j, t):
    """The parameter interval [t0, t1] of each edge g inside convex polygon j (t1 < t0: none), against
    j's edge lines; an edge on a line of j (both ends within _ON_LINE) is inside that half-plane
    only if it runs the same way and j is the polygon of the lower number.

    Most lines leave both ends of the edge well inside: only the others are looked at one by one."""
    rows = R.row[j]
    fx, fy, c = (a[rows] for a in R.tables[t])
    px, py = R.p[g, 0:1], R.p[g, 1:2]
    qx, qy = px + R.d[g, 0:1], py + R.d[g, 1:2]
    n0 = fx * py - fy * px - c  # > 0: the edge's start is on the inner side of the line (× its length)
    n1 = fx * qy - fy * qx - c  # and its end
    row, col = np.nonzero(np.minimum(n0, n1) <= _ON_LINE * (np.abs(fx) + np.abs(fy)))  # ≥ its tolerance below
    t0, t1 = np.zeros(len(g)), np.ones(len(g))
    if not len(row):
        return t0, t1
    n0, n1 = n0[row, col], n1[row, col]
    tol = _ON_LINE * np.hypot(fx[row, col], fy[row, col])
    on = (np.abs(n0) <= tol) & (np.abs(n1) <= tol)
    same = fx[row, col] * R.d[g[row], 0] + fy[row, col] * R.d[g[row], 1] > 0
    on_inside = on & same & (j[row] < R.owner[g[row]])
    outside = (on & ~on_inside) | (~on & (n0 <= 0) & (n1 <= 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = n0 / (n0 - n1)  # where the edge crosses the line
    enter = ~on & (n0 <= 0) & (n1 > 0)
    leave = ~on & (n0 > 0) & (n1 <= 0)
    np.maximum.at(t0, row[enter], cut[enter])
    np.minimum.at(t1, row[leave], cut[leave])
    t1[row[outside]] = -1.0
    return np.clip(t0, 0.0, 1.0), np.where(t1 < 0, -1.0, np.clip(t1, 0.0, 1.0))


def _expand(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """first[0]..last[0], first[1]..last[1], … as one array."""
    count = last - first + 1
    return np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
