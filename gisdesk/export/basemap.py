"""Offline base maps: raster MBTiles caches made from a GeoTIFF or drawn from the project's layers.

A field laptop has no network, so its base map is a file. `build_mbtiles` writes one: the
256 px tiles of the Web Mercator grid (EPSG:3857, mercantile's XYZ numbering) over an
extent, zoom by zoom, each asked of a tile source as RGBA and stored as PNG or JPEG in the
MBTiles 1.3 layout (`metadata` and `tiles` tables, the unique tile index, rows in TMS order:
row = 2^z - 1 - y). Tiles that are all transparent are not stored (the spec lets a reader
take a missing tile as empty), so an image's no-data corners cost nothing.

Two tile sources:
- RasterTiles: a GeoTIFF (any GDAL raster, any CRS) read through gisdesk.io.raster, one
  read of the tile's box at 256 × 256 px in EPSG:3857 per tile;
- LayerTiles: vector layers drawn with the one renderer (gisdesk.render) in the project CRS
  and resampled onto the Mercator tiles (a block of tiles per picture; the project CRS,
  a Gauss-Krüger zone, is turned against Mercator by the meridian convergence, under a
  degree, and stretched by 1/cos(latitude)): so the map is drawn in true metres, its
  control zones as the check sees them, and lands on the tiles where the vectors say
  (resampled by QPainter, bilinear, with an affine transform fitted to each 256 px piece).

Tile format: JPEG (quality 85) where a tile is fully opaque and PNG where it has
transparency is the choice for photographs (`tile_format="jpg"`): an aerial photo's tile
is 5-10 times smaller as JPEG, and only PNG keeps the no-data edges transparent. Drawn maps
(`tile_format="png"`, what LayerTiles is used with) are flat colours with sharp edges: PNG
is smaller there and JPEG would smear the edges. The metadata's `format` is "png" when
every tile is PNG, else "jpg" (as GDAL writes a PNG_JPEG cache); readers, gisdesk's too,
decode each tile by its content.

The build is a job: a plain function taking `feedback` (progress after each tile, Cancel).
It writes a temp file beside the target and renames it at the end, so a cancel or an error
leaves no half file and an existing target is replaced only by a complete one.
"""

from __future__ import annotations

import io
import math
import os
import re
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol, Sequence

import mercantile
import numpy as np
from pyproj import CRS, Transformer

from gisdesk.errors import InputError
from gisdesk.i18n import tr
from gisdesk.jobs import Feedback

TILE = 256
MERCATOR = CRS.from_epsg(3857)
LONLAT = CRS.from_epsg(4326)
MAX_ZOOM = 22  # ~4 cm a pixel at the equator: deeper is never a base map
MAX_TILES = 1_000_000  # beyond this a build is refused: narrow the extent or the zooms
MAX_LAT = 85.05112878  # the Mercator grid's edge
DEFAULT_ZOOMS = (12, 18)
JPEG_QUALITY = 85
LAYER_BLOCK = 4  # LayerTiles draws 4 × 4 tiles per picture
LAYER_MARGIN_PX = 256  # drawn around a block: a label near its edge is placed (or not) alike in both blocks it touches


# --- arguments ---------------------------------------------------------------------------

