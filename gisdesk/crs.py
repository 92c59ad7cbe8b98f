"""CGCS2000 coordinate systems: the geographic CRS and the 3-degree Gauss-Krüger zones.

Analysis and areas happen in the local 3° zone (docs/domain.md §5): zone n = round(lon / 3),
central meridian 3n. gisdesk uses the zone CRSs *without* the zone prefix in the easting
(EPSG:4534 + (CM - 75) / 3), so x/y read like ordinary metres, and labels which one it is.
"""

from __future__ import annotations

import math

import numpy as np
from pyproj import CRS, Transformer

from gisdesk.errors import InputError
from gisdesk.i18n import language

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
    """Short label for reports and the window, in the user's language:
    'EPSG:4549 CGCS2000 3度带 高斯-克吕格 中央经线 120°E', in English the EPSG name
    'EPSG:4549 CGCS2000 / 3-degree Gauss-Kruger CM 120E'."""
    key = (crs.srs, language())  # (to_epsg searches PROJ's database: 0.1 ms for an EPSG CRS, 0.25 s for others)
    label = _LABELS.get(key)
    if label is None:
        epsg = crs.to_epsg()
        name = crs_name_zh(crs) if key[1] == "zh" else crs.name
        label = _LABELS[key] = f"EPSG:{epsg} {name}" if epsg else name
    return label


_LABELS: dict[tuple[str, str], str] = {}


def crs_code_name(crs: CRS) -> str:
    """'EPSG:4549 CGCS2000 / 3-degree Gauss-Kruger CM 120E' whatever the language: for files (the
    totals' area_method column), which read the same in every language."""
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} {crs.name}" if epsg else crs.name


# datum names (pyproj's, lower case, as they begin) in Chinese usage
_DATUMS_ZH = (("china 2000", "CGCS2000"), ("china geodetic coordinate system 2000", "CGCS2000"),
              ("world geodetic system 1984", "WGS 84"), ("wgs 84", "WGS 84"), ("wgs_1984", "WGS 84"),
              ("new beijing", "新北京 1954"), ("beijing 1954", "北京 1954"), ("beijing_1954", "北京 1954"),
              ("xian 1980", "西安 1980"), ("xian_1980", "西安 1980"), ("d_beijing", "北京 1954"),
              ("d_xian", "西安 1980"), ("hong kong 1980", "香港 1980"), ("macao 1920", "澳门 1920"),
              ("taiwan datum 1997", "台湾 TWD97"), ("china 2000", "CGCS2000"))


def _datum_zh(crs: CRS) -> str | None:
    names = [crs.datum.name if crs.datum is not None else "", crs.name]
    for name in names:
        low = name.lower()
        for key, zh in _DATUMS_ZH:
            if low.startswith(key) or f"{key} /" in low or low.startswith(key.replace(" ", "_")):
                return zh
    legacy = legacy_datum(crs)
    return {"Beijing 1954": "北京 1954", "Xian 1980": "西安 1980"}.get(legacy) if legacy else None


def _degrees(lon: float) -> str:
    value = f"{abs(lon):.6g}"
    return f"{value}°{'E' if lon >= 0 else 'W'}"


