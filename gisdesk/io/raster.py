"""Base map files: open a GeoTIFF (any GDAL raster) or an MBTiles cache and read views of it.

`open_raster(path)` looks at the file's first bytes: SQLite → gisdesk.io.mbtiles, anything else
→ GDAL through rasterio. `RasterSource.read(extent, width, height, crs)` returns the RGBA picture
of a view: only the window of the file under the view is read, from the overview level whose
resolution is the coarsest at most 1.2 times the view's pixel, averaged down to the view's
resolution while read, then warped to the view's CRS (nearest, a pixel per view pixel).
Each thread reads through a dataset handle of its own (a GDAL handle is not thread safe).

`build_overviews(path, feedback)` adds internal overviews (2, 4, 8, … until a level is under 256 px
on both sides) to a GeoTIFF: the first level, then the others, reporting progress between them.
"""

from __future__ import annotations

import math
import re
import threading
from pathlib import Path

import numpy as np

from gisdesk.errors import InputError
from gisdesk.io.raster_common import RasterSource, empty_rgba, parse_date, to_pyproj, warp_rgba

__all__ = ["RasterSource", "GdalRasterSource", "open_raster", "build_overviews", "overview_factors",
           "date_from_tags", "date_from_name", "parse_date"]

SQLITE_MAGIC = b"SQLite format 3\x00"
TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
OVERVIEW_MIN_SIDE = 256  # build_overviews stops at the first level under this on both sides
OVERSAMPLING = 1.2  # an overview is read for a view whose pixels are at least 1/1.2 of the overview's


def open_raster(path) -> RasterSource:
    """Open a base map file by its content: an MBTiles cache or any raster GDAL reads."""
    path = Path(path)
    head = _head(path)
    if head.startswith(SQLITE_MAGIC):
        from gisdesk.io.mbtiles import MBTilesSource

        return MBTilesSource(path)
    return GdalRasterSource(path, head=head)


def _head(path: Path) -> bytes:
    if not path.exists():
        raise InputError("找不到栅格文件 {path}", "raster file not found: {path}", path=str(path))
    if path.is_dir():
        raise InputError("{path} 是文件夹，不是栅格文件", "{path} is a folder, not a raster file", path=str(path))
    try:
        with path.open("rb") as f:
            return f.read(16)
    except OSError as exc:
        raise InputError("无法读取栅格文件 {path}：{why}", "cannot read the raster file {path}: {why}",
                         path=str(path), why=exc.strerror or str(exc)) from exc


def _rio_reason(exc: Exception) -> str:
    """GDAL's own words for a failure: rasterio's 'Read failed. See previous exception' names
    the cause (a CPLE error: which band, which block) in __cause__."""
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause).strip() and "previous exception" in str(exc):
        exc = cause
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