def parse_zooms(text: str) -> tuple[int, int]:
    """'12-18' or '15' as (min, max); a clear InputError otherwise."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*(?:-\s*(\d{1,2})\s*)?", text or "")
    if match:
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if low <= high <= MAX_ZOOM:
            return low, high
    raise InputError("--zooms 应为 最小-最大 级别，如 12-18（0 到 {max}，最小不大于最大），而不是 {text}",
                     "--zooms must be MIN-MAX zoom levels, e.g. 12-18 (0 to {max}, MIN not above MAX), not {text}",
                     max=MAX_ZOOM, text=text)


def parse_extent(text: str) -> tuple[float, float, float, float]:
    """'XMIN,YMIN,XMAX,YMAX' as four finite numbers with XMIN < XMAX and YMIN < YMAX."""
    parts = (text or "").split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) == 4 and all(math.isfinite(v) for v in values) and values[0] < values[2] \
            and values[1] < values[3]:
        return values
    raise InputError("--extent 应为项目坐标系下的 XMIN,YMIN,XMAX,YMAX 四个数（XMIN < XMAX，YMIN < YMAX），而不是 {text}",
                     "--extent must be four numbers XMIN,YMIN,XMAX,YMAX in the project CRS (XMIN < XMAX, "
                     "YMIN < YMAX), not {text}", text=text)


def extent_to_lonlat(extent, crs) -> tuple[float, float, float, float]:
    """The lon/lat box around `extent` (in `crs`), edges densified, clipped to the Mercator grid."""
    try:
        crs = CRS.from_user_input(crs)
        if crs.equals(LONLAT):
            box = tuple(float(v) for v in extent)
        else:
            box = Transformer.from_crs(crs, LONLAT, always_xy=True).transform_bounds(*extent, densify_pts=21)
    except Exception:  # noqa: BLE001 - PROJ's own errors name nothing a user knows
        box = (math.nan,) * 4
    w, s, e, n = box
    if not all(math.isfinite(v) for v in box) or w >= e or s >= n:
        raise InputError("范围 {extent} 无法换算为经纬度（是否为 {crs} 下的坐标？）",
                         "the extent {extent} cannot be turned into lon/lat (is it in {crs}?)",
                         extent=",".join(f"{v:g}" for v in extent), crs=getattr(crs, "name", crs))
    w, e = max(w, -180.0), min(e, 180.0)
    s, n = max(s, -MAX_LAT), min(n, MAX_LAT)
    if w >= e or s >= n:
        raise InputError("范围 {extent} 不在网络墨卡托瓦片网格内（纬度 ±85°）",
                         "the extent {extent} lies outside the Web Mercator tile grid (latitude ±85°)",
                         extent=",".join(f"{v:g}" for v in extent))
    return w, s, e, n


def tiles_in(lonlat, zooms: tuple[int, int]) -> list[mercantile.Tile]:
    """The tiles over a lon/lat box at each zoom, zoom by zoom, row by row."""
    w, s, e, n = lonlat
    out = []
    for z in range(zooms[0], zooms[1] + 1):
        # a box edge exactly on a tile edge does not take the next tile
        nw = mercantile.tile(w, n, z)
        se = mercantile.tile(*_inside(e, s, z), z)
        count = (se.x - nw.x + 1) * (se.y - nw.y + 1)
        if len(out) + count > MAX_TILES:
            raise InputError("要生成的瓦片超过 {max} 个（到第 {z} 级）：请缩小 --extent 或 --zooms 的范围",
                             "more than {max} tiles to make (by zoom {z}): narrow --extent or --zooms",
                             max=f"{MAX_TILES:,}", z=z)
        out += [mercantile.Tile(x, y, z) for y in range(nw.y, se.y + 1) for x in range(nw.x, se.x + 1)]
    return out


def _inside(lon: float, lat: float, z: int) -> tuple[float, float]:
    """A point moved a hair into the box from its east/south edge (a tile's edge is its neighbour's)."""
    x, y = mercantile.xy(lon, lat)
    step = 2 * math.pi * 6378137.0 / (TILE << z) * 1e-3
    return mercantile.lnglat(x - step, y + step)


# --- tile sources ------------------------------------------------------------------------

class TileSource(Protocol):
    def read(self, bounds: tuple[float, float, float, float], width: int, height: int, *,
             cancelled: Callable[[], bool] = lambda: False) -> np.ndarray:
        """(height, width, 4) uint8 straight RGBA of `bounds` (xmin, ymin, xmax, ymax in EPSG:3857)."""


class RasterTiles:
    """Tiles of a raster file (gisdesk.io.raster.open_raster): one warped read per tile."""

    def __init__(self, path):
        from gisdesk.io.raster import open_raster

        self.raster = open_raster(path)

    def read(self, bounds, width, height, *, cancelled=lambda: False) -> np.ndarray:
        return self.raster.read(bounds, width, height, MERCATOR, cancelled=cancelled)

    def close(self) -> None:
        self.raster.close()


class LayerTiles:
    """Tiles drawn from vector layers by gisdesk.render, in their own CRS, resampled onto Mercator.

    `layers` are gisdesk.layers.Layer objects (bottom first; only the visible ones are drawn) in
    `crs`; `background` is the colour under them ("transparent": tiles where nothing is drawn
    are left out). Needs a QGuiApplication: one is made (offscreen) when the process has none.
    """

    def __init__(self, layers: Sequence, crs, *, background: str = "transparent"):
        ensure_gui()
        from gisdesk.render.snapshot import Scene

        self.crs = CRS.from_user_input(crs)
        self.background = background
        self.scene = Scene.of([layer for layer in layers if layer.visible])
        self._to_crs = Transformer.from_crs(MERCATOR, self.crs, always_xy=True)

    def read(self, bounds, width, height, *, cancelled=lambda: False) -> np.ndarray:
        from gisdesk.render.context import RenderContext
        from gisdesk.render.renderer import render_image
        from gisdesk.render.view import MapView

        left, bottom, right, top = bounds
        # Where a grid of the output's pixel corners (every 32 px and the edges) lies in the layers' CRS
        us = np.unique(np.r_[np.arange(0, width, 32), width]).astype(float)
        vs = np.unique(np.r_[np.arange(0, height, 32), height]).astype(float)
        uu, vv = np.meshgrid(us, vs)
        gx, gy = self._to_crs.transform(left + uu * (right - left) / width, top - vv * (top - bottom) / height)
        gx, gy = np.asarray(gx), np.asarray(gy)
        if not (np.isfinite(gx).all() and np.isfinite(gy).all()):
            return np.zeros((height, width, 4), dtype=np.uint8)
        # the picture's pixel: as small as the output's smallest on the ground (nothing is lost)
        step_u = np.hypot(np.diff(gx, axis=1), np.diff(gy, axis=1)) / np.diff(us)
        step_v = np.hypot(np.diff(gx, axis=0), np.diff(gy, axis=0)) / np.diff(vs)[:, None]
        resolution = float(min(step_u.min(), step_v.min()))
        xmin, xmax, ymin, ymax = gx.min(), gx.max(), gy.min(), gy.max()
        w = int(math.ceil((xmax - xmin) / resolution)) + 2 * LAYER_MARGIN_PX
        h = int(math.ceil((ymax - ymin) / resolution)) + 2 * LAYER_MARGIN_PX
        view = MapView((xmin + xmax) / 2, (ymin + ymax) / 2, resolution, w, h)
        context = RenderContext.screen(view, draw_selection=False, draw_highlight=False)
        image = render_image(self.scene, context, background=self.background, cancelled=cancelled)
        px, py = view.to_pixels(gx, gy)  # the node grid in the picture's pixels
        return _warp(image, np.asarray(px), np.asarray(py), us, vs, width, height)

    def close(self) -> None:
        pass  # nothing is held open: the scene is snapshots of the layers


def ensure_gui():
    """The QGuiApplication QtGui drawing needs: the running one, else a new one on the offscreen platform."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        global _APP
        app = _APP = QGuiApplication(["gisdesk", "-platform", "offscreen"])
    return app