def crs_name_zh(crs: CRS) -> str:
    """The CRS in Chinese: CGCS2000 (and Beijing 1954, Xian 1980) 3° and 6° Gauss-Krüger zones,
    lon/lat, Web Mercator, UTM; any other keeps its own name, said to be projected or lon/lat."""
    datum = _datum_zh(crs)
    name = crs.name or ""
    epsg = crs.to_epsg()
    if epsg and name.lower() in ("", "unknown"):  # a PROJ string that is an EPSG CRS: that CRS's name
        try:
            name = CRS.from_epsg(epsg).name
        except Exception:  # noqa: BLE001
            pass  # an EPSG code pyproj's database lacks: the name stays as given
    if crs.is_geographic:
        if datum:
            return f"{datum} 经纬度"
        return "未命名基准的经纬度" if name.lower() in ("", "unknown") else f"{name}（经纬度）"
    method = (crs.coordinate_operation.method_name or "").lower() if crs.coordinate_operation is not None else ""
    if "pseudo-mercator" in name.lower() or "popular visualisation" in method:
        return f"{datum or 'WGS 84'} Web 墨卡托"
    tm = tm_parameters(crs)
    if tm is not None and "utm zone" in name.lower():
        zone = name.lower().split("utm zone", 1)[1].strip().upper()
        number, hemisphere = zone[:-1], zone[-1:]
        return f"{datum or ''} UTM 第 {number} 带（{'北半球' if hemisphere == 'N' else '南半球'}）".strip()
    if tm is not None and is_gauss_kruger(crs):
        lower = name.lower()
        if "3-degree" in lower:
            width = "3度带 "
        elif "gauss-kruger" in lower or "gauss kruger" in lower:
            width = "6度带 "  # EPSG names the 6° zones 'Gauss-Kruger CM 117E' and 'Gauss-Kruger zone 20'
        else:
            width = ""
        zone = int(tm["x_0"] // 1_000_000)
        prefix = f"第 {zone} 带（东坐标含带号） " if zone >= 1 else ""
        return f"{datum + ' ' if datum else ''}{width}高斯-克吕格 {prefix}中央经线 {_degrees(tm['lon_0'])}"
    if tm is not None:
        what = f"横轴墨卡托 中央经线 {_degrees(tm['lon_0'])}"
        if datum is None and name.lower() not in ("", "unknown"):
            return f"{name}（{what}）"  # a grid of elsewhere: its own name
        return f"{datum + ' ' if datum else ''}{what}"
    if crs.is_geocentric:
        return f"{datum + ' ' if datum else ''}地心坐标系"
    known = next((zh for key, zh in _METHODS_ZH if key in method), None)
    if known:
        return f"{datum + ' ' if datum else ''}{known}"
    if crs.is_projected:
        return "未命名投影坐标系" if name.lower() in ("", "unknown") else f"{name}（投影坐标系）"
    return name


_METHODS_ZH = (("lambert conic conformal", "兰伯特等角圆锥投影"), ("albers", "阿尔伯斯等积圆锥投影"),
               ("mercator", "墨卡托投影"), ("equidistant cylindrical", "等距圆柱投影"))


def is_metric_projected(crs: CRS) -> bool:
    return crs.is_projected and all(
        (axis.unit_name or "").startswith("met") for axis in crs.axis_info[:2]
    )


# --- guessing a CRS from coordinates, and refusing one that cannot be right -----------------------

# China's extent in degrees, a little generous (73.5°E–135.1°E, 3.8°N–53.6°N)
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
# northings (metres from the equator) of China in a Gauss-Krüger zone
_CHINA_NORTHING = (350_000.0, 6_000_000.0)
# in a zone, eastings lie within ~330 km (6° zone, 3° from the CM, at 18°N) of the false easting
_ZONE_HALF_WIDTH = 400_000.0
_AREA_MARGIN_DEG = 2.0  # how far (degrees) outside a CRS's area of use data may lie before it is refused
_PROJECT_FAR_KM = 500.0  # data farther than this from the project zone's central meridian is refused
_KM_PER_DEG = 111.32
# projected coordinates all within 100 km of the grid's origin are a local grid (a CAD drawing, a site
# plan in its own coordinates): they place nothing on the earth to check against an area or a zone
_LOCAL_GRID = 100_000.0


def prefixed_zone_crs(east, north=None) -> CRS | None:
    """CGCS2000 GK CRS of eastings with the zone number prefixed (8 digits), when all agree on the
    zone: 3° zones 25..45 (EPSG:4513..4533), 6° zones 13..23 (EPSG:4491..4501); else None.
    With the northings, a 6° zone is taken only when the points fall in (0.5° around) its area:
    6° zones 13-15 share their eastings with Web Mercator's of eastern China (Shanghai is
    x 13.5e6, y 3.66e6 in EPSG:3857, which zone 13 would put at 33°N, south of its 35.4°N-41.1°N)."""
    east = np.asarray(east, dtype=float)
    if east.size == 0 or not np.isfinite(east).all():
        return None
    zones = np.unique(np.floor(east / 1_000_000))
    if len(zones) != 1 or not 13 <= zones[0] <= 45:
        return None
    zone = int(zones[0])
    if 25 <= zone <= 45:
        return CRS.from_epsg(4513 + zone - 25)  # 3° zones 25..45
    if zone > 23:
        return None  # zone 24: a 3° zone of CM 72°E or a 6° zone of CM 141°E, neither in China
    crs = CRS.from_epsg(4491 + zone - 13)  # 6° zones 13..23
    if north is not None:
        north = np.asarray(north, dtype=float)
        if north.size == 0 or not np.isfinite(north).all():
            return None
        lon, lat = geographic_bounds(crs, float(east.min()), float(north.min()), float(east.max()), float(north.max()))
        area = crs.area_of_use
        if lon is None or max(_outside_deg(lon[0], lon[1], area.west, area.east),
                              _outside_deg(lat[0], lat[1], area.south, area.north)) > 0.5:
            return None
    return crs


def tm_parameters(crs: CRS | None) -> dict | None:
    """{'lon_0', 'lat_0', 'k', 'x_0', 'y_0'} of a metric Transverse Mercator CRS, else None."""
    if crs is None or not crs.is_projected or crs.coordinate_operation is None:
        return None
    op = crs.coordinate_operation
    if "transverse mercator" not in (op.method_name or "").lower() or not is_metric_projected(crs):
        return None
    codes = {"8801": "lat_0", "8802": "lon_0", "8805": "k", "8806": "x_0", "8807": "y_0"}
    values = {codes[p.code]: float(p.value) for p in op.params if p.code in codes}
    return values if len(values) == 5 else None


def is_gauss_kruger(crs: CRS | None) -> bool:
    """A Gauss-Krüger zone CRS: Transverse Mercator on the equator with scale factor 1."""
    tm = tm_parameters(crs)
    return tm is not None and tm["lat_0"] == 0 and tm["k"] == 1 and tm["y_0"] == 0


def guess_crs(xmin: float, ymin: float, xmax: float, ymax: float, *, hint: CRS | None = None) -> CRS | None:
    """The CRS coordinates with these bounds are most likely in, or None:
    lon/lat within China → CGCS2000 geographic (EPSG:4490); 8-digit eastings whose first digits
    are one zone number, with northings of China → that CGCS2000 GK zone (3° zones 25–45, 6° zones
    13–23); 6-digit eastings around 500 000 with northings of China → `hint` (the project's CRS)
    when it is a Gauss-Krüger CRS with false easting 500 000 that puts the data in China; else None."""
    bounds = np.array([xmin, ymin, xmax, ymax], dtype=float)
    if not np.isfinite(bounds).all() or xmin > xmax or ymin > ymax:
        return None
    if CHINA_LON[0] <= xmin and xmax <= CHINA_LON[1] and CHINA_LAT[0] <= ymin and ymax <= CHINA_LAT[1]:
        return CRS.from_epsg(CGCS2000_GEOGRAPHIC)
    if not (_CHINA_NORTHING[0] <= ymin and ymax <= _CHINA_NORTHING[1]):
        return None
    if xmin >= 13_000_000:
        crs = prefixed_zone_crs([xmin, xmax])
        if crs is None:
            return None
        zone_start = np.floor(xmin / 1_000_000) * 1_000_000
        if abs(xmin - zone_start - 500_000) > _ZONE_HALF_WIDTH or abs(xmax - zone_start - 500_000) > _ZONE_HALF_WIDTH:
            return None
        return prefixed_zone_crs([xmin, xmax], [ymin, ymax])
    if abs(xmin - 500_000) <= _ZONE_HALF_WIDTH and abs(xmax - 500_000) <= _ZONE_HALF_WIDTH:
        tm = tm_parameters(hint)
        if tm is None or not is_gauss_kruger(hint) or tm["x_0"] != 500_000:
            return None
        lon, lat = geographic_bounds(hint, xmin, ymin, xmax, ymax)
        if lon is None or not (CHINA_LON[0] <= lon[0] and lon[1] <= CHINA_LON[1]
                               and CHINA_LAT[0] <= lat[0] and lat[1] <= CHINA_LAT[1]):
            return None
        return hint
    return None


def geographic_bounds(crs: CRS, xmin, ymin, xmax, ymax):
    """((lon_min, lon_max), (lat_min, lat_max)) of bounds in `crs`, on its own datum; (None, None)
    when they cannot be transformed."""
    if crs.is_geographic:
        return (xmin, xmax), (ymin, ymax)
    try:
        transformer = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
        with np.errstate(all="ignore"):
            w, s, e, n = transformer.transform_bounds(xmin, ymin, xmax, ymax, densify_pts=21)
    except Exception:  # pyproj raises ProjError for points it cannot project back
        return None, None
    if not np.isfinite([w, s, e, n]).all():
        return None, None
    return (w, e), (s, n)


def _outside_deg(lo, hi, area_lo, area_hi) -> float:
    """How far (degrees) the range [lo, hi] reaches beyond [area_lo, area_hi]."""
    return max(area_lo - lo, hi - area_hi, 0.0)


def implausible(crs: CRS, xmin: float, ymin: float, xmax: float, ymax: float, *,
                project_crs: CRS | None = None) -> tuple[str, str] | None:
    """Why coordinates with these bounds cannot be in `crs` (zh, en), or None when they can:
    degrees declared as metres (a projected CRS, values within ±180/±90 that read as degrees fall in
    China or in the CRS's area of use), metres declared as degrees, 8-digit eastings with their zone
    in a CRS without a zone prefix, far outside the CRS's area of use, or far (> 500 km) from the
    central meridian of the project's zone. Projected coordinates all within 100 km of the origin
    (a local grid: CAD drawings, site plans) are not placed, so not checked."""
    bounds = np.array([xmin, ymin, xmax, ymax], dtype=float)
    if not np.isfinite(bounds).all():
        return None
    label = crs_label(crs)
    fmt = f"({xmin:.6g}, {ymin:.6g}) – ({xmax:.6g}, {ymax:.6g})"
    degrees = max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90
    if crs.is_projected and degrees and (_in_china(xmin, ymin, xmax, ymax) or _in_area(crs, xmin, ymin, xmax, ymax)):
        return (f"坐标范围 {fmt} 是经纬度（度），而声明的坐标系 {label} 以米为单位",
                f"the coordinates {fmt} are degrees of longitude/latitude, but the declared CRS {label} is in metres")
    if crs.is_geographic and not degrees:
        return (f"坐标范围 {fmt} 超出经纬度范围（±180°、±90°），是米制坐标，而声明的坐标系 {label} 是经纬度",
                f"the coordinates {fmt} are beyond ±180°/±90°: metres, but the declared CRS {label} is in degrees")
    zoned = prefixed_zone_crs([xmin, xmax]) if xmin >= 13_000_000 else None
    tm = tm_parameters(crs)
    if zoned is not None and tm is not None and tm["x_0"] < 1_000_000:
        zone = int(xmin // 1_000_000)
        return (f"坐标范围 {fmt} 的 8 位东坐标带带号 {zone}（{crs_label(zoned)}），而声明的坐标系 {label} 不带带号",
                f"the coordinates {fmt} have 8-digit eastings carrying zone {zone} ({crs_label(zoned)}), but the "
                f"declared CRS {label} has no zone prefix")
    if crs.is_projected and max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)) <= _LOCAL_GRID:
        return None  # a local grid near the origin (a CAD drawing, a site plan): not placed anywhere to check
    lon, lat = geographic_bounds(crs, xmin, ymin, xmax, ymax)
    if lon is None:
        return (f"坐标范围 {fmt} 在声明的坐标系 {label} 中无法换算为经纬度",
                f"the coordinates {fmt} cannot be converted to longitude/latitude in the declared CRS {label}")
    area = crs.area_of_use
    if area is not None and area.west <= area.east:  # (an area across the antimeridian is not checked)
        # a Gauss-Krüger zone's area of use is its strip of mainland China (EPSG:4550 stops north of
        # Taiwan, which is drawn in it): for Transverse Mercator only the longitude is compared
        d_lat = 0.0 if tm is not None else _outside_deg(lat[0], lat[1], area.south, area.north)
        far = max(_outside_deg(lon[0], lon[1], area.west, area.east), d_lat)
        if far > _AREA_MARGIN_DEG:
            return (f"坐标范围 {fmt} 落在经度 {lon[0]:.2f}°–{lon[1]:.2f}°、纬度 {lat[0]:.2f}°–{lat[1]:.2f}°，"
                    f"远在声明的坐标系 {label} 的适用范围（{area.name}）之外",
                    f"the coordinates {fmt} fall at longitude {lon[0]:.2f}°–{lon[1]:.2f}°, latitude "
                    f"{lat[0]:.2f}°–{lat[1]:.2f}°, far outside the area of use of the declared CRS {label} ({area.name})")
    if project_crs is not None:
        km = _distance_from_project_km(project_crs, lon, lat)
        if km is not None and km > _PROJECT_FAR_KM:
            return (f"按声明的坐标系 {label}，数据落在经度 {lon[0]:.2f}°–{lon[1]:.2f}°、纬度 {lat[0]:.2f}°–{lat[1]:.2f}°，"
                    f"距项目坐标系 {crs_label(project_crs)} 的分带约 {km:.0f} km（超过 {_PROJECT_FAR_KM:.0f} km）",
                    f"in the declared CRS {label} the data falls at longitude {lon[0]:.2f}°–{lon[1]:.2f}°, latitude "
                    f"{lat[0]:.2f}°–{lat[1]:.2f}°, about {km:.0f} km from the zone of the project's CRS "
                    f"{crs_label(project_crs)} (more than {_PROJECT_FAR_KM:.0f} km)")
    return None


