"""Makes the broken sources of this folder (run from the repository root:
`.venv/bin/python tests/data/bad/make_bad.py`). Each is a tiny copy of one valid layer — five
buildings in CGCS2000 3° GK CM 120°E (EPSG:4549) — broken in one way; `water/` is the real corrupt
shapefile of the QGIS training data (see tests/data/README.md). tests/test_bad_sources.py imports
each and expects a one-line refusal naming it, with the project left byte-identical."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import struct
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

HERE = Path(__file__).resolve().parent
WATER = Path("/work/shared/realdata/swellendam-qgis-training/shapefile")


def good(n: int = 5) -> gpd.GeoDataFrame:
    boxes = [shapely.box(500000 + 30 * i, 3400000, 500020 + 30 * i, 3400015 + i) for i in range(n)]
    return gpd.GeoDataFrame({"name": [f"楼{i + 1}" for i in range(n)], "floors": list(range(1, n + 1))},
                            geometry=boxes, crs="EPSG:4549")


def shapefile(folder: str, n: int = 5) -> Path:
    target = HERE / folder
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    path = target / "buildings.shp"
    good(n).to_file(path, driver="ESRI Shapefile", encoding="UTF-8")
    return path


def cut(path: Path, size: int) -> None:
    path.write_bytes(path.read_bytes()[:size])


def patch(path: Path, at: int, data: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[at:at + len(data)] = data
    path.write_bytes(bytes(raw))


def record_offsets(shp: Path) -> list[tuple[int, int]]:
    shx = shp.with_suffix(".shx").read_bytes()
    return [(o * 2, n * 2) for o, n in struct.iter_unpack(">ii", shx[100:])]


def write(name: str, data: bytes | str) -> None:
    path = HERE / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def geojson(features) -> str:
    return json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:4549"}},
                       "features": features}, allow_nan=True)


def feature(coords, name="楼"):
    return {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": coords}}


def damaged_gpkg(name: str, *, silent: bool) -> None:
    """A GeoPackage of 300 buildings with 200 bytes in the middle of one page of its table overwritten:
    the first page (from the table's root on) at which pyogrio reads fewer rows (`silent`) or raises."""
    import pyogrio

    clean = HERE / "clean.gpkg"
    clean.unlink(missing_ok=True)
    good(300).to_file(clean, driver="GPKG", layer="buildings")
    with sqlite3.connect(clean) as db:
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'buildings'").fetchone()[0]
    data = clean.read_bytes()
    clean.unlink()
    target = HERE / name
    for page in range(root, len(data) // 4096):
        for at in (1000, 2000, 3000):
            raw = bytearray(data)
            raw[page * 4096 + at:page * 4096 + at + 200] = b"\xff" * 200
            target.write_bytes(bytes(raw))
            try:
                read = len(pyogrio.read_dataframe(target, use_arrow=True))
            except Exception:
                if not silent:
                    return
            else:
                if silent and read < 300:
                    return
    raise RuntimeError(f"no page found for {name}")


def main() -> None:
    ring = [[500000, 3400000], [500020, 3400000], [500020, 3400015], [500000, 3400015], [500000, 3400000]]

    # shapefiles
    shp = shapefile("truncated_shp")  # .shp cut in the middle of record 3
    offset, length = record_offsets(shp)[2]
    cut(shp, offset + 8 + length // 2)
    shp = shapefile("short_dbf")  # .dbf cut after 3 of its 5 records (header still says 5)
    dbf = shp.with_suffix(".dbf")
    header_length, record_length = struct.unpack("<HH", dbf.read_bytes()[8:12])
    cut(dbf, header_length + 3 * record_length)
    shp = shapefile("dbf_fewer_records")  # a consistent .dbf of 3 records beside a .shp of 5
    dbf = shp.with_suffix(".dbf")
    header_length, record_length = struct.unpack("<HH", dbf.read_bytes()[8:12])
    cut(dbf, header_length + 3 * record_length)
    patch(dbf, 4, struct.pack("<I", 3))
    shp = shapefile("missing_shx")
    shp.with_suffix(".shx").unlink()
    shp = shapefile("missing_dbf")
    shp.with_suffix(".dbf").unlink()
    shp = shapefile("truncated_shx")  # .shx cut in the middle of its 4th entry
    cut(shp.with_suffix(".shx"), 100 + 3 * 8 + 4)
    shp = shapefile("wrong_magic")  # the .shp's file code is not 9994
    patch(shp, 0, struct.pack(">i", 1234))
    shp = shapefile("record_overrun")  # the .shx gives record 4 a length beyond the end of the .shp
    patch(shp.with_suffix(".shx"), 100 + 3 * 8 + 4, struct.pack(">i", 100000))
    shp = shapefile("shifted_records")  # 8 bytes of record 2 lost: records 2-5 shift (what water.shp has)
    offset, length = record_offsets(shp)[1]
    raw = shp.read_bytes()
    shp.write_bytes(raw[:offset + 40] + raw[offset + 48:])
    shp = shapefile("empty_shp")  # a 0-byte .shp beside its .shx and .dbf
    shp.write_bytes(b"")
    shp = shapefile("garbage_prj")
    shp.with_suffix(".prj").write_text("这不是坐标系 PROJCS[garbage", encoding="utf-8")
    shp = shapefile("points_count_garbage")  # record 2's part count is negative
    offset, _ = record_offsets(shp)[1]
    patch(shp, offset + 44, struct.pack("<i", -7))

    shp = shapefile("header_only_shp")  # the .shp's 100-byte header and no records; .shx and .dbf have 5
    cut(shp, 100)
    write("garbage.kmz", b"PK\x03\x04" + bytes((i * 53 + 3) % 256 for i in range(300)))
    shp = shapefile("empty_dbf")  # a 0-byte .dbf
    shp.with_suffix(".dbf").write_bytes(b"")
    shp = shapefile("empty_shx")  # a 0-byte .shx
    shp.with_suffix(".shx").write_bytes(b"")
    shp = shapefile("wrong_shape_type")  # record 4 says it is a point in a polygon file
    offset, _ = record_offsets(shp)[3]
    patch(shp, offset + 8, struct.pack("<i", 1))
    shp = shapefile("dbf_header_beyond_file")  # the .dbf header claims to be longer than the file
    patch(shp.with_suffix(".dbf"), 8, struct.pack("<H", 60000))

    # zipped shapefiles: one cut in the middle of record 3, one without its .dbf
    for name, broken in (("truncated_shp.zip", "truncated_shp"), ("missing_dbf.zip", "missing_dbf")):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for part in sorted((HERE / broken).iterdir()):
                archive.write(part, part.name)
        write(name, buffer.getvalue())

    # a zip without a shapefile, and a zip that is no zip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("说明.txt", "这里没有 shapefile\n")
    write("no_shapefile.zip", buffer.getvalue())
    write("not_a_zip.zip", b"PK\x03\x04" + bytes(range(256)) * 2)

    # GeoJSON
    write("garbage.geojson", bytes((i * 37 + 11) % 256 for i in range(600)))
    write("empty.geojson", b"")
    write("zero_features.geojson", geojson([]))
    text = geojson([feature([ring], f"楼{i}") for i in range(5)])
    write("truncated.geojson", text[:len(text) * 2 // 3])
    nan_ring = [list(p) for p in ring]
    nan_ring[2] = [float("nan"), 3400015]
    write("nan_coords.geojson", geojson([feature([ring], "楼1"), feature([nan_ring], "楼2")]))
    inf_ring = [list(p) for p in ring]
    inf_ring[1] = [500020, 1e999]
    write("infinite_coords.geojson", geojson([feature([ring], "楼1"), feature([inf_ring], "楼2")]).replace(
        "Infinity", "1e999"))
    write("not_geojson.geojson", json.dumps({"type": "FeatureCollection", "features": "none"}))
    write("unknown_geometry_type.geojson", geojson([feature([ring], "楼1"), {
        "type": "Feature", "properties": {"name": "楼2"}, "geometry": {"type": "Banana", "coordinates": [1, 2]}}]))
    write("text_coordinates.geojson", geojson([feature([ring], "楼1"), feature([[["a", "b"], ["c", "d"], ["e", "f"],
                                                                                 ["a", "b"]]], "楼2")]))
    write("bom_garbage.geojson", b"\xef\xbb\xbf{\"type\": \"FeatureCollection\", \"features\": [\x00\x01\x02")

    # KML
    kml = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
           + "".join(f"<Placemark><name>楼{i}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
                     f"120.{i},30.0 120.{i}1,30.0 120.{i}1,30.01 120.{i},30.0</coordinates></LinearRing>"
                     f"</outerBoundaryIs></Polygon></Placemark>" for i in range(1, 6)) + "</Document></kml>")
    write("truncated.kml", kml[:len(kml) // 2])
    write("garbage.kml", bytes((i * 91 + 7) % 256 for i in range(400)))

    # GeoPackage
    damaged_gpkg("damaged_page.gpkg", silent=True)  # GDAL reads part of it without a word
    damaged_gpkg("damaged_page_raises.gpkg", silent=False)  # GDAL's fast read raises
    gpkg = HERE / "truncated.gpkg"
    gpkg.unlink(missing_ok=True)
    good(300).to_file(gpkg, driver="GPKG", layer="buildings")
    cut(gpkg, gpkg.stat().st_size // 2)
    write("not_sqlite.gpkg", "SQLite format 3\0 but only a text file that says so\n")
    gpkg = HERE / "unreadable_blob.gpkg"  # feature 4's geometry blob is a GeoPackage header and garbage
    gpkg.unlink(missing_ok=True)
    good(10).to_file(gpkg, driver="GPKG", layer="buildings")
    with sqlite3.connect(gpkg) as db:
        for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f'DROP TRIGGER "{trigger}"')  # GDAL's triggers call SpatiaLite functions
        db.execute("UPDATE buildings SET geom = X'47500003E6100000DEADBEEF' WHERE fid = 4")
    for leftover in HERE.glob("*.gpkg-*"):
        leftover.unlink()

    # the real corrupt shapefile (shape 31 onwards cut off, .shx longer than .dbf)
    water = HERE / "water"
    shutil.rmtree(water, ignore_errors=True)
    water.mkdir()
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        shutil.copyfile(WATER / f"water{suffix}", water / f"water{suffix}")

    # CAD drawings (gisdesk/io/dxf.py): five buildings on the CAD layer 建筑 (zone-40 eastings), broken
    dxf_drawings()

    # found by the fuzz run (fuzz/, scripts/fuzz.sh)
    fuzz_found()

    # KML, KMZ and File GDB (tests/test_import_formats.py)
    kml_kmz_gdb()


def dxf_drawings() -> None:
    """Broken DXF: cut off mid-file, junk under the binary DXF signature, an empty model space, entities
    only on CAD layers mapped to no kind, and only entities that give no feature (a dimension)."""
    import ezdxf

    doc = ezdxf.new("R2000")
    for i in range(5):
        x = 40_500_000 + 30 * i
        doc.modelspace().add_lwpolyline([(x, 3_400_000), (x + 20, 3_400_000), (x + 20, 3_400_015), (x, 3_400_015)],
                                        close=True, dxfattribs={"layer": "建筑"})
    buffer = io.StringIO()
    doc.write(buffer)
    text = buffer.getvalue().encode("utf-8")
    write("dxf_truncated.dxf", text[: len(text) * 3 // 5])
    write("dxf_binary_junk.dxf", b"AutoCAD Binary DXF\r\n\x1a\x00" + bytes((i * 71 + 5) % 256 for i in range(500)))
    empty = ezdxf.new("R2000")
    empty.saveas(HERE / "dxf_no_entities.dxf")
    unmapped = ezdxf.new("R2000")
    unmapped.modelspace().add_line((40_500_000, 3_400_000), (40_500_100, 3_400_000), dxfattribs={"layer": "0"})
    unmapped.modelspace().add_text("说明", dxfattribs={"layer": "标注", "insert": (40_500_000, 3_400_010)})
    unmapped.saveas(HERE / "dxf_unmapped_layers.dxf")
    dims = ezdxf.new("R2000", setup=True)
    dims.modelspace().add_linear_dim(base=(40_500_000, 3_400_020), p1=(40_500_000, 3_400_000),
                                     p2=(40_500_020, 3_400_000), dxfattribs={"layer": "建筑"}).render()
    dims.saveas(HERE / "dxf_only_dimensions.dxf")


def fuzz_found() -> None:
    """Inputs the fuzz run (fuzz/README.md) found ending in 内部错误, each cut down by hand: a shapefile
    without its .dbf whose .prj is cut after 6 bytes or holds bytes that are not UTF-8 (fiona's CRS
    lookup raised while the record-by-record read looked for the break), and GeoPackages whose
    gpkg_contents names a table that does not exist (GDAL read its layer as a table without geometry),
    whose geometry column is missing, or whose cached feature count is far beyond its rows."""
    shp = shapefile("fuzz_missing_dbf_cut_prj")
    shp.with_suffix(".dbf").unlink()
    cut(shp.with_suffix(".prj"), 6)
    shp = shapefile("fuzz_missing_dbf_prj_not_utf8")
    shp.with_suffix(".dbf").unlink()
    prj = shp.with_suffix(".prj").read_bytes()
    shp.with_suffix(".prj").write_bytes(prj[:28] + "中文".encode("gbk") + prj[28:])
    gpkg = HERE / "fuzz_no_geometry_column.gpkg"
    gpkg.unlink(missing_ok=True)
    good(10).to_file(gpkg, driver="GPKG", layer="buildings")
    with sqlite3.connect(gpkg) as db:
        db.execute("UPDATE gpkg_contents SET table_name = '0'")
    # an emptied table whose gpkg_geometry_columns names a column it lacks (fiona could not even start its
    # record-by-record read), and a cached feature count of 808,669,066 beside 10 rows (the check listed every
    # missing record: MemoryError)
    for name, sqls in (("fuzz_geometry_column_missing.gpkg", ("DELETE FROM buildings",
                                                              "UPDATE gpkg_geometry_columns SET column_name = '0'")),
                       ("fuzz_feature_count_wrong.gpkg", ("UPDATE gpkg_ogr_contents SET feature_count = 808669066",))):
        gpkg = HERE / name
        gpkg.unlink(missing_ok=True)
        good(10).to_file(gpkg, driver="GPKG", layer="buildings")
        with sqlite3.connect(gpkg) as db:
            for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                db.execute(f'DROP TRIGGER "{trigger}"')
            for sql in sqls:
                db.execute(sql)
    for leftover in HERE.glob("*.gpkg-*"):
        leftover.unlink()
    # a GeoJSON saved in GBK (GDAL passed its bytes on as UTF-8: ArrowInvalid / a failed write of the project)
    # (names whose GBK bytes are not UTF-8 by chance: 楼1 in GBK, C2 A5 31, is UTF-8 for ¥1)
    gbk = good().to_crs(4490)
    gbk["name"] = [f"违法建设{i + 1}号" for i in range(len(gbk))]
    data = gbk.to_json(ensure_ascii=False).encode("gb18030")
    assert not _is_utf8(data)
    write("fuzz_gbk.geojson", data)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True



def kml_kmz_gdb() -> None:
    """Broken KML, KMZ and File GDB: five placemarks (polygons at 120.1°E 30°N named 蛇口违法建筑1–5),
    and the real Taipei footprints of tests/data/taipei_buildings.geojson in a File GDB (layer footprints, 50)."""
    ring = "120.1,30.0 120.11,30.0 120.11,30.01 120.1,30.0"

    def kml(placemarks) -> str:
        return ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                + "".join(f"<Placemark><name>蛇口违法建筑{i}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
                          f"{coords}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
                          for i, coords in enumerate(placemarks, start=1)) + "</Document></kml>")

    good = kml([ring] * 5)
    write("kml_text_coordinates.kml", kml([ring, "a,b c,d e,f a,b", ring]))  # GDAL: an empty polygon
    write("kml_nan_coordinates.kml", kml([ring, "nan,30 120.11,30.0 120.11,30.01 nan,30"]))
    write("kml_gbk_declared_utf8.kml", good.encode("gbk"))  # GBK bytes under <?xml encoding="UTF-8"?>
    write("kml_empty_document.kml", kml([]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("images/photo.png", b"\x89PNG\r\n\x1a\n" + bytes(100))
    write("kmz_without_kml.kmz", buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", good)
    write("kmz_truncated.kmz", buffer.getvalue()[:len(buffer.getvalue()) * 2 // 3])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", good[:len(good) // 2])
    write("kmz_doc_cut_off.kmz", buffer.getvalue())

    for name in ("gdb_table_cut.gdb", "gdb_garbage_table.gdb", "gdb_empty_folder.gdb", "taipei.gdb"):
        shutil.rmtree(HERE / name, ignore_errors=True)
    gdb = HERE / "taipei.gdb"  # one layer, so that the import needs no --layer
    gpd.read_file(HERE.parent / "taipei_buildings.geojson").to_file(gdb, driver="OpenFileGDB", layer="footprints")
    shutil.copytree(gdb, HERE / "gdb_table_cut.gdb")  # the footprints' table cut in half
    table = max((HERE / "gdb_table_cut.gdb").glob("*.gdbtable"), key=lambda t: t.stat().st_size)
    cut(table, table.stat().st_size // 2)
    shutil.copytree(gdb, HERE / "gdb_garbage_table.gdb")  # 600 bytes of its records overwritten
    table = max((HERE / "gdb_garbage_table.gdb").glob("*.gdbtable"), key=lambda t: t.stat().st_size)
    patch(table, 2000, bytes((i * 57 + 5) % 256 for i in range(600)))
    (HERE / "gdb_empty_folder.gdb").mkdir()  # a .gdb folder holding only an empty "gdb" file
    (HERE / "gdb_empty_folder.gdb" / "gdb").write_bytes(b"")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted((HERE / "gdb_table_cut.gdb").iterdir()):
            archive.write(part, f"gdb_table_cut.gdb/{part.name}")
    write("gdb_table_cut.gdb.zip", buffer.getvalue())
    shutil.rmtree(gdb)


if __name__ == "__main__":
    main()
