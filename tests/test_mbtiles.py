"""gisdesk.io.mbtiles on a cut-out of the real Swellendam aerial MBTiles (PNG, zoom 12-14 and 16)
and the real TileMill file open-streets-dc (WebP tiles, `tiles` a view)."""

from __future__ import annotations

import io
import shutil
import sqlite3
import threading
from pathlib import Path

import mercantile
import numpy as np
import pytest
from PIL import Image
from pyproj import CRS, Transformer

from gisdesk.errors import InputError
from gisdesk.i18n import set_language
from gisdesk.io.mbtiles import MBTilesSource, tile_format, zoom_resolution
from gisdesk.io.raster import open_raster

DATA = Path(__file__).parent / "data" / "raster"
SWELLENDAM = DATA / "swellendam_3420B_cut.mbtiles"
SWELLENDAM_TIF = DATA / "swellendam_3420B_cut.tif"
DC = DATA / "open-streets-dc.mbtiles"


def _stored_tiles(path, z=None):
    """{(z, x, y XYZ): decoded RGBA} read straight from the file, flipping the TMS row here."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        query = "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"
        rows = con.execute(query + (" WHERE zoom_level = ?" if z is not None else ""),
                           (() if z is None else (z,))).fetchall()
    finally:
        con.close()
    return {(zz, x, 2 ** zz - 1 - r): np.asarray(Image.open(io.BytesIO(data)).convert("RGBA")) for zz, x, r, data in rows}


def test_metadata_of_the_swellendam_cut():
    with open_raster(SWELLENDAM) as src:
        assert isinstance(src, MBTilesSource) and src.provider == "mbtiles"
        assert src.crs.to_epsg() == 3857
        assert src.format == "png" and src.tile_size == 256
        assert src.zooms == [12, 13, 14, 16] and (src.minzoom, src.maxzoom) == (12, 16)
        assert src.lonlat_bounds == pytest.approx((20.498864782221741, -34.074834416499868, 20.526330602534241,
                                                   -33.998854091562208))
        west, south = mercantile.xy(20.498864782221741, -34.074834416499868)
        east, north = mercantile.xy(20.526330602534241, -33.998854091562208)
        assert src.bounds == pytest.approx((west, south, east, north))
        assert src.name.startswith("Swellendam aerial photo 3420B (2010)")
        assert src.date is None  # no 'date' in the metadata


def test_metadata_without_zooms_or_bounds_comes_from_the_tiles(tmp_path):
    path = tmp_path / "bare.mbtiles"
    shutil.copy(SWELLENDAM, path)
    con = sqlite3.connect(path)
    con.execute("DELETE FROM metadata WHERE name IN ('minzoom', 'maxzoom', 'bounds', 'format')")
    con.execute("INSERT INTO metadata VALUES ('date', '2010-03')")
    con.commit()
    con.close()
    with open_raster(path) as src:
        assert (src.minzoom, src.maxzoom) == (12, 16)
        assert src.date == "2010-03"
        z16 = [t for t in _stored_tiles(path, 16)]
        boxes = [mercantile.bounds(x, y, z) for z, x, y in z16]
        expected = (min(b.west for b in boxes), min(b.south for b in boxes), max(b.east for b in boxes),
                    max(b.north for b in boxes))
        assert src.lonlat_bounds == pytest.approx(expected)


def test_a_tile_lands_at_its_mercantile_bounds_tms_flipped():
    stored = _stored_tiles(SWELLENDAM, 16)
    assert len(stored) == 4
    with open_raster(SWELLENDAM) as src:
        for (z, x, y), tile in stored.items():
            picture = src.read(tuple(mercantile.xy_bounds(x, y, z)), 256, 256, 3857)
            assert src.last_read["zoom"] == 16
            assert np.array_equal(picture, tile), (x, y)
            # the unflipped row is another place, with no tile in this file
            wrong = mercantile.xy_bounds(x, 2 ** z - 1 - y, z)
            assert (src.read(tuple(wrong), 64, 64, 3857) == 0).all()


def test_the_tiles_show_the_same_place_as_the_geotiff():
    """Independent of the tile arithmetic: the MBTiles was rendered from the aerial photo, so the
    picture of one extent read from both sources agrees where both have data."""
    with open_raster(SWELLENDAM) as tiles, open_raster(SWELLENDAM_TIF) as photo:
        crs = CRS.from_epsg(32734)
        xmin, ymin, xmax, ymax = photo.extent_in(crs)
        extent = (xmin + 60, ymin + 60, xmin + 360, ymin + 360)
        a = tiles.read(extent, 150, 150, crs).astype(float)
        assert tiles.last_read["zoom"] == 16
        b = photo.read(extent, 150, 150, crs).astype(float)
        both = (a[..., 3] == 255) & (b[..., 3] == 255)
        assert both.mean() > 0.5
        ga, gb = a[..., :3].mean(axis=2)[both], b[..., :3].mean(axis=2)[both]
        assert np.corrcoef(ga, gb)[0, 1] > 0.8
        assert np.abs(ga - gb).mean() < 20
        shifted = photo.read((extent[0] + 20, extent[1], extent[2] + 20, extent[3]), 150, 150, crs).astype(float)
        both_s = (a[..., 3] == 255) & (shifted[..., 3] == 255)
        gs = shifted[..., :3].mean(axis=2)[both_s]
        assert np.corrcoef(a[..., :3].mean(axis=2)[both_s], gs)[0, 1] < 0.6  # 20 m off does not match


def test_a_pixel_lands_at_its_lon_lat_in_utm():
    stored = _stored_tiles(SWELLENDAM, 16)
    to_utm = Transformer.from_crs(4326, 32734, always_xy=True)
    with open_raster(SWELLENDAM) as src:
        for (z, x, y), tile in list(stored.items())[:2]:
            b = mercantile.xy_bounds(x, y, z)
            px = (b.right - b.left) / 256
            for r, c in [(40, 40), (128, 200), (220, 90)]:
                mx, my = b.left + (c + 0.5) * px, b.top - (r + 0.5) * px
                lon, lat = mercantile.lnglat(mx, my)
                ux, uy = to_utm.transform(lon, lat)
                extent = (ux - 25, uy - 25, ux + 25, uy + 25)
                picture = src.read(extent, 100, 100, 32734)
                assert picture[50, 50].tolist() == tile[r, c].tolist()


def test_over_zoom_scales_up_the_deepest_tiles():
    (z, x, y), tile = next(iter(_stored_tiles(SWELLENDAM, 16).items()))
    b = mercantile.xy_bounds(x, y, z)
    quarter = (b.right - b.left) / 4
    with open_raster(SWELLENDAM) as src:
        # the tile's top-left quarter at 256 px: zoom 18's resolution, 4 view pixels per tile pixel
        picture = src.read((b.left, b.top - quarter, b.left + quarter, b.top), 256, 256, 3857)
        assert src.last_read["zoom"] == 16 and src.last_read["overzoom"]
        rows, cols = np.mgrid[0:256, 0:256]
        assert np.array_equal(picture, tile[rows // 4, cols // 4])


def test_the_zoom_for_the_view():
    with open_raster(SWELLENDAM) as src:
        assert src.zoom_for(zoom_resolution(14)) == 14
        assert src.zoom_for(zoom_resolution(14) * 1.5) == 14  # coarser than 14, finer than 13: 14
        assert src.zoom_for(zoom_resolution(13)) == 13
        assert src.zoom_for(zoom_resolution(15)) == 16  # no zoom 15 in the cut: the next deeper
        assert src.zoom_for(zoom_resolution(19)) == 16  # over-zoom
        assert src.zoom_for(zoom_resolution(9)) == 12  # never coarser than the least zoom
        view = src.bounds
        src.read(view, int((view[2] - view[0]) / zoom_resolution(13)), int((view[3] - view[1]) / zoom_resolution(13)), 3857)
        assert src.last_read["zoom"] == 13


def test_missing_tiles_are_transparent():
    stored = _stored_tiles(SWELLENDAM, 16)
    xs = sorted({x for _, x, _ in stored})
    ys = sorted({y for _, _, y in stored})
    with open_raster(SWELLENDAM) as src:
        left = mercantile.xy_bounds(xs[0] - 1, ys[0], 16)  # west of the cut: no tile there
        inside = mercantile.xy_bounds(xs[0], ys[0], 16)
        picture = src.read((left.left, left.bottom, inside.right, inside.top), 512, 256, 3857)
        assert (picture[:, :256, 3] == 0).all() and (picture[:, :256, :3] == 0).all()
        assert (picture[:, 256:, 3] == 255).all()
        assert src.last_read["missing"] == 1


def test_webp_tiles_in_a_tilemill_view():
    with open_raster(DC) as src:
        assert src.format == "webp" and src.claimed_format is None
        assert src.zooms == list(range(7, 13)) and (src.minzoom, src.maxzoom) == (7, 12)
        assert src.name == "Open Streets, DC" and "OpenStreetMap" in src.attribution
        assert src.lonlat_bounds == pytest.approx((-77.1408, 38.779, -76.893, 39.0088))
        con = sqlite3.connect(f"file:{DC}?mode=ro", uri=True)
        assert con.execute("SELECT type FROM sqlite_master WHERE name = 'tiles'").fetchone()[0] == "view"
        con.close()
        stored = _stored_tiles(DC, 12)
        assert len(stored) == 16
        raw = src.tile_bytes(12, 1171, 2 ** 12 - 1 - 2528)
        assert raw[:4] == b"RIFF" and raw[8:12] == b"WEBP" and tile_format(raw) == "webp"
        for (z, x, y), tile in list(stored.items())[:4]:
            picture = src.read(tuple(mercantile.xy_bounds(x, y, z)), 256, 256, 3857)
            assert np.array_equal(picture, tile)
            assert tile[..., :3].std() > 5  # a street map, not a blank tile


def test_tiles_decode_by_their_bytes_not_the_metadata(tmp_path):
    """PNG tiles re-encoded as JPEG and WebP under a metadata format of 'png' read the same place."""
    stored = _stored_tiles(SWELLENDAM, 16)
    for fmt, tolerance in [("JPEG", 12), ("WEBP", 0)]:
        path = tmp_path / f"{fmt}.mbtiles"
        shutil.copy(SWELLENDAM, path)
        con = sqlite3.connect(path)
        for z, x, r, data in con.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles").fetchall():
            image = Image.open(io.BytesIO(data)).convert("RGB")
            out = io.BytesIO()
            image.save(out, fmt, quality=95, **({"lossless": True} if fmt == "WEBP" else {}))
            con.execute("UPDATE tiles SET tile_data = ? WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                        (out.getvalue(), z, x, r))
        con.execute("UPDATE metadata SET value = 'png' WHERE name = 'format'")
        con.commit()
        con.close()
        with open_raster(path) as src:
            assert src.format == ("jpg" if fmt == "JPEG" else "webp") and src.claimed_format == "png"
            for (z, x, y), tile in stored.items():
                picture = src.read(tuple(mercantile.xy_bounds(x, y, z)), 256, 256, 3857).astype(int)
                assert np.abs(picture[..., :3] - tile[..., :3].astype(int)).mean() <= max(tolerance / 3, 0)
                assert (picture[..., 3] == 255).all()


def test_the_cache_decodes_a_tile_once_and_stays_bounded():
    with MBTilesSource(SWELLENDAM, cache_mb=64) as src:
        (z, x, y) = sorted(_stored_tiles(SWELLENDAM, 16))[0]
        b = mercantile.xy_bounds(x, y, z)
        w = b.right - b.left
        src.read((b.left, b.bottom, b.right, b.top), 256, 256, 3857)
        decoded = src.cache.misses
        for step in range(1, 5):  # a pan within the same tiles
            src.read((b.left + step * w / 10, b.bottom, b.right + step * w / 10, b.top), 256, 256, 3857)
        assert src.cache.misses - decoded <= 2  # only the neighbours brought in (present or missing)
        assert src.cache.hits >= 4
    with MBTilesSource(SWELLENDAM, cache_mb=0.6) as small:  # room for two 256 KB tiles
        for (z, x, y) in _stored_tiles(SWELLENDAM):
            small.tile(z, x, y)
        assert len(small.cache) <= 2 and small.cache.bytes <= 0.6 * 1024 * 1024


def test_reads_from_several_threads_agree():
    with open_raster(DC) as src:
        views = []
        x0, y0, x1, y1 = src.bounds
        for i in range(6):
            f = i / 10
            views.append(((x0 + f * (x1 - x0) / 2, y0, x0 + (0.5 + f) * (x1 - x0), y1), 200, 300))
        expected = [src.read(e, w, h, 3857) for e, w, h in views]
        got, errors = {}, []

        def work(k):
            try:
                for i, (e, w, h) in enumerate(views):
                    got[(k, i)] = src.read(e, w, h, 3857)
            except Exception as exc:  # re-raised in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        for (k, i), picture in got.items():
            assert np.array_equal(picture, expected[i])


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language(None)


def test_refusals(tmp_path, english):
    gpkg = tmp_path / "project.gpkg"
    con = sqlite3.connect(gpkg)
    con.execute("CREATE TABLE gpkg_contents (table_name TEXT)")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="not an MBTiles file.*GeoPackage") as info:
        open_raster(gpkg)
    assert str(gpkg) in str(info.value)
    damaged = tmp_path / "damaged.mbtiles"
    damaged.write_bytes(SWELLENDAM.read_bytes()[:100] + b"\x00garbage" * 200)
    with pytest.raises(InputError, match="damaged") as info:
        open_raster(damaged)
    assert str(damaged) in str(info.value)
    vector = tmp_path / "vector.mbtiles"
    shutil.copy(SWELLENDAM, vector)
    con = sqlite3.connect(vector)
    con.execute("UPDATE metadata SET value = 'pbf' WHERE name = 'format'")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="vector tiles"):
        open_raster(vector)
    empty = tmp_path / "empty.mbtiles"
    shutil.copy(SWELLENDAM, empty)
    con = sqlite3.connect(empty)
    con.execute("DELETE FROM tiles")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="no tiles"):
        open_raster(empty)


REAL = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/realdata is not here")
def test_the_whole_real_mbtiles_agrees_with_the_photo_it_was_made_from():
    import random

    tiles = REAL / "mbtiles" / "swellendam_aerial_3420B.mbtiles"
    photo = REAL / "swellendam-qgis-training" / "raster" / "3420B_2010_328_RGB_LATLNG.tif"
    crs = CRS.from_epsg(32734)
    rnd = random.Random(7)
    with open_raster(tiles) as mb, open_raster(photo) as tif:
        assert mb.zooms == [12, 13, 14, 15, 16] and mb.format == "png"
        x0, y0, x1, y1 = tif.extent_in(crs)
        agree = 0
        for _ in range(8):
            cx, cy = rnd.uniform(x0 + 300, x1 - 300), rnd.uniform(y0 + 300, y1 - 300)
            extent = (cx - 200, cy - 200, cx + 200, cy + 200)
            a = mb.read(extent, 160, 160, crs).astype(float)
            assert mb.last_read["zoom"] == 16
            b = tif.read(extent, 160, 160, crs).astype(float)
            both = (a[..., 3] == 255) & (b[..., 3] == 255)
            if both.mean() < 0.5:
                continue
            ga, gb = a[..., :3].mean(axis=2)[both], b[..., :3].mean(axis=2)[both]
            assert np.corrcoef(ga, gb)[0, 1] > 0.8
            agree += 1
        assert agree >= 6


def test_xyz_rows_and_512_px_tiles(tmp_path):
    """A file that says scheme = xyz keeps its rows as they are; 512 px tiles are read at their
    size (the zoom for a view counts 512 px tiles)."""
    stored = _stored_tiles(SWELLENDAM)
    xyz = tmp_path / "xyz.mbtiles"
    shutil.copy(SWELLENDAM, xyz)
    con = sqlite3.connect(xyz)
    con.execute("UPDATE tiles SET tile_row = (1 << zoom_level) - 1 - tile_row")
    con.execute("INSERT INTO metadata VALUES ('scheme', 'xyz')")
    con.commit()
    con.close()
    big = tmp_path / "big.mbtiles"
    shutil.copy(SWELLENDAM, big)
    con = sqlite3.connect(big)
    for z, x, r, data in con.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles").fetchall():
        out = io.BytesIO()
        Image.open(io.BytesIO(data)).convert("RGBA").resize((512, 512), Image.Resampling.NEAREST).save(out, "PNG")
        con.execute("UPDATE tiles SET tile_data = ? WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                    (out.getvalue(), z, x, r))
    con.commit()
    con.close()
    with open_raster(xyz) as a, open_raster(big) as b:
        assert a.xyz_rows and not b.xyz_rows and b.tile_size == 512
        assert a.lonlat_bounds == pytest.approx(open_raster(SWELLENDAM).lonlat_bounds)
        for (z, x, y), tile in stored.items():
            if z != 16:
                continue
            extent = tuple(mercantile.xy_bounds(x, y, z))
            assert np.array_equal(a.read(extent, 256, 256, 3857), tile)
            assert np.array_equal(b.read(extent, 512, 512, 3857), np.repeat(np.repeat(tile, 2, axis=0), 2, axis=1))
            assert b.last_read["zoom"] == 16
        b.read(b.bounds, int((b.bounds[2] - b.bounds[0]) / zoom_resolution(13, 512)) + 1, 300, 3857)
        assert b.last_read["zoom"] == 13