def _in_china(xmin, ymin, xmax, ymax) -> bool:
    return CHINA_LON[0] <= xmin and xmax <= CHINA_LON[1] and CHINA_LAT[0] <= ymin and ymax <= CHINA_LAT[1]


def _in_area(crs: CRS, xmin, ymin, xmax, ymax) -> bool:
    """Whether lon/lat bounds lie in (or within the margin of) the CRS's area of use."""
    area = crs.area_of_use
    if area is None or area.west > area.east:
        return False
    return max(_outside_deg(xmin, xmax, area.west, area.east), _outside_deg(ymin, ymax, area.south, area.north)) \
        <= _AREA_MARGIN_DEG


def _distance_from_project_km(project_crs: CRS, lon, lat) -> float | None:
    """Roughly how far (km) data in these lon/lat ranges lies from the project's zone: from its
    central meridian for a Transverse Mercator CRS, else from its area of use; and in latitude
    from its area of use."""
    area = project_crs.area_of_use
    cos = math.cos(math.radians(min(max(abs(lat[0]), abs(lat[1])), 89.0)))  # the box's nearest point is poleward
    tm = tm_parameters(project_crs)
    if tm is not None:
        d_lon = 0.0 if lon[0] <= tm["lon_0"] <= lon[1] else min(abs(lon[0] - tm["lon_0"]), abs(lon[1] - tm["lon_0"]))
    elif area is not None and area.west <= area.east:
        d_lon = _outside_deg(lon[0], lon[1], area.west, area.east)
    else:
        return None
    # a GK zone's area of use is its strip of China, whose latitudes differ from zone to zone: only
    # the longitude is compared for Transverse Mercator, whose zones hold at any latitude
    d_lat = _outside_deg(lat[0], lat[1], area.south, area.north) if tm is None and area is not None else 0.0
    return max(d_lon * cos, d_lat) * _KM_PER_DEG


