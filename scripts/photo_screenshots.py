"""PNGs of a case's photos for the README: the Identify dock with a ledger case's photos and evidence
photo over the 2010 aerial photo of Swellendam (1366×768), the photo viewer, and the stamped evidence
photo itself. Run offscreen:
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/photo_screenshots.py
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "images"
BASEMAP = ROOT / "tests" / "data" / "raster" / "swellendam_3420B_cut.tif"


def wait(app, until, seconds=60.0):
    end = time.time() + seconds
    while not until() and time.time() < end:
        app.processEvents()
        time.sleep(0.02)


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import QSettings
    from pyproj import Transformer

    from gisdesk import attachments
    from gisdesk.cli import main as gisdesk
    from gisdesk.render.renderer import MapView
    from gisdesk.ui.app import make_app
    from gisdesk.ui.main_window import MainWindow
    from tests.photo_project import CASE_1, CRS, GPS_LAT, GPS_LON, GPS_PHOTO, NOGPS_PHOTO, make_project

    app = make_app("zh")
    folder = Path(tempfile.mkdtemp(prefix="gisdesk-photos-"))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder / "settings"))
    project = make_project(folder)
    assert gisdesk(["import", str(project), str(BASEMAP), "--date", "2010"]) == 0
    attachments.add(project, "ledger", CASE_1, [GPS_PHOTO, ("现场记录.pdf", b"%PDF-1.4\n%%EOF\n")], who="张三")
    evidence = attachments.add_evidence(project, "ledger", CASE_1, GPS_PHOTO, operator="张三")
    attachments.add_evidence(project, "ledger", CASE_1, NOGPS_PHOTO, azimuth=45, operator="张三")
    Image.open(io.BytesIO(attachments.read(project, evidence.attachment_id))).save(OUT / "evidence-stamp.png")

    window = MainWindow(headless=True)
    window.resize(1366, 768)
    window.show()
    window.open_project(project)
    x, y = Transformer.from_crs(4326, CRS, always_xy=True).transform(GPS_LON, GPS_LAT)
    window.canvas.set_view(MapView(x + 60, y, 0.6, window.canvas.width(), window.canvas.height()), render_delay=False)
    wait(app, lambda: False, 2.0)
    window.tools.identify_at(x, y)
    panel = window.tools.identify_panel
    dock = window.tools.identify_dock
    window.resizeDocks([dock], [470], __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.Orientation.Horizontal)
    panel.photos.list.setCurrentRow(2)
    wait(app, lambda: False, 2.0)
    window.grab().save(str(OUT / "identify-photos-1366x768.png"))
    viewer = panel.photos.open_current()
    wait(app, lambda: False, 1.0)
    viewer.grab().save(str(OUT / "photo-viewer.png"))
    print("written:", *(OUT / n for n in ("identify-photos-1366x768.png", "photo-viewer.png", "evidence-stamp.png")))


if __name__ == "__main__":
    main()
