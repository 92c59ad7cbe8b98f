"""Drawing layers with QPainter: the canvas renders into a QImage with it, exports onto pages.

A MapView says which part of the map lands on which pixels. render() draws the visible
layers bottom-up: per layer (and per category) one path of all the features in view, so
a million footprints take a few path fills, not a million draw calls. Labels go last,
largest features first, and a label that would overlap one already placed is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

from gisdesk.layers.layer import Layer, Rings, rings_of
from gisdesk.render.paths import path_from_arrays

INCH_M = 0.0254
SCREEN_DPI = 96.0
LABEL_FONT = "Noto Sans CJK SC"  # a CJK font the set-up installs; Qt falls back if missing
MAX_LABELS = 400
TINY_PX = 1.0  # polygons narrower and lower than this many pixels are drawn as coverage dots
HUGE_PATH = 30_000  # path elements beyond which a path is drawn without antialiasing
THIN_OUTLINE_PATH = 5_000  # path elements beyond which outlines are drawn 1 px wide
THIN_ZONE_PX = 1.5  # a centre line whose zone is narrower on screen is drawn as a line
DISSOLVE_OUTLINES = 3_000  # control zones in view up to which one outline is drawn around them all
# A path is drawn in pieces of at most this many elements: QPainter holds the GIL while it fills
# a path (~0.1 s per 100k elements), and the UI thread must get it back every few tens of ms.
PIECE_ELEMENTS = 40_000


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


@dataclass(frozen=True)
class Highlight:
    """Features to outline on top of everything: (layer, rows) pairs."""
    items: tuple[tuple[Layer, tuple[int, ...]], ...] = ()
    color: str = "#00e5ff"


def render_image(layers: Sequence[Layer], view: MapView, *, background: str = "#f7f5f0",
                 highlight: Highlight | None = None, cancelled: Callable[[], bool] = lambda: False) -> QImage:
    image = QImage(view.width, view.height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(background))
    painter = QPainter(image)
    try:
        render(painter, layers, view, highlight=highlight, cancelled=cancelled)
    finally:
        painter.end()
    return image


def render(painter: QPainter, layers: Sequence[Layer], view: MapView, *, highlight: Highlight | None = None,
           cancelled: Callable[[], bool] = lambda: False) -> None:
    """Draw `layers` (bottom first) as seen through `view` onto `painter`."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    placed: list[QRectF] = []
    for layer in layers:
        if not layer.visible or cancelled():
            continue
        painter.save()
        painter.setOpacity(layer.opacity)
        _draw_layer(painter, layer, view)
        painter.restore()
    if highlight:
        for layer, rows in highlight.items:
            _draw_outline(painter, layer, np.asarray(rows, dtype=np.int64), view, highlight.color)
    for layer in reversed(layers):  # labels of the top layers win the space
        if layer.visible and layer.style.get("label_field") and not cancelled():
            _draw_labels(painter, layer, view, placed)


# --- features ----------------------------------------------------------------------------

def _draw_layer(painter: QPainter, layer: Layer, view: MapView) -> None:
    style = layer.style
    categories = _feature_categories(layer)
    for color, rows in _by_color(layer, categories):
        if layer.info.is_control:
            _draw_control(painter, layer, view, rows, color, style)
        else:
            large = _draw_dots(painter, layer, view, rows, color, style)
            if large is not None:
                _draw_path(painter, _rings_paths(layer.polygon_rings, view, large), color, style)
            lines = _rings_paths(layer.lines, view, rows)
            if lines:
                thin = _prepare_for_size(painter, lines)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(_pen(color, style.get("width", 1.0) * 1.5, False, thin))
                for piece in lines:
                    painter.drawPath(piece)
            _draw_points(painter, layer, view, rows, color, style)
    selected = layer.selection
    if len(selected):
        _draw_outline(painter, layer, selected, view, "#ffd400")


def _draw_path(painter: QPainter, pieces: list[QPainterPath], color: str, style: dict, *,
               outline: bool = True) -> None:
    if not pieces:
        return
    thin = _prepare_for_size(painter, pieces)
    painter.setBrush(_brush(color, style.get("fill_alpha", 1.0)))
    if outline:
        painter.setPen(_pen(style.get("stroke", color), style.get("width", 1.0), style.get("dash", False), thin))
    else:
        painter.setPen(Qt.PenStyle.NoPen)
    for piece in pieces:
        painter.drawPath(piece)


