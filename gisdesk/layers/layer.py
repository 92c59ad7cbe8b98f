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

    def extent(self) -> tuple[float, float, float, float] | None:
        b = self.bounds
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
    parts, part_owner = shapely.get_parts(geoms[rows], return_index=True)
    if polygons:
        # exteriors one way round, holes the other: a winding fill then keeps holes empty and
        # overlapping parts of one feature filled
        rings, ring_owner = shapely.get_rings(shapely.orient_polygons(parts), return_index=True)
        owner = part_owner[ring_owner]
    else:
        rings, owner = parts, part_owner
    coords, coord_owner = shapely.get_coordinates(rings, return_index=True)
    counts = np.bincount(coord_owner, minlength=len(rings))
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    bounds = shapely.bounds(rings) if len(rings) else np.zeros((0, 4))
    return Rings(coords, starts, rows[owner], bounds)
