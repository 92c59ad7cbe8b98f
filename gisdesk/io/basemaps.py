"""Base maps of a project: add an image file after checking that it is one, and open the layers' files.

The store (gisdesk.project) keeps base maps by reference and reads no pixels; this module, on
the io floor, opens the files with gisdesk.io.raster.open_raster: `add_basemap` refuses a file
that is not a readable georeferenced raster and takes the date from its metadata when none
is given; `open_basemap` attaches the opened file and its extent in the map's CRS to a
RasterLayer (or says why it could not).
"""

from __future__ import annotations

import re
from pathlib import Path

from gisdesk.errors import GisdeskError, InputError
from gisdesk.i18n import tr
from gisdesk.io.raster import open_raster
from gisdesk.layers.raster import RasterLayer
from gisdesk.store import LayerInfo, ProjectStore

RASTER_SUFFIXES = (".tif", ".tiff", ".mbtiles")
DATE = re.compile(r"(19|20)\d\d(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")  # 2010, 2019-06, 2019-06-01
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_SQLITE_MAGIC = b"SQLite format 3\x00"


def add_basemap(project: ProjectStore, path, *, layer_id: str | None = None, title: str | None = None,
                date: str | None = None, feedback=None) -> LayerInfo:
    """Add `path` (a GeoTIFF or an MBTiles cache) to the project as a base map, on top of the others.

    The file is opened first: what is not a readable raster with a CRS is refused, naming the
    file. The date is `date`, else the file's (TIFF date tags, MBTiles metadata), else none.
    """
    path = Path(path)
    if date is not None:
        date = check_date(date)
    if feedback is not None:
        feedback.set_stage(tr("打开影像", "opening the image"))
    source = open_raster(path)
    try:
        if project.crs is None:  # a new project whose first layer is an image: its zone, as a first import
            project.set_settings(crs=_first_crs(source, path))
        if project.crs is not None:
            try:
                source.extent_in(project.crs)
            except Exception as exc:  # noqa: BLE001 - PROJ cannot take it there: not a base map of this project
                raise InputError("底图 {path} 的范围无法换算到项目坐标系：{why}",
                                 "the extent of the base map {path} cannot be transformed to the project CRS: {why}",
                                 path=path, why=exc) from exc
        found_date = date or source.date
        provider = source.provider
    finally:
        source.close()
    return project.add_basemap(path, layer_id=layer_id, title=title, date=found_date, provider=provider)


def layers_extent(project: ProjectStore) -> tuple[float, float, float, float] | None:
    """The box around the project's vector layers as their tables record it (GeoPackage: no features read)."""
    import pyogrio
    import numpy as np

    boxes = []
    for info in project.layers():
        try:
            bounds = pyogrio.read_info(project.path, layer=info.id).get("total_bounds")
        except Exception:  # noqa: BLE001 - a layer GDAL cannot describe says nothing about the image
            continue
        if bounds is not None and np.all(np.isfinite(bounds)):
            boxes.append(tuple(float(v) for v in bounds))
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def off_the_layers(extent, layers) -> bool:
    """Whether a base map's extent misses the layers' box entirely (a wrong CRS, another city)."""
    if extent is None or layers is None:
        return False
    return extent[2] < layers[0] or extent[0] > layers[2] or extent[3] < layers[1] or extent[1] > layers[3]


def off_the_layers_note(title: str) -> str:
    return tr("注意：底图 {title} 与项目的图层不重叠（坐标系不对，或是别处的影像？）",
              "note: the base map {title} does not overlap the project's layers (a wrong CRS, or an image of "
              "another place?)", title=title)


def _first_crs(source, path) -> str:
    """The project CRS an image brings to a project that has none: the CGCS2000 3° Gauss-Krüger zone
    of its centre (as a first vector import picks), else the image's own CRS when it is metric."""
    from gisdesk.crs import gk3_epsg, is_metric_projected

    xmin, ymin, xmax, ymax = source.extent_in("EPSG:4490")
    try:
        return f"EPSG:{gk3_epsg((xmin + xmax) / 2)}"
    except InputError:
        if is_metric_projected(source.crs) and source.crs.to_epsg():
            return f"EPSG:{source.crs.to_epsg()}"
        raise InputError("{path} 不在中国的高斯-克吕格分带内，其坐标系也不是米制投影：请先用 gisdesk new --crs 给项目指定坐标系",
                         "{path} lies outside China's Gauss-Krüger zones and its CRS is not a metric projection: give "
                         "the project a CRS first (gisdesk new --crs)", path=path) from None


def check_date(date: str) -> str:
    """A base map's date as given (2010, 2019-06 or 2019-06-01), or an InputError saying so."""
    text = str(date).strip()
    if not DATE.fullmatch(text):
        raise InputError("底图日期 {date} 无效：应为年份、年-月或年-月-日，如 2010、2019-06、2019-06-01",
                         "invalid base map date {date}: give a year, year-month or year-month-day, e.g. 2010, "
                         "2019-06, 2019-06-01", date=date)
    return text


def open_basemap(layer: RasterLayer) -> RasterLayer:
    """Open the layer's file (if not yet), attaching it and its extent in the layer's CRS; a missing
    or unreadable file leaves `reader` None and says why in `layer.problem`. Returns the layer."""
    if layer.reader is not None or layer.missing:
        return layer
    try:
        source = open_raster(layer.path)
    except GisdeskError as error:
        layer.attach(None, None, str(error))
        return layer
    except Exception as error:  # noqa: BLE001 - any library failure: the layer says so, the map goes on
        layer.attach(None, None, f"{layer.path}: {error}")
        return layer
    try:
        extent = source.extent_in(layer.crs) if layer.crs is not None else tuple(source.bounds)
    except Exception:  # noqa: BLE001 - drawn anyway (the warp says what lands where); no extent to zoom to
        extent = None
    layer.attach(source, extent)
    return layer


def open_basemaps(layers) -> list[RasterLayer]:
    return [open_basemap(layer) for layer in layers]


def looks_like_raster(path) -> bool:
    """Whether a file is a base map source by its content: a TIFF, or an SQLite file with a tiles
    table and no GeoPackage contents (an MBTiles cache, not a GeoPackage)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    if head.startswith(_TIFF_MAGICS):
        return True
    if head == _SQLITE_MAGIC:
        import sqlite3

        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                names = {r[0].lower() for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
            finally:
                db.close()
        except sqlite3.Error:
            return False
        return "tiles" in names and "metadata" in names and "gpkg_contents" not in names
    return False
