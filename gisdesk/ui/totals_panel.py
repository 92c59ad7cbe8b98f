"""The "Totals & indicators" dock: area totals by district/street/community, and charts.

Tabs: a table of area totals (the grouping picked in a combo), and pyqtgraph charts of
the encroachment area by district and control kind, the ledger handling rate against the
plan target, old-estate renovation by status, and the parking structure. Everything is
computed in a job (gisdesk.analysis.charts.compute_totals, the same totals and indicators
as the CLI's) when a project opens and when a check finishes; the widgets only draw the
small series gisdesk.analysis.charts makes of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDockWidget, QHBoxLayout, QHeaderView, QLabel, QTableView,
                               QTabWidget, QVBoxLayout, QWidget)

from gisdesk.analysis.charts import (TotalsData, compute_totals, encroachment_by_district, handling_series,
                                     indicator, parking_series, plan_target, regroup, renovation_series)
from gisdesk.analysis.totals import ALL, GROUP_LEVELS, TOTAL_COLUMNS
from gisdesk.crs import crs_label
from gisdesk.layers.kinds import KINDS
from gisdesk.render.style import CONTROL_COLORS, ESTATE_COLORS, PARKING_COLORS
from gisdesk.ui.conflicts_panel import kind_label
from gisdesk.ui.jobs import run_job

EDIT_SETTLE_MS = 400  # recompute this long after the last edit

pg.setConfigOptions(antialias=True, background="w", foreground="#333333")


def group_level_label(level: str) -> str:
    return {"district": QCoreApplication.translate("totals", "District"),
            "street": QCoreApplication.translate("totals", "Street"),
            "community": QCoreApplication.translate("totals", "Community")}[level]


def estate_status_label(status: str) -> str:
    return {"储备": QCoreApplication.translate("totals", "Reserve"),
            "计划": QCoreApplication.translate("totals", "Planned"),
            "已开工": QCoreApplication.translate("totals", "Under way"),
            "已完工": QCoreApplication.translate("totals", "Finished"),
            "已验收": QCoreApplication.translate("totals", "Accepted")}.get(status, status)


def parking_label(category: str) -> str:
    return {"配建": QCoreApplication.translate("totals", "Attached"),
            "路外公共": QCoreApplication.translate("totals", "Off-street public"),
            "路内": QCoreApplication.translate("totals", "On-street")}.get(category, category)


def handling_label(code: str) -> str:
    return {"handling_rate": QCoreApplication.translate("totals", "All cases"),
            "handling_rate_stock": QCoreApplication.translate("totals", "Stock"),
            "handling_rate_new": QCoreApplication.translate("totals", "New"),
            "handling_rate_area": QCoreApplication.translate("totals", "By area")}.get(code, code)


# --- the totals table --------------------------------------------------------------------

class TotalsModel(QAbstractTableModel):
    # counts and areas leave exempt conflicts out; new / existing: built after / before the line took effect
    COLUMNS = ["subject_layer", "group", "control_kind", "features", "footprint_m2", "encroach_count",
               "encroach_new", "encroach_existing", "overlap_m2", "overlap_new_m2", "overlap_existing_m2",
               "setback_count", "exempt_count"]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.by = "district"
        self.set_frame(None, self.by)

    def set_frame(self, frame: pd.DataFrame | None, by: str) -> None:
        self.beginResetModel()
        self.frame = frame.reset_index(drop=True) if frame is not None else pd.DataFrame(columns=TOTAL_COLUMNS)
        # data() reads cells from plain arrays (the header sizes itself from up to 1000 rows of them)
        self._arrays = {column: self.frame[column].to_numpy() for column in self.frame.columns}
        self.by = by
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.frame)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            column = self.COLUMNS[section]
            if column.endswith(("_new", "_new_m2")):
                return self.tr("Built (or a ledger case started) on or after the day the line took effect")
            if column.endswith(("_existing", "_existing_m2")):
                return self.tr("Built (or a ledger case started) before the line took effect")
            if column == "exempt_count":
                return self.tr("Subjects a rule exempts (e.g. protected buildings in their purple line): "
                               "left out of the other counts")
            return None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return None
        return [self.tr("Layer"), group_level_label(self.by), self.tr("Line kind"), self.tr("Features"),
                self.tr("Footprint m²"), self.tr("Encroaching"), self.tr("of them new"), self.tr("of them existing"),
                self.tr("Overlap m² (dissolved)"), self.tr("new overlap m²"), self.tr("existing overlap m²"),
                self.tr("Setback shortfalls"), self.tr("Exempt")][section]

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, column = index.row(), self.COLUMNS[index.column()]
        group, kind = self._arrays["group"][r], self._arrays["control_kind"][r]
        if role == Qt.ItemDataRole.DisplayRole:
            value = self._arrays[column][r]
            if column == "subject_layer":
                return KINDS[value].title if value in KINDS else str(value)
            if column == "group":
                return self.tr("All") if value == ALL else str(value)
            if column == "control_kind":
                return self.tr("All lines") if value == ALL else kind_label(value)
            if column in ("footprint_m2", "overlap_m2", "overlap_new_m2", "overlap_existing_m2"):
                return f"{float(value):,.1f}"
            return f"{int(value):,}"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and (group == ALL or kind == ALL):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and group == ALL:
            return QColor("#f1efe9")
        return None


# --- charts ------------------------------------------------------------------------------

def _plot(title: str, left: str) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    item = widget.getPlotItem()
    item.setTitle(title, size="11pt")
    item.setLabel("left", left)
    item.showGrid(y=True, alpha=0.25)
    item.setMouseEnabled(x=False, y=False)
    item.hideButtons()
    item.setMenuEnabled(False)
    scene = widget.scene()  # no pyqtgraph "Export..." menu: its dialog is English only, and the exports export charts
    for action in scene.contextMenu:
        action.setParent(None)
        action.deleteLater()
    scene.contextMenu = []
    item.getAxis("left").enableAutoSIPrefix(False)
    for name in ("left", "bottom"):
        item.getAxis(name).setStyle(tickFont=QFont(QCoreApplication.instance().font()))
    return widget


def _ticks(widget: pg.PlotWidget, labels: list[str]) -> None:
    widget.getPlotItem().getAxis("bottom").setTicks([[(i, label) for i, label in enumerate(labels)]])


def _value_label(widget: pg.PlotWidget, x: float, y: float, text: str) -> None:
    label = pg.TextItem(text, color="#333333", anchor=(0.5, 1.0))
    label.setPos(x, y)
    widget.addItem(label)


def _target_line(widget: pg.PlotWidget, target: float, text: str) -> pg.InfiniteLine:
    line = pg.InfiniteLine(pos=target, angle=0, pen=pg.mkPen("#c62828", width=2, style=Qt.PenStyle.DashLine),
                           label=text, labelOpts={"position": 0.97, "color": "#c62828", "anchors": [(1, 1), (1, 1)]})
    widget.addItem(line)
    return line


class TotalsPanel(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.document = None
        self.data: TotalsData | None = None
        self.chart_data: dict[str, pd.DataFrame] = {}
        self.bars: dict[str, list[pg.BarGraphItem]] = {}
        self._generation = 0

        self.tabs = QTabWidget()
        # totals table
        table_page = QWidget()
        self.by_combo = QComboBox()
        for level in GROUP_LEVELS:
            self.by_combo.addItem(group_level_label(level), level)
        self.by_combo.currentIndexChanged.connect(self._regroup)
        self.method_label = QLabel()
        self.method_label.setStyleSheet("color: #666;")
        self.model = TotalsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Group by")))
        row.addWidget(self.by_combo)
        row.addStretch(1)
        row.addWidget(self.method_label)
        layout = QVBoxLayout(table_page)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.tabs.addTab(table_page, self.tr("Area totals"))

        self.encroach_plot = _plot(self.tr("Encroachment area by district and line kind (buildings)"),
                                   self.tr("Overlap area (m², dissolved)"))
        self.encroach_plot.getPlotItem().addLegend(offset=(10, 10), labelTextSize="9pt")
        self.handling_plot = _plot(self.tr("Ledger handling rate against the plan target"), self.tr("Rate (%)"))
        self.renovation_plot = _plot(self.tr("Old-estate renovation progress by status"), self.tr("Estates"))
        self.parking_plot = _plot(self.tr("Parking structure: share of spaces by category"), self.tr("Share (%)"))
        self.tabs.addTab(self.encroach_plot, self.tr("Encroachment"))
        self.tabs.addTab(self.handling_plot, self.tr("Ledger"))
        self.tabs.addTab(self.renovation_plot, self.tr("Old estates"))
        self.tabs.addTab(self.parking_plot, self.tr("Parking"))

        self.status = QLabel()
        self.status.setStyleSheet("color: #666;")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 2, 2, 2)
        outer.addWidget(self.tabs, 1)
        outer.addWidget(self.status)
        # an edit (e.g. a ledger status in the attribute table) is saved before the layer says so;
        # a burst of edits is one recomputation
        self._edited = QTimer(self)
        self._edited.setSingleShot(True)
        self._edited.setInterval(EDIT_SETTLE_MS)
        self._edited.timeout.connect(self.update_totals)
        window.documentChanged.connect(self.set_document)
        conflicts = getattr(window, "conflicts_panel", None)
        if conflicts is not None:
            conflicts.checkFinished.connect(self.update_totals)

    # --- updating --------------------------------------------------------------------

    def set_document(self, document) -> None:
        for layer in self.document.layers if self.document is not None else []:
            layer.events["data"].disconnect(self._on_layer_data)
        self.document = document
        for layer in document.layers if document is not None else []:
            layer.events["data"].connect(self._on_layer_data)
        self._generation += 1
        self.data = None
        self.model.set_frame(None, self.by_combo.currentData())
        self._draw()
        if document is not None:
            self.update_totals()

    def _on_layer_data(self, *_) -> None:
        self._edited.start()

    def update_totals(self) -> None:
        """Recompute everything in the background (after a check, or for a newly opened project)."""
        if self.document is None:
            return
        self._generation += 1
        generation, by = self._generation, self.by_combo.currentData()
        self.status.setText(self.tr("Computing…"))
        run_job(self.window, self.tr("Totals and indicators"), compute_totals, self.document.project, by,
                on_done=lambda data: self._computed(generation, data), in_process=True)

    def _computed(self, generation: int, data: TotalsData) -> None:
        if generation != self._generation:
            return  # a newer computation or another project
        self.data = data
        self.model.set_frame(data.totals, data.by)
        crs = self.document.project.crs
        self.method_label.setText(self.tr("Areas: planar in %1, in m²").replace("%1", crs_label(crs) if crs else "?"))
        self.status.setText("" if data.totals is not None else
                            self.tr("Run the conflict check to see area totals and encroachments."))
        self._draw()

    def _regroup(self) -> None:
        by = self.by_combo.currentData()
        if self.data is None or self.data.by == by:
            return
        generation, data = self._generation, self.data
        run_job(self.window, self.tr("Area totals"), regroup, data, by,
                on_done=lambda frame: self._regrouped(generation, by, frame))

    def _regrouped(self, generation: int, by: str, frame) -> None:
        if generation != self._generation or self.data is None:
            return
        self.data.by, self.data.totals = by, frame
        self.model.set_frame(frame, by)

    # --- drawing (small frames only) -----------------------------------------------

    def _draw(self) -> None:
        for plot in (self.encroach_plot, self.handling_plot, self.renovation_plot, self.parking_plot):
            plot.getPlotItem().clear()
        self.chart_data, self.bars = {}, {}
        if self.data is None:
            return
        self._draw_encroachment()
        self._draw_handling()
        self._draw_renovation()
        self._draw_parking()

    def _draw_encroachment(self) -> None:
        table = encroachment_by_district(self.data.by_district)
        self.chart_data["encroachment"] = table
        plot = self.encroach_plot
        if table.empty:
            return
        kinds = list(table.columns)
        width = 0.8 / max(len(kinds), 1)
        self.bars["encroachment"] = []
        for j, kind in enumerate(kinds):
            x = np.arange(len(table)) - 0.4 + width * (j + 0.5)
            color = (self.document.layer(kind).style.get("stroke") if self.document and self.document.layer(kind)
                     else None) or CONTROL_COLORS.get(kind, "#888888")
            bar = pg.BarGraphItem(x=x, height=table[kind].to_numpy(), width=width * 0.9, brush=color,
                                  pen=pg.mkPen(QColor(color).darker(130)), name=kind_label(kind))
            plot.addItem(bar)
            self.bars["encroachment"].append(bar)
        _ticks(plot, [str(g) for g in table.index])
        plot.getPlotItem().setXRange(-0.6, len(table) - 0.4, padding=0)
        plot.getPlotItem().setYRange(0, float(table.to_numpy().max()) * 1.3 or 1, padding=0)

    def _draw_handling(self) -> None:
        table = handling_series(self.data.indicators)
        self.chart_data["handling"] = table
        plot = self.handling_plot
        if table.empty:
            return
        values = np.nan_to_num(table["value"].to_numpy() * 100)
        target = plan_target(table)
        brushes = ["#2e7d32" if target is None or v >= target * 100 else "#ef6c00" for v in values]
        bar = pg.BarGraphItem(x=np.arange(len(table)), height=values, width=0.6, brushes=brushes,
                              pen=pg.mkPen("#555555"))
        plot.addItem(bar)
        self.bars["handling"] = [bar]
        for i, (v, r) in enumerate(zip(values, table.itertuples())):
            detail = f"{v:.1f}%" if r.code == "handling_rate_area" else \
                f"{v:.1f}%  ({int(r.numerator)}/{int(r.denominator)})"
            _value_label(plot, i, v, detail)
        if target is not None:
            _target_line(plot, target * 100, self.tr("Target %1%").replace("%1", f"{target * 100:.0f}"))
        _ticks(plot, [handling_label(c) for c in table["code"]])
        plot.getPlotItem().setXRange(-0.6, len(table) - 0.4, padding=0)
        plot.getPlotItem().setYRange(0, 110, padding=0)

    def _draw_renovation(self) -> None:
        counts = self.data.estates
        rate = indicator(self.data.indicators, "renovation_rate")
        self.chart_data["renovation"] = renovation_series(counts)
        plot = self.renovation_plot
        if counts.sum() == 0:
            return
        bar = pg.BarGraphItem(x=np.arange(len(counts)), height=counts.to_numpy(), width=0.6,
                              brushes=[ESTATE_COLORS.get(s, "#999999") for s in counts.index], pen=pg.mkPen("#555555"))
        plot.addItem(bar)
        self.bars["renovation"] = [bar]
        for i, v in enumerate(counts.to_numpy()):
            _value_label(plot, i, v, str(int(v)))
        _ticks(plot, [estate_status_label(s) for s in counts.index])
        title = self.tr("Old-estate renovation progress by status")
        if rate is not None and pd.notna(rate["value"]):
            title += "  —  " + self.tr("renovation rate %1% (target %2%)") \
                .replace("%1", f"{float(rate['value']) * 100:.1f}") \
                .replace("%2", f"{float(rate['target']) * 100:.0f}" if rate["target"] is not None
                         and pd.notna(rate["target"]) else "—")
        plot.getPlotItem().setTitle(title, size="11pt")
        plot.getPlotItem().setXRange(-0.6, len(counts) - 0.4, padding=0)
        plot.getPlotItem().setYRange(0, float(counts.max()) * 1.2 or 1, padding=0)
        step = max(1, int(np.ceil(counts.max() / 6)))  # whole estates on the axis
        plot.getPlotItem().getAxis("left").setTickSpacing(step, step)

    def _draw_parking(self) -> None:
        table = parking_series(self.data.indicators)
        self.chart_data["parking"] = table
        plot = self.parking_plot
        if table.empty:
            return
        values = np.nan_to_num(table["share"].to_numpy() * 100)
        bar = pg.BarGraphItem(x=np.arange(len(table)), height=values, width=0.6,
                              brushes=[PARKING_COLORS.get(c, "#999999") for c in table["category"]],
                              pen=pg.mkPen("#555555"))
        plot.addItem(bar)
        self.bars["parking"] = [bar]
        for i, (v, n) in enumerate(zip(values, table["spaces"])):
            _value_label(plot, i, v, self.tr("%1% (%2 spaces)").replace("%1", f"{v:.1f}").replace("%2", f"{n:,.0f}"))
        _ticks(plot, [parking_label(c) for c in table["category"]])
        plot.getPlotItem().setXRange(-0.6, len(table) - 0.4, padding=0)
        plot.getPlotItem().setYRange(0, max(float(values.max()) * 1.2, 10), padding=0)


def install(window) -> None:
    panel = TotalsPanel(window)
    dock = QDockWidget(QCoreApplication.translate("totals", "Totals and indicators"), window)
    dock.setObjectName("totals_dock")
    dock.setWidget(panel)
    window.add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea)
    window.resizeDocks([dock], [440], Qt.Orientation.Horizontal)  # the map keeps the larger share
    window.totals_panel, window.totals_dock = panel, dock
