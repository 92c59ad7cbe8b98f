"""Annotations: the model and its undo, the gisdesk_annotations feature table (round trip, read back
by GDAL, a refused save changes nothing), callouts following their feature, pixels of the render
at a computed view, and their text in a PDF page given back exactly by pdftotext."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from gisdesk.annotations import TABLE, has_annotations_table, load_annotations, save_annotations
from gisdesk.layers import annotations as A
from gisdesk.layers.annotations import AnnotationSet, AnnotationStyle

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo.gpkg"
RADICALS = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
RED = AnnotationStyle(color="#ff0000", width_mm=0.5, fill="#ff0000", fill_alpha=1.0)


@pytest.fixture
def project(tmp_path):
    from gisdesk.project import Project

    path = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO, path)
    return Project.open(path)


def _centre(project):
    xmin, ymin, xmax, ymax = project.read_layer("buildings").total_bounds
    return (xmin + xmax) / 2, (ymin + ymax) / 2


def _one_of_each(x, y):
    return [
        A.make(A.TEXT, shapely.Point(x, y), text="违法建设\n注意退线"),
        A.make(A.ARROW, shapely.LineString([(x - 200, y - 100), (x - 50, y)])),
        A.make(A.CALLOUT, shapely.LineString([(x + 10, y + 10), (x + 300, y + 200)]), text="压线面积 12.5 m²",
               target=("buildings", "osm-r6651434"), target_offset=(3.0, -4.0)),
        A.make(A.RECTANGLE, A.rectangle(x - 100, y - 80, x + 100, y + 80), style=RED),
        A.make(A.ELLIPSE, A.ellipse_polygon(x - 300, y - 100, x - 100, y + 50)),
        A.make(A.FREEHAND, shapely.LineString([(x, y), (x + 30, y + 40), (x + 80, y + 20), (x + 120, y + 90)])),
    ]


# --- the store ------------------------------------------------------------------------------

def test_round_trip_through_the_file(project):
    x, y = _centre(project)
    items = _one_of_each(x, y)
    assert not has_annotations_table(project)  # the demo predates annotations: made on the first save
    save_annotations(project, items)
    back = load_annotations(project)
    assert [b.id for b in back] == [i.id for i in items]  # in drawing order
    for before, after in zip(items, back):
        assert after.same_as(before), (before, after)
    assert back[2].target == ("buildings", "osm-r6651434") and back[2].target_offset == (3.0, -4.0)
    assert back[0].text == "违法建设\n注意退线" and back[3].style == RED


def test_gdal_reads_the_shapes(project):
    """The table is a feature table: GDAL lists it with the project's CRS and gives back the shapes."""
    x, y = _centre(project)
    items = _one_of_each(x, y)
    save_annotations(project, items)
    assert TABLE in pyogrio.list_layers(project.path)[:, 0]
    frame = pyogrio.read_dataframe(project.path, layer=TABLE)
    assert frame.crs.to_epsg() == 4550
    assert list(frame["kind"]) == [i.kind for i in items]
    assert list(frame.geometry.geom_type) == ["Point", "LineString", "LineString", "Polygon", "Polygon", "LineString"]
    rectangle = frame.geometry.iloc[3]
    assert rectangle.bounds == pytest.approx((x - 100, y - 80, x + 100, y + 80))
    assert rectangle.area == pytest.approx(200 * 160)
    ellipse = frame.geometry.iloc[4]  # 72 points on the ellipse: its area within 0.2 % of π·a·b
    assert ellipse.area == pytest.approx(math.pi * 100 * 75, rel=2e-3)
    assert frame["text"].iloc[2] == "压线面积 12.5 m²"
    info = subprocess.run(["ogrinfo", "-so", str(project.path), TABLE], capture_output=True, text=True,
                          check=True).stdout
    assert "Feature Count: 6" in info


