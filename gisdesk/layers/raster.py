"""A base map in an open map: an image file (GeoTIFF, MBTiles) shown under the vector layers. No Qt.

A RasterLayer is the base map's row of the project (id, title, provider, source, date) with
its state (visible, opacity) and change events shaped as Layer's. It never reads pixels: the
opened file (`reader`, a gisdesk.io RasterSource) is attached by whoever opens it — the
render's snapshot, the project loader — since the layers sit below gisdesk.io. A file that
is not where the project says is `missing`, with `problem` saying which file and where it
was looked for; relocate() points the layer at the file's new place.
"""

from __future__ import annotations

from pathlib import Path

from gisdesk.i18n import tr
from gisdesk.layers.layer import Event, LayerState
from gisdesk.store import ProjectStore

KIND = "basemap"


class RasterLayer(LayerState):
    kind = KIND

    def __init__(self, layer_id: str, title: str, provider: str, source: str, path, date: str | None = None,
                 visible: bool = True, opacity: float = 1.0, *, crs=None, looked_for: list | None = None,
                 style: dict | None = None):
        self.id = layer_id
        self._title = str(title)
        self.provider = provider
        self.source = source  # as stored in the project (relative or absolute)
        self.path = Path(path)  # where the file is (or was first looked for)
        self.date = date or None
        self._visible = bool(visible)
        self._opacity = float(opacity)
        self.crs = crs  # the map's (project's) CRS, in which `extent` is given and views are read
        self.looked_for = [Path(p) for p in (looked_for or [path])]
        self._style = {key: value for key, value in (style or {}).items() if key != "date"}
        self.reader = None  # the opened file (gisdesk.io.raster.RasterSource), attached by who opens it
        self.extent: tuple[float, float, float, float] | None = None  # in `crs`, once opened
        self.open_problem: str | None = None  # why opening the file failed (damaged, not a raster ...)
        self.events = {name: Event() for name in ("visible", "opacity", "style", "title", "data")}

    @classmethod
    def of(cls, project: ProjectStore, info) -> RasterLayer:
        """The layer of a project's base map row (`info`: a LayerInfo of project.basemaps())."""
        return cls(info.id, info.title, info.provider, info.source, project.basemap_path(info),
                   (info.style or {}).get("date"), info.visible, info.opacity, crs=project.crs,
                   looked_for=project.basemap_candidates(info), style=info.style)

    @property
    def style(self) -> dict:
        """What the project keeps in the row's style JSON: the date and where the file was."""
        return {**self._style, **({"date": self.date} if self.date else {})}

    def update_style(self, **changes) -> None:
        if "date" in changes:
            self.date = changes.pop("date") or None
        self._style = {**self._style, **changes}
        self.events["style"].emit(self)

    # --- the file ----------------------------------------------------------------------

    @property
    def label(self) -> str:
        """The title with the date, as the layer tree shows it: 航拍 2010 · 2010."""
        return f"{self.title} · {self.date}" if self.date else self.title

    @property
    def missing(self) -> bool:
        """The file is not where the project says (nor where it was when added)."""
        return not self.path.is_file()

    @property
    def problem(self) -> str | None:
        """Why the base map cannot be drawn, in the user's language; None when it can."""
        if self.missing:
            return tr("底图 {title} 的文件 {file} 不存在（查找位置：{where}）。文件移动过时请用“重新定位…”指定新位置",
                      "the file {file} of the base map {title} is missing (looked for: {where}). If it moved, "
                      "point to it with Relocate…", title=self.title, file=self.path.name,
                      where=tr("；", "; ").join(str(p) for p in self.looked_for))
        return self.open_problem

    def attach(self, reader, extent=None, problem: str | None = None) -> None:
        """Hold the opened file (or why it could not be opened); no event (the opener renders next)."""
        self.reader, self.extent, self.open_problem = reader, extent, problem

    def relocate(self, info, project: ProjectStore) -> None:
        """Follow a relocate_basemap in the store (`info`, the updated row): the new file is drawn."""
        self.provider, self.source = info.provider, info.source
        self.path = project.basemap_path(info)
        self.looked_for = project.basemap_candidates(info)
        self._style = {key: value for key, value in (info.style or {}).items() if key != "date"}
        # the old file is let go, not closed: a render in a worker may still be reading it
        self.reader, self.extent, self.open_problem = None, None, None
        self.events["data"].emit(self)

    def reopen(self) -> None:
        """The file changed (overviews were added): let go of the opened one, drawn anew from the file."""
        self.reader, self.open_problem = None, None
        self.events["data"].emit(self)

    def close(self) -> None:
        if self.reader is not None and hasattr(self.reader, "close"):
            self.reader.close()
        self.reader = None


def raster_layers(project: ProjectStore) -> list[RasterLayer]:
    """The base maps of a project as layers, bottom first (not opened: see gisdesk.io.basemaps)."""
    if not hasattr(project, "basemaps"):  # a store without base maps
        return []
    return [RasterLayer.of(project, info) for info in project.basemaps()]
