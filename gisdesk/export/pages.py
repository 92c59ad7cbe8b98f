"""Drawing a page layout (gisdesk.export.layout) with QPainter, and exporting it as PDF, PNG or SVG.

One drawing serves the three formats: `draw_page(painter, layout, page, dpi)` paints onto any
device whose pixels are the page's at `dpi` (QPdfWriter, a QImage, QSvgGenerator). The map frame
is drawn by the one renderer (gisdesk.render.renderer.render) with a print RenderContext, so the
page shows the map exactly as the canvas does; the legend is the map's legend code
(render.legend), the scale bar and the north arrow are render.overlays'.

The PDF stays vector: zones, lines and text are PDF paths and text (semi-transparent fills are
PDF constant alpha — QPdfWriter writes an ExtGState with /ca and /CA, no raster fallback); only
a base map is an image. Text must be found again by search and copy, which needs the embedded
font's ToUnicode map to give back the characters drawn. Qt builds that map from the font's cmap
by taking, for each glyph, the lowest code point that maps to it; Noto Sans/Serif CJK (an
OpenType/CFF font) maps 280 common ideographs (一 人 大 水 面 长 黄 ...) to the same glyphs as
the Kangxi radicals U+2F00–U+2FDF and the CJK radicals supplement U+2E80–U+2EFF, which come
first, so pdftotext gives ⾯ (U+2FAF) for 面. So pages are drawn in PRINT_FONT, WenQuanYi Micro
Hei (Debian fonts-wqy-microhei, TrueType, 5 MB): none of its ideographs shares a glyph with a
lower code point (all 20 932 of U+4E00–U+9FFF checked with fontTools), and Qt embeds the subset
of its glyphs a page uses. Without it the page falls back to Noto with a warning.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import (QColor, QFont, QFontDatabase, QFontMetricsF, QImage, QPageLayout, QPageSize, QPainter,
                           QPdfWriter, QPen)

from gisdesk.annotations import load_annotations
from gisdesk.crs import crs_label
from gisdesk.errors import Cancelled, InputError
from gisdesk.export import layout as lay
from gisdesk.export.layout import Item, Layout
from gisdesk.i18n import tr
from gisdesk.jobs import Feedback
from gisdesk.layers.kinds import kind_of
from gisdesk.layers.layer import Layer
from gisdesk.layers.styles import default_style, fit_label_field
from gisdesk.render.context import LABEL_FONT, RenderContext
from gisdesk.render.legend import LegendEntry, LegendMetrics, Symbol, layout_legend, legend_entries, paint_legend
from gisdesk.render.overlays import draw_north_arrow, draw_scale_bar
from gisdesk.render.raster import raster_image
from gisdesk.render.renderer import render
from gisdesk.render.snapshot import Scene
from gisdesk.render.view import MM_PER_INCH, MapView

PRINT_FONT = "WenQuanYi Micro Hei"  # TrueType; Qt's PDF ToUnicode of it round-trips (see the module)
PDF_DPI = 300.0  # the PDF's user-space resolution (its vectors and text do not depend on it)
PDF_IMAGE_DPI = 200.0  # a PDF's base map images (--dpi): photos print well at 200; 300 reads and embeds 2.25 x the
#                        pixels (the demo's A3 page took 4-6 s instead of 3 on two busy cores)
PNG_DPI = 200.0  # see DEFAULT_DPI
SVG_DPI = 127.0  # 5 px a mm: the SVG's size in mm is exact (A3 2100 × 1485), and a base map image stays small
# The default dpi of each format. PNG 200: an A3 page is 3307 × 2339 px (7.7 MP, a few MB), enough
# for a 7-point label to stay sharp on an office print and more than any projector shows; 300
# dpi makes 17 MP and three times the time for no difference one can see on such a print.
DEFAULT_DPI = {"pdf": PDF_IMAGE_DPI, "png": PNG_DPI, "svg": SVG_DPI}
FORMATS = ("pdf", "png", "svg")
MAX_PIXELS = 40_000 * 40_000  # a PNG bigger than this is refused (A1 at 1200 dpi is 28 000 × 39 700)

INK, FRAME, GREY = "#1f1f1f", "#404040", "#777777"
FIT_MARGIN = 0.03  # a fitted map leaves this share of its frame free around the layers


# --- what a page shows ---------------------------------------------------------------------

@dataclass
class PageData:
    """What the page shows of a project: the layers (bottom first, labels of personal fields
    masked), base maps, the texts for the placeholders, and the totals of the last check."""
    name: str
    crs_text: str
    organisation: str
    layers: list[Layer]
    basemaps: list = field(default_factory=list)
    totals: list[tuple[str, list[tuple[str, int, float, int]]]] | None = None  # (layer title, rows) per subject
    folder: Path = Path(".")
    masked: list[str] = field(default_factory=list)  # "layer: field" labels masked
    warnings: list[str] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)  # logos kept in the project (layout.project_images)
    annotations: list = field(default_factory=list)  # the project's annotations (gisdesk.annotations), over the map
    _scene: Scene | None = None

    @property
    def scene(self) -> Scene:
        if self._scene is None:
            scene = Scene.of(self.layers, basemaps=self.basemaps, annotations=self.annotations)
            self._scene = replace(scene, basemaps=_seen_basemaps(scene.basemaps))
        return self._scene

    def extent(self) -> tuple[float, float, float, float] | None:
        """The bounding box of the visible layers' features (None: nothing to show)."""
        boxes = [e for e in (layer.extent() for layer in self.layers if layer.visible) if e is not None]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _seen_basemaps(snapshots) -> tuple:
    """The base maps a page draws: the visible ones that can be read, from the top down to the first
    opaque one (what lies under an opaque image is not seen, and reading it at print size costs
    seconds and megabytes of the PDF)."""
    seen = []
    for snapshot in reversed(snapshots):
        if snapshot.visible and snapshot.opacity > 0 and snapshot.source is not None:
            seen.append(snapshot)
            if snapshot.opacity >= 1:
                break
    return tuple(reversed(seen))


