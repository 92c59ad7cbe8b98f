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

# The colour tables and each kind's default style are plain data on the layers floor, where the
# store (which writes them as QGIS styles too) reads them; re-exported here for the renderer and ui.
from gisdesk.layers.styles import (CONTROL_COLORS, ESTATE_COLORS, LEDGER_STATUS_COLORS,  # noqa: F401
                                   PARKING_COLORS, default_style)
from gisdesk.render.view import PX96_MM

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