# --- Beijing 1954 and Xian 1980: refused without the user's transformation parameters --------------

LEGACY_DATUMS = ("Beijing 1954", "Xian 1980")
# ellipsoids of the two (Krassowsky 1940; IAG 1975, which PROJ calls IAU 1976): a CRS on one of them
# with no named datum is one of the two as far as a transformation is concerned
_LEGACY_ELLIPSOIDS = {"krassowsky 1940": "Beijing 1954", "krassovsky, 1942": "Beijing 1954",
                      "iag 1975": "Xian 1980", "iau 1976": "Xian 1980"}


def legacy_datum(crs: CRS | None) -> str | None:
    """'Beijing 1954' or 'Xian 1980' when `crs` (geographic or projected) is on one of them and has
    no transformation to WGS 84 of its own (a TOWGS84 in its WKT); else None."""
    if crs is None or crs.is_bound:
        return None
    datum = crs.datum
    name = (datum.name if datum is not None else "").replace("_", " ").lower()
    name = name[2:] if name.startswith("d ") else name
    for legacy in LEGACY_DATUMS:
        if legacy.lower() in name:
            return legacy
    ellipsoid = (crs.ellipsoid.name if crs.ellipsoid is not None else "").replace("_", " ").lower()
    if name.startswith("unknown") or not name:
        for key, legacy in _LEGACY_ELLIPSOIDS.items():
            if ellipsoid.startswith(key):
                return legacy
    return None


