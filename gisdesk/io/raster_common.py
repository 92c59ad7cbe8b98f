"""What the two kinds of base map sources share: the RasterSource shape and the warp into a view.

gisdesk.io.raster (GeoTIFF and other GDAL rasters) and gisdesk.io.mbtiles (tile caches) both
subclass RasterSource here, so that neither imports the other's module.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from pyproj import CRS


def to_pyproj(crs) -> CRS:
    """A pyproj CRS from a pyproj CRS, a rasterio CRS, an EPSG code or any pyproj-readable text."""
    if isinstance(crs, CRS):
        return crs
    if hasattr(crs, "to_wkt"):  # rasterio.crs.CRS
        return CRS.from_wkt(crs.to_wkt())
    return CRS.from_user_input(crs)


def to_rasterio(crs):
    from rasterio.crs import CRS as RioCRS

    if isinstance(crs, RioCRS):
        return crs
    return RioCRS.from_wkt(to_pyproj(crs).to_wkt())


def transform_extent(extent, src_crs, dst_crs, densify: int = 21) -> tuple[float, float, float, float]:
    """The box around `extent` (xmin, ymin, xmax, ymax in src_crs) in dst_crs, edges densified."""
    from rasterio.warp import transform_bounds

    src, dst = to_pyproj(src_crs), to_pyproj(dst_crs)
    if src == dst:
        return tuple(float(v) for v in extent)
    return tuple(float(v) for v in transform_bounds(to_rasterio(src), to_rasterio(dst), *extent,
                                                    densify_pts=densify))


def empty_rgba(width: int, height: int) -> np.ndarray:
    return np.zeros((height, width, 4), dtype=np.uint8)


def warp_rgba(bands: np.ndarray, src_transform, src_crs, extent, width: int, height: int, dst_crs,
              *, resampling=None) -> np.ndarray:
    """Warp a (4, h, w) uint8 RGBA array placed by `src_transform` in `src_crs` into the
    (height, width, 4) picture of `extent` in `dst_crs`; outside the source alpha stays 0."""
    from rasterio.enums import Resampling
    from rasterio.transform import from_bounds
    from rasterio.warp import reproject

    out = np.zeros((4, height, width), dtype=np.uint8)
    reproject(np.ascontiguousarray(bands), out, src_transform=src_transform, src_crs=to_rasterio(src_crs),
              dst_transform=from_bounds(*extent, width, height), dst_crs=to_rasterio(dst_crs),
              resampling=resampling if resampling is not None else Resampling.nearest,
              src_nodata=None, dst_nodata=None, init_dest_nodata=False, num_threads=1)
    return np.ascontiguousarray(out.transpose(1, 2, 0))


_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:[-:/.年]?(0[1-9]|1[0-2])(?:[-:/.月]?(0[1-9]|[12]\d|3[01]))?)?(?!\d)")


def parse_date(text: str) -> str | None:
    """'2010:05:12 10:00:00' → '2010-05-12', '2019-06' → '2019-06', '2010' → '2010'."""
    m = _DATE_RE.search(str(text or ""))
    if not m:
        return None
    return "-".join(part for part in m.groups() if part)


class RasterSource:
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

    def read(self, extent, width: int, height: int, crs, *, cancelled=lambda: False) -> np.ndarray:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.provider} {self.path}>"
