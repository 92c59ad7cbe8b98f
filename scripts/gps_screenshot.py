"""docs/images/gps-1366x768.png: the app on a copy of the demo city with the GPS panel open, the
Bund log replayed to 02:30:30 (a GPS fix, ± 6 m), the position and its accuracy circle on the map.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/gps_screenshot.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from PySide6.QtCore import QCoreApplication, QSettings, Qt

    from gisdesk.ui.app import make_app
    from gisdesk.ui.main_window import MainWindow

    app = make_app("zh", offscreen=True)
    folder = Path(tempfile.mkdtemp())
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder / "settings"))
    for name in ("demo.gpkg", "demo_imagery_2016-06.mbtiles", "demo_imagery_2024-06.mbtiles"):
        shutil.copyfile(ROOT / "data" / name, folder / name)
    window = MainWindow(headless=True)
    window.resize(1366, 768)
    window.show()
    assert window.open_project(folder / "demo.gpkg")
    window.gps_dock.show()
    window.resizeDocks([window.gps_dock], [300], Qt.Orientation.Horizontal)
    log = (ROOT / "tests" / "data" / "gps" / "bund-walk.nmea").read_text().splitlines()
    cut = next(i for i, line in enumerate(log) if line.startswith("$GNGGA,023031"))
    (folder / "bund-30s.nmea").write_text("".join(line + "\r\n" for line in log[:cut]))
    window.gps.connect_replay(folder / "bund-30s.nmea", speed=0.0)
    window.gps.receiver.wait(10)
    window.canvas.set_scale(800)
    window.gps.poll()
    x, y = window.gps.current_position()
    view = window.canvas.view
    window.canvas.set_view(type(view)(x, y, view.resolution, view.width, view.height), render_delay=False)
    for _ in range(200):  # until the map is drawn
        QCoreApplication.processEvents()
        time.sleep(0.02)
        if not window.canvas.is_rendering():
            break
    for _ in range(20):
        QCoreApplication.processEvents()
        time.sleep(0.02)
    out = ROOT / "docs" / "images" / "gps-1366x768.png"
    window.grab().save(str(out))
    print(out)
    window.gps.stop()
    window.close()
    app.quit()


if __name__ == "__main__":
    main()
