"""docs/images/layout-designer-1366x768.png and export-map-dialog.png: the page layout designer on
a copy of the demo city (a project layout made from the A3 meeting template, its map frame
selected), at 1366 × 768, in Chinese; and File › 导出地图… with 包含个人信息 ticked (its warning).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/layout_screenshots.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
IMAGES = ROOT / "docs" / "images"


def _settle(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def main() -> None:
    from PySide6.QtCore import QSettings

    from gisdesk.export import layout as lay
    from gisdesk.ui import export_map, layout_designer
    from gisdesk.ui.app import make_app
    from gisdesk.ui.main_window import MainWindow

    app = make_app("zh", offscreen=True)
    folder = Path(tempfile.mkdtemp())
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder / "settings"))
    for name in ("demo.gpkg", "demo_imagery_2016-06.mbtiles", "demo_imagery_2024-06.mbtiles"):
        shutil.copyfile(ROOT / "data" / name, folder / name)
    window = MainWindow(headless=True)
    assert window.open_project(folder / "demo.gpkg")
    window.show()
    _settle(app, 3)
    designer = layout_designer.open_designer(window)
    designer.new_from_template(lay.DEFAULT_TEMPLATE, "三月例会")
    designer.resize(1366, 768)
    _settle(app, 0.3)
    designer.canvas.render_now()
    designer.canvas.select(next(i for i, item in enumerate(designer.layout.items) if item.kind == "map"))
    _settle(app, 0.3)
    designer.grab().save(str(IMAGES / "layout-designer-1366x768.png"))
    designer.save()
    designer.close()
    dialog = export_map.ExportMapDialog(window, window.document.project)
    dialog.layout_combo.setCurrentIndex(dialog.layout_combo.findData("三月例会"))
    dialog.personal_check.setChecked(True)
    dialog.show()
    _settle(app, 0.3)
    dialog.grab().save(str(IMAGES / "export-map-dialog.png"))
    dialog.close()
    window.jobs_panel.cancel_all()
    window.close()
    print("written", IMAGES / "layout-designer-1366x768.png", IMAGES / "export-map-dialog.png")


if __name__ == "__main__":
    main()
