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

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gisdesk.analysis import periods
from gisdesk.crs import is_metric_projected
from gisdesk.errors import InputError
from gisdesk.geometry import parallel, polygonal, polygonal_parts, release_freed_memory
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
    shapely.prepare(arrays["geoms"][shapely.get_num_coordinates(arrays["geoms"]) > _PREPARED])
    parts, zone = shapely.get_parts(arrays["line"], return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    same = np.flatnonzero(part[1:] == part[:-1])  # consecutive vertices of one part make a segment
    return _Zones(boundaries=shapely.boundary(arrays["geoms"]), segments=np.hstack([xy[same], xy[same + 1]]),
                  segment_zone=zone[part[same]], counts=counts, repaired=repaired, **arrays)


def _check_layer(layer, geoms, uids, zones: _Zones, rules, feedback, *, progress) -> pd.DataFrame:
    """The conflicts of one subject layer; `layer` is its (kind, id)."""
    kind, table = layer
    required = zones.required
    start, end = progress
    span = end - start
    if len(geoms) == 0 or len(zones.geoms) == 0:
        return _empty_conflicts()
    # Candidates from the index of subjects: for a polygon zone, the subjects whose boxes come
    # within the setback of its box; for a centre line, those near the box of each of its
    # segments grown by h + setback (a ring road's box holds the whole city), less those a
    # bound in numpy puts beyond that reach (a rotated road's box holds many far from it).
    # Then the exact test on all cores (STRtree.query runs on one).
    tree = shapely.STRtree(geoms)
    bounds = shapely.bounds(geoms)
    polygon = np.flatnonzero(shapely.is_missing(zones.line))
    xmin, ymin, xmax, ymax = shapely.bounds(zones.geoms[polygon]).T
    r = required[polygon]
    at, subj = tree.query(shapely.box(xmin - r, ymin - r, xmax + r, ymax + r))
    pairs = [polygon[at] * len(geoms) + subj]
    seg = zones.segments
    reach = (zones.half + required)[zones.segment_zone] + _PROBE
    lo, hi = np.minimum(seg[:, :2], seg[:, 2:]) - reach[:, None], np.maximum(seg[:, :2], seg[:, 2:]) + reach[:, None]
    at, subj = tree.query(shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))
    del tree  # the index of a million buildings is a few hundred MB
    release_freed_memory()
    feedback.set_progress(start + span * 0.2)
    feedback.check_cancelled()
    near = np.concatenate([_segment_gap(seg[at[i:i + _SLICE]], bounds[subj[i:i + _SLICE]]) <= reach[at[i:i + _SLICE]]
                           for i in range(0, len(at), _SLICE)] or [np.zeros(0, dtype=bool)])
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