class GdalRasterSource(RasterSource):
    """A raster GDAL reads (GeoTIFF above all): RGB, RGBA, grey, grey + alpha, paletted."""

    provider = "gdal"

    def __init__(self, path, *, head: bytes | None = None):
        import rasterio
        from rasterio.errors import RasterioError

        self.path = Path(path)
        head = _head(self.path) if head is None else head
        try:
            ds = rasterio.open(self.path)
        except RasterioError as exc:
            if head.startswith(TIFF_MAGICS):
                raise InputError("栅格文件 {path} 已损坏，无法打开（{why}）",
                                 "the raster file {path} is damaged and cannot be opened ({why})",
                                 path=str(self.path), why=_rio_reason(exc)) from exc
            raise InputError("{path} 不是可读的栅格文件（GDAL 无法识别其格式）",
                             "{path} is not a raster file GDAL can read (format not recognised)",
                             path=str(self.path)) from exc
        try:  # a file cut off after its header opens; its first block does not read
            from rasterio.windows import Window

            ds.read(1, window=Window(0, 0, 1, 1))
        except RasterioError as exc:
            ds.close()
            raise InputError("栅格文件 {path} 已损坏，无法读取（{why}）",
                             "the raster file {path} is damaged and cannot be read ({why})",
                             path=str(self.path), why=_rio_reason(exc)) from exc
        self._lock = threading.Lock()
        self._local = threading.local()
        self._handles: list = [ds]
        self._local.handles = {-1: ds}
        try:
            self._describe(ds)
        except BaseException:
            self.close()
            raise

    def _describe(self, ds) -> None:
        from rasterio.enums import ColorInterp

        if ds.crs is None or not ds.crs.to_wkt():
            raise InputError("{path} 没有坐标系（不是带地理参考的栅格），无法作为底图",
                             "{path} has no coordinate reference system (not georeferenced): it cannot be a base map",
                             path=str(self.path))
        if ds.count < 1 or ds.width < 1 or ds.height < 1:
            raise InputError("{path} 中没有栅格波段", "{path} holds no raster band", path=str(self.path))
        # a rotated geotransform (rare in orthophotos): read() takes whole levels, the warp places them
        self._rotated = ds.transform.b != 0 or ds.transform.d != 0
        self.crs = to_pyproj(ds.crs)
        self.bounds = tuple(float(v) for v in ds.bounds)
        self.width, self.height, self.count = ds.width, ds.height, ds.count
        self.transform = ds.transform
        self.dtype = ds.dtypes[0]
        self.resolution = (math.hypot(ds.transform.a, ds.transform.d), math.hypot(ds.transform.b, ds.transform.e))
        self.factors = overview_factors(ds)
        self.date = date_from_tags(ds)
        tags = ds.tags()
        self.attribution = (tags.get("TIFFTAG_COPYRIGHT") or tags.get("COPYRIGHT") or tags.get("ATTRIBUTION") or "").strip()
        interp = list(ds.colorinterp)
        self._alpha = interp.index(ColorInterp.alpha) + 1 if ColorInterp.alpha in interp else None
        if all(c in interp for c in (ColorInterp.red, ColorInterp.green, ColorInterp.blue)):
            self._rgb = [interp.index(c) + 1 for c in (ColorInterp.red, ColorInterp.green, ColorInterp.blue)]
        elif ds.count >= 3 and ds.count - (self._alpha is not None) >= 3:
            self._rgb = [i for i in range(1, ds.count + 1) if i != self._alpha][:3]
        else:
            self._rgb = None
        self._palette = None
        if self._rgb is None:
            self._grey = next(i for i in range(1, ds.count + 1) if i != self._alpha)
            if interp[self._grey - 1] == ColorInterp.palette:
                try:
                    colormap = ds.colormap(self._grey)
                except ValueError:
                    colormap = None
                if colormap:
                    lut = np.zeros((256, 4), dtype=np.uint8)
                    for k, rgba in colormap.items():
                        if 0 <= k < 256:
                            lut[k] = rgba
                    self._palette = lut
        self._stretch = None  # (lo, hi) for data that is not 8-bit, found at the first read
        from rasterio.enums import MaskFlags

        self._all_valid = all(flags == [MaskFlags.all_valid] for flags in ds.mask_flag_enums)

    # --- reading -----------------------------------------------------------------------------

    def _handle(self, level: int):
        """This thread's dataset at an overview level (-1: full resolution)."""
        import rasterio

        handles = getattr(self._local, "handles", None)
        if handles is None:
            handles = self._local.handles = {}
        ds = handles.get(level)
        if ds is None:
            if level < 0:
                ds = rasterio.open(self.path)
            else:
                ds = rasterio.open(self.path, OVERVIEW_LEVEL=str(level))
            handles[level] = ds
            with self._lock:
                self._handles.append(ds)
        return ds

    def overviews(self) -> list[int]:
        """The file's overview factors when it was opened (2, 4, 8, …; [] when it has none)."""
        return list(self.factors)

    def level_for(self, resolution: float) -> int:
        """The overview level (index into `factors`, -1 for full resolution) to read at
        `resolution` (file CRS units per view pixel): the coarsest whose pixels are at most
        OVERSAMPLING times the view's (as GDAL does: a barely softer picture for a level that
        reads a quarter of the pixels)."""
        base = min(self.resolution)
        level = -1
        for i, factor in enumerate(self.factors):
            if base * factor <= resolution * OVERSAMPLING:
                level = i
        return level

    @property
    def last_read(self) -> dict | None:
        """What this thread's last read() read: level, factor, window (col, row, w, h) and the
        shape read — for tests and benchmarks."""
        return getattr(self._local, "last_read", None)

    def read(self, extent, width: int, height: int, crs, *, cancelled=lambda: False) -> np.ndarray:
        from rasterio.errors import RasterioError
        from rasterio.windows import Window, from_bounds

        width, height = int(width), int(height)
        self._local.last_read = None
        if width <= 0 or height <= 0:
            return empty_rgba(max(width, 0), max(height, 0))
        dst_crs = to_pyproj(crs)
        found = self._view_box(extent, width, height, dst_crs)
        if found is None:
            return empty_rgba(width, height)
        box, needed = found  # needed: file units per view pixel
        bx0, by0, bx1, by1 = self.bounds
        x0, y0, x1, y1 = max(box[0], bx0), max(box[1], by0), min(box[2], bx1), min(box[3], by1)
        if x0 >= x1 or y0 >= y1:
            return empty_rgba(width, height)
        level = self.level_for(needed)
        factor = self.factors[level] if level >= 0 else 1
        if cancelled():
            return empty_rgba(width, height)
        try:
            ds = self._handle(level)
            if self._rotated:
                col0, row0, col1, row1 = 0, 0, ds.width, ds.height
            else:
                win = from_bounds(x0, y0, x1, y1, transform=ds.transform)
                col0 = max(int(math.floor(win.col_off)) - 1, 0)
                row0 = max(int(math.floor(win.row_off)) - 1, 0)
                col1 = min(int(math.ceil(win.col_off + win.width)) + 1, ds.width)
                row1 = min(int(math.ceil(win.row_off + win.height)) + 1, ds.height)
            if col1 <= col0 or row1 <= row0:
                return empty_rgba(width, height)
            window = Window(col0, row0, col1 - col0, row1 - row0)
            level_res = min(math.hypot(ds.transform.a, ds.transform.d), math.hypot(ds.transform.b, ds.transform.e))
            ratio = needed / level_res  # > 1: the level is finer than the view; average while reading
            shape = (window.height, window.width)
            if ratio >= OVERSAMPLING:
                shape = (max(1, math.ceil(window.height / ratio)), max(1, math.ceil(window.width / ratio)))
            bands = self._read_rgba(ds, window, shape)
        except RasterioError as exc:
            raise InputError("读取栅格文件 {path} 失败（文件可能已损坏）：{why}",
                             "reading the raster file {path} failed (the file may be damaged): {why}",
                             path=str(self.path), why=_rio_reason(exc)) from exc
        self._local.last_read = {"level": level, "factor": factor, "window": (col0, row0, window.width, window.height),
                                 "shape": shape}
        if cancelled():
            return empty_rgba(width, height)
        src_transform = ds.window_transform(window) @ _scale(window.width / shape[1], window.height / shape[0])
        return warp_rgba(bands, src_transform, self.crs, extent, width, height, dst_crs)

    def _read_rgba(self, ds, window, shape) -> np.ndarray:
        """The window as (h, w, 4) RGBA at `shape` (averaged when smaller than the window)."""
        from rasterio.enums import Resampling

        shape = tuple(shape)
        smaller = shape != (window.height, window.width)
        resampling = Resampling.average if smaller else Resampling.nearest
        kw = {"window": window, "out_shape": shape, "resampling": resampling}
        out = np.empty(shape + (4,), dtype=np.uint8)
        if self._rgb is not None:
            rgb = ds.read(self._rgb, window=window, out_shape=(3,) + shape, resampling=resampling)
            out[..., :3] = self._to_byte(rgb).transpose(1, 2, 0)
        else:
            if self._palette is not None:  # class indices are not averaged
                grey = ds.read(self._grey, window=window, out_shape=shape, resampling=Resampling.nearest)
                out[:] = self._palette[grey.astype(np.intp) & 255] if grey.dtype == np.uint8 else \
                    self._palette[np.clip(grey, 0, 255).astype(np.intp)]
            else:
                out[..., :3] = self._to_byte(ds.read(self._grey, **kw))[..., None]
        if self._alpha is not None:
            alpha = ds.read(self._alpha, **kw)
            out[..., 3] = alpha if alpha.dtype == np.uint8 else self._to_byte(alpha)
        elif self._all_valid:
            if self._palette is None:
                out[..., 3] = 255
        else:
            mask = ds.dataset_mask(window=window, out_shape=shape, resampling=resampling)
            out[..., 3] = mask if self._palette is None else np.minimum(out[..., 3], mask)
        return out

    def _to_byte(self, data: np.ndarray) -> np.ndarray:
        if data.dtype == np.uint8:
            return data
        if self._stretch is None:
            self._stretch = self._find_stretch()
        lo, hi = self._stretch
        scaled = (data.astype(np.float64) - lo) * (255.0 / (hi - lo if hi > lo else 1.0))
        return np.clip(np.nan_to_num(scaled), 0, 255).astype(np.uint8)

    def _find_stretch(self) -> tuple[float, float]:
        """The 2 %–98 % range of the valid values of a small read of the whole file (for 16-bit
        imagery and elevations: shown in grey stretched over it)."""
        ds = self._handle(len(self.factors) - 1 if self.factors else -1)
        side = 512
        shape = (max(1, min(ds.height, side)), max(1, min(ds.width, side)))
        bands = self._rgb or [self._grey]
        data = ds.read(bands, out_shape=(len(bands),) + shape, masked=True)
        values = data.compressed() if np.ma.isMaskedArray(data) else data.ravel()
        values = values[np.isfinite(values)] if values.dtype.kind == "f" else values
        if values.size == 0:
            return 0.0, 255.0
        lo, hi = np.percentile(values, [2, 98])
        return float(lo), float(hi)

    def close(self) -> None:
        with self._lock:
            handles, self._handles = self._handles, []
        for ds in handles:
            try:
                ds.close()
            except Exception:  # closing twice or a handle GDAL already dropped: nothing left to free
                continue
        self._local = threading.local()