def read_page_data(project, *, with_personal_data: bool = False) -> PageData:
    """The page's data from an opened Project (its layers as the app shows them, in their styles)."""
    from gisdesk.layers.personal import masked_labels
    from gisdesk.layers.raster import raster_layers

    layers, masked, frames = [], [], {}
    for info in project.layers():
        frame = frames[info.id] = project.read_layer(info.id)
        style = info.style or fit_label_field(default_style(info.kind), frame)
        label = style.get("label_field")
        if label and label in frame.columns and not with_personal_data:
            frame, columns = _masked_labels(frame, label, info.kind)
            masked += [f"{info.title}：{c}" for c in masked_labels(columns, info.kind)]  # 当事人, not party
        title = None if info.title == kind_of(info.kind).name_zh else info.title
        layers.append(Layer(info.kind, frame, layer_id=info.id, title=title, style=style, visible=info.visible,
                            opacity=info.opacity))
    basemaps = [b for b in raster_layers(project)]
    crs = project.crs
    data = PageData(name=project.setting("name", project.path.stem), crs_text=crs_label(crs) if crs else "",
                    organisation=project.setting("organisation"), layers=layers, basemaps=basemaps,
                    folder=project.path.parent, masked=masked, images=lay.project_images(project),
                    annotations=load_annotations(project))
    data.totals = _totals(project, layers, frames)
    return data


def _masked_labels(frame, label: str, kind: str):
    """The frame with its label column as an export shows it (gisdesk.layers.personal.masked_column):
    masked when it is personal, the row's personal values scrubbed out of it when it is free text."""
    from gisdesk.layers.personal import masked_column

    column, masked = masked_column(frame, label, kind)
    if masked:
        frame = frame.copy()
        frame[label] = column
    return frame, masked


