"""What the editing tools do to geometries, and snapping. No Qt.

The tools of gisdesk.ui.editing turn mouse gestures into these: move a feature, move / insert /
delete a vertex, split polygons along a drawn line, merge polygons, and snap a point to the
vertices and edges of nearby features. Each returns a new shapely geometry (or refuses with a
ValidationError naming the problem) and leaves the layer alone: the edit session puts the
result into the layer, where undo, the live index and the store follow it.

A vertex is addressed by `VertexRef(part, ring, index)`: the part of a multi-geometry, the ring
of a polygon (0: the shell, 1…: holes) and the position in the ring, the closing repeat of a
ring's first point not counted (moving vertex 0 moves both ends).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import LinearRing, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon

from gisdesk.errors import ValidationError
from gisdesk.layers.kinds import POLYGON
from gisdesk.layers.layer import Layer
from gisdesk.layers.uids import feature_uids


@dataclass(frozen=True)
class VertexRef:
    part: int
    ring: int
    index: int


@dataclass(frozen=True)
class Snap:
    """Where a point snapped: onto a vertex or an edge of feature `uid` of layer `layer_id`."""
    x: float
    y: float
    kind: str  # "vertex" | "edge"
    layer_id: str
    uid: str


# --- the parts, rings and vertices of a geometry ------------------------------------------

def _parts(geom) -> list:
    return list(geom.geoms) if hasattr(geom, "geoms") else [geom]


def _rings(part) -> list[np.ndarray]:
    """The coordinate arrays (x, y) of a part: a polygon's rings without their closing point, a line's, a point's."""
    if isinstance(part, Polygon):
        return [np.asarray(r.coords)[:-1, :2] for r in (part.exterior, *part.interiors)]
    return [np.asarray(part.coords)[:, :2]]


def _rebuild(geom, parts_rings: list[list[np.ndarray]]):
    """A geometry of `geom`'s type from new rings per part."""
    built = []
    for part, rings in zip(_parts(geom), parts_rings):
        if isinstance(part, Polygon):
            built.append(Polygon(rings[0], rings[1:]))
        elif isinstance(part, LineString):
            built.append(LineString(rings[0]))
        else:
            built.append(Point(rings[0][0]))
    if isinstance(geom, MultiPolygon):
        return MultiPolygon(built)
    if isinstance(geom, MultiLineString):
        return MultiLineString(built)
    if isinstance(geom, MultiPoint):
        return MultiPoint(built)
    return built[0]


def vertices(geom) -> list[tuple[VertexRef, float, float]]:
    """Every vertex of a geometry with its address."""
    out = []
    for p, part in enumerate(_parts(geom)):
        for r, ring in enumerate(_rings(part)):
            out += [(VertexRef(p, r, i), float(x), float(y)) for i, (x, y) in enumerate(ring)]
    return out


def nearest_vertex(geom, x: float, y: float, tolerance: float) -> VertexRef | None:
    """The vertex of `geom` nearest to (x, y) when within `tolerance` (map units)."""
    found = vertices(geom)
    if not found:
        return None
    xy = np.array([(vx, vy) for _, vx, vy in found])
    d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
    best = int(np.argmin(d))
    return found[best][0] if d[best] <= tolerance else None


def _checked(geom, what: str):
    """`geom` when it is a valid geometry; else ValidationError saying why, in the user's language."""
    if geom.is_empty or not geom.is_valid:
        raise ValidationError("{what}后的图形无效：{why}", "the shape after {what_en} is not valid: {why}",
                              what=what, what_en=_WHAT_EN.get(what, what),
                              why=shapely.is_valid_reason(geom) if not geom.is_empty else "empty")
    return geom


_WHAT_EN = {"移动节点": "moving the vertex", "删除节点": "deleting the vertex", "插入节点": "inserting a vertex",
            "分割": "the split", "合并": "the merge", "绘制": "drawing"}


