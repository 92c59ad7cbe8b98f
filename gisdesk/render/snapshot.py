"""Snapshots: what a render needs of the layers, copied on the GUI thread.

The canvas renders in a worker thread while the GUI thread goes on editing, selecting and
restyling the live layers. So a render never sees a Layer: the GUI thread makes a Scene of
LayerSnapshots (the layer's data generation, a copy of its style, its visibility, opacity
and selected rows at that moment) and hands it over. A snapshot costs no copy of the
features: a layer's FeatureData is immutable (an edit makes the next generation), so the
snapshot keeps the generation it saw, with the arrays already derived for it. (QGIS does
the same: a QgsMapLayerRenderer copies what it needs of its layer on the main thread.)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Sequence

import numpy as np

from gisdesk.layers.annotations import Annotation, resolve_targets
from gisdesk.layers.data import FeatureData
from gisdesk.layers.kinds import LayerKind
from gisdesk.layers.layer import Layer
from gisdesk.layers.raster import RasterLayer
from gisdesk.layers.uids import feature_uids
from gisdesk.render.conflict_marks import ConflictMarks

HIGHLIGHT_COLOR = "#00e5ff"


@dataclass(frozen=True)
class Highlight:
    """Features of one layer to outline on top of everything, named by uid (Layer.id, uids): a scene
    finds their rows in the data generation it snapshots, wherever edits have moved them."""
    layer_id: str
    uids: tuple[str, ...] = ()
    color: str = HIGHLIGHT_COLOR


@dataclass(frozen=True, eq=False)
class Problems:
    """Topology problems to draw over the map (render.problems): polygons in the project CRS, as the
    UI read them from the store for one layer or merged for the visible ones."""
    overlaps: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    slivers: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    gaps: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    @classmethod
    def merged(cls, items: Sequence[Problems]) -> Problems:
        def joined(name):
            parts = [getattr(item, name) for item in items]
            return np.concatenate(parts) if parts else np.empty(0, dtype=object)
        return cls(joined("overlaps"), joined("slivers"), joined("gaps"))

    def __len__(self) -> int:
        return len(self.overlaps) + len(self.slivers) + len(self.gaps)


@dataclass(frozen=True, eq=False)
class LayerSnapshot:
    """One layer as it was when the snapshot was taken; nothing in it changes afterwards."""
    kind: str
    info: LayerKind
    title: str
    data: FeatureData
    style: Mapping  # read-only
    visible: bool
    opacity: float
    selected_rows: np.ndarray  # read-only, sorted rows of `data`

    @classmethod
    def of(cls, layer: Layer) -> LayerSnapshot:
        """Take the snapshot (on the thread that owns the layer)."""
        data = layer.data  # the selection is read right after, for the same generation
        rows = np.array(layer.selected_rows(), dtype=np.int64)
        rows = rows[(rows >= 0) & (rows < len(data))]
        rows.flags.writeable = False
        return cls(layer.kind, layer.info, layer.title, data, _frozen(layer.style), layer.visible, layer.opacity,
                   rows)


@dataclass(frozen=True, eq=False)
class RasterSnapshot:
    """A base map as it was when the snapshot was taken: its opened file (None when missing or
    unreadable: nothing is drawn), visibility and opacity, and the map CRS its views are read in."""
    layer_id: str
    title: str
    date: str | None
    source: object  # gisdesk.io.raster.RasterSource (safe to read from any thread), or None
    visible: bool
    opacity: float
    crs: object = None  # the map's CRS (pyproj), the CRS views are read in

    @classmethod
    def of(cls, layer: RasterLayer) -> RasterSnapshot:
        """Take the snapshot (on the thread that owns the layer); opens the file the first time."""
        from gisdesk.io.basemaps import open_basemap  # the render floor may open files; the layers may not

        if layer.reader is None and not layer.missing and layer.open_problem is None:
            open_basemap(layer)
        return cls(layer.id, layer.title, layer.date, layer.reader, layer.visible, layer.opacity, layer.crs)


@dataclass(frozen=True, eq=False)
class Scene:
    """Everything a render draws: the layers bottom first, and the features to outline."""
    layers: tuple[LayerSnapshot, ...]
    highlight: tuple[tuple[LayerSnapshot, np.ndarray], ...] = ()
    highlight_color: str = HIGHLIGHT_COLOR
    problems: Problems | None = None  # topology problems of the visible layers, drawn over them
    marks: ConflictMarks | None = None  # one conflict's overlap, setback line and distance (render.conflict_marks)
    basemaps: tuple[RasterSnapshot, ...] = ()  # drawn first, bottom first, under every layer
    annotations: tuple[Annotation, ...] = ()  # drawn last, over the labels (render.annotations)

    @classmethod
    def of(cls, layers: Sequence[Layer], highlight: Highlight | Sequence[Highlight] | None = None, *,
           problems: Mapping[str, Problems] | None = None, marks: ConflictMarks | None = None,
           basemaps: Sequence[RasterLayer] = (), annotations: Iterable[Annotation] = ()) -> Scene:
        """Snapshots of `layers` (and the rows of the highlighted uids among them), taken on the thread
        that owns them; `problems` by layer id: those of the visible layers are drawn. `basemaps`
        (bottom first) are drawn under the layers: all of a document's, or any few of them (a
        comparison draws the same layers over each date). `annotations` (gisdesk.layers.annotations,
        an AnnotationSet or any iterable of them, bottom first) are drawn over everything; a callout on
        a feature of one of `layers` points at where the feature is in this snapshot."""
        snapshots = [LayerSnapshot.of(layer) for layer in layers]
        highlights = (highlight,) if isinstance(highlight, Highlight) else tuple(highlight or ())
        outlined = []
        for item in highlights:
            snapshot = next((s for layer, s in zip(layers, snapshots) if layer.id == item.layer_id), None)
            if snapshot is not None and item.uids:
                rows = np.array(feature_uids(snapshot.data).rows_of(item.uids), dtype=np.int64)
                rows.flags.writeable = False
                outlined.append((snapshot, rows))
        shown = Problems.merged([problems[layer.id] for layer in layers if layer.visible and layer.id in problems]) \
            if problems else None
        return cls(tuple(snapshots), tuple(outlined), highlights[0].color if highlights else HIGHLIGHT_COLOR,
                   shown if shown is not None and len(shown) else None, marks,
                   tuple(RasterSnapshot.of(layer) for layer in basemaps),
                   _resolved(annotations, {layer.id: s for layer, s in zip(layers, snapshots)}))


def _resolved(annotations: Iterable[Annotation], snapshots: Mapping[str, LayerSnapshot]) -> tuple[Annotation, ...]:
    """The annotations with their callouts pointing at their features as these snapshots hold them
    (one scan of a layer's uids for all the callouts on it)."""
    items = list(annotations or ())
    wanted: dict[str, list[str]] = {}
    for item in items:
        if item.target is not None and item.target[0] in snapshots:
            wanted.setdefault(item.target[0], []).append(item.target[1])
    found: dict[tuple[str, str], np.ndarray] = {}
    for layer_id, uids in wanted.items():
        data = snapshots[layer_id].data
        for uid, row in zip(uids, feature_uids(data).row_of_each(uids)):
            if row >= 0:
                found[(layer_id, uid)] = data.bounds[int(row)]
    return resolve_targets(items, lambda layer_id, uid: found.get((layer_id, uid)))


def _frozen(style: dict) -> Mapping:
    """A read-only deep copy: the live style (its category colours too) may change while a render runs."""
    return MappingProxyType({key: MappingProxyType(copy.deepcopy(dict(value))) if isinstance(value, Mapping)
                             else copy.deepcopy(value) for key, value in style.items()})
