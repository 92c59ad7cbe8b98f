"""The conflict check (docs/domain.md §1): buildings against the zones of the control lines.

For a subject polygon B and a control feature with zone Z and required setback r:
- `encroach` when area(B∩Z) > overlap_m2 and depth ≥ width_m, where depth is how far B
  reaches into Z: sup{d : B ∩ Z.buffer(-d) ≠ ∅} = max over p in B∩Z of dist(p, ∂Z);
- otherwise `setback` when r > 0 and distance(B, Z) < r (0 when they touch or overlap
  by a sliver), with shortfall r − distance.

Candidates come from a spatial index (each zone asks for the subjects within its own
setback distance); exact geometry runs only on those pairs, vectorised with shapely.
Inputs are frames in one metric CRS, so the same engine serves the CLI, the UI and a
partitioned run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gisdesk.crs import is_metric_projected
from gisdesk.errors import InputError
from gisdesk.geometry import parallel, polygonal
from gisdesk.jobs import Feedback
from gisdesk.layers.zones import control_zones
from gisdesk.rules import Rules

# conflicts.csv, in this order; subject_layer is the subject's kind (the name is older than
# layer ids), subject_table and control_table are the layer ids
CONFLICT_COLUMNS = ["subject_layer", "subject_id", "control_kind", "control_id", "relation",
                    "overlap_m2", "depth_m", "distance_m", "required_m", "shortfall_m", "subject_table", "control_table"]
ENCROACH, SETBACK = "encroach", "setback"

# Depth is exact to about 2 × _PROBE: the polygonal buffers that test it are widened so
# that a chord never hides a point (see _covered).
_PROBE = 0.002  # m
_QUAD_SEGS = np.array([8, 16, 32, 64, 128, 256, 512, 1024])
_INNER = np.cos(np.pi / (4 * _QUAD_SEGS))  # a buffer of radius r contains the disk r * _INNER

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
    zones, zone_kind, zone_table, zone_uid, required = [], [], [], [], []
    controls_count = {}
    for table, frame in controls.items():
        kind = kinds.get(table, table)
        z, fixed = control_zones(frame, kind)
        zones.append(z)
        zone_kind.append(np.full(len(z), kind, dtype=object))
        zone_table.append(np.full(len(z), table, dtype=object))
        zone_uid.append(frame["uid"].astype(str).to_numpy())
        required.append(required_setbacks(frame, kind, rules))
        controls_count[table] = len(frame)
        repaired[table] = fixed
    zones = np.concatenate(zones) if zones else np.empty(0, dtype=object)
    zone_kind = np.concatenate(zone_kind) if zone_kind else np.empty(0, dtype=object)
    zone_table = np.concatenate(zone_table) if zone_table else np.empty(0, dtype=object)
    zone_uid = np.concatenate(zone_uid) if zone_uid else np.empty(0, dtype=object)
    required = np.concatenate(required) if required else np.empty(0)
    shapely.prepare(zones)
    boundaries = shapely.boundary(zones)

    parts, checked, skipped = [], {}, {}
    for n, (layer, frame) in enumerate(subjects.items()):
        feedback.set_stage(f"{layer}")
        geoms, usable, fixed = polygonal(np.asarray(frame.geometry.values, dtype=object))
        repaired[layer] = fixed
        checked[layer] = int(usable.sum())
        skipped[layer] = int(len(geoms) - usable.sum())
        subject_index = np.flatnonzero(usable)
        parts.append(_check_layer(
            (kinds.get(layer, layer), layer), geoms[subject_index], frame["uid"].astype(str).to_numpy()[subject_index],
            zones, boundaries, (zone_kind, zone_table), zone_uid, required, rules, feedback,
            progress=(n / max(len(subjects), 1), (n + 1) / max(len(subjects), 1))))
    feedback.finish()
    conflicts = pd.concat(parts, ignore_index=True) if parts else _empty_conflicts()
    conflicts = conflicts.sort_values(["subject_layer", "subject_id", "control_kind", "control_id", "subject_table",
                                       "control_table"], kind="stable", ignore_index=True)
    return CheckResult(conflicts, checked, skipped, repaired, controls_count, rules, crs, dict(feedback.timings))


def _check_layer(layer, geoms, uids, zones, boundaries, zone_layer, zone_uid, required, rules, feedback,
                 *, progress) -> pd.DataFrame:
    """The conflicts of one subject layer; `layer` is its (kind, id), `zone_layer` the zones' (kinds, ids)."""
    (kind, table), (zone_kind, zone_table) = layer, zone_layer
    start, end = progress
    span = end - start
    if len(geoms) == 0 or len(zones) == 0:
        return _empty_conflicts()
    # Each zone asks the index of subjects for those within its own setback (0: touching):
    # the pairs whose boxes come that close (the box of each zone grown by its setback, as
    # STRtree's own 'dwithin' query does), then the exact test on them. In two steps
    # because the exact test runs on all cores (STRtree.query runs on one).
    tree = shapely.STRtree(geoms)
    xmin, ymin, xmax, ymax = shapely.bounds(zones).T
    near = shapely.box(xmin - required, ymin - required, xmax + required, ymax + required)
    zone_idx, subj_idx = tree.query(near)  # sorted by zone
    feedback.set_progress(start + span * 0.25)
    feedback.check_cancelled()
    within = parallel(shapely.dwithin, zones[zone_idx], geoms[subj_idx], required[zone_idx], keys=zone_idx)
    zone_idx, subj_idx = zone_idx[within], subj_idx[within]
    feedback.set_progress(start + span * 0.5)
    if len(zone_idx) == 0:
        return _empty_conflicts()

    B, Z = geoms[subj_idx], zones[zone_idx]
    r = required[zone_idx]
    overlapping = parallel(shapely.intersects, Z, B, keys=zone_idx)  # zones are prepared
    overlap = np.full(len(B), None, dtype=object)
    area = np.zeros(len(B))
    depth = np.zeros(len(B))
    distance = np.zeros(len(B))
    o = np.flatnonzero(overlapping)
    overlap[o] = polygonal(parallel(shapely.intersection, B[o], Z[o]))[0]
    area[o] = shapely.area(overlap[o])
    feedback.set_progress(start + span * 0.7)
    feedback.check_cancelled()

    deep = np.flatnonzero(area > 0)
    depth[deep] = encroachment_depth(B[deep], Z[deep], overlap[deep], boundaries[zone_idx[deep]],
                                     keys=zone_idx[deep])
    feedback.set_progress(start + span * 0.9)

    apart = np.flatnonzero(~overlapping)
    distance[apart] = parallel(shapely.distance, B[apart], Z[apart])

    encroach = (area > rules.overlap_m2) & (depth >= rules.width_m)
    setback = ~encroach & (r > 0) & (distance < r)
    keep = encroach | setback
    relation = np.where(encroach, ENCROACH, SETBACK)
    frame = pd.DataFrame({
        "subject_layer": kind,
        "subject_id": uids[subj_idx][keep],
        "control_kind": zone_kind[zone_idx][keep],
        "control_id": zone_uid[zone_idx][keep],
        "relation": relation[keep],
        "overlap_m2": area[keep],
        "depth_m": depth[keep],
        "distance_m": distance[keep],
        "required_m": r[keep],
        "shortfall_m": np.maximum(r - distance, 0.0)[keep],
        "subject_table": table,
        "control_table": zone_table[zone_idx][keep],
        "overlap": overlap[keep],
    })
    feedback.set_progress(end)
    return frame


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

