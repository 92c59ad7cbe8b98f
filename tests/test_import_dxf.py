"""CAD drawings (DXF, gisdesk/io/dxf.py): polygons, lines and points from the entities, blocks expanded,
texts as names, CAD layers mapped onto kinds (default and remembered), encodings of old DXF, the CRS refused
until given with a guess. Drawings are made here with ezdxf, with answers computed by hand."""

from __future__ import annotations

import hashlib
import json
import math

import ezdxf
import geopandas as gpd
import pytest
import shapely
from pyproj import CRS

from gisdesk.io.dxf import FLATTEN, SETTING, read_dxf, select_for_kind
from gisdesk.io.sources import read_vector
from gisdesk.layers.kinds import kind_of
from gisdesk.project import Project

E0, N0 = 40_500_000.0, 3_400_000.0  # CGCS2000 3° GK zone 40, zone number in the easting (EPSG:4528)
ZONE40 = "EPSG:4528"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path):
    return Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4528))


def segment_area(chord: float, bulge: float) -> float:
    """The circular segment a bulge adds to its chord: θ = 4·atan(b), r = c(1 + b²)/(4b), A = r²/2 (θ − sin θ)."""
    theta = 4 * math.atan(bulge)
    r = chord * (1 + bulge ** 2) / (4 * bulge)
    return r * r / 2 * (theta - math.sin(theta))


def arc_length(chord: float, bulge: float) -> float:
    theta = 4 * math.atan(bulge)
    return theta * chord * (1 + bulge ** 2) / (4 * bulge)


def drawing(version="R2000"):
    doc = ezdxf.new(version)
    return doc, doc.modelspace()


def plan(tmp_path, name="plan.dxf"):
    """A plan in zone-40 coordinates: a red-line polygon 100×50 m with a bulge (on 道路红线) and its name on the
    text layer 文字, an open red line, a building block JZ inserted twice, a layer 标注 mapped to nothing."""
    doc, msp = drawing()
    msp.add_lwpolyline([(E0, N0, 0), (E0 + 100, N0, 0.5), (E0 + 100, N0 + 50, 0), (E0, N0 + 50, 0)],
                       format="xyb", close=True, dxfattribs={"layer": "道路红线"})
    msp.add_text("某某小区", dxfattribs={"layer": "文字", "insert": (E0 + 40, N0 + 20), "height": 3})
    msp.add_lwpolyline([(E0, N0 + 200), (E0 + 30, N0 + 200), (E0 + 30, N0 + 240)], dxfattribs={"layer": "DLHX"})
    msp.add_text("幸福路", dxfattribs={"layer": "文字", "insert": (E0 + 10, N0 + 203)})  # 3 m off the line
    msp.add_text("远处的字", dxfattribs={"layer": "文字", "insert": (E0 + 10, N0 + 300)})  # 60 m from anything
    block = doc.blocks.new("HOUSE")
    block.add_lwpolyline([(0, 0), (10, 0), (10, 5), (0, 5)], close=True)  # on layer 0: takes the INSERT's layer
    msp.add_blockref("HOUSE", (E0 + 1000, N0 + 2000), dxfattribs={"layer": "JZ", "rotation": 90, "xscale": 2,
                                                                   "yscale": 2})
    msp.add_blockref("HOUSE", (E0 + 1100, N0 + 2000), dxfattribs={"layer": "JZ", "xscale": 3, "yscale": 1})
    msp.add_line((E0, N0 - 10), (E0 + 5, N0 - 10), dxfattribs={"layer": "标注"})
    path = tmp_path / name
    doc.saveas(path)
    return path


# --- geometry --------------------------------------------------------------------------------------

def test_a_closed_polyline_with_a_bulge_is_a_polygon_of_the_hand_computed_area(tmp_path):
    frame = read_dxf(plan(tmp_path))
    red = frame[frame.cad_layer == "道路红线"]
    assert len(red) == 1 and red.geometry.iloc[0].geom_type == "Polygon"
    exact = 100 * 50 + segment_area(50, 0.5)  # 5 000 + 436.8 m²
    area = red.geometry.iloc[0].area
    # chords lie inside the arc, each at most FLATTEN from it: the loss is under 2/3 · FLATTEN · arc length
    assert exact - 2 / 3 * FLATTEN * arc_length(50, 0.5) <= area <= exact + 1e-6
    assert abs(area - exact) < 1.0
    minx, miny, maxx, maxy = red.geometry.iloc[0].bounds
    assert maxx == pytest.approx(E0 + 100 + 0.5 * 50 / 2, abs=FLATTEN)  # the arc's sagitta b·c/2 = 12.5 m