def _scale(sx: float, sy: float):
    from affine import Affine

    return Affine.scale(sx, sy)


def overview_factors(ds) -> list[int]:
    """The decimation factors of a dataset's overviews (same for every band: band 1's)."""
    return sorted(ds.overviews(1))


# --- dates ---------------------------------------------------------------------------------------

_DATE_TAGS = ("TIFFTAG_DATETIME", "ACQUISITIONDATETIME", "ACQUISITION_DATETIME", "ACQUISITIONDATE",
              "ACQUISITION_DATE", "DATE_ACQUIRED", "IMAGE_DATE", "IMAGEDATE", "DATE", "DATETIME")
def date_from_tags(ds) -> str | None:
    """The acquisition date a GDAL dataset's metadata gives (TIFF tag, imagery metadata), or None."""
    domains = [None]
    try:
        domains += [d for d in (ds.tag_namespaces() or []) if d in ("IMAGERY", "IMAGE_STRUCTURE") or d == ""]
    except Exception:  # a driver without metadata domains: the default domain is all there is
        domains = [None]
    for ns in domains:
        try:
            tags = {k.upper(): v for k, v in (ds.tags(ns=ns) if ns else ds.tags()).items()}
        except Exception:  # this domain cannot be read: try the next
            continue
        for key in _DATE_TAGS:
            if key in tags:
                date = parse_date(tags[key])
                if date:
                    return date
    return None


