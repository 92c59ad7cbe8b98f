"""`gisdesk basemap`: MBTiles caches from the project's layers and from the real aerial photo.

Where a tile's pixel should be is computed here on its own (pyproj for the project CRS to
lon/lat, the Web Mercator formulas for the tile and pixel, rasterio's index() for the source
image), never with the exporter's own grid code; GDAL (rasterio) reads the files back as a
third party, which also checks the TMS row flip.
"""

from __future__ import annotations

import io
import math
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from pyproj import CRS, Transformer
from shapely.geometry import box

from gisdesk.errors import Cancelled
from gisdesk.io.importer import import_layer
from gisdesk.jobs import Feedback
from gisdesk.project import Project
from tests.conftest import frame

pytest.importorskip("PySide6")
pytestmark = pytest.mark.usefixtures("qapp")  # the one QApplication of the test process (see test_render)

from gisdesk.export.basemap import basemap_from_layers, basemap_from_raster, build_mbtiles  # noqa: E402

R = 6378137.0
FILL = (0xDC, 0xD6, 0xCC)  # the buildings' default fill
# A 400 m square building at 121.5°E 31.2°N in CGCS2000 GK CM 120°E: there the grid is turned ~0.78°
# against north (meridian convergence), so its corners sit ~2.7 m off a square drawn unturned.
TO_LONLAT = Transformer.from_crs(4549, 4326, always_xy=True)
CX, CY = Transformer.from_crs(4326, 4549, always_xy=True).transform(121.5, 31.2)
HALF = 200.0


