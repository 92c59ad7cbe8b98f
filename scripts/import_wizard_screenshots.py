"""PNGs of the import wizard for the README: the encoding page with a GBK preview, the report page,
and both over the main window at 1366×768. Run offscreen:
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/import_wizard_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "images"
SOURCE = ROOT / "tests" / "data" / "shanghai_districts_gbk" / "区县界_area.shp"


def wait(app, until, seconds=60.0):
    end = time.time() + seconds
    while not until() and time.time() < end:
        app.processEvents()
        time.sleep(0.02)


def composite(window, wizard):
    """The main window with the wizard drawn over its middle (offscreen, top-levels are grabbed apart)."""
    from PySide6.QtGui import QColor, QPainter

    picture = window.grab()
    painter = QPainter(picture)
    shot = wizard.grab()
    x, y = picture.width() - shot.width() - 24, picture.height() - shot.height() - 40
    painter.drawPixmap(x, y, shot)
    painter.setPen(QColor("#666"))
    painter.drawRect(x - 1, y - 1, shot.width() + 1, shot.height() + 1)  # offscreen windows have no frame
    painter.end()
    return picture


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from gisdesk.project import Project
    from gisdesk.ui.app import make_app
    from gisdesk.ui.import_wizard import open_import_wizard
    from gisdesk.ui.main_window import MainWindow

    app = make_app("zh")
    folder = Path(tempfile.mkdtemp(prefix="gisdesk-shots-"))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder / "settings"))
    project = folder / "上海.gpkg"
    Project.create(project)
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    window.open_project(project)
    wizard = open_import_wizard(window)
    wizard.resize(940, 600)
    wizard.source_page.path_edit.setText(str(SOURCE))
    wizard.next()
    wizard.kind_page.kind_combo.setCurrentIndex(wizard.kind_page.kind_combo.findData("buildings"))
    wizard.next()
    combo = wizard.encoding_page.combo
    combo.setCurrentIndex(combo.findData("GBK"))
    app.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    wizard.grab().save(str(OUT / "import-wizard-preview.png"))
    combo.setCurrentIndex(combo.findData("UTF-8"))
    app.processEvents()
    wizard.grab().save(str(OUT / "import-wizard-preview-utf8.png"))
    combo.setCurrentIndex(combo.findData("GBK"))
    while wizard.currentPage() is not wizard.mapping_page:
        wizard.next()
    app.processEvents()
    wizard.grab().save(str(OUT / "import-wizard-mapping.png"))
    wizard.next()
    wait(app, lambda: wizard.report_page.state != "running")
    wait(app, lambda: False, 3.0)  # the map of the new layer
    wizard.grab().save(str(OUT / "import-wizard-report.png"))
    window.zoom_full()
    wizard.resize(720, 440)  # a window of 1366×768: the wizard leaves the map of the new layer in sight
    wait(app, lambda: False, 2.0)
    composite(window, wizard).save(str(OUT / "import-wizard-1366x768.png"))
    window.jobs_panel.cancel_all()
    window.jobs_panel._release_held()
    window.jobs_panel.shutdown()
    print("\n".join(str(p) for p in sorted(OUT.glob("import-wizard*.png"))))


if __name__ == "__main__":
    main()