def date_from_name(path) -> str | None:
    """A year written in the file's name as a word of its own ('3420B_2010_328_RGB' → '2010'), or None.

    Not used by open_raster (a name is not metadata): offered as a suggestion when a base map
    is added, for the user to confirm.
    """
    stem = Path(path).stem
    years = re.findall(r"(?:^|[_\-\s.])((?:19|20)\d\d)(?=$|[_\-\s.])", stem)
    return years[0] if len(years) == 1 else None


# --- overviews -----------------------------------------------------------------------------------

def build_overviews(path, feedback=None) -> int:
    """Add internal overviews 2, 4, 8, … (until a level is under 256 px on both sides) to a GeoTIFF,
    averaged, with progress; Cancel after the first level keeps it (the file stays readable).
    Returns the number of levels the file has afterwards."""
    import os

    import rasterio
    from rasterio.enums import Resampling
    from rasterio.errors import RasterioError

    from gisdesk.i18n import tr

    path = Path(path)
    head = _head(path)
    if head.startswith(SQLITE_MAGIC):
        raise InputError("{path} 是 MBTiles 瓦片包：它的各级缩放已是概览，无需生成",
                         "{path} is an MBTiles cache: its zoom levels are its overviews already", path=str(path))
    if not os.access(path, os.W_OK):
        raise InputError("{path} 是只读文件，无法在其中生成概览（请复制一份可写的文件，或修改文件权限）",
                         "{path} is read-only: overviews cannot be added to it (copy it to a writable file or "
                         "change its permissions)", path=str(path))
    GdalRasterSource(path, head=head).close()  # the same refusals as opening it (not a raster, no CRS)
    try:
        with rasterio.open(path) as ds:
            existing = overview_factors(ds)
            width, height = ds.width, ds.height
            driver = ds.driver
    except RasterioError as exc:
        raise InputError("栅格文件 {path} 已损坏，无法打开（{why}）", "the raster file {path} is damaged and cannot "
                         "be opened ({why})", path=str(path), why=_rio_reason(exc)) from exc
    if driver != "GTiff":
        raise InputError("只能在 GeoTIFF 中生成内部概览，{path} 的格式是 {driver}",
                         "internal overviews can only be added to a GeoTIFF; {path} is {driver}",
                         path=str(path), driver=driver)
    factors = []
    factor = 2
    while max(width, height) >= OVERVIEW_MIN_SIDE:  # down to the first level that fits in a 256 px tile
        factors.append(factor)
        if math.ceil(width / factor) < OVERVIEW_MIN_SIDE and math.ceil(height / factor) < OVERVIEW_MIN_SIDE:
            break
        factor *= 2
    todo = [f for f in factors if f not in existing]
    if feedback is not None:
        feedback.set_stage(tr("生成概览", "building overviews"))
        feedback.set_progress(0.0)
    # Two GDAL calls: the first level (it reads the whole image: about 60 % of the time), then all
    # the others at once (GDAL derives each from the one before). One call per level would read
    # the full image again for each (2.5 times as long); one call for all would leave no point
    # between to report progress and to stop at. A cancel waits for the call under way to end:
    # run this in a thread, never in a process that may be killed (a GeoTIFF killed while its
    # overviews are written is damaged).
    stages = [todo[:1], todo[1:]] if len(todo) > 1 and todo[0] == 2 else [todo]
    weights = [0.6, 0.4] if len(stages) == 2 else [1.0]
    done = 0.0
    for levels, weight in zip(stages, weights):
        if not levels:
            continue
        try:
            with rasterio.Env(GDAL_TIFF_OVR_BLOCKSIZE=256, COMPRESS_OVERVIEW=_overview_compression(path)):
                with rasterio.open(path, "r+") as ds:
                    ds.build_overviews(levels, Resampling.average)
        except RasterioError as exc:
            raise InputError("无法在 {path} 中生成概览：{why}", "cannot add overviews to {path}: {why}",
                             path=str(path), why=_rio_reason(exc)) from exc
        done += weight
        if feedback is not None:
            feedback.set_progress(done)
    with rasterio.open(path) as ds:
        return len(overview_factors(ds))


def _overview_compression(path: Path) -> str:
    import rasterio

    with rasterio.open(path) as ds:
        compression = ds.compression.name.upper() if ds.compression else "NONE"
    return {"JPEG": "JPEG", "DEFLATE": "DEFLATE", "LZW": "LZW", "WEBP": "WEBP"}.get(compression, "DEFLATE")
