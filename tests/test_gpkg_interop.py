"""Other GeoPackage tools are first-class (issue 6, item 9), tried with the real tools of Debian 12,
what QGIS 3.22 users have: GDAL 3.6's validator and command-line tools, and QGIS 3.22 itself.

scripts/setup.sh installs them (gdal-bin, python3-gdal, python3-qgis). They live with the SYSTEM
python (/usr/bin/python3), not the project's venv, so they run as child processes. On a machine
without them the tests are skipped, except under CI (CI=true), where a missing tool fails them.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from gisdesk import gpkg
from gisdesk.layers.kinds import LEDGER_STATUSES
from gisdesk.layers.styles import CONTROL_COLORS, LEDGER_STATUS_COLORS, default_style
from gisdesk.project import Project
from gisdesk.qgis_style import qml_for

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
DEMO = ROOT / "data" / "demo.gpkg"
SYSTEM_PYTHON = "/usr/bin/python3"
VALIDATOR = [SYSTEM_PYTHON, "-m", "osgeo_utils.samples.validate_gpkg"]  # Debian's python3-gdal ships it
QGIS_PROBE = ROOT / "tests" / "qgis_probe.py"
GISDESK_TABLES = ("gisdesk_settings", "gisdesk_layers", "gisdesk_features", "gisdesk_edit_log", "gisdesk_check_runs",
                  "gisdesk_reviews", "gisdesk_ledger_history", "layer_styles")
ALPHA_30 = 0.30 * 255  # a 0.30 fill alpha, as QGIS keeps it (0..255)


def _system_env() -> dict:
    """The environment for the system python: no venv paths, no display."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONNOUSERSITE="1", XDG_RUNTIME_DIR=env.get("XDG_RUNTIME_DIR", "/tmp"))
    return env


def _has(module: str) -> bool:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", f"import {module}"], env=_system_env(),
                          capture_output=True).returncode == 0


def _require(available: bool, what: str) -> None:
    if not available:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing: scripts/setup.sh installs it")
        pytest.skip(f"{what} is not installed (scripts/setup.sh installs it)")


@pytest.fixture(scope="module")
def gdal_tools():
    _require(shutil.which("ogrinfo") is not None and shutil.which("ogr2ogr") is not None, "gdal-bin")
    _require(_has("osgeo_utils.samples.validate_gpkg"), "GDAL's validate_gpkg.py (python3-gdal)")
    version = subprocess.run(["ogrinfo", "--version"], capture_output=True, text=True).stdout
    return version


@pytest.fixture(scope="module")
def qgis():
    _require(_has("qgis.core"), "QGIS (python3-qgis)")


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kwargs)


def validate(path: Path) -> subprocess.CompletedProcess:
    """GDAL's GeoPackage validator, keeping going past the first error so that all are told."""
    return run(*VALIDATOR, "-k", "--extra", path, env=_system_env())


def ogrinfo(*args) -> subprocess.CompletedProcess:
    return run("ogrinfo", *args)


def probe(*args) -> dict:
    result = run(SYSTEM_PYTHON, QGIS_PROBE, *args, env=_system_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def fresh(cli, tmp_path):
    """A project made by gisdesk new + imports: Snezhinsk's buildings and road centre lines (red),
    three ledger cases (polygons) and a park (green zone polygon), then checked."""
    project = tmp_path / "fresh.gpkg"
    assert cli("new", project, "--crs", "EPSG:32641")[0] == 0
    assert cli("import", project, DATA / "snezhinsk_buildings.geojson", "--as", "buildings", "--id-field", "id")[0] == 0
    assert cli("import", project, DATA / "snezhinsk_roads.geojson", "--as", "red", "--id-field", "id",
               "--half-width", "6")[0] == 0
    x, y = 361157.0, 6215896.0  # a Snezhinsk building's centre
    statuses = (LEDGER_STATUSES[0], LEDGER_STATUSES[1], LEDGER_STATUSES[-1])
    gpd.GeoDataFrame([{"case_no": f"L{i}", "found_on": f"2024-05-0{i + 1}", "status": status,
                       "geometry": box(x + 30 * i, y + 200, x + 30 * i + 12, y + 212)}
                      for i, status in enumerate(statuses)], crs="EPSG:32641").to_file(tmp_path / "ledger.gpkg")
    gpd.GeoDataFrame([{"name": "park", "geometry": box(x - 100, y - 100, x - 40, y - 40)}],
                     crs="EPSG:32641").to_file(tmp_path / "park.gpkg")
    assert cli("import", project, tmp_path / "ledger.gpkg", "--as", "ledger")[0] == 0
    assert cli("import", project, tmp_path / "park.gpkg", "--as", "green")[0] == 0
    code, _, err = cli("check", project, "--out", tmp_path / "check")
    assert code == 0, err
    return project


@pytest.fixture
def demo(tmp_path):
    """A copy of the demo project, opened once by gisdesk (which brings older files to today's format)."""
    copy = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO, copy)
    Project.open(copy)
    return copy


