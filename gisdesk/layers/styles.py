"""The default style of each layer kind: colours, sizes, categories and labels, as plain data.

A style is a plain dict stored in the project (gisdesk_layers.style), so the canvas, every
export and the QGIS style the store writes read the same one; a layer whose stored style is
empty is drawn in its kind's default. Colours of the control lines come from the rule file.
Here, on the layers floor, so that the store can use them without the renderer;
gisdesk.render.style re-exports them and turns sizes into pixels.

Sizes are physical: lengths in millimetres (`width_mm`, `point_size_mm`), areas in square
millimetres (`label_min_area_mm2`), text in points. The defaults are the pixel sizes gisdesk
drew on a 96 dpi screen before sizes were physical, turned into mm.
"""

from __future__ import annotations

from gisdesk.layers.kinds import ESTATE_STATUSES, LEDGER_STATUSES

PX96_MM = 25.4 / 96.0  # one pixel of a 96 dpi screen, in mm

CONTROL_COLORS = {"red": "#e3170a", "green": "#2e9e3f", "blue": "#1f6fd1", "purple": "#8e3bb5", "yellow": "#e0b000"}

# Category colours never take a control line's hue: the lines are red, green, blue, purple and
# yellow, so categories are orange, brown, pink, teal and grey (colour words the lines do not use),
# told apart within a layer by lightness. tests/test_palette.py measures it in CIELAB: every
# category colour is at least ΔE2000 20 from every line colour (the two closest lines, blue and
# purple, are 26.5 apart) and, when it has a hue (chroma ≥ 15), 20° of hue angle away from theirs.
# Ledger cases by where they are in the workflow: open and ordered (orange to dark brown),
# demolition ordered and announced (pink to wine), resolved (teal, slate, pale cyan), closed (greys).
LEDGER_STATUS_COLORS = dict(zip(LEDGER_STATUSES, (
    "#dc7602",  # 待核查  orange
    "#a77349",  # 已立案  light brown
    "#805129",  # 责令停止 brown
    "#54341a",  # 限期整改 dark brown
    "#f19ebd",  # 限期拆除 pink
    "#dc438a",  # 催告  magenta
    "#731043",  # 强拆公告 wine
    "#00a1a5",  # 已拆除  teal
    "#1c3f4f",  # 没收  dark slate
    "#88d6d8",  # 补办手续 pale cyan
    "#bdbdbd",  # 不予立案 light grey
    "#6e6e6e",  # 已结案  grey
)))
PARKING_COLORS = {"配建": "#24787b", "路外公共": "#a77349", "路内": "#dc438a"}  # teal, brown, magenta
# Renovation from reserve to accepted: grey, then teal light to dark
ESTATE_COLORS = dict(zip(ESTATE_STATUSES, ("#bdbdbd", "#a5d1d2", "#61b0b2", "#3a8a8c", "#174143")))


def _mm(px: float) -> float:
    """A default size given as the pixels it was on a 96 dpi screen, in mm."""
    return px * PX96_MM


def default_style(kind: str, colors: dict[str, str] | None = None) -> dict:
    """The style a new layer of `kind` gets."""
    colors = {**CONTROL_COLORS, **(colors or {})}
    if kind in CONTROL_COLORS:
        return {"fill": colors[kind], "fill_alpha": 0.30, "stroke": colors[kind], "width_mm": _mm(1.6),
                "label_field": "name", "label_color": colors[kind]}
    if kind == "buildings":
        return {"fill": "#dcd6cc", "fill_alpha": 1.0, "stroke": "#9a9080", "width_mm": _mm(0.6), "label_field": "name",
                "label_color": "#4a4a4a", "label_min_area_mm2": 1500 * PX96_MM ** 2,
                "label_max_scale": 6000}
    if kind == "ledger":
        return {"category_field": "status", "categories": LEDGER_STATUS_COLORS, "fill_alpha": 0.75,
                "stroke": "#202020", "width_mm": _mm(0.8), "point_size_mm": _mm(7), "label_field": "case_no",
                "label_color": "#202020", "label_max_scale": 4000}
    if kind == "parking":
        return {"category_field": "category", "categories": PARKING_COLORS, "fill_alpha": 0.6, "width_mm": _mm(2.5),
                "point_size_mm": _mm(6), "label_field": "name", "label_color": "#333333",
                "label_max_scale": 6000}
    if kind == "old_estates":
        return {"category_field": "status", "categories": ESTATE_COLORS, "fill_alpha": 0.35, "stroke": "#6b4f2a",
                "width_mm": _mm(1.2), "dash": True, "label_field": "name", "label_color": "#6b4f2a"}
    return {"fill": "#888888", "fill_alpha": 0.5, "stroke": "#444444", "width_mm": _mm(1.0)}


# Columns that name a feature, most telling first: what a layer is labelled with when it is first
# shown and its kind's label field is missing or empty (a road layer with road_name, a survey's 名称, mc)
LABEL_FIELDS = ("name", "名称", "name_zh", "name:zh", "road_name", "路名", "道路名称", "NAME", "Name", "名字",
                "mc", "MC", "jzmc", "JZMC", "dlmc", "DLMC", "title", "label", "case_no", "编号")


def _has_text(frame, column, sample: int = 1000) -> bool:
    """Whether the column holds text to show (looked for among its first `sample` values that are
    not missing: cheap on a million buildings)."""
    values = frame[column]
    values = values[values.notna()].iloc[:sample]
    return any(str(v).strip() for v in values)


def label_field_for(frame, preferred: str | None = None) -> str | None:
    """The column of `frame` to label its features with: `preferred` (the kind's) when it holds any
    text, else the first of LABEL_FIELDS (then their case-insensitive matches) that does; None when
    none does."""
    columns = [c for c in frame.columns if c != getattr(getattr(frame, "geometry", None), "name", None)]
    for name in ([preferred] if preferred else []) + list(LABEL_FIELDS):
        if name in columns and _has_text(frame, name):
            return name
    lower = {str(c).lower(): c for c in columns}
    for name in LABEL_FIELDS:
        column = lower.get(name.lower())
        if column is not None and _has_text(frame, column):
            return column
    return None


def fit_label_field(style: dict, frame) -> dict:
    """A default style with its label field chosen from the layer's columns (see label_field_for);
    a style without labels stays so."""
    if "label_field" not in style:
        return style
    field = label_field_for(frame, style.get("label_field"))
    return {**style, "label_field": field} if field is not None else style
