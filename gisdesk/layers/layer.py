"""A layer in an open map: its features, style and state, with change events. No Qt.

Setters validate, store, then emit one event for that property (the napari way); the
widgets listen. Geometry caches for drawing and picking are built once per data change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import geopandas as gpd
import numpy as np
import shapely

from gisdesk.layers.kinds import KINDS, LayerKind


class Event:
    """A list of callbacks: connect(f), disconnect(f), emit(*args)."""

    def __init__(self):
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        if callback not in self._callbacks:
            self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):
            callback(*args)


@dataclass(frozen=True)
class Rings:
    """Polygon outlines as flat arrays, for fast drawing: ring r is coords[starts[r]:starts[r+1]]."""
    coords: np.ndarray  # (n, 2) float
    starts: np.ndarray  # (rings + 1,) int
    feature: np.ndarray  # (rings,) the feature (row) each ring belongs to
    bounds: np.ndarray  # (rings, 4) xmin, ymin, xmax, ymax of each ring


class Layer:
    """Features of one kind with a style; `changed` events tell views what to redraw."""

    def __init__(self, kind: str, frame: gpd.GeoDataFrame, *, title: str | None = None, style: dict | None = None,
                 visible: bool = True, opacity: float = 1.0):
        self.info: LayerKind = KINDS[kind]
        self.kind = kind
        self.frame = frame.reset_index(drop=True)
        self._title = title or self.info.title
        self._style = dict(style or {})
        self._visible = visible
        self._opacity = opacity
        self._selection = np.zeros(0, dtype=np.int64)
        self.cache: dict = {}  # things views derive from the data (e.g. zones); emptied when it changes
        self.events = {name: Event() for name in ("visible", "opacity", "style", "title", "data", "selection")}

    # --- properties that emit --------------------------------------------------------

    @property
    def title(self) -> str:
        return self._title

    @title.setter
    def title(self, value: str) -> None:
        self._set("title", str(value))

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        self._set("visible", bool(value))

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"opacity must be within 0..1, not {value}")
        self._set("opacity", value)

    @property
    def style(self) -> dict:
        return dict(self._style)

    def update_style(self, **changes) -> None:
        """Change some style keys (colour, width, label_field ...) and emit one event."""
        self._style = {**self._style, **changes}
        self.events["style"].emit(self)

    @property
    def selection(self) -> np.ndarray:
        """Row numbers of the selected features, sorted."""
        return self._selection

    def select(self, rows) -> None:
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        if not np.array_equal(rows, self._selection):
            self._selection = rows
            self.events["selection"].emit(self)

    def set_frame(self, frame: gpd.GeoDataFrame) -> None:
        """Replace the data (e.g. after an edit); caches are rebuilt on next use."""
        self.frame = frame.reset_index(drop=True)
        for cache in ("geometries", "bounds", "tree", "polygon_rings", "lines", "points", "label_points"):
            self.__dict__.pop(cache, None)
        self.cache.clear()
        self._selection = self._selection[self._selection < len(self.frame)]
        self.events["data"].emit(self)

    def _set(self, name: str, value) -> None:
        if getattr(self, f"_{name}") != value:
            setattr(self, f"_{name}", value)
            self.events[name].emit(self)

    # --- geometry caches ------------------------------------------------------------

    @cached_property
    def geometries(self) -> np.ndarray:
        return np.asarray(self.frame.geometry.values, dtype=object)

    @cached_property
    def bounds(self) -> np.ndarray:
        return shapely.bounds(self.geometries)

    @cached_property
    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.geometries)

    def extent(self, rows=None) -> tuple[float, float, float, float] | None:
        """The bounding box of the layer, or of the features in `rows`."""
        b = self.bounds if rows is None else self.bounds[np.asarray(rows, dtype=np.int64)]
        if len(b) == 0 or np.isnan(b).all():
            return None
        return (float(np.nanmin(b[:, 0])), float(np.nanmin(b[:, 1])), float(np.nanmax(b[:, 2])),
                float(np.nanmax(b[:, 3])))

    def in_box(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Rows whose bounding boxes meet the box, sorted."""
        return np.sort(self.tree.query(shapely.box(xmin, ymin, xmax, ymax)))

    @cached_property
    def polygon_rings(self) -> Rings:
        return rings_of(self.geometries, polygons=True)

    @cached_property
    def lines(self) -> Rings:
        return rings_of(self.geometries, polygons=False)

    @cached_property
    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """(coords, feature) of point features."""
        geoms = self.geometries
        kind = shapely.get_type_id(geoms)
        rows = np.flatnonzero(np.isin(kind, (0, 4)))
        coords, owner = shapely.get_coordinates(geoms[rows], return_index=True)
        return coords, rows[owner]

    @cached_property
    def label_points(self) -> np.ndarray:
        """A point inside each feature, where its label goes."""
        return shapely.get_coordinates(shapely.point_on_surface(self.geometries))