def tables_of(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT table_name FROM gpkg_contents")}


def layer_uid(path: Path, layer: str) -> str:
    with sqlite3.connect(path) as db:
        return db.execute(f'SELECT uid FROM "{layer}" ORDER BY fid LIMIT 1').fetchone()[0]


# --- the QML itself (no QGIS needed) -------------------------------------------------------

def _symbol_types(qml: str) -> list[str]:
    return [s.get("type") for s in ET.fromstring(qml.split("\n", 1)[1]).find("renderer-v2/symbols")]


def test_qml_gives_each_geometry_family_a_symbol_qgis_can_draw_it_with():
    red = default_style("red")
    polygon = ET.fromstring(qml_for(red, 0.8, ["polygon"]).split("\n", 1)[1])
    assert polygon.find("renderer-v2").get("type") == "singleSymbol"
    props = {p.get("k"): p.get("v") for p in polygon.iter("prop")}
    assert (props["color"], props["outline_color"]) == ("227,23,10,76", "227,23,10,255")  # #e3170a, fill alpha 0.30
    assert polygon.find("layerOpacity").text == "0.8"
    assert _symbol_types(qml_for(red, 1, ["line"], line_zones=True)) == ["line"]
    zone = ET.fromstring(qml_for(red, 1, ["line"], line_zones=True).split("\n", 1)[1]).find(".//layer")
    assert zone.get("class") == "GeometryGenerator" and "buffer($geometry" in zone.find("prop[@k='geometryModifier']").get("v")
    assert _symbol_types(qml_for(default_style("parking"), 1, ["line"])) == ["line"] * 4  # 3 categories and the rest
    assert _symbol_types(qml_for(default_style("ledger"), 1, ["point"])) == ["marker"] * 13


def test_qml_of_a_table_of_several_geometry_types_has_a_rule_per_type():
    style = {**default_style("ledger"), "categories": {"a 'quoted' value": "#123456"}}
    root = ET.fromstring(qml_for(style, 1, ["point", "polygon"]).split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "RuleRenderer"
    rules = renderer.findall("rules/rule")
    assert [r.get("filter") for r in rules] == ["geometry_type($geometry) = 'Polygon'",
                                                "geometry_type($geometry) = 'Point'"]
    symbols = {s.get("name"): s.get("type") for s in renderer.find("symbols")}
    for rule, kind in zip(rules, ("fill", "marker")):
        children = rule.findall("rule")
        assert [c.get("filter") for c in children] == ['"status" = \'a \'\'quoted\'\' value\'', "ELSE"]
        assert {symbols[c.get("symbol")] for c in children} == {kind}


# --- GDAL 3.6 -------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["fresh", "demo"])
def test_gdal_validator_passes_projects(gdal_tools, which, request):
    path = request.getfixturevalue(which)
    result = validate(path)
    told = result.stdout + result.stderr
    assert "Req 119" not in told  # gisdesk tables' keys are INTEGER
    assert (result.returncode, told) == (0, "")  # no error and no warning (valid DATETIMEs in layer_styles)
    with gpkg.connect(path, readonly=True) as db:
        assert gpkg.tables_with_1_4_rtree_triggers(db) == []  # 1.2's R-tree triggers, as the header says
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200


def test_a_project_written_before_the_store_is_brought_to_geopackage_1_2(gdal_tools, tmp_path):
    """As gisdesk wrote projects before: GDAL's default GeoPackage (1.4 on the venv's GDAL, with
    1.4's R-tree triggers) and gisdesk_layers keyed by TEXT. GDAL 3.6 fails it; opening it mends it."""
    path = tmp_path / "old.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"key": ["format_version", "name", "crs"], "value": ["1", "old", "EPSG:32641"]}),
                            path, layer="gisdesk_settings", driver="GPKG")
    buildings = gpd.GeoDataFrame({"uid": ["b1", "b2"], "name": ["one", "two"]},
                                 geometry=[box(0, 0, 10, 10).union(box(20, 0, 30, 10)), box(0, 20, 10, 30)],
                                 crs="EPSG:32641")
    pyogrio.write_dataframe(buildings, path, layer="buildings", driver="GPKG", geometry_type="MultiPolygon",
                            promote_to_multi=True)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE gisdesk_layers (table_name TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, "
                   "geometry_type TEXT, z_order INTEGER NOT NULL, visible INTEGER NOT NULL DEFAULT 1, "
                   "opacity REAL NOT NULL DEFAULT 1.0, style TEXT NOT NULL DEFAULT '{}', "
                   "sources TEXT NOT NULL DEFAULT '[]')")
        db.execute("INSERT INTO gisdesk_layers VALUES ('buildings', 'buildings', '建筑', 'MultiPolygon', 0, 1, 1.0, "
                   "'{}', '[]')")
        db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) "
                   "VALUES ('gisdesk_layers', 'attributes', 'gisdesk_layers')")
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10400
    before = validate(path).stdout
    assert "Req 119: table gisdesk_layers has a PRIMARY KEY of type TEXT" in before
    assert "Req 75: rtree_buildings_geom_update1 trigger missing" in before
    assert "partially supported" in ogrinfo("-ro", "-so", path).stderr

    Project.open(path)
    result = validate(path)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    assert ogrinfo("-ro", "-so", path).stderr == ""
    # the R-tree still answers: GDAL's spatial filter finds b2 alone
    found = ogrinfo("-ro", "-q", path, "buildings", "-spat", "0", "15", "10", "30", "-fields=YES")
    assert "uid (String) = b2" in found.stdout and "b1" not in found.stdout, found.stdout
    with sqlite3.connect(path) as db:  # and gisdesk's edits keep it right through 1.2's triggers
        gpkg.add_functions(db)
        db.execute("UPDATE buildings SET geom = (SELECT geom FROM buildings WHERE uid = 'b2') WHERE uid = 'b1'")
    found = ogrinfo("-ro", "-q", path, "buildings", "-spat", "0", "15", "10", "30", "-fields=YES")
    assert "uid (String) = b1" in found.stdout and "uid (String) = b2" in found.stdout, found.stdout