_SLICE = 1 << 20  # box pairs whose bound is computed at once: its temporaries take ~100 B a pair


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
    return _point_segment_distance(centre, segments[:, :2], segments[:, 2:]) - radius


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
    exactly (see _straight_depth). A small zone (a road drawn one segment a block, a park) has
    its depth from the sites of its boundary, exactly (_site_depth); the other pairs go to the
    general method.
    """
    n = len(overlaps)
    depth = np.full(n, np.nan)
    if lines is not None and n:
        buffered = np.flatnonzero(~shapely.is_missing(lines) & (half > 0))
        depth[buffered] = _straight_depth(buildings[buffered], lines[buffered], half[buffered], boundaries[buffered])
    rest = np.flatnonzero(np.isnan(depth))
    whole = rest if room is None else rest[np.isinf(room[rest])]  # not a tile's piece, whose sides are no boundary
    depth[whole] = _site_depth(overlaps[whole], zones[whole])
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


_SMALL_ZONE = 256  # coordinates of a zone at most, for _site_depth (a river's meanders have more)
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
    piece = L.copy()  # a line of one segment is its own piece; others are clipped to the box
    bent = np.flatnonzero((shapely.get_type_id(L) != 1) | (shapely.get_num_coordinates(L) != 2))
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
        coords, owner, to_line = _line_candidates(buildings, lines, window)
        # GEOS's buffer holds every point nearer the line than h·cos(π/32) (its arcs' chords): such
        # a candidate lies in I, and its distance to ∂Z is a depth; the others are passed over
        inside = np.flatnonzero(to_line < half[owner] * _CHORD)
        points, owner = shapely.points(coords[inside]), owner[inside]
        np.maximum.at(lower, owner, parallel(shapely.distance, points, local[owner]))

    depth = lower.copy()
    open_ = np.flatnonzero(~_tight(overlaps, local, lower))
    for _ in range(_DEEPEN_ROUNDS):
        covered, _, rest = _covered(overlaps[open_], zone[open_], lower[open_] + _PROBE, slack=_PROBE)
        open_, rest = open_[~covered], rest[~covered]
        if not len(open_):
            return depth
        # every point of the rest lies deeper than lower + _PROBE: its deepest vertex, or its innermost
        # point (the deepest places lie along a ridge or around a peak inside it), is the new bound
        width = 2 * shapely.area(rest) / shapely.length(rest)  # of a strip along a ridge; a centre found to a
        centre = shapely.get_point(parallel(shapely.maximum_inscribed_circle, rest,  # tenth of it cuts the gap tenfold
                                            np.maximum(width / 10, _PROBE)), 0)
        edges = parallel(shapely.segmentize, rest, shapely.length(rest) / 32)  # a peak on B's side lies on an edge
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


# --- depth from the sites of the zone's boundary ----------------------------------------

def _site_depth(overlaps: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """Depth of each overlap I into a zone polygon Z, exact and without buffers; NaN where Z has
    over _SMALL_ZONE coordinates or more sites near I than the largest of _SITE_LINES and _SITE_POINTS.

    f(p) = dist(p, ∂Z), for p in Z, is the distance to the nearest *site* of ∂Z: the line of an
    edge (where p's foot on it lies on the edge) or a reflex vertex (the nearest point of ∂Z is
    never a convex vertex). Inside the region where one site is nearest, f is that site's
    distance, a convex function: its largest value on a piece of I lies on the piece's border.
    So the maximum of f over I lies at a vertex of I, at a point of an edge of I where two sites
    are equally near, or inside I where three are (a vertex of the medial axis of Z). All such
    points are computed — two lines meet their bisector linearly, a line and a point on a
    parabola, two points on their perpendicular bisector — and f is measured at each one that
    lies in I, on the edges themselves. Only sites within U of I's box take part, U = min over
    edges s of the largest dist(v, s) over I's vertices v, a bound of f on I: no other is ever
    nearest. Coordinates are taken from a corner of I's box, for digits.
    """
    depth = np.full(len(overlaps), np.nan)
    # in slices of about _SITE_WORK (edge of Z, vertex of I) products
    work = shapely.get_num_coordinates(zones) * shapely.get_num_coordinates(overlaps)
    rows = np.flatnonzero(shapely.get_num_coordinates(zones) <= _SMALL_ZONE)
    slices = np.cumsum(work[rows]) // _SITE_WORK
    for k in np.unique(slices):
        part = rows[slices == k]
        depth[part] = _site_depth_slice(overlaps[part], zones[part])
    return depth


def _site_depth_slice(overlaps: np.ndarray, zones: np.ndarray) -> np.ndarray:
    rows = np.arange(len(overlaps))  # (the rows of this slice)
    xmin, ymin, xmax, ymax = shapely.bounds(overlaps).T
    origin = np.stack([xmin, ymin], axis=1)
    size = np.stack([xmax - xmin, ymax - ymin], axis=1)
    a, b, ring, owner = _oriented_edges(zones)
    a, b = a - origin[owner], b - origin[owner]
    d = b - a
    following = d[_next_edge(ring)]
    length = np.hypot(*d.T)
    reflex = _cross(d, following) < -1e-9 * length * np.hypot(*following.T)  # at each edge's end b
    # one ring without a reflex vertex: convex, f is the least distance to the edges' lines
    convex = (np.bincount(owner, weights=reflex, minlength=len(rows)) == 0) & (
        np.bincount(owner, weights=np.r_[True, ring[1:] != ring[:-1]], minlength=len(rows)) == 1)
    v, v_owner = shapely.get_coordinates(overlaps, return_index=True)
    v = v - origin[v_owner]
    v_count = np.bincount(v_owner, minlength=len(rows))
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    gap = np.hypot(*np.maximum(0, np.maximum(lo - size[owner], -hi)).T)  # from each edge's box to I's box
    # U from the edges that meet I's box (one that crosses I has some); where none does, f being
    # 1-Lipschitz is at most f(v0) + I's diagonal on I, v0 a vertex of I. Edges farther than that
    # from I's box are never nearest to a point of I.
    touch = np.flatnonzero(gap <= 1e-9)
    bound = _vertex_distances(a[touch], b[touch], length[touch], owner[touch], v, v_count, convex)[0]
    first_vertex = v[np.cumsum(v_count) - v_count]
    f0 = np.full(len(rows), np.inf)
    none = np.flatnonzero(np.isinf(bound))
    far = np.flatnonzero(np.isin(owner, none))
    np.minimum.at(f0, owner[far], _point_segment_distance(first_vertex[owner[far]], a[far], b[far]))
    bound = np.where(np.isinf(bound), f0 + np.hypot(*size.T), bound)
    around = gap <= bound[owner] + 1e-9
    a, b, owner, length, reflex, gap = (x[around] for x in (a, b, owner, length, reflex, gap))
    upper, lower, least_side, most_side = _vertex_distances(a, b, length, owner, v, v_count, convex)
    done = lower >= upper - 1e-12
    out = np.where(done, upper, np.nan)

    reach = upper[owner] + 1e-9
    # an edge is nearest only to points on its inner side, at most U from its line: its line's signed
    # distance, affine, takes on I the values between those at I's vertices
    near_line = (length > 1e-12) & (gap <= reach) & (least_side <= reach) & (most_side >= -1e-9)
    near_point = reflex & (np.hypot(*np.maximum(0, np.maximum(b - size[owner], -b)).T) <= reach)
    lines, points = np.bincount(owner[near_line], minlength=len(rows)), np.bincount(owner[near_point], minlength=len(rows))
    sites = _Sites(a, b, owner, near_line, near_point)
    i_a, i_b, _, i_owner = _oriented_edges(overlaps)
    i_a, i_b = i_a - origin[i_owner], i_b - origin[i_owner]
    below_lines = 0
    for width in _SITE_LINES:
        below_points = -1
        for count in _SITE_POINTS:
            group = np.flatnonzero(~done & (lines > below_lines) & (lines <= width) &
                                   (points > below_points) & (points <= count))
            below_points = count
            step = max(1, _SITE_SLICE // _combinations(width, count))
            for part in (group[i:i + step] for i in range(0, len(group), step)):
                out[part] = _site_maximum(overlaps, origin, size, part, width, count, sites, lower, upper,
                                          i_a, i_b, i_owner)
        below_lines = width
    return np.maximum(out, 0.0)


def _vertex_distances(a, b, length, owner, v, v_count, convex):
    """For the edges (a, b) of the zones of `owner` and the vertices v of the overlaps (v_count of
    each, in order): U per row (the least over edges of the largest distance at a vertex, to the
    edge's line in a `convex` row), f at the vertices as far as these edges go, the largest over
    the rows' vertices; and per edge the least and largest signed distance of a vertex to its line."""
    n = len(v_count)
    reps = v_count[owner]
    first = np.cumsum(reps) - reps
    edge = np.repeat(np.arange(len(a)), reps)
    vertex = np.repeat((np.cumsum(v_count) - v_count)[owner] - first, reps) + np.arange(reps.sum())
    upper, lower = np.full(n, np.inf), np.full(n, -np.inf)
    if not len(edge):
        return upper, lower, np.zeros(0), np.zeros(0)
    dist = _point_segment_distance(v[vertex], a[edge], b[edge])
    side = _cross(b[edge] - a[edge], v[vertex] - a[edge]) / np.maximum(length[edge], 1e-300)  # + inside
    np.minimum.at(upper, owner, np.maximum.reduceat(np.where(convex[owner[edge]], side, dist), first))
    at_vertex = np.full(len(v), np.inf)
    np.minimum.at(at_vertex, vertex, dist)
    np.maximum.at(lower, np.repeat(np.arange(n), v_count), at_vertex)
    return upper, lower, np.minimum.reduceat(side, first), np.maximum.reduceat(side, first)


_SITE_WORK = 1 << 21  # (edge of Z, vertex of I) products of one slice, about
_SITE_LINES = (4, 8, 16, 32)  # edges of Z near I at most, padded to the next of these
_SITE_POINTS = (0, 2, 4)  # reflex vertices near I at most, the same
_SITE_SLICE = 1 << 22  # candidate points of one slice of rows, about


def _combinations(lines: int, points: int) -> int:
    """Candidate points of one row with these many sites, inside and (per edge of I, ~8) on edges."""
    c = math.comb
    return (c(lines, 3) + c(lines, 2) * points * 2 + lines * c(points, 2) * 2 + c(points, 3) +
            8 * (c(lines, 2) + lines * points * 2 + c(points, 2)) + 1)


@dataclass
class _Sites:
    """Edges of the zones (a, b, by owner row), and which are near sites as lines and as points (their end b)."""
    a: np.ndarray
    b: np.ndarray
    owner: np.ndarray
    near_line: np.ndarray
    near_point: np.ndarray

    def packed(self, rows: np.ndarray, width: int, count: int, n: int):
        """For these rows: the near edges as (g, width) arrays ax, ay, bx, by, and the reflex
        points as (g, count) arrays px, py; unused places hold a point _FAR away."""
        row_of = np.full(n, -1)
        row_of[rows] = np.arange(len(rows))
        out = []
        for mask, places, ends in ((self.near_line, width, (self.a, self.b)), (self.near_point, count, (self.b,))):
            at = np.flatnonzero(mask & (row_of[self.owner] >= 0))
            r = row_of[self.owner[at]]
            slot = np.arange(len(at)) - np.searchsorted(r, r)
            for xy in ends:
                for axis in (0, 1):
                    values = np.full((len(rows), places), _FAR)
                    values[r, slot] = xy[at, axis]
                    out.append(values)
        return out


def _site_maximum(overlaps, origin, size, rows, width, count, sites, lower, upper, i_a, i_b, i_owner) -> np.ndarray:
    """The largest f over the overlaps of `rows` (see _site_depth)."""
    g = len(rows)
    ax, ay, bx, by, px, py = sites.packed(rows, width, count, len(lower))
    ex, ey = bx - ax, by - ay
    length = np.maximum(np.hypot(ex, ey), 1e-300)
    nx, ny = -ey / length, ex / length  # unit normals, pointing into Z
    c = np.where(ax < _FAR, nx * ax + ny * ay, -_FAR)  # a line's signed distance at p: nx·x + ny·y − c
    best = lower[rows].copy()
    top = upper[rows] + 1e-9
    width_of, height_of = size[rows].T

    def on_segments(x, y, *lines):
        """Whether the foot of each point on each of these lines (arrays of line numbers, or slices) lies
        on its edge: a line is a site only there."""
        ok = np.ones(np.broadcast(x, y).shape, dtype=bool)
        for k in lines:
            t = ((x - ax[k]) * ex[k] + (y - ay[k]) * ey[k]) / np.maximum(ex[k] ** 2 + ey[k] ** 2, 1e-300)
            ok &= (t >= -1e-9) & (t <= 1 + 1e-9)
        return ok

    def measure(row, x, y, tie, on_edge):
        """f at candidate points of these rows, where their tie could raise the row's best."""
        keep = np.isfinite(tie) & (tie > best[row]) & (tie <= top[row])
        if not on_edge:  # in I's box
            keep &= (x >= -1e-9) & (y >= -1e-9) & (x <= width_of[row] + 1e-9) & (y <= height_of[row] + 1e-9)
        row, x, y, tie = row[keep], x[keep], y[keep], tie[keep]
        f = _nearest_edge(x, y, ax[row], ay[row], ex[row], ey[row])
        if not on_edge:  # where the three sites are the nearest, and in I
            hit = f >= tie - 1e-6
            row, x, y, f = row[hit], x[hit], y[hit], f[hit]
            hit = shapely.intersects_xy(overlaps[rows[row]], x + origin[rows[row], 0], y + origin[rows[row], 1])
            row, f = row[hit], f[hit]
        np.maximum.at(best, row, f)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # on the edges of I: p = s + t·u, 0 < t < 1
        e = np.flatnonzero(np.isin(i_owner, rows))
        er = np.searchsorted(rows, i_owner[e])
        sx, sy = i_a[e, 0, None], i_a[e, 1, None]
        ux, uy = i_b[e, 0, None] - sx, i_b[e, 1, None] - sy
        at_s = nx[er] * sx + ny[er] * sy - c[er]  # a line's distance at s, and its change along u
        along = nx[er] * ux + ny[er] * uy
        i, j = np.triu_indices(width, 1)
        t = (at_s[:, j] - at_s[:, i]) / (along[:, i] - along[:, j])  # two lines
        t = np.where(on_segments(sx + t * ux, sy + t * uy, (er[:, None], i), (er[:, None], j)), t, np.nan)
        _measure_on_edges(measure, er, sx, sy, ux, uy, t, at_s[:, i] + t * along[:, i])
        wx, wy = sx[:, :, None] - px[er][:, None, :], sy[:, :, None] - py[er][:, None, :]  # a line and a point
        A, D = at_s[:, :, None], along[:, :, None]
        uu = ux[:, :, None] ** 2 + uy[:, :, None] ** 2
        for t in _roots(D * D - uu, 2 * (A * D - wx * ux[:, :, None] - wy * uy[:, :, None]), A * A - wx * wx - wy * wy):
            t = np.where(on_segments(sx[:, :, None] + t * ux[:, :, None], sy[:, :, None] + t * uy[:, :, None],
                                     (er[:, None, None], np.arange(width)[None, :, None])), t, np.nan)
            _measure_on_edges(measure, er, sx, sy, ux, uy, t.reshape(len(e), -1), (A + t * D).reshape(len(e), -1))
        k, m = np.triu_indices(count, 1)  # two points
        dx, dy = px[er][:, m] - px[er][:, k], py[er][:, m] - py[er][:, k]
        t = ((px[er][:, m] ** 2 + py[er][:, m] ** 2 - px[er][:, k] ** 2 - py[er][:, k] ** 2) / 2
             - sx * dx - sy * dy) / (ux * dx + uy * dy)
        _measure_on_edges(measure, er, sx, sy, ux, uy, t,
                          np.hypot(sx + t * ux - px[er][:, k], sy + t * uy - py[er][:, k]))

        # inside I: three lines
        i, j, m = np.array(list(itertools.combinations(range(width), 3)) or np.zeros((0, 3), int)).T.reshape(3, -1)
        a1x, a1y, b1 = nx[:, i] - nx[:, j], ny[:, i] - ny[:, j], c[:, i] - c[:, j]
        a2x, a2y, b2 = nx[:, i] - nx[:, m], ny[:, i] - ny[:, m], c[:, i] - c[:, m]
        det = a1x * a2y - a1y * a2x
        x, y = (b1 * a2y - b2 * a1y) / det, (a1x * b2 - a2x * b1) / det
        x = np.where(on_segments(x, y, (slice(None), i), (slice(None), j), (slice(None), m)), x, np.nan)
        _measure_inside(measure, x, y, nx[:, i] * x + ny[:, i] * y - c[:, i])
        # two lines and a point: on the lines' bisector (n_i − n_j)·p = c_i − c_j, as far from the point
        i, j = np.triu_indices(width, 1)
        mx, my, mc = (nx[:, i] - nx[:, j])[:, :, None], (ny[:, i] - ny[:, j])[:, :, None], (c[:, i] - c[:, j])[:, :, None]
        rx, ry = px[:, None, :], py[:, None, :]
        mm = mx * mx + my * my
        shift = (mc - mx * rx - my * ry) / mm
        x0, y0 = rx + shift * mx, ry + shift * my  # the bisector's point nearest the point
        norm = np.sqrt(mm)
        wx, wy = -my / norm, mx / norm
        ni_x, ni_y, ci = nx[:, i, None], ny[:, i, None], c[:, i, None]
        _measure_on_bisector(measure, x0, y0, wx, wy, ni_x * x0 + ni_y * y0 - ci, ni_x * wx + ni_y * wy,
                             (x0 - rx) ** 2 + (y0 - ry) ** 2,
                             lambda x, y: on_segments(x, y, (slice(None), i, None), (slice(None), j, None)))
        # a line and two points: on the points' perpendicular bisector, as far from the line
        k, m = np.triu_indices(count, 1)
        x0, y0 = ((px[:, k] + px[:, m]) / 2)[:, None, :], ((py[:, k] + py[:, m]) / 2)[:, None, :]
        gx, gy = (px[:, m] - px[:, k])[:, None, :], (py[:, m] - py[:, k])[:, None, :]
        norm = np.hypot(gx, gy)
        wx, wy = -gy / norm, gx / norm
        ni_x, ni_y, ci = nx[:, :, None], ny[:, :, None], c[:, :, None]
        _measure_on_bisector(measure, x0, y0, wx, wy, ni_x * x0 + ni_y * y0 - ci, ni_x * wx + ni_y * wy,
                             (gx / 2) ** 2 + (gy / 2) ** 2,
                             lambda x, y: on_segments(x, y, (slice(None), slice(None), None)))
        # three points: the centre of their circle
        k, l, m = np.array(list(itertools.combinations(range(count), 3)) or np.zeros((0, 3), int)).T.reshape(3, -1)
        x1, y1 = px[:, l] - px[:, k], py[:, l] - py[:, k]
        x2, y2 = px[:, m] - px[:, k], py[:, m] - py[:, k]
        det = 2 * (x1 * y2 - y1 * x2)
        cx = (y2 * (x1 * x1 + y1 * y1) - y1 * (x2 * x2 + y2 * y2)) / det
        cy = (x1 * (x2 * x2 + y2 * y2) - x2 * (x1 * x1 + y1 * y1)) / det
        _measure_inside(measure, px[:, k] + cx, py[:, k] + cy, np.hypot(cx, cy))
    return best


def _measure_on_edges(measure, er, sx, sy, ux, uy, t, tie):
    """Candidates on the edges of I at parameters t (edges × candidates), with their tie values."""
    k, p = np.nonzero((t > 0) & (t < 1))
    t = t[k, p]
    measure(er[k], sx[k, 0] + t * ux[k, 0], sy[k, 0] + t * uy[k, 0], tie[k, p], on_edge=True)


def _measure_inside(measure, x, y, tie):
    """Candidates inside I: (rows × candidates) coordinates and tie values."""
    k, p = np.nonzero(np.isfinite(x) & np.isfinite(y))
    measure(k, x[k, p], y[k, p], tie[k, p], on_edge=False)


def _measure_on_bisector(measure, x0, y0, wx, wy, alpha, beta, q2, on_lines):
    """Points p = p0 + s·w of a bisector at distance alpha + beta·s from a line and from a point
    q2 = |p0 − point|² away (p0 − point ⟂ w): (1 − β²)s² − 2αβs + q2 − α² = 0; `on_lines(x, y)` says
    where the lines are sites."""
    g = x0.shape[0]
    for s in _roots(1 - beta * beta, -2 * alpha * beta, q2 - alpha * alpha):
        x, y, tie = x0 + s * wx, y0 + s * wy, alpha + beta * s
        x = np.where(on_lines(x, y), x, np.nan)
        _measure_inside(measure, x.reshape(g, -1), y.reshape(g, -1), tie.reshape(g, -1))


def _roots(qa, qb, qc):
    """Both real roots of qa·t² + qb·t + qc = 0 (NaN where there are none; one where qa is 0)."""
    disc = np.sqrt(qb * qb - 4 * qa * qc)
    # the form that does not subtract nearly equal numbers
    q = -(qb + np.copysign(disc, qb)) / 2
    flat = np.abs(qa) < 1e-12
    return np.where(flat, -qc / qb, q / qa), np.where(flat, np.nan, qc / q)


def _nearest_edge(x, y, ax, ay, ex, ey) -> np.ndarray:
    """The distance from each point (x, y) to the nearest of its row of segments a + t·e."""
    t = np.clip(((x[:, None] - ax) * ex + (y[:, None] - ay) * ey) / np.maximum(ex * ex + ey * ey, 1e-300), 0.0, 1.0)
    return np.sqrt(np.min((x[:, None] - ax - t * ex) ** 2 + (y[:, None] - ay - t * ey) ** 2, axis=1))


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The z component of the cross product of rows of 2-d vectors."""
    return u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]


def _next_edge(ring: np.ndarray) -> np.ndarray:
    """For edges in ring order (`ring` the ring of each), the index of the edge after each one."""
    following = np.arange(1, len(ring) + 1)
    start = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    following[np.r_[start[1:], len(ring)] - 1] = start
    return following


def _oriented_edges(geoms: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every edge (a, b) of every ring of these polygons, the interior on its left (shells
    anticlockwise, holes clockwise); the ring of each (edges of a ring are in order) and its geometry."""
    parts, part_of = shapely.get_parts(shapely.orient_polygons(geoms), return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, at = shapely.get_coordinates(rings, return_index=True)
    same = np.flatnonzero(at[1:] == at[:-1])  # consecutive coordinates of one ring make an edge
    return xy[same], xy[same + 1], at[same], part_of[ring_of[at[same]]]


_FAR = 1e12  # m: where unused places of the packed sites lie


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
        near = _point_segment_distance(vxy[extreme[seg_owner]], a, b) <= reach[seg_owner]
        a, b, seg_owner = a[near], b[near], seg_owner[near]
    # every (segment, vertex of the same pair), segment by segment; segments are in pair order
    reps = np.bincount(v_owner, minlength=n)[seg_owner]
    first = np.cumsum(reps) - reps
    segment = np.repeat(np.arange(len(a)), reps)
    vertex = np.repeat(v_start[seg_owner] - first, reps) + np.arange(reps.sum())
    bound = np.full(n, np.inf)
    if len(a):
        farthest = np.maximum.reduceat(_point_segment_distance(vxy[vertex], a[segment], b[segment]), first)
        owners, start = np.unique(seg_owner, return_index=True)
        bound[owners] = np.minimum.reduceat(farthest, start)
    return bound <= reach


def _extreme_vertices(x: np.ndarray, owner: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The index of each geometry's vertex with the least and with the greatest x (owner sorted)."""
    order = np.lexsort((x, owner))
    start = np.searchsorted(owner[order], np.arange(n))
    end = np.searchsorted(owner[order], np.arange(n), side="right") - 1
    return order[np.minimum(start, len(x) - 1)], order[np.maximum(end, 0)]


def _point_segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-300), 0.0, 1.0)
    return np.hypot(*(p - a - t[:, None] * ab).T)


def _line_candidates(buildings: np.ndarray, lines: np.ndarray, window: np.ndarray) -> tuple[np.ndarray, ...]:
    """Points of B likely to be deepest in a line's buffer: nearest to the line, and nearest to each
    of its vertices in the window (a bend is deepest on its inner side, at the vertex).
    Coordinates, the pair each belongs to, and a bound of its distance to the line."""
    pairs = np.flatnonzero(~shapely.is_missing(lines))
    to_line = parallel(shapely.shortest_line, buildings[pairs], lines[pairs])
    # the line's vertices in the window (and where it leaves the window: points of the line too)
    vertex_xy, at = shapely.get_coordinates(parallel(shapely.intersection, lines[pairs], window[pairs]),
                                            return_index=True)
    owner = pairs[at]
    to_vertices = parallel(shapely.shortest_line, buildings[owner], shapely.points(vertex_xy))
    found = np.concatenate([to_line, to_vertices])
    return (shapely.get_coordinates(shapely.get_point(found, 0)), np.concatenate([pairs, owner]),
            shapely.length(found))


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
