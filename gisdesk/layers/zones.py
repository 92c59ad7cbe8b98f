"""The zone of each control feature (docs/domain.md §1): what the conflict check tests buildings
against, what the map draws and what an import must be able to make. Here, on the layers
floor, so that the engine, the importer and the renderer all take the one definition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from gisdesk.errors import InputError
from gisdesk.geometry import parallel, polygonal
from gisdesk.layers.names import kind_name

_LINEAR = (1, 2, 5)  # shapely type ids of LineString, LinearRing, MultiLineString


def zone_widths(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Which control features are lines, and the width of the zone each line makes (m; NaN for
    polygons and for lines without a half width): both sides of a centre line, one of a boundary."""
    linear = np.isin(shapely.get_type_id(np.asarray(frame.geometry.values, dtype=object)), _LINEAR)
    half = _column(frame, "half_width_m", np.nan).astype(float)
    one_side = np.isin(_column(frame, "side", None), ("left", "right"))
    return linear, np.where(linear, np.where(one_side, half, 2 * half), np.nan)


def centre_lines(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The centre line and half width of each feature whose zone is the buffer of a line on both
    sides (None and NaN for polygons and one-sided bands): the conflict check's closed forms."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    both = np.isin(shapely.get_type_id(geoms), _LINEAR) & ~np.isin(_column(frame, "side", None), ("left", "right"))
    half = np.where(both, _column(frame, "half_width_m", np.nan).astype(float), np.nan)
    return np.where(both, geoms, None), half


def control_zones(frame: pd.DataFrame, kind: str) -> tuple[np.ndarray, int]:
    """The zone polygon of each control feature, and how many invalid ones were repaired.

    A polygon is its own zone; a centre line with `half_width_m` becomes its buffer
    (round ends, shapely's default); a boundary line with `side` ('left'/'right') and
    `half_width_m`, the band of that width on that side.
    """
    geoms = np.asarray(frame.geometry.values, dtype=object).copy()
    types = shapely.get_type_id(geoms)
    linear = np.isin(types, _LINEAR)
    if linear.any():
        half = _column(frame, "half_width_m", np.nan).astype(float)
        side = _column(frame, "side", None)
        missing = linear & ~(half > 0)
        if missing.any():
            uid = frame["uid"].iloc[int(np.flatnonzero(missing)[0])]
            raise InputError(
                "{kind}要素 {uid} 是线，但没有半宽（half_width_m）：无法生成控制区",
                "{kind} feature {uid} is a line without a half width (half_width_m): cannot make its zone",
                kind=kind_name(kind), uid=uid)
        both = linear & ~np.isin(side, ("left", "right"))
        geoms[both] = _without_specks(parallel(shapely.buffer, geoms[both], half[both]), geoms[both], half[both])
        for which, sign in (("left", 1.0), ("right", -1.0)):
            one = linear & (side == which)
            if one.any():
                geoms[one] = parallel(shapely.buffer, geoms[one], sign * half[one], single_sided=True)
    # GEOS's buffers on both sides are valid by construction (0.5 s of checks at 100,000 roads);
    # polygons as drawn and one-sided bands are checked and repaired
    zones, usable, fixed = geoms, ~shapely.is_empty(geoms), 0
    checked = np.flatnonzero(~linear | np.isin(_column(frame, "side", None), ("left", "right")))
    if len(checked):
        zones[checked], usable[checked], fixed = polygonal(geoms[checked])
    if not usable.all():
        uid = frame["uid"].iloc[int(np.flatnonzero(~usable)[0])]
        raise InputError("{kind}要素 {uid} 没有可用的面或线几何", "{kind} feature {uid} has no usable polygon or line geometry",
                         kind=kind_name(kind), uid=uid)
    return zones, fixed


def _without_specks(zones: np.ndarray, lines: np.ndarray, half: np.ndarray) -> np.ndarray:
    """The buffers without the holes GEOS leaves where a bend is tighter than the half width.

    Such a hole is a speck (about 0.01 m²) whose every point lies within the half width of the
    line, so it is inside the zone by definition; the depth of a building was measured to it.
    A hole goes when a slightly wider buffer of the line (1 cm, finer arcs) covers it; the
    real hole of a ring road (or of a service road looping round a yard) holds points far from
    the line and stays: one of them farther than the wider buffer reaches keeps it without the buffer.
    """
    out = zones.copy()
    holed = np.flatnonzero(shapely.get_num_interior_rings(zones) > 0)  # few zones have holes
    if not len(holed):
        return out
    polygons, owner = shapely.get_parts(zones[holed], return_index=True)
    rings = shapely.get_num_interior_rings(polygons)
    polygon = np.repeat(np.arange(len(polygons)), rings)
    index = np.arange(len(polygon)) - np.repeat(np.cumsum(rings) - rings, rings)
    holes = shapely.polygons(shapely.get_interior_ring(polygons[polygon], index))
    line, reach = lines[holed][owner[polygon]], half[holed][owner[polygon]] + _SPECK_TOLERANCE
    real = parallel(shapely.distance, parallel(shapely.point_on_surface, holes), line) > reach
    maybe = np.flatnonzero(~real)
    if len(maybe):
        wide = parallel(shapely.buffer, line[maybe], reach[maybe], quad_segs=32)
        real[maybe] = ~parallel(shapely.covers, wide, holes[maybe])
    specks = np.bincount(owner[polygon[~real]], minlength=len(holed))
    for k in np.flatnonzero(specks):  # rebuilt without their specks
        kept = [shapely.Polygon(polygons[j].exterior, [holes[h].exterior for h in np.flatnonzero(polygon == j) if real[h]])
                for j in np.flatnonzero(owner == k)]
        out[holed[k]] = kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)
    return out


_SPECK_TOLERANCE = 0.01  # m


def _column(frame: pd.DataFrame, name: str, default) -> np.ndarray:
    if name in frame:
        return frame[name].to_numpy(dtype=object if default is None else float, na_value=default)
    return np.full(len(frame), default, dtype=object if default is None else float)
