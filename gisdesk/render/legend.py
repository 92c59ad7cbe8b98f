"""The map's legend: what each visible layer's symbols mean, as data and painted with QPainter.

`legend_entries(layers)` reads the layers (Layer or LayerSnapshot: anything with kind, info,
title, style, visible, opacity and data) top of the drawing order first, as the map shows them:
one entry per visible layer with a swatch of its style, and for a categorised style (ledger
status, parking category, estate status) one child per category value its features hold, in the
style's order, plus "other" for values without a colour of their own. The swatch is drawn as
the renderer draws the layer: control lines as their filled zones, polygons filled and outlined,
lines as a stroke, points as dots with a white ring, each category as its own features are (a
box with a dot where they are areas and points both: parking lots).

`mark_entries(problems, marks)` adds what a scene draws over the layers (topology problems, the selected
conflict's overlap, setback line and distance), so that nothing on the map goes unexplained.

`layout_legend(entries, ...)` places the rows (sizes in mm and pt, turned into pixels at a dpi,
so the print layout gets the screen's legend at 300 dpi) and `paint_legend(painter, layout,
origin)` draws them; the app's legend dock and a page's legend both use these. QtGui only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QTransform

from gisdesk.i18n import tr
from gisdesk.layers.styles import PX96_MM
from gisdesk.render import conflict_marks as cm
from gisdesk.render import problems as pr
from gisdesk.render.conflict_marks import ConflictMarks
from gisdesk.render.snapshot import Problems

OTHER_COLOR = "#999999"  # what the renderer draws category values without a colour of their own in
FONT = "Noto Sans CJK SC"
POLYGON, LINE, POINT, ZONE, POLYGON_POINT = "polygon", "line", "point", "zone", "polygon+point"
MIXED_SHARE = 0.2  # the lesser of polygons and points, of both, from which a swatch shows both


@dataclass(frozen=True)
class Symbol:
    """How a swatch is drawn: `shape` polygon/zone (a filled box), line (a stroke) or point (a dot)."""
    shape: str
    color: str  # fill of boxes and dots, colour of strokes
    fill_alpha: float = 1.0
    stroke: str | None = None  # outline of boxes (None: the colour)
    dash: bool = False
    opacity: float = 1.0  # the layer's
    hatch: bool = False  # diagonal lines over the fill (topology overlaps)


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: a layer (children: its categories) or one category of a layer."""
    title: str
    symbol: Symbol | None  # None: a categorised layer's heading (its children have the swatches)
    children: tuple[LegendEntry, ...] = ()
    layer_id: str = ""
    value: object = None  # the category value of a child


def legend_entries(layers, *, present_only: bool = True) -> list[LegendEntry]:
    """Entries of the visible layers of `layers` (given bottom first, as a document keeps them),
    top first. With `present_only` a categorised layer lists only the values its features hold."""
    entries = []
    for layer in reversed(list(layers)):
        if not layer.visible:
            continue
        style = dict(layer.style)
        shape = _shape(layer)
        opacity = float(getattr(layer, "opacity", 1.0))
        field_name = style.get("category_field")
        colors = dict(style.get("categories") or {})
        layer_id = getattr(layer, "id", "") or layer.info.table
        if field_name and colors:
            values = _values(layer, field_name)
            shown = [v for v in colors if not present_only or values is None or v in values]
            shapes = _shape(layer, field_name)  # each category as its features are: lines, areas, points
            children = [LegendEntry(str(v), _symbol(shapes.get(str(v), shape), colors[v], style, opacity),
                                    layer_id=layer_id, value=v) for v in shown]
            if values is not None and any(v not in colors for v in values):
                children.append(LegendEntry(tr("其他", "Other"), _symbol(shape, OTHER_COLOR, style, opacity),
                                            layer_id=layer_id))
            entries.append(LegendEntry(layer.title, None, tuple(children), layer_id=layer_id))
        else:
            entries.append(LegendEntry(layer.title, _symbol(shape, style.get("fill", "#888888"), style, opacity),
                                       layer_id=layer_id))
    return entries