def parse_towgs84(text: str) -> tuple[float, ...]:
    """--towgs84 'dx,dy,dz' or 'dx,dy,dz,rx,ry,rz,s' (metres, arc-seconds, ppm: PROJ's +towgs84,
    position-vector rotations), or the planar 'dX,dY,a,m' (see `four_parameter`), as numbers;
    anything else is refused."""
    parts = [p.strip() for p in str(text).replace("，", ",").split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) not in (3, 4, 7) or not all(math.isfinite(v) for v in values):
        raise InputError("--towgs84 {text} 无法识别：应为 3 个（dx,dy,dz，米）、7 个（dx,dy,dz,rx,ry,rz,s：米、角秒、ppm）"
                         "或平面 4 参数（dX,dY,a,m：北、东平移米，旋转角秒，尺度 ppm）",
                         "--towgs84 {text} is not understood: give 3 numbers (dx,dy,dz in metres), 7 "
                         "(dx,dy,dz,rx,ry,rz,s: metres, arc-seconds, ppm) or the planar 4 (dX,dY,a,m: north and east "
                         "shifts in metres, rotation in arc-seconds, scale in ppm)", text=text)
    return values


def with_towgs84(crs: CRS, values: tuple[float, ...]) -> CRS:
    """`crs` (its projection and ellipsoid) bound to WGS 84 by the 3 or 7 Helmert parameters."""
    import warnings

    with warnings.catch_warnings():  # a Gauss-Krüger or lon/lat CRS loses nothing in a PROJ string
        warnings.simplefilter("ignore", UserWarning)
        proj = crs.to_proj4()
    proj = " ".join(p for p in proj.split() if not p.startswith(("+towgs84", "+datum", "+type", "+no_defs")))
    if "+ellps" not in proj and "+a=" not in proj:
        e = crs.ellipsoid
        proj += f" +a={e.semi_major_metre!r} +rf={e.inverse_flattening!r}"
    towgs84 = ",".join(repr(float(v)) for v in values)
    return CRS.from_proj4(f"{proj} +towgs84={towgs84} +no_defs +type=crs")


