"""A draft ledger case for a suspected new building seen by comparing two dated images (卫片图斑).

The comparison tool (gisdesk.ui.compare) has the footprint drawn on the newer image; this
module says what the case holds: the next case number of the ledger, status 待核查, source
卫片图斑, both image dates, today as the day it was found, its footprint area, and the
district, street and community of the place, taken from the features around it that carry
them (the project has no admin-area layer: buildings, cases, estates and parking carry the
three fields, filled from the admin areas when they were made). No Qt.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import numpy as np
import shapely

from gisdesk.layers.ledger import FIRST_STATUS
from gisdesk.layers.layer import Layer

ADMIN_COLUMNS = ("district", "street", "community")
IMAGE_COLUMNS = ("image_before", "image_after")  # the dates of the two images compared
SOURCE = "卫片图斑"
STOCK = "新增"
DEFAULT_PREFIX = "WP"  # 卫片: the case numbers of a ledger without numbers of the usual form
NEAR_M = 300.0  # the admin fields come from a feature at most this far from the footprint
_CASE_NO = re.compile(r"^(?P<prefix>\D*?)(?P<year>\d{4})-(?P<number>\d+)$")


def next_case_no(existing, year: int) -> str:
    """The next case number of the ledger's own form PREFIX+YEAR-NNNN (HP2024-0012 → HP2026-0001 in
    a new year): the prefix most of its numbers have, one more than the highest of `year`."""
    existing = [str(c) for c in existing if c is not None and str(c).strip()]
    matched = [m for m in (_CASE_NO.match(c.strip()) for c in existing) if m]
    prefix = Counter(m["prefix"] for m in matched).most_common(1)[0][0] if matched else DEFAULT_PREFIX
    same = [m for m in matched if m["prefix"] == prefix and int(m["year"]) == year]
    digits = max([len(m["number"]) for m in matched if m["prefix"] == prefix] or [4])
    number = max((int(m["number"]) for m in same), default=0) + 1
    taken = set(existing)
    while (case_no := f"{prefix}{year}-{number:0{digits}d}") in taken:
        number += 1
    return case_no


def admin_of(layers: list[Layer], geometry) -> dict[str, str]:
    """district / street / community of the place of `geometry`: those of a feature that holds its
    representative point (the first such layer of `layers`), else of the nearest feature within
    NEAR_M; {} when no feature around carries them."""
    point = shapely.point_on_surface(geometry)
    carriers = [layer for layer in layers if all(c in layer.frame.columns for c in ADMIN_COLUMNS) and len(layer.frame)]
    for layer in carriers:  # a feature it stands in
        rows = layer.tree.query(point, predicate="within") if len(layer.geometries) else []
        values = _values(layer, rows)
        if values:
            return values
    best, best_distance = {}, np.inf
    for layer in carriers:  # else the nearest one around
        rows = layer.tree.query(point.buffer(NEAR_M), predicate="intersects")
        filled = [int(r) for r in rows if _values(layer, [r])]
        if not filled:
            continue
        distances = shapely.distance(layer.geometries[filled], point)
        i = int(np.argmin(distances))
        if distances[i] < best_distance:
            best, best_distance = _values(layer, [filled[i]]), float(distances[i])
    return best


def _values(layer: Layer, rows) -> dict[str, str]:
    frame = layer.frame
    for row in rows:
        values = {c: frame[c].iat[int(row)] for c in ADMIN_COLUMNS}
        if all(isinstance(v, str) and v.strip() for v in values.values()):
            return {c: v.strip() for c, v in values.items()}
    return {}


def draft_case(ledger: Layer, geometry, *, before: str | None, after: str | None, around: list[Layer],
               today: dt.date | None = None) -> tuple[str, dict]:
    """The case number (also its uid) and the values of a draft case with footprint `geometry`
    (project CRS, metres), seen between the images of dates `before` and `after`; the admin fields
    from the features of `around`."""
    today = today or dt.date.today()
    frame = ledger.frame
    taken = (frame["case_no"].tolist() if "case_no" in frame.columns else []) + \
        (frame["uid"].tolist() if "uid" in frame.columns else [])
    case_no = next_case_no(taken, today.year)
    values = {"case_no": case_no, "status": FIRST_STATUS, "source": SOURCE, "stock": STOCK,
              "found_on": today.isoformat(), "image_before": before, "image_after": after,
              "footprint_m2": round(float(shapely.area(geometry)), 2)}
    values.update(admin_of(around, geometry))
    return case_no, values