def _symbol(shape: str, color: str, style: dict, opacity: float) -> Symbol:
    if shape == POINT:
        return Symbol(POINT, color, 1.0, "#ffffff", False, opacity)
    if shape == LINE:
        return Symbol(LINE, color, 1.0, None, bool(style.get("dash")), opacity)
    return Symbol(shape, color, float(style.get("fill_alpha", 1.0)), style.get("stroke") or color,
                  bool(style.get("dash")), opacity)


def _shape(layer, field_name: str | None = None):
    """What the layer's features are: zone (a control layer), polygon, line, point, or polygon+point
    when points are at least MIXED_SHARE of polygons-and-points (parking lots drawn as areas and
    as points). With `field_name`, a dict of that per category value (and None for the layer)."""
    if layer.info.is_control:
        return {} if field_name else ZONE
    if len(layer.info.geometries) == 1:  # the kind admits one family (buildings): no need to look at 1 M features
        return {} if field_name else {"polygon": POLYGON, "line": LINE, "point": POINT}[layer.info.geometries[0]]
    data = layer.data
    frame = data.frame
    if field_name and field_name not in frame.columns:
        field_name = None

    def family_shape(types: np.ndarray) -> str:
        counts = {POLYGON: int(np.isin(types, (3, 6)).sum()), LINE: int(np.isin(types, (1, 2, 5)).sum()),
                  POINT: int(np.isin(types, (0, 4)).sum())}
        if not any(counts.values()):
            return POLYGON
        shape = max(counts, key=lambda k: (counts[k], k == POLYGON))
        if shape in (POLYGON, POINT) and min(counts[POLYGON], counts[POINT]) >= MIXED_SHARE * (
                counts[POLYGON] + counts[POINT]):
            return POLYGON_POINT
        return shape

    def compute():
        types = shapely.get_type_id(data.geometries)
        if field_name is None:
            return family_shape(types)
        values = frame[field_name].astype(object).where(frame[field_name].notna(), "").astype(str).to_numpy()
        return {value: family_shape(types[values == value]) for value in np.unique(values)}
    columns = (data.geometry_column,) + ((field_name,) if field_name else ())
    return data.derived(("legend_shape", field_name), compute, columns=columns)


def _values(layer, field_name: str) -> frozenset | None:
    """The category values the layer's features hold (None: the layer has no such field)."""
    data = layer.data
    frame = data.frame
    if field_name not in frame.columns:
        return None
    return data.derived(("legend_values", field_name),
                        lambda: frozenset(frame[field_name].dropna().astype(str).unique()), columns=(field_name,))


def mark_entries(problems: Problems | None = None, marks: ConflictMarks | None = None,
                 highlight: str | None = None) -> list[LegendEntry]:
    """What a scene draws over its layers (its `problems`, `marks` and the colour of its
    `highlight` outline), as a heading "地图标记" and one child each: the topology problems of the
    visible layers (overlaps, slivers, gaps), the features outlined, and the selected conflict's
    overlap, required setback line and shortest distance; [] when none."""
    children = []
    if problems is not None:
        for geoms, title, symbol in (
                (problems.overlaps, tr("拓扑重叠", "Topology overlap"),
                 Symbol(POLYGON, pr.OVERLAP_COLOR, pr.OVERLAP_FILL_ALPHA, pr.OVERLAP_COLOR, hatch=True)),
                (problems.slivers, tr("狭长碎片", "Sliver"), Symbol(POLYGON, pr.SLIVER_COLOR, 0.0, pr.SLIVER_COLOR)),
                (problems.gaps, tr("缝隙", "Gap"), Symbol(POLYGON, pr.GAP_COLOR, pr.GAP_FILL_ALPHA, pr.GAP_COLOR))):
            if len(geoms):
                children.append(LegendEntry(title, symbol))
    if highlight:
        children.append(LegendEntry(tr("所选要素", "Selected features"), Symbol(POLYGON, highlight, 0.0, highlight)))
    if marks is not None:
        if marks.overlap is not None and not shapely.is_empty(marks.overlap):
            children.append(LegendEntry(tr("冲突重叠部分", "Conflict overlap"),
                                        Symbol(POLYGON, cm.SHADE_COLOR, cm.SHADE_ALPHA, cm.SHADE_COLOR)))
        if marks.setback_line is not None and not shapely.is_empty(marks.setback_line):
            children.append(LegendEntry(tr("退线要求线", "Required setback line"),
                                        Symbol(LINE, cm.SETBACK_LINE_COLOR, dash=True)))
        if marks.shortest is not None and not shapely.is_empty(marks.shortest):
            children.append(LegendEntry(tr("最短距离", "Shortest distance"), Symbol(LINE, cm.DISTANCE_COLOR)))
    return [LegendEntry(tr("地图标记", "Map marks"), None, tuple(children))] if children else []