def encroachment_depth(buildings: np.ndarray, zones: np.ndarray, overlaps: np.ndarray,
                       boundaries: np.ndarray, *, keys: np.ndarray | None = None) -> np.ndarray:
    """Depth of each overlap I = B∩Z into its zone: max over p in I of dist(p, ∂Z), to ±4 mm.

    Only the part of ∂Z near I matters: if B crosses ∂Z, a piece of ∂Z lies in I, so no
    point of I is farther than I's diagonal from it; if B lies inside Z, add B's distance
    to ∂Z. The largest distance from a vertex of I gives a lower bound L, which is the
    answer when a buffer of ∂Z a hair wider than L covers I (the usual case); otherwise
    the depth lies in the interior of I (e.g. B spans a narrow zone) and is bisected.
    `keys` (sorted): which zone each pair has, to run on all cores (see gisdesk.geometry.parallel).
    """
    n = len(overlaps)
    if n == 0:
        return np.zeros(0)
    xmin, ymin, xmax, ymax = shapely.bounds(overlaps).T
    diag = np.hypot(xmax - xmin, ymax - ymin)
    reach = diag.copy()
    # zones are prepared: split over threads only with the keys that keep each zone in one thread
    contains = shapely.contains(zones, buildings) if keys is None else parallel(shapely.contains, zones, buildings,
                                                                                keys=keys)
    inside = np.flatnonzero(contains)
    reach[inside] += parallel(shapely.distance, buildings[inside], boundaries[inside])
    window = shapely.box(xmin - reach, ymin - reach, xmax + reach, ymax + reach)
    local = parallel(shapely.intersection, boundaries, window)

    coords, owner = shapely.get_coordinates(overlaps, return_index=True)
    vertex_depth = parallel(shapely.distance, shapely.points(coords), local[owner])
    lower = np.zeros(n)
    np.maximum.at(lower, owner, vertex_depth)

    depth = lower.copy()
    covered, _ = _covered(overlaps, local, lower + _PROBE, slack=_PROBE)
    open_ = np.flatnonzero(~covered)
    lo = lower[open_] + _PROBE  # not covered: some point lies deeper than this
    hi = lower[open_] + diag[open_] + _PROBE  # every point of I is within diag of a vertex
    while len(open_):
        mid = (lo + hi) / 2
        covered, bound = _covered(overlaps[open_], local[open_], mid, slack=_PROBE / 2)
        hi = np.where(covered, bound, hi)
        lo = np.where(covered, lo, mid)
        done = hi - lo < 2 * _PROBE
        depth[open_[done]] = (lo[done] + hi[done]) / 2
        open_, lo, hi = open_[~done], lo[~done], hi[~done]
    return depth


def _covered(overlaps: np.ndarray, local: np.ndarray, radius: np.ndarray, *, slack: float):
    """Whether every point of each overlap lies within `radius` of its local boundary.

    GEOS buffers are polygons with their vertices on the circle, so a buffer of radius
    radius/inner contains the true one of `radius` and lies inside the true one of
    radius/inner. Hence covered means depth ≤ bound (= radius/inner ≤ radius + slack),
    and not covered means some point lies farther than `radius`. Returns (covered, bound).
    """
    pick = np.minimum(np.searchsorted(_INNER, radius / (radius + slack)), len(_INNER) - 1)
    covered = np.zeros(len(overlaps), dtype=bool)
    bound = radius / _INNER[pick]
    for p in np.unique(pick):
        at = np.flatnonzero(pick == p)
        grown = parallel(shapely.buffer, local[at], bound[at], quad_segs=int(_QUAD_SEGS[p]))
        covered[at] = shapely.is_empty(parallel(shapely.difference, overlaps[at], grown))
    return covered, bound
