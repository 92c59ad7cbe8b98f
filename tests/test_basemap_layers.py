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
