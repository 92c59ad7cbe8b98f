"""What the user reads instead of codes: geometry types, field headers with units, coded values
(violation types, road classes, sides) and layer kinds by their names, in the user's language.

The data keep their codes (WPXJ, expressway, estate_no, yellow); only what is shown changes.
"""

from __future__ import annotations

from gisdesk.i18n import tr
from gisdesk.layers.kinds import KINDS, ROAD_CLASSES, VIOLATION_NAMES
from gisdesk.layers.schema import CODES, ENUM, Field

GEOMETRY_NAMES = {
    "Point": ("点", "point"), "MultiPoint": ("多点", "multipoint"),
    "LineString": ("线", "line"), "MultiLineString": ("多线", "multiline"), "LinearRing": ("线", "line"),
    "Polygon": ("面", "polygon"), "MultiPolygon": ("多面", "multipolygon"),
    "GeometryCollection": ("几何集合", "geometry collection"),
    # the kinds' own words (gisdesk.layers.kinds: POLYGON, LINE, POINT)
    "polygon": ("面", "polygon"), "line": ("线", "line"), "point": ("点", "point"),
}

# coded values of ENUM and CODES fields whose codes are not Chinese words
VALUE_NAMES = {
    "violation": VIOLATION_NAMES,
    "road_class": dict(zip(ROAD_CLASSES, (("快速路", "expressway"), ("主干路", "trunk road"),
                                           ("次干路", "secondary road"), ("支路", "branch road")))),
    "side": {"left": ("左侧", "left"), "right": ("右侧", "right")},
}

# units by the field name's suffix (the schema's convention: height_m, footprint_m2)
_UNITS = (("_m2", "m²"), ("_m", "m"), ("_km", "km"), ("_wan", "万元"))


def geometry_name(geom_type) -> str:
    """'面' for Polygon, '多面' for MultiPolygon ...; an empty geometry is '无几何'."""
    if geom_type is None or geom_type != geom_type:  # None or NaN: no geometry
        return tr("无几何", "no geometry")
    zh, en = GEOMETRY_NAMES.get(str(geom_type), (str(geom_type), str(geom_type)))
    return tr(zh, en)


def geometry_summary(counts) -> str:
    """'面 (160)，点 (10)' from {geom_type: count} (a pandas value_counts)."""
    items = counts.items() if hasattr(counts, "items") else counts
    return tr("，", ", ").join(f"{geometry_name(name)} ({count:,})" for name, count in items)


def field_unit(field: Field | str) -> str:
    name = field.name if isinstance(field, Field) else str(field)
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return unit
    return ""


def field_header(field: Field) -> str:
    """A column header: the field's name in the user's language with its unit, '高度（m）', '违建面积（m²）'."""
    label = field.label()
    unit = field_unit(field)
    if not unit or unit in label:
        return label
    return tr("{label}（{unit}）", "{label} ({unit})", label=label, unit=unit)


def field_label(kind: str, name: str) -> str:
    """The name of a kind's field in the user's language ('小区编号' for estate_no); the name itself when
    the kind's schema has no such field (a column of the user's own)."""
    info = KINDS.get(kind)
    if info is not None and name in info.schema.names:
        return info.schema[name].label()
    return str(name)


def kind_name(kind: str) -> str:
    """A layer kind by its name ('城市黄线' for yellow); an unknown code as it is."""
    info = KINDS.get(kind)
    return info.title if info is not None else str(kind)


def value_name(field: Field | str, value) -> str:
    """A coded value by its name: 'WPXJ,ZHX' → '未批先建、占用黄线', expressway → 快速路; others as they are."""
    name = field.name if isinstance(field, Field) else str(field)
    names = VALUE_NAMES.get(name)
    if names is None or value is None:
        return "" if value is None else str(value)
    text = str(value)
    if isinstance(field, Field) and field.type == CODES or name == "violation":
        codes = [c.strip() for c in text.replace("，", ",").split(",") if c.strip()]
        return tr("、", ", ").join(_one(names, c) for c in codes)
    if not isinstance(field, Field) or field.type == ENUM:
        return _one(names, text)
    return text


def _one(names: dict, code: str) -> str:
    pair = names.get(code)
    return tr(*pair) if pair else code
