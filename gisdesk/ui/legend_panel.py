"""The Legend dock: the visible layers' symbols and categories, painted by gisdesk.render.legend.

It sits under the layer tree and follows the open project live: a layer shown or hidden, a
style, title or the features changed, the layers reordered — the legend is laid out again
(once per turn of the event loop, however many events came). Above the layers it explains
what the map draws over them: topology problems, the selected conflict's overlap, setback line
and distance (checked when the map has been drawn). View › Legend and the toolbar's Legend
button show and hide it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QDockWidget, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from gisdesk.render.legend import LegendLayout, layout_legend, legend_entries, mark_entries, paint_legend
from gisdesk.render.snapshot import Problems
from gisdesk.ui.icons import icon
from gisdesk.ui.layer_tree import LAYER_EVENTS, _Hooks


class LegendView(QWidget):
    """The legend of a document's visible layers, as wide as it is given (categories in columns)."""

    changed = Signal()  # laid out again

    def __init__(self, parent=None):
        super().__init__(parent)
        self.document = None
        self.entries = []
        self.layout_: LegendLayout = layout_legend([])
        self._hooks = _Hooks(self)
        self._pending = False
        self._hooked = []
        self.canvas = None  # the map whose overlays (problems, conflict marks) the legend explains
        self._marks_key = None

    def set_document(self, document) -> None:
        self._hooks.clear()
        self.document = document
        self._hooked = [] if document is None else list(document.layers)
        if document is not None:
            self._hooks.connect(document.events["layers"], self._changed)
            for layer in self._hooked:
                for name in (*LAYER_EVENTS, "opacity"):  # a swatch is drawn at its layer's opacity
                    self._hooks.connect(layer.events[name], self._changed)
        self.refresh()

    def _changed(self, *_) -> None:
        """A layer or the order changed: lay out again in the next turn of the event loop."""
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self, self.refresh)

    def refresh(self) -> None:
        self._pending = False
        document = self.document
        if document is not None and {id(x) for x in document.layers} != {id(x) for x in self._hooked}:
            self.set_document(document)  # layers came or went: watch the new ones
            return
        self.entries = legend_entries(document.layers) if document is not None else []
        if document is not None:  # drawn over the layers: above them, as the layers go top first
            self.entries = mark_entries(*self._marks()) + self.entries
        self._marks_key = self._key()
        self._relayout()
        self.changed.emit()

    def _marks(self):
        """(the visible layers' topology problems, the selected conflict's marks, the colour of the
        outline of the highlighted features) the map draws over the layers."""
        canvas, document = self.canvas, self.document
        if canvas is None or document is None:
            return None, None, None
        problems = [canvas.problems[layer.id] for layer in document.layers
                    if layer.visible and layer.id in canvas.problems]
        highlights = canvas.highlight if isinstance(canvas.highlight, (tuple, list)) else (canvas.highlight,)
        color = next((h.color for h in highlights if h is not None and h.uids), None)
        return (Problems.merged(problems) if problems else None), canvas.marks, color

    def _key(self):
        canvas = self.canvas
        if canvas is None:
            return None
        return (id(canvas.marks), repr(canvas.highlight),
                tuple(sorted(k for k, v in canvas.problems.items() if len(v))))

    def follow_map(self, *_) -> None:
        """The map was drawn: its problems or conflict marks may have changed."""
        if self._key() != self._marks_key:
            self._changed()

    def _relayout(self) -> None:
        self.layout_ = layout_legend(self.entries, width=max(self.width(), 120))
        self.setMinimumHeight(int(self.layout_.height) + 1)
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._relayout()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        paint_legend(painter, self.layout_, QPointF(0, 0), background=None)
        painter.end()

    def titles(self) -> list[str]:
        """The titles shown, in order (layers and their categories)."""
        return [row.entry.title for row in self.layout_.rows]


class LegendPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = LegendView()
        self.empty = QLabel(self.tr("No visible layer."))
        self.empty.setStyleSheet("color: #777; padding: 4px;")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.view)
        scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: white; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        layout.addStretch(0)  # the "no layer" line at the top when the legend is hidden
        self.scroll = scroll
        self.view.changed.connect(self._show_empty)
        self._show_empty()

    def set_document(self, document) -> None:
        self.view.set_document(document)

    def _show_empty(self) -> None:
        self.empty.setVisible(not self.view.entries)
        self.scroll.setVisible(bool(self.view.entries))


def install(window) -> LegendPanel:
    panel = LegendPanel()
    dock = QDockWidget(QCoreApplication.translate("legend", "Legend"), window)
    dock.setObjectName("legend_dock")
    dock.setWidget(panel)
    window.add_dock(dock, Qt.DockWidgetArea.LeftDockWidgetArea)
    tree = window.findChild(QDockWidget, "layer_tree")
    if tree is not None:
        window.splitDockWidget(tree, dock, Qt.Orientation.Vertical)  # under the layer tree
    action = dock.toggleViewAction()
    action.setText(QCoreApplication.translate("legend", "&Legend"))
    action.setIconText(QCoreApplication.translate("legend", "Legend"))
    action.setIcon(icon("legend"))
    action.setToolTip(QCoreApplication.translate("legend", "Show or hide the legend of the visible layers"))
    window.menus["view"].insertAction(window.menus["view"].actions()[-1], action)  # before Panels
    window.legend_action, window.legend_panel, window.legend_dock = action, panel, dock
    panel.view.canvas = window.canvas
    window.canvas.rendered.connect(panel.view.follow_map)
    window.documentChanged.connect(panel.set_document)
    if window.document is not None:
        panel.set_document(window.document)
    return panel
