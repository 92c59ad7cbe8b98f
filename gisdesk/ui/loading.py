"""Opening a project off the UI thread: its layers read in a worker thread, in chunks, handed over one by one.

A million buildings take seconds to read, and most of that time holds the GIL (turning
WKB into shapely geometries, Arrow strings into Python ones). Done in one call on any
thread, that would stall the window for as long. `ProjectLoader` reads each layer in a
Python thread as Arrow batches of CHUNK features (GDAL reads them without the GIL) and
converts batch by batch, so the UI thread gets the GIL back every few milliseconds. The
small layers come first: the map shows them at once, the buildings when they are in.

The worker makes only plain data — the store, LayerInfos, frames, Layer objects nobody
else holds yet — and sends them to the UI thread with queued signals: `opened` (the
project, its layers' infos bottom first, an extent to show), `layerRead` (a layer's drawing
position and the Layer), then `finished` or `failed` (the exception). `cancel()` stops it
at the next batch; whatever it sends after a cancel is for nobody (the window checks which
loader sent it).
"""

from __future__ import annotations

import gc
import json
import threading
import warnings

import numpy as np
import pandas as pd
import pyogrio
import shapely
from PySide6.QtCore import QObject, Signal

from gisdesk.io.basemaps import open_basemaps
from gisdesk.layers.document import MapDocument
from gisdesk.layers.raster import raster_layers
from gisdesk.layers.kinds import kind_of
from gisdesk.layers.layer import Layer
from gisdesk.layers.styles import fit_label_field
from gisdesk.layers.uids import FeatureUids
from gisdesk.project import Project

CHUNK = 3_000  # features converted at a time while the UI thread waits for the GIL (~10 ms, more under load)
FREEZE_MIN = 100_000  # a load of this many features freezes the heap afterwards (see ProjectLoader._run)
_gc_lock = threading.Lock()
_gc_pauses = [0, True]  # loads reading now, whether the GC was enabled before the first


class LoadCancelled(Exception):
    """The load was cancelled (another project was opened, or the window closed)."""


class _LoadSignals(QObject):
    opened = Signal(object, object, object, object)  # loader, project, infos (bottom first), extent or None
    layerRead = Signal(object, int, object)  # loader, drawing position, Layer
    finished = Signal(object)  # loader
    failed = Signal(object, object)  # loader, exception


class ProjectLoader:
    """Reads a project in a worker thread. Connect to `signals` (slots of UI objects), then start()."""

    def __init__(self, path, *, default_style=None):
        self.path = path
        self.default_style = default_style
        self.signals = _LoadSignals()  # no parent: lives as long as this loader (and its thread)
        self.ok: bool | None = None  # True when finished, False when it failed or was cancelled
        self._cancelled = threading.Event()
        self._thread: threading.Thread | None = None
        self._gc_resumed = False
        self._features = 0
        self.froze = False  # whether the heap was frozen after the read (a large project)
        self.extent = None  # the exact extent of all layers, once read
        self.problems = None  # the topology findings to draw (canvas.problems_by_layer), once read
        self.basemaps = None  # the project's base maps (RasterLayers), their files opened here, before `opened`

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="gisdesk-open", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end (after a cancel: at most one batch); whether it did."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _check(self) -> None:
        if self._cancelled.is_set():
            raise LoadCancelled()

    def _run(self) -> None:
        # Shapely geometries are tracked by the cyclic GC: making a million of them sets off full
        # collections of the whole heap, each holding the GIL for a few hundred ms (for the window
        # too). None while reading; at the end what was read (and the rest of the heap) is frozen,
        # so that later collections skip it (gc.freeze; release_frozen() when a project is closed).
        _pause_gc()
        try:
            self._read()
        finally:
            if not self._gc_resumed:  # cancelled or failed: no freeze
                _resume_gc(False)

    def _read(self) -> None:
        try:
            project = Project.open(self.path)
            infos = project.layers()
            self._check()
            counts, extent = _sizes(project, infos)
            self.basemaps = open_basemaps(raster_layers(project))  # tens of ms each: not on the UI thread
            self._check()
            self.signals.opened.emit(self, project, infos, extent)
            order = sorted(range(len(infos)), key=lambda i: (counts.get(infos[i].id, 0), i))  # small first
            layers = []
            for position in order:
                info = infos[position]
                self._check()
                title = None if info.title == kind_of(info.kind).name_zh else info.title  # as MapDocument.open
                uids: list = []
                frame = read_layer_in_chunks(project, info.id, self._check, uids=uids)
                # a layer shown for the first time (no stored style): its kind's, labelled by a field it has
                style = info.style or (fit_label_field(self.default_style(info.kind), frame) if self.default_style else {})
                layer = Layer(info.kind, frame, layer_id=info.id, title=title, style=style, visible=info.visible,
                              opacity=info.opacity)
                layer.data.bounds  # noqa: B018 - derived here, not on the UI thread (extent, picking)
                _seed_uids(layer, uids)
                self._features += len(frame)
                self._check()
                layers.append(layer)
                self.signals.layerRead.emit(self, position, layer)
            self._check()
            self.extent = MapDocument(project, layers).extent()  # exact, here rather than on the UI thread
            self.problems = _problems(project)
            self.froze = self._features >= FREEZE_MIN  # set before the window hears of the end
            self._gc_resumed = True
            _resume_gc(self.froze)
            self.signals.finished.emit(self)
        except LoadCancelled:
            pass  # the window closed or another project was opened: nobody waits for this one
        except BaseException as error:  # noqa: BLE001 - the window tells the user
            if not self._cancelled.is_set():
                self.signals.failed.emit(self, error)


