"""Which part of the map lands on which pixels of a picture, and the units of its sizes. No Qt.

Distances on the page are given in millimetres (lengths) and points (text); a picture of
`dpi` dots per inch turns them into pixels. A screen counts as 96 dpi, as Qt and most
desktops assume: older styles, which stored sizes in pixels, meant pixels of such a screen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

INCH_M = 0.0254
MM_PER_INCH = 25.4
PT_PER_INCH = 72.0
SCREEN_DPI = 96.0
PX96_MM = MM_PER_INCH / SCREEN_DPI  # one pixel of a 96 dpi screen, in mm (0.2646)


@dataclass(frozen=True)
class MapView:
    """The map centre (project CRS units), metres per pixel, and the picture size in pixels."""
    cx: float
    cy: float
    resolution: float
    width: int
    height: int

    @classmethod
    def fit(cls, extent: tuple[float, float, float, float], width: int, height: int, margin: float = 0.05) -> MapView:
        xmin, ymin, xmax, ymax = extent
        w, h = max(xmax - xmin, 1e-6), max(ymax - ymin, 1e-6)
        resolution = max(w / width, h / height) * (1 + 2 * margin)
        return cls((xmin + xmax) / 2, (ymin + ymax) / 2, resolution, width, height)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        half_w, half_h = self.width * self.resolution / 2, self.height * self.resolution / 2
        return self.cx - half_w, self.cy - half_h, self.cx + half_w, self.cy + half_h

    def to_pixels(self, x, y):
        xmin, _, _, ymax = self.extent
        return (np.asarray(x) - xmin) / self.resolution, (ymax - np.asarray(y)) / self.resolution

    def to_map(self, px: float, py: float) -> tuple[float, float]:
        xmin, _, _, ymax = self.extent
        return xmin + px * self.resolution, ymax - py * self.resolution

    def scale_denominator(self, dpi: float = SCREEN_DPI) -> float:
        """N of the scale 1:N on a screen of `dpi`."""
        return self.resolution * dpi / INCH_M

    def with_scale(self, denominator: float, dpi: float = SCREEN_DPI) -> MapView:
        return replace(self, resolution=denominator * INCH_M / dpi)

    def zoomed(self, factor: float, px: float | None = None, py: float | None = None) -> MapView:
        """Zoom in by `factor` (>1) keeping the map point under pixel (px, py) where it is."""
        px = self.width / 2 if px is None else px
        py = self.height / 2 if py is None else py
        x, y = self.to_map(px, py)
        resolution = self.resolution / factor
        return replace(self, resolution=resolution, cx=x + (self.width / 2 - px) * resolution,
                       cy=y - (self.height / 2 - py) * resolution)

    def panned(self, dx_px: float, dy_px: float) -> MapView:
        """Move the map with the mouse: content shifts by (dx, dy) pixels."""
        return replace(self, cx=self.cx - dx_px * self.resolution, cy=self.cy + dy_px * self.resolution)

    def resized(self, width: int, height: int) -> MapView:
        return replace(self, width=width, height=height)

    def at_dpi(self, dpi: float, from_dpi: float = SCREEN_DPI) -> MapView:
        """The same piece of ground (and scale) in a picture of `dpi` instead of `from_dpi`:
        `dpi / from_dpi` times as many pixels each way, each that much smaller."""
        factor = dpi / from_dpi
        return replace(self, resolution=self.resolution / factor, width=round(self.width * factor),
                       height=round(self.height * factor))
