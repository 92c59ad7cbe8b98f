"""Default styles per layer kind: colours, widths, categories and labels.

A style is a plain dict stored in the project (gisdesk_layers.style), so the canvas and
every export read the same one. Colours of the control lines come from the rule file.
"""

from __future__ import annotations

from gisdesk.layers.kinds import ESTATE_STATUSES, LEDGER_STATUSES

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


def default_style(kind: str, colors: dict[str, str] | None = None) -> dict:
    """The style a new layer of `kind` gets."""
    colors = {**CONTROL_COLORS, **(colors or {})}
    if kind in CONTROL_COLORS:
        return {"fill": colors[kind], "fill_alpha": 0.30, "stroke": colors[kind], "width": 1.6,
                "label_field": "name", "label_color": colors[kind]}
    if kind == "buildings":
        return {"fill": "#dcd6cc", "fill_alpha": 1.0, "stroke": "#9a9080", "width": 0.6, "label_field": "name",
                "label_color": "#4a4a4a", "label_min_area_px": 1500,
                "label_max_scale": 6000}
    if kind == "ledger":
        return {"category_field": "status", "categories": LEDGER_STATUS_COLORS, "fill_alpha": 0.75,
                "stroke": "#202020", "width": 0.8, "point_size": 7, "label_field": "case_no", "label_color": "#202020",
                "label_max_scale": 4000}
    if kind == "parking":
        return {"category_field": "category", "categories": PARKING_COLORS, "fill_alpha": 0.6, "width": 2.5,
                "point_size": 6, "label_field": "name", "label_color": "#333333",
                "label_max_scale": 6000}
    if kind == "old_estates":
        return {"category_field": "status", "categories": ESTATE_COLORS, "fill_alpha": 0.35, "stroke": "#6b4f2a",
                "width": 1.2, "dash": True, "label_field": "name", "label_color": "#6b4f2a"}
    return {"fill": "#888888", "fill_alpha": 0.5, "stroke": "#444444", "width": 1.0}