def rings_of(geoms: np.ndarray, *, polygons: bool) -> Rings:
    """The rings of the polygons (or the parts of the lines) among `geoms`, as flat arrays."""
    types = shapely.get_type_id(geoms)
    rows = np.flatnonzero(np.isin(types, (3, 6) if polygons else (1, 2, 5)))
    if not polygons:
        parts, owner = shapely.get_parts(geoms[rows], return_index=True)
        return _flat_rings(parts, rows[owner])
    simple, rest, clockwise = _single_ring_polygons(geoms, rows)
    if len(rest) == 0:
        return simple
    parts, part_owner = shapely.get_parts(geoms[rest], return_index=True)
    # exteriors one way round (the way of the one-ring polygons), holes the other: a winding fill
    # then keeps holes empty and overlapping parts of one feature filled
    rings, ring_owner = shapely.get_rings(shapely.orient_polygons(parts, exterior_cw=clockwise), return_index=True)
    other = _flat_rings(rings, rest[part_owner[ring_owner]])
    return Rings(np.concatenate([simple.coords, other.coords]),
                 np.concatenate([simple.starts[:-1], other.starts + simple.starts[-1]]),
                 np.concatenate([simple.feature, other.feature]), np.concatenate([simple.bounds, other.bounds]))


def _flat_rings(rings: np.ndarray, owner: np.ndarray) -> Rings:
    coords, coord_owner = shapely.get_coordinates(rings, return_index=True)
    counts = np.bincount(coord_owner, minlength=len(rings))
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    bounds = shapely.bounds(rings) if len(rings) else np.zeros((0, 4))
    return Rings(coords, starts, owner.astype(np.int64), bounds)


def _single_ring_polygons(geoms: np.ndarray, rows: np.ndarray) -> tuple[Rings, np.ndarray, bool]:
    """Rings of the polygons among `rows` that are one ring (most footprints), the other rows,
    and whether the rings run clockwise.

    Why: splitting 1M footprints into parts and rings as shapely objects and orienting them
    takes seconds; for one-ring polygons (one part, closed once, |shoelace area| = area) the
    coordinates of the geometry are the ring, and orienting it is reversing it when it runs
    against the majority (the sign of its area), all in numpy (in place: fresh big arrays
    cost page faults). Buffers all run one way: road zones then need no reversing. A touching
    hole that passes the test draws right too: exterior and hole run opposite ways.
    """
    g = geoms[rows]
    counts = shapely.get_num_coordinates(g)
    coords = shapely.get_coordinates(g)
    ends = np.cumsum(counts)
    starts = ends - counts
    candidate = (counts >= 4) & (shapely.get_num_geometries(g) == 1)
    candidate[candidate] = (coords[starts[candidate]] == coords[ends[candidate] - 1]).all(axis=1)
    # twice the signed area of each run, about an origin near the data (keeps products small)
    origin = coords.mean(axis=0) if len(coords) else np.zeros(2)
    coords -= origin
    x, y = coords[:, 0], coords[:, 1]
    running = np.zeros(len(coords) + 1 if len(coords) else 1)
    if len(coords) > 1:
        cross = x[:-1] * y[1:]
        cross -= x[1:] * y[:-1]
        np.cumsum(cross, out=running[2:])
        del cross
    signed = np.where(candidate, running[np.maximum(ends, starts + 1)] - running[starts + 1], 0.0) / 2
    area = shapely.area(g)
    candidate &= np.abs(np.abs(signed) - area) <= 1e-6 * np.maximum(area, 1.0)
    clockwise = 2 * int((signed[candidate] < 0).sum()) > int(candidate.sum())
    flip = np.flatnonzero(candidate & ((signed > 0) if clockwise else (signed < 0)))
    if len(flip):  # the minority's runs are reversed
        n = counts[flip]
        within = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        coords[np.repeat(starts[flip], n) + within] = coords[np.repeat(ends[flip] - 1, n) - within]
    coords += origin
    if not candidate.all():
        coords = coords[np.repeat(candidate, counts)]
    n = counts[candidate]
    ring_starts = np.concatenate([[0], np.cumsum(n)]).astype(np.int64)
    bounds = shapely.bounds(g[candidate]) if len(n) else np.zeros((0, 4))
    return Rings(coords, ring_starts, rows[candidate].astype(np.int64), bounds), rows[~candidate], clockwise
