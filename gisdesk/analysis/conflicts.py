"""The conflict check (docs/domain.md §1): buildings against the zones of the control lines.

For a subject polygon B and a control feature with zone Z and required setback r:
- `encroach` when area(B∩Z) > overlap_m2 and depth ≥ width_m, where depth is how far B
  reaches into Z: sup{d : B ∩ Z.buffer(-d) ≠ ∅} = max over p in B∩Z of dist(p, ∂Z);
- otherwise `setback` when r > 0 and distance(B, Z) < r (0 when they touch or overlap
  by a sliver), with shortfall r − distance.

Candidates come from a spatial index of the subjects (a polygon zone asks with its box, a
centre line with the box of each of its segments, both grown by the setback); exact geometry
runs only on those pairs, vectorised with shapely over all cores (gisdesk.geometry.parallel).
Depth has closed forms where they are provably exact and a general method for the rest
(encroachment_depth). Inputs are frames in one metric CRS, so the same engine serves the CLI,
the UI and a partitioned run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gisdesk.analysis import periods
from gisdesk.crs import is_metric_projected
from gisdesk.errors import InputError
from gisdesk.geometry import (WORKERS, parallel, point_box_distance, point_segment_distance, polygonal, polygonal_parts,
                              release_freed_memory, segment_distance, side, thread_pool)
from gisdesk.jobs import Feedback
from gisdesk.layers.zones import centre_lines, control_zones
from gisdesk.rules import Rules

# conflicts.csv, in this order; subject_layer is the subject's kind (the name is older than
# layer ids), subject_table and control_table are the layer ids; period, exemption and
# subject_name come from gisdesk.analysis.periods
CONFLICT_COLUMNS = ["subject_layer", "subject_id", "control_kind", "control_id", "relation",
                    "overlap_m2", "depth_m", "distance_m", "required_m", "shortfall_m", "subject_table", "control_table",
                    "period", "exemption", "subject_name"]
ENCROACH, SETBACK = "encroach", "setback"
_PREPARED = 256  # zones with more coordinates than this are prepared (see _control_zones)

# Depth is exact to about 2 × _PROBE: the eroded zones that test it are drawn finely enough
# that a chord never hides a point (see _covered).
_PROBE = 0.002  # m
_QUAD_SEGS = np.array([8, 16, 32, 64, 128, 256, 512, 1024])
_INNER = np.cos(np.pi / (4 * _QUAD_SEGS))  # GEOS's arc of radius r stays this far out: r * _INNER

@dataclass
class CheckResult:
    conflicts: pd.DataFrame  # CONFLICT_COLUMNS, plus `overlap`: the geometry of B∩Z (None if disjoint)
    checked: dict[str, int]  # features checked per subject layer (id)
    skipped: dict[str, int]  # empty or non-polygon features per subject layer (e.g. ledger points)
    repaired: dict[str, int]  # invalid geometries repaired with make_valid, per layer
    controls: dict[str, int]  # control features per control layer
    rules: Rules
    crs: CRS | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def count(self, relation: str) -> int:
        return int((self.conflicts["relation"] == relation).sum())


def check_conflicts(subjects: dict[str, pd.DataFrame], controls: dict[str, pd.DataFrame], rules: Rules,
                    *, crs: CRS | None = None, kinds: dict[str, str] | None = None,
                    feedback: Feedback | None = None) -> CheckResult:
    """Check every polygon of every subject layer against every feature of every control layer.

    `subjects` maps a layer id to a frame with `uid` and `geometry`; `controls` maps a layer
    id to a frame with `uid`, `geometry` and optionally `half_width_m`, `side`, `setback_m`
    and `road_class`; `kinds` gives each layer's kind (default: the id is the kind, as in
    {"buildings": ..., "red": ...}). All geometries in the same metric CRS `crs`.
    """
    kinds = kinds or {}
    feedback = feedback or Feedback()
    if crs is not None and not is_metric_projected(crs):
        raise InputError("冲突检查需要米制投影坐标系，而不是 {crs}", "the conflict check needs a metric projected CRS, not {crs}",
                         crs=crs.name)
    repaired: dict[str, int] = {}

    feedback.set_stage("zones")
    zones = _control_zones(controls, kinds, rules)
    repaired.update(zones.repaired)

    parts, checked, skipped = [], {}, {}
    for n, (layer, frame) in enumerate(subjects.items()):
        feedback.set_stage(f"{layer}")
        geoms, usable, fixed = polygonal(np.asarray(frame.geometry.values, dtype=object))
        repaired[layer] = fixed
        checked[layer] = int(usable.sum())
        skipped[layer] = int(len(geoms) - usable.sum())
        subject_index = np.flatnonzero(usable)
        parts.append(_check_layer(
            (kinds.get(layer, layer), layer), geoms[subject_index], _UidsOf(frame["uid"], subject_index),
            zones, rules, feedback, progress=(n / max(len(subjects), 1), (n + 1) / max(len(subjects), 1))))
    feedback.finish()
    conflicts = pd.concat(parts, ignore_index=True) if parts else _empty_conflicts()
    conflicts = conflicts.sort_values(["subject_layer", "subject_id", "control_kind", "control_id", "subject_table",
                                       "control_table"], kind="stable", ignore_index=True)
    conflicts = periods.annotate(conflicts, subjects, controls, rules, kinds)
    return CheckResult(conflicts, checked, skipped, repaired, zones.counts, rules, crs, dict(feedback.timings))


@dataclass
class _Zones:
    """Every control feature's zone, one row per feature, all control layers together."""
    geoms: np.ndarray  # polygons, prepared where they have over _PREPARED coordinates
    boundaries: np.ndarray
    kind: np.ndarray
    table: np.ndarray  # layer id
    uid: np.ndarray
    required: np.ndarray  # setback, m
    line: np.ndarray  # the centre line where the zone is its buffer (both sides), else None
    half: np.ndarray  # its half width, else NaN
    segments: np.ndarray  # every segment (x0, y0, x1, y1) of those lines,
    segment_zone: np.ndarray  # and the zone it belongs to
    counts: dict[str, int]  # features per control layer
    repaired: dict[str, int]