def _prepare_for_size(painter: QPainter, pieces: list[QPainterPath]) -> bool:
    """Antialias paths of up to HUGE_PATH elements only; says whether outlines must be thin
    (1 px), which they must beyond THIN_OUTLINE_PATH elements.

    Why: Qt's antialiasing rasteriser slows down far more than linearly on a path with very
    many edges over a big picture (1M footprints took minutes, 100k road zones 10 s), and
    stroking with a pen wider than a pixel costs ten times a 1 px one (10 s for 3M edges,
    0.2 s at 1 px: Qt's fast cosmetic line drawer; 4 000 antialiased park outlines at 1.6 px
    0.3 s, at 1 px 0.03 s). When that many outlines are in view each is a few pixels, where
    jagged edges and a thinner outline do not show.
    """
    elements = sum(piece.elementCount() for piece in pieces)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, elements <= HUGE_PATH)
    return elements > THIN_OUTLINE_PATH


def _draw_dots(painter: QPainter, layer: Layer, view: MapView, row_mask: np.ndarray | None, color: str,
               style: dict) -> np.ndarray | None:
    """Draw polygons smaller than a pixel as dots; return the mask of the rows left to draw as paths.

    Why: at small scales a 1M-building city is a million footprints under a pixel each; a
    path of them costs a huge rasterisation (and building their rings), yet all it shows is
    how much of each pixel is covered, and in which colours. So each tiny polygon adds its
    coverage — its area in the fill colour, its outline's band in the stroke colour — to its
    pixel, and one picture of those pixels is drawn. Returns None when nothing is left.
    """
    polygonal, areas = _polygon_arrays(layer)
    b = layer.bounds
    xmin, ymin, xmax, ymax = view.extent
    res = view.resolution
    candidates = polygonal & (b[:, 2] >= xmin) & (b[:, 0] <= xmax) & (b[:, 3] >= ymin) & (b[:, 1] <= ymax)
    if row_mask is not None:
        candidates &= row_mask
    w, h = (b[:, 2] - b[:, 0]) / res, (b[:, 3] - b[:, 1]) / res
    tiny = candidates & (w < TINY_PX) & (h < TINY_PX)
    large = candidates & ~tiny
    rows = np.flatnonzero(tiny)
    if len(rows):
        px, py = view.to_pixels((b[rows, 0] + b[rows, 2]) / 2, (b[rows, 1] + b[rows, 3]) / 2)
        ix, iy = np.floor(px).astype(np.int64), np.floor(py).astype(np.int64)
        inside = (ix >= 0) & (ix < view.width) & (iy >= 0) & (iy < view.height)
        rows, pixel = rows[inside], (iy * view.width + ix)[inside]
        stroke_px = float(style.get("width", 1.0))
        fill_alpha = float(style.get("fill_alpha", 1.0))
        fill_cover = areas[rows] / res ** 2 * fill_alpha
        band = (w[rows] + stroke_px) * (h[rows] + stroke_px) - w[rows] * h[rows]
        fill_rgb = np.array(QColor(color).getRgbF()[:3])
        stroke_rgb = np.array(QColor(style.get("stroke", color)).getRgbF()[:3])
        size = view.width * view.height
        cover = np.bincount(pixel, fill_cover + band, minlength=size)
        bgra = np.zeros((size, 4), dtype=np.uint8)
        alpha = np.minimum(cover, 1.0)
        scale = np.divide(alpha, cover, out=np.zeros_like(cover), where=cover > 0) * 255
        for channel, i in ((2, 0), (1, 1), (0, 2)):  # ARGB32 is B, G, R, A in memory (little-endian)
            total = np.bincount(pixel, fill_cover * fill_rgb[i] + band * stroke_rgb[i], minlength=size)
            bgra[:, channel] = np.minimum(total * scale + 0.5, 255)
        bgra[:, 3] = alpha * 255 + 0.5
        image = QImage(bgra.data, view.width, view.height, view.width * 4, QImage.Format.Format_ARGB32_Premultiplied)
        painter.drawImage(0, 0, image)
    return large if large.any() else None


def _polygon_arrays(layer: Layer) -> tuple[np.ndarray, np.ndarray]:
    """(is a polygon, area) of each feature: pixel-independent, so kept with the layer."""
    if "polygon_arrays" not in layer.cache:
        geoms = layer.geometries
        layer.cache["polygon_arrays"] = (np.isin(shapely.get_type_id(geoms), (3, 6)), shapely.area(geoms))
    return layer.cache["polygon_arrays"]


def _by_color(layer: Layer, categories: np.ndarray | None):
    """(colour, row mask or None) pairs: one for the layer, or one per category value."""
    style = layer.style
    if categories is None:
        return [(style.get("fill", "#888888"), None)]
    colors = style.get("categories", {})
    out = [(color, categories == value) for value, color in colors.items() if (categories == value).any()]
    other = ~np.isin(categories, list(colors))
    if other.any():
        out.append(("#999999", other))
    return out


