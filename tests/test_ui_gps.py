"""The GPS panel: a replayed log gives a fix; "add a point at the GPS position" adds it to the current
point layer through its edit session, where pyproj (independently) puts the receiver's lat/lon."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyproj import CRS, Transformer
from shapely.geometry import Point

from gisdesk.io.importer import import_layer
from gisdesk.project import Project
from tests.conftest import frame

LOG = Path(__file__).parent / "data" / "gps" / "bund-walk.nmea"


def last_fix_by_hand() -> tuple[float, float]:
    """The log's last GGA position, ddmm.mmmmm → degrees done here."""
    line = [line for line in LOG.read_text().splitlines() if line.startswith("$GNGGA,023059")][0]
    _, _, lat, _, lon, *_ = line.split(",")
    return int(lon[:3]) + float(lon[3:]) / 60, int(lat[:2]) + float(lat[2:]) / 60


@pytest.fixture
def window(qtbot, tmp_path):
    from gisdesk.ui.main_window import MainWindow

    p = Project.create(tmp_path / "g.gpkg", crs=CRS.from_epsg(4550))  # CGCS2000 3° zone CM 123°E: Shanghai's
    frame([{"survey_no": "P-001", "category": "路外公共", "spaces": 40, "name": "外滩停车场",
            "geometry": Point(356000, 3458300)}],
          crs="EPSG:4550").to_file(tmp_path / "parking.geojson")
    import_layer(p, tmp_path / "parking.geojson", "parking")
    w = MainWindow(headless=True)
    qtbot.addWidget(w)
    assert w.open_project(p.path)
    yield w
    w.gps.stop()


def replayed(window, qtbot):
    window.gps_dock.show()
    window.gps.connect_replay(LOG, speed=0.0)
    qtbot.waitUntil(lambda: window.gps.receiver.finished, timeout=10000)
    window.gps.poll()


def test_a_replayed_fix_shows_in_the_panel_and_on_the_map(window, qtbot):
    replayed(window, qtbot)
    labels = window.gps.labels
    assert labels["fix"].text() == "差分 DGPS" and labels["satellites"].text().startswith("8 / 0.8")
    lon, lat = last_fix_by_hand()
    assert labels["lonlat"].text() == f"{lat:.6f}°N  {lon:.6f}°E"
    x, y = Transformer.from_crs(4326, 4550, always_xy=True).transform(lon, lat)
    assert labels["xy"].text() == f"{x:.2f}, {y:.2f}"
    assert "3" in labels["sentences"].text()  # the checksum errors are counted
    overlay = window.gps.overlay
    assert overlay.position[:2] == pytest.approx((x, y))
    px, py = (float(v) for v in window.canvas.view.to_pixels(x, y))
    assert 0 <= px <= window.canvas.width() and 0 <= py <= window.canvas.height()  # followed: in view


def test_add_a_point_at_the_gps_position_to_the_current_point_layer(window, qtbot):
    replayed(window, qtbot)
    layer = window.document.layer("parking")
    window.layer_tree.select_layer(layer)
    uid = window.gps.add_point()
    assert uid is not None and uid != "P-001"
    stored = Project.open(window.document.project.path).read_layer("parking").set_index("uid")
    lon, lat = last_fix_by_hand()
    x, y = Transformer.from_crs(4326, 4550, always_xy=True).transform(lon, lat)
    point = stored.loc[uid, "geometry"]
    assert (point.x, point.y) == pytest.approx((x, y), abs=1e-6)
    assert window.action_undo.isEnabled()  # an edit of the session like any other
    window.action_undo.trigger()
    assert uid not in set(Project.open(window.document.project.path).read_layer("parking")["uid"])


def test_no_point_without_a_fix_or_a_point_layer(window, qtbot, tmp_path):
    nofix = tmp_path / "nofix.nmea"
    nofix.write_text("".join(line + "\r\n" for line in LOG.read_text().splitlines()[:15]))  # the first 5 s: no fix
    window.gps.connect_replay(nofix, speed=0.0)
    qtbot.waitUntil(lambda: window.gps.receiver.finished, timeout=10000)
    window.gps.poll()
    assert window.gps.labels["fix"].text() == "无定位" and window.gps.overlay.position is None
    assert not window.gps.add_button.isEnabled() and window.gps.add_point() is None
    assert len(Project.open(window.document.project.path).read_layer("parking")) == 1
