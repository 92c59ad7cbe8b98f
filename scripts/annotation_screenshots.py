"""The README's picture of annotations: the demo at 1366×768 with a callout on a ledger case, an arrow, a
text, a rectangle and an ellipse drawn through the 标注 tools' controller, the callout selected.
Run offscreen:
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/annotation_screenshots.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "images"
CASE = "HP2025-0033"  # a ledger case near the demo's middle


def wait(app, until, seconds=60.0):
    end = time.time() + seconds
    while not until() and time.time() < end:
        app.processEvents()
        time.sleep(0.02)


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import shapely
    from PySide6.QtCore import QSettings

    from gisdesk.layers import annotations as A
    from gisdesk.render.view import MapView
    from gisdesk.ui.app import make_app
    from gisdesk.ui.main_window import MainWindow

    app = make_app("zh")
    folder = Path(tempfile.mkdtemp(prefix="gisdesk-shots-"))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder / "settings"))
    for name in ("demo.gpkg", "demo_imagery_2024-06.mbtiles", "demo_imagery_2016-06.mbtiles"):
        shutil.copyfile(ROOT / "data" / name, folder / name)
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    assert window.open_project(folder / "demo.gpkg")
    wait(app, lambda: window.document is not None and window.annotations.annotations is not None)
    for _ in range(20):
        app.processEvents()
    canvas = window.canvas
    ledger = window.document.layer_by_id("ledger")
    row = int(ledger.uid_rows.rows_of([CASE])[0])
    xmin, ymin, xmax, ymax = ledger.data.bounds[row]
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    canvas.set_view(MapView(cx + 60, cy + 40, 0.0254 * 4000 / 96, canvas.width(), canvas.height()).with_scale(4000),
                    render_delay=False)
    view = canvas.view

    def at(dx_px: float, dy_px: float) -> tuple[float, float]:  # a map point this many pixels from the case
        px, py = view.to_pixels(cx, cy)
        return view.to_map(float(px) + dx_px, float(py) + dy_px)

    controller = window.annotations
    target, offset = controller.feature_at(cx, cy)
    controller.add(A.RECTANGLE, A.rectangle(*at(-120, -85), *at(120, 90)))
    controller.add(A.ELLIPSE, A.ellipse_polygon(*at(-420, 10), *at(-250, 120)))
    controller.add(A.ARROW, shapely.LineString([at(-330, -170), at(-135, -75)]))
    controller.add(A.TEXT, shapely.Point(*at(-350, -195)), text="重点整治片区")
    controller.add(A.TEXT, shapely.Point(*at(-335, 140)), text="拟建口袋公园")
    controller.add(A.CALLOUT, shapely.LineString([(cx, cy), at(230, -150)]),
                   text=f"{CASE} 违法建设\n未批先建，待核查", target=target, target_offset=offset)
    controller.actions["select"].trigger()  # the callout stays selected: its handles show
    canvas.render_now()
    wait(app, lambda: not canvas.is_rendering())
    jobs = getattr(window, "jobs_panel", None)
    wait(app, lambda: jobs is None or not getattr(jobs, "running", lambda: [])(), 20)
    for _ in range(60):  # the conflicts panel's loading job ends, the status bar clears
        app.processEvents()
        time.sleep(0.05)
    OUT.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(OUT / "annotations-1366x768.png"))
    print(OUT / "annotations-1366x768.png", window.document.dirty)
    window.document.dirty = False
    window.close()


if __name__ == "__main__":
    main()
