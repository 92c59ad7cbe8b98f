"""The store beneath everything: layers by id, appends by name, versions and hashes, transactions
that survive a kill, and files that other tools edited."""

from __future__ import annotations

import csv
import hashlib
import multiprocessing
import os
import sqlite3
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from pyproj import CRS
from shapely.geometry import Polygon, box

from gisdesk import gpkg
from gisdesk.errors import ProjectError
from gisdesk.io.importer import import_layer
from gisdesk.project import Project
from gisdesk.store import FeatureEdit
from tests.conftest import frame


DEMO = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": "B1", "name": "一号楼", "building_use": "住宅", "floors": 6, "address": "中山路1号",
            "geometry": box(10, 18, 20, 30)},
           {"bid": "B2", "name": "二号楼", "building_use": "商业", "floors": 3, "address": "中山路3号",
            "geometry": box(30, 25, 40, 30)}]).to_file(tmp_path / "b.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    return p


def stored(project, layer_id) -> pd.DataFrame:
    return project.read_layer(layer_id).set_index("uid")


# --- layers by id --------------------------------------------------------------------------

def test_two_red_line_plans_in_one_project_are_both_checked(cli, tmp_path, project):
    # the 2019 plan: a road along y 0..20; the 2023 plan widened it to y 0..24
    frame([{"rid": "R19", "geometry": box(0, 0, 200, 20)}]).to_file(tmp_path / "red2019.geojson")
    frame([{"rid": "R23", "geometry": box(0, 0, 200, 24)}]).to_file(tmp_path / "red2023.geojson")
    for year in ("2019", "2023"):
        code, out, err = cli("import", project.path, tmp_path / f"red{year}.geojson", "--as", "red",
                             "--to", f"red_{year}", "--id-field", "rid")
        assert (code, err) == (0, ""), err
        assert f"red_{year}" in out
    assert [i.id for i in project.layers_of("red")] == ["red_2019", "red_2023"]
    code, _, err = cli("import", project.path, tmp_path / "red2019.geojson", "--as", "red")
    assert code == 2 and "--to" in err and "red_2019" in err  # which of the two? the user says

    code, _, err = cli("check", project.path, "--out", tmp_path / "out")
    assert code == 0, err
    with open(tmp_path / "out" / "conflicts.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:10] == ["subject_layer", "subject_id", "control_kind", "control_id", "relation",
                                  "overlap_m2", "depth_m", "distance_m", "required_m", "shortfall_m"]
    assert list(rows[0])[10:] == ["subject_table", "control_table", "period", "exemption", "subject_name"]
    b1 = {r["control_table"]: r for r in rows if r["subject_id"] == "B1"}
    # B1 (y 18..30, x 10..20) lies 2 m inside the 2019 road and 6 m inside the 2023 one
    assert float(b1["red_2019"]["overlap_m2"]) == pytest.approx(20.0)
    assert float(b1["red_2023"]["overlap_m2"]) == pytest.approx(60.0)
    assert {r["control_kind"] for r in b1.values()} == {"red"}
    assert {r["subject_table"] for r in rows} == {"buildings"}
    b2 = {r["control_table"]: r["relation"] for r in rows if r["subject_id"] == "B2"}
    assert b2 == {"red_2019": "setback", "red_2023": "setback"}  # 5 m and 1 m from the line, setback 15 m


def test_a_layer_id_is_checked_and_a_kind_cannot_take_another_kinds_layer(project, tmp_path):
    frame([{"geometry": box(0, 0, 5, 5)}]).to_file(tmp_path / "g.geojson")
    with pytest.raises(Exception, match="gisdesk_"):
        import_layer(project, tmp_path / "g.geojson", "green", to="gisdesk_x")
    with pytest.raises(ProjectError, match="buildings"):
        import_layer(project, tmp_path / "g.geojson", "green", to="buildings")
    assert [i.id for i in project.layers()] == ["buildings"]


# --- appending by name ---------------------------------------------------------------------

def test_a_second_import_lands_every_field_by_name(project, tmp_path):
    # fields in another order, an extra one (owner) and a missing one (address)
    second = gpd.GeoDataFrame({"floors": [12], "owner": ["某公司"], "building_use": ["工业"], "bid": ["B3"],
                               "name": ["三号楼"], "geometry": [box(50, 40, 60, 50)]}, crs="EPSG:4549")
    second.to_file(tmp_path / "second.geojson")
    import_layer(project, tmp_path / "second.geojson", "buildings", id_field="bid")
    table = stored(project, "buildings")
    assert table.loc["B3", "floors"] == 12 and table.loc["B3", "building_use"] == "工业"
    assert table.loc["B3", "name"] == "三号楼" and table.loc["B3", "owner"] == "某公司"
    assert pd.isna(table.loc["B3", "address"])
    # the first features keep their values, and have no owner
    assert table.loc["B1", "floors"] == 6 and table.loc["B1", "address"] == "中山路1号"
    assert pd.isna(table.loc["B1", "owner"])


def test_an_upper_case_shapefile_field_is_the_schema_field(project, tmp_path):
    shp = gpd.GeoDataFrame({"BID": ["B4"], "NAME": ["四号楼"], "FLOORS": [2], "geometry": [box(70, 40, 80, 50)]},
                           crs="EPSG:4549")
    pyogrio.write_dataframe(shp, tmp_path / "esri.shp", encoding="UTF-8")
    import_layer(project, tmp_path / "esri.shp", "buildings", id_field="BID")
    table = stored(project, "buildings")
    assert table.loc["B4", "name"] == "四号楼" and table.loc["B4", "floors"] == 2
    assert "NAME" not in table.columns or table["NAME"].isna().all()


def test_an_append_writes_inside_the_file_and_leaves_nothing_beside_it(project, tmp_path):
    inode = os.stat(project.path).st_ino  # a copy-and-replace would give the project a new inode
    # (a 5 m square at x 90..95 m: at y 40..45 it would read as lon/lat in China, refused as degrees)
    frame([{"bid": "B5", "geometry": box(90, 60, 95, 65)}]).to_file(tmp_path / "one.geojson")
    import_layer(project, tmp_path / "one.geojson", "buildings", id_field="bid")
    assert os.stat(project.path).st_ino == inode
    assert sorted(p.name for p in tmp_path.glob(".*")) == []
    assert len(project.read_layer("buildings")) == 3


def _import_then_die(path, source):
    """In a child: write the append and get killed before the transaction commits."""
    real = gpkg.append_by_name

    def append_and_die(db, *args):
        real(db, *args)
        os._exit(9)

    gpkg.append_by_name = append_and_die
    import_layer(Project(path), source, "buildings", id_field="bid")


def test_a_killed_import_leaves_the_project_as_it_was(project, tmp_path):
    frame([{"bid": f"K{i}", "geometry": box(i, 100, i + 0.5, 101)} for i in range(50)]).to_file(tmp_path / "k.geojson")
    before = digest(project.path)
    child = multiprocessing.get_context("fork").Process(target=_import_then_die, args=(project.path, tmp_path / "k.geojson"))
    child.start()
    child.join(60)
    assert child.exitcode == 9
    assert list(tmp_path.glob(".p.*.staging.gpkg"))  # the dead import's staging file ...
    reopened = Project.open(project.path)  # ... is cleaned on open, and the hot journal rolled back
    assert not list(tmp_path.glob(".p.*"))
    assert sorted(reopened.read_layer("buildings")["uid"]) == ["B1", "B2"]
    assert digest(project.path) == before


# --- identity: versions, hashes, the edit log, edits by other tools -----------------------

def test_features_have_versions_hashes_and_an_edit_log(project):
    versions = project.versions("buildings").set_index("uid")
    assert list(versions["version"]) == [1, 1]
    assert versions["hash"].str.fullmatch("[0-9a-f]{32}").all() and versions["hash"].nunique() == 2
    log = project.edit_log("buildings")
    assert list(log["action"]) == ["import"] and log["changes"][0]["features"] == 2

    new = project.commit_edits("buildings", [FeatureEdit("attributes", "B1", 1, {"floors": 7})], who="张工")
    assert new == {"B1": 2}
    after = project.versions("buildings").set_index("uid")
    assert after.loc["B1", "version"] == 2 and after.loc["B1", "hash"] != versions.loc["B1", "hash"]
    assert after.loc["B2", "hash"] == versions.loc["B2", "hash"]
    last = project.edit_log("buildings").iloc[-1]
    assert (last["uid"], last["version"], last["who"], last["action"]) == ("B1", 2, "张工", "attributes")
    assert last["changes"] == {"floors": [6, 7]}

    # back to 6 floors: the content, and so the hash, is what it was
    project.commit_edits("buildings", [FeatureEdit("attributes", "B1", 2, {"floors": 6})], who="张工")
    assert project.versions("buildings").set_index("uid").loc["B1", "hash"] == versions.loc["B1", "hash"]


def test_a_stale_write_is_refused_naming_the_feature_and_nothing_is_written(project):
    project.commit_edits("buildings", [FeatureEdit("attributes", "B2", 1, {"name": "别人改的"})], who="李工")
    before = digest(project.path)
    stale = [FeatureEdit("attributes", "B1", 1, {"floors": 9}),  # fine on its own
             FeatureEdit("geometry", "B2", 1, geometry=box(0, 0, 1, 1))]  # made against version 1, now 2
    with pytest.raises(ProjectError, match="B2") as refused:
        project.commit_edits("buildings", stale, who="张工")
    assert "1 → 2" in str(refused.value)
    assert digest(project.path) == before
    assert stored(project, "buildings").loc["B1", "floors"] == 6


def test_add_and_delete_keep_versions_and_the_log(project):
    project.commit_edits("buildings", [FeatureEdit("add", "B9", None, {"name": "新楼"}, box(0, 50, 5, 55))], who="王工")
    assert stored(project, "buildings").loc["B9", "geometry"].area == pytest.approx(25.0)
    assert project.versions("buildings", ["B9"])["version"].tolist() == [1]
    project.commit_edits("buildings", [FeatureEdit("delete", "B9", 1)], who="王工")
    assert "B9" not in stored(project, "buildings").index
    assert project.versions("buildings", ["B9"]).empty
    assert list(project.edit_log("buildings")["action"])[-2:] == ["add", "delete"]


def test_a_feature_hash_does_not_depend_on_column_order_empty_columns_or_the_geometry_header(tmp_path):
    blob = gpkg.geometry_blobs(np.array([box(0, 0, 1, 1)], dtype=object), 4549)[0]  # no envelope
    with_envelope = blob[:3] + bytes([blob[3] | 0b10]) + blob[4:8] + struct.pack("<dddd", 0, 1, 0, 1) + blob[8:]
    (tmp_path / "h.sqlite").touch()
    with gpkg.connect(tmp_path / "h.sqlite") as db:
        db.execute("CREATE TABLE a (fid INTEGER PRIMARY KEY, name TEXT, floors INTEGER, geom BLOB)")
        db.execute("CREATE TABLE b (fid INTEGER PRIMARY KEY, geom BLOB, floors REAL, note TEXT, name TEXT)")
        db.execute("INSERT INTO a (name, floors, geom) VALUES ('楼', 3, ?)", (blob,))
        db.execute("INSERT INTO b (geom, floors, note, name) VALUES (?, 3.0, NULL, '楼')", (with_envelope,))
        db.execute("INSERT INTO b (geom, floors, note, name) VALUES (?, 3.5, NULL, '楼')", (blob,))
        db.execute("INSERT INTO b (geom, floors, note, name) VALUES (?, 3, NULL, '楼')", (gpkg.geometry_blobs(
            np.array([box(0, 0, 1, 2)], dtype=object), 4549)[0],))

        def hashes(table, columns):
            return [r[0] for r in db.execute(f"SELECT {gpkg.hash_sql(columns, 'geom')} FROM {table} ORDER BY fid")]

        a = hashes("a", ["fid", "name", "floors", "geom"])
        b = hashes("b", ["fid", "geom", "floors", "note", "name"])
    assert a[0] == b[0]  # reordered columns, an empty extra column, 3 == 3.0, an envelope in the header
    assert len({a[0], b[1], b[2]}) == 3  # another value, another geometry: other hashes


def test_features_another_tool_added_without_uid_get_one_on_open(project, tmp_path):
    # GDAL (what QGIS writes with) appends two features that have no uid
    other = gpd.GeoDataFrame({"name": ["QGIS 加的", "又一个"], "geometry": [box(0, 60, 4, 64), box(10, 60, 14, 64)]},
                             crs="EPSG:4549")
    pyogrio.write_dataframe(other, project.path, layer="buildings", append=True, promote_to_multi=True)
    reopened = Project.open(project.path)
    assert any("2" in n and "uid" in n for n in reopened.notices)
    table = reopened.read_layer("buildings")
    assert table["uid"].notna().all() and table["uid"].is_unique and len(table) == 4
    assert set(reopened.versions("buildings")["uid"]) == set(table["uid"])
    assert Project.open(project.path).notices == []  # once given, nothing more to say


def test_an_update_by_another_tool_bumps_the_version_and_marks_the_check_stale(project, tmp_path, cli):
    frame([{"rid": "R1", "geometry": box(0, 0, 200, 20)}]).to_file(tmp_path / "red.geojson")
    import_layer(project, tmp_path / "red.geojson", "red", id_field="rid")
    assert cli("check", project.path, "--out", tmp_path / "out")[0] == 0
    assert project.stale_layers() == []
    hash_before = project.versions("buildings").set_index("uid").loc["B2", "hash"]
    with gpkg.connect(project.path) as db:  # as QGIS or ogrinfo -sql would (they have GDAL's ST_ functions)
        db.execute("UPDATE buildings SET floors = 4 WHERE uid = 'B2'")
    assert project.stale_layers() == ["buildings"]
    reopened = Project.open(project.path)
    row = reopened.versions("buildings").set_index("uid").loc["B2"]
    assert row["version"] == 2 and row["hash"] != hash_before  # rehashed on open
    assert reopened.edit_log("buildings").iloc[-1]["action"] == "external"
    code, _, err = cli("totals", project.path)
    assert code == 0 and "图层 建筑 已被修改" in err and "gisdesk check" in err


# --- the file as other GeoPackage readers see it ---------------------------------------------

def test_gisdesk_tables_have_integer_keys_and_the_file_is_geopackage_1_2(project):
    with sqlite3.connect(project.path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200
        tables = [r[0] for r in db.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'attributes'")]
        assert {"gisdesk_layers", "gisdesk_features", "gisdesk_edit_log", "layer_styles"} <= set(tables)
        for table in tables:
            keys = [(r[1], r[2].upper()) for r in db.execute(f'PRAGMA table_info("{table}")') if r[5]]
            assert len(keys) == 1 and keys[0][1] == "INTEGER", (table, keys)


def test_styles_are_written_for_qgis(project):
    project.save_layer_states([{"id": "buildings", "z_order": 0, "visible": True, "opacity": 0.8,
                                "style": {"fill": "#dcd6cc", "fill_alpha": 1.0, "stroke": "#9a9080", "width": 0.6}}])
    with sqlite3.connect(project.path) as db:
        rows = db.execute("SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles").fetchall()
    assert [r[:3] for r in rows] == [("buildings", "geom", 1)]
    qml = ET.fromstring(rows[0][3].split("\n", 1)[1])
    props = {p.get("k"): p.get("v") for p in qml.iter("prop")}
    assert props["color"] == "220,214,204,255" and props["outline_color"] == "154,144,128,255"
    assert float(props["outline_width"]) == pytest.approx(0.6 * 25.4 / 96, abs=1e-3)
    assert qml.find("layerOpacity").text == "0.8"


def test_a_project_of_the_first_format_is_upgraded_on_open(tmp_path):
    p = Project.create(tmp_path / "old.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": "B1", "geometry": box(10, 18, 20, 30)}]).to_file(tmp_path / "b.geojson")
    frame([{"rid": "R1", "geometry": box(0, 0, 200, 20)}]).to_file(tmp_path / "r.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    import_layer(p, tmp_path / "r.geojson", "red", id_field="rid")
    with sqlite3.connect(p.path) as db:  # back to how gisdesk wrote projects before layers had ids
        db.executescript("""
            DROP TABLE gisdesk_layers; DROP TABLE gisdesk_features; DROP TABLE gisdesk_reviews;
            DROP TRIGGER gisdesk_buildings_insert; DROP TRIGGER gisdesk_buildings_update;
            DROP TRIGGER gisdesk_buildings_delete; DROP TRIGGER gisdesk_red_lines_insert;
            DROP TRIGGER gisdesk_red_lines_update; DROP TRIGGER gisdesk_red_lines_delete;
            CREATE TABLE gisdesk_layers (table_name TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,
                geometry_type TEXT, z_order INTEGER NOT NULL, visible INTEGER NOT NULL DEFAULT 1,
                opacity REAL NOT NULL DEFAULT 1.0, style TEXT NOT NULL DEFAULT '{}', sources TEXT NOT NULL DEFAULT '[]');
            INSERT INTO gisdesk_layers (table_name, kind, title, z_order) VALUES ('buildings', 'buildings', '建筑', 0),
                ('red_lines', 'red', '道路红线', 5);
            CREATE TABLE gisdesk_reviews (review_id INTEGER PRIMARY KEY AUTOINCREMENT, subject_layer TEXT NOT NULL,
                subject_id TEXT NOT NULL, control_kind TEXT NOT NULL, control_id TEXT NOT NULL, decision TEXT NOT NULL,
                note TEXT NOT NULL DEFAULT '', who TEXT NOT NULL, at TEXT NOT NULL,
                UNIQUE (subject_layer, subject_id, control_kind, control_id));
            INSERT INTO gisdesk_reviews (subject_layer, subject_id, control_kind, control_id, decision, who, at)
                VALUES ('buildings', 'B1', 'red', 'R1', 'confirmed', '张工', '2026-01-01');
            PRAGMA user_version = 10400;
        """)
    upgraded = Project.open(p.path)
    assert [(i.id, i.kind) for i in upgraded.layers()] == [("buildings", "buildings"), ("red_lines", "red")]
    assert upgraded.decisions()[["subject_table", "subject_id", "control_table", "control_id", "decision"]] \
        .values.tolist() == [["buildings", "B1", "red_lines", "R1", "confirmed"]]
    assert upgraded.versions("buildings")["uid"].tolist() == ["B1"]
    with sqlite3.connect(p.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200


def test_reading_a_layer_that_does_not_exist_names_the_ones_that_do(project):
    with pytest.raises(ProjectError, match="buildings"):
        project.read_layer("red_lines")


def test_multipolygon_parts_stay_one_feature_in_an_append(project, tmp_path):
    """With --keep-multipart (import splits multi-part buildings by default), the store keeps the parts together."""
    two = Polygon([(0, 70), (5, 70), (5, 75), (0, 75)]).union(box(10, 70, 15, 75))
    frame([{"bid": "M1", "geometry": two}]).to_file(tmp_path / "m.geojson")
    import_layer(project, tmp_path / "m.geojson", "buildings", id_field="bid", keep_multipart=True)
    assert stored(project, "buildings").loc["M1", "geometry"].area == pytest.approx(50.0)


def test_the_spatial_index_moved_in_with_a_layer_answers_like_its_geometries(tmp_path):
    p = Project.create(tmp_path / "r.gpkg", crs=CRS.from_epsg(4549))
    squares = [{"bid": f"S{i}_{j}", "geometry": box(i * 10, j * 10, i * 10 + 4, j * 10 + 4)}
               for i in range(40) for j in range(40)]
    frame(squares).to_file(tmp_path / "s.geojson")
    import_layer(p, tmp_path / "s.geojson", "buildings", id_field="bid")
    with sqlite3.connect(p.path) as db:
        assert db.execute("SELECT rtreecheck('rtree_buildings_geom')").fetchone()[0] == "ok"
    found = pyogrio.read_dataframe(p.path, layer="buildings", bbox=(95, 195, 131, 221))  # GDAL reads the R-tree
    assert sorted(found["uid"]) == sorted(f"S{i}_{j}" for i in range(10, 14) for j in range(20, 23))


def test_a_second_red_line_source_appended_to_the_red_layer_is_checked_like_an_oracle_says(tmp_path, cli):
    """The demo's red layer gets a second institute's drawing (fields reordered, other uids, lines
    shifted 7 m east); the check's overlaps equal those of a plain geopandas overlay."""
    import shutil

    path = tmp_path / "demo.gpkg"
    shutil.copy(DEMO, path)
    project = Project.open(path)
    first = project.read_layer("red_lines")
    second = first.assign(uid="R2-" + first["uid"], geometry=first.geometry.translate(7, 0))
    second = second[["road_class", "geometry", "half_width_m", "uid", "name"]].rename(columns={"uid": "rid"})
    second.to_file(tmp_path / "red2.geojson")
    assert cli("import", path, tmp_path / "red2.geojson", "--as", "red", "--id-field", "rid")[0] == 0
    red = project.read_layer("red_lines")
    assert len(red) == 2 * len(first) and red.set_index("uid").loc["R2-" + first["uid"].iloc[0], "half_width_m"] \
        == first["half_width_m"].iloc[0]
    assert cli("check", path, "--out", tmp_path / "out")[0] == 0
    found = pd.read_csv(tmp_path / "out" / "conflicts.csv", dtype={"subject_id": str, "control_id": str})
    found = found[(found["control_table"] == "red_lines") & (found["subject_table"] == "buildings")
                  & (found["relation"] == "encroach")]

    # the oracle: buffer every red line by its half width (8 segments a quarter circle, the zones'
    # definition), overlay with the buildings, measure
    zones = gpd.GeoDataFrame({"control_id": red["uid"]}, crs=red.crs,
                             geometry=red.geometry.buffer(red["half_width_m"], quad_segs=8))
    buildings = project.read_layer("buildings")[["uid", "geometry"]].rename(columns={"uid": "subject_id"})
    overlay = gpd.overlay(buildings[buildings.geom_type.isin(["Polygon", "MultiPolygon"])], zones,
                          how="intersection", keep_geom_type=True)
    overlay["area"] = overlay.area
    oracle = overlay.groupby(["subject_id", "control_id"])["area"].sum()
    clear = set(oracle[oracle > 2.0].index)  # well over the 0.5 m² tolerance: deep enough too
    pairs = set(zip(found["subject_id"], found["control_id"]))
    assert clear <= pairs and pairs <= set(oracle[oracle > 0.5].index)
    assert any(c.startswith("R2-") for _, c in pairs) and any(not c.startswith("R2-") for _, c in pairs)
    mine = found.set_index(["subject_id", "control_id"])["overlap_m2"]
    assert np.allclose(mine.loc[sorted(clear)].to_numpy(), oracle.loc[sorted(clear)].to_numpy(), rtol=1e-3, atol=0.01)


def test_a_check_gives_uids_to_features_added_after_the_project_was_opened(project, tmp_path):
    from gisdesk.analysis.check import run_check
    from gisdesk.rules import load_rules

    frame([{"rid": "R1", "geometry": box(0, 0, 200, 20)}]).to_file(tmp_path / "red.geojson")
    import_layer(project, tmp_path / "red.geojson", "red", id_field="rid")
    opened = Project.open(project.path)  # e.g. the app, with QGIS adding a feature meanwhile
    other = gpd.GeoDataFrame({"name": ["QGIS 加的"], "geometry": [box(100, 15, 110, 25)]}, crs="EPSG:4549")
    pyogrio.write_dataframe(other, project.path, layer="buildings", append=True, promote_to_multi=True)
    run_check(opened, load_rules())
    conflicts = opened.conflicts()
    new = set(opened.read_layer("buildings")["uid"]) - {"B1", "B2"}
    assert len(new) == 1 and new <= set(conflicts["subject_id"])
    assert any("uid" in n for n in opened.notices)