def test_the_file_stays_a_valid_geopackage_and_qgis_shows_the_shapes(tmp_path):
    """GDAL's validator passes a project with the table; QGIS offers it split by geometry type, as its
    browser does, and draws each part (a one-building project: QGIS renders every layer it offers)."""
    from pyproj import CRS

    from gisdesk.io.importer import import_layer
    from gisdesk.project import Project
    from tests.conftest import frame
    from tests.test_gpkg_interop import _has, _require, probe, validate

    project = Project.create(tmp_path / "small.gpkg", crs=CRS.from_epsg(4550))
    frame([{"bid": "B1", "floors": 2, "geometry": shapely.box(356000, 3458000, 356020, 3458020)}]
          ).to_file(tmp_path / "b.geojson")
    import_layer(project, tmp_path / "b.geojson", "buildings", id_field="bid")
    save_annotations(project, _one_of_each(356010, 3458010))
    _require(_has("osgeo_utils.samples.validate_gpkg"), "GDAL's validate_gpkg.py (python3-gdal)")
    result = validate(project.path)
    assert result.returncode == 0, result.stdout + result.stderr
    _require(_has("qgis.core"), "QGIS (python3-qgis)")
    layers = [layer for layer in probe("inspect", project.path)["layers"] if layer["name"] == TABLE]
    assert {layer["geometry"]: layer["features"] for layer in layers} == {"Point": 1, "Line": 3, "Polygon": 2}
    assert all(layer["valid"] and layer["render"]["drawn"] > 0 for layer in layers)


def test_a_refused_save_leaves_the_annotations_as_they_were(project):
    x, y = _centre(project)
    items = _one_of_each(x, y)
    save_annotations(project, items)
    twice = [items[0], replace(items[1], id=items[0].id)]  # the same id twice: the UNIQUE column refuses it
    with pytest.raises(Exception):
        save_annotations(project, twice)
    assert [b.id for b in load_annotations(project)] == [i.id for i in items]
    save_annotations(project, [])  # deleting them all is a save too
    assert load_annotations(project) == [] and has_annotations_table(project)


def test_saving_none_leaves_an_older_project_untouched(project):
    save_annotations(project, [])
    assert not has_annotations_table(project)


# --- the model and its undo -------------------------------------------------------------------

def test_undo_redo_add_move_restyle_text_delete():
    items = AnnotationSet()
    heard = []
    items.events["changed"].connect(lambda *_: heard.append(1))
    a = A.make(A.RECTANGLE, A.rectangle(0, 0, 10, 10))
    b = A.make(A.TEXT, shapely.Point(5, 5), text="甲")
    items.add(a)
    items.add(b)
    items.move([a.id], 100, 50)
    assert items.get(a.id).geometry.bounds == (100, 50, 110, 60)
    items.restyle([a.id], RED)
    items.set_text(b.id, "乙")
    items.delete([a.id])
    assert [i.id for i in items] == [b.id] and items.unsaved and len(heard) == 6
    items.undo()  # the delete: a comes back below b, where it was
    assert [i.id for i in items] == [a.id, b.id]
    items.undo()
    assert items.get(b.id).text == "甲"
    items.undo()
    assert items.get(a.id).style == A.DEFAULT_STYLES[A.RECTANGLE]
    items.undo()
    assert items.get(a.id).geometry.bounds == (0, 0, 10, 10)
    items.redo()
    assert items.get(a.id).geometry.bounds == (100, 50, 110, 60)
    items.undo()
    items.undo()
    items.undo()
    assert len(items) == 0 and not items.can_undo and items.can_redo
    items.redo()
    assert [i.id for i in items] == [a.id]


def test_the_document_undoes_whichever_came_last(project):
    """One Undo for feature edits and annotations: the later one goes back first."""
    from gisdesk.layers.document import MapDocument

    document = MapDocument.open(project)
    document.annotations.load(load_annotations(project), saver=lambda items: save_annotations(project, items))
    layer = document.layer_by_id("parking")
    uid = str(layer.frame["uid"].iloc[0])
    x, y = _centre(project)
    document.annotations.add(A.make(A.TEXT, shapely.Point(x, y), text="先"))
    assert document.dirty
    session = document.edits(layer)
    session.set_attributes(uid, {"name": "后来的名字"})
    session.commit()
    document.annotations.add(A.make(A.TEXT, shapely.Point(x, y), text="最后"))
    document.undo()  # the last annotation
    assert [i.text for i in document.annotations] == ["先"]
    document.undo()  # then the feature edit
    assert layer.frame.loc[layer.frame["uid"] == uid, "name"].iloc[0] != "后来的名字"
    document.undo()
    assert len(document.annotations) == 0
    document.redo()
    assert [i.text for i in document.annotations] == ["先"]
    document.save()
    assert [i.text for i in load_annotations(project)] == ["先"] and not document.dirty