def test_open_polylines_lines_and_arcs_are_lines_of_known_length(tmp_path):
    doc, msp = drawing()
    msp.add_lwpolyline([(0, 0), (30, 0), (30, 40)], dxfattribs={"layer": "L"})
    msp.add_line((0, 100), (3, 104), dxfattribs={"layer": "L"})
    msp.add_arc((0, 200), radius=10, start_angle=0, end_angle=90, dxfattribs={"layer": "L"})
    msp.add_point((7, 8), dxfattribs={"layer": "P"})
    msp.add_circle((500, 500), radius=10, dxfattribs={"layer": "C"})
    doc.saveas(tmp_path / "lines.dxf")
    frame = read_vector(tmp_path / "lines.dxf")
    lines = frame[frame.cad_layer == "L"].geometry
    assert list(lines.geom_type) == ["LineString"] * 3
    assert lines.iloc[0].length == pytest.approx(70)
    assert lines.iloc[1].length == pytest.approx(5)
    assert lines.iloc[2].length == pytest.approx(math.pi * 10 / 2, rel=1e-3)
    assert frame[frame.cad_layer == "P"].geometry.iloc[0].equals(shapely.Point(7, 8))
    circle = frame[frame.cad_layer == "C"].geometry.iloc[0]
    assert circle.geom_type == "Polygon" and circle.area == pytest.approx(math.pi * 100, rel=2e-3)


def test_a_polyline_whose_last_point_is_its_first_is_a_polygon_and_z_is_left_to_the_importer(tmp_path):
    doc, msp = drawing()
    msp.add_polyline3d([(0, 0, 5), (10, 0, 5), (10, 10, 5), (0, 0, 5)], dxfattribs={"layer": "A"})
    msp.add_lwpolyline([(0, 100), (10, 100), (10, 110), (0.0001, 100)], dxfattribs={"layer": "A"})
    doc.saveas(tmp_path / "z.dxf")
    frame = read_dxf(tmp_path / "z.dxf")
    assert list(frame.geometry.geom_type) == ["Polygon", "Polygon"]
    assert frame.geometry.iloc[0].area == pytest.approx(50) and frame.geometry.iloc[0].has_z
    assert not frame.geometry.iloc[1].has_z


def test_a_block_inserted_twice_rotated_and_scaled_gives_two_polygons_at_known_places(tmp_path):
    frame = read_dxf(plan(tmp_path))
    houses = frame[frame.cad_layer == "JZ"].reset_index(drop=True)  # layer 0 in the block → the INSERT's layer
    assert len(houses) == 2
    assert houses.geometry.area.tolist() == pytest.approx([200, 150])
    # centre (5, 2.5) of the block scaled by 2 → (10, 5), turned 90° → (-5, 10); scaled (3, 1) → (15, 2.5)
    c1, c2 = houses.geometry.centroid
    assert (c1.x, c1.y) == pytest.approx((E0 + 995, N0 + 2010))
    assert (c2.x, c2.y) == pytest.approx((E0 + 1115, N0 + 2002.5))
    assert all("/" in h for h in houses.cad_handle)  # the INSERT's handle / the entity's in the block
    assert houses.cad_handle.nunique() == 2