def _feature_categories(layer: Layer) -> np.ndarray | None:
    field = layer.style.get("category_field")
    if not field or field not in layer.frame.columns:
        return None
    key = ("categories", field)
    if key not in layer.cache:
        layer.cache[key] = layer.frame[field].astype(object).where(layer.frame[field].notna(), "").to_numpy()
    return layer.cache[key]


def _draw_control(painter: QPainter, layer: Layer, view: MapView, rows: np.ndarray | None, color: str,
                  style: dict) -> None:
    """Control features are drawn as their zones, exactly as the check sees them; a centre line
    whose zone would be thinner than THIN_ZONE_PX on screen is drawn as a 1 px line instead (a
    city-wide view of 100k road centre lines then needs no buffers at all)."""
    wanted = np.ones(len(layer.frame), dtype=bool) if rows is None else rows
    linear, width = _zone_widths(layer)
    thin = wanted & linear & (width / view.resolution < THIN_ZONE_PX)
    pieces, shown = [], []
    for lines, subset in ((False, wanted & ~linear), (True, wanted & linear & ~thin)):
        if subset.any():
            zones = _zones(layer, lines)
            pieces += _rings_paths(zones.rings, view, subset)
            shown.append(zones.geoms[subset[zones.rows] & _in_view(zones.bounds, view)])
    shown = np.concatenate(shown) if shown else np.zeros(0, dtype=object)
    if 0 < len(shown) <= DISSOLVE_OUTLINES:
        # Zones overlap (a road's buffered segments at every joint): the fill is one winding fill
        # already, and the outline is their union's, not a tangle of round caps.
        _draw_path(painter, pieces, color, style, outline=False)
        outline = _rings_paths(rings_of(np.array([shapely.union_all(shown)]), polygons=True), view, None)
        thin_outline = _prepare_for_size(painter, outline)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(_pen(style.get("stroke", color), style.get("width", 1.0), style.get("dash", False),
                            thin_outline))
        for piece in outline:
            painter.drawPath(piece)
    else:
        _draw_path(painter, pieces, color, style)
    if thin.any():
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(_pen(style.get("stroke", color), 1.0, False))
        for piece in _rings_paths(layer.lines, view, thin):
            painter.drawPath(piece)


def _zone_widths(layer: Layer) -> tuple[np.ndarray, np.ndarray]:
    """Which features are lines, and how wide their zones are (m)."""
    if "zone_widths" not in layer.cache:
        from gisdesk.analysis.conflicts import zone_widths

        layer.cache["zone_widths"] = zone_widths(layer.frame)
    return layer.cache["zone_widths"]


@dataclass(frozen=True)
class _Zones:
    rows: np.ndarray  # the layer rows they belong to
    geoms: np.ndarray  # zone polygons
    bounds: np.ndarray  # (n, 4)
    rings: Rings  # their rings, feature = layer row


def _zones(layer: Layer, lines: bool) -> _Zones:
    """The zones of the control layer's lines (buffers) or of its polygons, made when first drawn."""
    key = "line_zones" if lines else "polygon_zones"
    if key not in layer.cache:
        from gisdesk.analysis.conflicts import control_zones

        rows = np.flatnonzero(_zone_widths(layer)[0] == lines)
        zones, _ = control_zones(layer.frame.iloc[rows], layer.kind)
        rings = rings_of(zones, polygons=True)
        layer.cache[key] = _Zones(rows, zones, shapely.bounds(zones),
                                  Rings(rings.coords, rings.starts, rows[rings.feature], rings.bounds))
    return layer.cache[key]


def _in_view(bounds: np.ndarray, view: MapView) -> np.ndarray:
    xmin, ymin, xmax, ymax = view.extent
    return (bounds[:, 2] >= xmin) & (bounds[:, 0] <= xmax) & (bounds[:, 3] >= ymin) & (bounds[:, 1] <= ymax)


def _rings_paths(rings: Rings, view: MapView, row_mask: np.ndarray | None) -> list[QPainterPath]:
    """The rings in view (and of the rows in `row_mask`) as paths in pixels, in pieces of about
    PIECE_ELEMENTS elements; a feature's rings stay in one piece (its holes need its exterior)."""
    n = len(rings.starts) - 1
    if n <= 0:
        return []
    bounds = rings.bounds
    xmin, ymin, xmax, ymax = view.extent
    keep = (bounds[:, 2] >= xmin) & (bounds[:, 0] <= xmax) & (bounds[:, 3] >= ymin) & (bounds[:, 1] <= ymax)
    if row_mask is not None:
        keep &= row_mask[rings.feature]
    picked = np.flatnonzero(keep)
    if len(picked) == 0:
        return []
    if len(picked) == n:
        coords, starts = rings.coords, rings.starts
    else:
        lengths = rings.starts[picked + 1] - rings.starts[picked]
        starts = np.concatenate([[0], np.cumsum(lengths)])
        index = np.repeat(rings.starts[picked] - starts[:-1], lengths) + np.arange(starts[-1])
        coords = rings.coords[index]
    px, py = view.to_pixels(coords[:, 0], coords[:, 1])
    feature = rings.feature[picked]
    first_of_feature = np.concatenate([[True], feature[1:] != feature[:-1]])
    piece = np.maximum.accumulate(np.where(first_of_feature, starts[:-1] // PIECE_ELEMENTS, 0))
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(piece)) + 1, [len(picked)]])
    return [path_from_arrays(px[starts[a]:starts[b]], py[starts[a]:starts[b]], starts[a:b + 1] - starts[a])
            for a, b in zip(cuts[:-1], cuts[1:])]