def _pause_gc() -> None:
    with _gc_lock:
        if _gc_pauses[0] == 0:
            _gc_pauses[1] = gc.isenabled()
            gc.disable()
        _gc_pauses[0] += 1


def _resume_gc(freeze: bool) -> None:
    with _gc_lock:
        if freeze:
            gc.freeze()
        _gc_pauses[0] -= 1
        if _gc_pauses[0] == 0 and _gc_pauses[1]:
            gc.enable()


def recollect(*, freeze: bool = True) -> None:
    """After a large project was closed: collect what the freeze of its load kept from the GC
    (its layers hold cycles), then (with `freeze`) freeze what lives on. One full collection (a
    stall of a few hundred ms on a million features), once per project closed."""
    with _gc_lock:
        gc.unfreeze()
        gc.collect()
        if freeze:
            gc.freeze()


def _problems(project):
    """The imports' topology findings as the canvas draws them, or None (the window reads them itself)."""
    from gisdesk.ui.canvas import problems_by_layer

    try:
        return problems_by_layer(project.topology())
    except Exception:  # noqa: BLE001 - the window's own read will report it
        return None


def _sizes(project, infos) -> tuple[dict[str, int], tuple[float, float, float, float] | None]:
    """Feature counts and the union of the layers' stored extents (GeoPackage only; cheap, from its header tables)."""
    if not isinstance(project, Project):
        return {}, None
    counts, boxes = {}, []
    for info in infos:
        try:
            found = pyogrio.read_info(project.path, layer=info.id)
        except Exception:  # noqa: BLE001 - the read itself will say what is wrong
            continue
        counts[info.id] = int(found.get("features") or 0)
        bounds = found.get("total_bounds")
        if bounds is not None and counts[info.id] and np.all(np.isfinite(bounds)):
            boxes.append(tuple(float(v) for v in bounds))
    if not boxes:
        return counts, None
    return counts, (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                    max(b[3] for b in boxes))


def _seed_uids(layer, parts: list) -> None:
    """Give the layer its uid index (layers.uids.feature_uids) from the uids gathered batch by batch:
    made whole, the million Python strings of the buildings' uids hold the GIL for ~100 ms, on
    the UI thread at the first snapshot of the layer. Left to feature_uids unless every batch
    gave text uids (its own rule for anything else)."""
    if not parts or "uid" not in layer.frame.columns:
        return
    uids = np.concatenate(parts) if len(parts) > 1 else parts[0]
    if len(uids) != len(layer.frame):
        return
    made = FeatureUids.__new__(FeatureUids)  # FeatureUids(frame) without the whole-column conversion
    made.uids = uids
    made.uids.flags.writeable = False
    layer.data.derived("feature_uids", lambda: made, columns=("uid",))


def read_layer_in_chunks(project, layer_id: str, check=lambda: None, *, uids: list | None = None):
    """The frame `project.read_layer(layer_id)` gives, read as Arrow batches and converted batch by batch.

    `check()` is called between batches (it raises to stop). The conversion is pyogrio's
    read_dataframe(use_arrow=True), a batch at a time; datetime and JSON fields are
    converted on the whole column at the end, as pyogrio does. A store that is not a
    GeoPackage is read whole with its own read_layer.
    """
    if not isinstance(project, Project):
        return project.read_layer(layer_id)
    info = project.layer_info(layer_id)
    attributes, geometries = [], []
    with pyogrio.open_arrow(project.path, layer=info.id, batch_size=CHUNK, datetime_as_string=True,
                            use_pyarrow=True) as (meta, reader):
        geometry_name = meta["geometry_name"] or "wkb_geometry"
        for batch in reader:  # GDAL reads each batch without the GIL (reading ahead in a thread gained nothing)
            check()
            names = batch.schema.names
            if geometry_name in names:
                wkb = batch.column(names.index(geometry_name)).to_numpy(zero_copy_only=False)
                geometries.append(shapely.from_wkb(wkb))
                batch = batch.drop_columns([geometry_name])
            part = batch.to_pandas()
            attributes.append(part)
            del batch
            if uids is not None and "uid" in part.columns:  # the uid index's strings, a batch at a time
                values = part["uid"].to_numpy(dtype=object)
                if len(values) and pd.api.types.infer_dtype(values, skipna=False) != "string":
                    uids.clear()  # feature_uids makes it by its own rule (astype(str))
                    uids = None
                else:
                    uids.append(values)
    check()
    if attributes:
        frame = pd.concat(attributes, ignore_index=True) if len(attributes) > 1 else attributes[0]
    else:  # no features: pyogrio's empty frame, with the right columns
        return project.read_layer(layer_id)
    for dtype, column in zip(meta["dtypes"], meta["fields"]):
        if dtype is not None and dtype.startswith("datetime") and dtype != "datetime64[D]":
            from pyogrio.geopandas import _try_parse_datetime

            frame[column] = _try_parse_datetime(frame[column], False, True)
    for subtype, column in zip(meta["ogr_subtypes"], meta["fields"]):
        if subtype == "OFSTJSON" and pd.api.types.infer_dtype(frame[column]) == "string":
            try:
                frame[column] = frame[column].map(json.loads, na_action="ignore")
            except Exception:  # noqa: BLE001 - as pyogrio: left as text
                warnings.warn(f"Could not parse column '{column}' as JSON; leaving as string", stacklevel=2)
    import geopandas as gpd

    if geometries:
        geometry = np.concatenate(geometries) if len(geometries) > 1 else geometries[0]
        frame = gpd.GeoDataFrame(frame, geometry=geometry, crs=meta["crs"])
    if frame.crs is None and project.crs is not None:
        frame = frame.set_crs(project.crs)
    return frame