def _control_zones(controls: dict[str, pd.DataFrame], kinds: dict[str, str], rules: Rules) -> _Zones:
    columns: dict[str, list] = {name: [] for name in ("geoms", "kind", "table", "uid", "required", "line", "half")}
    counts, repaired = {}, {}
    for table, frame in controls.items():
        kind = kinds.get(table, table)
        zones, repaired[table] = control_zones(frame, kind)
        line, half = centre_lines(frame)
        for name, values in (("geoms", zones), ("kind", np.full(len(zones), kind, dtype=object)),
                             ("table", np.full(len(zones), table, dtype=object)),
                             ("uid", frame["uid"].astype(str).to_numpy()),
                             ("required", required_setbacks(frame, kind, rules)), ("line", line), ("half", half)):
            columns[name].append(values)
        counts[table] = len(frame)
    arrays = {name: np.concatenate(parts) if parts else np.empty(0, dtype=float if name in ("required", "half")
                                                                 else object)
              for name, parts in columns.items()}
    # GEOS's prepared dwithin and intersects pay off on large zones (a ring road's 10,000
    # vertices) and cost 2-3× more on the small ones (a block edge's road): grid city 1 M,
    # dwithin and intersects 7.6 s all prepared, 4.2 s these only; ring city 100 k, 0.5 s, 5.1 s none
    boundaries = parallel(shapely.boundary, arrays["geoms"])  # (before they are prepared: no thread shares one then)
    shapely.prepare(arrays["geoms"][shapely.get_num_coordinates(arrays["geoms"]) > _PREPARED])
    parts, zone = shapely.get_parts(arrays["line"], return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    same = np.flatnonzero(part[1:] == part[:-1])  # consecutive vertices of one part make a segment
    return _Zones(boundaries=boundaries, segments=np.hstack([xy[same], xy[same + 1]]),
                  segment_zone=zone[part[same]], counts=counts, repaired=repaired, **arrays)


def _check_layer(layer, geoms, uids, zones: _Zones, rules, feedback, *, progress) -> pd.DataFrame:
    """The conflicts of one subject layer; `layer` is its (kind, id)."""
    kind, table = layer
    required = zones.required
    start, end = progress
    span = end - start
    if len(geoms) == 0 or len(zones.geoms) == 0:
        return _empty_conflicts()
    # Candidates from an index of the zones' reach, the smaller side, asked by every subject on all
    # cores: for a polygon zone, its box grown by the setback; for a centre line, the box of each of
    # its segments grown by h + setback (a ring road's box holds the whole city), less the subjects
    # a bound in numpy puts beyond that reach (a rotated road's box holds many far from it).
    # Then the exact test on all cores.
    bounds = shapely.bounds(geoms)
    polygon = np.flatnonzero(shapely.is_missing(zones.line))
    xmin, ymin, xmax, ymax = shapely.bounds(zones.geoms[polygon]).T
    r = required[polygon]
    seg = zones.segments
    reach = (zones.half + required)[zones.segment_zone] + _PROBE
    lo, hi = np.minimum(seg[:, :2], seg[:, 2:]) - reach[:, None], np.maximum(seg[:, :2], seg[:, 2:]) + reach[:, None]
    tree = shapely.STRtree(np.concatenate([shapely.box(xmin - r, ymin - r, xmax + r, ymax + r),
                                           shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1])]))
    chunks = np.linspace(0, len(geoms), 4 * WORKERS + 1).astype(np.int64)
    found = list(thread_pool().map(lambda k: tree.query(geoms[chunks[k]:chunks[k + 1]]) + [[chunks[k]], [0]],
                                   range(len(chunks) - 1)))
    subj, at = np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])
    del tree, found
    on_polygon = at < len(polygon)
    pairs = [polygon[at[on_polygon]] * len(geoms) + subj[on_polygon]]
    at, subj = at[~on_polygon] - len(polygon), subj[~on_polygon]
    feedback.set_progress(start + span * 0.2)
    feedback.check_cancelled()
    near = np.concatenate(list(thread_pool().map(  # numpy lets go of the GIL on arrays this long: both cores
        lambda i: _segment_gap(seg[at[i:i + _SLICE]], bounds[subj[i:i + _SLICE]]) <= reach[at[i:i + _SLICE]],
        range(0, len(at), _SLICE))) or [np.zeros(0, dtype=bool)])
    pairs.append(zones.segment_zone[at[near]] * len(geoms) + subj[near])
    pairs = np.unique(np.concatenate(pairs))  # sorted by zone
    zone_idx, subj_idx = pairs // len(geoms), pairs % len(geoms)
    feedback.set_progress(start + span * 0.25)
    within = parallel(shapely.dwithin, zones.geoms[zone_idx], geoms[subj_idx], required[zone_idx], keys=zone_idx)
    zone_idx, subj_idx = zone_idx[within], subj_idx[within]
    feedback.set_progress(start + span * 0.5)
    if len(zone_idx) == 0:
        return _empty_conflicts()

    B, Z = geoms[subj_idx], zones.geoms[zone_idx]
    r = required[zone_idx]
    overlapping = parallel(shapely.intersects, Z, B, keys=zone_idx)
    # what follows looks at the zone near B only: a zone of many vertices (a ring road) by its
    # piece in a tile around B, which every step below reaches no farther than `room` from B
    half = np.nan_to_num(zones.half[zone_idx])
    xmin, ymin, xmax, ymax = bounds[subj_idx].T
    diag = np.hypot(xmax - xmin, ymax - ymin)
    margin = np.maximum.reduce([r, 2 * half, 2 * diag + half]) + 4 * _PROBE
    near, tiled, piece_edges = _tile_pieces(zones.geoms, zone_idx, bounds[subj_idx], margin, polygons=True)
    line, cut, _ = _tile_pieces(zones.line, zone_idx, bounds[subj_idx], margin)
    del bounds  # of every subject (32 MB at 1 M), before the depth's peak
    room = np.where(tiled | cut, margin, np.inf)
    edges = zones.boundaries[zone_idx]
    edges[tiled] = piece_edges[tiled]
    overlap = np.full(len(B), None, dtype=object)
    area = np.zeros(len(B))
    depth = np.zeros(len(B))
    distance = np.zeros(len(B))
    o = np.flatnonzero(overlapping)
    overlap[o] = polygonal(parallel(shapely.intersection, B[o], near[o]))[0]
    area[o] = shapely.area(overlap[o])
    feedback.set_progress(start + span * 0.7)
    feedback.check_cancelled()

    deep = np.flatnonzero(area > 0)
    depth[deep] = encroachment_depth(B[deep], overlap[deep], near[deep], edges[deep], lines=line[deep],
                                     half=zones.half[zone_idx[deep]], room=room[deep])
    wide = deep[np.isnan(depth[deep])]  # reached farther than its tile: on the whole zone
    at = zone_idx[wide]
    depth[wide] = encroachment_depth(B[wide], overlap[wide], Z[wide], zones.boundaries[at], lines=zones.line[at],
                                     half=zones.half[at])
    feedback.set_progress(start + span * 0.9)

    apart = np.flatnonzero(~overlapping)  # nearer than r ≤ room: the piece holds the nearest point
    distance[apart] = parallel(shapely.distance, B[apart], near[apart])

    encroach = (area > rules.overlap_m2) & (depth >= rules.width_m)
    setback = ~encroach & (r > 0) & (distance < r)
    keep = encroach | setback
    relation = np.where(encroach, ENCROACH, SETBACK)
    frame = pd.DataFrame({
        "subject_layer": kind,
        "subject_id": uids.take(subj_idx[keep]),
        "control_kind": zones.kind[zone_idx][keep],
        "control_id": zones.uid[zone_idx][keep],
        "relation": relation[keep],
        "overlap_m2": area[keep],
        "depth_m": depth[keep],
        "distance_m": distance[keep],
        "required_m": r[keep],
        "shortfall_m": np.maximum(r - distance, 0.0)[keep],
        "subject_table": table,
        "control_table": zones.table[zone_idx][keep],
        "overlap": overlap[keep],
    })
    feedback.set_progress(end)
    return frame


