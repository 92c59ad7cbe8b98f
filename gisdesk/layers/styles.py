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

# Ledger cases by where they are in the workflow: open (warm), ordered (red), outcome (green/grey).
LEDGER_STATUS_COLORS = dict(zip(LEDGER_STATUSES, (
    "#f28e2b",  # 待核查
    "#e15759",  # 已立案
    "#d62728",  # 责令停止
    "#b22222",  # 限期整改
    "#9e1b1b",  # 限期拆除
    "#7f0f7f",  # 催告
    "#4b0082",  # 强拆公告
    "#2ca02c",  # 已拆除
    "#17becf",  # 没收
    "#1f77b4",  # 补办手续
    "#8c8c8c",  # 不予立案
    "#5a5a5a",  # 已结案
)))
PARKING_COLORS = {"配建": "#1b9e77", "路外公共": "#7570b3", "路内": "#d95f02"}
ESTATE_COLORS = dict(zip(ESTATE_STATUSES, ("#bdbdbd", "#fdae61", "#fee08b", "#a6d96a", "#1a9641")))


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