def test_the_document_saves_annotations_and_layer_states_as_one(project, monkeypatch):
    """A save that fails at the layers' states writes no annotation either, and they stay to be saved."""
    from gisdesk.layers.document import MapDocument

    document = MapDocument.open(project)
    document.annotations.load([], saver=lambda items: save_annotations(project, items))
    document.annotations.add(A.make(A.TEXT, shapely.Point(*_centre(project)), text="一起保存"))

    def refused(states):
        with project._write() as db:
            db.execute("UPDATE gisdesk_layers SET title = 'x'")
        raise OSError("disk full")
    monkeypatch.setattr(project, "save_layer_states", refused)
    with pytest.raises(OSError):
        document.save()
    assert not has_annotations_table(project) and document.dirty and document.annotations.unsaved
    assert "x" not in {info.title for info in project.layers()}
    monkeypatch.undo()
    document.save()
    assert [i.text for i in load_annotations(project)] == ["一起保存"] and not document.annotations.unsaved


# --- callouts follow their feature ----------------------------------------------------------

def test_a_callout_follows_its_feature():
    import geopandas as gpd

    from gisdesk.layers.layer import Layer
    from gisdesk.render.snapshot import Scene

    frame = gpd.GeoDataFrame({"uid": ["b1", "b2"]}, geometry=[shapely.box(0, 0, 10, 10), shapely.box(50, 0, 60, 10)],
                             crs="EPSG:4550")
    layer = Layer("buildings", frame, layer_id="buildings")
    # made with its anchor at (6, 7): 1, 2 from the bounding-box centre (5, 5); the box at (40, 40)
    callout = A.make(A.CALLOUT, shapely.LineString([(6, 7), (40, 40)]), text="这栋", target=("buildings", "b1"),
                     target_offset=(1.0, 2.0))
    assert Scene.of([layer], annotations=[callout]).annotations[0].anchor == (6, 7)
    layer.set_geometries(np.array([0]), [shapely.box(100, 200, 110, 210)])  # moved by (100, 200)
    moved = Scene.of([layer], annotations=[callout]).annotations[0]
    assert moved.anchor == (106, 207) and moved.box_centre == (140, 240)
    assert Scene.of([], annotations=[callout]).annotations[0].anchor == (6, 7)  # not in the scene: as stored
    # moving the callout itself moves its box; it keeps pointing at the feature
    assert callout.moved(5, 5).anchor == (6, 7) and callout.moved(5, 5).box_centre == (45, 45)


# --- pixels ------------------------------------------------------------------------------------

def _render(items, view):
    from gisdesk.render.context import RenderContext
    from gisdesk.render.renderer import render_image
    from gisdesk.render.snapshot import Scene

    image = render_image(Scene.of([], annotations=items), RenderContext.screen(view), background="#ffffff")
    image = image.convertToFormat(image.Format.Format_RGB888)
    return np.frombuffer(image.constBits(), dtype=np.uint8).reshape(view.height, image.bytesPerLine())[
        :, :view.width * 3].reshape(view.height, view.width, 3).astype(int)