def _totals(project, layers: list[Layer], frames: dict):
    """Per subject layer of the last check: (control line, encroaching, overlap m², setback shortfalls)
    for each control line kind and all of them; None when the project has no check yet. `frames`:
    the layers as read (the subjects' columns are taken from them, not read again)."""
    from gisdesk.analysis.check import SUBJECT_COLUMNS
    from gisdesk.analysis.totals import ALL, project_totals, stored_conflicts
    from gisdesk.layers.kinds import SUBJECT_KINDS
    from gisdesk.errors import ProjectError
    from gisdesk.layers.names import kind_name

    try:
        conflicts = stored_conflicts(project)
    except ProjectError:
        return None
    subjects = {}
    for info in project.layers():
        if info.kind in SUBJECT_KINDS:
            frame = frames[info.id]
            wanted = ["uid", *SUBJECT_COLUMNS]  # as project.read_layer(id, SUBJECT_COLUMNS) gives them
            subjects[info.id] = frame[[c for c in wanted if c in frame.columns] + [frame.geometry.name]]
    totals = project_totals(project, subjects, conflicts, by="district")
    totals = totals[totals["group"] == ALL]
    titles = {layer.id: layer.title for layer in layers}
    out = []
    for layer_id, rows in totals.groupby("subject_layer", sort=False):
        table = [(tr("合计", "All") if row.control_kind == ALL else kind_name(row.control_kind),
                  int(row.encroach_count), float(row.overlap_m2), int(row.setback_count))
                 for row in rows.itertuples()]
        out.append((titles.get(layer_id, kind_name(layer_id)), table))
    return out


# --- fonts ---------------------------------------------------------------------------------

def page_font() -> tuple[str, str | None]:
    """The family pages are drawn in, and a warning when it is not PRINT_FONT."""
    if PRINT_FONT in QFontDatabase.families():
        return PRINT_FONT, None
    return LABEL_FONT, tr("未安装字体“文泉驿微米黑”（Debian 软件包 fonts-wqy-microhei）：页面改用 {f}，PDF 中部分汉字"
                          "（如“面”“黄”）复制或搜索时会变成相似的部首字符",
                          "the font WenQuanYi Micro Hei (Debian package fonts-wqy-microhei) is not installed: the page "
                          "uses {f}, and some ideographs of the PDF (面, 黄 ...) copy and search as look-alike radicals",
                          f=LABEL_FONT)


# --- drawing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PageGeometry:
    """The page in pixels at `dpi`, and the map frame's view (None: the layout has no map)."""
    dpi: float
    width: int
    height: int
    map_view: MapView | None
    scale: float | None  # N of the map frame's 1:N


def px(mm: float, dpi: float) -> float:
    return mm * dpi / MM_PER_INCH


def page_geometry(layout: Layout, page: PageData, dpi: float) -> PageGeometry:
    w_mm, h_mm = layout.size_mm
    width, height = round(px(w_mm, dpi)), round(px(h_mm, dpi))
    item = layout.map_item()
    if item is None:
        return PageGeometry(dpi, width, height, None, None)
    view, scale = map_view(item, page, dpi)
    return PageGeometry(dpi, width, height, view, scale)