# --- layout and painting -------------------------------------------------------------------

@dataclass(frozen=True)
class LegendMetrics:
    """The legend's sizes (mm and pt) at a dpi; `px()` turns mm into the picture's pixels."""
    dpi: float = 96.0
    swatch_mm: tuple[float, float] = (16 * PX96_MM, 11 * PX96_MM)
    row_mm: float = 18 * PX96_MM  # height of a row
    gap_mm: float = 4 * PX96_MM  # between swatch and text, and between columns
    indent_mm: float = 8 * PX96_MM  # of a layer's categories
    padding_mm: float = 6 * PX96_MM
    text_pt: float = 9.0
    title_pt: float = 9.0
    family: str = FONT  # a PDF page may need another (export.pages)

    def px(self, mm: float) -> float:
        return mm * self.dpi / 25.4

    def font(self, size_pt: float, bold: bool = False) -> QFont:
        font = QFont(self.family)
        font.setPixelSize(max(1, round(size_pt * self.dpi / 72.0)))
        font.setBold(bold)
        return font


@dataclass
class LegendRow:
    entry: LegendEntry
    swatch: QRectF | None  # where its swatch goes, relative to the legend's top left
    text_at: QPointF  # baseline start of its title
    bold: bool = False


@dataclass
class LegendLayout:
    rows: list[LegendRow] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    metrics: LegendMetrics = field(default_factory=LegendMetrics)
    title: str = ""