def _tile_pieces(geoms: np.ndarray, index: np.ndarray, boxes: np.ndarray, margin: np.ndarray, *,
                 polygons: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """geoms[index], where such a geometry has over _TILED coordinates its piece in a square tile
    that holds the row's box grown by `margin`; which rows are pieces; and with `polygons`, the
    pieces are kept polygonal (without the lines where a zone touches its tile's side) and the
    third array holds each piece's boundary (else None). Rows of one tile share one piece and
    one boundary: made once, not once per row (a ring road's pieces near 50,000 buildings).

    The piece is the geometry itself within `margin` of the box, so whatever looks no farther
    than that sees the same; its other edges lie on the tile's sides. Tiles of side 2g start
    at multiples of g (g a power of two times _TILE, at least the grown box's side), so each
    box fits in one, and rows near each other share it: each piece is cut once.
    """
    out = geoms[index]
    big = ~shapely.is_missing(out) & (shapely.get_num_coordinates(out) > _TILED)
    at = np.flatnonzero(big)
    edges = np.full(len(out), None, dtype=object) if polygons else None
    if not len(at):
        return out, big, edges
    x0, y0 = boxes[at, 0] - margin[at], boxes[at, 1] - margin[at]
    side = np.maximum(boxes[at, 2] - boxes[at, 0], boxes[at, 3] - boxes[at, 1]) + 2 * margin[at]
    g = _TILE * 2.0 ** np.ceil(np.log2(np.maximum(side / _TILE, 1.0)))
    key = np.stack([index[at].astype(float), g, np.floor(x0 / g), np.floor(y0 / g)], axis=1)
    tiles, which = np.unique(key, axis=0, return_inverse=True)
    zone, size, ix, iy = tiles.T
    tile = shapely.box(ix * size, iy * size, (ix + 2) * size, (iy + 2) * size)
    pieces = parallel(shapely.intersection, geoms[zone.astype(np.int64)], tile)
    if polygons:
        pieces = polygonal_parts(pieces)
        edges[at] = shapely.boundary(pieces)[which.ravel()]
    out[at] = pieces[which.ravel()]
    return out, big, edges


_SLICE = 1 << 18  # box pairs whose bound is computed at once: its temporaries take ~100 B a pair


class _UidsOf:
    """A subject layer's uids as text, of its usable features (`index`): made only for the rows kept
    (a million Python strings would take ~70 MB and 0.1 s for the few thousand conflicts)."""

    def __init__(self, column: pd.Series, index: np.ndarray):
        self.column, self.index = column, index

    def take(self, rows: np.ndarray) -> np.ndarray:
        return self.column.iloc[self.index[rows]].astype(str).to_numpy()


_TILED = 2048  # coordinates: a zone with more is cut into tiles around the buildings near it
_TILE = 64.0  # m, the smallest tile step


def _segment_gap(segments: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """A lower bound of the distance from each segment (x0, y0, x1, y1) to a geometry with these
    bounds: the segment's distance to the centre of the box, less its half diagonal."""
    centre = (bounds[:, :2] + bounds[:, 2:]) / 2
    radius = np.hypot(*(bounds[:, 2:] - bounds[:, :2]).T) / 2
    return point_segment_distance(centre, segments[:, :2], segments[:, 2:]) - radius


def _empty_conflicts() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object if c in ("subject_layer", "subject_id", "control_kind",
                                                              "control_id", "relation", "subject_table",
                                                              "control_table") else float)
                          for c in CONFLICT_COLUMNS})
    frame["overlap"] = pd.Series(dtype=object)
    return frame


# --- setbacks ---------------------------------------------------------------------------

