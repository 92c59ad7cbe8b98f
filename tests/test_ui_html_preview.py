"""The app's preview of an exported HTML map: Qt WebEngine from the file URL (not setHtml, which stops
at 2 MB), else the system's browser.

The WebEngine run is a child process: Qt WebEngine wants its OpenGL sharing set before the one
QApplication of a process is made, and this test run has made its own already.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import pytest

from gisdesk.ui import html_preview

ROOT = Path(__file__).resolve().parent.parent


def _big_page(path: Path) -> Path:
    """A 3 MB page whose script, run to its end, puts the number of its rows in the title."""
    rows = "".join(f"<tr><td>第 {i} 行</td><td>{'面积' * 40}</td></tr>" for i in range(12_000))
    path.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>loading</title></head><body>"
                    f"<table>{rows}</table><script>document.title = 'rows ' + "
                    "document.querySelectorAll('tr').length;</script></body></html>", encoding="utf-8")
    assert path.stat().st_size > 3_000_000
    return path


@pytest.mark.skipif(not html_preview.webengine_available(), reason="PySide6 without Qt WebEngine")
def test_the_preview_loads_a_page_beyond_setHtmls_2_mb_from_its_file(tmp_path):
    page = _big_page(tmp_path / "big.html")
    child = textwrap.dedent(f"""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # the CI's user is root
        from PySide6.QtCore import QCoreApplication, Qt, QTimer
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        from PySide6.QtWidgets import QApplication
        app = QApplication(["gisdesk"])
        from gisdesk.ui.html_preview import IN_APP, preview_html
        from PySide6.QtWidgets import QWidget
        parent = QWidget()
        assert preview_html(parent, {str(page)!r}) == IN_APP
        view = parent.html_preview.view
        def finished(ok):
            print("loaded", ok, view.url().toString(), view.title(), flush=True)
            app.quit()
        view.loadFinished.connect(finished)
        QTimer.singleShot(60_000, app.quit)
        app.exec()
    """)
    run = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True, text=True, timeout=120)
    line = next((l for l in run.stdout.splitlines() if l.startswith("loaded")), run.stdout + run.stderr[-2000:])
    assert line == f"loaded True {page.as_uri()} rows 12000", line


def test_without_webengine_the_page_opens_in_the_browser(tmp_path, qtbot):
    page = _big_page(tmp_path / "big.html")
    with mock.patch.object(html_preview, "webengine_available", return_value=False), \
            mock.patch.object(html_preview.QDesktopServices, "openUrl", return_value=True) as opened:
        assert html_preview.preview_html(None, page) == html_preview.IN_BROWSER
    (url,), _ = opened.call_args
    assert url.isLocalFile() and url.toLocalFile() == str(page.resolve())


def test_an_html_export_from_the_app_is_previewed(tmp_path, qtbot):
    """File › 导出地图… to HTML: when the job is done the page is shown (the window's preview, or the
    browser, which the status bar then says); a PDF is not, and a headless window shows nothing."""
    from PySide6.QtWidgets import QMainWindow

    from gisdesk.ui import export_map

    window = QMainWindow()
    qtbot.addWidget(window)
    window.headless = False
    page = str(tmp_path / "map.html")
    summary = {"path": page, "masked": [], "warnings": [], "with_personal": False}
    with mock.patch.object(html_preview, "preview_html", return_value=html_preview.IN_BROWSER) as shown, \
            mock.patch.object(export_map.QTimer, "singleShot", side_effect=lambda _ms, f: f()):
        export_map._done(window, summary)
        assert shown.call_args.args == (window, page)
        assert "browser" in window.statusBar().currentMessage() or "浏览器" in window.statusBar().currentMessage()
        export_map._done(window, {**summary, "path": str(tmp_path / "map.pdf")})
        window.headless = True
        export_map._done(window, summary)
    assert shown.call_count == 1
