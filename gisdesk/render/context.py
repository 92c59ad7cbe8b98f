"""A render context: what a picture is for, and how its sizes turn into pixels.

The renderer draws the same map onto a screen and onto paper. What differs is in the
context: the view (which ground on which pixels), the picture's dots per inch, the target
(`screen` or `print`) and whether the selection and the highlight are drawn. Styles give
widths and symbol sizes in millimetres and text in points; `mm()` and `pt()` make pixels of
them at the context's dpi, so a 0.4 mm line is 1.5 px on a 96 dpi screen and 4.7 px at
300 dpi, and the print looks like the screen, only sharper. (QGIS's QgsRenderContext has
the same role.)
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont

from gisdesk.render.view import MM_PER_INCH, PT_PER_INCH, SCREEN_DPI, MapView

SCREEN, PRINT = "screen", "print"
LABEL_FONT = "Noto Sans CJK SC"  # a CJK font the set-up installs; Qt falls back if missing
PRINT_DPI = 300.0


@dataclass(frozen=True)
class RenderContext:
    view: MapView  # the picture, in its own (device) pixels
    dpi: float = SCREEN_DPI
    target: str = SCREEN
    draw_selection: bool = True
    draw_highlight: bool = True
    font_family: str = LABEL_FONT  # of labels and map furniture (a PDF page may need another: export.pages)

    def __post_init__(self):
        if self.target not in (SCREEN, PRINT):
            raise ValueError(f"target must be {SCREEN!r} or {PRINT!r}, not {self.target!r}")
        if not self.dpi > 0:
            raise ValueError(f"dpi must be positive, not {self.dpi}")

    @classmethod
    def screen(cls, view: MapView, *, draw_selection: bool = True, draw_highlight: bool = True) -> RenderContext:
        return cls(view, SCREEN_DPI, SCREEN, draw_selection, draw_highlight)

    @classmethod
    def for_print(cls, view: MapView, dpi: float = PRINT_DPI, *, font_family: str = LABEL_FONT) -> RenderContext:
        """A page: no selection and no highlight (they are the screen's state, not the map's)."""
        return cls(view, dpi, PRINT, draw_selection=False, draw_highlight=False, font_family=font_family)

    # Pixels are rounded to a millionth: a size written as mm of 96 dpi pixels then comes back as
    # those pixels exactly (3.0, not 2.9999999999999996), and Qt draws it as it did.

    def mm(self, millimetres: float) -> float:
        """Pixels of a length given in millimetres."""
        return round(millimetres * self.dpi / MM_PER_INCH, 6)

    def pt(self, points: float) -> float:
        """Pixels of a size given in points (1/72 inch)."""
        return round(points * self.dpi / PT_PER_INCH, 6)

    def mm2(self, square_millimetres: float) -> float:
        """Square pixels of an area given in square millimetres."""
        return round(square_millimetres * (self.dpi / MM_PER_INCH) ** 2, 6)

    @property
    def scale_denominator(self) -> float:
        """N of the scale 1:N of the picture."""
        return self.view.scale_denominator(self.dpi)

    def font(self, size_pt: float, *, bold: bool = False) -> QFont:
        """The map's label font at `size_pt` points."""
        font = QFont(self.font_family)
        font.setPixelSize(max(1, round(self.pt(size_pt))))
        if bold:
            font.setBold(True)
        return font
