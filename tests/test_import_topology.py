"""Topology on import (issue 7): overlaps (with the area counted twice), slivers and gaps within a
layer, found by gisdesk.io.topology, stored in gisdesk_topology, told by the CLI and drawn on the map."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import box

from gisdesk.io.importer import import_layer
from gisdesk.io.topology import (AREA_TOLERANCE_M2, GAP_MAX_M2, SLIVER_WIDTH_M, find_topology, summary)
from gisdesk.project import Project

DATA = Path(__file__).parent / "data"
NANSHAN = DATA / "nanshan_buildings.geojson"
CRS_M = "EPSG:4547"  # CGCS2000 3° GK, CM 114°E
X, Y = 500_000.0, 2_500_000.0


def found(geoms, uids=None):
    return find_topology(geoms, uids if uids is not None else [f"f{i}" for i in range(len(geoms))])


def sq(x, y, w, h=None):
    return box(X + x, Y + y, X + x + w, Y + y + (w if h is None else h))


def source(tmp_path, name, rows):
    path = tmp_path / name
    gpd.GeoDataFrame(rows, crs=CRS_M).to_file(path)
    return path


@pytest.fixture
def project(tmp_path):
    return Project.create(tmp_path / "p.gpkg", crs=CRS.from_user_input(CRS_M))


# --- hand-made cases with known answers -----------------------------------------------------

def test_two_squares_overlapping_by_2_by_10_give_one_overlap_of_20_m2():
    result = found([sq(0, 0, 10), sq(8, 0, 10)], ["a", "b"])
    assert list(result["problem"]) == ["overlap"]
    assert result["uids"].iloc[0] == ("a", "b")
    assert result["area_m2"].iloc[0] == pytest.approx(20.0)
    assert result.geometry.iloc[0].equals(sq(8, 0, 2, 10))
    assert summary(result) == {"overlap": 1, "sliver": 0, "gap": 0, "overlap_m2": pytest.approx(20.0)}


def test_neighbours_sharing_a_wall_or_a_corner_do_not_overlap():
    assert found([sq(0, 0, 10), sq(10, 0, 10), sq(20, 10, 10)]).empty  # a shared wall, a shared corner
    # a diagonal shared wall: the boxes overlap, the polygons only touch
    left = shapely.Polygon([(X, Y), (X + 10, Y), (X, Y + 10)])
    right = shapely.Polygon([(X + 10, Y), (X + 10, Y + 10), (X, Y + 10)])
    assert found([left, right]).empty


def test_a_duplicate_and_a_contained_feature_overlap_by_the_smaller_area():
    result = found([sq(0, 0, 10), sq(0, 0, 10), sq(2, 2, 3)], ["a", "a2", "in"])
    areas = dict(zip(result["uids"], result["area_m2"]))
    assert areas == {("a", "a2"): pytest.approx(100), ("a", "in"): pytest.approx(9), ("a2", "in"): pytest.approx(9)}
    assert summary(result)["overlap_m2"] == pytest.approx(118)


def test_an_overlap_under_the_tolerance_is_noise():
    tiny = (AREA_TOLERANCE_M2 / 2) / 10  # a sliver of overlap 10 m long
    assert found([sq(0, 0, 10), sq(10 - tiny, 0, 10)]).empty
    assert len(found([sq(0, 0, 10), sq(10 - 3 * tiny, 0, 10)])) == 1


def test_a_100_by_0_2_m_strip_is_a_sliver_and_a_wall_thick_building_is_not():
    result = found([sq(0, 0, 100, 0.2), sq(0, 10, 50, 1.2), sq(0, 20, 0.9, 0.9), sq(0, 30, 10)],
                   ["strip", "narrow", "tiny", "house"])
    assert list(result["problem"]) == ["sliver", "sliver"]
    assert list(result["uids"]) == [("strip",), ("tiny",)]  # 2·A/P = 0.2 m; 0.81 m²
    assert result["area_m2"].tolist() == pytest.approx([20.0, 0.81])
    assert 2 * 60 / 102.4 > SLIVER_WIDTH_M  # the 50 × 1.2 m one is ~1.17 m wide


def test_four_squares_around_a_1_by_1_hole_leave_a_gap_of_1_m2():
    around = [sq(0, 0, 3, 1), sq(2, 1, 1, 2), sq(0, 2, 2, 1), sq(0, 1, 1, 1)]
    result = found(around, ["s", "e", "n", "w"])
    assert list(result["problem"]) == ["gap"]
    assert result["area_m2"].iloc[0] == pytest.approx(1.0)
    assert result.geometry.iloc[0].equals(sq(1, 1, 1))
    assert set(result["uids"].iloc[0]) == {"s", "e", "n", "w"}


def test_a_ring_roads_big_hole_and_a_courtyard_are_no_gaps():
    ring = [sq(0, 0, 200, 20), sq(0, 180, 200, 20), sq(0, 20, 20, 160), sq(180, 20, 20, 160)]  # 160 × 160 inside
    assert found(ring).empty
    small_ring = [sq(0, 0, 9, 1), sq(0, 8, 9, 1), sq(0, 1, 1, 7), sq(8, 1, 1, 7)]  # 7 × 7 = 49 m² inside
    assert summary(found(small_ring))["gap"] == 1 and 49 < GAP_MAX_M2
    courtyard = shapely.difference(sq(0, 0, 20), sq(8, 8, 4))  # a 16 m² courtyard of one building
    assert found([courtyard, sq(20, 0, 10)]).empty  # with a neighbour touching it
    assert found([courtyard, sq(20, 0, 10), sq(9, 9, 1)]).empty  # a shed in the courtyard: still the courtyard


def test_an_append_finds_only_what_involves_the_new_features():
    old = [sq(0, 0, 10), sq(5, 0, 10), sq(100, 0, 10)]  # the old ones overlap each other already
    result = find_topology([sq(108, 0, 10), sq(300, 0, 50, 0.1)], ["new", "strip"], existing=old,
                           existing_uids=["o1", "o2", "o3"])
    assert sorted(map(tuple, result["uids"])) == [("new", "o3"), ("strip",)]
    assert dict(zip(result["problem"], result["area_m2"])) == {"overlap": pytest.approx(20), "sliver": pytest.approx(5)}
    # a new feature closing a ring of old ones makes a gap
    ring = [sq(0, 0, 3, 1), sq(2, 1, 1, 2), sq(0, 2, 2, 1)]
    result = find_topology([sq(0, 1, 1, 1)], ["w"], existing=ring, existing_uids=["s", "e", "n"])
    assert list(result["problem"]) == ["gap"] and set(result["uids"].iloc[0]) == {"s", "e", "n", "w"}


def test_lines_points_and_empty_geometries_are_left_alone():
    result = found([shapely.LineString([(X, Y), (X + 10, Y)]), shapely.Point(X, Y), shapely.Polygon(), None,
                    sq(0, 0, 10), sq(5, 0, 10)])
    assert list(result["problem"]) == ["overlap"] and result["uids"].iloc[0] == ("f4", "f5")


# --- the real Nanshan file, against a brute-force count ----------------------------------------

def test_nanshan_overlaps_equal_a_brute_force_intersection_of_every_pair(project):
    report = import_layer(project, NANSHAN, "buildings", id_field="id")
    assert report.imported == 5438
    layer = project.read_layer("buildings")
    # independent: geopandas' spatial join, then each pair's intersection one by one
    pairs = gpd.sjoin(layer[["uid", "geometry"]], layer[["uid", "geometry"]], predicate="intersects")
    pairs = pairs[pairs["uid_left"] < pairs["uid_right"]]
    geoms = layer.set_index("uid").geometry
    areas = np.array([geoms[a].intersection(geoms[b]).area for a, b in zip(pairs["uid_left"], pairs["uid_right"])])
    expected = {frozenset(p) for p, area in zip(zip(pairs["uid_left"], pairs["uid_right"]), areas)
                if area > AREA_TOLERANCE_M2}
    found_ = report.topology[report.topology["problem"] == "overlap"]
    assert {frozenset(u) for u in found_["uids"]} == expected
    assert len(expected) == 4  # the file has four overlapping pairs of footprints
    assert found_["area_m2"].sum() == pytest.approx(areas[areas > AREA_TOLERANCE_M2].sum())
    stored = project.topology("buildings")
    assert len(stored) == len(report.topology) and set(stored["problem"]) <= {"overlap", "sliver", "gap"}
    # every gap is a hole between features: no part of it inside any feature, under the threshold
    for gap in report.topology[report.topology["problem"] == "gap"].itertuples():
        assert gap.area_m2 < GAP_MAX_M2 and len(gap.uids) >= 2
        assert layer.geometry.intersection(gap.geometry).area.sum() == pytest.approx(0, abs=1e-6)


# --- stored in the project ---------------------------------------------------------------------

def test_findings_are_stored_and_replaced_on_each_import_of_the_layer(project, tmp_path):
    first = source(tmp_path, "a.geojson", [{"id": "a", "geometry": sq(0, 0, 10)}, {"id": "b", "geometry": sq(8, 0, 10)},
                                           {"id": "s", "geometry": sq(0, 1, 1, 0.5)}, {"id": "w", "geometry": sq(50, 0, 3, 1)},
                                           {"id": "e", "geometry": sq(52, 1, 1, 2)}, {"id": "n", "geometry": sq(50, 2, 2, 1)}])
    report = import_layer(project, first, "buildings", id_field="id")
    assert summary(report.topology) == {"overlap": 2, "sliver": 1, "gap": 0, "overlap_m2": pytest.approx(20.5)}
    stored = project.topology("buildings")
    assert sorted(stored["problem"]) == ["overlap", "overlap", "sliver"]
    assert (stored["layer_id"] == "buildings").all() and stored.crs.equals(CRS.from_user_input(CRS_M))
    # an append closes the ring: a gap that involves the new feature, the old findings kept
    second = source(tmp_path, "b.geojson", [{"id": "x", "geometry": sq(50, 1, 1, 1)}])
    report = import_layer(project, second, "buildings", id_field="id")
    assert list(report.topology["problem"]) == ["gap"]
    assert sorted(project.topology("buildings")["problem"]) == ["gap", "overlap", "overlap", "sliver"]
    # filling the gap drops it
    third = source(tmp_path, "c.geojson", [{"id": "fill", "geometry": sq(51, 1, 1, 1)}])
    report = import_layer(project, third, "buildings", id_field="id")
    assert report.topology.empty
    assert sorted(project.topology("buildings")["problem"]) == ["overlap", "overlap", "sliver"]
    other = source(tmp_path, "l.geojson", [{"case_no": "L1", "found_on": "2024-05-01", "status": "待核查",
                                            "geometry": sq(0, 0, 10)}])
    import_layer(project, other, "ledger")
    assert len(project.topology("ledger")) == 0 and len(project.topology()) == 3


def test_an_update_checks_the_whole_layer_again(project, tmp_path):
    first = source(tmp_path, "a.geojson", [{"id": "a", "geometry": sq(0, 0, 10)}, {"id": "b", "geometry": sq(8, 0, 10)}])
    import_layer(project, first, "buildings", id_field="id")
    moved = source(tmp_path, "b.geojson", [{"id": "a", "geometry": sq(0, 0, 10)}, {"id": "b", "geometry": sq(10, 0, 10)}])
    report = import_layer(project, moved, "buildings", id_field="id", update=True)
    assert report.topology.empty and project.topology("buildings").empty


def test_a_project_without_findings_has_an_empty_table_and_points_get_none(project, tmp_path):
    assert project.topology().empty
    points = source(tmp_path, "p.geojson", [{"case_no": "L1", "found_on": "2024-05-01", "status": "待核查",
                                             "geometry": shapely.Point(X, Y)}])
    assert import_layer(project, points, "ledger").topology is None


def test_the_topology_table_is_a_registered_feature_table(project, tmp_path):
    import_layer(project, source(tmp_path, "a.geojson", [{"id": "a", "geometry": sq(0, 0, 10)},
                                                         {"id": "b", "geometry": sq(8, 0, 10)}]), "buildings",
                 id_field="id")
    with sqlite3.connect(project.path) as db:
        assert db.execute("SELECT data_type, srs_id FROM gpkg_contents WHERE table_name = 'gisdesk_topology'"
                          ).fetchone() == ("features", 4547)
        assert db.execute("SELECT column_name, geometry_type_name FROM gpkg_geometry_columns WHERE "
                          "table_name = 'gisdesk_topology'").fetchone() == ("geom", "GEOMETRY")
        assert db.execute("SELECT uids FROM gisdesk_topology").fetchone() == ('["a", "b"]',)


def test_gdal_validates_a_project_with_topology_findings(project, tmp_path):
    from tests.test_gpkg_interop import _has, validate

    if not _has("osgeo_utils.samples.validate_gpkg"):
        pytest.skip("GDAL's validate_gpkg.py (python3-gdal) is not installed")
    import_layer(project, NANSHAN, "buildings", id_field="id")
    assert len(project.topology()) > 0
    result = validate(project.path)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


# --- the CLI -----------------------------------------------------------------------------------

def test_the_cli_tells_the_topology_line_with_the_first_findings(cli, project, tmp_path):
    path = source(tmp_path, "a.geojson", [{"id": "a", "geometry": sq(0, 0, 10)}, {"id": "b", "geometry": sq(8, 0, 10)},
                                          {"id": "strip", "geometry": sq(0, 30, 100, 0.2)}])
    code, out, err = cli("import", project.path, path, "--as", "buildings", "--id-field", "id")
    assert (code, err) == (0, "")
    assert "  拓扑：重叠 1 处（共 20.0 m²，面积重复计算）、狭长碎片 1 个、缝隙 0 处" in out
    assert "    重叠：a × b (20.00 m²)" in out and "    狭长碎片：strip (20.00 m²)" in out
    again = source(tmp_path, "b.geojson", [{"id": "c", "geometry": sq(0, 0, 3)}])
    code, out, err = cli("--lang", "en", "import", project.path, again, "--as", "buildings", "--id-field", "id")
    assert (code, err) == (0, "")
    assert "  topology: overlaps 1 (9.0 m² in all, counted twice in areas), slivers 0, gaps 0" in out
    assert "    overlaps: c × a (9.00 m²)" in out  # the new feature first


# --- on the map --------------------------------------------------------------------------------

def _rgb(image, x, y):
    c = image.pixelColor(int(x), int(y))
    return c.red(), c.green(), c.blue()


def _buildings_layer(project):
    from gisdesk.layers.layer import Layer
    from gisdesk.render.style import default_style

    return Layer("buildings", project.read_layer("buildings"), layer_id="buildings",
                 style=default_style("buildings"))


@pytest.fixture
def overlapping(project, tmp_path):
    """Two 10 × 10 m buildings overlapping by 2 × 10 m, a strip and a ring with a 1 m² gap, imported."""
    rows = [{"id": "a", "geometry": sq(0, 0, 10)}, {"id": "b", "geometry": sq(8, 0, 10)},
            {"id": "strip", "geometry": sq(0, 20, 18, 0.2)},
            {"id": "s", "geometry": sq(30, 0, 3, 1)}, {"id": "e", "geometry": sq(32, 1, 1, 2)},
            {"id": "n", "geometry": sq(30, 2, 2, 1)}, {"id": "w", "geometry": sq(30, 1, 1, 1)}]
    import_layer(project, source(tmp_path, "a.geojson", rows), "buildings", id_field="id")
    return project


def test_the_overlay_draws_the_overlap_hatched_black_the_sliver_orange_the_gap_magenta(qapp, overlapping):
    from gisdesk.render.context import RenderContext
    from gisdesk.render.renderer import render_image
    from gisdesk.render.snapshot import Scene
    from gisdesk.render.view import MapView
    from gisdesk.ui.canvas import problems_by_layer

    layer = _buildings_layer(overlapping)
    view = MapView(X + 17, Y + 8, 0.1, 400, 300)  # 10 cm a pixel, x from X - 3 m, y up to Y + 23 m
    context = RenderContext.screen(view)
    problems = problems_by_layer(overlapping.topology())
    assert set(problems) == {"buildings"} and len(problems["buildings"].overlaps) == 1
    plain = render_image(Scene.of([layer]), context)
    shown = render_image(Scene.of([layer], problems=problems), context)

    def at(image, x, y):
        return _rgb(image, *view.to_pixels(X + x, Y + y))

    def darker(rgb, than):  # shaded towards black (not red: red is the road red line's colour)
        return sum(rgb) < sum(than) - 60 and max(rgb) - min(rgb) <= max(than) - min(than) + 10

    def hatch_lines(image, x, y, half=8):  # pixels of the hatching's near-black around the spot
        px, py = view.to_pixels(X + x, Y + y)
        return sum(max(r, g, b) < 60 for dx in range(-half, half) for dy in range(-half, half)
                   for r, g, b in [_rgb(image, px + dx, py + dy)])

    assert darker(at(shown, 9, 5), at(plain, 9, 5))  # the overlap's centre: shaded dark, and hatched
    assert hatch_lines(shown, 9, 5) > 10 and hatch_lines(plain, 9, 5) == 0  # not without the overlay
    assert at(shown, 4, 5) == at(plain, 4, 5)  # only a: outside the overlap
    assert at(shown, 14, 5) == at(plain, 14, 5) and hatch_lines(shown, 14, 5) == 0  # only b
    r, g, b = at(shown, 9, 20.1)  # the sliver's outline (0.2 m = 2 px, under a 2 px pen)
    assert r > 200 and 100 < g < 190 and b < 90, (r, g, b)
    r, g, b = at(shown, 31.5, 1.5)  # the gap
    assert r > 200 and b > 200 and g < 150, (r, g, b)
    assert at(plain, 31.5, 1.5) == at(shown, 25, 10)  # background there without the overlay
    layer.visible = False  # a hidden layer's problems are not drawn
    hidden = render_image(Scene.of([layer], problems=problems), context)
    assert at(hidden, 9, 5) == at(render_image(Scene.of([layer]), context), 9, 5)


def test_the_view_menu_toggles_the_topology_problems_on_the_canvas(qtbot, overlapping, tmp_path):
    from PySide6.QtCore import QSettings

    from gisdesk.ui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        assert window.action_problems.isCheckable() and window.action_problems.isChecked()
        assert window.action_problems in window.menus["view"].actions()
        assert window.open_project(overlapping.path)
        assert len(window.canvas.problems["buildings"]) == 3  # an overlap, a sliver, a gap
        window.action_problems.trigger()  # off
        assert not window.action_problems.isChecked() and window.canvas.problems == {}
        window.action_problems.trigger()  # on again
        assert len(window.canvas.problems["buildings"].overlaps) == 1
    finally:  # the jobs the panels started for the opened project: cancelled, let go, stopped
        window.jobs_panel.cancel_all()
        window.jobs_panel._release_held()
        window.jobs_panel.shutdown()