def test_a_red_rectangle_covers_its_computed_pixels():
    from gisdesk.render.view import MapView

    # 2 m a pixel, centre (1000, 2000): x 960..1040 is pixels 30..70, y 2020..1980 is pixels 40..60
    view = MapView(1000.0, 2000.0, 2.0, 100, 100)
    pixels = _render([A.make(A.RECTANGLE, A.rectangle(960, 1980, 1040, 2020), style=RED)], view)
    red = (pixels[:, :, 0] > 240) & (pixels[:, :, 1] < 20) & (pixels[:, :, 2] < 20)
    inside = np.zeros_like(red)
    inside[41:59, 31:69] = True
    assert red[inside].all()
    outline_px = 0.5 * 96 / 25.4  # 0.5 mm at 96 dpi: 1.9 px, half of it outside the edge
    outside = np.ones_like(red)
    outside[40 - 2:60 + 2, 30 - 2:70 + 2] = False
    assert not red[outside].any() and outline_px < 2
    assert (pixels[outside] == 255).all()


def test_the_arrow_head_is_at_the_end_point():
    from gisdesk.render.annotations import ARROW_HEAD_MM
    from gisdesk.render.view import MapView

    view = MapView(0.0, 0.0, 1.0, 200, 200)
    # from pixel (40, 160) to (160, 40): a 45° line up and right, the tip at (160, 40)
    arrow = A.make(A.ARROW, shapely.LineString([(-60, -60), (60, 60)]), style=AnnotationStyle(color="#0000ff",
                                                                                               width_mm=0.5))
    pixels = _render([arrow], view)
    blue = (pixels[:, :, 2] > 150) & (pixels[:, :, 0] < 120)
    head = ARROW_HEAD_MM * 96 / 25.4  # 12 px long
    d = np.array([1.0, -1.0]) / math.sqrt(2)  # along the line, in pixels (x right, y down)
    n = np.array([1.0, 1.0]) / math.sqrt(2)  # across it

    def at(point):
        return blue[int(round(point[1])), int(round(point[0]))]
    tip = np.array([160.0, 40.0])
    assert at(tip - 3 * d)  # just inside the tip
    assert not at(tip + 3 * d) and not at(tip + 6 * d)  # nothing beyond the end point
    wide = head * math.tan(math.radians(24)) * 0.7  # the head is wide near its base ...
    assert at(tip - 0.85 * head * d + wide * n) and at(tip - 0.85 * head * d - wide * n)
    middle = np.array([100.0, 100.0])  # ... the line is not
    assert at(middle) and not at(middle + wide * n) and not at(middle - wide * n)


# --- a page ------------------------------------------------------------------------------------

def test_the_text_of_annotations_comes_back_from_the_pdf(project, tmp_path, cli):
    """A text and a callout on the default A3 page: pdftotext gives their Chinese back exactly, and
    pdftoppm's picture of the page shows the red rectangle where it lies on the map."""
    x, y = _centre(project)
    items = [A.make(A.TEXT, shapely.Point(x - 400, y + 300), text="违法建设集中区域"),
             A.make(A.CALLOUT, shapely.LineString([(x, y), (x + 400, y + 400)]), text="道路红线压线面积待核"),
             A.make(A.RECTANGLE, A.rectangle(x - 150, y - 150, x + 150, y + 150), style=RED)]
    save_annotations(project, items)
    pdf = tmp_path / "page.pdf"
    assert cli("export", str(project.path), "--default", "--pdf", str(pdf))[0] == 0
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "违法建设集中区域" in flat and "道路红线压线面积待核" in flat
    assert not RADICALS.search(text)
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.strip().splitlines()) == 2  # the header only: annotations are vector (no base map here)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    from gisdesk.export import layout as lay
    from gisdesk.export.pages import map_view, px, read_page_data

    page = read_page_data(project)
    item = lay.default_layout().map_item()
    view, _ = map_view(item, page, 60)
    image = np.asarray(Image.open(tmp_path / "page.png").convert("RGB")).astype(int)
    xs, ys = view.to_pixels(np.array([x - 100, x + 100]), np.array([y + 100, y - 100]))
    left, right = (int(px(item.x, 60) + v) for v in xs)
    top, bottom = (int(px(item.y, 60) + v) for v in ys)
    box = image[top:bottom, left:right]
    red = (box[:, :, 0] > 200) & (box[:, :, 1] < 60) & (box[:, :, 2] < 60)
    assert red.mean() > 0.6, red.mean()  # the callout's leader and labels cross a little of it
