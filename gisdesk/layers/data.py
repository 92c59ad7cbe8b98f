"""One generation of a layer's features: a frame nobody writes, and what is derived from it. No Qt.

A Layer holds one FeatureData at a time. An edit does not change it: it makes the next
generation (`with_values`, `with_geometries`, or a new FeatureData for a whole new frame)
and the layer swaps it in. Whoever still holds the old generation — a render in a worker
thread, a snapshot for an export — keeps a consistent old picture of the data.

Derived arrays (bounds, rings, label points, zones ...) are computed when first asked for,
once per generation, under a lock per value, so two threads asking at once compute it once
and a thread asking for another value does not wait. A generation made by an edit takes
over the derived values that do not depend on the edited column (an attribute edit keeps
the rings; a geometry edit keeps the category arrays).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ALL_COLUMNS = None  # a derived value that may depend on any column


@dataclass(frozen=True)
class Rings:
    """Polygon outlines as flat arrays, for fast drawing: ring r is coords[starts[r]:starts[r+1]]."""
    coords: np.ndarray  # (n, 2) float
    starts: np.ndarray  # (rings + 1,) int
    feature: np.ndarray  # (rings,) the feature (row) each ring belongs to
    bounds: np.ndarray  # (rings, 4) xmin, ymin, xmax, ymax of each ring


class FeatureData:
    """The features of a layer at one moment. Treat `frame` as read-only: edits make a new generation."""

    def __init__(self, frame: gpd.GeoDataFrame):
        self._setup(frame.reset_index(drop=True), {}, object())

    def _setup(self, frame: gpd.GeoDataFrame, derived: dict, rows: object) -> None:
        self._frame = frame
        self._geometry_column = frame.active_geometry_name  # frame.geometry.name makes a GeoSeries each time
        self._values: dict[Hashable, object] = {}  # key -> derived value
        self._columns: dict[Hashable, frozenset | None] = {}  # key -> the columns it was derived from
        self._lock = threading.Lock()  # guards the two dicts and the table of locks
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._rows = rows  # the same token for every generation with the same features in the same rows
        for key, (value, columns) in derived.items():
            self._values[key], self._columns[key] = value, columns

    @property
    def frame(self) -> gpd.GeoDataFrame:
        return self._frame

    def __len__(self) -> int:
        return len(self._frame)

    @property
    def geometry_column(self) -> str:
        return self._geometry_column

    def same_rows(self, other: FeatureData | None) -> bool:
        """Whether `other` holds the same features in the same rows (only values differ)."""
        return other is not None and other._rows is self._rows

    # --- derived values ---------------------------------------------------------------

    def derived(self, key: Hashable, compute: Callable[[], object], *, columns: Iterable[str] | None = ALL_COLUMNS):
        """The value `compute()` gives for this generation, computed once.

        `columns` names the columns it is derived from, so that the next generation of an edit
        of another column can take it over; leave it out when it may depend on any column.
        """
        try:
            return self._values[key]
        except KeyError:
            pass
        with self._lock:
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                value = compute()
                with self._lock:
                    self._columns[key] = None if columns is None else frozenset(columns)
                    self._values[key] = value
            return self._values[key]

    def computed(self, key: Hashable) -> bool:
        """Whether the derived value `key` is there already (made for this generation or taken over)."""
        return key in self._values

    def _geometric(self, key: str, compute: Callable[[], object]):
        return self.derived(key, compute, columns=(self.geometry_column,))

    # --- the next generation -------------------------------------------------------------

    def with_values(self, rows, column: str, values) -> FeatureData:
        """The next generation with `values` in `column` at `rows` (a new column is added).

        A column's dtype widens when a value does not fit it (None into integers: nullable
        integers; text into numbers: object).
        """
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        values = list(values)
        if len(values) != len(rows):
            raise ValueError(f"{len(rows)} rows but {len(values)} values")
        if column == self.geometry_column:
            return self.with_geometries(rows, values)
        series = self._frame[column].copy() if column in self._frame.columns else \
            pd.Series([None] * len(self._frame), index=self._frame.index, dtype=object)
        for row, value in zip(rows, values):
            series = _store(series, int(row), value)
        return self._next(column, series)

    def with_geometries(self, rows, geometries) -> FeatureData:
        """The next generation with `geometries` at `rows`."""
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        geoms = np.asarray(self._frame.geometry.values, dtype=object).copy()
        geoms[rows] = np.asarray(list(geometries), dtype=object)
        series = gpd.GeoSeries(geoms, index=self._frame.index, crs=self._frame.crs, name=self.geometry_column)
        return self._next(self.geometry_column, series)

    def _next(self, column: str, series: pd.Series) -> FeatureData:
        frame = self._frame.copy(deep=False)
        frame[column] = series  # a new array for that column: the old frame keeps its own
        with self._lock:
            kept = {key: (value, self._columns[key]) for key, value in self._values.items()
                    if self._columns[key] is not None and column not in self._columns[key]}
        data = FeatureData.__new__(FeatureData)
        data._setup(frame, kept, self._rows)
        return data

    # --- geometry ----------------------------------------------------------------------

    @property
    def geometries(self) -> np.ndarray:
        return self._geometric("geometries", lambda: _read_only(np.asarray(self._frame.geometry.values, dtype=object)))

    @property
    def bounds(self) -> np.ndarray:
        return self._geometric("bounds", lambda: _read_only(shapely.bounds(self.geometries)))

    @property
    def tree(self) -> shapely.STRtree:
        return self._geometric("tree", lambda: shapely.STRtree(self.geometries))

    def extent(self, rows=None) -> tuple[float, float, float, float] | None:
        """The bounding box of the features, or of those in `rows`."""
        b = self.bounds if rows is None else self.bounds[np.asarray(rows, dtype=np.int64)]
        if len(b) == 0 or np.isnan(b).all():
            return None
        return (float(np.nanmin(b[:, 0])), float(np.nanmin(b[:, 1])), float(np.nanmax(b[:, 2])),
                float(np.nanmax(b[:, 3])))

    def in_box(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Rows whose bounding boxes meet the box, sorted."""
        if len(self._frame) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.sort(self.tree.query(shapely.box(xmin, ymin, xmax, ymax))).astype(np.int64)

    @property
    def polygon_rings(self) -> Rings:
        return self._geometric("polygon_rings", lambda: _read_only_rings(rings_of(self.geometries, polygons=True)))

    @property
    def lines(self) -> Rings:
        return self._geometric("lines", lambda: _read_only_rings(rings_of(self.geometries, polygons=False)))

    @property
    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """(coords, feature) of point features."""
        def compute():
            geoms = self.geometries
            rows = np.flatnonzero(np.isin(shapely.get_type_id(geoms), (0, 4)))
            coords, owner = shapely.get_coordinates(geoms[rows], return_index=True)
            return _read_only(coords), _read_only(rows[owner])
        return self._geometric("points", compute)

    @property
    def label_points(self) -> np.ndarray:
        """A point inside each feature, where its label goes."""
        return self._geometric("label_points",
                               lambda: _read_only(shapely.get_coordinates(shapely.point_on_surface(self.geometries))))


def _store(series: pd.Series, row: int, value) -> pd.Series:
    """`series` (a copy of its own) with `value` at `row`, widening its dtype when needed."""
    if value is None:
        if series.dtype == np.int64:
            series = series.astype("Int64")
        elif pd.api.types.is_float_dtype(series.dtype):
            value = np.nan
    try:
        series.iloc[row] = value
    except (TypeError, ValueError):
        series = series.astype(object)
        series.iloc[row] = value
    return series


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _read_only_rings(rings: Rings) -> Rings:
    for array in (rings.coords, rings.starts, rings.feature, rings.bounds):
        array.flags.writeable = False
    return rings


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
