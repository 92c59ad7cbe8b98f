"""The zone of each control feature (docs/domain.md §1): what the conflict check tests buildings
against, what the map draws and what an import must be able to make. Here, on the layers
floor, so that the engine, the importer and the renderer all take the one definition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from gisdesk.errors import InputError
from gisdesk.geometry import parallel, polygonal

_LINEAR = (1, 2, 5)  # shapely type ids of LineString, LinearRing, MultiLineString


def zone_widths(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Which control features are lines, and the width of the zone each line makes (m; NaN for
    polygons and for lines without a half width): both sides of a centre line, one of a boundary."""
    linear = np.isin(shapely.get_type_id(np.asarray(frame.geometry.values, dtype=object)), _LINEAR)
    half = _column(frame, "half_width_m", np.nan).astype(float)
    one_side = np.isin(_column(frame, "side", None), ("left", "right"))
    return linear, np.where(linear, np.where(one_side, half, 2 * half), np.nan)


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
                "{kind} 控制线要素 {uid} 是线，但没有半宽（half_width_m）：无法生成控制区",
                "{kind} control feature {uid} is a line without a half width (half_width_m): cannot make its zone",
                kind=kind, uid=uid)
        both = linear & ~np.isin(side, ("left", "right"))
        geoms[both] = parallel(shapely.buffer, geoms[both], half[both])
        for which, sign in (("left", 1.0), ("right", -1.0)):
            one = linear & (side == which)
            if one.any():
                geoms[one] = parallel(shapely.buffer, geoms[one], sign * half[one], single_sided=True)
    zones, usable, fixed = polygonal(geoms)
    if not usable.all():
        uid = frame["uid"].iloc[int(np.flatnonzero(~usable)[0])]
        raise InputError("{kind} 控制线要素 {uid} 没有可用的面或线几何",
                         "{kind} control feature {uid} has no usable polygon or line geometry", kind=kind, uid=uid)
    return zones, fixed


def _column(frame: pd.DataFrame, name: str, default) -> np.ndarray:
    if name in frame:
        return frame[name].to_numpy(dtype=object if default is None else float, na_value=default)
    return np.full(len(frame), default, dtype=object if default is None else float)