def required_setbacks(frame: pd.DataFrame, kind: str, rules: Rules) -> np.ndarray:
    """Setback per feature: its own `setback_m`, else the rule by `road_class`, else the kind's rule."""
    r = np.full(len(frame), rules.setback[kind], dtype=float)
    if kind == "red" and "road_class" in frame:
        by_class = frame["road_class"].map(rules.setback_by_road_class).to_numpy(dtype=float, na_value=np.nan)
        r = np.where(np.isnan(by_class), r, by_class)
    if "setback_m" in frame:
        own = pd.to_numeric(frame["setback_m"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        r = np.where(np.isnan(own), r, own)
    return r


# --- depth ------------------------------------------------------------------------------

def encroachment_depth(buildings: np.ndarray, overlaps: np.ndarray, zones: np.ndarray, boundaries: np.ndarray, *,
                       lines: np.ndarray | None = None, half: np.ndarray | None = None,
                       room: np.ndarray | None = None) -> np.ndarray:
    """Depth of each overlap I = B∩Z into its zone: max over p in I of dist(p, ∂Z), to ±4 mm.

    Where Z is the buffer of a centre line (`lines`, with `half` widths; None/NaN for other
    zones) and the line near B is one straight piece, the depth is h − distance(B, line)
    exactly (see _straight_depth); the other pairs go to the general method.
    """
    n = len(overlaps)
    depth = np.full(n, np.nan)
    if lines is not None and n:
        buffered = np.flatnonzero(~shapely.is_missing(lines) & (half > 0))
        depth[buffered] = _straight_depth(buildings[buffered], lines[buffered], half[buffered], boundaries[buffered])
    # a whole zone that is a convex polygon: exactly, in numpy (a tile's piece has sides that are not the zone's)
    rest = np.flatnonzero(np.isnan(depth))
    whole = rest if room is None else rest[np.isinf(room[rest])]
    depth[whole] = _convex_depth(overlaps[whole], zones[whole])
    # in slices: each pair's depth is its own, and what the general method builds for a pair (the
    # zone near it, its candidates, the eroded zones) is let go of before the next slice is made
    rest = np.flatnonzero(np.isnan(depth))
    for part in (rest[i:i + _DEPTH_SLICE] for i in range(0, len(rest), _DEPTH_SLICE)):
        depth[part] = _general_depth(buildings[part], overlaps[part], zones[part], boundaries[part],
                                     lines=None if lines is None else lines[part],
                                     half=None if half is None else half[part],
                                     room=None if room is None else room[part])
        release_freed_memory()
    return depth


_DEPTH_SLICE = 1024  # pairs (ring city 1 M: 45,000 pairs go to the general method; 4096 a slice peaked 150 MB higher)


def _straight_depth(buildings: np.ndarray, lines: np.ndarray, half: np.ndarray,
                    boundaries: np.ndarray) -> np.ndarray:
    """h − distance(B, L), or the depth to a round cap near it, where that is provably the depth
    of B into buffer(L, h); NaN elsewhere.

    Let d = distance(B, L) < h and let the part of L within the box of B grown by 2h be one
    straight segment S (two points after clipping: no vertex, bend, junction or other part
    of the same feature near B). Then for every p in B∩Z with nearest line point c, the point
    q at distance h from c through p has distance h to L (any other line point within h of q
    would lie within 2h of B), so dist(p, ∂Z) = h − dist(p, L) for the true buffer, and the
    depth is at most h − d. GEOS's polygon lies inside the true buffer, so its depth is at
    most that too. It is reached when B comes within d of S shortened by h at both ends: that
    point of B sees the exact offset sides at h − d, and the (chorded) round caps, more than
    h away along the line. Otherwise a cap is near, and the depth is the upper bound h − d
    when some point of B nearest to S shortened by less has that distance to the zone's
    boundary (to 2 × _PROBE); the rest go to the general method.
    """
    depth = np.full(len(buildings), np.nan)
    d = parallel(shapely.distance, buildings, lines)
    near = np.flatnonzero(d < half)
    if not len(near):
        return depth
    B, L, h = buildings[near], lines[near], half[near]
    xmin, ymin, xmax, ymax = shapely.bounds(B).T
    reach = 2 * h + _PROBE
    box = shapely.box(xmin - reach, ymin - reach, xmax + reach, ymax + reach)
    piece = L.copy()  # a line of one segment, or one inside the box, is its own piece; others are clipped to the box
    lx0, ly0, lx1, ly1 = shapely.bounds(L).T
    inside = (lx0 > xmin - reach) & (ly0 > ymin - reach) & (lx1 < xmax + reach) & (ly1 < ymax + reach)
    bent = np.flatnonzero(((shapely.get_type_id(L) != 1) | (shapely.get_num_coordinates(L) != 2)) & ~inside)
    piece[bent] = parallel(shapely.intersection, L[bent], box[bent])
    one = np.flatnonzero((shapely.get_type_id(piece) == 1) & (shapely.get_num_coordinates(piece) == 2))
    coords = shapely.get_coordinates(piece[one]).reshape(-1, 2, 2)
    start, end = coords[:, 0], coords[:, 1]
    length = np.hypot(*(end - start).T)
    along = (end - start) / np.maximum(length, 1e-12)[:, None]
    upper = h[one] - d[near[one]]
    lower = np.full(len(one), -np.inf)
    todo, local = np.arange(len(one)), None
    for shrink in (1.0, 0.5, 0.1, 0.0):  # the first is exact by itself; the others are checked
        # the point of B nearest to S shortened by cut at both ends
        cut = np.minimum(shrink * h[one[todo]], length[todo] / 2)[:, None]
        inner = shapely.linestrings(np.stack([start[todo] + along[todo] * cut, end[todo] - along[todo] * cut], axis=1))
        found = parallel(shapely.shortest_line, B[one[todo]], inner)
        points = shapely.get_point(found, 0)
        if shrink == 1.0:
            reached = (length > 2 * h[one]) & (parallel(shapely.distance, points, inner) <= d[near[one]] + 1e-9)
            lower[reached] = upper[reached]
            keep = ~reached
            todo, points, found = todo[keep], points[keep], found[keep]
            if not len(todo):
                break
            local = parallel(shapely.intersection, boundaries[near[one[todo]]], box[one[todo]])
        seen = parallel(shapely.distance, points, local)  # its depth, if the point lies in the zone:
        inside = shapely.length(found) < h[one[todo]] * _CHORD  # nearer the line than GEOS's chords
        lower[todo] = np.where(inside, np.maximum(lower[todo], seen), lower[todo])
        keep = lower[todo] < upper[todo] - 2 * _PROBE
        todo, local = todo[keep], local[keep]
        if not len(todo):
            break
    exact = lower >= upper - 2 * _PROBE
    depth[near[one[exact]]] = upper[exact]
    # a piece of several segments: h − d is the depth where no other part of the line comes near the
    # zone's sides where B is (_unobstructed), and the point of B nearest to the line sees it
    many = np.setdiff1d(np.flatnonzero(~shapely.is_empty(piece)), one)
    factor = _unobstructed(piece[many], B[many], h[many], np.c_[xmin, ymin, xmax, ymax][many], reach[many])
    many, factor = many[~np.isnan(factor)], factor[~np.isnan(factor)]
    if len(many):
        found = parallel(shapely.shortest_line, B[many], L[many])
        # the point's nearest of ∂Z lies within h − d of it, inside the box: no need to cut ∂Z to it
        seen = parallel(shapely.distance, shapely.get_point(found, 0), boundaries[near[many]])
        upper = (h[many] - d[near[many]]) * factor
        exact = (shapely.length(found) < h[many] * _CHORD) & (seen >= upper - 2 * _PROBE)
        depth[near[many[exact]]] = upper[exact]
    return depth


def _unobstructed(pieces: np.ndarray, buildings: np.ndarray, h: np.ndarray, boxes: np.ndarray,
                  reach: np.ndarray) -> np.ndarray:
    """A factor k ≥ 1 such that dist(p, ∂Z) ≤ k·(h − d) for every p of B in Z = buffer(L, h) (the true
    buffer), d = dist(B, L), or NaN where this sufficient test finds none; in numpy. `pieces` are L
    within B's box grown by `reach` ≥ 2h, `boxes` B's boxes.

    For p in Z with nearest line point c, the point q at distance h from c through p is on ∂Z when
    no line point is nearer to q than h: then dist(p, ∂Z) ≤ |pq| = h − dist(p, L) ≤ h − d. Only line
    points within 2h of B can be that near, and they lie in the piece. Where c is inside an edge e,
    q lies on e's offset to p's side, over the part of e that B's box projects to (σ), if B meets
    the band of points within h of e there. The next edge stays at least h from σ where the line
    turns away from that side. Where it turns toward it by δ, σ comes nearer than h to it only over
    the kite round the bisector whose far corner M is the two offsets' crossing; if the kite fits
    on both edges and no other edge comes within h of M, M is on ∂Z and every point of the kite at
    least d from the line lies within (h − d) / cos(δ/2) of M. Where c is a vertex, q lies on the
    arc on the side the line turns away from, inside the triangle of the arc's end tangents, and at
    the line's own end on the round cap, each half of it in such a triangle. So every σ, kite corner
    and triangle must stay farther than h from every other edge (not its own).
    """
    n = len(pieces)
    if n > _PIECES:  # in slices: the (shape, edge) rows of 100,000 pieces take ~200 MB
        return np.concatenate([_unobstructed(pieces[i:i + _PIECES], buildings[i:i + _PIECES], h[i:i + _PIECES],
                                             boxes[i:i + _PIECES], reach[i:i + _PIECES]) for i in range(0, n, _PIECES)])
    factor = np.where(shapely.get_num_coordinates(pieces) <= _FEW, 1.0, np.nan)
    if np.isnan(factor).all():
        return factor
    parts, owner = shapely.get_parts(pieces, return_index=True)
    xy, at = shapely.get_coordinates(parts, return_index=True)
    pair = owner[at]
    x0, y0, x1, y1 = boxes[pair].T
    gap = point_box_distance(xy, boxes[pair])  # to B's box
    first = np.r_[True, at[1:] != at[:-1]]
    last = np.r_[at[1:] != at[:-1], True]
    # an end that is not on the piece's sides is the line's own end, with a round cap (a closed
    # ring's seam is taken as two: each cap then meets the other edge, and the test fails)
    r = reach[pair]
    cut = ((np.abs(xy[:, 0] - (x0 - r)) < 1e-6) | (np.abs(xy[:, 0] - (x1 + r)) < 1e-6) |
           (np.abs(xy[:, 1] - (y0 - r)) < 1e-6) | (np.abs(xy[:, 1] - (y1 + r)) < 1e-6))
    cap = (first | last) & ~cut & (gap <= h[pair])
    e = np.flatnonzero(~last & ~np.isnan(factor[pair]))  # edge i runs from vertex e[i] to e[i] + 1
    a, b, ep = xy[e], xy[e + 1], pair[e]
    length = np.hypot(*(b - a).T)
    factor[ep[length == 0]] = np.nan  # a repeated point: its vertex would have no arc
    e, a, b, ep, length = (x[length > 0] for x in (e, a, b, ep, length))
    hh = h[ep]
    u = (b - a) / length[:, None]
    normal = np.c_[-u[:, 1], u[:, 0]]  # to the left
    index = np.full(len(xy), -1)
    index[e] = np.arange(len(e))
    before = np.where(first[e], -1, index[np.maximum(e - 1, 0)])  # the edges either side, -1 at an end
    after = np.where(last[e + 1], -1, index[np.minimum(e + 1, len(xy) - 1)])
    # the vertex at the end of edge i: its turn (> 0 left), cos δ/2, and whether its kite fits
    nxt = np.maximum(after, 0)
    turn = np.where(after >= 0, u[:, 0] * u[nxt, 1] - u[:, 1] * u[nxt, 0], 0.0)
    cos_turn = np.clip(np.einsum("ij,ij->i", u, u[nxt]), -1.0, 1.0)
    half_cos = np.sqrt((1 + cos_turn) / 2)
    half_tan = np.sqrt((1 - cos_turn) / np.maximum(1 + cos_turn, 1e-300))
    fits = (after >= 0) & (hh * half_tan < np.minimum(length, length[nxt]))
    factor[ep[(after >= 0) & (np.abs(turn) <= 1e-12) & (cos_turn <= 0)]] = np.nan  # turning right back: a cap
    inner_n1, inner_n2 = np.sign(turn)[:, None] * normal, np.sign(turn)[:, None] * normal[nxt]
    kite_m = b + hh[:, None] * (inner_n1 + inner_n2) / np.maximum(1 + np.einsum("ij,ij->i", inner_n1, inner_n2),
                                                                   1e-300)[:, None]
    corners = np.stack([np.c_[x0, y0], np.c_[x1, y0], np.c_[x1, y1], np.c_[x0, y1]], axis=1)[e]
    rel = corners - a[:, None, :]
    along, off = np.einsum("ijk,ik->ij", rel, u), np.einsum("ijk,ik->ij", rel, normal)
    t0, t1 = np.clip(along.min(axis=1), 0, length), np.clip(along.max(axis=1), 0, length)
    host = ((along.max(axis=1) >= 0) & (along.min(axis=1) <= length) &
            (point_segment_distance(np.c_[(x0 + x1) / 2, (y0 + y1) / 2][e], a, b) <= hh + np.hypot(x1 - x0, y1 - y0)[e] / 2))
    shapes, exempt, kites = [], [], []  # shapes as 3 points (a segment repeats its end), the edges they may touch
    for sign in (1.0, -1.0):
        on = np.flatnonzero(host & ((off.max(axis=1) > 0) if sign > 0 else (off.min(axis=1) < 0)))
        lift = sign * hh[on, None] * normal[on]
        band = shapely.polygons(np.stack([a[on], b[on], b[on] + lift, a[on] + lift, a[on]], axis=1))
        on, lift = (x[parallel(shapely.intersects, buildings[ep[on]], band)] for x in (on, lift))
        s0, s1 = a[on] + u[on] * t0[on, None] + lift, a[on] + u[on] * t1[on, None] + lift
        shapes.append(np.stack([s0, s1, s1], axis=1))
        # a neighbour is passed over where the line turns away from this side, or toward it with a kite that fits
        neighbour = []
        for edge, vertex in ((before[on], np.maximum(before[on], 0)), (after[on], on)):
            away = sign * turn[vertex] <= 0
            kite = (edge >= 0) & ~away & fits[vertex]
            kites.append(vertex[kite])
            neighbour.append(np.where(away | kite, edge, -1))
        exempt.append(np.c_[ep[on], on, *neighbour])
    kite = np.unique(np.concatenate(kites))
    shapes.append(np.repeat(kite_m[kite, None, :], 3, axis=1))
    exempt.append(np.c_[ep[kite], kite, after[kite], np.full(len(kite), -1)])
    # the arcs round vertices within h of B's box, on the side the line turns away from
    v = np.flatnonzero((after >= 0) & (np.abs(turn) > 1e-12) & (gap[e + 1] <= hh))
    outer = -np.sign(turn[v])[:, None]
    n1, n2 = outer * normal[v], outer * normal[after[v]]
    hv = hh[v, None]
    apex = b[v] + hv * (n1 + n2) / np.maximum(1 + np.einsum("ij,ij->i", n1, n2), 1e-300)[:, None]
    shapes.append(np.stack([b[v] + hv * n1, b[v] + hv * n2, apex], axis=1))
    exempt.append(np.c_[ep[v], v, after[v], np.full(len(v), -1)])
    # the round ends within h of B's box: each half of the cap in the triangle of its end tangents
    end = np.flatnonzero(cap & ~np.isnan(factor[pair]))
    edge = np.where(first[end], index[end], index[np.maximum(end - 1, 0)])
    factor[pair[end[(edge < 0) | (first[end] & last[end])]]] = np.nan  # a part of one point, or its edge of no length
    end, edge = end[edge >= 0], edge[edge >= 0]
    out = np.where(first[end], -1.0, 1.0)[:, None] * u[edge]
    for n_ in (normal[edge], -normal[edge]):
        he = hh[edge, None]
        shapes.append(np.stack([xy[end] + he * n_, xy[end] + he * out, xy[end] + he * (n_ + out)], axis=1))
        exempt.append(np.c_[ep[edge], edge, np.full((len(edge), 2), -1)])
    shape_xy, skip = np.concatenate(shapes), np.concatenate(exempt)
    owner_of = skip[:, 0]
    # every (shape, edge of its piece but its own)
    order = np.argsort(ep, kind="stable")
    start = np.searchsorted(ep[order], np.arange(n))
    reps = np.bincount(ep, minlength=n)[owner_of]
    shape = np.repeat(np.arange(len(shape_xy)), reps)
    other = order[np.repeat(start[owner_of], reps) + np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)]
    keep = (other != skip[shape, 1]) & (other != skip[shape, 2]) & (other != skip[shape, 3])
    shape, other = shape[keep], other[keep]
    T, p, q = shape_xy[shape], a[other], b[other]
    dist = np.minimum.reduce([segment_distance(T[:, 0], T[:, 1], p, q), segment_distance(T[:, 1], T[:, 2], p, q),
                              segment_distance(T[:, 2], T[:, 0], p, q)])
    sides = np.stack([side(T[:, 0], T[:, 1], p), side(T[:, 1], T[:, 2], p), side(T[:, 2], T[:, 0], p)], axis=1)
    inside = (sides > 0).all(axis=1) | (sides < 0).all(axis=1)  # an edge inside a triangle touches none of its sides
    blocked = inside | ~(dist > hh[other] * (1 + 1e-9) + 1e-9)  # (NaN, from a hairpin's far apex, blocks too)
    np.maximum.at(factor, ep[kite], 1 / half_cos[kite])  # (NaN stays NaN)
    factor[owner_of[shape[blocked]]] = np.nan
    return factor


_PIECES = 16384  # pieces tested at once by _unobstructed
_FEW = 12  # coordinates: a piece of the line with more goes to the general method (every shape meets every edge)


def _convex_depth(overlaps: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """The depth of each overlap I into a zone that is a convex polygon of up to _CONVEX_EDGES edges
    (a rectangular park, the capsule of a road of one segment), exactly; NaN for the other pairs.

    Inside a convex polygon the distance to the boundary is the least distance to its edges' lines,
    g(p) = min_k (n_k·p − c_k), a concave, piecewise linear function. Its largest value over I lies
    at a vertex of I; or on an edge of I where a line that grows along the edge meets one that
    shrinks; or inside I, and then (a local maximum of a concave function is a global one) at a
    corner of the set where g is largest, a point equally near three lines. The depth is the largest
    g at these points, all of which lie in I. Only lines that can be the nearest somewhere in I
    count: the distance to a line is linear, so over I it lies between its values at I's vertices,
    and a line whose least exceeds another line's greatest is never the nearest. A pair with more
    than _RELEVANT such lines is left to the general method (NaN).
    """
    depth = np.full(len(overlaps), np.nan)
    fit = np.flatnonzero((shapely.get_type_id(zones) == 3) & (shapely.get_num_interior_rings(zones) == 0)
                         & (shapely.get_num_coordinates(zones) <= _CONVEX_EDGES + 1) & ~shapely.is_empty(overlaps))
    for part in (fit[i:i + _CONVEX_SLICE] for i in range(0, len(fit), _CONVEX_SLICE)):
        depth[part] = _convex_slice(overlaps[part], zones[part])
    return depth


_CONVEX_EDGES = 64
_RELEVANT = 12
_CONVEX_SLICE = 4096  # pairs: the (candidate, line) rows of a slice take a few tens of MB


def _same_owner(first: np.ndarray, second: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) with first[i] == second[j] (owners in 0..n-1), as index arrays, i ascending."""
    order = np.argsort(second, kind="stable")
    count = np.bincount(second, minlength=n)
    start = np.cumsum(count) - count
    reps = count[first]
    i = np.repeat(np.arange(len(first)), reps)
    j = order[np.repeat(start[first], reps) + np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)]
    return i, j


def _convex_slice(overlaps: np.ndarray, zones: np.ndarray) -> np.ndarray:
    n = len(overlaps)
    depth = np.full(n, np.nan)
    # the zones' edges without repeated points, each with the line's inward unit normal and offset
    xy, at = shapely.get_coordinates(zones, return_index=True)
    e = np.flatnonzero((at[1:] == at[:-1]) & (xy[1:] != xy[:-1]).any(axis=1))
    a, d, owner = xy[e], xy[e + 1] - xy[e], at[e]
    twice = np.bincount(owner, a[:, 0] * d[:, 1] - a[:, 1] * d[:, 0], minlength=n)  # twice the signed area
    orient = np.sign(twice)[owner]
    length = np.hypot(d[:, 0], d[:, 1])
    nx, ny = -orient * d[:, 1] / length, orient * d[:, 0] / length
    c = nx * a[:, 0] + ny * a[:, 1]
    first = np.r_[True, owner[1:] != owner[:-1]]
    head = np.maximum.accumulate(np.where(first, np.arange(len(e)), 0))  # each edge's ring's first edge
    nxt = np.where(np.r_[owner[1:] == owner[:-1], False], np.arange(len(e)) + 1, head)
    turn = orient * (d[:, 0] * d[nxt, 1] - d[:, 1] * d[nxt, 0])
    reflex = np.bincount(owner, turn < -1e-9 * length * length[nxt], minlength=n) > 0
    convex = ~reflex & (np.bincount(owner, minlength=n) >= 3) & (twice != 0)
    lines = np.flatnonzero(convex[owner])
    owner, nx, ny, c = owner[lines], nx[lines], ny[lines], c[lines]

    # the lines that can be the nearest somewhere in I: least distance over I's vertices ≤ U, the
    # least over the lines of the greatest (U bounds g over I)
    vxy, v_owner = shapely.get_coordinates(overlaps, return_index=True)
    vi, li = _same_owner(v_owner, owner, n)
    s = nx[li] * vxy[vi, 0] + ny[li] * vxy[vi, 1] - c[li]
    low, high = np.full(len(owner), np.inf), np.full(len(owner), -np.inf)
    np.minimum.at(low, li, s)
    np.maximum.at(high, li, s)
    upper = np.full(n, np.inf)
    np.minimum.at(upper, owner, high)
    relevant = low <= upper[owner] + 1e-9 * (1 + np.abs(upper[owner]))
    count = np.bincount(owner[relevant], minlength=n)
    relevant &= count[owner] <= _RELEVANT
    owner, nx, ny, c = owner[relevant], nx[relevant], ny[relevant], c[relevant]
    done = np.bincount(owner, minlength=n) > 0

    def g(points: np.ndarray, at: np.ndarray) -> np.ndarray:
        """min over the relevant lines of the pair `at` of the signed distance of each point."""
        pi, li = _same_owner(at, owner, n)
        s = nx[li] * points[pi, 0] + ny[li] * points[pi, 1] - c[li]
        return np.minimum.reduceat(s, np.flatnonzero(np.r_[True, pi[1:] != pi[:-1]])) if len(s) else s

    best = np.full(n, -np.inf)
    on = done[v_owner]
    np.maximum.at(best, v_owner[on], g(vxy[on], v_owner[on]))
    # on I's edges: where a line growing along the edge meets a shrinking one
    parts, part_owner = shapely.get_parts(overlaps, return_index=True)
    rings, ring_owner = shapely.get_rings(parts, return_index=True)
    rxy, r_at = shapely.get_coordinates(rings, return_index=True)
    k = np.flatnonzero(r_at[1:] == r_at[:-1])
    ea, eb, e_owner = rxy[k], rxy[k + 1], part_owner[ring_owner[r_at[k]]]
    k = np.flatnonzero(done[e_owner])
    ea, eb, e_owner = ea[k], eb[k], e_owner[k]
    pi, pj = _same_owner(owner, owner, n)
    pi, pj = pi[pi < pj], pj[pi < pj]
    ei, pk = _same_owner(e_owner, owner[pi], n)
    i, j = pi[pk], pj[pk]
    A, Bv = ea[ei], eb[ei]
    alpha_i = nx[i] * A[:, 0] + ny[i] * A[:, 1] - c[i]
    alpha_j = nx[j] * A[:, 0] + ny[j] * A[:, 1] - c[j]
    beta_i = nx[i] * (Bv[:, 0] - A[:, 0]) + ny[i] * (Bv[:, 1] - A[:, 1])
    beta_j = nx[j] * (Bv[:, 0] - A[:, 0]) + ny[j] * (Bv[:, 1] - A[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (alpha_j - alpha_i) / (beta_i - beta_j)
    cross = np.flatnonzero((beta_i * beta_j < 0) & (t > 0) & (t < 1))
    points = A[cross] + t[cross, None] * (Bv[cross] - A[cross])
    np.maximum.at(best, e_owner[ei[cross]], g(points, e_owner[ei[cross]]))
    # inside I: points equally near three lines, deeper than what I's boundary reached
    ti, tl = _same_owner(owner[pi], owner, n)
    tl_ok = tl > pj[ti]
    i, j, l = pi[ti[tl_ok]], pj[ti[tl_ok]], tl[tl_ok]
    a1, b1, r1 = nx[i] - nx[j], ny[i] - ny[j], c[i] - c[j]
    a2, b2, r2 = nx[i] - nx[l], ny[i] - ny[l], c[i] - c[l]
    det = a1 * b2 - a2 * b1
    ok = np.flatnonzero(np.abs(det) > 1e-12)
    det = det[ok]
    points = np.c_[(r1[ok] * b2[ok] - r2[ok] * b1[ok]) / det, (a1[ok] * r2[ok] - a2[ok] * r1[ok]) / det]
    at, i = owner[i[ok]], i[ok]
    # measured only if as far from its three lines as to be deeper (g is at most that) and in I's box
    box = shapely.bounds(overlaps)[at]
    near = np.flatnonzero((nx[i] * points[:, 0] + ny[i] * points[:, 1] - c[i] > best[at] + 1e-9) &
                          (points[:, 0] >= box[:, 0]) & (points[:, 0] <= box[:, 2]) &
                          (points[:, 1] >= box[:, 1]) & (points[:, 1] <= box[:, 3]))
    points, at = points[near], at[near]
    value = g(points, at)
    deeper = np.flatnonzero(value > best[at] + 1e-9)
    inside = shapely.intersects_xy(overlaps[at[deeper]], points[deeper, 0], points[deeper, 1])
    np.maximum.at(best, at[deeper[inside]], value[deeper[inside]])
    depth[done] = np.maximum(best[done], 0.0)
    return depth


def _general_depth(buildings: np.ndarray, overlaps: np.ndarray, zones: np.ndarray, boundaries: np.ndarray, *,
                   lines: np.ndarray | None = None, half: np.ndarray | None = None,
                   room: np.ndarray | None = None) -> np.ndarray:
    """Depth of any overlap, to ±4 mm, by eroding the zone near it.

    Only the part of ∂Z near I matters: if B crosses ∂Z, a piece of ∂Z lies in I, so no
    point of I is farther than I's diagonal from it; otherwise (B inside Z, or parts of B
    inside and others outside) add I's distance to ∂Z. The deepest of some points of I gives
    a lower bound L: I's vertices, and for the buffer of a line the points of B nearest to it
    and to its vertices (the deepest places of a bend). L is the depth when the bound without
    buffers (_tight) meets it, or when Z eroded by a hair more than L misses I; otherwise
    what it meets of I lies deeper, and its points raise L for the next round. After a
    few rounds, the few left are bisected.
    """
    n = len(overlaps)
    if n == 0:
        return np.zeros(0)
    xmin, ymin, xmax, ymax = shapely.bounds(overlaps).T
    diag = np.hypot(xmax - xmin, ymax - ymin)
    reach = diag.copy()
    # where B crosses ∂Z, a point of ∂Z lies in I, within diag of every other; where it does
    # not (B inside Z, or a multi-part B with parts inside and parts outside), add I's distance to ∂Z
    # a one-part B with a part outside Z crosses ∂Z; B is taken as inside unless that part is not a rounding
    crossing = shapely.area(overlaps) < shapely.area(buildings) * (1 - 1e-6)
    parts = np.flatnonzero(crossing & (shapely.get_num_geometries(buildings) > 1))
    crossing[parts] = parallel(shapely.intersects, buildings[parts], boundaries[parts])
    apart = np.flatnonzero(~crossing)
    reach[apart] += parallel(shapely.distance, overlaps[apart], boundaries[apart])
    if room is not None and (reach + diag + 2 * _PROBE > room).any():
        # the window (and the bisection's widest cover) would reach past the piece of the zone:
        # NaN, for the caller to measure those on the whole zone
        depth = np.full(n, np.nan)
        fits = np.flatnonzero(reach + diag + 2 * _PROBE <= room)
        depth[fits] = _general_depth(buildings[fits], overlaps[fits], zones[fits], boundaries[fits],
                                     lines=None if lines is None else lines[fits],
                                     half=None if half is None else half[fits])
        return depth
    window = shapely.box(xmin - reach, ymin - reach, xmax + reach, ymax + reach)
    # Z within the window (where it touches the window's edge, without the lines and points):
    # the window's edges lie at least reach from I, farther than any point of I lies from ∂Z,
    # so they change no distance, bound or cover below
    zone = polygonal_parts(parallel(shapely.intersection, zones, window))
    local = shapely.boundary(zone)

    lower = _deepest(overlaps, local)
    if lines is not None:
        coords, owner, to_line = _line_candidates(buildings, lines, half, window)
        # GEOS's buffer holds every point nearer the line than h·cos(π/32) (its arcs' chords): such
        # a candidate lies in I, and its distance to ∂Z is a depth; the others are passed over
        inside = np.flatnonzero(to_line < half[owner] * _CHORD)
        points, owner = shapely.points(coords[inside]), owner[inside]
        np.maximum.at(lower, owner, parallel(shapely.distance, points, local[owner]))

    depth = lower.copy()
    # I lies in the window: where Z has no area there (a building on a degenerate spike of a one-sided
    # band, its overlap a sliver of rounding), every point of I lies on ∂Z and the depth is 0
    flat = shapely.area(zone) == 0
    depth[flat] = 0.0
    open_ = np.flatnonzero(~_tight(overlaps, local, lower) & ~flat)
    for _ in range(_DEEPEN_ROUNDS):
        covered, _, rest = _covered(overlaps[open_], zone[open_], lower[open_] + _PROBE, slack=_PROBE)
        open_, rest = open_[~covered], rest[~covered]
        if not len(open_):
            return depth
        # every point of the rest lies deeper than lower + _PROBE: its deepest vertex, or its innermost
        # point (the deepest places lie along a ridge or around a peak inside it), is the new bound
        # a centre found to a tenth of the width of a strip along a ridge cuts the gap tenfold; on a long,
        # thin strip (a building along a zone's centre line) no finer than a 4000th of its length: the
        # search's cells line the whole strip (a 120 m strip 2 cm wide took 60 ms to a tolerance of 2 mm)
        length = shapely.length(rest)
        width = 2 * shapely.area(rest) / length
        centre = shapely.get_point(parallel(shapely.maximum_inscribed_circle, rest,
                                            np.maximum.reduce([width / 10, length / 4000, np.full(len(rest), _PROBE)])), 0)
        edges = parallel(shapely.segmentize, rest, length / 32)  # a peak on B's side lies on an edge
        deeper = np.maximum(_deepest(edges, local[open_]), parallel(shapely.distance, centre, local[open_]))
        lower[open_] = depth[open_] = np.maximum(lower[open_], deeper)

    lo = lower[open_] + _PROBE  # not covered: some point lies deeper than this
    hi = lower[open_] + diag[open_] + _PROBE  # every point of I is within diag of a vertex
    while len(open_):
        mid = (lo + hi) / 2
        covered, bound, _ = _covered(overlaps[open_], zone[open_], mid, slack=_PROBE / 2)
        hi = np.where(covered, bound, hi)
        lo = np.where(covered, lo, mid)
        done = hi - lo < 2 * _PROBE
        depth[open_[done]] = (lo[done] + hi[done]) / 2
        open_, lo, hi = open_[~done], lo[~done], hi[~done]
    return depth


_DEEPEN_ROUNDS = 4
_CHORD = np.cos(np.pi / 32)  # GEOS buffers draw a quarter circle in 8 chords: they stay this far out


def _deepest(geoms: np.ndarray, local: np.ndarray) -> np.ndarray:
    """The largest distance from a vertex of each geometry to its local boundary."""
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    depth = np.zeros(len(geoms))
    np.maximum.at(depth, owner, parallel(shapely.distance, shapely.points(coords), local[owner]))
    return depth


def _tight(overlaps: np.ndarray, local: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Whether `lower` is provably the depth of each overlap I (to 2 × _PROBE), without buffers.

    dist(p, ∂Z) ≤ dist(p, s) for every segment s of ∂Z, and the distance to a segment is
    convex, so its maximum over I lies at a vertex: the depth is at most min over s of the
    largest dist(v, s). That bound is reached when I's deepest vertex is deepest with respect
    to one straight piece of the boundary, as where a building crosses a straight edge of a
    zone. Such a segment lies within lower + 2 × _PROBE of every vertex, so only the segments
    near I are tried. In slices of pairs: the (vertex, segment) products grow large.
    """
    return np.concatenate([_tight_slice(overlaps[i:i + 2000], local[i:i + 2000], lower[i:i + 2000])
                           for i in range(0, len(overlaps), 2000)] or [np.zeros(0, dtype=bool)])


def _tight_slice(overlaps: np.ndarray, local: np.ndarray, lower: np.ndarray) -> np.ndarray:
    n = len(overlaps)
    reach = lower + 2 * _PROBE
    parts, part_owner = shapely.get_parts(local, return_index=True)
    xy, at = shapely.get_coordinates(parts, return_index=True)
    same = np.flatnonzero(at[1:] == at[:-1])  # consecutive coordinates of one part make a segment
    a, b, seg_owner = xy[same], xy[same + 1], part_owner[at[same]]
    xmin, ymin, xmax, ymax = shapely.bounds(overlaps).T
    o, r = seg_owner, reach[seg_owner]
    near = ((np.maximum(a[:, 0], b[:, 0]) >= xmin[o] - r) & (np.minimum(a[:, 0], b[:, 0]) <= xmax[o] + r) &
            (np.maximum(a[:, 1], b[:, 1]) >= ymin[o] - r) & (np.minimum(a[:, 1], b[:, 1]) <= ymax[o] + r))
    a, b, seg_owner = a[near], b[near], seg_owner[near]
    vxy, v_owner = shapely.get_coordinates(overlaps, return_index=True)
    v_start = np.searchsorted(v_owner, np.arange(n))
    # a segment that bounds the depth lies within reach of every vertex, so of the westmost and eastmost
    for extreme in _extreme_vertices(vxy[:, 0], v_owner, n):
        near = point_segment_distance(vxy[extreme[seg_owner]], a, b) <= reach[seg_owner]
        a, b, seg_owner = a[near], b[near], seg_owner[near]
    # every (segment, vertex of the same pair), segment by segment; segments are in pair order
    reps = np.bincount(v_owner, minlength=n)[seg_owner]
    first = np.cumsum(reps) - reps
    segment = np.repeat(np.arange(len(a)), reps)
    vertex = np.repeat(v_start[seg_owner] - first, reps) + np.arange(reps.sum())
    bound = np.full(n, np.inf)
    if len(a):
        farthest = np.maximum.reduceat(point_segment_distance(vxy[vertex], a[segment], b[segment]), first)
        owners, start = np.unique(seg_owner, return_index=True)
        bound[owners] = np.minimum.reduceat(farthest, start)
    return bound <= reach


def _extreme_vertices(x: np.ndarray, owner: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The index of each geometry's vertex with the least and with the greatest x (owner sorted)."""
    order = np.lexsort((x, owner))
    start = np.searchsorted(owner[order], np.arange(n))
    end = np.searchsorted(owner[order], np.arange(n), side="right") - 1
    return order[np.minimum(start, len(x) - 1)], order[np.maximum(end, 0)]


def _line_candidates(buildings: np.ndarray, lines: np.ndarray, half: np.ndarray,
                     window: np.ndarray) -> tuple[np.ndarray, ...]:
    """Points of B likely to be deepest in a line's buffer: nearest to the line, and nearest to each
    of its vertices in the window (a bend is deepest on its inner side, at the vertex) that lies
    nearer B's box than h·_CHORD (from the others the point would not be known to lie in Z).
    Coordinates, the pair each belongs to, and a bound of its distance to the line."""
    pairs = np.flatnonzero(~shapely.is_missing(lines))
    to_line = parallel(shapely.shortest_line, buildings[pairs], lines[pairs])
    # the line's vertices in the window (and where it leaves the window: points of the line too)
    clipped = parallel(shapely.intersection, lines[pairs], window[pairs])
    vertex_xy, at = shapely.get_coordinates(clipped, return_index=True)
    owner = pairs[at]
    near = point_box_distance(vertex_xy, shapely.bounds(buildings[owner])) < half[owner] * _CHORD
    vertex_xy, owner = vertex_xy[near], owner[near]
    to_vertices = parallel(shapely.shortest_line, buildings[owner], shapely.points(vertex_xy))
    found = np.concatenate([to_line, to_vertices])
    # the middle of each segment of the line within B (a river across B: its zone is as deep as h
    # there, and a little less at the vertices, where the outer arc's chords come nearer)
    across, at = shapely.get_parts(parallel(shapely.intersection, clipped, buildings[pairs]), return_index=True)
    xy, part = shapely.get_coordinates(across, return_index=True)
    same = np.flatnonzero(part[1:] == part[:-1])
    middle = (xy[same] + xy[same + 1]) / 2
    return (np.concatenate([shapely.get_coordinates(shapely.get_point(found, 0)), middle]),
            np.concatenate([pairs, owner, pairs[at[part[same]]]]),
            np.concatenate([shapely.length(found), np.zeros(len(same))]))


def _covered(overlaps: np.ndarray, zones: np.ndarray, radius: np.ndarray, *, slack: float):
    """Whether every point of each overlap lies within `radius` of its zone's boundary.

    The zone eroded by R = radius + slack (its points at least R from ∂Z) is drawn by GEOS
    with exact offset edges and, around Z's reflex corners, arcs whose vertices lie on the
    circle, so it holds the true eroded zone and lies inside the true one eroded by R·inner.
    With inner ≥ radius / R: covered (I misses it) means depth ≤ R = bound, and not covered
    means some point of the rest lies at least radius deep. Returns (covered, bound, rest).
    """
    bound = radius + slack
    pick = np.minimum(np.searchsorted(_INNER, radius / bound), len(_INNER) - 1)
    rest = np.empty(len(overlaps), dtype=object)
    for p in np.unique(pick):
        at = np.flatnonzero(pick == p)
        rest[at] = parallel(_deep_part, overlaps[at], zones[at], bound[at], quad_segs=int(_QUAD_SEGS[p]))
    return shapely.is_empty(rest), bound, rest


def _deep_part(overlaps, zones, radius, *, quad_segs):
    """The part of each overlap at least `radius` from its zone's boundary (as drawn by GEOS)."""
    xmin, ymin, xmax, ymax = shapely.bounds(overlaps).T
    reach = radius + _PROBE  # the zone farther from I than this erodes to nothing near it
    near = shapely.intersection(zones, shapely.box(xmin - reach, ymin - reach, xmax + reach, ymax + reach))
    # GEOS loses small eroded areas of rings with few or long segments (a ring of under 9
    # coordinates is dropped as "inverted"; long segments clipped from a large zone lose the
    # last few cm² as well): vertices radius/2 apart keep them, and a ring that keeps a point
    # radius deep is 2π·radius long, so it has at least 12
    near = shapely.segmentize(near, radius / 2)
    deep = shapely.intersection(overlaps, shapely.buffer(near, -radius, quad_segs=quad_segs))
    return np.where(shapely.area(deep) > 0, deep, shapely.from_wkt("POLYGON EMPTY"))
