"""What the two kinds of base map sources share: the RasterSource shape and the warp into a view.

gisdesk.io.raster (GeoTIFF and other GDAL rasters) and gisdesk.io.mbtiles (tile caches) both
subclass RasterSource here, so that neither imports the other's module.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
import threading
from pathlib import Path

import numpy as np
from pyproj import CRS


_local = threading.local()


def to_pyproj(crs) -> CRS:
    """This thread's own pyproj CRS for a pyproj CRS, a rasterio CRS, an EPSG code or any
    pyproj-readable text. A pyproj CRS is bound to the PROJ context of the thread that made it
    and may crash when used from another (the canvas reads in a render thread a source opened on
    the GUI thread): the CRS is made again in this thread from its text, once per thread."""
    if isinstance(crs, CRS):
        key = crs.srs  # a plain string attribute: no PROJ call on the other thread's object
    elif hasattr(crs, "to_wkt"):  # rasterio.crs.CRS
        key = crs.to_wkt()
    else:
        key = crs
    cache = getattr(_local, "crs", None)
    if cache is None:
        cache = _local.crs = {}
    made = cache.get(key)
    if made is None:
        if len(cache) > 64:
            cache.clear()
        made = cache[key] = CRS.from_user_input(key)
    return made


def to_rasterio(crs):
    from rasterio.crs import CRS as RioCRS

    if isinstance(crs, RioCRS):
        return crs
    return RioCRS.from_wkt(to_pyproj(crs).to_wkt())


def same_crs(a, b) -> bool:
    a, b = to_pyproj(a), to_pyproj(b)
    return a is b or a.srs == b.srs or a == b


def transform_extent(extent, src_crs, dst_crs, densify: int = 21) -> tuple[float, float, float, float]:
    """The box around `extent` (xmin, ymin, xmax, ymax in src_crs) in dst_crs, edges densified."""
    src, dst = to_pyproj(src_crs), to_pyproj(dst_crs)
    if same_crs(src, dst):
        return tuple(float(v) for v in extent)
    return tuple(float(v) for v in _transformer(src, dst).transform_bounds(*extent, densify_pts=densify))


def empty_rgba(width: int, height: int) -> np.ndarray:
    return np.zeros((height, width, 4), dtype=np.uint8)


GRID_STEP = 16  # view pixels between the points transformed exactly; linear in between (as GDAL's approximation)
_transformers = threading.local()


def _transformer(src: CRS, dst: CRS):
    """A cached pyproj Transformer of this thread (Transformer objects are not shared between threads)."""
    from pyproj import Transformer

    cache = getattr(_transformers, "cache", None)
    if cache is None:
        cache = _transformers.cache = {}
    src, dst = to_pyproj(src), to_pyproj(dst)
    key = (src.srs, dst.srs)
    t = cache.get(key)
    if t is None:
        if len(cache) > 32:
            cache.clear()
        t = cache[key] = Transformer.from_crs(src, dst, always_xy=True)
    return t


def _coarse_grid(src_transform, src_crs, extent, width: int, height: int, dst_crs):
    """Source columns and rows (float64, (len(vs), len(us))) of the view pixel centres at columns
    `us` and rows `vs` (every GRID_STEP-th and the last); NaN where there are no source coordinates."""
    src, dst = to_pyproj(src_crs), to_pyproj(dst_crs)
    xmin, ymin, xmax, ymax = extent
    px, py = (xmax - xmin) / width, (ymax - ymin) / height
    us = np.unique(np.r_[np.arange(0, width, GRID_STEP), width - 1]).astype(np.float64)
    vs = np.unique(np.r_[np.arange(0, height, GRID_STEP), height - 1]).astype(np.float64)
    gx, gy = np.meshgrid(xmin + (us + 0.5) * px, ymax - (vs + 0.5) * py)
    if not same_crs(src, dst):
        with np.errstate(all="ignore"):
            gx, gy = _transformer(dst, src).transform(gx, gy, errcheck=False)
        bad = ~(np.isfinite(gx) & np.isfinite(gy))
        gx[bad], gy[bad] = np.nan, np.nan
    inv = ~src_transform
    return inv.a * gx + inv.b * gy + inv.c, inv.d * gx + inv.e * gy + inv.f, us, vs


def _across(coarse: np.ndarray, us: np.ndarray, width: int) -> np.ndarray:
    """Coarse rows known at columns `us`, linearly to every column: (len(vs), width) float32."""
    if len(us) == 1:
        return np.repeat(coarse[:, :1], width, axis=1).astype(np.float32)
    u = np.arange(width, dtype=np.float64)
    i = np.minimum(np.searchsorted(us, u, side="right") - 1, len(us) - 2)
    t = ((u - us[i]) / (us[i + 1] - us[i]))[None, :]
    return (coarse[:, i] * (1 - t) + coarse[:, i + 1] * t).astype(np.float32)


def source_pixel_grid(src_transform, src_crs, extent, width: int, height: int, dst_crs):
    """For each pixel centre of the (height, width) picture of `extent` in `dst_crs`: its column
    and row (float32) in the source array placed by `src_transform` in `src_crs`. Exact at every
    GRID_STEP-th pixel and the last, bilinear in between (as GDAL's approximate transformer);
    NaN where the point has no source coordinates."""
    cols, rows, us, vs = _coarse_grid(src_transform, src_crs, extent, width, height, dst_crs)
    ca, ra = _across(cols, us, width), _across(rows, us, width)
    out_c = np.empty((height, width), np.float32)
    out_r = np.empty((height, width), np.float32)
    for j, (top, bottom, t) in enumerate(_bands(vs, height)):
        out_c[top:bottom] = ca[j] + t * (ca[j + 1] - ca[j]) if t is not None else ca[j]
        out_r[top:bottom] = ra[j] + t * (ra[j + 1] - ra[j]) if t is not None else ra[j]
    return out_c, out_r


def _bands(vs: np.ndarray, height: int):
    """(top, bottom, t) for the runs of view rows between coarse rows j and j + 1 (t: (n, 1) weights
    of row j + 1; None when there is one coarse row)."""
    if len(vs) == 1:
        yield 0, height, None
        return
    for j in range(len(vs) - 1):
        top, bottom = int(vs[j]), int(vs[j + 1]) + (1 if j == len(vs) - 2 else 0)
        t = ((np.arange(top, bottom, dtype=np.float32) - vs[j]) / (vs[j + 1] - vs[j]))[:, None]
        yield top, bottom, t


def warp_rgba(pixels: np.ndarray, src_transform, src_crs, extent, width: int, height: int, dst_crs) -> np.ndarray:
    """The (height, width, 4) picture of `extent` in `dst_crs` from a (h, w, 4) uint8 RGBA array
    placed by `src_transform` (an Affine, pixel corners) in `src_crs`: each view pixel takes the
    source pixel under its centre (nearest: callers bring the source to about the view's
    resolution first); outside the source everything is 0. Done a band of GRID_STEP rows at a
    time (the band's arrays stay in the CPU cache): 3-4 times faster than GDAL's warper here."""
    out = np.zeros((height, width, 4), dtype=np.uint8)
    h, w = pixels.shape[:2]
    if h == 0 or w == 0 or width == 0 or height == 0:
        return out
    cols, rows, us, vs = _coarse_grid(src_transform, src_crs, extent, width, height, dst_crs)
    ca, ra = _across(cols, us, width), _across(rows, us, width)
    flat = np.ascontiguousarray(pixels).view(np.uint32).reshape(-1)
    dest = out.view(np.uint32).reshape(height, width)
    for j, (top, bottom, t) in enumerate(_bands(vs, height)):
        if t is None:
            c, r = np.broadcast_to(ca[j], (bottom - top, width)), np.broadcast_to(ra[j], (bottom - top, width))
        else:
            c = ca[j] + t * (ca[j + 1] - ca[j])
            r = ra[j] + t * (ra[j + 1] - ra[j])
        with np.errstate(invalid="ignore"):
            valid = (c >= 0) & (c < w) & (r >= 0) & (r < h)
        if valid.all():
            dest[top:bottom] = flat[r.astype(np.intp) * w + c.astype(np.intp)]
        elif valid.any():
            dest[top:bottom][valid] = flat[r[valid].astype(np.intp) * w + c[valid].astype(np.intp)]
    return out


def warp_rgba_gdal(pixels: np.ndarray, src_transform, src_crs, extent, width: int, height: int, dst_crs,
                   *, resampling=None) -> np.ndarray:
    """The same by GDAL's warper (rasterio.warp.reproject): slower (70 ms nearest, 220 ms
    bilinear for a 1366 x 768 view); kept as the reference the tests compare warp_rgba with."""
    from rasterio.enums import Resampling
    from rasterio.transform import from_bounds
    from rasterio.warp import reproject

    out = np.zeros((4, height, width), dtype=np.uint8)
    reproject(np.ascontiguousarray(pixels.transpose(2, 0, 1)), out, src_transform=src_transform,
              src_crs=to_rasterio(src_crs), dst_transform=from_bounds(*extent, width, height),
              dst_crs=to_rasterio(dst_crs), resampling=resampling if resampling is not None else Resampling.nearest,
              src_nodata=None, dst_nodata=None, init_dest_nodata=False, num_threads=1)
    return np.ascontiguousarray(out.transpose(1, 2, 0))


def downsample(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """A (h, w, 4) RGBA array resized to (height, width, 4) by averaging (pillow, alpha weighted)."""
    from PIL import Image

    if pixels.shape[1] == width and pixels.shape[0] == height:
        return pixels
    with Image.fromarray(np.ascontiguousarray(pixels), "RGBA") as image:
        return np.asarray(image.resize((max(width, 1), max(height, 1)), Image.Resampling.BOX))


_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:[-:/.年]?(0[1-9]|1[0-2])(?:[-:/.月]?(0[1-9]|[12]\d|3[01]))?)?(?!\d)")


def parse_date(text: str) -> str | None:
    """'2010:05:12 10:00:00' → '2010-05-12', '2019-06' → '2019-06', '2010' → '2010'."""
    m = _DATE_RE.search(str(text or ""))
    if not m:
        return None
    return "-".join(part for part in m.groups() if part)


class RasterSource(ABC):
    """A base map file opened for reading views of it (see docs: COMMON10 'Reading rasters').

    read(extent, width, height, crs) returns (height, width, 4) uint8 RGBA, straight alpha,
    alpha 0 where the file has no data. Subclasses set the attributes and implement read().
    """

    path: Path
    provider: str
    crs: CRS
    bounds: tuple[float, float, float, float]
    date: str | None = None
    attribution: str = ""

    def extent_in(self, crs) -> tuple[float, float, float, float]:
        """The file's bounds as a box in another CRS."""
        return transform_extent(self.bounds, self.crs, crs)

    @abstractmethod
    def read(self, extent, width: int, height: int, crs, *, cancelled=lambda: False) -> np.ndarray:
        """The picture of `extent` (in `crs`) at width x height pixels: (height, width, 4) uint8 RGBA."""

    def _view_box(self, extent, width: int, height: int, dst_crs):
        """The part of the view the file covers, as a box in the file's CRS, and the size of a
        view pixel in file units; None when the view misses the file. The view is cut to the
        file's extent in the view's CRS first, so that a view much larger than the file (a whole
        country around a town's photo) is not transformed where the file's CRS has no sense."""
        vx0, vy0, vx1, vy1 = (float(v) for v in extent)
        if not (vx1 > vx0 and vy1 > vy0):
            return None
        cut = (vx0, vy0, vx1, vy1)
        try:
            fx0, fy0, fx1, fy1 = self._extent_in_cached(dst_crs)
            if all(map(math.isfinite, (fx0, fy0, fx1, fy1))):
                cut = (max(vx0, fx0), max(vy0, fy0), min(vx1, fx1), min(vy1, fy1))
                if cut[0] >= cut[2] or cut[1] >= cut[3]:
                    return None
        except Exception:  # the file's extent has no box in the view's CRS: transform the view instead
            pass  # (the whole view is transformed below)
        try:
            box = transform_extent(cut, dst_crs, self.crs)
        except Exception:  # the view lies where the file's CRS has no coordinates
            return None
        if not all(map(math.isfinite, box)) or box[2] <= box[0] or box[3] <= box[1]:
            return None
        cut_w = max(width * (cut[2] - cut[0]) / (vx1 - vx0), 1e-6)
        cut_h = max(height * (cut[3] - cut[1]) / (vy1 - vy0), 1e-6)
        return box, min((box[2] - box[0]) / cut_w, (box[3] - box[1]) / cut_h)

    def _extent_in_cached(self, crs):
        key = to_pyproj(crs).srs
        cache = self.__dict__.setdefault("_extent_cache", {})
        if key not in cache:
            if len(cache) > 16:
                cache.clear()
            cache[key] = self.extent_in(crs)
        return cache[key]

    def close(self) -> None:
        pass  # a kind of file that keeps handles open closes them in its own close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.provider} {self.path}>"