@pytest.mark.parametrize("which", ["fresh", "demo"])
def test_ogrinfo_lists_every_table_without_a_version_warning(gdal_tools, which, request):
    path = request.getfixturevalue(which)
    assert gdal_tools.startswith("GDAL 3.")
    result = ogrinfo("-ro", "-so", path)
    assert result.returncode == 0, result.stderr
    assert "partially supported" not in result.stderr and "Warning" not in result.stderr, result.stderr
    listed = {line.split(":", 1)[1].split(" (")[0].strip() for line in result.stdout.splitlines()
              if line[:1].isdigit() and ":" in line}
    layers = {info.id for info in Project(path).layers()}
    assert set(GISDESK_TABLES) | layers <= listed
    assert listed == tables_of(path)


def test_edits_made_with_gdal_get_uids_versions_and_make_the_check_stale(gdal_tools, fresh, tmp_path, cli):
    project = Project.open(fresh)
    assert project.stale_layers() == []  # the fixture checked it last
    uid = layer_uid(fresh, "buildings")
    before = int(project.versions("buildings", [uid])["version"].iloc[0])
    # an UPDATE through GDAL's SQLite dialect: the layer's triggers see it
    result = ogrinfo(fresh, "-dialect", "SQLite", "-sql", f"UPDATE buildings SET floors = 12 WHERE uid = '{uid}'")
    assert result.returncode == 0, result.stderr
    # a feature without uid, appended by ogr2ogr (as QGIS or any GDAL tool would add one)
    added = tmp_path / "added.geojson"
    gpd.GeoDataFrame([{"name": "added by ogr2ogr", "geometry": box(361150, 6215700, 361160, 6215712)}],
                     crs="EPSG:32641").to_file(added)
    result = run("ogr2ogr", "-append", "-update", fresh, added, "-nln", "buildings", "-nlt", "PROMOTE_TO_MULTI")
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "ERROR" not in result.stderr, result.stderr

    project = Project.open(fresh)
    assert len(project.notices) == 1 and "buildings" in project.notices[0] and "1" in project.notices[0]
    frame = project.read_layer("buildings")
    new = frame[frame["name"] == "added by ogr2ogr"]
    assert len(new) == 1 and new["uid"].iloc[0] and frame["uid"].is_unique
    assert int(project.versions("buildings", [uid])["version"].iloc[0]) == before + 1
    assert float(frame.loc[frame["uid"] == uid, "floors"].iloc[0]) == 12
    assert int(project.versions("buildings", [new["uid"].iloc[0]])["version"].iloc[0]) == 1
    assert project.stale_layers() == ["buildings"]

    code, _, err = cli("check", fresh, "--out", tmp_path / "again")
    assert code == 0, err
    assert Project.open(fresh).stale_layers() == []
    assert validate(fresh).returncode == 0  # still a valid GeoPackage after GDAL's writes and ours


# --- QGIS 3.22 ------------------------------------------------------------------------------

def _layers(report: dict) -> dict:
    """QGIS's layers of the file by name and geometry ('ledger Point' ...), tables by name."""
    return {f"{layer['name']} {layer['geometry']}" if layer["geometry"] else layer["name"]: layer
            for layer in report["layers"]}