def test_nested_blocks_multi_inserts_and_hatches(tmp_path):
    doc, msp = drawing()
    inner = doc.blocks.new("IN")
    inner.add_lwpolyline([(0, 0), (4, 0), (4, 4), (0, 4)], close=True)
    outer = doc.blocks.new("OUT")
    outer.add_blockref("IN", (10, 0))
    outer.add_blockref("IN", (20, 0), dxfattribs={"xscale": 2, "yscale": 2})
    msp.add_blockref("OUT", (1000, 1000), dxfattribs={"layer": "JZ"})
    grid = msp.add_blockref("IN", (0, 500), dxfattribs={"layer": "G"})
    grid.grid(size=(2, 3), spacing=(10, 10))  # a MINSERT: 6 copies
    hatch = msp.add_hatch(dxfattribs={"layer": "H"})
    hatch.paths.add_polyline_path([(0, 0), (20, 0), (20, 20), (0, 20)], is_closed=True)
    hatch.paths.add_polyline_path([(5, 5), (10, 5), (10, 10), (5, 10)], is_closed=True)  # an island: a hole
    doc.saveas(tmp_path / "nested.dxf")
    frame = read_dxf(tmp_path / "nested.dxf")
    nested = frame[frame.cad_layer == "JZ"]
    assert nested.geometry.area.tolist() == pytest.approx([16, 64])
    assert nested.geometry.bounds.minx.tolist() == pytest.approx([1010, 1020])
    assert all(h.count("/") == 2 for h in nested.cad_handle)
    assert len(frame[frame.cad_layer == "G"]) == 6
    assert frame[frame.cad_layer == "G"].cad_handle.nunique() == 6
    hatched = frame[frame.cad_layer == "H"].geometry.iloc[0]
    assert hatched.area == pytest.approx(400 - 25) and len(hatched.interiors) == 1


# --- labels, layers, kinds -----------------------------------------------------------------------------

def test_a_text_inside_a_polygon_names_it_and_one_near_a_line_names_that(cli, project, tmp_path):
    source = plan(tmp_path)
    code, out, err = cli("import", project.path, source, "--as", "red", "--crs", ZONE40, "--half-width", "10")
    assert code == 0, err
    red = gpd.read_file(project.path, layer="red_lines")
    names = dict(zip(red.cad_layer, red["name"]))
    assert names == {"道路红线": "某某小区", "DLHX": "幸福路"}  # 远处的字 (60 m off) names nothing
    assert set(red.cad_handle) and red.cad_handle.notna().all()
    assert "道路红线 (1)" in out and "DLHX (1)" in out
    assert "JZ → buildings" in out  # left for another kind, said
    assert "标注 (1)" in out and "文字 (3)" in out  # mapped to nothing: listed, not imported
    assert "由图中文字得名的要素：2 个" in out


def test_labels_and_text_points_with_a_project(project, tmp_path):
    doc, msp = drawing()
    msp.add_lwpolyline([(0, 0), (100, 0), (100, 100), (0, 100)], close=True, dxfattribs={"layer": "P"})
    msp.add_lwpolyline([(10, 10), (30, 10), (30, 30), (10, 30)], close=True, dxfattribs={"layer": "P"})
    msp.add_text("内", dxfattribs={"layer": "P", "insert": (20, 20)})
    msp.add_text("外", dxfattribs={"layer": "P", "insert": (60, 60)})
    msp.add_text("孤点", dxfattribs={"layer": "P", "insert": (500, 500)})
    msp.add_mtext("{\\fSimSun;注记层}的字", dxfattribs={"layer": "注记", "insert": (900, 900)})
    doc.saveas(tmp_path / "nest.dxf")
    frame = read_dxf(tmp_path / "nest.dxf")
    assert "注记层的字" in set(frame.cad_text)  # MTEXT's formatting codes stripped
    features, summary = select_for_kind(frame, kind_of("parking"), project=project, source=tmp_path / "nest.dxf",
                                        cad_layers=["P"], crs=ZONE40)
    by_area = {round(g.area): n for g, n in zip(features.geometry, features["name"]) if g.geom_type == "Polygon"}
    assert by_area == {10000: "外", 400: "内"}  # the text inside both polygons names the smaller
    points = features[features.geometry.geom_type == "Point"]
    assert list(points["name"]) == ["孤点"] and summary.text_points == 1  # a text of layer 注记 is never a point
    buildings, _ = select_for_kind(frame, kind_of("buildings"), project=project, source=tmp_path / "nest.dxf",
                                   cad_layers=["P"], crs=ZONE40)
    assert (buildings.geometry.geom_type == "Polygon").all()  # texts are not features of a polygon kind
    assert summary.unmapped == {"注记": 1} and summary.labels == 2