def map_view(item: Item, page: PageData, dpi: float) -> tuple[MapView, float]:
    """The map frame's view at `dpi`: at its scale, or fitted to the layers at the next round scale."""
    w, h = max(1, round(px(item.w, dpi))), max(1, round(px(item.h, dpi)))
    extent = page.extent() or (0.0, 0.0, 1000.0, 1000.0)
    cx, cy = item.center if item.center is not None else ((extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2)
    if item.scale is not None:
        scale = item.scale
    else:
        fitted = MapView.fit(extent, w, h, margin=FIT_MARGIN)
        scale = lay.nice_scale(fitted.scale_denominator(dpi))
    view = MapView(cx, cy, 1.0, w, h).with_scale(scale, dpi)
    return view, scale


def fill_text(template: str, layout: Layout, page: PageData, geometry: PageGeometry) -> str:
    values = {"name": page.name, "organisation": page.organisation, "crs": page.crs_text,
              "date": layout.date or _today(), "scale": lay.format_scale(geometry.scale) if geometry.scale else ""}
    try:
        return template.format(**values).strip()
    except (KeyError, IndexError, ValueError):  # a brace of its own in the text: shown as written
        return template


def _today() -> str:
    day = dt.date.today()
    return tr("{y}年{m}月{d}日", "{y}-{m:02d}-{d:02d}", y=day.year, m=day.month, d=day.day)


def draw_page(painter: QPainter, layout: Layout, page: PageData, dpi: float, *, family: str | None = None,
              image_dpi: float | None = None, cancelled: Callable[[], bool] = lambda: False,
              progress: Callable[[float], None] = lambda fraction: None) -> PageGeometry:
    """Draw the page onto `painter`, whose device has the page's pixels at `dpi`; base map images are read
    at `image_dpi` (None: `dpi`) and drawn over the same frame."""
    family = family or page_font()[0]
    geometry = page_geometry(layout, page, dpi)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    painter.fillRect(QRectF(0, 0, geometry.width, geometry.height), QColor("#ffffff"))
    if layout.margin_mm > 0:
        m = px(layout.margin_mm, dpi)
        painter.setPen(QPen(QColor(FRAME), px(0.5, dpi)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(m, m, geometry.width - 2 * m, geometry.height - 2 * m))
    map_context, symbols = None, 1.0
    if geometry.map_view is not None:  # mm drawn `symbol_scale` times as large: a context of that many more dpi
        symbols = layout.map_item().symbol_scale
        map_context = RenderContext.for_print(geometry.map_view, dpi * symbols, font_family=family)
    for number, item in enumerate(layout.items):
        progress(number / max(1, len(layout.items)))
        if cancelled():
            raise Cancelled()
        rect = QRectF(px(item.x, dpi), px(item.y, dpi), px(item.w, dpi), px(item.h, dpi))
        painter.save()
        try:
            if item.kind in lay.TEXT_KINDS:
                _draw_text(painter, item, rect, fill_text(item.template(), layout, page, geometry), dpi, family)
            elif item.kind == lay.MAP:
                _draw_map(painter, page, map_context, rect, dpi, image_dpi or dpi, cancelled)
            elif item.kind == lay.LEGEND:
                _draw_legend(painter, item, page, rect, dpi, family)
            elif item.kind == lay.SCALE_BAR and map_context is not None:
                draw_scale_bar(painter, map_context, QPointF(rect.left() + px(2, dpi), rect.bottom() - px(1, dpi)),
                               max_width_mm=max(5.0, item.w - 25 * symbols) / symbols)
            elif item.kind == lay.NORTH_ARROW:
                context = RenderContext.for_print(MapView(0, 0, 1, 1, 1), dpi, font_family=family)
                size = min(item.w, item.h * 0.72)
                draw_north_arrow(painter, context, QPointF(rect.center().x(), rect.bottom() - px(size / 2, dpi)),
                                 size_mm=size)
            elif item.kind == lay.OVERVIEW:
                _draw_overview(painter, page, geometry, rect, dpi, family, image_dpi or dpi)
            elif item.kind == lay.TOTALS:
                _draw_totals(painter, item, page, rect, dpi, family)
            elif item.kind == lay.LOGO:
                _draw_logo(painter, item, page, rect)
        finally:
            painter.restore()
    return geometry


def _font(family: str, size_pt: float, dpi: float, bold: bool = False) -> QFont:
    font = QFont(family)
    font.setPixelSize(max(1, round(size_pt * dpi / 72.0)))
    font.setBold(bold)
    return font


def _draw_text(painter: QPainter, item: Item, rect: QRectF, text: str, dpi: float, family: str) -> None:
    """One text box: a line shrunk (to 60 %) until it fits its width; notes wrap within the box."""
    if not text:
        return
    align = {"left": Qt.AlignmentFlag.AlignLeft, "center": Qt.AlignmentFlag.AlignHCenter,
             "right": Qt.AlignmentFlag.AlignRight}[item.align]
    size = item.font_pt()
    painter.setPen(QColor(INK if item.kind != lay.CRS_NOTE else GREY))
    if item.kind == lay.TEXT:  # notes: wrapped, from the top; smaller until they fit the box
        flags = int(align | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)
        for _ in range(8):
            font = _font(family, size, dpi, item.bold)
            bounds = QFontMetricsF(font).boundingRect(rect, flags, text)
            if bounds.height() <= rect.height() or size < item.font_pt() * 0.6:
                break
            size *= 0.9
        painter.setFont(font)
        painter.drawText(rect, flags, text)
        return
    font = _font(family, size, dpi, item.bold)
    width = QFontMetricsF(font).horizontalAdvance(text)
    if width > rect.width():
        size = max(size * rect.width() / width, item.font_pt() * 0.6)
        font = _font(family, size, dpi, item.bold)
    metrics = QFontMetricsF(font)
    text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    painter.setFont(font)
    painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), text)


