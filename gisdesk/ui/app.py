"""Starting the desktop app: the QApplication, its language, fonts and error reporting."""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from gisdesk import i18n
from gisdesk.errors import GisdeskError

TRANSLATIONS = Path(__file__).resolve().parent.parent.parent / "resources" / "translations"
UI_FONT, UI_FONT_PT = "Noto Sans CJK SC", 10


def make_app(lang: str | None = None, *, offscreen: bool = False) -> QApplication:
    """The QApplication in the user's language (zh by default, en on request)."""
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if QApplication.instance() is None:  # the HTML preview's Qt WebEngine shares OpenGL (ui/html_preview.py)
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("gisdesk")
    app.setApplicationName("gisdesk")
    i18n.set_language(lang)
    install_translators(app, i18n.language())
    font = QFont(UI_FONT)
    font.setPointSize(UI_FONT_PT)
    app.setFont(font)
    sys.excepthook = _show_error
    return app


def install_translators(app: QApplication, lang: str) -> None:
    """Chinese: gisdesk's own catalogue and Qt's (standard buttons and dialogs); English: none."""
    for old in getattr(app, "_gisdesk_translators", []):
        app.removeTranslator(old)
    app._gisdesk_translators = []
    if lang != "zh":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    for name, folder in (("gisdesk_zh_CN", TRANSLATIONS),
                         ("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))):
        translator = QTranslator(app)
        if translator.load(name, str(folder)):
            app.installTranslator(translator)
            app._gisdesk_translators.append(translator)


def _show_error(kind, error, tb) -> None:
    """Anything that escapes a slot ends here: the user sees a message, the window lives on."""
    if isinstance(error, GisdeskError):
        text = str(error)
    else:
        text = i18n.bilingual("内部错误：{kind}: {error}\n\n请把此信息报告给开发者。",
                       "Internal error: {kind}: {error}\n\nPlease report this to the developers.",
                       kind=kind.__name__, error=error)
        traceback.print_exception(kind, error, tb)
    if QApplication.instance() is not None and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        QMessageBox.critical(QApplication.activeWindow(), "gisdesk", text)
    else:
        print(f"gisdesk: {text}", file=sys.stderr)


def run_window(project: str | None, *, lang: str | None = None, screenshot: str | None = None,
               size: tuple[int, int] = (1600, 1000)) -> int:
    """Open the main window (on `project`); with `screenshot`, save a picture once the map is drawn and quit."""
    from PySide6.QtCore import QElapsedTimer

    from gisdesk.ui.main_window import MainWindow

    app = make_app(lang, offscreen=screenshot is not None)
    window = MainWindow(headless=screenshot is not None)
    if screenshot is None:
        window.show_first()  # as the user left it; maximised on a first run
    else:
        window.resize(*size)
        window.show()
    app.processEvents()
    if project is None and screenshot is None:  # reopen where the user left off
        last = window.settings.value("last_project")
        project = last if last and Path(last).is_file() else None
    if project and not window.open_project(project):
        if screenshot is not None:  # no dialog was shown: say it here, as the other commands do
            print(f"gisdesk: {i18n.bilingual('错误', 'error')}: {window.open_problem}", file=sys.stderr)
            window.close()
        return 2
    if screenshot is None:
        return app.exec()
    clock = QElapsedTimer()
    clock.start()

    def busy() -> bool:  # the map is drawing, or the panels are still loading the conflicts and totals
        return window.canvas.is_rendering() or window.canvas._image is None or bool(window.jobs_panel.running())

    while busy() and clock.elapsed() < 120_000:
        app.processEvents()
        time.sleep(0.01)  # the render and the jobs run in worker threads; let them
    app.processEvents()
    if not window.grab().save(screenshot):
        print(i18n.bilingual("无法保存截图 {path}", "cannot save screenshot {path}", path=screenshot), file=sys.stderr)
        return 2
    print(i18n.bilingual("截图已保存：{path}", "screenshot saved: {path}", path=screenshot))
    window.close()
    return 0