def test_cad_map_is_remembered_per_file_and_cad_layer_is_for_one_import(cli, project, tmp_path):
    source = plan(tmp_path)
    code, _, err = cli("import", project.path, source, "--as", "green", "--crs", ZONE40)
    assert code == 2 and "green" in err and "道路红线 → red" in err and "标注 → 无" in err
    before = _digest(project.path)
    code, _, err = cli("import", project.path, source, "--as", "green", "--crs", ZONE40, "--cad-map", "没有的层=green")
    assert code == 2 and "没有的层" in err and _digest(project.path) == before
    code, _, err = cli("import", project.path, source, "--as", "green", "--crs", ZONE40, "--cad-map", "标注")
    assert code == 2 and "--cad-map" in err
    code, _, err = cli("import", project.path, source, "--as", "green", "--crs", ZONE40, "--cad-map", "标注=绿")
    assert code == 2 and "绿" in err and _digest(project.path) == before
    code, out, err = cli("import", project.path, source, "--as", "green", "--crs", ZONE40, "--half-width", "3",
                         "--cad-map", "标注=green", "--cad-map", "JZ=none")
    assert code == 0, err
    assert json.loads(project.setting(SETTING.format(name="plan.dxf"))) == {"标注": "green", "JZ": None}
    code, out, err = cli("import", project.path, source, "--as", "green", "--to", "green_2", "--crs", ZONE40,
                         "--half-width", "3")
    assert code == 0, err
    assert "CAD 图层：标注 (1)" in out  # the remembered mapping
    code, _, err = cli("import", project.path, source, "--as", "buildings", "--crs", ZONE40)
    assert code == 2 and "JZ → 无" in err  # JZ was mapped to nothing for this file
    code, out, err = cli("import", project.path, source, "--as", "buildings", "--crs", ZONE40, "--cad-layer", "jz")
    assert code == 0, err
    assert len(gpd.read_file(project.path, layer="buildings")) == 2
    assert json.loads(project.setting(SETTING.format(name="plan.dxf"))) == {"标注": "green", "JZ": None}
    code, _, err = cli("--lang", "en", "import", project.path, source, "--as", "buildings", "--crs", ZONE40,
                       "--cad-layer", "NOPE")
    assert code == 2 and "no CAD layer NOPE" in err


# --- CRS ---------------------------------------------------------------------------------------------

