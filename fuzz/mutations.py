"""Hypothesis strategies that break the seeds the way files arrive broken: truncations, bit
flips, overwritten runs, header fields and record counts set to odd values, damaged pages and
altered tables of a GeoPackage, mutated JSON, tables in random encodings with odd coordinates,
TOML-ish rule text."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import sqlite3
import struct

from hypothesis import strategies as st

from fuzz import seeds
from fuzz.harness import Case

INTERESTING = (0, 1, -1, 2, 3, 4, 5, 7, 8, 9994, 1000, 255, 256, 32767, 32768, 65535, 65536, 2 ** 31 - 1,
               -2 ** 31, 2 ** 32 - 1, 2 ** 24, -7)
ODD_DOUBLES = (math.nan, math.inf, -math.inf, 0.0, -0.0, 1e308, -1e308, 5e-324, 1e20, 500000.0, 3400000.0)
_RANGES = {"B": (0, 255), "<H": (0, 65535), ">H": (0, 65535), "<I": (0, 2 ** 32 - 1), ">I": (0, 2 ** 32 - 1),
           "<i": (-2 ** 31, 2 ** 31 - 1),
           ">i": (-2 ** 31, 2 ** 31 - 1)}


def _int_value(fmt: str, old: int):
    low, high = _RANGES[fmt]
    return st.one_of(st.sampled_from(INTERESTING), st.integers(-3, 3).map(lambda d: old + d),
                     st.integers(low, high)).map(lambda v: min(max(v, low), high))


@st.composite
def set_field(draw, data: bytes, fields: list[tuple[int, str]]) -> tuple[bytes, str]:
    """One header or record field (offset, struct format) given an odd value."""
    fields = [(at, fmt) for at, fmt in fields if at + struct.calcsize(fmt) <= len(data)]
    if not fields:
        return data, "no field"
    at, fmt = draw(st.sampled_from(fields))
    size = struct.calcsize(fmt)
    if fmt == "<d":
        value = draw(st.one_of(st.sampled_from(ODD_DOUBLES), st.floats(allow_nan=True, allow_infinity=True)))
    elif fmt == "c":
        value = draw(st.sampled_from(list(b"CNFLDMBIG@0+YT \x00\xff")))
        return data[:at] + bytes([value]) + data[at + 1:], f"byte {at} = {value}"
    else:
        value = draw(_int_value(fmt, struct.unpack(fmt, data[at:at + size])[0]))
    return data[:at] + struct.pack(fmt, value) + data[at + size:], f"{fmt}@{at} = {value!r}"


@st.composite
def mutate_bytes(draw, data: bytes, fields: list[tuple[int, str]] = ()) -> tuple[bytes, str]:
    """One byte-level change: truncation, bit flip, overwritten or inserted run, removed or
    repeated chunk, or (when `fields` are given) a structural field set to an odd value."""
    ops = ["truncate", "flip", "overwrite", "insert", "delete", "repeat", "zero"] + ["field"] * 4 * bool(fields)
    op = draw(st.sampled_from(ops))
    n = len(data)
    if op == "field":
        return draw(set_field(data, list(fields)))
    at = draw(st.integers(0, n))
    if op == "truncate":
        return data[:at], f"cut at {at}"
    if op == "flip":
        if not n:
            return data, "flip nothing"
        at = min(at, n - 1)
        bit = draw(st.integers(0, 7))
        return data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1:], f"flip {at}.{bit}"
    if op == "overwrite":
        run = draw(st.one_of(st.binary(min_size=1, max_size=24), st.sampled_from([b"\xff" * 16, b"\x00" * 16])))
        return data[:at] + run + data[at + len(run):], f"overwrite {at}+{len(run)}"
    if op == "insert":
        run = draw(st.binary(min_size=1, max_size=24))
        return data[:at] + run + data[at:], f"insert {at}+{len(run)}"
    length = draw(st.integers(1, 64))
    if op == "delete":
        return data[:at] + data[at + length:], f"delete {at}+{length}"
    if op == "zero":
        return data[:at] + b"\0" * len(data[at:at + length]) + data[at + length:], f"zero {at}+{length}"
    return data[:at + length] + data[at:at + length] + data[at + length:], f"repeat {at}+{length}"


# --- shapefiles ---

def _shp_fields(shp: bytes, shx: bytes) -> list[tuple[int, str]]:
    fields = [(0, ">i"), (24, ">i"), (28, "<i"), (32, "<i")] + [(36 + 8 * i, "<d") for i in range(8)]
    for offset, length in seeds.shp_record_offsets(shx):
        fields += [(offset, ">i"), (offset + 4, ">i"), (offset + 8, "<i"), (offset + 12, "<d"), (offset + 20, "<d"),
                   (offset + 44, "<i"), (offset + 48, "<i"), (offset + 52, "<i"), (offset + 56, "<i")]
        fields += [(offset + 8 + k, "<d") for k in range(4, min(length, 200), 8)]
    return fields


def _shx_fields(shx: bytes) -> list[tuple[int, str]]:
    fields = [(0, ">i"), (24, ">i"), (32, "<i")]
    for i in range((len(shx) - 100) // 8):
        fields += [(100 + 8 * i, ">i"), (104 + 8 * i, ">i")]
    return fields


def _dbf_fields(dbf: bytes) -> list[tuple[int, str]]:
    fields = [(0, "B"), (4, "<I"), (8, "<H"), (10, "<H"), (29, "B")]
    header_length = struct.unpack("<H", dbf[8:10])[0] if len(dbf) >= 12 else 32
    for at in range(32, min(header_length - 1, len(dbf) - 32), 32):
        fields += [(at + 11, "c"), (at + 16, "B"), (at + 17, "B"), (at, "c"), (at + 10, "c")]
    if len(dbf) > header_length:
        fields += [(header_length, "c"), (header_length - 1, "c")]  # a record's deletion flag, the terminator
    return fields


@st.composite
def shapefile_case(draw) -> Case:
    source, files = draw(st.sampled_from(seeds.shapefiles()))
    files = dict(files)
    stem = source[:-4]
    notes = []
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 2, 3, 4]))):
        name = draw(st.sampled_from(sorted(files)))
        data = files[name]
        suffix = name[-4:].lower()
        if draw(st.integers(0, 19)) == 0 and suffix != ".shp":
            del files[name]
            notes.append(f"{name} removed")
            continue
        shx = files.get(stem + ".shx", b"")
        fields = {".shp": lambda: _shp_fields(data, shx), ".shx": lambda: _shx_fields(data),
                  ".dbf": lambda: _dbf_fields(data)}.get(suffix, lambda: [])()
        if suffix in (".cpg", ".prj") and draw(st.booleans()):
            files[name] = draw(st.sampled_from([b"GBK", b"UTF-8", b"936", b"65001", b"CP1252", b"\xd6\xd0\xce\xc4",
                                                b"", b"garbage", "GEOGCS[\"坐标\"]".encode("gbk")]))
            notes.append(f"{name} replaced")
            continue
        files[name], note = draw(mutate_bytes(data, fields))
        notes.append(f"{name}: {note}")
    if draw(st.integers(0, 9)) == 0:  # records counted one off between the files
        dbf = stem + ".dbf"
        if dbf in files and len(files[dbf]) >= 8:
            count = struct.unpack("<I", files[dbf][4:8])[0]
            new = min(max(0, count + draw(st.sampled_from([-2, -1, 1, 2, 100]))), 2 ** 32 - 1)
            files[dbf] = files[dbf][:4] + struct.pack("<I", new) + files[dbf][8:]
            notes.append(f"dbf count {count} -> {new}")
    options = {"skip_bad": draw(st.booleans()),
               "encoding": draw(st.sampled_from([None, None, None, "GBK", "UTF-8", "latin1", "no-such-codec"]))}
    return Case(files, source, options, "; ".join(notes))


# --- GeoPackage ---

_SQL_VALUES = st.one_of(st.none(), st.integers(-2 ** 63, 2 ** 63 - 1), st.floats(allow_nan=True),
                        st.text(max_size=20), st.binary(max_size=40), st.sampled_from(["BANANA", "POINT", "", "abc"]))
_GPKG_SQL = [
    ("UPDATE gpkg_contents SET table_name = ?", 1), ("UPDATE gpkg_contents SET data_type = ?", 1),
    ("UPDATE gpkg_contents SET srs_id = ?", 1), ("UPDATE gpkg_contents SET min_x = ?, max_y = ?", 2),
    ("UPDATE gpkg_geometry_columns SET geometry_type_name = ?", 1),
    ("UPDATE gpkg_geometry_columns SET srs_id = ?", 1), ("UPDATE gpkg_geometry_columns SET z = ?, m = ?", 2),
    ("UPDATE gpkg_geometry_columns SET column_name = ?", 1),
    ("DELETE FROM gpkg_spatial_ref_sys WHERE srs_id = 4549", 0),
    ("UPDATE gpkg_spatial_ref_sys SET definition = ? WHERE srs_id = 4549", 1),
    ("UPDATE gpkg_spatial_ref_sys SET organization_coordsys_id = ? WHERE srs_id = 4549", 1),
    ("UPDATE buildings SET geom = ? WHERE fid = ?", 2), ("UPDATE buildings SET name = ? WHERE fid = ?", 2),
    ("UPDATE buildings SET floors = ? WHERE fid = ?", 2), ("UPDATE buildings SET fid = ? WHERE fid = 3", 1),
    ("DELETE FROM buildings WHERE fid = ?", 1), ("DELETE FROM buildings", 0),
    ("INSERT INTO buildings (geom, name, floors) VALUES (?, ?, ?)", 3),
    ("DROP TABLE gpkg_geometry_columns", 0), ("DROP TABLE gpkg_contents", 0), ("DROP TABLE gpkg_spatial_ref_sys", 0),
    ("DROP TABLE IF EXISTS gpkg_ogr_contents", 0), ("UPDATE gpkg_ogr_contents SET feature_count = ?", 1),
    ("DROP TABLE IF EXISTS rtree_buildings_geom", 0), ("ALTER TABLE buildings RENAME COLUMN geom TO g", 0),
    ("ALTER TABLE buildings ADD COLUMN extra ?", 1), ("PRAGMA application_id = 0", 0), ("PRAGMA user_version = 1", 0),
    ("CREATE TABLE other (id INTEGER PRIMARY KEY, geom BLOB)", 0),
]
_GEOM_BLOBS = st.one_of(
    st.binary(max_size=60),
    st.binary(min_size=0, max_size=60).map(lambda b: b"GP\x00\x01\xc5\x11\x00\x00" + b),  # a header and garbage
    st.tuples(st.sampled_from(range(0, 17)), st.binary(max_size=40)).map(
        lambda t: b"GP\x00\x01\xc5\x11\x00\x00" + bytes([1]) + struct.pack("<I", t[0]) + t[1]),  # WKB of a type
    st.tuples(st.floats(allow_nan=True), st.floats(allow_nan=True)).map(
        lambda p: b"GP\x00\x01\xc5\x11\x00\x00" + bytes([1]) + struct.pack("<Idd", 1, *p)))  # a point, odd coordinates


def _alter_gpkg(data: bytes, statements: list[tuple[str, tuple]]) -> bytes:
    """The GeoPackage with the statements run on it (in memory: no disk, no fsync)."""
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        db.deserialize(data)
        for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f'DROP TRIGGER "{trigger}"')  # GDAL's triggers call SpatiaLite functions
        for sql, values in statements:
            with contextlib.suppress(sqlite3.Error, OverflowError, ValueError):
                if sql.startswith("ALTER TABLE buildings ADD COLUMN"):
                    db.execute(sql.replace("?", str(values[0]) if isinstance(values[0], str) and
                                           values[0].isidentifier() else "TEXT"))
                else:
                    db.execute(sql, values)
        db.commit()
        return db.serialize()


@st.composite
def gpkg_case(draw) -> Case:
    data = seeds.geopackage()
    notes = []
    statements = []
    for _ in range(draw(st.integers(0, 3))):
        sql, n = draw(st.sampled_from(_GPKG_SQL))
        values = tuple(draw(_GEOM_BLOBS) if i == 0 and "geom = ?" in sql or "(geom," in sql and i == 0
                       else draw(st.one_of(st.integers(0, 14), _SQL_VALUES)) for i in range(n))
        statements.append((sql, values))
        notes.append(sql)
    if statements:
        data = _alter_gpkg(data, statements)
    page_size = 4096
    for _ in range(draw(st.integers(0 if statements else 1, 3))):
        kind = draw(st.sampled_from(["page", "page", "bytes", "truncate_page"]))
        pages = max(len(data) // page_size, 1)
        page = draw(st.integers(0, pages - 1))
        if kind == "page":
            at = page * page_size + draw(st.integers(0, page_size - 1))
            run = draw(st.one_of(st.binary(min_size=1, max_size=200),
                                 st.integers(1, 400).map(lambda k: b"\xff" * k), st.integers(1, 400).map(bytes)))
            data = data[:at] + run + data[at + len(run):]
            notes.append(f"page {page + 1} +{at % page_size} overwritten ({len(run)} bytes)")
        elif kind == "truncate_page":
            data = data[:page * page_size]
            notes.append(f"cut after page {page}")
        else:
            data, note = draw(mutate_bytes(data, [(16, ">H"), (18, "B"), (19, "B"), (28, ">I"), (56, ">I")]))
            notes.append(note)
    options = {"skip_bad": draw(st.booleans()), "layer": draw(st.sampled_from([None, None, "buildings", "other"]))}
    return Case({"buildings.gpkg": data}, "buildings.gpkg", options, "; ".join(notes))


# --- GeoJSON ---

_JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70),
                       st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                       st.sampled_from(["Point", "Polygon", "MultiPolygon", "LineString", "GeometryCollection",
                                        "Feature", "FeatureCollection", "Banana", "1e999", "NaN"]))
_JSON = st.recursive(_JSON_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                     max_leaves=12)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _replace(node, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {k: (_replace(v, rest, value) if k == head else v) for k, v in node.items()}
    return [(_replace(v, rest, value) if i == head else v) for i, v in enumerate(node)]


def _delete(node, path):
    if len(path) == 1:
        if isinstance(node, dict):
            return {k: v for k, v in node.items() if k != path[0]}
        return [v for i, v in enumerate(node) if i != path[0]]
    head = path[0]
    if isinstance(node, dict):
        return {k: (_delete(v, path[1:]) if k == head else v) for k, v in node.items()}
    return [(_delete(v, path[1:]) if i == head else v) for i, v in enumerate(node)]


@st.composite
def geojson_case(draw) -> Case:
    name, text = draw(st.sampled_from(seeds.geojsons()))
    tree = json.loads(text)
    notes = []
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3, 4]))):
        paths = list(_paths(tree))
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "replace", "delete", "number"]))
        if op == "delete" and path:
            tree = _delete(tree, path)
        elif op == "number":
            tree = _replace(tree, path, draw(st.one_of(st.sampled_from(ODD_DOUBLES),
                                                       st.integers(-2 ** 80, 2 ** 80), st.floats())))
        else:
            tree = _replace(tree, path, draw(_JSON))
        notes.append(f"{op} {'/'.join(map(str, path))}"[:80])
    out = json.dumps(tree, ensure_ascii=draw(st.booleans()), allow_nan=True)
    data = out.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "gb18030"])))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        data, note = draw(mutate_bytes(data))
        notes.append(note)
    options = {"skip_bad": draw(st.booleans())}
    return Case({name: data}, name, options, "; ".join(notes))


# --- CSV / XLSX tables ---

_HEADER_NAMES = ["编号", "经度", "纬度", "lon", "lat", "lng", "X", "Y", "x坐标", "Y坐标", "名称", "name", "地址", "状态",
                 "处置状态", "发现时间", "id", "东经", "北纬", "", " ", "经度（°）", "ＬＯＮ", "longitude"]


@st.composite
def coordinate_text(draw):
    deg = draw(st.one_of(st.integers(-400, 400), st.integers(0, 10 ** 30), st.floats(-1e3, 1e3)))
    minute = draw(st.one_of(st.integers(0, 75), st.floats(0, 80)))
    second = draw(st.one_of(st.integers(0, 75), st.floats(0, 80)))
    form = draw(st.sampled_from(["{d}", "{d}°{m}′{s}″", "{d}度{m}分{s}秒", "{d}:{m}:{s}", "{d}°{m}'{s}\"E",
                                 "东经{d}°{m}′", "{d}°{m}′{s}″N", "{d}º{m}’{s}”", "{d}˚{m}", "西经{d}", "{d},{m}",
                                 "{d}E{m}", "N{d}S", "{d}.{m}.{s}", "{d}°°{m}", "-{d}°{m}′", "+{d}", "{d}e{m}"]))
    return form.format(d=deg, m=minute, s=second)


_CELL = st.one_of(
    coordinate_text(),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e999", "-1e999", "1e308", "", " ", "NULL", "#N/A", "—", "１２１．５",
                     "3,457,455.5", "121,5", "40500000", "500000", "3400000", "待核查", "已立案", "WJ-1", "0x1F"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-10 ** 40, 10 ** 40).map(str),
    st.text(max_size=12))


@st.composite
def table_rows(draw):
    if draw(st.booleans()):  # the seed ledger with a few cells changed
        rows = [list(seeds.LEDGER_HEADER), *[list(r) for r in seeds.LEDGER_ROWS]]
        for _ in range(draw(st.integers(0, 3))):
            i, j = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(rows[0]) - 1))
            rows[i][j] = draw(_CELL)
        return rows
    header = draw(st.lists(st.sampled_from(_HEADER_NAMES), min_size=1, max_size=6))
    if draw(st.booleans()):
        header = ["编号", draw(st.sampled_from(["经度", "lon", "X", "x坐标"])),
                  draw(st.sampled_from(["纬度", "lat", "Y", "y坐标"])), *header[:3]]
    rows = draw(st.lists(st.lists(_CELL, min_size=0, max_size=len(header) + 1), min_size=0, max_size=6))
    if draw(st.booleans()):
        rows = [list(r) for r in seeds.LEDGER_ROWS] + rows
        header = list(seeds.LEDGER_HEADER) if len(header) < 3 else header
    title = draw(st.sampled_from([[], [["违法建设台账（2024 年）"]], [[""], ["标题", ""]]]))
    return [*title, header, *rows]


@st.composite
def table_case(draw) -> Case:
    rows = draw(table_rows())
    options = {}
    if draw(st.integers(0, 4)) == 0:
        options["x_field"] = draw(st.sampled_from(["经度", "X", "lon", "nope"]))
        options["y_field"] = draw(st.sampled_from(["纬度", "Y", "lat", "nope"]))
    if draw(st.sampled_from(["csv", "csv", "xlsx"])) == "csv":
        delimiter = draw(st.sampled_from([",", ",", ";", "\t", "|"]))
        quote = draw(st.booleans())
        lines = [delimiter.join((f'"{c}"' if quote else c) for c in row) for row in rows]
        text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines) + draw(st.sampled_from(["", "\n"]))
        encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "big5",
                                         "shift_jis", "latin-1", "cp1252"]))
        data = text.encode(encoding, errors="replace")
        if draw(st.integers(0, 3)) == 0:
            data, _ = draw(mutate_bytes(data))
        if draw(st.integers(0, 5)) == 0:
            options["encoding"] = draw(st.sampled_from(["GBK", "UTF-8", "latin1", "utf-16", "nope"]))
        name = draw(st.sampled_from(["台账.csv", "cases.CSV"]))
        return Case({name: data}, name, options, f"csv {encoding} {delimiter!r}")
    cells = [[_xlsx_value(draw, c) for c in row] for row in rows]
    try:
        data = seeds.xlsx(tuple(tuple(r) for r in cells))
    except Exception:  # openpyxl refuses control characters in cells: write them as hex then
        data = seeds.xlsx(tuple(tuple(c.encode("unicode_escape").decode() if isinstance(c, str) else c for c in r)
                                for r in cells))
    note = "xlsx"
    if draw(st.integers(0, 3)) == 0:
        data, note = draw(mutate_bytes(data))
    if draw(st.integers(0, 5)) == 0:
        options["layer"] = draw(st.sampled_from(["台账", "说明", "Sheet9"]))
    return Case({"台账.xlsx": data}, "台账.xlsx", options, note)


def _xlsx_value(draw, cell: str):
    kind = draw(st.sampled_from(["text", "text", "number", "none", "date", "bool"]))
    if kind == "number":
        with contextlib.suppress(ValueError, OverflowError):
            v = float(cell)
            return v if math.isfinite(v) else cell
        return draw(st.floats(allow_nan=False, allow_infinity=False))
    if kind == "none":
        return None
    if kind == "date":
        return dt.datetime(2024, 3, 5, 10, 30)
    if kind == "bool":
        return draw(st.booleans())
    return cell


# --- rule files ---

_TABLE_NAMES = ["city", "setback", "setback_by_road_class", "tolerance", "colors", "targets", "Setback", "setback.red",
                "规则", "", "a b", "setback_by_road_class.主干路"]
_KEYS = ["red", "green", "blue", "purple", "yellow", "expressway", "trunk", "secondary", "branch", "主干路", "快速路",
         "次干路", "支路", "arterial", "Local", "overlap_m2", "width_m", "name", "note", "handling_rate",
         "road_network_density", '"主干路"', "'支路'", "红 线", "a.b", "x", "1", '""']
_TOML_VALUES = ["nan", "+nan", "-nan", "inf", "-inf", "-1", "0", "1e999", "1_000", "0x1F", "0o17", "0b101", "1e-400",
                "10.0", '"abc"', "'10'", "true", "false", "1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", "[1, 2]",
                "[]", "{ a = 1 }", "{}", '"#e3170a"', '"#zzz"', '"""多行\n文字"""', "'''", '"', "[", "{", "1 0", "-0.0",
                "9" * 40, "1" + "0" * 400, "[[1], [2]]", "[1, \"a\"]"]


@st.composite
def toml_text(draw) -> str:
    if draw(st.booleans()):  # the default file with some lines changed
        lines = seeds.default_rules().splitlines()
        for _ in range(draw(st.integers(0, 3))):
            i = draw(st.integers(0, len(lines) - 1))
            if "=" in lines[i] and draw(st.booleans()):
                key = lines[i].split("=")[0]
                value = draw(st.one_of(st.sampled_from(["0", "1.5", "25", "0.0", "3", "1e3"]),
                                       st.floats(0, 1e6).map(repr), st.sampled_from(_TOML_VALUES),
                                       st.text(max_size=10)))
                lines[i] = f"{key}= {value}"
            else:
                lines[i] = draw(_toml_line())
        return "\n".join(lines)
    return "\n".join(draw(st.lists(_toml_line(), max_size=14)))


@st.composite
def _toml_line(draw) -> str:
    kind = draw(st.sampled_from(["table", "pair", "pair", "pair", "comment", "junk", "array_table"]))
    if kind == "table":
        return f"[{draw(st.one_of(st.sampled_from(_TABLE_NAMES), st.text(max_size=8)))}]"
    if kind == "array_table":
        return f"[[{draw(st.sampled_from(_TABLE_NAMES))}]]"
    if kind == "comment":
        return "# " + draw(st.text(max_size=20))
    if kind == "junk":
        return draw(st.text(max_size=30))
    key = draw(st.one_of(st.sampled_from(_KEYS), st.text(max_size=6)))
    value = draw(st.one_of(st.sampled_from(_TOML_VALUES), st.floats().map(repr), st.integers().map(str),
                           st.text(max_size=10).map(lambda t: json.dumps(t, ensure_ascii=False))))
    return f"{draw(st.sampled_from(['', '  ', chr(9)]))}{key}{draw(st.sampled_from([' = ', '=', ' =', ' ']))}{value}"


@st.composite
def rules_case(draw) -> Case:
    text = draw(toml_text())
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "gbk", "gbk", "gb18030", "utf-16",
                                     "big5", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    note = encoding
    if draw(st.integers(0, 4)) == 0:
        data, mutated = draw(mutate_bytes(data))
        note += "; " + mutated
    return Case({"规则.toml": data}, "规则.toml", {}, note)


# --- any source, for the whole import ---

@st.composite
def pristine_case(draw) -> Case:
    """A seed as it is (the import's own choices are what varies then)."""
    kind = draw(st.sampled_from(["shapefile", "gpkg", "geojson", "csv", "xlsx"]))
    if kind == "shapefile":
        source, files = draw(st.sampled_from(seeds.shapefiles()))
        return Case(dict(files), source, {}, "seed")
    if kind == "gpkg":
        return Case({"buildings.gpkg": seeds.geopackage()}, "buildings.gpkg", {}, "seed")
    if kind == "geojson":
        name, text = draw(st.sampled_from(seeds.geojsons()))
        return Case({name: text.encode()}, name, {}, "seed")
    rows = [seeds.LEDGER_HEADER, *seeds.LEDGER_ROWS]
    if kind == "xlsx":
        return Case({"台账.xlsx": seeds.xlsx()}, "台账.xlsx", {}, "seed")
    text = "\n".join(",".join(r) for r in rows) + "\n"
    return Case({"台账.csv": text.encode(draw(st.sampled_from(["utf-8", "gbk", "utf-8-sig"])))}, "台账.csv", {}, "seed")


@st.composite
def import_case(draw) -> Case:
    case = draw(st.one_of(pristine_case(), shapefile_case(), gpkg_case(), geojson_case(), table_case()))
    if draw(st.integers(0, 3)) == 0:
        case.options["id_field"] = draw(st.sampled_from(["name", "编号", "id", "NAME2", "nope"]))
    case.options = {k: v for k, v in case.options.items() if v is not None}
    case.options["kind"] = draw(st.sampled_from(["buildings", "buildings", "ledger", "red", "green", "parking",
                                                 "old_estates"]))
    if case.options["kind"] in ("red", "green") and draw(st.booleans()):
        case.options["half_width"] = draw(st.sampled_from([5.0, 0.0, 1e9]))
    case.options["keep_multipart"] = draw(st.booleans())
    case.options["update"] = draw(st.integers(0, 4)) == 0
    if draw(st.integers(0, 5)) == 0:
        case.options["crs"] = draw(st.sampled_from(["EPSG:4549", "EPSG:4490", "EPSG:4326", "EPSG:3857", "EPSG:99999",
                                                    "garbage"]))
    case.options["project"] = draw(st.sampled_from(["empty", "empty", "with_buildings", "no_crs"]))
    return case
