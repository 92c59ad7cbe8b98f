"""gisdesk pack: a self-contained field package of a district or a box, with its base snapshot."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from pyproj import CRS, Transformer
from rasterio.windows import from_bounds
from shapely.geometry import box

from gisdesk import attachments
from gisdesk.field.pack import pack
from gisdesk.field.snapshot import read_base, values_from_json, wkb_of
from gisdesk.io.raster import open_raster
from gisdesk.project import Project
from tests.field_projects import METRIC, make_master, table

RASTER = Path(__file__).parent / "data" / "raster"


@pytest.fixture
def master(tmp_path):
    project = make_master(tmp_path / "master.gpkg")
    zones = [{"uid": "R1", "name": "跨界红线", "geometry": box(60, -5, 150, 2)},  # crosses the district's box edge
             {"uid": "R2", "name": "远处红线", "geometry": box(500, 500, 600, 510)}]
    project.add_features("red_lines", gpd.GeoDataFrame(zones, geometry="geometry", crs=METRIC), kind="red",
                         source={"path": "hand-made"})
    project.set_settings(rules="[tolerances]\noverlap_m2 = 1.0\n", attribution="测试")
    project.save_layout("会议图", json.dumps({"page": "A3"}))
    project.change_status("L1", "已立案", who="张工")
    project.change_status("L2", "责令停止", who="李工")
    attachments.add(project, "buildings", "B1", [("B1.jpg", b"photo of B1")])
    attachments.add(project, "buildings", "B5", [("B5.jpg", b"photo of B5")])
    return tmp_path / "master.gpkg"


def test_a_district_package_takes_its_features_whole_with_what_belongs_to_them(master, tmp_path):
    out = tmp_path / "黄浦外业.gpkg"
    result = pack(master, out, district="黄浦区")
    # the district's features, and those meeting their box (20..70 x 0..10): R1 crosses its edge
    assert result.layers == {"buildings": 3, "ledger": 1, "red_lines": 1}
    assert sorted(table(out, "buildings")) == ["B1", "B2", "B3"] and list(table(out, "red_lines")) == ["R1"]
    master_geoms = dict(zip(*(lambda f: (f["uid"], f.geometry))(Project(master).read_layer("red_lines"))))
    package_geoms = dict(zip(*(lambda f: (f["uid"], f.geometry))(Project(out).read_layer("red_lines"))))
    assert package_geoms["R1"].equals(master_geoms["R1"])  # whole, not cut at the box
    package = Project.open(out)
    settings = package.settings()
    assert settings["rules"].startswith("[tolerances]") and settings["attribution"] == "测试"
    assert package.layouts() == {"会议图": json.dumps({"page": "A3"})}
    assert json.loads(settings["field:area"])["district"] == "黄浦区" and len(settings["field:package_id"]) == 32
    assert list(package.history()["case_uid"]) == ["L1"]  # the district's case history only
    assert [(a.uid, a.name) for a in attachments.list_attachments(out)] == [("B1", "B1.jpg")]
    with sqlite3.connect(out) as db:
        styles = {r[0] for r in db.execute("SELECT f_table_name FROM layer_styles")}
        assert {"buildings", "ledger", "red_lines"} <= styles
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        base = read_base(db)
        rows = db.execute("SELECT layer, uid, version, hash FROM gisdesk_field_base WHERE layer = 'buildings'").fetchall()
    versions = Project(master).versions("buildings").set_index("uid")
    assert {(u, v, h) for _, u, v, h in rows} == {(u, versions.loc[u, "version"], versions.loc[u, "hash"])
                                                   for u in ("B1", "B2", "B3")}
    assert base["buildings"]["B2"].values["floors"] == 2 and base["buildings"]["B2"].values["name"] == "2号楼"
    assert base["gisdesk_attachments"][attachments.list_attachments(out)[0].attachment_id].values["sha256"] == \
        attachments.sha256_hex(b"photo of B1")
    listed = subprocess.run(["ogrinfo", "-ro", "-so", str(out)], capture_output=True, text=True)
    assert listed.returncode == 0 and "gisdesk_field_base" in listed.stdout and "buildings" in listed.stdout


def test_the_snapshot_holds_each_features_values_and_wkb(master, tmp_path):
    out = tmp_path / "all.gpkg"
    pack(master, out, extent=(0, -10, 700, 600))
    with sqlite3.connect(out) as db:
        stored = dict(db.execute("SELECT uid, \"values\" FROM gisdesk_field_base WHERE layer = 'ledger'"))
        blob = db.execute("SELECT geom FROM ledger WHERE uid = 'L2'").fetchone()[0]
        wkb = db.execute("SELECT geometry FROM gisdesk_field_base WHERE uid = 'L2'").fetchone()[0]
    assert values_from_json(stored["L2"])["status"] == "责令停止"
    assert wkb == wkb_of(blob) and len(wkb) == 21  # a point's ISO WKB, no GeoPackage header


@pytest.fixture
def imaged(tmp_path):
    """A project in UTM 34S with a building under the Swellendam GeoTIFF and MBTiles cut-outs."""
    crs = CRS.from_epsg(32734)
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(20.5119, -34.0369)
    project = Project.create(tmp_path / "imaged.gpkg", crs=crs)
    project.add_features("buildings", gpd.GeoDataFrame(
        [{"uid": "S1", "name": "house", "geometry": box(x - 10, y - 10, x + 10, y + 10)}], crs=crs),
        kind="buildings", source={"path": "hand-made"})
    shutil.copy(RASTER / "swellendam_3420B_cut.tif", tmp_path / "photo.tif")
    shutil.copy(RASTER / "swellendam_3420B_cut.mbtiles", tmp_path / "tiles.mbtiles")
    project.add_basemap(tmp_path / "photo.tif", layer_id="photo", date="2010")
    project.add_basemap(tmp_path / "tiles.mbtiles", layer_id="tiles")
    return project, (x - 60, y - 60, x + 60, y + 60)


def test_an_extent_package_cuts_the_geotiff_and_the_mbtiles_and_refers_to_them_relatively(imaged, tmp_path):
    project, extent = imaged
    out = tmp_path / "out" / "field.gpkg"
    out.parent.mkdir()
    result = pack(project.path, out, extent=extent)
    assert {layer_id for layer_id, _ in result.basemaps} == {"photo", "tiles"} and result.notes == []
    sources = {info.id: info.source for info in Project(out).basemaps()}
    assert sources == {"photo": "field_basemaps/photo.tif", "tiles": "field_basemaps/tiles.mbtiles"}
    # the GeoTIFF: a window of the source, pixel for pixel
    with rasterio.open(out.parent / sources["photo"]) as cut, rasterio.open(tmp_path / "photo.tif") as source:
        assert cut.width < source.width and cut.height < source.height and cut.crs == source.crs
        window = from_bounds(*cut.bounds, transform=source.transform).round_offsets().round_lengths()
        assert np.array_equal(cut.read(), source.read(window=window))
        assert cut.tags().get("TIFFTAG_DATETIME") == source.tags().get("TIFFTAG_DATETIME")
    # the MBTiles: fewer tiles, each the source's bytes, every zoom kept
    with sqlite3.connect(out.parent / sources["tiles"]) as cut, sqlite3.connect(tmp_path / "tiles.mbtiles") as source:
        tiles = cut.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles").fetchall()
        everything = {r[:3]: r[3] for r in source.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")}
        assert 0 < len(tiles) < len(everything)
        assert all(everything[t[:3]] == t[3] for t in tiles)
        assert {t[0] for t in tiles} == {k[0] for k in everything}
        assert cut.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()[0] == "png"
    # moved to another laptop with its folder, the package still finds (and reads) its base maps
    moved = tmp_path / "laptop"
    shutil.copytree(out.parent, moved)
    (tmp_path / "photo.tif").unlink()
    (tmp_path / "tiles.mbtiles").unlink()
    package = Project.open(moved / "field.gpkg")
    for info in package.basemaps():
        path = package.basemap_path(info)
        assert path.is_file() and path.parent.parent == moved
        source = open_raster(path)
        assert source.read(extent, 32, 32, package.crs)[..., 3].any()
        source.close()


def test_bad_input_exits_2_with_one_line_and_writes_nothing(master, tmp_path, cli):
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = cli("pack", master, "--area", "静安区", "--out", tmp_path / "x.gpkg")
    assert code == 2 and "静安区" in err and "黄浦区" in err and err.count("\n") == 1
    code, _, err = cli("pack", master, "--extent", "1000", "1000", "1100", "1100", "--out", tmp_path / "x.gpkg")
    assert code == 2 and "没有要素" in err
    code, _, err = cli("pack", master, "--extent", "10", "0", "5", "5", "--out", tmp_path / "x.gpkg")
    assert code == 2 and "为空" in err
    code, _, err = cli("pack", master, "--area", "黄浦区", "--out", master)
    assert code == 2 and "已存在" in err
    (tmp_path / "a-file").write_text("")
    code, _, err = cli("pack", master, "--area", "黄浦区", "--out", tmp_path / "a-file" / "x.gpkg")
    assert code == 2 and "不存在" in err
    code, _, err = cli("--lang", "en", "pack", master, "--area", "静安区", "--out", tmp_path / "x.gpkg")
    assert code == 2 and "has no district" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "a-file"])


def test_the_cli_packs_and_says_what(master, tmp_path, cli):
    code, out, err = cli("pack", master, "--area", "虹口区", "--out", tmp_path / "hk.gpkg")
    assert code == 0, err
    assert "已生成外业包" in out and "buildings 2" in out and "gisdesk merge" in out
    assert sorted(table(tmp_path / "hk.gpkg", "buildings")) == ["B4", "B5"]