def test_qgis_opens_every_layer_editable_in_gisdesk_colours(qgis, fresh):
    Project.open(fresh).save_layer_states([{"id": "buildings", "z_order": 0, "visible": True, "opacity": 0.6,
                                            "style": {}}])
    report = probe("inspect", fresh)
    assert report["qgis"].startswith("3.")
    layers = _layers(report)
    assert set(GISDESK_TABLES) - {"layer_styles"} <= set(layers)  # QGIS keeps its own styles table out of sight
    for name, layer in layers.items():
        assert layer["valid"], name
        assert not layer["read_only"] and layer["can_change"] and layer["can_add"], name  # TEXT keys made QGIS refuse
    spatial = {name: layer for name, layer in layers.items() if layer["geometry"]}
    assert {"buildings Polygon", "red_lines Line", "ledger Polygon", "green_lines Polygon"} <= set(spatial)
    for name in ("buildings Polygon", "red_lines Line", "ledger Polygon", "green_lines Polygon"):
        layer = spatial[name]
        assert layer["style_loaded"] and "gisdesk" in layer["styles_in_database"], name
        assert layer["render"]["drawn"] > 0, name  # QGIS drew it: its symbols fit its geometry

    red = spatial["red_lines Line"]["renderer"]
    assert red["type"] == "singleSymbol" and red["symbol"]["type"] == "line"
    assert red["symbol"]["layer_class"] == "GeometryGenerator"  # centre lines drawn as their zones
    assert red["symbol"]["color"][0] == CONTROL_COLORS["red"] == "#e3170a"
    assert abs(red["symbol"]["color"][1] - ALPHA_30) <= 0.5
    assert CONTROL_COLORS["red"] in spatial["red_lines Line"]["render"]["colors"]  # the zones' outline

    green = spatial["green_lines Polygon"]["renderer"]["symbol"]
    assert (green["type"], green["color"][0], green["stroke"]) == ("fill", "#2e9e3f", ["#2e9e3f", 255])
    assert abs(green["color"][1] - ALPHA_30) <= 0.5

    ledger = spatial["ledger Polygon"]["renderer"]
    assert (ledger["type"], ledger["attribute"]) == ("categorizedSymbol", "status")
    for status, color in LEDGER_STATUS_COLORS.items():
        assert ledger["categories"][status]["color"][0] == color
        assert ledger["categories"][status]["color"][1] == round(0.75 * 255)
    assert spatial["buildings Polygon"]["opacity"] == pytest.approx(0.6)


def test_qgis_draws_every_layer_of_the_demo(qgis, demo):
    """The demo has layers of lines (roads) and of several geometry types (ledger: polygons and
    points; parking: all three), which QGIS splits into one layer per type: each must draw."""
    layers = _layers(probe("inspect", demo))
    spatial = {name: layer for name, layer in layers.items() if layer["geometry"] and layer["features"] > 0}
    expected = {info.id for info in Project(demo).layers()}
    assert {name.split()[0] for name in spatial} >= expected
    for name, layer in spatial.items():
        if name.split()[0] in expected:
            assert layer["style_loaded"], name
            assert layer["render"]["drawn"] > 0, name
    for name in ("ledger Point", "ledger Polygon"):
        rules = spatial[name]["renderer"]
        assert rules["type"] == "RuleRenderer" and rules["symbol_types"] == ["fill", "marker"]
        assert [r["label"] for r in rules["rules"]] == ["polygon", "point"]
        assert all(r["children"] == len(LEDGER_STATUS_COLORS) + 1 for r in rules["rules"])  # the statuses and the rest
    assert set(LEDGER_STATUS_COLORS.values()) & set(spatial["ledger Point"]["render"]["colors"])


def test_an_edit_in_qgis_is_seen_by_gisdesk(qgis, gdal_tools, fresh, tmp_path, cli):
    project = Project.open(fresh)
    uid = layer_uid(fresh, "buildings")
    before = int(project.versions("buildings", [uid])["version"].iloc[0])
    result = probe("edit", fresh, "buildings", uid, "floors", "9", "Snezhinsk 建筑")
    assert result["valid"] and result["changed"] and result["added"], result
    assert result["committed"] and result["title_committed"], result

    project = Project.open(fresh)
    assert len(project.notices) == 1 and "buildings" in project.notices[0]
    frame = project.read_layer("buildings")
    nine = frame[frame["floors"] == 9]
    assert len(nine) == 2 and nine["uid"].is_unique and nine["uid"].map(bool).all()  # the copy got a uid
    assert int(project.versions("buildings", [uid])["version"].iloc[0]) == before + 1
    assert project.layer_info("buildings").title == "Snezhinsk 建筑"  # gisdesk_layers edited in QGIS
    assert project.stale_layers() == ["buildings"]
    code, _, err = cli("check", fresh, "--out", tmp_path / "again")
    assert code == 0, err
    assert validate(fresh).returncode == 0