def test_without_crs_it_is_refused_with_the_zone_the_8_digit_eastings_carry(cli, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    Project.create(folder / "p.gpkg")
    before = _digest(folder / "p.gpkg")
    code, out, err = cli("import", folder / "p.gpkg", plan(tmp_path), "--as", "red")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "plan.dxf" in err and "--crs EPSG:4528" in err and "第 40 带" in err
    assert _digest(folder / "p.gpkg") == before
    code, _, err = cli("--lang", "en", "import", folder / "p.gpkg", plan(tmp_path), "--as", "red")
    assert "has no coordinate reference system" in err and "EPSG:4528" in err
    code, out, err = cli("import", folder / "p.gpkg", plan(tmp_path), "--as", "red", "--crs", ZONE40, "--half-width", "5")
    assert code == 0, err


def test_small_coordinates_give_no_guess_but_still_ask_for_the_crs(cli, project, tmp_path):
    doc, msp = drawing()
    msp.add_lwpolyline([(0, 0), (10, 0), (10, 10)], close=True, dxfattribs={"layer": "建筑"})
    doc.saveas(tmp_path / "local.dxf")
    code, _, err = cli("import", project.path, tmp_path / "local.dxf", "--as", "buildings")
    assert code == 2 and "local.dxf" in err and "--crs" in err and "x 0–10" in err


# --- encodings ---------------------------------------------------------------------------------------

def gbk_drawing(tmp_path, version, codepage):
    doc, msp = drawing(version)
    doc.encoding = "gbk"  # writes GBK bytes and $DWGCODEPAGE ANSI_936
    doc.layers.add("道路红线")
    msp.add_polyline2d([(E0, N0), (E0 + 10, N0), (E0 + 10, N0 + 10), (E0, N0 + 10)], close=True,
                       dxfattribs={"layer": "道路红线"})  # POLYLINE: R12 has no LWPOLYLINE
    msp.add_text("某某小区", dxfattribs={"layer": "文字", "insert": (E0 + 5, N0 + 5)})
    path = tmp_path / f"{version}.dxf"
    doc.saveas(path)
    raw = path.read_bytes()
    assert "道路红线".encode("gbk") in raw and "某某小区".encode("gbk") in raw and b"ANSI_936" in raw
    if codepage != "ANSI_936":  # what some tools write: GBK text under a one-byte code page
        path.write_bytes(raw.replace(b"ANSI_936", codepage.encode()))
    return path


@pytest.mark.parametrize("version", ["R12", "R2000"])
def test_an_old_dxf_in_ansi_936_has_its_chinese_layer_names_and_texts_decoded(cli, project, version, tmp_path):
    source = gbk_drawing(tmp_path, version, "ANSI_936")
    frame = read_dxf(source)
    assert set(frame.cad_layer) == {"道路红线", "文字"} and "某某小区" in set(frame.cad_text)
    code, out, err = cli("import", project.path, source, "--as", "red", "--crs", ZONE40)
    assert code == 0, err
    assert "ANSI_936" in out
    assert gpd.read_file(project.path, layer="red_lines")["name"].tolist() == ["某某小区"]


def test_gbk_text_under_a_one_byte_code_page_is_found_and_encoding_overrides(tmp_path):
    source = gbk_drawing(tmp_path, "R2000", "ANSI_1252")
    frame = read_dxf(source)
    assert "某某小区" in set(frame.cad_text) and "GB18030" in frame.attrs["encoding"]
    assert "ANSI_1252" in frame.attrs["encoding"]
    forced = read_dxf(source, encoding="cp1252")  # the user's word wins: the garble they asked for
    assert "某某小区" not in set(forced.cad_text) and "cp1252" in forced.attrs["encoding"]


def test_a_wrong_encoding_is_refused_naming_the_entity(cli, project, tmp_path):
    source = gbk_drawing(tmp_path, "R2000", "ANSI_936")
    code, _, err = cli("import", project.path, source, "--as", "red", "--crs", ZONE40, "--encoding", "utf-8")
    assert code == 2 and "R2000.dxf" in err and "--encoding" in err and len(err.strip().splitlines()) == 1


def test_r2007_is_utf8_and_unicode_escapes_are_decoded(tmp_path):
    doc, msp = drawing("R2018")
    msp.add_text("某某小区", dxfattribs={"layer": "绿线", "insert": (0, 0)})
    msp.add_line((0, 0), (1, 1), dxfattribs={"layer": "绿线"})
    doc.saveas(tmp_path / "new.dxf")
    frame = read_dxf(tmp_path / "new.dxf")
    assert frame.attrs["encoding"].startswith("UTF-8") and "某某小区" in set(frame.cad_text)
    doc, msp = drawing("R2000")  # ezdxf writes characters the code page lacks as \U+XXXX
    msp.add_text("某某小区", dxfattribs={"layer": "绿线", "insert": (0, 0)})
    msp.add_line((0, 0), (1, 1), dxfattribs={"layer": "绿线"})
    doc.saveas(tmp_path / "escaped.dxf")
    assert b"\\U+" in (tmp_path / "escaped.dxf").read_bytes()
    frame = read_dxf(tmp_path / "escaped.dxf")
    assert set(frame.cad_layer) == {"绿线"} and "某某小区" in set(frame.cad_text)


# --- broken drawings -----------------------------------------------------------------------------------

def test_broken_drawings_are_refused_in_one_line_naming_the_file(cli, project, tmp_path):
    good = plan(tmp_path).read_bytes()
    doc, msp = drawing()
    doc.saveas(tmp_path / "empty_model.dxf")
    doc, msp = drawing()
    msp.add_line((E0, N0), (E0 + 1, N0), dxfattribs={"layer": "0"})
    msp.add_text("注", dxfattribs={"layer": "标注", "insert": (E0, N0)})
    doc.saveas(tmp_path / "unmapped.dxf")
    cases = {"cut.dxf": good[: len(good) // 2], "tail.dxf": good[:-20], "junk.dxf": bytes(range(256)) * 3,
             "zero.dxf": b"", "text.dxf": "这不是图纸\n".encode()}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    before = _digest(project.path)
    for name in (*cases, "empty_model.dxf", "unmapped.dxf"):
        code, out, err = cli("import", project.path, tmp_path / name, "--as", "buildings", "--crs", ZONE40)
        assert code == 2, (name, out, err)
        assert len(err.strip().splitlines()) == 1 and name in err and "内部错误" not in err, err
        assert _digest(project.path) == before


def test_an_extruded_polyline_is_placed_in_world_coordinates_and_a_bad_escape_is_kept(tmp_path):
    doc, msp = drawing()
    msp.add_lwpolyline([(10, 0), (20, 0), (20, 10)], close=True, dxfattribs={"layer": "A", "extrusion": (0, 0, -1)})
    msp.add_text("路\\U+12", dxfattribs={"layer": "A", "insert": (0, 0)})  # a cut \U+XXXX escape (found by fuzzing)
    doc.saveas(tmp_path / "ocs.dxf")
    frame = read_dxf(tmp_path / "ocs.dxf")
    polygon = frame.geometry.iloc[0]
    assert polygon.bounds == pytest.approx((-20, 0, -10, 10))  # OCS (0, 0, -1): x mirrored
    assert polygon.area == pytest.approx(50)
    assert frame.cad_text.iloc[1].startswith("路")


def test_layer_is_refused_for_a_drawing_pointing_to_cad_layer(cli, project, tmp_path):
    before = _digest(project.path)
    code, _, err = cli("import", project.path, plan(tmp_path), "--as", "red", "--crs", ZONE40, "--layer", "道路红线")
    assert code == 2 and "--cad-layer" in err and "plan.dxf" in err and _digest(project.path) == before


def test_a_drawing_gdal_writes_from_the_real_shanghai_districts(cli, project, tmp_path):
    """GDAL's DXF writer (what many conversions produce): polygons as HATCH, labels as MTEXT, UTF-8 layer names
    and \\U+ escaped texts under $DWGCODEPAGE ANSI_1252. The 17 districts of tests/data/shanghai_districts_gbk come back whole, named."""
    import pandas as pd
    import pyogrio

    from tests.conftest import DATA

    districts = gpd.read_file(DATA / "shanghai_districts_gbk" / "区县界_area.shp", encoding="gbk").to_crs(ZONE40)
    labels = districts.geometry.representative_point()
    drawing_ = pd.concat([
        gpd.GeoDataFrame({"Layer": "区县界"}, index=districts.index, geometry=districts.geometry.values, crs=ZONE40),
        gpd.GeoDataFrame({"Layer": "注记", "OGR_STYLE": [f'LABEL(f:"SimSun",t:"{n}",s:200g)' for n in districts.NAME]},
                         index=districts.index, geometry=labels.values, crs=ZONE40)], ignore_index=True)
    source = tmp_path / "shanghai.dxf"
    pyogrio.write_dataframe(gpd.GeoDataFrame(drawing_, geometry="geometry", crs=ZONE40), source, driver="DXF")
    raw = source.read_bytes()  # layer names in UTF-8 bytes, the labels in \U+XXXX escapes
    assert b"ANSI_1252" in raw and "区县界".encode() in raw and b"\\U+5b9d\\U+5c71\\U+533a" in raw  # 宝山区
    code, out, err = cli("import", project.path, source, "--as", "buildings", "--crs", ZONE40,
                         "--cad-map", "区县界=buildings")
    assert code == 0, err
    assert "UTF-8" in out and "ANSI_1252" in out  # found from the text, not the code page
    imported = gpd.read_file(project.path, layer="buildings")
    parts = districts.geometry.explode(index_parts=False)
    assert len(imported) == len(parts)
    assert imported.geometry.area.sum() == pytest.approx(districts.geometry.area.sum(), rel=1e-6)
    named = imported[imported["name"].notna()]
    assert sorted(named["name"]) == sorted(districts.NAME)
    by_name = dict(zip(districts.NAME, labels))
    assert all(g.contains(by_name[n]) for g, n in zip(named.geometry, named["name"]))
    assert set(imported.cad_layer) == {"区县界"} and imported.cad_handle.is_unique


def test_a_hatch_over_its_boundary_and_a_shape_drawn_twice_are_imported_once(cli, project, tmp_path):
    doc, msp = drawing()
    square = [(E0, N0), (E0 + 20, N0), (E0 + 20, N0 + 20), (E0, N0 + 20)]
    msp.add_lwpolyline(square, close=True, dxfattribs={"layer": "建筑"})
    hatch = msp.add_hatch(dxfattribs={"layer": "建筑"})  # the usual fill of a footprint, on its layer
    hatch.paths.add_polyline_path(square, is_closed=True)
    other = [(E0 + 50, N0), (E0 + 60, N0), (E0 + 60, N0 + 10), (E0 + 50, N0 + 10)]
    msp.add_lwpolyline(other, close=True, dxfattribs={"layer": "建筑"})
    msp.add_lwpolyline(other, close=True, dxfattribs={"layer": "建筑"})  # copied onto itself
    msp.add_lwpolyline([(E0 + 50, N0), (E0 + 60, N0), (E0 + 60, N0 + 10.5), (E0 + 50, N0 + 10)], close=True,
                       dxfattribs={"layer": "建筑"})  # 0.5 m off: another shape
    msp.add_lwpolyline(square, close=True, dxfattribs={"layer": "JZ"})  # the same square on another layer stays
    doc.saveas(tmp_path / "twice.dxf")
    code, out, err = cli("import", project.path, tmp_path / "twice.dxf", "--as", "buildings", "--crs", ZONE40,
                         "--cad-map", "JZ=buildings")
    assert code == 0, err
    imported = gpd.read_file(project.path, layer="buildings")
    assert sorted(imported.cad_entity) == ["LWPOLYLINE"] * 4  # the hatch and the copy are gone
    assert sorted(imported.geometry.area.round(1)) == [100, 102.5, 400, 400]
    assert "重复的图形未导入：2 个" in out


def test_a_revised_drawing_updates_by_entity_handle(cli, project, tmp_path):
    source = plan(tmp_path)
    code, _, err = cli("import", project.path, source, "--as", "red", "--crs", ZONE40, "--half-width", "10",
                       "--id-field", "cad_handle")
    assert code == 0, err
    doc = ezdxf.readfile(source)  # the institute's revision: one vertex of the red-line polygon moved 10 m
    outline = next(e for e in doc.modelspace().query("LWPOLYLINE") if e.closed)  # on 道路红线
    points = outline.get_points("xyb")
    points[3] = (E0 - 10, N0 + 50, 0)
    outline.set_points(points, format="xyb")
    doc.saveas(source)
    code, out, err = cli("import", project.path, source, "--as", "red", "--crs", ZONE40, "--half-width", "10",
                         "--id-field", "cad_handle", "--update")
    assert code == 0, err
    assert "新增 0 个，修改 1 个，未变 1 个" in out
    red = gpd.read_file(project.path, layer="red_lines").set_index("uid")
    assert red.loc[outline.dxf.handle].geometry.bounds[0] == pytest.approx(E0 - 10)


def test_full_ellipses_and_closed_splines_are_polygons_open_ones_lines(tmp_path):
    doc, msp = drawing()
    msp.add_ellipse((0, 0), major_axis=(20, 0), ratio=0.5, dxfattribs={"layer": "E"})  # a = 20, b = 10
    msp.add_ellipse((100, 0), major_axis=(20, 0), ratio=0.5, start_param=0, end_param=math.pi,
                    dxfattribs={"layer": "E"})  # half of it
    msp.add_spline([(0, 100), (10, 110), (20, 100), (10, 90), (0, 100)], dxfattribs={"layer": "S"})  # ends meet
    msp.add_spline([(0, 200), (10, 210), (20, 200)], dxfattribs={"layer": "S"})
    doc.saveas(tmp_path / "curves.dxf")
    frame = read_dxf(tmp_path / "curves.dxf")
    ellipses, splines = frame[frame.cad_layer == "E"].geometry, frame[frame.cad_layer == "S"].geometry
    assert list(ellipses.geom_type) == ["Polygon", "LineString"]
    assert ellipses.iloc[0].area == pytest.approx(math.pi * 20 * 10, rel=2e-3)
    assert ellipses.iloc[1].length == pytest.approx(48.44, rel=2e-3)  # half of the perimeter, Ramanujan: 96.88
    assert list(splines.geom_type) == ["Polygon", "LineString"]