def four_parameter(east, north, values: tuple[float, float, float, float]):
    """The planar four-parameter transformation (平面四参数) of Chinese survey practice, written as
    the survey tools give it, with X north and Y east (docs/domain.md §5.2):
        X' = dX + (1 + m) (X cos a - Y sin a),   Y' = dY + (1 + m) (X sin a + Y cos a)
    dX, dY in metres (north, east), a in arc-seconds, m in ppm, on the full zone coordinates.
    Takes and gives GIS order (east, north)."""
    d_north, d_east, seconds, ppm = values
    a = math.radians(seconds / 3600.0)
    k = 1.0 + ppm * 1e-6
    east, north = np.asarray(east, dtype=float), np.asarray(north, dtype=float)
    new_north = d_north + k * (north * math.cos(a) - east * math.sin(a))
    new_east = d_east + k * (north * math.sin(a) + east * math.cos(a))
    return new_east, new_north


def cgcs2000_zone_like(crs: CRS) -> CRS | None:
    """The CGCS2000 Gauss-Krüger zone CRS (EPSG:4491-4554) with the central meridian and false
    easting of the GK CRS `crs` (a Beijing 1954 or Xian 1980 zone), or None."""
    tm = tm_parameters(crs)
    if tm is None or not is_gauss_kruger(crs):
        return None
    for code in range(4491, 4555):
        other = tm_parameters(CRS.from_epsg(code))
        if other["lon_0"] == tm["lon_0"] and other["x_0"] == tm["x_0"]:
            return CRS.from_epsg(code)
    return None