_APP = None


def _warp(image, px: np.ndarray, py: np.ndarray, us: np.ndarray, vs: np.ndarray, width: int, height: int) -> np.ndarray:
    """The picture resampled (bilinear) onto the output pixels, (height, width, 4) straight RGBA.

    (px, py) are where the output's node grid (columns `us`, rows `vs`) lies in the picture's
    pixels. Over a piece of 256 × 256 output pixels the map is affine to well under a tenth of
    a pixel at the zooms of a base map (its scale changes by ~tan(lat) × the piece's span /
    the earth's radius), so each piece is drawn by QPainter with the affine transform fitted
    to its nodes (least squares), clipped to the piece: Qt's own bilinear sampling, in C++.
    """
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QImage, QPainter, QTransform

    out = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    out.fill(Qt.GlobalColor.transparent)
    painter = QPainter(out)
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        cut_u = [i for i, u in enumerate(us) if u % TILE == 0 or i == len(us) - 1]
        cut_v = [i for i, v in enumerate(vs) if v % TILE == 0 or i == len(vs) - 1]
        for a, b in zip(cut_v[:-1], cut_v[1:]):
            for c, d in zip(cut_u[:-1], cut_u[1:]):
                uu, vv = np.meshgrid(us[c:d + 1], vs[a:b + 1])
                design = np.column_stack([uu.ravel(), vv.ravel(), np.ones(uu.size)])
                target = np.column_stack([px[a:b + 1, c:d + 1].ravel(), py[a:b + 1, c:d + 1].ravel()])
                fit = np.linalg.lstsq(design, target, rcond=None)[0]  # [u v 1] @ fit = picture (x, y)
                linear, offset = fit[:2].T, fit[2]  # picture = linear @ (u, v) + offset
                inverse = np.linalg.inv(linear)  # output = inverse @ (picture - offset)
                shift = -inverse @ offset
                painter.resetTransform()
                painter.setClipRect(QRect(int(us[c]), int(vs[a]), int(us[d] - us[c]), int(vs[b] - vs[a])))
                painter.setTransform(QTransform(inverse[0, 0], inverse[1, 0], inverse[0, 1], inverse[1, 1],
                                                shift[0], shift[1]))
                painter.drawImage(0, 0, image)
    finally:
        painter.end()
    rgba = out.convertToFormat(QImage.Format.Format_RGBA8888)  # straight alpha
    stride = rgba.bytesPerLine()
    data = np.frombuffer(rgba.constBits(), dtype=np.uint8, count=stride * height).reshape(height, stride)
    return data[:, :width * 4].reshape(height, width, 4).copy()


