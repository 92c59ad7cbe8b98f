"""A live spatial index of a layer's features, and exact picking. No Qt.

`index_of(layer)` gives the layer's `LayerIndex`: an rtree (libspatialindex) R-tree of the
features' bounding boxes. It is built lazily — at the first query, or in a background thread
with `build_async()` (bulk-loading a million boxes takes a second or two; the load runs in C
without the GIL, so the UI keeps going). Until it is ready, queries use the layer's shapely
STRtree (`layer.tree`).

The tree's ids are stable per feature, not row numbers: a build numbers the rows of the
frame it loads, and when the layer's data change (events["data"]) the index matches the new
frame's uids with the ones it holds — the rows equal at the start and at the end of both
frames keep their ids without any hashing, the rest is matched by uid — and deletes/inserts
only the features that moved, appeared or went away, under the ids they had; a new feature
gets an id never used in this tree. A deletion in the middle of a million rows is then one
delete, not the re-numbering of every row after it. (A wholesale change is a rebuild, which
numbers the rows afresh.) Query results are mapped to the rows of the current frame at query
time.

Exact picking on top of the candidates, vectorised with shapely. Each function answers ROWS
OF THE LAYER'S CURRENT FRAME (`layer.uid_rows.uids[rows]` names them by uid):
- `at_point(x, y, tolerance)`: features within `tolerance` of the point (inside a polygon, near a
  line or a point), nearest first;
- `in_box(xmin, ymin, xmax, ymax)` / `in_polygon(polygon)`: features meeting (or, with
  `contained=True`, lying inside) a rectangle or polygon, in row order.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
import pandas as pd
import shapely
from rtree import index as rtree_index

from gisdesk.layers.layer import Layer
from gisdesk.layers.uids import feature_uids

REBUILD_FRACTION = 0.2  # when more than this share of the features changed, rebuild rather than patch
NO_ROWS = np.zeros(0, dtype=np.int64)


def _rtree_properties() -> rtree_index.Property:
    props = rtree_index.Property()
    props.dimension = 2
    props.leaf_capacity = 64
    props.index_capacity = 64
    props.fill_factor = 0.9
    return props


def build_rtree(bounds: np.ndarray, ids: np.ndarray | None = None) -> rtree_index.Index:
    """Bulk-load an R-tree of the (n, 4) bounds array under `ids` (default: the row numbers);
    rows with empty/missing geometry (NaN) are left out."""
    bounds = np.asarray(bounds, dtype=float).reshape(-1, 4)
    ok = ~np.isnan(bounds).any(axis=1)
    ids = np.flatnonzero(ok) if ids is None else np.asarray(ids)[ok]
    ids = ids.astype(np.int64)
    if len(ids) == 0:
        return rtree_index.Index(properties=_rtree_properties())
    b = bounds[ok]
    # the bulk loader straight from arrays, in C (rtree >= 1.4 bundles libspatialindex 2.1, which has it)
    return rtree_index.Index((ids, np.ascontiguousarray(b[:, :2]), np.ascontiguousarray(b[:, 2:])),
                             properties=_rtree_properties())


class _Held:
    """What the tree holds, row by row of the data generation it follows: uid, tree id and box of each row."""

    def __init__(self, data, ids: np.ndarray, next_id: int):
        self.data, self.ids, self.next_id = data, ids, next_id
        self.uids = feature_uids(data).uids
        self.bounds = data.bounds  # read-only: a generation's arrays never change
        self.row_of_id = np.full(next_id, -1, dtype=np.int64)  # tree id -> row of that generation
        self.row_of_id[ids] = np.arange(len(ids), dtype=np.int64)


class LayerIndex:
    """The live R-tree of one layer (stable ids per feature) with exact picking functions."""

    def __init__(self, layer: Layer):
        self._layer = weakref.ref(layer)
        self._lock = threading.RLock()
        self._tree: rtree_index.Index | None = None
        self._held: _Held | None = None  # the data generation the tree follows, with its rows' ids and boxes
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
        self._build(self._generation, self.layer.data)

    def build_async(self) -> threading.Thread | None:
        """Start building the R-tree in a background thread; queries use the STRtree meanwhile."""
        with self._lock:
            if self._tree is not None or (self._thread is not None and self._thread.is_alive()):
                return self._thread
            layer = self._layer()
            if layer is None:
                return None
            # the thread holds this generation of the data until the tree is built
            self._thread = threading.Thread(target=self._build, args=(self._generation, layer.data), daemon=True,
                                            name="gisdesk-rtree")
            self._thread.start()
            return self._thread

    def wait(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.ready

    def _build(self, generation: int, data) -> None:
        ids = np.arange(len(data), dtype=np.int64)  # a build numbers the rows it loads
        tree = build_rtree(data.bounds, ids)
        held = _Held(data, ids, len(ids))
        with self._lock:
            if generation != self._generation:
                return  # the data changed wholesale while we built: a newer build is due
            self._tree, self._held = tree, held
            self.stats["builds"] += 1
        self._sync()  # edits that arrived while building

    # --- following edits ------------------------------------------------------------------

    def _on_data(self, *_):
        if self._tree is not None:
            self._sync()

    def _sync(self) -> None:
        """Patch the tree to the layer's current frame: by uid, only the features whose box changed,
        that went away or that came."""
        with self._lock:
            layer = self._layer()
            if self._tree is None or layer is None:
                return
            held, data = self._held, layer.data
            if data is held.data:
                return
            uids, new_bounds = feature_uids(data).uids, data.bounds
            if uids is held.uids and new_bounds is held.bounds:  # e.g. an attribute edit: same rows, same boxes
                self._held = _Held(data, held.ids, held.next_id)
                return
            limit = max(REBUILD_FRACTION * len(new_bounds), 1000)
            matched = _match_rows(held.uids, uids, limit)
            if matched is not None:
                old_rows, new_rows, gone, added = matched
                old_box, new_box = held.bounds[old_rows], new_bounds[new_rows]
                same = (old_box == new_box) | (np.isnan(old_box) & np.isnan(new_box))
                moved = ~same.all(axis=1)
                work = int(moved.sum()) + len(gone) + len(added)
            if matched is None or work > limit:  # a wholesale change: a new tree
                self._tree, self._held = None, None
                self._generation += 1
                self.build_async()
                return
            ids = np.empty(len(new_bounds), dtype=np.int64)
            ids[new_rows] = held.ids[old_rows]
            ids[added] = np.arange(held.next_id, held.next_id + len(added), dtype=np.int64)
            out = np.concatenate([old_rows[moved], gone])  # old rows whose entries go
            into = np.concatenate([new_rows[moved], added])  # new rows whose entries come
            for row in out:
                box = held.bounds[row]
                if not np.isnan(box).any():
                    self._tree.delete(int(held.ids[row]), tuple(box))
            for row in into:
                box = new_bounds[row]
                if not np.isnan(box).any():
                    self._tree.insert(int(ids[row]), tuple(box))
            self._held = _Held(data, ids, held.next_id + len(added))
            self.stats["patched"] += work

    # --- candidates (bounding boxes) -------------------------------------------------------

    def candidates(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Rows of the current frame whose bounding box meets the box, sorted (the R-tree if ready,
        else the STRtree)."""
        layer = self.layer
        with self._lock:
            if self._tree is not None and self._held.data is not layer.data:
                self._sync()  # asked before the data event reached us: follow the data first
            tree = self._tree
            if tree is not None:
                ids, _ = tree.intersection_v(np.array([[xmin, ymin]], dtype=float),
                                             np.array([[xmax, ymax]], dtype=float))
                rows = self._held.row_of_id[np.asarray(ids, dtype=np.int64)]
                return np.sort(rows[rows >= 0])
        self.build_async()  # lazily: the first query starts the build, the STRtree answers meanwhile
        if len(layer.frame) == 0:
            return NO_ROWS
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