def layout_legend(entries: list[LegendEntry], *, metrics: LegendMetrics | None = None,
                  width: float | None = None, title: str = "") -> LegendLayout:
    """Place the rows: a layer's title (bold when it heads categories) and its categories under it,
    in as many columns as fit `width` (pixels; None: one column). Positions relative to the top left."""
    m = metrics or LegendMetrics()
    pad, row_h, gap, indent = m.px(m.padding_mm), m.px(m.row_mm), m.px(m.gap_mm), m.px(m.indent_mm)
    sw, sh = m.px(m.swatch_mm[0]), m.px(m.swatch_mm[1])
    text_font, title_font = QFontMetricsF(m.font(m.text_pt)), QFontMetricsF(m.font(m.title_pt, True))
    layout = LegendLayout(metrics=m, title=title)
    y = pad
    widest = 0.0
    if title:
        layout.rows.append(LegendRow(LegendEntry(title, None), None, QPointF(pad, y + _baseline(row_h, title_font)), True))
        widest = title_font.horizontalAdvance(title)
        y += row_h
    for entry in entries:
        if entry.symbol is not None:
            swatch = QRectF(pad, y + (row_h - sh) / 2, sw, sh)
            layout.rows.append(LegendRow(entry, swatch, QPointF(pad + sw + gap, y + _baseline(row_h, text_font))))
            widest = max(widest, sw + gap + text_font.horizontalAdvance(entry.title))
            y += row_h
            continue
        layout.rows.append(LegendRow(entry, None, QPointF(pad, y + _baseline(row_h, title_font)), True))
        widest = max(widest, title_font.horizontalAdvance(entry.title))
        y += row_h
        if not entry.children:
            continue
        cell = sw + gap + max(text_font.horizontalAdvance(c.title) for c in entry.children) + gap
        columns = 1
        if width is not None:
            columns = max(1, min(len(entry.children), int((width - 2 * pad - indent + gap) // cell)))
        per_column = -(-len(entry.children) // columns)
        for i, child in enumerate(entry.children):
            col, line = divmod(i, per_column)
            x = pad + indent + col * cell
            top = y + line * row_h
            layout.rows.append(LegendRow(child, QRectF(x, top + (row_h - sh) / 2, sw, sh),
                                         QPointF(x + sw + gap, top + _baseline(row_h, text_font))))
        widest = max(widest, indent + columns * cell - gap)
        y += per_column * row_h
    layout.width = widest + 2 * pad
    layout.height = y + pad
    return layout


def _baseline(row_h: float, metrics: QFontMetricsF) -> float:
    return (row_h - metrics.height()) / 2 + metrics.ascent()


def paint_legend(painter: QPainter, layout: LegendLayout, origin: QPointF = QPointF(0, 0), *,
                 background: str | None = "#ffffff", text_color: str = "#222222") -> None:
    """Draw the legend with its top left at `origin` (in the painter's coordinates)."""
    m = layout.metrics
    painter.save()
    painter.translate(origin)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    if background is not None:
        painter.setPen(QPen(QColor("#b0b0b0"), max(1.0, m.px(PX96_MM))))
        back = QColor(background)
        back.setAlphaF(0.92)
        painter.setBrush(back)
        painter.drawRect(QRectF(0, 0, layout.width, layout.height))
    text_font, title_font = m.font(m.text_pt), m.font(m.title_pt, True)
    for row in layout.rows:
        if row.swatch is not None and row.entry.symbol is not None:
            draw_swatch(painter, row.entry.symbol, row.swatch, m)
        painter.setFont(title_font if row.bold else text_font)
        painter.setPen(QColor(text_color))
        painter.drawText(row.text_at, row.entry.title)
    painter.restore()


def draw_swatch(painter: QPainter, symbol: Symbol, rect: QRectF, metrics: LegendMetrics | None = None) -> None:
    """One symbol in `rect`, drawn as the renderer draws the layer's features."""
    m = metrics or LegendMetrics()
    width = max(1.0, m.px(1.2 * PX96_MM))
    painter.save()
    painter.setOpacity(painter.opacity() * symbol.opacity)
    if symbol.shape == POINT:
        radius = min(rect.width(), rect.height()) / 2
        painter.setPen(QPen(QColor("#ffffff"), max(1.0, m.px(PX96_MM))))
        painter.setBrush(QColor(symbol.color))
        painter.drawEllipse(rect.center(), radius, radius)
    elif symbol.shape == LINE:
        pen = QPen(QColor(symbol.color), max(2.0, m.px(3 * PX96_MM)))
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        if symbol.dash:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        path = QPainterPath(QPointF(rect.left(), rect.bottom() - rect.height() * 0.25))
        path.cubicTo(QPointF(rect.center().x(), rect.top()), QPointF(rect.center().x(), rect.bottom()),
                     QPointF(rect.right(), rect.top() + rect.height() * 0.25))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
    else:
        fill = QColor(symbol.color)
        fill.setAlphaF(symbol.fill_alpha)
        pen = QPen(QColor(symbol.stroke or symbol.color), width * (1.5 if symbol.shape == ZONE else 1.0))
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        if symbol.dash:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        inset = pen.widthF() / 2
        box = rect.adjusted(inset, inset, -inset, -inset)
        painter.drawRect(box)
        if symbol.shape == POLYGON_POINT:  # and a dot in the box: some of them are points
            painter.setPen(QPen(QColor("#ffffff"), max(1.0, m.px(PX96_MM))))
            painter.setBrush(QColor(symbol.color))
            painter.drawEllipse(box.center(), box.height() * 0.32, box.height() * 0.32)
        if symbol.hatch:
            hatch = QBrush(QColor(symbol.stroke or symbol.color), Qt.BrushStyle.BDiagPattern)
            hatch.setTransform(QTransform.fromScale(m.px(PX96_MM), m.px(PX96_MM)))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(hatch)
            painter.drawRect(box)
    painter.restore()