# --- the MBTiles file --------------------------------------------------------------------

@dataclass
class BuildResult:
    path: Path
    tiles: int  # stored
    blank: int  # all transparent, not stored
    zooms: tuple[int, int]
    bounds: tuple[float, float, float, float]  # lon/lat
    seconds: float
    size: int  # bytes of the file
    per_zoom: dict[int, int] = field(default_factory=dict)


def build_mbtiles(out, source: TileSource, *, lonlat: tuple[float, float, float, float], zooms: tuple[int, int],
                  metadata: dict[str, str], tile_format: str = "png", block: int = 1,
                  feedback: Feedback | None = None) -> BuildResult:
    """Write the tiles of `source` over `lonlat` at `zooms` to the MBTiles file `out` (replaced when there).

    `metadata` adds to (and overrides) the keys made here: name, format, bounds, center,
    minzoom, maxzoom, type (baselayer), version; give attribution, description and date.
    `tile_format` "png" or "jpg" (JPEG where opaque, PNG where not; see the module's doc).
    `block` × `block` tiles are asked of the source in one read. Returns what was written.
    """
    if tile_format not in ("png", "jpg"):
        raise ValueError(f"tile_format must be 'png' or 'jpg', not {tile_format!r}")
    feedback = feedback or Feedback()
    out = Path(out)
    started = time.perf_counter()
    tiles = tiles_in(lonlat, zooms)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InputError("输出目录不存在：{folder}", "the output folder does not exist: {folder}", folder=folder)
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise InputError("无法在 {folder} 中写文件：{why}", "cannot write a file in {folder}: {why}",
                         folder=folder, why=exc.strerror) from exc
    os.close(handle)
    temp = Path(temp_name)
    db = None
    try:
        db = sqlite3.connect(temp)
        db.executescript("""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;
            CREATE TABLE metadata (name TEXT, value TEXT);
            CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
            CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
            CREATE UNIQUE INDEX metadata_index ON metadata (name);
        """)
        feedback.set_stage(tr("生成瓦片", "making tiles"))
        stored, blank, per_zoom, formats = 0, 0, dict.fromkeys(range(zooms[0], zooms[1] + 1), 0), set()
        done, total = 0, len(tiles)
        for group in _blocks(tiles, block):
            picture = _read_block(source, group, feedback)
            for tile, rgba in picture:
                if rgba is not None and rgba[..., 3].any():
                    data, kind = encode_tile(rgba, tile_format)
                    db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                               (tile.z, tile.x, (1 << tile.z) - 1 - tile.y, sqlite3.Binary(data)))
                    stored += 1
                    per_zoom[tile.z] += 1
                    formats.add(kind)
                else:
                    blank += 1
                done += 1
                feedback.set_progress(done / total)
        if not stored:
            raise InputError("范围内没有可画的内容（所有瓦片都是空白）：{out} 未写出",
                             "nothing to draw in the extent (every tile is blank): {out} not written", out=out)
        w, s, e, n = lonlat
        values = {"name": out.stem, "format": "png" if formats == {"png"} else "jpg",
                  "bounds": f"{w:.7f},{s:.7f},{e:.7f},{n:.7f}",
                  "center": f"{(w + e) / 2:.7f},{(s + n) / 2:.7f},{min(zooms[0] + 2, zooms[1])}",
                  "minzoom": str(zooms[0]), "maxzoom": str(zooms[1]), "type": "baselayer", "version": "1.0"}
        values.update({k: str(v) for k, v in metadata.items() if v is not None})
        db.executemany("INSERT INTO metadata VALUES (?, ?)", list(values.items()))
        db.commit()
        db.close()
        db = None
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        os.chmod(temp, _file_mode(out))  # (mkstemp makes it private to its owner)
        os.replace(temp, out)
    except BaseException:
        if db is not None:
            db.close()
        temp.unlink(missing_ok=True)
        raise
    feedback.finish()
    return BuildResult(out, stored, blank, zooms, lonlat, time.perf_counter() - started, out.stat().st_size,
                       per_zoom)


