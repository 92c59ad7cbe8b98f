"""Default styles per layer kind: colours, sizes, categories and labels.

A style is a plain dict stored in the project (gisdesk_layers.style), so the canvas and
every export read the same one. Colours of the control lines come from the rule file.

Sizes are physical, so a print at 300 dpi looks like the screen: lengths in millimetres
(`width_mm` of outlines — lines are drawn 1.5 times as wide —, `point_size_mm` of point
symbols), areas in square millimetres (`label_min_area_mm2`: features smaller on the page
get no label), text in points (`label_size_pt`). Styles stored by older versions hold
pixel sizes instead (`width`, `point_size`, `label_min_area_px`): they are read as pixels
of a 96 dpi screen, which is what they were drawn as, and a physical key, when present,
wins. The defaults are the pixel sizes of those versions, turned into mm.
"""

from __future__ import annotations

from collections.abc import Mapping

from gisdesk.layers.kinds import ESTATE_STATUSES, LEDGER_STATUSES
from gisdesk.render.view import PX96_MM

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

# size key -> its value when a style has none
SIZE_DEFAULTS = {"width_mm": 1.0 * PX96_MM, "point_size_mm": 6 * PX96_MM, "label_size_pt": 9.0,
                 "label_min_area_mm2": 0.0}
# size key -> the key older styles kept it under, in pixels of a 96 dpi screen, and its power of length
PIXEL_KEYS = {"width_mm": ("width", 1), "point_size_mm": ("point_size", 1), "label_min_area_mm2": ("label_min_area_px", 2)}


def style_size(style: Mapping, key: str) -> float:
    """A size of `style` in the unit its key names (`width_mm` in mm ...): its own key, else an
    older style's pixel key read at 96 dpi, else the default."""
    if key in style:
        return float(style[key])
    if key in PIXEL_KEYS:
        old, power = PIXEL_KEYS[key]
        if old in style:
            return float(style[old]) * PX96_MM ** power
    return SIZE_DEFAULTS[key]


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