# --- edits of one geometry ----------------------------------------------------------------

def translate(geom, dx: float, dy: float):
    return shapely.transform(geom, lambda xy: xy + np.array([dx, dy]))


def move_vertex(geom, ref: VertexRef, x: float, y: float):
    parts = [[ring.copy() for ring in _rings(part)] for part in _parts(geom)]
    parts[ref.part][ref.ring][ref.index] = (x, y)
    return _checked(_rebuild(geom, parts), "移动节点")


def delete_vertex(geom, ref: VertexRef):
    """`geom` without the vertex; refused when its ring or line would be too short to be one."""
    parts = [[ring.copy() for ring in _rings(part)] for part in _parts(geom)]
    ring = parts[ref.part][ref.ring]
    polygon = isinstance(_parts(geom)[ref.part], Polygon)
    if len(ring) - 1 < (3 if polygon else 2):
        raise ValidationError("不能再删除节点：{shape}至少要有 {n} 个节点", "cannot delete the vertex: a {shape_en} needs "
                              "at least {n} vertices", shape="面" if polygon else "线",
                              shape_en="polygon ring" if polygon else "line", n=3 if polygon else 2)
    parts[ref.part][ref.ring] = np.delete(ring, ref.index, axis=0)
    return _checked(_rebuild(geom, parts), "删除节点")


def insert_vertex(geom, x: float, y: float, tolerance: float):
    """`geom` with a vertex at the point of its nearest edge to (x, y), or None when no edge is within `tolerance`."""
    point = Point(x, y)
    best = None
    for p, part in enumerate(_parts(geom)):
        if isinstance(part, Point):
            continue
        for r, ring in enumerate(_rings(part)):
            closed = isinstance(part, Polygon)
            ends = np.vstack([ring, ring[:1]]) if closed else ring
            for i in range(len(ends) - 1):
                edge = LineString(ends[i:i + 2])
                d = edge.distance(point)
                if d <= tolerance and (best is None or d < best[0]):
                    on = edge.interpolate(edge.project(point))
                    best = (d, p, r, i + 1, (on.x, on.y))
    if best is None:
        return None
    _, p, r, at, xy = best
    parts = [[ring.copy() for ring in _rings(part)] for part in _parts(geom)]
    parts[p][r] = np.insert(parts[p][r], at, xy, axis=0)
    return _checked(_rebuild(geom, parts), "插入节点")


# --- edits of several features ---------------------------------------------------------------

def split_polygon(geom, line) -> list:
    """The pieces of a (multi)polygon cut by `line` ([]: the line does not cut it in two or more).

    Each piece keeps the type of the original (a MultiPolygon's pieces are one-part MultiPolygons)."""
    pieces = []
    for part in _parts(geom):
        cut = shapely.ops.split(part, line) if part.intersects(line) else None
        pieces += [g for g in (cut.geoms if cut is not None else [part]) if g.area > 0]
    if len(pieces) < 2:
        return []
    multi = isinstance(geom, MultiPolygon)
    return [_checked(MultiPolygon([piece]) if multi else piece, "分割") for piece in pieces]


def merge(geoms, *, multi: bool):
    """The union of polygons: one polygon when they touch or overlap, else a multipolygon (`multi`:
    always a MultiPolygon, as a layer of multipolygons stores them)."""
    union = shapely.union_all(list(geoms))
    if isinstance(union, Polygon) and multi:
        union = MultiPolygon([union])
    if not isinstance(union, (Polygon, MultiPolygon)):
        raise ValidationError("只能合并面要素", "only polygons can be merged")
    if isinstance(union, MultiPolygon) and not multi:
        raise ValidationError("所选要素互不相接，合并后是多部件面，而该图层只存单个面",
                              "the selected features do not touch: merged they make a multi-part polygon, "
                              "which this layer does not hold")
    return _checked(union, "合并")