def _match_rows(old: np.ndarray, new: np.ndarray, limit: float) -> tuple[np.ndarray, ...] | None:
    """Pair the rows of two frames by uid: (old rows, new rows) of the same features, the old rows
    that went, the new rows that came; None when more than `limit` rows are not at the ends.

    Why not one hash lookup of all uids: an edit leaves most rows where they were, and rows equal
    at the start and at the end of both frames pair up by an element-wise comparison (the same
    string objects: ~10 ms for a million rows); only the rows between them are hashed (a third
    of a second for a million). Should uids repeat there, those rows go and come anew.
    """
    n_old, n_new = len(old), len(new)
    if old is new:  # the same uids of the same rows
        rows = np.arange(n_old, dtype=np.int64)
        return rows, rows, NO_ROWS, NO_ROWS
    common = min(n_old, n_new)
    equal = old[:common] == new[:common]
    head = common if equal.all() else int(np.argmin(equal))
    rest = common - head
    equal = old[n_old - rest:] == new[n_new - rest:]
    tail = rest if equal.all() else rest - 1 - int(np.flatnonzero(~equal)[-1])
    old_middle = np.arange(head, n_old - tail, dtype=np.int64)
    new_middle = np.arange(head, n_new - tail, dtype=np.int64)
    if len(old_middle) + len(new_middle) > limit:
        return None
    pair_old, pair_new = NO_ROWS, NO_ROWS
    if len(old_middle) and len(new_middle):
        known = pd.Index(old[old_middle])
        if known.is_unique and pd.Index(new[new_middle]).is_unique:
            position = known.get_indexer(new[new_middle])
            hit = position >= 0
            pair_old, pair_new = old_middle[position[hit]], new_middle[hit]
    ends_old = np.concatenate([np.arange(head), np.arange(n_old - tail, n_old)]).astype(np.int64)
    ends_new = np.concatenate([np.arange(head), np.arange(n_new - tail, n_new)]).astype(np.int64)
    gone = np.setdiff1d(old_middle, pair_old, assume_unique=True)
    added = np.setdiff1d(new_middle, pair_new, assume_unique=True)
    return np.concatenate([ends_old, pair_old]), np.concatenate([ends_new, pair_new]), gone, added


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