def tile_pixel(lon: float, lat: float, z: int) -> tuple[int, int, float, float]:
    """(tile x, tile y (XYZ, from the top), pixel column, pixel row) of a lon/lat, by the formulas."""
    mx = R * math.radians(lon)
    my = R * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    world = 2 * math.pi * R
    gx = (mx + world / 2) / world * (256 << z)
    gy = (world / 2 - my) / world * (256 << z)
    return int(gx // 256), int(gy // 256), gx % 256, gy % 256


def tiles_of(path: Path) -> dict[tuple[int, int, int], bytes]:
    """{(z, x, y XYZ): data}, the rows flipped back here by 2^z - 1 - row."""
    with sqlite3.connect(path) as db:
        return {(z, x, (1 << z) - 1 - row): data
                for z, x, row, data in db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")}


def metadata_of(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT name, value FROM metadata"))


def decode(data: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def pixel_at(tiles, lon, lat, z) -> np.ndarray | None:
    x, y, col, row = tile_pixel(lon, lat, z)
    data = tiles.get((z, x, y))
    return None if data is None else decode(data)[int(row), int(col)]


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": "B1", "geometry": box(CX - HALF, CY - HALF, CX + HALF, CY + HALF)}]).to_file(tmp_path / "b.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    return p


def test_layers_land_on_the_tiles_where_the_vectors_say(project, tmp_path):
    out = tmp_path / "area.mbtiles"
    result = basemap_from_layers(project.path, out, (CX - 300, CY - 300, CX + 300, CY + 300), (15, 18))
    tiles = tiles_of(out)
    assert {z for z, _, _ in tiles} == {15, 16, 17, 18} and result.tiles == len(tiles)
    for data in tiles.values():
        assert data[:8] == b"\x89PNG\r\n\x1a\n"  # drawn maps are PNG
    # 1.5 m inside each edge (3 px at zoom 18) the roof, 1.5 m outside nothing, all along the edges
    # and near the corners, where an unturned square would be 2.7 m off
    for t in np.linspace(-HALF + 5, HALF - 5, 9):
        for inside, outside in (((CX + t, CY + HALF - 1.5), (CX + t, CY + HALF + 1.5)),
                                ((CX + t, CY - HALF + 1.5), (CX + t, CY - HALF - 1.5)),
                                ((CX + HALF - 1.5, CY + t), (CX + HALF + 1.5, CY + t)),
                                ((CX - HALF + 1.5, CY + t), (CX - HALF - 1.5, CY + t))):
            roof = pixel_at(tiles, *TO_LONLAT.transform(*inside), 18)
            assert roof is not None and roof[3] == 255 and np.abs(roof[:3].astype(int) - FILL).max() <= 3, (t, roof)
            ground = pixel_at(tiles, *TO_LONLAT.transform(*outside), 18)
            assert ground is None or ground[3] == 0, (t, ground)
    # every zoom has the roof at the centre
    for z in range(15, 19):
        centre = pixel_at(tiles, *TO_LONLAT.transform(CX, CY), z)
        assert centre is not None and tuple(centre) == (*FILL, 255)


def test_gdal_opens_the_file_with_its_bounds_and_reads_it_the_right_way_up(project, tmp_path):
    rasterio = pytest.importorskip("rasterio")
    out = tmp_path / "area.mbtiles"
    extent = (CX - 300, CY - 300, CX + 300, CY + 300)
    basemap_from_layers(project.path, out, extent, (16, 17))
    meta = metadata_of(out)
    assert meta["format"] == "png" and meta["type"] == "baselayer" and (meta["minzoom"], meta["maxzoom"]) == ("16", "17")
    assert "name" in meta and "attribution" in meta and "description" in meta
    w, s, e, n = (float(v) for v in meta["bounds"].split(","))
    lons, lats = TO_LONLAT.transform([extent[0], extent[2], extent[0], extent[2]], [extent[1], extent[1], extent[3], extent[3]])
    assert w == pytest.approx(min(lons), abs=1e-5) and e == pytest.approx(max(lons), abs=1e-5)
    assert s == pytest.approx(min(lats), abs=1e-5) and n == pytest.approx(max(lats), abs=1e-5)
    to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
    with rasterio.open(out) as dataset:
        assert dataset.driver == "MBTiles" and dataset.crs.to_epsg() == 3857 and dataset.count == 4
        left, bottom = to_merc.transform(w, s)
        right, top = to_merc.transform(e, n)
        res = dataset.res[0]  # GDAL clips to the bounds, on its pixel grid of the deepest zoom
        assert abs(dataset.bounds.left - left) <= res and abs(dataset.bounds.right - right) <= res
        assert abs(dataset.bounds.bottom - bottom) <= res and abs(dataset.bounds.top - top) <= res
        # GDAL's own reading (TMS rows) finds the roof at the centre and ground past the north edge
        for (x, y), roof in (((CX, CY), True), ((CX, CY + HALF + 30), False)):
            mx, my = to_merc.transform(*TO_LONLAT.transform(x, y))
            row, col = dataset.index(mx, my)
            value = dataset.read(window=((row, row + 1), (col, col + 1)))[:, 0, 0]
            assert (tuple(value) == (*FILL, 255)) if roof else value[3] == 0, value


class CancelAfter(Feedback):
    def __init__(self, reports: int):
        super().__init__()
        self.left = reports

    def set_progress(self, fraction):
        self.left -= 1
        if self.left == 0:
            self.cancel()
        super().set_progress(fraction)


def test_cancel_leaves_no_file_and_keeps_the_old_one(project, tmp_path):
    out = tmp_path / "area.mbtiles"
    with pytest.raises(Cancelled):
        basemap_from_layers(project.path, out, None, (15, 18), feedback=CancelAfter(3))
    assert not out.exists()
    out.write_bytes(b"the cache of last week")
    with pytest.raises(Cancelled):
        basemap_from_layers(project.path, out, None, (15, 18), feedback=CancelAfter(3))
    assert out.read_bytes() == b"the cache of last week"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["area.mbtiles", "b.geojson", "p.gpkg"]  # no temp file left


def test_an_error_in_a_source_leaves_no_file(tmp_path):
    class Broken:
        def read(self, bounds, width, height, *, cancelled=lambda: False):
            raise OSError("disk gone")

    out = tmp_path / "x.mbtiles"
    with pytest.raises(OSError):
        build_mbtiles(out, Broken(), lonlat=(121.5, 31.2, 121.51, 31.21), zooms=(15, 16), metadata={})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, says", [
    (["--zooms", "18-12"], "--zooms"), (["--zooms", "abc"], "--zooms"), (["--zooms", "12-30"], "--zooms"),
    (["--extent", "1,2,3"], "--extent"), (["--extent", "5,0,1,9"], "--extent"), (["--extent", "a,b,c,d"], "--extent"),
])
def test_bad_zooms_or_extent_exit_2_with_a_clear_line(cli, project, tmp_path, args, says):
    out = tmp_path / "x.mbtiles"
    code, _, err = cli("basemap", project.path, "--from-layers", "--out", out, *args)
    assert code == 2 and says in err and "错误" in err and len(err.strip().splitlines()) == 1, err
    code, _, err = cli("basemap", project.path, "--from-layers", "--out", out, *args, "--lang", "en")
    assert code == 2 and says in err and "error" in err and "must" in err, err
    assert not out.exists()


def test_the_command_builds_and_says_what_it_made(cli, project, tmp_path):
    out = tmp_path / "x.mbtiles"
    code, stdout, err = cli("basemap", project.path, "--from-layers", "--out", out, "--zooms", "14-16")
    assert code == 0, err
    assert str(out) in stdout and "14: " in stdout and "16: " in stdout
    assert {z for z, _, _ in tiles_of(out)} == {14, 15, 16}
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask  # a file like any other, not the temp file's private mode
    code, _, err = cli("basemap", project.path, "--out", out)
    assert code == 2 and "--from" in err


# --- from the real aerial photo --------------------------------------------------------------

PHOTO = Path(__file__).parent / "data" / "raster" / "swellendam_3420B_cut.tif"  # Swellendam 2010, 240 × 240 px


def lonlat_of_tile_pixel(x: int, y: int, z: int, col: float, row: float) -> tuple[float, float]:
    """The inverse of tile_pixel: lon/lat of a point of a tile, by the formulas."""
    world = 2 * math.pi * R
    mx = (x * 256 + col) / (256 << z) * world - world / 2
    my = world / 2 - (y * 256 + row) / (256 << z) * world
    return math.degrees(mx / R), math.degrees(2 * math.atan(math.exp(my / R)) - math.pi / 2)


@pytest.fixture
def photo_project(tmp_path):
    return Project.create(tmp_path / "sw.gpkg", crs=CRS.from_epsg(32734))  # UTM 34S, Swellendam's


def test_from_the_aerial_photo_every_zoom_is_there_and_its_pixels_are_the_photos(photo_project, tmp_path):
    rasterio = pytest.importorskip("rasterio")
    out = tmp_path / "sw.mbtiles"
    result = basemap_from_raster(photo_project.path, PHOTO, out, None, (13, 17))
    tiles = tiles_of(out)
    assert {z for z, _, _ in tiles} == set(range(13, 18)) and result.tiles == len(tiles)
    with rasterio.open(PHOTO) as src:
        photo = src.read()  # (4, h, w)
        left, bottom, right, top = src.bounds
        # the tiles of zoom 17 that the photo covers, counted here: every one is stored
        x0, y0, _, _ = tile_pixel(left, top, 17)
        x1, y1, _, _ = tile_pixel(right, bottom, 17)
        assert {(x, y) for z, x, y in tiles if z == 17} == {(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}
        # every tile decodes and is not blank; opaque ones are JPEG, the photo's edge tiles PNG (transparent outside)
        for (z, x, y), data in tiles.items():
            rgba = decode(data)
            assert rgba.shape == (256, 256, 4) and rgba[..., 3].any() and rgba[..., :3].std() > 3
            assert data[:2] == b"\xff\xd8" if (rgba[..., 3] == 255).all() else data[:8] == b"\x89PNG\r\n\x1a\n"
        meta = metadata_of(out)
        assert meta["format"] == "jpg" and meta["name"] == PHOTO.stem and "date" not in meta  # the photo has no date
        w, s, e, n = (float(v) for v in meta["bounds"].split(","))
        assert (w, s, e, n) == pytest.approx((left, bottom, right, top), abs=1e-7)
        # a seeded sample of pixels of the zoom 17 tiles (1 m, the photo is 2.3 × 2.8 m): each is the photo's
        # pixel at that lon/lat, found with rasterio's index(); shifted 2 photo pixels the match is much worse
        rng = np.random.default_rng(7)
        keys = sorted(k for k in tiles if k[0] == 17)
        errors = {shift: [] for shift in ((0, 0), (2, 0), (0, 2), (-2, 0), (0, -2))}
        for _ in range(1500):
            z, x, y = keys[rng.integers(len(keys))]
            col, row = rng.integers(0, 256, size=2)
            lon, lat = lonlat_of_tile_pixel(x, y, z, col + 0.5, row + 0.5)
            r, c = src.index(lon, lat)
            if not (2 <= r < src.height - 2 and 2 <= c < src.width - 2):
                continue
            tile = decode(tiles[(z, x, y)])[row, col].astype(int)
            for (dr, dc), found in errors.items():
                found.append(np.abs(tile[:3] - photo[:3, r + dr, c + dc].astype(int)).mean())
                assert tile[3] == 255
        assert len(errors[(0, 0)]) > 400
        exact = np.mean(errors[(0, 0)])
        assert exact < 6, exact  # JPEG at quality 85 is all that differs
        for shift, found in errors.items():
            if shift != (0, 0):
                assert np.mean(found) > 2 * exact, (shift, np.mean(found), exact)
    with rasterio.open(out) as dataset:  # GDAL reads it where the photo is
        to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
        l, b = to_merc.transform(left, bottom)
        r_, t = to_merc.transform(right, top)
        res = dataset.res[0]
        assert abs(dataset.bounds.left - l) <= res and abs(dataset.bounds.right - r_) <= res
        assert abs(dataset.bounds.bottom - b) <= res and abs(dataset.bounds.top - t) <= res


def test_from_the_photo_an_extent_in_the_project_crs_and_a_date_from_the_file(photo_project, tmp_path):
    rasterio = pytest.importorskip("rasterio")
    dated = tmp_path / "dated.tif"
    with rasterio.open(PHOTO) as src:
        profile = src.profile
        with rasterio.open(dated, "w", **profile) as dst:
            dst.write(src.read())
            dst.update_tags(TIFFTAG_DATETIME="2010:06:15 10:00:00")
        centre = ((src.bounds.left + src.bounds.right) / 2, (src.bounds.bottom + src.bounds.top) / 2)
    cx, cy = Transformer.from_crs(4326, 32734, always_xy=True).transform(*centre)
    extent = (cx - 100, cy - 100, cx + 100, cy + 100)
    out = tmp_path / "part.mbtiles"
    basemap_from_raster(photo_project.path, dated, out, extent, (16, 17))
    meta = metadata_of(out)
    assert meta["date"] == "2010-06-15"
    w, s, e, n = (float(v) for v in meta["bounds"].split(","))
    lons, lats = Transformer.from_crs(32734, 4326, always_xy=True).transform(
        [extent[0], extent[2], extent[0], extent[2]], [extent[1], extent[1], extent[3], extent[3]])
    assert w == pytest.approx(min(lons), abs=1e-6) and e == pytest.approx(max(lons), abs=1e-6)
    assert s == pytest.approx(min(lats), abs=1e-6) and n == pytest.approx(max(lats), abs=1e-6)
    # the tiles are those of the extent only: 200 m is 2 × 2 or 3 × 3 tiles at zoom 17 (~250 m a tile)
    assert 1 <= sum(1 for z, _, _ in tiles_of(out) if z == 17) <= 9


def test_from_a_missing_or_unreadable_image_or_outside_it_exit_2(cli, photo_project, tmp_path):
    out = tmp_path / "x.mbtiles"
    code, _, err = cli("basemap", photo_project.path, "--from", tmp_path / "nowhere.tif", "--out", out)
    assert code == 2 and "nowhere.tif" in err, err
    (tmp_path / "junk.tif").write_bytes(b"not an image at all")
    code, _, err = cli("basemap", photo_project.path, "--from", tmp_path / "junk.tif", "--out", out)
    assert code == 2 and "junk.tif" in err, err
    code, _, err = cli("basemap", photo_project.path, "--from", PHOTO, "--out", out, "--extent", "0,0,10,10")
    assert code == 2 and "--extent" not in err and "0,0,10,10" in err, err  # a good extent, but not over the image
    assert not out.exists()


def test_the_command_from_the_photo(cli, photo_project, tmp_path):
    out = tmp_path / "x.mbtiles"
    code, stdout, err = cli("basemap", photo_project.path, "--from", PHOTO, "--out", out, "--zooms", "15-16")
    assert code == 0, err
    assert {z for z, _, _ in tiles_of(out)} == {15, 16} and str(out) in stdout


# --- the demo's two dated base maps (data/make_basemaps.py) ---------------------------------------

DATA = Path(__file__).resolve().parent.parent / "data"


def test_the_demo_base_maps_say_what_they_are_and_differ_at_the_new_cases():
    import pandas as pd

    early, late = DATA / "demo_imagery_2016-06.mbtiles", DATA / "demo_imagery_2024-06.mbtiles"
    for path, date in ((early, "2016-06"), (late, "2024-06")):
        meta = metadata_of(path)
        assert meta["date"] == date and "NOT real imagery" in meta["description"] and "不是真实影像" in meta["description"]
        assert (meta["minzoom"], meta["maxzoom"]) == ("13", "17") and meta["type"] == "baselayer"
    demo = Project.open(DATA / "demo.gpkg")
    to_lonlat = Transformer.from_crs(demo.crs, 4326, always_xy=True)
    ledger = demo.read_layer("ledger")
    started = pd.to_datetime(ledger["started_on"])
    closed = pd.to_datetime(ledger["closed_on"])
    between = ledger[(started > "2016-06-30") & (started <= "2024-06-30") & (ledger.geometry.geom_type == "Polygon")
                     & ~((ledger["status"] == "已拆除") & (closed <= "2024-06-30"))
                     & (ledger["structure"] == "彩钢板/铁皮")]
    # the eight largest steel-sheet cases built between the dates: steel blue in 2024, not in 2016
    tiles = {path: tiles_of(path) for path in (early, late)}
    blue = np.array((0x3F, 0x78, 0xB5))
    checked = 0
    for _, case in between.assign(area=between.area).sort_values("area", ascending=False).iterrows():
        inner = case.geometry.buffer(-1.5)
        point = inner.representative_point() if inner.area > 0 else case.geometry.representative_point()
        if ledger.geometry.contains(point).sum() > 1:
            continue  # another case drawn over it
        lon, lat = to_lonlat.transform(point.x, point.y)
        now, then = pixel_at(tiles[late], lon, lat, 17), pixel_at(tiles[early], lon, lat, 17)
        assert np.abs(now[:3].astype(int) - blue).max() <= 6, (case["case_no"], now)
        assert np.abs(then[:3].astype(int) - blue).max() > 40, (case["case_no"], then)
        checked += 1
        if checked == 8:
            break
    assert checked == 8


def test_gisdesk_demo_copies_the_base_maps_beside_its_copy(cli, tmp_path):
    code, out, err = cli("demo", "--out", tmp_path / "demo")
    assert code == 0, err
    assert "demo_imagery_2016-06.mbtiles" in out and "不是真实影像" in out
    copy = Project.open(tmp_path / "demo" / "demo.gpkg")
    infos = {info.id: info for info in copy.basemaps()}
    assert set(infos) == {"imagery_2016_06", "imagery_2024_06"}
    for layer_id, date in (("imagery_2016_06", "2016-06"), ("imagery_2024_06", "2024-06")):
        info = infos[layer_id]
        assert info.style["date"] == date and info.source == f"demo_imagery_{date}.mbtiles"  # relative to the project
        assert "absolute" not in info.style  # the committed demo carries no builder's path
        path = copy.basemap_path(info)
        assert path == tmp_path / "demo" / info.source and path.read_bytes() == (DATA / info.source).read_bytes()


WHOLE_PHOTO = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "swellendam-qgis-training" / \
    "raster" / "3420B_2010_328_RGB_LATLNG.tif"  # 1098 × 3039 px, striped, no overviews


@pytest.mark.skipif(not WHOLE_PHOTO.is_file(), reason="../shared/realdata is not here")
def test_the_whole_real_photo_every_zoom_and_tiles_picked_at_random(photo_project, tmp_path):
    rasterio = pytest.importorskip("rasterio")
    out = tmp_path / "whole.mbtiles"
    basemap_from_raster(photo_project.path, WHOLE_PHOTO, out, None, (12, 16))
    tiles = tiles_of(out)
    assert {z for z, _, _ in tiles} == set(range(12, 17))
    rng = np.random.default_rng(2010)
    keys = sorted(tiles)
    compared = 0
    with rasterio.open(WHOLE_PHOTO) as src:
        photo = src.read()
        for index in rng.choice(len(keys), size=30, replace=False):  # tiles no one looked at
            z, x, y = keys[index]
            rgba = decode(tiles[(z, x, y)])
            assert rgba.shape == (256, 256, 4) and rgba[..., 3].any() and rgba[..., :3][rgba[..., 3] > 0].std() > 3
            if z != 16:  # zoom 16 (2 m) is finer than the photo (2.3-2.8 m): its pixels are the photo's
                continue
            diffs = []
            for col, row in rng.integers(0, 256, size=(60, 2)):
                r, c = src.index(*lonlat_of_tile_pixel(x, y, z, col + 0.5, row + 0.5))
                if 0 <= r < src.height and 0 <= c < src.width and rgba[row, col, 3] == 255:
                    diffs.append(np.abs(rgba[row, col, :3].astype(int) - photo[:3, r, c].astype(int)).mean())
            assert not diffs or np.mean(diffs) < 8, (z, x, y, np.mean(diffs))
            compared += len(diffs)
    assert compared > 300
