"""CGCS2000 coordinate systems: the geographic CRS and the 3-degree Gauss-Krüger zones.

Analysis and areas happen in the local 3° zone (docs/domain.md §5): zone n = round(lon / 3),
central meridian 3n. gisdesk uses the zone CRSs *without* the zone prefix in the easting
(EPSG:4534 + (CM - 75) / 3), so x/y read like ordinary metres, and labels which one it is.
"""

from __future__ import annotations

import math

from pyproj import CRS

from gisdesk.errors import InputError

CGCS2000_GEOGRAPHIC = 4490
# 3° zones with central meridians 75°E..135°E cover China (EPSG:4534..4554 unprefixed,
# EPSG:4513..4533 with the zone number prefixed to the easting).
_FIRST_CM, _LAST_CM = 75, 135


def gk3_zone(lon: float) -> int:
    """The 3° Gauss-Krüger zone number n of a longitude (central meridian 3n)."""
    return int(math.floor(lon / 3.0 + 0.5))


def gk3_epsg(lon: float, *, prefixed: bool = False) -> int:
    """EPSG code of the CGCS2000 3° GK zone containing `lon` (degrees east)."""
    n = gk3_zone(lon)
    cm = 3 * n
    if not _FIRST_CM <= cm <= _LAST_CM:
        raise InputError(
            "经度 {lon:.4f}° 不在中国的 CGCS2000 3° 高斯-克吕格分带范围内（中央经线 75°E–135°E）："
            "请为项目指定米制坐标系（gisdesk new --crs）",
            "longitude {lon:.4f}° is outside China's CGCS2000 3° Gauss-Krüger zones (central meridians 75°E–135°E): "
            "give the project a metric CRS (gisdesk new --crs)",
            lon=lon,
        )
    return 4513 + (n - 25) if prefixed else 4534 + (cm - 75) // 3


def parse_crs(text: str | int) -> CRS:
    """Read 'EPSG:4549', '4549' or any pyproj-readable CRS string; clear error otherwise."""
    try:
        return CRS.from_user_input(int(text) if str(text).isdigit() else text)
    except Exception as exc:  # pyproj raises CRSError with a technical message
        raise InputError(
            "无法识别的坐标系：{text}（示例：EPSG:4549）",
            "unknown coordinate reference system: {text} (example: EPSG:4549)",
            text=text,
        ) from exc


def crs_label(crs: CRS) -> str:
    """Short label 'EPSG:4549 CGCS2000 / 3-degree Gauss-Kruger CM 120E' for reports."""
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} {crs.name}" if epsg else crs.name


def is_metric_projected(crs: CRS) -> bool:
    return crs.is_projected and all(
        (axis.unit_name or "").startswith("met") for axis in crs.axis_info[:2]
    )
