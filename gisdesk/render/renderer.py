"""Drawing layers with QPainter: the canvas renders into a QImage with it, exports onto pages.

render() draws a Scene — snapshots of the layers taken on the GUI thread (render.snapshot) —
through a RenderContext (render.context): the view, the picture's dpi, screen or print, and
whether selection and highlight are drawn. It reads nothing of the live layers, so it can
run in a worker thread while the GUI thread edits them. Sizes come in mm and pt and the
context turns them into pixels. The visible layers are drawn bottom-up: per layer (and per
category) one path of all the features in view, so a million footprints take a few path
fills, not a million draw calls. Labels go last, largest features first, and a label that
would overlap one already placed is dropped. What is derived from a layer's data (zones,
polygon areas, category arrays) is computed once per data generation and kept with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

from gisdesk.layers.zones import control_zones, zone_widths
from gisdesk.layers.data import Rings, rings_of
from gisdesk.render.annotations import draw_annotations
from gisdesk.render.conflict_marks import draw_conflict_marks
from gisdesk.render.context import PRINT, RenderContext
from gisdesk.render.paths import path_from_arrays
from gisdesk.render.problems import draw_problems
from gisdesk.render.raster import draw_raster
from gisdesk.render.snapshot import LayerSnapshot, Scene
from gisdesk.render.style import style_size
from gisdesk.render.view import PX96_MM, MapView

MAX_LABELS = 400
TINY_PX = 1.0  # polygons narrower and lower than this many pixels are drawn as coverage dots
HUGE_PATH = 30_000  # path elements beyond which a path is drawn without antialiasing
THIN_OUTLINE_PATH = 5_000  # path elements beyond which outlines are drawn 1 px wide
DISSOLVE_OUTLINES = 3_000  # control zones in view up to which one outline is drawn around them all
# A path is drawn in pieces of at most this many elements: QPainter holds the GIL while it fills
# a path (~0.1 s per 100k elements), and the UI thread must get it back every few tens of ms.
PIECE_ELEMENTS = 40_000

# The renderer's own sizes, in mm: the pixels they were on a 96 dpi screen
THIN_ZONE_MM = 1.5 * PX96_MM  # a centre line whose zone is narrower on the page is drawn as a line
ZONE_LINE_MM = 1.0 * PX96_MM  # ... this wide
POINT_OUTLINE_MM = 1.0 * PX96_MM  # the white ring around point symbols
SELECTION_MM = 3.0 * PX96_MM  # outline of selected and highlighted features
HIGHLIGHT_POINT_MM = 7.0 * PX96_MM  # radius of the ring around a highlighted point
LABEL_HALO_MM = 3.0 * PX96_MM
LABEL_GAP_MM = (3.0 * PX96_MM, 2.0 * PX96_MM)  # space kept free around a label, across and up
SELECTION_COLOR = "#ffd400"


def render_image(scene: Scene, context: RenderContext, *, background: str = "#f7f5f0",
                 cancelled: Callable[[], bool] = lambda: False) -> QImage:
    view = context.view
    image = QImage(view.width, view.height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(background))
    painter = QPainter(image)
    try:
        render(painter, scene, context, cancelled=cancelled)
    finally:
        painter.end()
    return image


def render(painter: QPainter, scene: Scene, context: RenderContext, *,
           cancelled: Callable[[], bool] = lambda: False) -> None:
    """Draw the scene's base maps, then its layers (bottom first) as the context says onto `painter`."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    for basemap in scene.basemaps:  # under everything (render.raster)
        if basemap.visible and not cancelled():
            draw_raster(painter, basemap, context, cancelled=cancelled)
    placed: list[QRectF] = []
    layers = scene.layers
    for layer in layers:
        if not layer.visible or cancelled():
            continue
        painter.save()
        painter.setOpacity(layer.opacity)
        _draw_layer(painter, layer, context)
        painter.restore()
    if scene.problems is not None and not cancelled():  # topology problems over the layers (render.problems)
        draw_problems(painter, scene.problems, context)
    if context.draw_highlight:
        for layer, rows in scene.highlight:
            _draw_outline(painter, layer, rows, context, scene.highlight_color)
    if scene.marks is not None and not cancelled():  # the conflict shown: over the features, under the labels
        draw_conflict_marks(painter, scene.marks, context)
    for layer in reversed(layers):  # labels of the top layers win the space
        if layer.visible and layer.style.get("label_field") and not cancelled():
            _draw_labels(painter, layer, context, placed)
    if scene.annotations and not cancelled():  # the user's annotations over everything (render.annotations)
        draw_annotations(painter, scene.annotations, context)


# --- features ----------------------------------------------------------------------------

