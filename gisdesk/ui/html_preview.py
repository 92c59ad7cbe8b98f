"""Previewing an exported HTML map (gisdesk.export.html) in the app, or in the system's browser.

The page is loaded from its file URL (QWebEngineView.load), not handed over as text: Qt's
setHtml stops at 2 MB, and a map with its base map tiles is several. Qt WebEngine comes with the
PySide6 wheels gisdesk installs (the Qt Chromium, no other dependency); when it cannot be
imported — a distribution's PySide6 without it — the page opens in the system's browser
(QDesktopServices), and `preview_html` says which it did, so the caller can tell the user.
The page makes no request of its own (it is self-contained), so the preview works offline.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QVBoxLayout, QWidget

IN_APP, IN_BROWSER = "app", "browser"


def webengine_available() -> bool:
    """Whether Qt WebEngine can be imported (then the preview is a window of the app)."""
    try:
        return importlib.util.find_spec("PySide6.QtWebEngineWidgets") is not None
    except (ImportError, ValueError):
        return False


class HtmlPreview(QDialog):
    """A window showing the page from its file URL, with a button to open it in the browser."""

    def __init__(self, parent: QWidget | None, path: Path):
        from PySide6.QtWebEngineWidgets import QWebEngineView

        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(self.tr("Preview: %1").replace("%1", self.path.name))
        self.resize(1200, 800)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.view = QWebEngineView(self)
        box.addWidget(self.view, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.browser_button = QPushButton(self.tr("Open in browser"))
        buttons.addButton(self.browser_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.browser_button.clicked.connect(lambda: open_in_browser(self.path))
        buttons.rejected.connect(self.reject)
        box.addWidget(buttons)
        self.view.load(QUrl.fromLocalFile(str(self.path.resolve())))


def open_in_browser(path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).resolve())))


def preview_html(parent: QWidget | None, path) -> str:
    """Show the page: in a window of the app when Qt WebEngine is there (IN_APP), else in the system's
    browser (IN_BROWSER). The window is not modal; it is returned on `parent.html_preview`."""
    if webengine_available():
        try:
            dialog = HtmlPreview(parent, Path(path))
        except ImportError:  # the module is there but its Qt library is not loadable
            dialog = None
        if dialog is not None:
            if parent is not None:
                parent.html_preview = dialog
            dialog.show()
            return IN_APP
    open_in_browser(path)
    return IN_BROWSER
