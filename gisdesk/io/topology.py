"""Topology of the polygons an import brings: overlaps, slivers and gaps within one layer. No Qt.

Found with shapely 2 arrays and one STRtree, in the project CRS (metres):

- **overlap**: two features of the layer whose interiors meet in more than AREA_TOLERANCE_M2; the
  overlap's area is counted twice in any total of the layer (building area, encroachment ...).
- **sliver**: a feature thinner than SLIVER_WIDTH_M on average (2·area / perimeter, the width of a
  long strip) or smaller than SLIVER_AREA_M2: digitising and clipping leftovers, not real objects.
- **gap**: a small hole (under GAP_MAX_M2) in the union of features that touch one another, that is
  no hole (courtyard) of any one feature: the slit left where two neighbours should meet.

`find_topology(geoms, uids)` checks a whole layer; with `existing` (the layer's features before an
append) only what involves the new features is found.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisdesk.geometry import parallel
from gisdesk.i18n import tr

PROBLEMS = ("overlap", "sliver", "gap")
# Intersections and holes smaller than this are rounding and snapping noise of coordinates written
# with millimetres (a 1 mm shift along a 10 m wall is 0.01 m²), not areas anyone counts.
AREA_TOLERANCE_M2 = 0.01
# No wall, fence or building part is thinner than half a metre: a polygon thinner than that on
# average is a digitising or clipping leftover (a 100 m × 0.2 m strip: 2·20/200.4 ≈ 0.2 m).
SLIVER_WIDTH_M = 0.5
# Smaller than a square metre: no building, case or zone, whatever its shape (a 1 × 1 m hut is 1 m²).
SLIVER_AREA_M2 = 1.0
# A hole of up to 50 m² between neighbours is a gap (a missed snap, a slit between two blocks); a
# larger enclosed space is a courtyard or the land inside a ring road, there on purpose.
GAP_MAX_M2 = 50.0
# For an append, the features already in the layer this close (m) to the new ones are looked at for
# gaps: a hole under GAP_MAX_M2 that is wider than this would be under 1 m across.
GAP_SEARCH_M = 50.0

_POLYGONAL = (3, 6)


def find_topology(geoms, uids, *, existing=None, existing_uids=None, crs=None) -> gpd.GeoDataFrame:
    """The overlaps, slivers and gaps of the polygons `geoms` (named by `uids`), as a frame of
    problem, uids (a tuple: the one or two features; the neighbours around a gap), area_m2 and
    geometry (the overlap, the sliver, the gap), overlaps largest first.

    With `existing` / `existing_uids` (the layer's features before an append), only overlaps of
    pairs involving a new feature, slivers among the new features and gaps bordered by a new one.
    Lines and points are not looked at.
    """
    geoms = np.asarray(geoms, dtype=object)
    uids = np.asarray(uids, dtype=object).astype(str)
    new = len(geoms)
    if existing is not None:
        old, old_uids = _near(np.asarray(existing, dtype=object), np.asarray(existing_uids, dtype=object).astype(str),
                              geoms)
        geoms, uids = np.concatenate([geoms, old]), np.concatenate([uids, old_uids])
    polygonal = ~shapely.is_missing(geoms) & np.isin(shapely.get_type_id(geoms), _POLYGONAL) & ~shapely.is_empty(geoms)
    rows = np.flatnonzero(polygonal)
    geoms, uids = geoms[rows], uids[rows]
    is_new = rows < new
    frames = []
    if len(geoms):
        tree = shapely.STRtree(geoms)
        a, b = tree.query(geoms, predicate="intersects")  # (old ones: only those near the new ones)
        a, b = a[a < b], b[a < b]  # each pair once
        involved = is_new[a] | is_new[b]  # the old ones' pairs only join them into groups for the gaps
        frames += [_overlaps(geoms, uids, a[involved], b[involved]), _slivers(geoms[is_new], uids[is_new]),
                   _gaps(geoms, uids, a, b, is_new, tree)]
    found = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
    if found is None:
        found = pd.DataFrame({"problem": pd.Series(dtype=object), "uids": pd.Series(dtype=object),
                              "area_m2": pd.Series(dtype=float), "geometry": pd.Series(dtype=object)})
    return gpd.GeoDataFrame(found, geometry="geometry", crs=crs)


def summary(found: pd.DataFrame) -> dict:
    """{"overlap": n, "sliver": m, "gap": k, "overlap_m2": total overlapping area}."""
    counts = found["problem"].value_counts()
    out = {p: int(counts.get(p, 0)) for p in PROBLEMS}
    out["overlap_m2"] = float(found.loc[found["problem"] == "overlap", "area_m2"].sum())
    return out


def _near(old: np.ndarray, old_uids: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The existing features within GAP_SEARCH_M of the new ones' bounding boxes."""
    if len(old) == 0 or len(new) == 0:
        return old[:0], old_uids[:0]
    present = ~shapely.is_missing(new) & ~shapely.is_empty(new)
    bounds = shapely.bounds(new[present])
    boxes = shapely.box(bounds[:, 0] - GAP_SEARCH_M, bounds[:, 1] - GAP_SEARCH_M, bounds[:, 2] + GAP_SEARCH_M,
                        bounds[:, 3] + GAP_SEARCH_M)
    valid = ~shapely.is_missing(old)
    tree = shapely.STRtree(old[valid])
    _, hit = tree.query(boxes)
    picked = np.flatnonzero(valid)[np.unique(hit)]
    return old[picked], old_uids[picked]


def _overlaps(geoms, uids, a, b) -> pd.DataFrame:
    """Pairs whose interiors meet: their intersection, when larger than the tolerance. A pair whose
    bounding boxes share no more than the tolerance cannot overlap by more (neighbours sharing a
    straight wall of a terrace share a line of their boxes): only the others are intersected."""
    if len(a) == 0:
        return pd.DataFrame()
    bounds = shapely.bounds(geoms)
    lo = np.maximum(bounds[a, :2], bounds[b, :2])
    hi = np.minimum(bounds[a, 2:], bounds[b, 2:])
    box_area = np.prod(np.clip(hi - lo, 0, None), axis=1)
    a, b = a[box_area > AREA_TOLERANCE_M2], b[box_area > AREA_TOLERANCE_M2]
    if len(a) == 0:
        return pd.DataFrame()
    overlap = _polygonal_part(parallel(shapely.intersection, geoms[a], geoms[b]))
    area = shapely.area(overlap)
    big = area > AREA_TOLERANCE_M2
    a, b, overlap, area = a[big], b[big], overlap[big], area[big]
    order = np.argsort(-area, kind="stable")
    return pd.DataFrame({"problem": "overlap", "uids": [(uids[i], uids[j]) for i, j in zip(a[order], b[order])],
                         "area_m2": area[order], "geometry": overlap[order]})


def _slivers(geoms, uids) -> pd.DataFrame:
    area, perimeter = shapely.area(geoms), shapely.length(geoms)
    width = np.divide(2 * area, perimeter, out=np.zeros_like(area), where=perimeter > 0)
    thin = (width < SLIVER_WIDTH_M) | (area < SLIVER_AREA_M2)
    rows = np.flatnonzero(thin)
    return pd.DataFrame({"problem": "sliver", "uids": [(u,) for u in uids[rows]], "area_m2": area[rows],
                         "geometry": geoms[rows]})


def _gaps(geoms, uids, a, b, is_new, tree) -> pd.DataFrame:
    """Holes under GAP_MAX_M2 of the union of each group of features touching one another, that lie
    in no hole of one feature; with old features about, only those bordering a new one."""
    if len(a) == 0:
        return pd.DataFrame()
    members = np.unique(np.concatenate([a, b]))
    label = _components(len(geoms), a, b)[members]
    bounds = shapely.bounds(geoms)
    overlapping = np.zeros(len(geoms), dtype=bool)  # in a pair whose boxes overlap: maybe no coverage
    shared = np.prod(np.clip(np.minimum(bounds[a, 2:], bounds[b, 2:]) - np.maximum(bounds[a, :2], bounds[b, :2]),
                             0, None), axis=1) > 0
    overlapping[a[shared]] = overlapping[b[shared]] = True
    holes = _union_holes(geoms[members], label, overlapping[members])
    if len(holes) == 0:
        return pd.DataFrame()
    area = shapely.area(holes)
    small = (area > AREA_TOLERANCE_M2) & (area < GAP_MAX_M2)
    holes, area = holes[small], area[small]
    if len(holes) == 0:
        return pd.DataFrame()
    own = _own_holes(geoms[members])
    if len(own):
        inside, _ = shapely.STRtree(own).query(holes, predicate="covered_by")
        keep = np.ones(len(holes), dtype=bool)
        keep[inside] = False
        holes, area = holes[keep], area[keep]
    gap, feature = tree.query(holes, predicate="intersects")  # the features around each gap
    border = pd.DataFrame({"gap": gap, "uid": uids[feature], "new": is_new[feature]})
    border = border.groupby("gap").agg(uids=("uid", lambda u: tuple(sorted(u))), new=("new", "any"))
    border = border[border["new"]]
    rows = border.index.to_numpy()
    return pd.DataFrame({"problem": "gap", "uids": border["uids"].to_list(), "area_m2": area[rows],
                         "geometry": holes[rows]})


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of the graph of pairs (a, b): the smallest member's index per node
    (label propagation with pointer jumping; a few dozen passes for rows of terraced houses)."""
    label = np.arange(n)
    while True:
        low = np.minimum(label[a], label[b])
        before = label.copy()
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        label = label[label]  # jump to the label's label
        if np.array_equal(label, before):
            return label


def _union_holes(geoms: np.ndarray, label: np.ndarray, overlapping: np.ndarray) -> np.ndarray:
    """The interior rings (as polygons) of the union of each group of equal `label`.

    Groups are unioned in one vectorised call per size class (rows of a 2-D array padded with
    None, reduced along the row), not one Python call per group. A group none of whose members'
    boxes overlap (a terrace of straight shared walls) is a coverage: GEOS's coverage union
    dissolves its shared edges about five times faster than a full union; a result that is not
    valid (edges that did not match vertex for vertex) is made again with the full union."""
    order = np.argsort(label, kind="stable")
    label, geoms, overlapping = label[order], geoms[order], overlapping[order]
    starts = np.flatnonzero(np.concatenate([[True], label[1:] != label[:-1]]))
    sizes = np.diff(np.concatenate([starts, [len(label)]]))
    group = np.repeat(np.arange(len(starts)), sizes)  # of each geometry
    position = np.arange(len(label)) - starts[group]  # its place in its group
    full = np.zeros(len(starts), dtype=bool)
    full[group[overlapping]] = True
    size_class = np.ceil(np.log2(sizes)).astype(int) * 2 + full  # groups of 2, 3-4, 5-8 ... share a table
    rank = np.empty(len(starts), dtype=int)
    unions = np.empty(len(starts), dtype=object)
    for c in np.unique(size_class):
        groups = np.flatnonzero(size_class == c)
        rank[groups] = np.arange(len(groups))
        table = np.full((len(groups), int(sizes[groups].max())), None, dtype=object)
        mine = size_class[group] == c
        table[rank[group[mine]], position[mine]] = geoms[mine]
        if c % 2:
            unions[groups] = shapely.union_all(table, axis=1)
            continue
        try:
            made = shapely.coverage_union_all(table, axis=1)
        except shapely.errors.GEOSException:  # edges that do not match: the full union
            made = shapely.union_all(table, axis=1)
        bad = ~shapely.is_valid(made)
        if bad.any():
            made[bad] = shapely.union_all(table[bad], axis=1)
        unions[groups] = made
    parts = shapely.get_parts(unions)
    parts = parts[shapely.get_type_id(parts) == 3]
    return _interior_rings(parts)


def _interior_rings(parts: np.ndarray) -> np.ndarray:
    """The holes of polygons, as polygons."""
    counts = shapely.get_num_interior_rings(parts)
    if counts.sum() == 0:
        return np.empty(0, dtype=object)
    owner = np.repeat(np.arange(len(parts)), counts)
    index = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return shapely.polygons(shapely.get_interior_ring(parts[owner], index))


def _own_holes(geoms: np.ndarray) -> np.ndarray:
    """The holes of each feature, as polygons (courtyards)."""
    return _interior_rings(shapely.get_parts(geoms))


def _polygonal_part(geoms: np.ndarray) -> np.ndarray:
    """Of intersections, their polygons only (two overlapping squares also share a corner point or an edge)."""
    geoms = np.asarray(geoms, dtype=object)
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)
    for i in mixed:  # collections: only where a pair also touches beside its overlap
        polys = [p for p in shapely.get_parts(geoms[i]) if shapely.get_type_id(p) in _POLYGONAL]
        geoms[i] = shapely.union_all(polys) if polys else shapely.Polygon()
    return geoms


# --- on import --------------------------------------------------------------------------------

@dataclass
class ImportTopology:
    """What an import's topology check found (`found`: what involves the features it adds) and what
    the layer's findings are once they are in (`layer`: the earlier ones still true, and `found`)."""
    layer_id: str
    found: gpd.GeoDataFrame
    layer: gpd.GeoDataFrame

    def save(self, project) -> gpd.GeoDataFrame:
        """Store the layer's findings in the project (replacing its earlier ones); returns `found`."""
        project.save_topology(self.layer_id, self.layer)
        return self.found


def check_import(project, layer_id: str, frame: gpd.GeoDataFrame, *, exists: bool) -> ImportTopology | None:
    """Before an append of `frame` (in the project CRS, with uids) to the layer: its overlaps, slivers
    and gaps, and against the layer's features (an append) the overlaps and gaps involving the new
    ones. The layer's earlier findings stay, but for gaps a new feature now touches (filled, or
    found again with their new neighbours). None for a frame without polygons (points, lines)."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if not np.isin(shapely.get_type_id(geoms), _POLYGONAL).any():
        return None
    existing = None
    if exists:  # the layer's features about the new ones, through its R-tree (not a million to append 1,000)
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        existing = project.read_layer_in(layer_id, (xmin - GAP_SEARCH_M, ymin - GAP_SEARCH_M, xmax + GAP_SEARCH_M,
                                                    ymax + GAP_SEARCH_M), columns=["uid"])
    if existing is None or existing.empty:
        found = find_topology(geoms, frame["uid"], crs=frame.crs)
        return ImportTopology(layer_id, found, found)
    found = find_topology(geoms, frame["uid"], existing=existing.geometry.values, existing_uids=existing["uid"],
                          crs=frame.crs)
    earlier = project.topology(layer_id)
    earlier = earlier[[c for c in found.columns]] if len(earlier) else found.iloc[:0]
    stale = np.zeros(len(earlier), dtype=bool)
    gaps = np.flatnonzero((earlier["problem"] == "gap").to_numpy())
    if len(gaps):
        touched, _ = shapely.STRtree(geoms).query(earlier.geometry.values[gaps], predicate="intersects")
        stale[gaps[np.unique(touched)]] = True
    layer = pd.concat([earlier[~stale], found], ignore_index=True)
    return ImportTopology(layer_id, found, gpd.GeoDataFrame(layer, geometry="geometry", crs=frame.crs))


def check_layer(project, layer_id: str) -> gpd.GeoDataFrame:
    """The whole layer checked again and its findings stored (after an update changed features)."""
    frame = project.read_layer(layer_id, columns=["uid"])
    found = find_topology(frame.geometry.values, frame["uid"], crs=frame.crs)
    project.save_topology(layer_id, found)
    return found


LISTED = 5  # findings of each kind named in the report


def report_lines(found: pd.DataFrame | None) -> list[str]:
    """The report's topology line, and the first few findings of each kind by their features' uids."""
    if found is None:
        return []
    counts = summary(found)
    lines = [tr("  拓扑：重叠 {n} 处（共 {area} m²，面积重复计算）、狭长碎片 {m} 个、缝隙 {k} 处",
                "  topology: overlaps {n} ({area} m² in all, counted twice in areas), slivers {m}, gaps {k}",
                n=counts["overlap"], area=f"{counts['overlap_m2']:,.1f}", m=counts["sliver"], k=counts["gap"])]
    for problem, zh, en in (("overlap", "重叠", "overlaps"), ("sliver", "狭长碎片", "slivers"), ("gap", "缝隙", "gaps")):
        rows = found[found["problem"] == problem]
        if len(rows) == 0:
            continue
        sep = " × " if problem == "overlap" else ", "
        items = [f"{sep.join(uids)} ({area:,.2f} m²)" for uids, area in
                 zip(rows["uids"].iloc[:LISTED], rows["area_m2"].iloc[:LISTED])]
        more = " …" if len(rows) > LISTED else ""
        lines.append(tr("    {what}：{items}{more}", "    {what}: {items}{more}", what=tr(zh, en),
                        items="；".join(items) if tr("zh", "en") == "zh" else "; ".join(items), more=more))
    return lines