def _draw_layer(painter: QPainter, layer: LayerSnapshot, context: RenderContext) -> None:
    style = layer.style
    view = context.view
    width = _width_px(style, context)
    categories = _feature_categories(layer)
    for color, rows in _by_color(layer, categories):
        if layer.info.is_control:
            _draw_control(painter, layer, context, rows, color, style)
        else:
            large = _draw_dots(painter, layer, context, rows, color, style)
            if large is not None:
                _draw_path(painter, _rings_paths(layer.data.polygon_rings, view, large), color, style, width)
            lines = _rings_paths(layer.data.lines, view, rows)
            if lines:
                thin = _prepare_for_size(painter, lines)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(_pen(color, width * 1.5, False, thin))
                for piece in lines:
                    painter.drawPath(piece)
            _draw_points(painter, layer, context, rows, color, style)
    if context.draw_selection and len(layer.selected_rows):
        _draw_outline(painter, layer, layer.selected_rows, context, SELECTION_COLOR)


def _width_px(style, context: RenderContext) -> float:
    """The style's outline width in pixels of the picture."""
    return context.mm(style_size(style, "width_mm"))


def _draw_path(painter: QPainter, pieces: list[QPainterPath], color: str, style, width: float, *,
               outline: bool = True) -> None:
    if not pieces:
        return
    thin = _prepare_for_size(painter, pieces)
    painter.setBrush(_brush(color, style.get("fill_alpha", 1.0)))
    if outline:
        painter.setPen(_pen(style.get("stroke", color), width, style.get("dash", False), thin))
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


def _draw_dots(painter: QPainter, layer: LayerSnapshot, context: RenderContext, row_mask: np.ndarray | None,
               color: str, style) -> np.ndarray | None:
    """Draw polygons smaller than a pixel as dots; return the mask of the rows left to draw as paths.

    Why: at small scales a 1M-building city is a million footprints under a pixel each; a
    path of them costs a huge rasterisation (and building their rings), yet all it shows is
    how much of each pixel is covered, and in which colours. So each tiny polygon adds its
    coverage — its area in the fill colour, its outline's band in the stroke colour — to its
    pixel, and one picture of those pixels is drawn. Returns None when nothing is left.
    """
    view = context.view
    polygonal, areas = _polygon_arrays(layer)
    b = layer.data.bounds
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
        stroke_px = _width_px(style, context)
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


def _polygon_arrays(layer: LayerSnapshot) -> tuple[np.ndarray, np.ndarray]:
    """(is a polygon, area) of each feature: pixel-independent, so kept with the data."""
    data = layer.data

    def compute():
        geoms = data.geometries
        return np.isin(shapely.get_type_id(geoms), (3, 6)), shapely.area(geoms)
    return data.derived("polygon_arrays", compute, columns=(data.geometry_column,))


def _by_color(layer: LayerSnapshot, categories: np.ndarray | None):
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


def _feature_categories(layer: LayerSnapshot) -> np.ndarray | None:
    field = layer.style.get("category_field")
    frame = layer.data.frame
    if not field or field not in frame.columns:
        return None
    return layer.data.derived(("categories", field),
                              lambda: frame[field].astype(object).where(frame[field].notna(), "").to_numpy(),
                              columns=(field,))


def _draw_control(painter: QPainter, layer: LayerSnapshot, context: RenderContext, rows: np.ndarray | None,
                  color: str, style) -> None:
    """Control features are drawn as their zones, exactly as the check sees them; a centre line
    whose zone would be thinner than THIN_ZONE_MM on the page is drawn as a thin line instead (a
    city-wide view of 100k road centre lines then needs no buffers at all)."""
    view = context.view
    stroke = _width_px(style, context)
    wanted = np.ones(len(layer.data), dtype=bool) if rows is None else rows
    linear, width = _zone_widths(layer)
    thin = wanted & linear & (width / view.resolution < context.mm(THIN_ZONE_MM))
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
        _draw_path(painter, pieces, color, style, stroke, outline=False)
        outline = _rings_paths(rings_of(np.array([shapely.union_all(shown)]), polygons=True), view, None)
        thin_outline = _prepare_for_size(painter, outline)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(_pen(style.get("stroke", color), stroke, style.get("dash", False), thin_outline))
        for piece in outline:
            painter.drawPath(piece)
    else:
        _draw_path(painter, pieces, color, style, stroke)
    if thin.any():
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(_pen(style.get("stroke", color), context.mm(ZONE_LINE_MM), False))
        for piece in _rings_paths(layer.data.lines, view, thin):
            painter.drawPath(piece)


def _zone_widths(layer: LayerSnapshot) -> tuple[np.ndarray, np.ndarray]:
    """Which features are lines, and how wide their zones are (m)."""
    return layer.data.derived("zone_widths", lambda: zone_widths(layer.data.frame))


@dataclass(frozen=True)
class _Zones:
    rows: np.ndarray  # the layer rows they belong to
    geoms: np.ndarray  # zone polygons
    bounds: np.ndarray  # (n, 4)
    rings: Rings  # their rings, feature = layer row


