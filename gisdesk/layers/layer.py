"""A layer in an open map: its features, style and state, with change events. No Qt.

Setters validate, store, then emit one event for that property (the napari way); the
widgets listen. The features live in an immutable FeatureData (gisdesk.layers.data): an edit
swaps in the next generation, so whoever holds the old one (a render in a worker thread)
keeps a consistent picture; arrays for drawing and picking are derived once per generation.
"""

from __future__ import annotations

from typing import Callable

import geopandas as gpd
import numpy as np
import shapely

from gisdesk.layers.data import FeatureData, Rings
from gisdesk.layers.kinds import KINDS, LayerKind
from gisdesk.layers.uids import FeatureUids, as_uids, feature_uids


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


class LayerState:
    """Title, visibility and opacity that emit events["title"|"visible"|"opacity"] when they change:
    what every layer of the map has, vector (Layer) or base map (layers.raster.RasterLayer)."""

    _title: str
    _visible: bool
    _opacity: float
    events: dict[str, Event]

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

    def _set(self, name: str, value) -> None:
        if getattr(self, f"_{name}") != value:
            setattr(self, f"_{name}", value)
            self.events[name].emit(self)


class Layer(LayerState):
    """Features of one kind with a style; `changed` events tell views what to redraw."""

    def __init__(self, kind: str, frame: gpd.GeoDataFrame, *, layer_id: str | None = None, title: str | None = None,
                 style: dict | None = None, visible: bool = True, opacity: float = 1.0):
        self.info: LayerKind = KINDS[kind]
        self.kind = kind
        self.id = layer_id or self.info.table  # the project layer (table) it shows
        self._data = FeatureData(frame)
        self._title = title or self.info.title
        self._style = dict(style or {})
        self._visible = visible
        self._opacity = opacity
        self._selection = as_uids([])  # uids, sorted
        self._selected_rows: tuple | None = None  # (FeatureUids, selection, rows) of the last selected_rows()
        self.events = {name: Event() for name in ("visible", "opacity", "style", "title", "data", "selection")}

    # --- properties that emit --------------------------------------------------------

    @property
    def style(self) -> dict:
        return dict(self._style)

    def update_style(self, **changes) -> None:
        """Change some style keys (colour, width, label_field ...) and emit one event."""
        self._style = {**self._style, **changes}
        self.events["style"].emit(self)

    # --- selection, by uid -------------------------------------------------------------

    @property
    def uid_rows(self) -> FeatureUids:
        """The uids of the current frame's rows and uid → row lookups (made once per generation)."""
        return feature_uids(self._data)

    @property
    def selection(self) -> np.ndarray:
        """The uids of the selected features: a sorted object array of distinct str."""
        return self._selection

    def select_uids(self, uids) -> None:
        """Select the features with these uids (uids the layer lacks are left out)."""
        uid_rows = self.uid_rows
        self._set_selection(uid_rows.uids_at(uid_rows.rows_of(uids)))

    def select_rows(self, rows) -> None:
        """Select the features at these rows of the current frame (e.g. what a pick found).

        The rows are kept as the answer of selected_rows() until the data change: no scan of the
        layer for 100 000 scattered rows. (Should another row repeat one of their uids — the store
        gives repeated uids new ones when it opens a project — it joins at the next data change.)
        """
        uid_rows = self.uid_rows
        rows = np.unique(np.asarray(rows, dtype=np.int64).reshape(-1))
        rows = rows[(rows >= 0) & (rows < len(uid_rows))]
        self._set_selection(uid_rows.uids_at(rows), (uid_rows, rows))

    def selected_rows(self) -> np.ndarray:
        """The rows of the current frame that hold selected features, sorted."""
        uid_rows, selection = self.uid_rows, self._selection
        last = self._selected_rows
        if last is not None and last[0] is uid_rows and last[1] is selection:
            return last[2]
        rows = uid_rows.rows_of(selection) if len(selection) else np.zeros(0, dtype=np.int64)
        rows.flags.writeable = False  # shared by every caller until the data or the selection change
        self._selected_rows = (uid_rows, selection, rows)
        return rows

    def _set_selection(self, uids: np.ndarray, rows: tuple | None = None) -> None:
        """Make `uids` the selection; `rows` = (FeatureUids, their rows) when the caller knows them."""
        if not np.array_equal(uids, self._selection):
            uids.flags.writeable = False
            self._selection = uids
            if rows is not None:
                rows[1].flags.writeable = False
                self._selected_rows = (rows[0], uids, rows[1])
            self.events["selection"].emit(self)

    def _keep_present_selection(self) -> None:
        """After a change of the data: features deleted from it leave the selection (no event: the
        data event that follows tells the views)."""
        if len(self._selection):
            uid_rows = self.uid_rows
            rows = uid_rows.rows_of(self._selection)
            rows.flags.writeable = False
            uids = uid_rows.uids_at(rows)
            uids.flags.writeable = False
            self._selection, self._selected_rows = uids, (uid_rows, uids, rows)

    def set_frame(self, frame: gpd.GeoDataFrame) -> None:
        """Replace the data with a new generation (its arrays are derived when first asked for)."""
        self._data = FeatureData(frame)
        self._keep_present_selection()
        self.events["data"].emit(self)

    def set_values(self, rows, column: str, values) -> None:
        """Put `values` into `column` at `rows` (the features stay in their rows) and emit events["data"]."""
        self._data = self._data.with_values(rows, column, values)
        self.events["data"].emit(self)

    def set_geometries(self, rows, geometries) -> None:
        """Replace the geometries at `rows` and emit events["data"]."""
        self._data = self._data.with_geometries(rows, geometries)
        self.events["data"].emit(self)

    # --- the data ----------------------------------------------------------------------

    @property
    def data(self) -> FeatureData:
        """The current generation of the features (immutable: keep it to keep this moment's picture)."""
        return self._data

    @property
    def frame(self) -> gpd.GeoDataFrame:
        """The features now; read-only (edit through set_values, set_geometries, set_frame)."""
        return self._data.frame

    @property
    def geometries(self) -> np.ndarray:
        return self._data.geometries

    @property
    def bounds(self) -> np.ndarray:
        return self._data.bounds

    @property
    def tree(self) -> shapely.STRtree:
        return self._data.tree

    def extent(self, rows=None) -> tuple[float, float, float, float] | None:
        """The bounding box of the layer, or of the features in `rows`."""
        return self._data.extent(rows)

    def in_box(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Rows whose bounding boxes meet the box, sorted."""
        return self._data.in_box(xmin, ymin, xmax, ymax)

    @property
    def polygon_rings(self) -> Rings:
        return self._data.polygon_rings

    @property
    def lines(self) -> Rings:
        return self._data.lines

    @property
    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """(coords, feature) of point features."""
        return self._data.points

    @property
    def label_points(self) -> np.ndarray:
        """A point inside each feature, where its label goes."""
        return self._data.label_points
