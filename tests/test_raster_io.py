"""gisdesk.io.raster on a cut-out of the real Swellendam aerial photo (EPSG:4326, RGBA).

Expected pixels are read independently with rasterio at the source pixel holding a known
lon/lat, and compared with what read() returns at that lon/lat after warping to UTM 34S,
to a CGCS2000-style Gauss-Kruger CRS and to Web Mercator.
"""

from __future__ import annotations

import os
import shutil
import stat
import threading
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS, Transformer
from rasterio.enums import ColorInterp

from gisdesk.errors import InputError
from gisdesk.i18n import set_language
from gisdesk.io.raster import build_overviews, date_from_name, open_raster, parse_date
from gisdesk.jobs import Feedback

CUT = Path(__file__).parent / "data" / "raster" / "swellendam_3420B_cut.tif"
GK_CGCS2000_21E = CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=21 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs")
VIEW_CRSS = [CRS.from_epsg(32734), GK_CGCS2000_21E, CRS.from_epsg(3857), CRS.from_epsg(4326)]


@pytest.fixture(scope="module")
def source_pixels():
    with rasterio.open(CUT) as ds:
        return ds.read(), ds.transform


def _distinct_pixels(data, n=8):
    """Pixel (row, col)s whose RGB differs from each of its 8 neighbours by > 24 (sum over RGB),
    spread over the cut: a read shifted by one pixel any way cannot match there."""
    rgb = data[:3].astype(int)
    h, w = rgb.shape[1:]
    centre = rgb[:, 1:-1, 1:-1]
    distinct = np.ones(centre.shape[1:], dtype=bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                distinct &= np.abs(rgb[:, 1 + dr:h - 1 + dr, 1 + dc:w - 1 + dc] - centre).sum(axis=0) > 24
    rows, cols = np.nonzero(distinct[9:-9, 9:-9])
    found = list(zip((rows + 10).tolist(), (cols + 10).tolist()))
    assert len(found) >= n
    return found[:: len(found) // n][:n]


def _view_around(lon, lat, crs, *, half=60.0, pixel=1.0):
    """An extent of 2*half metres (or the same in degrees for EPSG:4326) centred on lon/lat."""
    if crs.is_geographic:
        half_deg, px = 0.0012, 0.00001
        return (lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg), px
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
    return (x - half, y - half, x + half, y + half), pixel


@pytest.mark.parametrize("crs", VIEW_CRSS, ids=["utm34s", "cgcs2000_gk21", "webmerc", "wgs84"])
def test_pixels_land_where_the_source_has_them(source_pixels, crs):
    data, transform = source_pixels
    src = open_raster(CUT)
    to_view = Transformer.from_crs(4326, crs, always_xy=True)
    try:
        checked = 0
        for r, c in _distinct_pixels(data):
            lon, lat = rasterio.transform.xy(transform, r, c)  # the centre of source pixel (r, c)
            extent, px = _view_around(lon, lat, crs)
            width = height = int(round((extent[2] - extent[0]) / px))
            picture = src.read(extent, width, height, crs)
            assert picture.shape == (height, width, 4) and picture.dtype == np.uint8
            x, y = to_view.transform(lon, lat)
            col = int((x - extent[0]) / (extent[2] - extent[0]) * width)
            row = int((extent[3] - y) / (extent[3] - extent[1]) * height)
            assert picture[row, col, :3].tolist() == data[:3, r, c].tolist(), (r, c, crs.name)
            assert picture[row, col, 3] == 255
            checked += 1
        assert checked >= 8
    finally:
        src.close()


def test_metadata_of_the_cut():
    with open_raster(CUT) as src:
        assert src.provider == "gdal"
        assert src.crs.to_epsg() == 4326
        with rasterio.open(CUT) as ds:
            assert src.bounds == pytest.approx(tuple(ds.bounds))
        assert src.date is None  # the file has no date tag; its name's 2010 is not metadata
        xmin, ymin, xmax, ymax = src.extent_in(32734)
        assert 400_000 < xmin < xmax < 500_000 and 6_200_000 < ymin < ymax < 6_300_000
        assert 500 < xmax - xmin < 600  # 0.006 degrees of longitude at 34 S: 553 m


def test_date_from_the_name_is_an_explicit_suggestion():
    assert date_from_name("3420B_2010_328_RGB_LATLNG.tif") == "2010"
    assert date_from_name("ortho-2019.tif") == "2019"
    assert date_from_name("img_20100_x.tif") is None
    assert date_from_name("a_2010_2015.tif") is None  # two years: no guess


def test_date_from_tags(tmp_path):
    assert parse_date("2010:05:12 10:00:00") == "2010-05-12"
    assert parse_date("2019-06") == "2019-06"
    dst = tmp_path / "dated.tif"
    shutil.copy(CUT, dst)
    with rasterio.open(dst, "r+") as ds:
        ds.update_tags(TIFFTAG_DATETIME="2018:07:03 11:20:00")
    with open_raster(dst) as src:
        assert src.date == "2018-07-03"
    other = tmp_path / "acq.tif"
    shutil.copy(CUT, other)
    with rasterio.open(other, "r+") as ds:
        ds.update_tags(ACQUISITIONDATE="2019-06")
    with open_raster(other) as src:
        assert src.date == "2019-06"


def test_outside_the_file_is_transparent(source_pixels):
    with open_raster(CUT) as src:
        xmin, ymin, xmax, ymax = src.bounds
        w = xmax - xmin
        # a view whose left half is west of the file
        picture = src.read((xmin - w / 2, ymin, xmax - w / 2, ymax), 200, 200, 4326)
        assert (picture[:, :95, 3] == 0).all()
        assert (picture[:, :95, :3] == 0).all()
        assert (picture[:, 105:, 3] == 255).all()
        far = src.read((xmin + 1, ymin, xmax + 1, ymax), 50, 50, 4326)
        assert (far == 0).all()


def _derived(tmp_path, name, data, **profile):
    with rasterio.open(CUT) as ds:
        prof = ds.profile
    prof.update(count=data.shape[0], dtype=data.dtype.name, photometric=None, **profile)
    prof.pop("photometric")
    path = tmp_path / name
    with rasterio.open(path, "w", **prof) as out:
        out.write(data)
    return path


def test_rgb_with_nodata_grey_and_palette(tmp_path, source_pixels):
    data, _ = source_pixels
    rgb = data[:3].copy()
    rgb[:, :20, :] = 0  # the top 20 rows are nodata
    path = _derived(tmp_path, "nodata.tif", rgb, nodata=0)
    with open_raster(path) as src:
        pic = src.read(src.bounds, 240, 240, 4326)
        assert (pic[:20, :, 3] == 0).all() and (pic[25:, :, 3] == 255).mean() > 0.99
        assert pic[100, 100, :3].tolist() == data[:3, 100, 100].tolist()
    grey = data[1:2].astype(np.uint16) * 100  # 16-bit: stretched to 0-255 over its 2-98 % range
    path = _derived(tmp_path, "grey16.tif", grey, nodata=None)
    with open_raster(path) as src:
        pic = src.read(src.bounds, 240, 240, 4326)
        assert (pic[..., 0] == pic[..., 1]).all() and (pic[..., 1] == pic[..., 2]).all()
        assert (pic[..., 3] == 255).all()
        order = np.argsort(data[1].ravel())  # brighter in, brighter out
        out = pic[..., 0].ravel()
        assert out[order[-100:]].mean() > out[order[:100]].mean() + 100
    pal = (data[0] // 64).astype(np.uint8)[None]  # 4 classes
    path = _derived(tmp_path, "palette.tif", pal, nodata=None)
    colors = {0: (255, 0, 0, 255), 1: (0, 255, 0, 255), 2: (0, 0, 255, 255), 3: (0, 0, 0, 0)}
    with rasterio.open(path, "r+") as ds:
        ds.write_colormap(1, colors)
        ds.colorinterp = [ColorInterp.palette]
    with open_raster(path) as src:
        pic = src.read(src.bounds, 240, 240, 4326)
        for r, c in [(10, 10), (120, 50), (200, 200), (60, 180)]:
            assert tuple(pic[r, c]) == colors[int(pal[0, r, c])]


def test_overviews_are_built_and_read(tmp_path, source_pixels):
    path = tmp_path / "big.tif"
    data, transform = source_pixels
    tiled = np.tile(data, (1, 6, 6))  # 1440 x 1440
    with rasterio.open(CUT) as ds:
        prof = ds.profile
    prof.update(width=1440, height=1440)
    with rasterio.open(path, "w", **prof) as out:
        out.write(tiled)
        out.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
    with open_raster(path) as src:
        assert src.factors == []
        src.read(src.bounds, 180, 180, 4326)
        assert src.last_read["level"] == -1 and src.last_read["shape"] == (180, 180)  # decimated while read
    stages = []

    class Recorder(Feedback):
        def report(self):
            stages.append((self.stage, round(self.progress, 3)))

    levels = build_overviews(path, Recorder())
    assert levels == 3  # 720, 360, 180 px: 180 < 256 is the last
    assert stages[-1][1] == 1.0 and sorted({p for _, p in stages}) == [0.0, 0.6, 1.0]
    with rasterio.open(path) as ds:
        assert ds.overviews(1) == [2, 4, 8]
    with open_raster(path) as src:
        assert src.factors == src.overviews() == [2, 4, 8]
        res = src.resolution[0]
        xmin, ymin, xmax, ymax = src.bounds
        for pixel_factor, level in [(1, -1), (1.6, -1), (1.7, 0), (3.2, 0), (3.4, 1), (8, 2), (30, 2)]:
            w = int(round((xmax - xmin) / (res * pixel_factor)))
            h = int(round((ymax - ymin) / (res * pixel_factor)))
            pic = src.read(src.bounds, w, h, 4326)
            assert src.last_read["level"] == level, pixel_factor
            assert src.last_read["shape"][0] <= 2 * h + 2
        # a window at level 1 (factor 4) reads only its part of that level
        pic = src.read((xmin, ymax - (ymax - ymin) / 4, xmin + (xmax - xmin) / 4, ymax), 90, 90, 4326)
        assert src.last_read["level"] == 1 and src.last_read["window"][2] <= 92
        # and what it shows is the photo at that place, averaged: the top-left tile's mean colour
        expected = data[:3].reshape(3, -1).mean(axis=1)
        assert np.abs(pic[..., :3].reshape(-1, 3).mean(axis=0) - expected).max() < 3
    assert build_overviews(path, Feedback()) == 3  # again: nothing to add


def test_build_overviews_refuses_a_read_only_file(tmp_path, monkeypatch):
    path = tmp_path / "ro.tif"
    shutil.copy(CUT, path)
    os.chmod(path, stat.S_IRUSR)
    if os.access(path, os.W_OK):  # root writes anyway: the check is made to see what a user would
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: False if mode == os.W_OK else real_access(p, mode))
    set_language("en")
    try:
        with pytest.raises(InputError, match="read-only") as info:
            build_overviews(path, Feedback())
        assert str(path) in str(info.value)
    finally:
        set_language(None)


def test_build_overviews_cancel_keeps_what_was_built(tmp_path, source_pixels):
    path = tmp_path / "c.tif"
    data, _ = source_pixels
    with rasterio.open(CUT) as ds:
        prof = ds.profile
    prof.update(width=1440, height=1440)
    with rasterio.open(path, "w", **prof) as out:
        out.write(np.tile(data, (1, 6, 6)))

    class CancelAfterFirst(Feedback):
        def set_progress(self, fraction):
            if fraction > 0:
                self.cancel()
            super().set_progress(fraction)

    from gisdesk.errors import Cancelled
    with pytest.raises(Cancelled):
        build_overviews(path, CancelAfterFirst())
    with rasterio.open(path) as ds:
        assert ds.overviews(1) == [2]
        assert ds.read(1).shape == (1440, 1440)


def test_reads_from_several_threads_agree():
    with open_raster(CUT) as src:
        crs = CRS.from_epsg(32734)
        xmin, ymin, xmax, ymax = src.extent_in(crs)
        views = [((xmin + i * 20, ymin + i * 10, xmin + 300 + i * 20, ymin + 300 + i * 10), 150, 150) for i in range(8)]
        expected = [src.read(e, w, h, crs) for e, w, h in views]
        results = {}

        errors = []

        def worker(k):
            try:
                for _ in range(3):
                    for i, (e, w, h) in enumerate(views):
                        results[(k, i)] = src.read(e, w, h, crs)
            except Exception as exc:  # handed to the main thread below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        assert len(results) == 32
        for (k, i), pic in results.items():
            assert np.array_equal(pic, expected[i])


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language(None)


def test_errors_name_the_file_and_the_problem(tmp_path, english):
    missing = tmp_path / "gone.tif"
    with pytest.raises(InputError, match="not found") as info:
        open_raster(missing)
    assert str(missing) in str(info.value)
    text = tmp_path / "notes.tif"
    text.write_text("not a picture at all\n" * 10)
    with pytest.raises(InputError, match="not a raster file") as info:
        open_raster(text)
    assert str(text) in str(info.value)
    broken = tmp_path / "cut_off.tif"
    broken.write_bytes(CUT.read_bytes()[:300])
    with pytest.raises(InputError, match="damaged") as info:
        src = open_raster(broken)  # opening may pass on a header alone; reading cannot
        src.read(src.bounds, 100, 100, 4326)
    assert str(broken) in str(info.value)
    half = tmp_path / "half.tif"  # opens (header and first tiles there), fails where the tiles end
    half.write_bytes(CUT.read_bytes()[: CUT.stat().st_size * 6 // 10])
    src = open_raster(half)
    with pytest.raises(InputError, match="may be damaged.*(IReadBlock|TIFFRead)") as info:
        src.read(src.bounds, 240, 240, 4326)
    assert str(half) in str(info.value)
    src.close()
    with rasterio.open(CUT) as ds:
        data = ds.read()
    plain = tmp_path / "no_crs.tif"
    with rasterio.open(plain, "w", driver="GTiff", width=240, height=240, count=4, dtype="uint8") as out:
        out.write(data)
    with pytest.raises(InputError, match="no coordinate reference system") as info:
        open_raster(plain)
    assert str(plain) in str(info.value)
    set_language("zh")
    with pytest.raises(InputError, match="没有坐标系"):
        open_raster(plain)
    with pytest.raises(InputError, match="找不到栅格文件"):
        open_raster(missing)


def test_the_overviews_command(tmp_path, source_pixels, capsys):
    from gisdesk.cli import main

    path = tmp_path / "photo.tif"
    data, _ = source_pixels
    with rasterio.open(CUT) as ds:
        prof = ds.profile
    prof.update(width=960, height=720)
    with rasterio.open(path, "w", **prof) as out:
        out.write(np.tile(data, (1, 3, 4)))
    assert main(["overviews", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "概览 2 级" in printed and "2, 4" in printed and str(path) in printed
    with rasterio.open(path) as ds:
        assert ds.overviews(1) == [2, 4]  # 480 x 360, then 240 x 180 < 256
    assert main(["--lang", "en", "overviews", str(path)]) == 0  # again: nothing to add, same levels
    assert "2 overview levels" in capsys.readouterr().out
    text = tmp_path / "readme.tif"
    text.write_text("hello")
    assert main(["overviews", str(text)]) == 2
    err = capsys.readouterr().err
    assert "不是可读的栅格文件" in err and str(text) in err
    assert main(["overviews", str(tmp_path / "nowhere.tif")]) == 2
    assert "找不到栅格文件" in capsys.readouterr().err
    mbtiles = Path(__file__).parent / "data" / "raster" / "open-streets-dc.mbtiles"
    assert main(["overviews", str(mbtiles)]) == 2
    assert "MBTiles" in capsys.readouterr().err


@pytest.mark.parametrize("crs", VIEW_CRSS[:3], ids=["utm34s", "cgcs2000_gk21", "webmerc"])
def test_the_fast_warp_agrees_with_gdals(source_pixels, crs):
    """warp_rgba (nearest, a coarse grid transformed exactly, linear in between) against GDAL's
    warper on the same array: the same source pixel for all but a few view pixels whose centre
    lies within a hair of a source pixel edge."""
    from gisdesk.io.raster_common import transform_extent, warp_rgba, warp_rgba_gdal

    data, transform = source_pixels
    pixels = np.ascontiguousarray(data.transpose(1, 2, 0))
    x0, y0, x1, y1 = transform_extent(rasterio.transform.array_bounds(240, 240, transform), 4326, crs)
    for extent, size in [((x0 - 50, y0 - 50, x1 + 50, y1 + 50), (700, 800)),  # beyond the edges, magnified
                         ((x0 + 100, y0 + 100, x0 + 400, y0 + 300), (150, 100))]:  # inside, reduced
        ours = warp_rgba(pixels, transform, 4326, extent, *size, crs)
        gdal = warp_rgba_gdal(pixels, transform, 4326, extent, *size, crs)
        same = (ours == gdal).all(axis=2)
        assert same.mean() > 0.995, same.mean()
        assert (ours[..., 3] == 0).mean() == pytest.approx((gdal[..., 3] == 0).mean(), abs=0.003)


REAL = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "swellendam-qgis-training" / "raster"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/realdata is not here")
def test_the_whole_real_photo_and_the_real_elevation_model():
    photo = REAL / "3420B_2010_328_RGB_LATLNG.tif"
    with rasterio.open(photo) as ds:
        data = ds.read(window=rasterio.windows.Window(0, 2500, 1098, 400))
        transform = ds.window_transform(rasterio.windows.Window(0, 2500, 1098, 400))
    crs = CRS.from_epsg(32734)
    to_view = Transformer.from_crs(4326, crs, always_xy=True)
    with open_raster(photo) as src:
        assert src.date is None and src.factors == []
        for r, c in _distinct_pixels(data, n=6):
            lon, lat = rasterio.transform.xy(transform, r, c)
            extent, px = _view_around(lon, lat, crs)
            picture = src.read(extent, 120, 120, crs)
            x, y = to_view.transform(lon, lat)
            col, row = int((x - extent[0]) / px), int((extent[3] - y) / px)
            assert picture[row, col, :3].tolist() == data[:3, r, c].tolist()
    dem = REAL / "srtm_41_19_4326.tif"  # float32 heights with a nodata value: grey, higher brighter
    with rasterio.open(dem) as ds:
        heights = ds.read(1)
    with open_raster(dem) as src:
        picture = src.read(src.bounds, heights.shape[1], heights.shape[0], 4326)
    valid = heights < 1e30
    grey = picture[..., 0].astype(float)
    assert (picture[..., 3][valid] == 255).all()
    assert np.corrcoef(grey[valid], np.clip(heights[valid], *np.percentile(heights[valid], [2, 98])))[0, 1] > 0.99


def test_a_view_far_larger_than_the_file_still_shows_it():
    """A 6000 km view around the town (beyond where transverse Mercator means anything) is cut to
    the photo's extent before it is transformed: the photo, averaged, is the pixel at its centre."""
    with open_raster(CUT) as src, rasterio.open(CUT) as ds:
        lon, lat = (src.bounds[0] + src.bounds[2]) / 2, (src.bounds[1] + src.bounds[3]) / 2
        mean = ds.read([1, 2, 3]).reshape(3, -1).mean(axis=1)
        for crs in (GK_CGCS2000_21E, CRS.from_epsg(32734)):
            x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
            picture = src.read((x - 3e6, y - 3e6, x + 3e6, y + 3e6), 601, 601, crs)
            assert np.abs(picture[300, 300, :3] - mean).max() < 4 and picture[300, 300, 3] == 255
            assert picture[..., 3].sum() == 255  # one pixel: the file is far smaller than one


def test_a_rotated_geotransform(tmp_path, source_pixels):
    """An image whose geotransform turns it by 30 degrees: its pixels are found where the
    transform puts them."""
    from affine import Affine

    data, transform = source_pixels
    rotated = transform * Affine.rotation(30)  # about the top-left corner
    path = tmp_path / "rotated.tif"
    with rasterio.open(CUT) as ds:
        prof = ds.profile
    prof.update(transform=rotated, tiled=False)
    prof.pop("blockxsize"), prof.pop("blockysize")
    with rasterio.open(path, "w", **prof) as out:
        out.write(data)
    with open_raster(path) as src:
        for r, c in _distinct_pixels(data, n=4):
            x, y = rotated * (c + 0.5, r + 0.5)
            h = 0.0003
            picture = src.read((x - h, y - h, x + h, y + h), 61, 61, 4326)
            assert picture[30, 30, :3].tolist() == data[:3, r, c].tolist()


def test_each_thread_reads_with_pyproj_objects_of_its_own():
    """A CRS made on one thread (the GUI's) is never handed to PROJ on another (the render's):
    to_pyproj remakes it there, once per thread."""
    from gisdesk.io.raster_common import to_pyproj

    mine = CRS.from_epsg(32734)
    assert to_pyproj(mine) is to_pyproj(mine)  # cached per thread
    seen = {}

    def other():
        seen["crs"] = to_pyproj(mine)
        seen["again"] = to_pyproj(mine)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen["crs"] is not mine and seen["crs"] is seen["again"] and seen["crs"] == mine