def as_layer_type(geom, layer: Layer):
    """`geom` in the form the layer stores: a polygon into a layer of multipolygons becomes one."""
    if isinstance(geom, Polygon) and stores_multi(layer):
        return MultiPolygon([geom])
    return geom


def stores_multi(layer: Layer) -> bool:
    """Whether the layer keeps its polygons as multipolygons: a kind of polygons only is stored so
    (Project.add_features); a kind that also holds points (the ledger) keeps single polygons."""
    return tuple(layer.info.geometries) == (POLYGON,)


# --- snapping ----------------------------------------------------------------------------------

def snap(x: float, y: float, candidates, tolerance: float, *, to_vertices: bool = True,
         to_edges: bool = True) -> Snap | None:
    """(x, y) snapped to the nearest vertex within `tolerance`, else to the nearest point of an edge
    within it, among `candidates`: (layer id, uid, geometry) triples; None when nothing is that close.
    A vertex wins over an edge even when the edge is nearer, as in QGIS: corners are what a
    surveyor means to hit."""
    point = Point(x, y)
    best_vertex, best_edge = None, None
    for layer_id, uid, geom in candidates:
        if geom is None or geom.is_empty:
            continue
        if to_vertices:
            xy = shapely.get_coordinates(geom)
            d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
            i = int(np.argmin(d))
            if d[i] <= tolerance and (best_vertex is None or d[i] < best_vertex[0]):
                best_vertex = (d[i], Snap(float(xy[i, 0]), float(xy[i, 1]), "vertex", layer_id, str(uid)))
        if to_edges and not isinstance(geom, (Point, MultiPoint)):
            boundary = geom.boundary if isinstance(geom, (Polygon, MultiPolygon)) else geom
            d = boundary.distance(point)
            if d <= tolerance and (best_edge is None or d < best_edge[0]):
                on = shapely.ops.nearest_points(boundary, point)[0]
                best_edge = (d, Snap(on.x, on.y, "edge", layer_id, str(uid)))
    chosen = best_vertex or best_edge
    return chosen[1] if chosen else None


# --- new features ----------------------------------------------------------------------------

def new_uid(layer: Layer, *, year: int | None = None, also_taken=()) -> str:
    """A uid no feature of the layer has, nor any of `also_taken` (uids given out for the same edit):
    a ledger case's next number of its own form (HP2026-0081); else the layer's most common form
    PREFIX-NNN with one more than the highest."""
    import datetime as dt
    import re

    from gisdesk.layers.draft_case import next_case_no

    existing = [str(u) for u in feature_uids(layer.data).uids] + [str(u) for u in also_taken]
    if layer.kind == "ledger":
        return next_case_no(existing, year or dt.date.today().year)
    forms = Counter()
    highest: dict[tuple[str, int], int] = {}
    for uid in existing:
        m = re.fullmatch(r"(.*?)(\d+)", uid)
        if m:
            key = (m.group(1), len(m.group(2)))
            forms[key] += 1
            highest[key] = max(highest.get(key, 0), int(m.group(2)))
    prefix, digits = forms.most_common(1)[0][0] if forms else (f"{layer.kind}-", 6)
    number = highest.get((prefix, digits), 0) + 1
    taken = set(existing)
    while (uid := f"{prefix}{number:0{digits}d}") in taken:
        number += 1
    return uid


def drawn_geometry(kind: str, points) -> object:
    """The geometry a drawing makes: 'polygon' (3+ points), 'line' (2+) or 'point' (the first);
    ValidationError when there are too few points or the ring crosses itself."""
    points = [tuple(p) for p in points]
    need = {"polygon": 3, "line": 2, "point": 1}[kind]
    if len(points) < need:
        raise ValidationError("至少需要 {n} 个点", "at least {n} points are needed", n=need)
    if kind == "point":
        return Point(points[0])
    if kind == "line":
        return _checked(LineString(points), "绘制")
    return _checked(Polygon(LinearRing(points)), "绘制")
