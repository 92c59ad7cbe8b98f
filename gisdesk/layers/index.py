"""A live spatial index of a layer's features, and exact picking. No Qt.

`index_of(layer)` gives the layer's `LayerIndex`: an rtree (libspatialindex) R-tree of the
features' bounding boxes, ids = row numbers. It is built lazily — at the first query, or in
a background thread with `build_async()` (bulk-loading a million boxes takes a second or two;
the load runs in C without the GIL, so the UI keeps going). Until it is ready, queries use the
layer's shapely STRtree (`layer.tree`). When the layer's data change (events["data"]), the index
compares the old and new bounding boxes and deletes/inserts only the features that moved,
appeared or went away (a wholesale change is a rebuild).

Exact picking on top of the candidates, vectorised with shapely:
- `at_point(x, y, tolerance)`: features within `tolerance` of the point (inside a polygon, near a
  line or a point), nearest first;
- `in_box(xmin, ymin, xmax, ymax)` / `in_polygon(polygon)`: features meeting (or, with
  `contained=True`, lying inside) a rectangle or polygon.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
import shapely
from rtree import index as rtree_index

from gisdesk.layers.layer import Layer

REBUILD_FRACTION = 0.2  # when more than this share of the features changed, rebuild rather than patch


def _rtree_properties() -> rtree_index.Property:
    props = rtree_index.Property()
    props.dimension = 2
    props.leaf_capacity = 64
    props.index_capacity = 64
    props.fill_factor = 0.9
    return props


def build_rtree(bounds: np.ndarray) -> rtree_index.Index:
    """Bulk-load an R-tree of the (n, 4) bounds array; rows with empty/missing geometry (NaN) are left out."""
    bounds = np.asarray(bounds, dtype=float).reshape(-1, 4)
    ok = ~np.isnan(bounds).any(axis=1)
    ids = np.flatnonzero(ok).astype(np.int64)
    if len(ids) == 0:
        return rtree_index.Index(properties=_rtree_properties())
    b = bounds[ok]
    # the bulk loader straight from arrays, in C (rtree >= 1.4 bundles libspatialindex 2.1, which has it)
    return rtree_index.Index((ids, np.ascontiguousarray(b[:, :2]), np.ascontiguousarray(b[:, 2:])),
                             properties=_rtree_properties())


class LayerIndex:
    """The live R-tree of one layer (row numbers as ids) with exact picking functions."""

    def __init__(self, layer: Layer):
        self._layer = weakref.ref(layer)
        self._lock = threading.RLock()
        self._tree: rtree_index.Index | None = None
        self._bounds: np.ndarray | None = None  # the bounds the tree holds, row by row
        self._thread: threading.Thread | None = None
        self._generation = 0  # bumps when a build started earlier must not be installed
        self.stats = {"builds": 0, "patched": 0}
        layer.events["data"].connect(self._on_data)

    @property
    def layer(self) -> Layer:
        layer = self._layer()
        if layer is None:
            raise RuntimeError("the layer of this index is gone")
        return layer

    # --- building ----------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._tree is not None

    def build(self) -> None:
        """Build the R-tree now (in this thread), unless it is ready."""
        if self._tree is not None:
            return
        thread = self._thread
        if thread is not None and thread.is_alive():
            thread.join()
            if self._tree is not None:
                return
        self._build(self._generation)

    def build_async(self) -> threading.Thread | None:
        """Start building the R-tree in a background thread; queries use the STRtree meanwhile."""
        with self._lock:
            if self._tree is not None or (self._thread is not None and self._thread.is_alive()):
                return self._thread
            layer = self._layer()
            if layer is None:
                return None
            # the thread holds the layer (and its bounds) until the tree is built
            self._thread = threading.Thread(target=self._build, args=(self._generation, layer.bounds), daemon=True,
                                            name="gisdesk-rtree")
            self._thread.start()
            return self._thread

    def wait(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.ready

    def _build(self, generation: int, bounds: np.ndarray | None = None) -> None:
        bounds = np.array(self.layer.bounds if bounds is None else bounds, dtype=float, copy=True)
        tree = build_rtree(bounds)
        with self._lock:
            if generation != self._generation:
                return  # the data changed wholesale while we built: a newer build is due
            self._tree, self._bounds = tree, bounds
            self.stats["builds"] += 1
        self._sync()  # edits that arrived while building

    # --- following edits ------------------------------------------------------------------

    def _on_data(self, *_):
        if self._tree is not None:
            self._sync()

    def _sync(self) -> None:
        """Patch the tree to the layer's current bounds: delete/insert the rows whose box changed."""
        with self._lock:
            layer = self._layer()
            if self._tree is None or layer is None:
                return
            new = np.asarray(layer.bounds, dtype=float).reshape(-1, 4)
            old = self._bounds
            common = min(len(old), len(new))
            same = (old[:common] == new[:common]) | (np.isnan(old[:common]) & np.isnan(new[:common]))
            changed = np.flatnonzero(~same.all(axis=1))
            gone = np.arange(common, len(old))
            added = np.arange(common, len(new))
            work = len(changed) + len(gone) + len(added)
            if work == 0:
                return
            if work > REBUILD_FRACTION * max(len(new), 1) and work > 1000:
                self._tree, self._bounds = None, None
                self._generation += 1
                self.build_async()
                return
            for row in np.concatenate([changed, gone]):
                box = old[row]
                if not np.isnan(box).any():
                    self._tree.delete(int(row), tuple(box))
            for row in np.concatenate([changed, added]):
                box = new[row]
                if not np.isnan(box).any():
                    self._tree.insert(int(row), tuple(box))
            self._bounds = new.copy()
            self.stats["patched"] += int(work)

    # --- candidates (bounding boxes) -------------------------------------------------------

    def candidates(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Rows whose bounding box meets the box, sorted (the R-tree if ready, else the STRtree)."""
        with self._lock:
            tree = self._tree
            if tree is not None:
                ids, _ = tree.intersection_v(np.array([[xmin, ymin]], dtype=float),
                                             np.array([[xmax, ymax]], dtype=float))
                return np.sort(np.asarray(ids, dtype=np.int64))
        self.build_async()  # lazily: the first query starts the build, the STRtree answers meanwhile
        layer = self.layer
        if len(layer.frame) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.sort(layer.tree.query(shapely.box(xmin, ymin, xmax, ymax))).astype(np.int64)

    # --- exact picking ----------------------------------------------------------------------

    def at_point(self, x: float, y: float, tolerance: float = 0.0) -> np.ndarray:
        """Rows of the features within `tolerance` of (x, y): nearest first, then the smaller polygon first."""
        tolerance = max(float(tolerance), 0.0)
        rows = self.candidates(x - tolerance, y - tolerance, x + tolerance, y + tolerance)
        return pick_at_point(self.layer.geometries, rows, x, y, tolerance)

    def in_box(self, xmin: float, ymin: float, xmax: float, ymax: float, *, contained: bool = False) -> np.ndarray:
        """Rows of the features meeting the rectangle (or inside it with `contained`), sorted."""
        xmin, xmax = sorted((xmin, xmax))
        ymin, ymax = sorted((ymin, ymax))
        rows = self.candidates(xmin, ymin, xmax, ymax)
        if len(rows) == 0:
            return rows
        b = self.layer.bounds[rows]
        inside = (b[:, 0] >= xmin) & (b[:, 1] >= ymin) & (b[:, 2] <= xmax) & (b[:, 3] <= ymax)
        if contained:
            return rows[inside]
        # a box inside the rectangle meets it; only the ones that stick out need the exact test
        rest = rows[~inside]
        hit = pick_in_geometry(self.layer.geometries, rest, shapely.box(xmin, ymin, xmax, ymax))
        return np.sort(np.concatenate([rows[inside], hit]))

    def in_polygon(self, polygon, *, contained: bool = False) -> np.ndarray:
        """Rows of the features meeting `polygon` (or inside it with `contained`), sorted."""
        if polygon is None or polygon.is_empty:
            return np.zeros(0, dtype=np.int64)
        rows = self.candidates(*polygon.bounds)
        return pick_in_geometry(self.layer.geometries, rows, polygon, contained=contained)


def pick_at_point(geometries: np.ndarray, rows: np.ndarray, x: float, y: float, tolerance: float) -> np.ndarray:
    """Of `rows`, those whose geometry lies within `tolerance` of (x, y) (0 inside a polygon); nearest first."""
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return rows
    geoms = geometries[rows]
    point = shapely.Point(x, y)
    distance = shapely.distance(geoms, point)
    ok = distance <= tolerance
    rows, distance, geoms = rows[ok], distance[ok], geoms[ok]
    area = shapely.area(geoms)
    return rows[np.lexsort((rows, area, distance))]


def pick_in_geometry(geometries: np.ndarray, rows: np.ndarray, shape, *, contained: bool = False) -> np.ndarray:
    """Of `rows`, those whose geometry meets (or lies within) `shape`, sorted."""
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return rows
    shapely.prepare(shape)
    geoms = geometries[rows]
    present = ~shapely.is_missing(geoms)
    test = shapely.contains if contained else shapely.intersects
    hit = np.zeros(len(rows), dtype=bool)
    hit[present] = test(shape, geoms[present])
    return np.sort(rows[hit])


_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def index_of(layer: Layer) -> LayerIndex:
    """The layer's live index (made on first use; built lazily or with build_async())."""
    with _INDEXES_LOCK:
        found = _INDEXES.get(layer)
        if found is None:
            found = _INDEXES[layer] = LayerIndex(layer)
        return found


def build_in_background(layers: list[Layer]) -> threading.Thread:
    """Build the R-trees of `layers` one after another (smallest first) in one background thread.

    One thread, not one per layer: every thread that wants the GIL lengthens the UI thread's
    wait for it, and the builds share two cores anyway.
    """
    def build_all():
        for layer in sorted(layers, key=lambda layer: len(layer.frame)):
            index_of(layer).build()

    thread = threading.Thread(target=build_all, daemon=True, name="gisdesk-rtrees")
    thread.start()
    return thread