def _draw_points(painter: QPainter, layer: Layer, view: MapView, row_mask, color: str, style: dict) -> None:
    coords, feature = layer.points
    if len(coords) == 0:
        return
    keep = row_mask[feature] if row_mask is not None else np.ones(len(feature), dtype=bool)
    px, py = view.to_pixels(coords[keep, 0], coords[keep, 1])
    inside = (px >= -10) & (px <= view.width + 10) & (py >= -10) & (py <= view.height + 10)
    size = float(style.get("point_size", 6))
    painter.setPen(QPen(QColor("#ffffff"), 1.0))
    painter.setBrush(QColor(color))
    for x, y in zip(px[inside], py[inside]):
        painter.drawEllipse(QPointF(x, y), size / 2, size / 2)


def _draw_outline(painter: QPainter, layer: Layer, rows: np.ndarray, view: MapView, color: str) -> None:
    mask = np.zeros(len(layer.frame), dtype=bool)
    mask[rows[rows < len(mask)]] = True
    painter.save()
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(color), 3.0))
    polygons = [_zones(layer, False).rings, _zones(layer, True).rings] if layer.info.is_control \
        else [layer.polygon_rings]
    for rings in (*polygons, layer.lines):
        for piece in _rings_paths(rings, view, mask):
            painter.drawPath(piece)
    coords, feature = layer.points
    for x, y in zip(*view.to_pixels(coords[mask[feature], 0], coords[mask[feature], 1])):
        painter.drawEllipse(QPointF(x, y), 7, 7)
    painter.restore()


def _brush(color: str, alpha: float) -> QBrush:
    c = QColor(color)
    c.setAlphaF(alpha)
    return QBrush(c)


def _pen(color: str, width: float, dash: bool, thin: bool = False) -> QPen:
    pen = QPen(QColor(color), min(width, 1.0) if thin else width)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if dash:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


# --- labels ------------------------------------------------------------------------------

def label_font(pixel_size: int = 12) -> QFont:
    font = QFont(LABEL_FONT)
    font.setPixelSize(pixel_size)
    return font


def _draw_labels(painter: QPainter, layer: Layer, view: MapView, placed: list[QRectF]) -> None:
    style = layer.style
    field = style["label_field"]
    if field not in layer.frame.columns or view.scale_denominator() > style.get("label_max_scale", float("inf")):
        return
    xmin, ymin, xmax, ymax = view.extent
    rows = layer.in_box(xmin, ymin, xmax, ymax)
    if len(rows) == 0 or len(rows) > 50_000:  # too many to read: zoom in for labels
        return
    texts = layer.frame[field].to_numpy(dtype=object)[rows]
    has_text = np.array([isinstance(t, str) and t.strip() != "" for t in texts])
    rows, texts = rows[has_text], texts[has_text]
    if len(rows) == 0:
        return
    b = layer.bounds[rows]
    size_px = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) / view.resolution ** 2
    keep = size_px >= style.get("label_min_area_px", 0)
    rows, texts, size_px = rows[keep], texts[keep], size_px[keep]
    order = np.argsort(-size_px, kind="stable")[:MAX_LABELS]
    points = layer.label_points[rows[order]]
    px, py = view.to_pixels(points[:, 0], points[:, 1])
    font = label_font(12)
    metrics = QFontMetricsF(font)
    painter.save()
    painter.setFont(font)
    halo = QPen(QColor(255, 255, 255, 220), 3.0)
    color = QColor(style.get("label_color", "#333333"))
    for text, x, y in zip(texts[order], px, py):
        width = metrics.horizontalAdvance(text)
        rect = QRectF(x - width / 2, y - metrics.height() / 2, width, metrics.height())
        if not QRectF(0, 0, view.width, view.height).contains(rect):
            continue
        padded = rect.adjusted(-3, -2, 3, 2)
        if any(padded.intersects(other) for other in placed):
            continue
        placed.append(padded)
        path = QPainterPath()
        path.addText(QPointF(rect.left(), rect.top() + metrics.ascent()), font, text)
        painter.strokePath(path, halo)
        painter.fillPath(path, color)
    painter.restore()
