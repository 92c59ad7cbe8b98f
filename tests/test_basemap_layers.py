"""Base maps as project layers: kept by reference (relative to the project when possible), found
again after the project folder moves, told clearly when missing, relocated; invisible to every
user of the vector layers; drawn under the vectors by the one renderer."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest
from pyproj import CRS
from shapely.geometry import box

from gisdesk import i18n
from gisdesk.errors import InputError, ProjectError
from gisdesk.io.importer import import_layer
from gisdesk.layers.raster import RasterLayer, raster_layers
from gisdesk.project import Project
from tests.conftest import frame

# The test image: 200 x 200 px of 1 m over x 1000..1200, y 2000..2200 (EPSG:4549), four quadrants
# of known colours: top-left red, top-right green, bottom-left blue, bottom-right white.
X0, Y0, SIZE = 1000.0, 2000.0, 200
QUADRANTS = {"top_left": (255, 0, 0), "top_right": (0, 255, 0), "bottom_left": (0, 0, 255),
             "bottom_right": (255, 255, 255)}


def write_quadrants(path: Path, *, date: str | None = None, crs: str = "EPSG:4549") -> Path:
    import rasterio
    from rasterio.transform import from_origin

    half = SIZE // 2
    bands = np.zeros((3, SIZE, SIZE), dtype=np.uint8)
    for (rows, cols), key in (((slice(0, half), slice(0, half)), "top_left"),
                              ((slice(0, half), slice(half, SIZE)), "top_right"),
                              ((slice(half, SIZE), slice(0, half)), "bottom_left"),
                              ((slice(half, SIZE), slice(half, SIZE)), "bottom_right")):
        for band, value in enumerate(QUADRANTS[key]):
            bands[band, rows, cols] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", width=SIZE, height=SIZE, count=3, dtype="uint8", crs=crs,
                       transform=from_origin(X0, Y0 + SIZE, 1.0, 1.0), photometric="RGB") as ds:
        ds.write(bands)
        if date:
            ds.update_tags(TIFFTAG_DATETIME=date)
    return path


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    p = Project.create(folder / "p.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": "B1", "name": "一号楼", "geometry": box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 60)}]).to_file(
        tmp_path / "b.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    return p


# --- the store ------------------------------------------------------------------------------

def test_a_base_map_round_trips_and_stays_out_of_the_vector_layers(project):
    image = write_quadrants(project.path.parent / "images" / "Aerial 2010.tif")
    info = project.add_basemap(image, title="航拍 2010", date="2010")
    assert (info.id, info.kind, info.provider, info.source) == ("basemap_aerial_2010", "basemap", "gdal",
                                                                "images/Aerial 2010.tif")
    assert info.style["date"] == "2010"
    again = Project.open(project.path)
    assert [i.id for i in again.basemaps()] == ["basemap_aerial_2010"]
    assert again.basemaps()[0].title == "航拍 2010"
    assert [i.id for i in again.layers()] == ["buildings"]  # layers() keeps to the vector layers
    assert again.layers_of("basemap") == []
    assert again.basemap_path(again.basemaps()[0]) == image.resolve()
    # a second one from a file of the same name gets an id of its own, and goes on top
    other = write_quadrants(project.path.parent / "more" / "Aerial 2010.tif")
    second = again.add_basemap(other, date="2019-06")
    assert second.id == "basemap_aerial_2010_2"
    assert [i.id for i in again.basemaps()] == ["basemap_aerial_2010", "basemap_aerial_2010_2"]  # bottom first
    assert all(i.z_order < 0 for i in again.basemaps())  # below every vector layer
    again.remove_basemap("basemap_aerial_2010")
    assert [i.id for i in again.basemaps()] == ["basemap_aerial_2010_2"]
    assert image.exists()  # the file stays


def test_the_date_comes_from_the_file_when_none_is_given(project):
    from gisdesk.io.basemaps import add_basemap

    image = write_quadrants(project.path.parent / "dated.tif", date="2010:05:17 10:00:00")
    info = add_basemap(project, image)
    assert info.style.get("date", "").startswith("2010")
    assert add_basemap(project, image, date="2012").style["date"] == "2012"  # a given date wins


def test_what_is_not_a_raster_is_refused_naming_the_file(project, tmp_path):
    from gisdesk.io.basemaps import add_basemap

    text = tmp_path / "notes.tif"
    text.write_text("not an image")
    with pytest.raises(InputError, match="notes.tif"):
        add_basemap(project, text)
    with pytest.raises(ProjectError, match="nowhere.tif"):
        project.add_basemap(tmp_path / "nowhere.tif")
    assert project.basemaps() == []
    with pytest.raises(ProjectError):  # a base map's id cannot take features
        project.add_basemap(write_quadrants(tmp_path / "x.tif"), layer_id="buildings")


def test_the_relative_path_follows_the_project_folder(project, tmp_path):
    write_quadrants(project.path.parent / "images" / "a.tif")
    project.add_basemap(project.path.parent / "images" / "a.tif")
    moved = tmp_path / "elsewhere" / "work"
    moved.parent.mkdir()
    shutil.move(project.path.parent, moved)  # the folder with its images
    copy = Project.open(moved / "p.gpkg")
    info = copy.basemaps()[0]
    assert info.source == "images/a.tif"
    assert copy.basemap_path(info) == (moved / "images" / "a.tif").resolve()
    assert not RasterLayer.of(copy, info).missing


def test_a_file_outside_the_project_folder_is_kept_by_its_absolute_path(project, tmp_path):
    outside = write_quadrants(tmp_path / "shared" / "b.tif")
    info = project.add_basemap(outside)
    assert info.source == str(outside.resolve())
    moved = tmp_path / "moved"
    shutil.move(project.path.parent, moved)
    copy = Project.open(moved / "p.gpkg")
    assert copy.basemap_path(copy.basemaps()[0]) == outside.resolve()


def test_a_file_beside_the_project_folder_is_found_when_both_move_together(project, tmp_path):
    outside = write_quadrants(tmp_path / "影像" / "b.tif")
    info = project.add_basemap(outside)
    assert info.source == str(outside.resolve()) and info.style["relative"] == "../影像/b.tif"
    elsewhere = tmp_path.parent / (tmp_path.name + "_moved")
    shutil.move(tmp_path, elsewhere)  # the project folder and the images beside it
    try:
        copy = Project.open(elsewhere / "work" / "p.gpkg")
        found = copy.basemap_path(copy.basemaps()[0])
        assert found == (elsewhere / "影像" / "b.tif").resolve() and found.is_file()
    finally:
        shutil.move(elsewhere, tmp_path)


def test_a_copy_of_the_project_file_alone_still_finds_the_images(project, tmp_path):
    write_quadrants(project.path.parent / "images" / "a.tif")
    project.add_basemap(project.path.parent / "images" / "a.tif")
    (tmp_path / "copy").mkdir()
    shutil.copyfile(project.path, tmp_path / "copy" / "p.gpkg")  # without its images
    copy = Project.open(tmp_path / "copy" / "p.gpkg")
    info = copy.basemaps()[0]
    assert copy.basemap_path(info) == (project.path.parent / "images" / "a.tif").resolve()  # where it was added


def test_a_missing_file_says_which_and_where_and_relocate_fixes_it_for_good(project, tmp_path):
    image = write_quadrants(project.path.parent / "images" / "a.tif")
    project.add_basemap(image, title="航拍")
    stored = tmp_path / "archive" / "a.tif"
    stored.parent.mkdir()
    shutil.move(image, stored)
    layer = raster_layers(Project.open(project.path))[0]
    assert layer.missing
    problem = layer.problem
    assert "a.tif" in problem and str(project.path.parent / "images" / "a.tif") in problem and "重新定位" in problem
    i18n.set_language("en")
    assert "is missing (looked for:" in layer.problem and "Relocate" in layer.problem

    info = project.relocate_basemap(layer.id, stored)
    assert info.source == str(stored.resolve())  # outside the project folder: absolute
    again = raster_layers(Project.open(project.path))[0]
    assert not again.missing and again.path == stored.resolve() and again.title == "航拍"
    layer.relocate(info, project)  # the open layer follows
    assert not layer.missing and layer.problem is None


def test_every_user_of_the_vector_layers_ignores_base_map_rows(project, tmp_path, cli):
    project.add_basemap(write_quadrants(tmp_path / "a.tif"))
    frame([{"rid": "R1", "geometry": box(X0, Y0 + 30, X0 + 100, Y0 + 40)}]).to_file(tmp_path / "red.geojson")
    code, out, err = cli("import", project.path, tmp_path / "red.geojson", "--as", "red", "--id-field", "rid")
    assert code == 0, err
    assert [i.kind for i in project.layers()] == ["buildings", "red"]
    assert project.layers()[0].z_order >= 0
    code, out, err = cli("check", project.path, "--out", tmp_path / "check")
    assert code == 0, err
    for command in (("totals", project.path), ("indicators", project.path)):
        code, out, err = cli(*command)
        assert code == 0, err
    assert project.stale_layers() == []
    assert Project.open(project.path).repair() == []
    with sqlite3.connect(project.path) as db:  # no QGIS style for a row without a table
        assert db.execute("SELECT count(*) FROM layer_styles WHERE f_table_name LIKE 'basemap%'").fetchone()[0] == 0
    project.save_layer_states([{"id": i.id, "z_order": i.z_order, "visible": False, "opacity": 0.5,
                                "style": i.style} for i in project.basemaps()])
    assert project.basemaps()[0].opacity == 0.5 and not project.basemaps()[0].visible


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin is not installed")
def test_ogrinfo_still_reads_a_project_with_base_maps(project, tmp_path):
    project.add_basemap(write_quadrants(project.path.parent / "a.tif"), title="航拍 2010", date="2010")
    result = subprocess.run(["ogrinfo", "-ro", "-so", str(project.path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "buildings" in result.stdout and "gisdesk_layers" in result.stdout
    assert "Warning" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    rows = subprocess.run(["ogrinfo", "-ro", "-q", str(project.path), "-sql",
                           "SELECT table_name, kind, source FROM gisdesk_layers WHERE kind = 'basemap'"],
                          capture_output=True, text=True, timeout=120)
    assert "basemap_a" in rows.stdout and "a.tif" in rows.stdout, rows.stdout + rows.stderr


# --- the document, the snapshot and the render -------------------------------------------------

BACKGROUND = (0xF7, 0xF5, 0xF0)


def _pixel(image, x, y):
    c = image.pixelColor(int(x), int(y))
    return c.red(), c.green(), c.blue()


def _near(got, want, tolerance=3):
    return all(abs(a - b) <= tolerance for a, b in zip(got, want))


def _render(document, view, *, dpi=None, basemaps=None):
    from gisdesk.render.context import RenderContext
    from gisdesk.render.renderer import render_image
    from gisdesk.render.snapshot import Scene

    scene = Scene.of(document.layers, basemaps=document.basemaps if basemaps is None else basemaps)
    context = RenderContext.screen(view) if dpi is None else RenderContext.for_print(view, dpi)
    return render_image(scene, context, background="#f7f5f0")


@pytest.fixture
def document(project):
    from gisdesk.layers.document import MapDocument

    project.add_basemap(write_quadrants(project.path.parent / "quadrants.tif"), title="航拍", date="2010")
    return MapDocument.open(Project.open(project.path))


# one metre per pixel over the image: pixel (px, py) shows ground (X0 + px + 0.5, Y0 + 200 - py - 0.5)
VIEW = dict(cx=X0 + 100, cy=Y0 + 100, resolution=1.0, width=200, height=200)


def test_a_base_map_renders_under_the_vectors_where_its_pixels_belong(document):
    from gisdesk.render.view import MapView

    assert [b.id for b in document.basemaps] == ["basemap_quadrants"] and document.basemaps[0].date == "2010"
    image = _render(document, MapView(**VIEW))
    assert _near(_pixel(image, 50, 50), QUADRANTS["top_left"])
    assert _near(_pixel(image, 150, 50), QUADRANTS["top_right"])
    assert _near(_pixel(image, 10, 190), QUADRANTS["bottom_left"])
    assert _near(_pixel(image, 150, 150), QUADRANTS["bottom_right"])
    # the quadrants' edges are where the file says, to the pixel: ground x = X0 + 100 is pixel 100
    assert _near(_pixel(image, 99, 20), QUADRANTS["top_left"]) and _near(_pixel(image, 100, 20), QUADRANTS["top_right"])
    assert _near(_pixel(image, 20, 99), QUADRANTS["top_left"]) and _near(_pixel(image, 20, 100), QUADRANTS["bottom_left"])
    # the building (ground X0+20..60, Y0+20..60: pixels 20..60 x 140..180) is drawn over the image
    inside = _pixel(image, 40, 160)
    assert not _near(inside, QUADRANTS["bottom_left"], 40)
    without = _render(document, MapView(**VIEW), basemaps=[])
    assert _pixel(without, 40, 160) == inside  # the same building colour, opaque, over nothing
    assert _near(_pixel(without, 10, 190), BACKGROUND)


def test_a_panned_view_reads_the_part_it_shows(document):
    from gisdesk.render.view import MapView

    view = MapView(**{**VIEW, "cx": X0 + 200})  # half the image, on the left of the picture
    image = _render(document, view)
    assert _near(_pixel(image, 10, 10), QUADRANTS["top_right"])
    assert _near(_pixel(image, 10, 190), QUADRANTS["bottom_right"])
    assert _near(_pixel(image, 110, 50), BACKGROUND)  # past the image: nothing drawn


def test_opacity_and_visibility(document):
    from gisdesk.render.view import MapView

    basemap = document.basemaps[0]
    basemap.opacity = 0.5
    assert document.dirty
    image = _render(document, MapView(**VIEW))
    want = tuple((a + b) / 2 for a, b in zip(QUADRANTS["top_left"], BACKGROUND))
    assert _near(_pixel(image, 50, 50), want, 3)
    basemap.visible = False
    assert _near(_pixel(_render(document, MapView(**VIEW)), 50, 50), BACKGROUND)
    document.save()  # with the vector layers' states
    stored = Project.open(document.project.path).basemaps()[0]
    assert (stored.opacity, stored.visible, stored.style["date"]) == (0.5, False, "2010")


def test_a_print_reads_more_pixels_of_the_file(document):
    from gisdesk.render.view import MapView

    asked = []
    source = document.basemaps[0]
    from gisdesk.io.basemaps import open_basemap

    open_basemap(source)
    real = source.reader

    class Counting:
        def __getattr__(self, name):
            return getattr(real, name)

        def read(self, extent, width, height, crs, **kw):
            asked.append((width, height))
            return real.read(extent, width, height, crs, **kw)

    source.reader = Counting()
    view = MapView(**VIEW)
    _render(document, view)
    printed = _render(document, view.at_dpi(300), dpi=300)
    assert asked == [(200, 200), (625, 625)]
    assert printed.width() == 625
    assert _near(_pixel(printed, 50 * 3.125, 50 * 3.125), QUADRANTS["top_left"])
    assert _near(_pixel(printed, 150 * 3.125, 150 * 3.125), QUADRANTS["bottom_right"])


def test_an_image_in_another_crs_is_warped_into_the_project_crs(project, tmp_path):
    """A CGCS2000 lon/lat image (EPSG:4490) on a Gauss-Krüger project (EPSG:4549): each quadrant's
    centre, transformed with pyproj, lands on that quadrant's colour."""
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import from_origin

    from gisdesk.layers.document import MapDocument
    from gisdesk.render.view import MapView

    lon0, lat0, step = 120.0, 30.0, 0.00001  # 200 px of ~1 m
    path = tmp_path / "lonlat.tif"
    bands = np.zeros((3, SIZE, SIZE), dtype=np.uint8)
    half = SIZE // 2
    for (rows, cols), key in (((slice(0, half), slice(0, half)), "top_left"), ((slice(0, half), slice(half, SIZE)),
                              "top_right"), ((slice(half, SIZE), slice(0, half)), "bottom_left"),
                              ((slice(half, SIZE), slice(half, SIZE)), "bottom_right")):
        for band, value in enumerate(QUADRANTS[key]):
            bands[band, rows, cols] = value
    with rasterio.open(path, "w", driver="GTiff", width=SIZE, height=SIZE, count=3, dtype="uint8", crs="EPSG:4490",
                       transform=from_origin(lon0, lat0 + SIZE * step, step, step)) as ds:
        ds.write(bands)
    project.add_basemap(path)
    document = MapDocument.open(Project.open(project.path))
    to_gk = Transformer.from_crs("EPSG:4490", "EPSG:4549", always_xy=True)
    corners = [to_gk.transform(lon, lat) for lon in (lon0, lon0 + SIZE * step) for lat in (lat0, lat0 + SIZE * step)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    view = MapView.fit((min(xs), min(ys), max(xs), max(ys)), 300, 300)
    image = _render(document, view)
    centres = {"top_left": (0.25, 0.75), "top_right": (0.75, 0.75), "bottom_left": (0.25, 0.25),
               "bottom_right": (0.75, 0.25)}
    for key, (fx, fy) in centres.items():
        x, y = to_gk.transform(lon0 + fx * SIZE * step, lat0 + fy * SIZE * step)
        px, py = view.to_pixels(x, y)
        assert _near(_pixel(image, float(px), float(py)), QUADRANTS[key]), key
    assert document.basemaps[0].extent == pytest.approx((min(xs), min(ys), max(xs), max(ys)), abs=0.5)


def test_a_missing_file_draws_nothing_and_does_not_crash(document, tmp_path):
    from gisdesk.layers.document import MapDocument
    from gisdesk.render.view import MapView

    path = document.basemaps[0].path
    moved = tmp_path / "moved.tif"
    shutil.move(path, moved)
    reopened = MapDocument.open(Project.open(document.project.path))
    assert reopened.basemaps[0].missing and "quadrants.tif" in reopened.basemaps[0].problem
    image = _render(reopened, MapView(**VIEW))
    assert _near(_pixel(image, 50, 50), BACKGROUND)
    # relocated: drawn again, and the project remembers
    reopened.relocate_basemap(reopened.basemaps[0], moved)
    assert _near(_pixel(_render(reopened, MapView(**VIEW)), 50, 50), QUADRANTS["top_left"])
    assert not MapDocument.open(Project.open(document.project.path)).basemaps[0].missing


def test_base_maps_keep_their_order_and_a_removed_one_is_gone(document, tmp_path):
    from gisdesk.layers.document import MapDocument

    second = document.project.add_basemap(write_quadrants(tmp_path / "second.tif"), date="2019")
    layer = document.add_basemap(second)
    assert [b.id for b in document.basemaps] == ["basemap_quadrants", "basemap_second"]
    document.move_basemap(layer, 0)
    assert document.dirty
    document.save()
    again = MapDocument.open(Project.open(document.project.path))
    assert [b.id for b in again.basemaps] == ["basemap_second", "basemap_quadrants"]
    assert [b.date for b in again.basemaps] == ["2019", "2010"]
    assert [layer.id for layer in again.layers] == ["buildings"]
    again.remove_basemap(again.basemaps[0])
    assert [b.id for b in MapDocument.open(Project.open(document.project.path)).basemaps] == ["basemap_quadrants"]


# --- the command line ---------------------------------------------------------------------------

def test_gisdesk_import_adds_an_image_as_a_base_map_by_reference(cli, project):
    image = write_quadrants(project.path.parent / "images" / "ortho.tif", date="2010:05:17 10:00:00")
    code, out, err = cli("import", project.path, image)
    assert code == 0, err
    assert "basemap_ortho" in out and "2010" in out and "images/ortho.tif" in out
    code, out, err = cli("import", project.path, image, "--date", "2012", "--title", "航拍 2012", "--to", "aerial2012")
    assert code == 0, err
    infos = {i.id: i for i in Project.open(project.path).basemaps()}
    assert infos["aerial2012"].title == "航拍 2012" and infos["aerial2012"].style["date"] == "2012"
    assert infos["basemap_ortho"].style["date"].startswith("2010")
    assert [i.id for i in Project.open(project.path).layers()] == ["buildings"]


def test_gisdesk_import_of_an_image_refuses_the_vector_options_and_vectors_still_need_as(cli, project, tmp_path):
    image = write_quadrants(tmp_path / "a.tif")
    code, out, err = cli("import", project.path, image, "--as", "buildings", "--encoding", "GBK")
    assert code == 2 and "--as --encoding" in err and "a.tif" in err
    frame([{"rid": "R1", "geometry": box(0, 0, 10, 10)}]).to_file(tmp_path / "red.geojson")
    code, out, err = cli("import", project.path, tmp_path / "red.geojson")
    assert code == 2 and "--as" in err
    code, out, err = cli("import", project.path, tmp_path / "red.geojson", "--as", "red", "--date", "2010")
    assert code == 2 and "--date" in err
    (tmp_path / "broken.tif").write_bytes(b"not a tiff at all")
    code, out, err = cli("import", project.path, tmp_path / "broken.tif")
    assert code == 2 and "broken.tif" in err
    code, out, err = cli("--lang", "en", "import", project.path, tmp_path / "gone.mbtiles")
    assert code == 2 and "gone.mbtiles" in err and "not found" in err
    assert Project.open(project.path).basemaps() == []


def test_gisdesk_import_takes_an_mbtiles_cache_by_its_content(cli, project, tmp_path):
    cut = Path(__file__).parent / "data" / "raster"
    caches = sorted(cut.glob("*.mbtiles"))
    assert caches, "the MBTiles cut-outs of tests/data/raster are part of the repository"
    copy = tmp_path / "cache.bin"  # the name says nothing: the content does
    shutil.copyfile(caches[0], copy)
    code, out, err = cli("import", project.path, copy, "--date", "2010")
    assert code == 0, err
    assert Project.open(project.path).basemaps()[0].provider == "mbtiles"


def test_qgis_still_opens_every_layer_of_a_project_with_base_maps(project, tmp_path):
    from tests.test_gpkg_interop import _has, _layers, probe

    if not _has("qgis.core"):
        pytest.skip("QGIS (python3-qgis) is not installed")
    project.add_basemap(write_quadrants(project.path.parent / "a.tif"), date="2010")
    layers = _layers(probe("inspect", project.path))
    assert layers["buildings Polygon"]["valid"] and layers["buildings Polygon"]["render"]["drawn"] > 0
    assert layers["gisdesk_layers"]["valid"] and not layers["gisdesk_layers"]["read_only"]
    assert all(layer["valid"] for layer in layers.values())


def test_a_date_that_is_not_one_is_refused(cli, project, tmp_path):
    image = write_quadrants(tmp_path / "a.tif")
    for bad in ("2019/06", "19", "2019-13", "June 2019"):
        code, out, err = cli("import", project.path, image, "--date", bad)
        assert code == 2 and bad in err, (bad, err)
    assert Project.open(project.path).basemaps() == []
    assert cli("import", project.path, image, "--date", "2019-06-01")[0] == 0


def test_an_image_first_gives_a_new_project_its_zone(cli, tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "shanghai.tif"
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=3, dtype="uint8", crs="EPSG:4326",
                       transform=from_origin(121.49, 31.24, 0.0001, 0.0001)) as ds:
        ds.write(np.full((3, 10, 10), 128, dtype=np.uint8))
    assert cli("new", tmp_path / "p.gpkg")[0] == 0
    code, out, err = cli("import", tmp_path / "p.gpkg", path, "--date", "2020")
    assert code == 0, err
    assert Project.open(tmp_path / "p.gpkg").crs.to_epsg() == 4549  # CGCS2000 3° GK, CM 120°E (121.49°E is 1.49° off)
    swellendam = Path(__file__).parent / "data" / "raster" / "swellendam_3420B_cut.tif"  # 20°E, lon/lat
    assert cli("new", tmp_path / "q.gpkg")[0] == 0
    code, out, err = cli("import", tmp_path / "q.gpkg", swellendam)
    assert code == 2 and "--crs" in err


def test_an_image_that_misses_the_layers_is_added_with_a_note(cli, project, tmp_path):
    far = tmp_path / "far.tif"
    write_quadrants(far)
    import rasterio
    from rasterio.transform import from_origin

    with rasterio.open(far, "r+") as ds:
        ds.transform = from_origin(X0 + 50_000, Y0 + SIZE, 1.0, 1.0)  # 50 km east of the buildings
    code, out, err = cli("import", project.path, far)
    assert code == 0 and "不重叠" in err
    code, out, err = cli("import", project.path, write_quadrants(tmp_path / "near.tif"))
    assert code == 0 and "不重叠" not in err
