"""Small valid inputs the mutations start from: the real GBK road shapefile of Xi'an and the
Snezhinsk roads (tests/data), and hand-made five-building layers (tests/data/bad/make_bad.py's
good layer) as shapefiles (UTF-8 with .cpg, GBK without, LDID 0), a GeoPackage, GeoJSON, CSV
and XLSX ledgers, and the default rule file."""

from __future__ import annotations

import functools
import io
import json
import struct
import tempfile
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def good(n: int = 5) -> gpd.GeoDataFrame:
    """Five buildings in CGCS2000 3° GK CM 120°E (as tests/data/bad/make_bad.py makes them)."""
    boxes = [shapely.box(500000 + 30 * i, 3400000, 500020 + 30 * i, 3400015 + i) for i in range(n)]
    return gpd.GeoDataFrame({"name": [f"楼{i + 1}" for i in range(n)], "floors": list(range(1, n + 1)),
                             "NAME2": ["幢" * (i + 1) for i in range(n)]}, geometry=boxes, crs="EPSG:4549")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@functools.cache
def shapefiles() -> tuple[tuple[str, tuple[tuple[str, bytes], ...]], ...]:
    """(source name, ((file name, bytes), ...)) of each shapefile seed."""
    seeds = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "utf8").mkdir()
        good().to_file(tmp / "utf8" / "楼.shp", driver="ESRI Shapefile", encoding="UTF-8")
        seeds.append(("楼.shp", _files(tmp / "utf8")))
        (tmp / "gbk").mkdir()
        good().to_file(tmp / "gbk" / "buildings.shp", driver="ESRI Shapefile", encoding="GBK")
        (tmp / "gbk" / "buildings.cpg").unlink(missing_ok=True)
        dbf = tmp / "gbk" / "buildings.dbf"
        raw = bytearray(dbf.read_bytes())
        raw[29] = 0  # no code page: the common Chinese case
        dbf.write_bytes(bytes(raw))
        seeds.append(("buildings.shp", _files(tmp / "gbk")))
        (tmp / "lines").mkdir()
        gpd.GeoDataFrame({"道路等级": ["主干路", "支路"], "名称": ["长安路", "小寨路"]},
                         geometry=[shapely.LineString([(500000, 3400000), (500100, 3400050)]),
                                   shapely.LineString([(500000, 3400100), (500000, 3400200), (500050, 3400300)])],
                         crs="EPSG:4549").to_file(tmp / "lines" / "roads.shp", driver="ESRI Shapefile",
                                                  encoding="UTF-8")
        seeds.append(("roads.shp", _files(tmp / "lines")))
        (tmp / "points").mkdir()
        gpd.GeoDataFrame({"编号": ["A1", "A2", "A3"]}, geometry=shapely.points([(500000, 3400000), (500010, 3400010),
                                                                               (500020, 3400020)]),
                         crs="EPSG:4549").to_file(tmp / "points" / "cases.shp", driver="ESRI Shapefile")
        seeds.append(("cases.shp", _files(tmp / "points")))
    xian = DATA / "xian_roads_gbk"
    seeds.append((next(xian.glob("*.shp")).name, _files(xian)))  # the real GBK file (with .cpg)
    return tuple((name, tuple(files.items())) for name, files in seeds)


def shp_record_offsets(shx: bytes) -> list[tuple[int, int]]:
    return [(o * 2, n * 2) for o, n in struct.iter_unpack(">ii", shx[100:100 + (len(shx) - 100) // 8 * 8])]


@functools.cache
def geopackage() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "buildings.gpkg"
        good(12).to_file(path, driver="GPKG", layer="buildings")
        return path.read_bytes()


@functools.cache
def geojsons() -> tuple[tuple[str, str], ...]:
    made = good().to_crs(4490).to_json(ensure_ascii=False)
    lines = (DATA / "snezhinsk_roads.geojson").read_text("utf-8")
    multi = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "M1", "name": "多部分"}, "geometry": {
            "type": "MultiPolygon", "coordinates": [[[[121.47, 31.23], [121.48, 31.23], [121.48, 31.24],
                                                      [121.47, 31.23]]],
                                                    [[[121.50, 31.23], [121.51, 31.23], [121.51, 31.24],
                                                      [121.50, 31.23]]]]}},
        {"type": "Feature", "properties": {"id": "P1", "name": "点"},
         "geometry": {"type": "Point", "coordinates": [121.47, 31.23]}}]}, ensure_ascii=False)
    return (("made.geojson", made), ("snezhinsk_roads.geojson", lines), ("multi.geojson", multi))


LEDGER_HEADER = ("编号", "经度", "纬度", "发现时间", "处置状态", "地址")
LEDGER_ROWS = (("WJ-2024-001", "121.4737", "31.2304", "2024-03-05", "待核查", "人民广场"),
               ("WJ-2024-002", "121°28′48.4″", "31°14′7.8″", "2024-03-06", "已立案", "南京东路"),
               ("WJ-2024-003", "东经121.5012", "北纬31.2441", "2024-04-01", "限期拆除", "外滩"))


@functools.cache
def xlsx(rows: tuple[tuple, ...] = (LEDGER_HEADER, *LEDGER_ROWS)) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    for row in rows:
        sheet.append(list(row))
    book.create_sheet("说明").append(["本表为示例"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@functools.cache
def default_rules() -> str:
    return (ROOT / "resources" / "rules" / "default.toml").read_text("utf-8")
