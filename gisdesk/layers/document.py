"""The open project as the app sees it: its layers in drawing order, with styles and state.

No Qt: the widgets listen to `events`. Changes of order, visibility, opacity or style make
the document dirty until save() writes them to the project in one transaction. The base maps
(image files, gisdesk.layers.raster) are a list of their own, `basemaps`, always drawn below
the vector `layers`: every user of `layers` expects features.
"""

from __future__ import annotations

import contextlib

from gisdesk.layers.annotations import AnnotationSet
from gisdesk.layers.edits import EditSession
from gisdesk.layers.journal import Journal
from gisdesk.layers.kinds import kind_of
from gisdesk.layers.layer import Event, Layer
from gisdesk.layers.raster import RasterLayer, raster_layers
from gisdesk.layers.styles import fit_label_field
from gisdesk.store import ProjectStore, current_user


class MapDocument:
    def __init__(self, project: ProjectStore, layers: list[Layer], basemaps: list[RasterLayer] | None = None):
        self.project = project
        self.layers = layers  # bottom first
        # the project's base maps, bottom first (below every layer); their files are opened when first drawn
        self.basemaps: list[RasterLayer] = raster_layers(project) if basemaps is None else basemaps
        self._sessions: dict[str, EditSession] = {}  # layer id → its edit session
        self.journal: Journal | None = None  # the sessions' autosave journal, made with the first session
        self.dirty = False
        self.events = {name: Event() for name in ("layers", "dirty", "edits", "basemaps")}
        # the map's annotations (gisdesk.layers.annotations): undone with the feature edits, saved with the layers
        self.annotations = AnnotationSet()
        self.annotations.events["changed"].connect(self._annotations_changed)
        for layer in layers:
            self._watch(layer)
        for basemap in self.basemaps:
            self._watch(basemap)

    @classmethod
    def open(cls, project: ProjectStore, *, default_style=None) -> MapDocument:
        """Read every layer of an opened project. `default_style(kind)` styles layers that have none stored."""
        layers = []
        for info in project.layers():
            frame = project.read_layer(info.id)
            # a layer shown for the first time (no stored style): its kind's, labelled by a field it has
            style = info.style or (fit_label_field(default_style(info.kind), frame) if default_style else {})
            # a layer never renamed shows its kind's name in the UI's language
            title = None if info.title == kind_of(info.kind).name_zh else info.title
            layers.append(Layer(info.kind, frame, layer_id=info.id, title=title,
                                style=style, visible=info.visible, opacity=info.opacity))
        return cls(project, layers)

    @property
    def name(self) -> str:
        return self.project.setting("name", self.project.path.stem)

    def layer(self, kind: str) -> Layer | None:
        """The first layer of a kind (in drawing order), or None."""
        return next((layer for layer in self.layers if layer.kind == kind), None)

    def layers_of(self, kind: str) -> list[Layer]:
        return [layer for layer in self.layers if layer.kind == kind]

    def layer_by_id(self, layer_id: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.id == layer_id), None)

    # --- editing features -------------------------------------------------------------

    def edits(self, layer: Layer) -> EditSession:
        """The edit session of a layer (one per layer, made when first asked for)."""
        session = self._sessions.get(layer.id)
        if session is None:
            session = self._sessions[layer.id] = EditSession(self.project, layer, who=current_user())
            session.journal = self.journal_for_edits()
            session.events["changed"].connect(lambda *_: self.events["edits"].emit(self))
        return session

    def journal_for_edits(self) -> Journal:
        """The autosave journal of this document's edit sessions (its file is made at the first edit)."""
        if self.journal is None:
            self.journal = Journal(self.project.path, who=current_user())
        return self.journal

    def pending_edits(self) -> int:
        """How many features have uncommitted changes (e.g. edits restored from the journal)."""
        return sum(len(s.pending) for s in self._sessions.values())

    def commit_edits(self) -> None:
        """Commit every session's uncommitted changes (each session one transaction)."""
        for session in self._sessions.values():
            if session.pending:
                session.commit()

    def can_undo(self) -> bool:
        return any(s.can_undo for s in self._sessions.values()) or self.annotations.can_undo

    def can_redo(self) -> bool:
        return any(s.can_redo for s in self._sessions.values()) or self.annotations.can_redo

    def undo(self) -> None:
        """Take back the last edit of any layer and save that (on a refused save nothing changes), or
        the last annotation edit when it came later (the document is then unsaved)."""
        sessions = [s for s in self._sessions.values() if s.can_undo]
        if self.annotations.can_undo and self.annotations.last_done > max((s.last_done for s in sessions), default=0):
            self.annotations.undo()
        elif sessions:
            session = max(sessions, key=lambda s: s.last_done)
            session.undo()
            _commit_or(session, session.redo)

    def redo(self) -> None:
        sessions = [s for s in self._sessions.values() if s.can_redo]
        if self.annotations.can_redo and \
                self.annotations.last_undone > max((s.last_undone for s in sessions), default=0):
            self.annotations.redo()
        elif sessions:
            session = max(sessions, key=lambda s: s.last_undone)
            session.redo()
            _commit_or(session, session.undo)

    def _annotations_changed(self, *_) -> None:
        if self.annotations.unsaved:
            self._set_dirty()
        self.events["edits"].emit(self)

    # --- layers ---------------------------------------------------------------------

    def move_layer(self, layer: Layer, index: int) -> None:
        """Put `layer` at drawing position `index` (0 = bottom)."""
        self.layers.remove(layer)
        self.layers.insert(max(0, min(index, len(self.layers))), layer)
        self.events["layers"].emit(self)
        self._set_dirty()

    # --- base maps ---------------------------------------------------------------------

    def basemap_by_id(self, layer_id: str) -> RasterLayer | None:
        return next((layer for layer in self.basemaps if layer.id == layer_id), None)

    def visible_basemaps(self) -> list[RasterLayer]:
        return [layer for layer in self.basemaps if layer.visible]

    def move_basemap(self, layer: RasterLayer, index: int) -> None:
        """Put base map `layer` at position `index` among the base maps (0 = bottom)."""
        self.basemaps.remove(layer)
        self.basemaps.insert(max(0, min(index, len(self.basemaps))), layer)
        self.events["basemaps"].emit(self)
        self._set_dirty()

    def add_basemap(self, info, layer: RasterLayer | None = None) -> RasterLayer:
        """Show a base map the store has just added (`info`, its LayerInfo; `layer`, its RasterLayer
        when the caller made and opened it), on top of the others. (The store wrote it already:
        adding does not make the document dirty.)"""
        layer = layer or RasterLayer.of(self.project, info)
        self.basemaps.append(layer)
        self._watch(layer)
        self.events["basemaps"].emit(self)
        return layer

    def remove_basemap(self, layer: RasterLayer) -> None:
        """Take a base map out of the project (the store, at once) and off the map."""
        self.project.remove_basemap(layer.id)
        self.basemaps.remove(layer)
        self.events["basemaps"].emit(self)

    def relocate_basemap(self, layer: RasterLayer, path) -> None:
        """Point a base map at its file's new place, in the store and on the map."""
        layer.relocate(self.project.relocate_basemap(layer.id, path), self.project)

    def extent(self, *, selected: bool = False) -> tuple[float, float, float, float] | None:
        """The bounding box of all layers, or with `selected` of the selected features only (the
        base maps' when there are no features)."""
        extents = [layer.extent(layer.selected_rows() if selected else None) for layer in self.layers
                   if not selected or len(layer.selection)]
        extents = [e for e in extents if e is not None]
        if not extents and not selected:
            extents = [layer.extent for layer in self.basemaps if layer.extent is not None]
        if not extents:
            return None
        return (min(e[0] for e in extents), min(e[1] for e in extents), max(e[2] for e in extents),
                max(e[3] for e in extents))

    def save(self) -> None:
        """Write the annotations and the layers' states, in one transaction of the store."""
        batch = getattr(self.project, "batch", None)
        unsaved = self.annotations.unsaved
        try:
            with batch() if batch is not None else contextlib.nullcontext():
                self._save_states()
        except BaseException:
            self.annotations.unsaved = unsaved  # rolled back with the rest: still to be saved
            raise
        self.dirty = False
        self.events["dirty"].emit(self)

    def _save_states(self) -> None:
        self.annotations.save()  # through the saver its opener gave it (gisdesk.annotations)
        self.project.save_layer_states([
            {"id": layer.id, "title": layer.info.name_zh if layer.title == layer.info.title else layer.title,
             "z_order": z, "visible": layer.visible, "opacity": layer.opacity,
             "style": layer.style} for z, layer in enumerate(self.layers)] +
            [{"id": layer.id, "title": layer.title, "z_order": z - len(self.basemaps), "visible": layer.visible,
              "opacity": layer.opacity, "style": layer.style} for z, layer in enumerate(self.basemaps)])

    def _watch(self, layer: Layer | RasterLayer) -> None:
        for name in ("visible", "opacity", "style", "title"):
            layer.events[name].connect(lambda *_: self._set_dirty())

    def _set_dirty(self) -> None:
        if not self.dirty:
            self.dirty = True
            self.events["dirty"].emit(self)


def _commit_or(session: EditSession, back) -> None:
    try:
        session.commit()
    except Exception:
        back()  # the features go back to what is stored
        raise