def _zones(layer: LayerSnapshot, lines: bool) -> _Zones:
    """The zones of the control layer's lines (buffers) or of its polygons, made when first drawn."""
    def compute():
        rows = np.flatnonzero(_zone_widths(layer)[0] == lines)
        zones, _ = control_zones(layer.data.frame.iloc[rows], layer.kind)
        rings = rings_of(zones, polygons=True)
        return _Zones(rows, zones, shapely.bounds(zones), Rings(rings.coords, rings.starts, rows[rings.feature],
                                                                  rings.bounds))
    return layer.data.derived(("line_zones" if lines else "polygon_zones", layer.kind), compute)


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


def _draw_points(painter: QPainter, layer: LayerSnapshot, context: RenderContext, row_mask, color: str,
                 style) -> None:
    coords, feature = layer.data.points
    if len(coords) == 0:
        return
    view = context.view
    keep = row_mask[feature] if row_mask is not None else np.ones(len(feature), dtype=bool)
    px, py = view.to_pixels(coords[keep, 0], coords[keep, 1])
    size = context.mm(style_size(style, "point_size_mm"))
    margin = size + 4  # a symbol just outside still shows its edge
    inside = (px >= -margin) & (px <= view.width + margin) & (py >= -margin) & (py <= view.height + margin)
    painter.setPen(QPen(QColor("#ffffff"), context.mm(POINT_OUTLINE_MM)))
    painter.setBrush(QColor(color))
    for x, y in zip(px[inside], py[inside]):
        painter.drawEllipse(QPointF(x, y), size / 2, size / 2)


def _draw_outline(painter: QPainter, layer: LayerSnapshot, rows: np.ndarray, context: RenderContext,
                  color: str) -> None:
    view, data = context.view, layer.data
    mask = np.zeros(len(data), dtype=bool)
    mask[rows[(rows >= 0) & (rows < len(mask))]] = True
    painter.save()
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(color), context.mm(SELECTION_MM)))
    polygons = [_zones(layer, False).rings, _zones(layer, True).rings] if layer.info.is_control \
        else [data.polygon_rings]
    for rings in (*polygons, data.lines):
        for piece in _rings_paths(rings, view, mask):
            painter.drawPath(piece)
    coords, feature = data.points
    radius = context.mm(HIGHLIGHT_POINT_MM)
    for x, y in zip(*view.to_pixels(coords[mask[feature], 0], coords[mask[feature], 1])):
        painter.drawEllipse(QPointF(x, y), radius, radius)
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

def _draw_labels(painter: QPainter, layer: LayerSnapshot, context: RenderContext, placed: list[QRectF]) -> None:
    style, data, view = layer.style, layer.data, context.view
    field = style["label_field"]
    if field not in data.frame.columns or context.scale_denominator > style.get("label_max_scale", float("inf")):
        return
    xmin, ymin, xmax, ymax = view.extent
    rows = data.in_box(xmin, ymin, xmax, ymax)
    if len(rows) == 0 or len(rows) > 50_000:  # too many to read: zoom in for labels
        return
    texts = data.frame[field].to_numpy(dtype=object)[rows]
    has_text = np.array([isinstance(t, str) and t.strip() != "" for t in texts])
    rows, texts = rows[has_text], texts[has_text]
    if len(rows) == 0:
        return
    b = data.bounds[rows]
    size_px = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) / view.resolution ** 2
    keep = size_px >= context.mm2(style_size(style, "label_min_area_mm2"))
    rows, texts, size_px = rows[keep], texts[keep], size_px[keep]
    order = np.argsort(-size_px, kind="stable")[:MAX_LABELS]
    points = data.label_points[rows[order]]
    px, py = view.to_pixels(points[:, 0], points[:, 1])
    font = context.font(style_size(style, "label_size_pt"))
    metrics = QFontMetricsF(font)
    painter.save()
    painter.setFont(font)
    halo = QPen(QColor(255, 255, 255, 220), context.mm(LABEL_HALO_MM))
    color = QColor(style.get("label_color", "#333333"))
    gap_x, gap_y = context.mm(LABEL_GAP_MM[0]), context.mm(LABEL_GAP_MM[1])
    for text, x, y in zip(texts[order], px, py):
        width = metrics.horizontalAdvance(text)
        rect = QRectF(x - width / 2, y - metrics.height() / 2, width, metrics.height())
        if not QRectF(0, 0, view.width, view.height).contains(rect):
            continue
        padded = rect.adjusted(-gap_x, -gap_y, gap_x, gap_y)
        if any(padded.intersects(other) for other in placed):
            continue
        placed.append(padded)
        path = QPainterPath()
        path.addText(QPointF(rect.left(), rect.top() + metrics.ascent()), font, text)
        painter.strokePath(path, halo)
        if context.target == PRINT:  # as text, not a path: a PDF's labels can be searched and copied
            painter.setPen(color)
            painter.drawText(QPointF(rect.left(), rect.top() + metrics.ascent()), text)
        else:
            painter.fillPath(path, color)
    painter.restore()