def _render(painter: QPainter, scene: Scene, context: RenderContext, dpi: float, image_dpi: float,
            cancelled=lambda: False) -> None:
    """render(), with the base maps read at `image_dpi` instead of the picture's `dpi` when it is lower
    (render.raster's picture of the same extent with fewer pixels, drawn over the whole view)."""
    if image_dpi >= dpi or not scene.basemaps:
        render(painter, scene, context, cancelled=cancelled)
        return
    view = context.view
    factor = image_dpi / dpi
    low = MapView(view.cx, view.cy, view.resolution / factor, max(1, round(view.width * factor)),
                  max(1, round(view.height * factor)))
    low_context = RenderContext.for_print(low, context.dpi * factor, font_family=context.font_family)
    for snapshot in scene.basemaps:
        if cancelled():
            raise Cancelled()
        if not snapshot.visible or snapshot.opacity <= 0:
            continue
        image = raster_image(snapshot, low_context, cancelled=cancelled)
        if image is not None:
            painter.save()
            painter.setOpacity(painter.opacity() * snapshot.opacity)
            painter.drawImage(QRectF(0, 0, view.width, view.height), image)
            painter.restore()
    render(painter, replace(scene, basemaps=()), context, cancelled=cancelled)


def _draw_map(painter: QPainter, page: PageData, context: RenderContext, rect: QRectF, dpi: float,
              image_dpi: float, cancelled) -> None:
    painter.translate(rect.topLeft())
    view = context.view
    painter.save()
    painter.setClipRect(QRectF(0, 0, view.width, view.height))
    painter.fillRect(QRectF(0, 0, view.width, view.height), QColor("#fbfaf7"))
    _render(painter, page.scene, context, dpi, image_dpi, cancelled)
    painter.restore()
    painter.setPen(QPen(QColor(FRAME), px(0.35, dpi)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(0, 0, view.width, view.height))


def _draw_legend(painter: QPainter, item: Item, page: PageData, rect: QRectF, dpi: float, family: str) -> None:
    """The map's legend (render.legend) of the visible layers and base maps, fitted to the box:
    as many columns as fit its width, the text smaller until it fits its height."""
    entries = legend_entries(page.scene.layers)
    shown = [b for b in page.scene.basemaps if b.visible and b.source is not None]
    if shown:
        entries.append(LegendEntry(tr("底图：", "Base map: ") + "、".join(
            f"{b.title}（{b.date}）" if b.date else b.title for b in shown), Symbol("polygon", "#c8c8c8")))
    title = item.title if item.title is not None else tr("图例", "Legend")
    size = item.font_pt()
    layout = None
    for _ in range(12):
        metrics = LegendMetrics(dpi=dpi, text_pt=size, title_pt=size, family=family)
        scale = size / 9.0
        metrics = replace(metrics, swatch_mm=tuple(v * scale for v in metrics.swatch_mm),
                          row_mm=metrics.row_mm * scale, gap_mm=metrics.gap_mm * scale,
                          indent_mm=metrics.indent_mm * scale, padding_mm=metrics.padding_mm * scale)
        layout = layout_legend(entries, metrics=metrics, width=rect.width(), title=title)
        if layout.height <= rect.height() and layout.width <= rect.width() + 0.5:
            break
        size *= 0.92
    painter.save()
    painter.setClipRect(rect)
    layout.width = rect.width()  # the box drawn is the item's
    layout.height = min(layout.height, rect.height())
    paint_legend(painter, layout, rect.topLeft(), background="#ffffff")
    painter.restore()


def _draw_overview(painter: QPainter, page: PageData, geometry: PageGeometry, rect: QRectF, dpi: float,
                   family: str, image_dpi: float) -> None:
    """The whole project small (its control lines and base maps) with the map frame's extent in red."""
    extent = page.extent()
    if extent is None:
        return
    if geometry.map_view is not None:
        x0, y0, x1, y1 = geometry.map_view.extent
        extent = (min(extent[0], x0), min(extent[1], y0), max(extent[2], x1), max(extent[3], y1))
    w, h = max(1, round(rect.width())), max(1, round(rect.height()))
    view = MapView.fit(extent, w, h, margin=0.06)
    layers = [layer for layer in page.layers if layer.info.is_control]
    scene = Scene(tuple(_without_labels(s) for s in Scene.of(layers).layers), basemaps=page.scene.basemaps)
    context = RenderContext.for_print(view, dpi, font_family=family)
    painter.translate(rect.topLeft())
    painter.save()
    painter.setClipRect(QRectF(0, 0, w, h))
    painter.fillRect(QRectF(0, 0, w, h), QColor("#ffffff"))
    _render(painter, scene, context, dpi, image_dpi)
    if geometry.map_view is not None:
        x0, y0, x1, y1 = geometry.map_view.extent
        (ax, bx), (ay, by) = view.to_pixels(np.array([x0, x1]), np.array([y1, y0]))
        painter.setPen(QPen(QColor("#d7191c"), px(0.5, dpi)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(QPointF(ax, ay), QPointF(bx, by)))
    painter.restore()
    painter.setPen(QPen(QColor(FRAME), px(0.3, dpi)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(0, 0, w, h))


def _without_labels(snapshot):
    """A layer snapshot without labels (an overview is too small for them)."""
    from types import MappingProxyType

    style = {k: v for k, v in snapshot.style.items() if k != "label_field"}
    return replace(snapshot, style=MappingProxyType(style))


def _draw_totals(painter: QPainter, item: Item, page: PageData, rect: QRectF, dpi: float, family: str) -> None:
    """The last check's totals: per subject layer, per control line, encroaching count and area, setback
    shortfalls; a line saying there is no check yet when there is none."""
    title = item.title if item.title is not None else tr("冲突统计", "Conflict totals")
    headers = [tr("控制线", "Control line"), tr("压线（处）", "Encroaching"), tr("压线面积（m²）", "Overlap (m²)"),
               tr("退线不足（处）", "Setback short")]
    size = item.font_pt()
    rows: list[tuple[str, list[str], bool]] = []  # (kind: head/group/row/total, cells)
    if page.totals is None:
        rows.append(("note", [tr("尚未运行冲突检查（gisdesk check）", "no conflict check run yet (gisdesk check)")], False))
    else:
        for layer_title, table in page.totals:
            rows.append(("group", [layer_title], True))
            for name, count, area, setback in table:
                total = name == tr("合计", "All")
                rows.append(("total" if total else "row", [name, f"{count}", f"{area:,.0f}", f"{setback}"], total))
    n_lines = 2 + len(rows)
    for _ in range(10):
        font, bold = _font(family, size, dpi), _font(family, size, dpi, True)
        metrics = QFontMetricsF(font)
        row_h = metrics.height() * 1.45
        widths = [max(QFontMetricsF(bold).horizontalAdvance(h) for h in [headers[0]] + [r[1][0] for r in rows
                                                                                         if r[0] in ("row", "total")])]
        widths += [QFontMetricsF(bold).horizontalAdvance(h) for h in headers[1:]]
        pad = metrics.height() * 0.6
        if n_lines * row_h <= rect.height() and sum(widths) + pad * len(widths) <= rect.width():
            break
        size *= 0.9
    spare = max(0.0, rect.width() - sum(widths) - pad * len(widths)) / len(widths)
    cols = [w + pad + spare for w in widths]
    x0, y = rect.left(), rect.top()
    painter.setPen(QColor(INK))
    painter.setFont(_font(family, size * 1.1, dpi, True))
    painter.drawText(QRectF(x0, y, rect.width(), row_h),
                     int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                     title)
    y += row_h
    thin, strong = QPen(QColor("#9a9a9a"), px(0.15, dpi)), QPen(QColor(INK), px(0.35, dpi))
    painter.setPen(strong)
    painter.drawLine(QPointF(x0, y), QPointF(x0 + sum(cols), y))

    def cells(values, font, y, *, fill=None):
        if fill is not None:
            painter.fillRect(QRectF(x0, y, sum(cols), row_h), QColor(fill))
        painter.setFont(font)
        painter.setPen(QColor(INK))
        x = x0
        for i, (value, width) in enumerate(zip(values, cols)):
            align = Qt.AlignmentFlag.AlignLeft if i == 0 else Qt.AlignmentFlag.AlignRight
            painter.drawText(QRectF(x + pad / 2, y, width - pad, row_h), int(align | Qt.AlignmentFlag.AlignVCenter),
                             value)
            x += width
    cells(headers, bold, y, fill="#eeeeee")
    y += row_h
    for kind, values, is_bold in rows:
        if kind == "group" or kind == "note":
            painter.setFont(bold if kind == "group" else font)
            painter.setPen(QColor(INK))
            painter.drawText(QRectF(x0 + pad / 2, y, sum(cols) - pad, row_h),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), values[0])
        else:
            cells(values, bold if is_bold else font, y, fill="#f5f5f5" if is_bold else None)
        y += row_h
        painter.setPen(strong if kind == "total" else thin)
        painter.drawLine(QPointF(x0, y), QPointF(x0 + sum(cols), y))


def _draw_logo(painter: QPainter, item: Item, page: PageData, rect: QRectF) -> None:
    if not item.path:
        return
    if item.path.startswith(lay.PROJECT_IMAGE):  # kept in the project (its setting image:NAME)
        path = item.path
        image = QImage.fromData(page.images.get(item.path[len(lay.PROJECT_IMAGE):], b""))
    else:
        path = Path(item.path)
        if not path.is_absolute():
            path = page.folder / path
        image = QImage(str(path))
    if image.isNull():
        page.warnings.append(tr("标志图片 {p} 无法读取，未画", "the logo {p} cannot be read: left out", p=path))
        return
    scale = min(rect.width() / image.width(), rect.height() / image.height())
    w, h = image.width() * scale, image.height() * scale
    painter.drawImage(QRectF(rect.left() + (rect.width() - w) / 2, rect.top() + (rect.height() - h) / 2, w, h), image)


# --- export --------------------------------------------------------------------------------

@dataclass
class ExportResult:
    path: Path
    format: str
    dpi: float
    size_bytes: int
    pixels: tuple[int, int]
    seconds: float
    scale: float | None
    font: str
    layout: str
    page: str = ""  # "A3 横向 420×297 mm"
    warnings: list[str] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)


def checked_output(project_path, out: Path, fmt: str, dpi: float | None) -> float:
    """The resolution to draw `fmt` at (`dpi`, else the format's default), once the dpi, the output's
    folder and the project file are fine; InputError naming what is not."""
    dpi = float(dpi) if dpi is not None else DEFAULT_DPI[fmt]
    if not 10 <= dpi <= 1200:
        raise InputError("分辨率 {dpi} dpi 不可用（10 到 1200）", "a resolution of {dpi} dpi cannot be used (10 to 1200)",
                         dpi=f"{dpi:g}")
    if not out.parent.is_dir():
        raise InputError("输出目录不存在：{folder}", "the output folder does not exist: {folder}", folder=out.parent)
    if not Path(project_path).is_file():
        raise InputError("项目文件不存在：{path}", "project file not found: {path}", path=project_path)
    if Path(project_path).resolve() == out.resolve():
        raise InputError("输出文件 {out} 就是项目文件", "the output {out} is the project file", out=out)
    return dpi


def export_page(project_path, out, *, layout_name: str | None = None, fmt: str | None = None,
                dpi: float | None = None, with_personal_data: bool = False,
                feedback: Feedback | None = None) -> ExportResult:
    """Draw a layout of the project (`layout_name`, None: the default page) into `out` as `fmt`
    (pdf, png, svg; None: by the file's extension). The file appears whole or not at all."""
    from gisdesk.export.basemap import ensure_gui
    from gisdesk.project import Project

    started = time.perf_counter()
    feedback = feedback or Feedback()
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise InputError("不支持的导出格式 {f}（可用 pdf、png、svg）", "unknown export format {f} (pdf, png or svg)", f=fmt)
    dpi = checked_output(project_path, out, fmt, dpi)
    project = Project.open(project_path)
    layout = lay.find_layout(project, layout_name) if layout_name else lay.default_layout(project)
    ensure_gui()
    family, warning = page_font()
    feedback.set_stage(tr("读取图层", "reading the layers"))
    page = read_page_data(project, with_personal_data=with_personal_data)
    if warning:
        page.warnings.append(warning)
    feedback.set_stage(tr("绘制页面", "drawing the page"))
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        if fmt == "pdf":
            geometry = _write_pdf(partial, layout, page, dpi, family, feedback)
        elif fmt == "png":
            geometry = write_png(partial, layout, dpi, lambda painter: draw_page(
                painter, layout, page, dpi, family=family, cancelled=_cancelled(feedback), progress=feedback.set_progress))
        else:
            geometry = write_svg(partial, layout, dpi, lambda painter: draw_page(
                painter, layout, page, round(dpi), family=family, cancelled=_cancelled(feedback),
                progress=feedback.set_progress), page.name)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    for basemap in page.basemaps:
        close = getattr(basemap, "close", None)
        if close is not None:
            close()
    return ExportResult(out, fmt, dpi, out.stat().st_size, (geometry.width, geometry.height),
                        time.perf_counter() - started, geometry.scale, family, layout.name, _page_label(layout),
                        page.warnings, page.masked)


def _page_label(layout: Layout) -> str:
    w, h = layout.size_mm
    turned = tr("横向", "landscape") if layout.orientation == "landscape" else tr("纵向", "portrait")
    return f"{layout.page} {turned} {w:g}×{h:g} mm"


def _cancelled(feedback: Feedback) -> Callable[[], bool]:
    """The renderer's cancel check: Feedback.check_cancelled raises Cancelled when the job is cancelled."""
    def check() -> bool:
        feedback.check_cancelled()
        return False
    return check


def pdf_writer(path: Path, layout: Layout, resolution: int, title: str) -> QPdfWriter:
    """A PDF writer of the layout's page size and orientation, no margins, at `resolution` dots per inch."""
    writer = QPdfWriter(str(path))
    w_mm, h_mm = layout.size_mm
    size = QPageSize(QSizeF(min(w_mm, h_mm), max(w_mm, h_mm)), QPageSize.Unit.Millimeter, layout.page,
                     QPageSize.SizeMatchPolicy.FuzzyMatch)
    orientation = QPageLayout.Orientation.Landscape if layout.orientation == "landscape" \
        else QPageLayout.Orientation.Portrait
    writer.setPageLayout(QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    writer.setResolution(resolution)
    writer.setTitle(title)
    writer.setCreator("gisdesk")
    return writer


def _write_pdf(path: Path, layout: Layout, page: PageData, dpi: float, family: str, feedback) -> PageGeometry:
    resolution = round(max(PDF_DPI, dpi))
    writer = pdf_writer(path, layout, resolution, page.name)
    painter = QPainter()
    if not painter.begin(writer):
        raise InputError("无法写入 {out}", "cannot write {out}", out=path)
    try:
        return draw_page(painter, layout, page, resolution, family=family, image_dpi=dpi,
                         cancelled=_cancelled(feedback), progress=feedback.set_progress)
    finally:
        painter.end()


def write_png(path: Path, layout: Layout, dpi: float, draw):
    """A PNG of the page at `dpi` (its pHYs set) with what `draw(painter)` paints on white; what draw returns."""
    w_mm, h_mm = layout.size_mm
    width, height = round(px(w_mm, dpi)), round(px(h_mm, dpi))
    if width * height > MAX_PIXELS:
        raise InputError("{dpi} dpi 的 {page} 图片有 {w}×{h} 像素，太大", "a {page} picture at {dpi} dpi would be "
                         "{w}×{h} pixels: too big", dpi=f"{dpi:g}", page=layout.page, w=width, h=height)
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#ffffff"))
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    painter = QPainter(image)
    try:
        result = draw(painter)
    finally:
        painter.end()
    if not image.convertToFormat(QImage.Format.Format_RGB32).save(str(path), "PNG"):
        raise InputError("无法写入 {out}", "cannot write {out}", out=path)
    return result


def write_svg(path: Path, layout: Layout, dpi: float, draw, title: str):
    """An SVG of the page (`dpi` its resolution) with what `draw(painter)` paints; what draw returns."""
    from PySide6.QtSvg import QSvgGenerator

    w_mm, h_mm = layout.size_mm
    width, height = round(px(w_mm, dpi)), round(px(h_mm, dpi))
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRectF(0, 0, width, height))
    generator.setResolution(round(dpi))
    generator.setTitle(title)
    generator.setDescription("gisdesk")
    painter = QPainter()
    if not painter.begin(generator):
        raise InputError("无法写入 {out}", "cannot write {out}", out=path)
    try:
        return draw(painter)
    finally:
        painter.end()