def _file_mode(out: Path) -> int:
    """The mode of the file being replaced, else what a new file gets (0666 less the umask)."""
    try:
        return out.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _blocks(tiles: list[mercantile.Tile], block: int):
    """The tiles in groups of at most block × block neighbours (aligned squares of one zoom)."""
    if block <= 1:
        for tile in tiles:
            yield [tile]
        return
    groups: dict[tuple[int, int, int], list] = {}
    for tile in tiles:
        groups.setdefault((tile.z, tile.y // block, tile.x // block), []).append(tile)
    yield from groups.values()


def _read_block(source: TileSource, group: list[mercantile.Tile], feedback: Feedback):
    """[(tile, rgba)] of a group of tiles of one zoom, read as one picture of their bounding box."""
    cancelled = lambda: feedback.cancelled  # noqa: E731
    if len(group) == 1:
        tile = group[0]
        b = mercantile.xy_bounds(tile)
        return [(tile, source.read((b.left, b.bottom, b.right, b.top), TILE, TILE, cancelled=cancelled))]
    x0, x1 = min(t.x for t in group), max(t.x for t in group)
    y0, y1 = min(t.y for t in group), max(t.y for t in group)
    z = group[0].z
    nw, se = mercantile.xy_bounds(x0, y0, z), mercantile.xy_bounds(x1, y1, z)
    picture = source.read((nw.left, se.bottom, se.right, nw.top), (x1 - x0 + 1) * TILE, (y1 - y0 + 1) * TILE,
                          cancelled=cancelled)
    feedback.check_cancelled()
    return [(t, picture[(t.y - y0) * TILE:(t.y - y0 + 1) * TILE, (t.x - x0) * TILE:(t.x - x0 + 1) * TILE])
            for t in group]


def encode_tile(rgba: np.ndarray, tile_format: str = "png") -> tuple[bytes, str]:
    """A tile's bytes and their format: PNG (RGB when opaque), or JPEG for an opaque tile when `jpg`."""
    from PIL import Image

    opaque = bool((rgba[..., 3] == 255).all())
    buffer = io.BytesIO()
    if opaque and tile_format == "jpg":
        Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB").save(buffer, "JPEG", quality=JPEG_QUALITY)
        return buffer.getvalue(), "jpg"
    if opaque:
        Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB").save(buffer, "PNG", compress_level=6)
    else:
        Image.fromarray(np.ascontiguousarray(rgba), "RGBA").save(buffer, "PNG", compress_level=6)
    return buffer.getvalue(), "png"


# --- the jobs of `gisdesk basemap` ---------------------------------------------------------

def basemap_from_raster(project_path, source_path, out, extent=None, zooms: tuple[int, int] = DEFAULT_ZOOMS, *,
                        feedback: Feedback | None = None) -> BuildResult:
    """An MBTiles cache of a GeoTIFF: over `extent` (project CRS; default: the image's) at `zooms`."""
    project = _open(project_path)
    _refuse_overwriting(out, source_path, project.path)
    source = RasterTiles(source_path)
    try:
        raster = source.raster
        image = extent_to_lonlat(raster.bounds, raster.crs)
        if extent is not None:
            lonlat = _intersection(extent_to_lonlat(extent, _project_crs(project)), image)
            if lonlat is None:
                raise InputError("范围 {extent} 与影像 {path} 不相交", "the extent {extent} does not overlap the image {path}",
                                 extent=",".join(f"{v:g}" for v in extent), path=source_path)
        else:
            lonlat = image
        metadata = {"name": Path(source_path).stem, "attribution": raster.attribution or "",
                    "description": tr("由影像 {name} 生成的离线底图（gisdesk basemap）",
                                      "offline base map made from the image {name} (gisdesk basemap)",
                                      name=Path(source_path).name),
                    "date": raster.date}
        return build_mbtiles(out, source, lonlat=lonlat, zooms=zooms, metadata=metadata, tile_format="jpg",
                             feedback=feedback)
    finally:
        source.close()


def basemap_from_layers(project_path, out, extent=None, zooms: tuple[int, int] = DEFAULT_ZOOMS, *,
                        feedback: Feedback | None = None) -> BuildResult:
    """An MBTiles cache of the project's visible vector layers, drawn in their styles (a light base map)."""
    from gisdesk.layers.document import MapDocument
    from gisdesk.render.style import default_style

    feedback = feedback or Feedback()
    project = _open(project_path)
    _refuse_overwriting(out, None, project.path)
    crs = _project_crs(project)
    feedback.set_stage(tr("读取图层", "reading the layers"))
    document = MapDocument.open(project, default_style=default_style)
    shown = [layer for layer in document.layers if layer.visible]
    if extent is None:
        extents = [e for e in (layer.extent() for layer in shown) if e is not None]
        if not extents:
            raise InputError("项目 {path} 没有可见的要素可画", "the project {path} has no visible features to draw",
                             path=project.path)
        extent = (min(e[0] for e in extents), min(e[1] for e in extents), max(e[2] for e in extents),
                  max(e[3] for e in extents))
    lonlat = extent_to_lonlat(extent, crs)
    metadata = {"name": document.name, "attribution": project.setting("attribution"),
                "description": tr("由项目 {name} 的可见矢量图层绘制的离线底图（gisdesk basemap --from-layers）",
                                  "offline base map drawn from the visible vector layers of the project {name} "
                                  "(gisdesk basemap --from-layers)", name=document.name)}
    return build_mbtiles(out, LayerTiles(shown, crs), lonlat=lonlat, zooms=zooms, metadata=metadata,
                         tile_format="png", block=LAYER_BLOCK, feedback=feedback)


def _open(project_path):
    from gisdesk.project import Project

    return Project.open(project_path)


def _project_crs(project) -> CRS:
    if project.crs is None:
        raise InputError("项目 {path} 还没有坐标系（先导入数据），无法解释范围", "the project {path} has no CRS yet "
                         "(import data first): the extent cannot be read", path=project.path)
    return project.crs


def _refuse_overwriting(out, source, project) -> None:
    out = Path(out).resolve()
    for other in (source, project):
        if other is not None and Path(other).resolve() == out:
            raise InputError("输出文件 {out} 就是输入文件：请另选 --out", "the output {out} is an input file: choose "
                             "another --out", out=out)


def _intersection(a, b):
    w, s, e, n = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (w, s, e, n) if w < e and s < n else None


__all__ = ["BuildResult", "LayerTiles", "RasterTiles", "basemap_from_layers", "basemap_from_raster",
           "build_mbtiles", "encode_tile", "ensure_gui", "extent_to_lonlat", "parse_extent", "parse_zooms", "tiles_in"]
