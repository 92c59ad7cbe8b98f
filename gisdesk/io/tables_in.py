"""Ledgers and survey tables that arrive as CSV or Excel sheets with coordinate columns.

A row becomes a point from its coordinate columns, found by name (经度/纬度, lon/lat, x/y,
X坐标/Y坐标 ...) or named by the user (`x_field`/`y_field`). Values are decimal degrees, 度分秒
text (121°28′30.5″, 121度28分30.5秒, 121:28:30.5) or metres. Lon/lat tables are CGCS2000
geographic (EPSG:4490); survey tables whose X column holds northings (Chinese survey usage:
X north, Y east) are detected and swapped, and 8-digit eastings give their Gauss-Krüger zone.

Rows are named as the spreadsheet shows them, 1-based, blank lines counted: with the header on row 1
the first data row is row 2; title lines above the header (one cell filled) are skipped and the
message says which row the header is.
The frame's `attrs` carry what the import report says about the table: `encoding`, `sheet`,
`coordinates` (zh, en) and `source_rows` (each feature's row in the source).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from gisdesk.crs import CGCS2000_GEOGRAPHIC, prefixed_zone_crs
from gisdesk.errors import InputError
from gisdesk.io.encodings import check_encoding

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")

_LON_NAMES = ("经度", "东经", "lon", "lng", "long", "longitude", "经度坐标")
_LAT_NAMES = ("纬度", "北纬", "lat", "latitude", "纬度坐标")
_X_NAMES = ("x", "x坐标", "坐标x", "xzb", "x_coord", "east", "easting")
_Y_NAMES = ("y", "y坐标", "坐标y", "yzb", "y_coord", "north", "northing")
_ID_NAMES = ("编号", "案件编号", "图斑编号", "普查编号", "不动产单元号", "序号", "id", "case_no", "survey_no", "bh")


def is_table(path) -> bool:
    return Path(path).suffix.lower() in TABLE_SUFFIXES


def read_table(path, *, layer: str | None = None, encoding: str | None = None, x_field: str | None = None,
               y_field: str | None = None) -> gpd.GeoDataFrame:
    """Points from a CSV or an Excel sheet (`layer` names the sheet; default the first)."""
    path = Path(path)
    suffix = path.suffix.lower()
    attrs: dict = {}
    if suffix == ".csv":
        if layer:
            raise InputError("{path} 是 CSV 文件，没有工作表：去掉 --layer {layer}",
                             "{path} is a CSV file and has no sheets: drop --layer {layer}",
                             path=path.name, layer=layer)
        header, rows, numbers, header_row, attrs["encoding"] = _read_csv(path, encoding)
    elif suffix == ".xls":
        raise InputError("{path} 是旧版 Excel（.xls）：请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入",
                         "{path} is an old Excel file (.xls): save it as .xlsx or CSV in Excel or WPS and import that",
                         path=path.name)
    else:
        header, rows, numbers, header_row, attrs["sheet"], book_sheets = _read_xlsx(path, layer)
        attrs["sheets"] = book_sheets
    header = _unique_header(header)
    numbers = _Rows(numbers, header_row)
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    frame = frame.replace({"": None})
    if frame.empty:
        raise InputError("{path} 中没有数据行（只有表头或为空）", "{path} has no data rows (only a header, or empty)",
                         path=path.name)
    x_col, y_col = _coordinate_columns(frame, x_field, y_field, path.name)
    id_col = next((c for c in frame.columns if _norm(c) in _ID_NAMES), None)
    x = _coordinates(frame, x_col, numbers, id_col, path.name)
    y = _coordinates(frame, y_col, numbers, id_col, path.name)
    named = x_field is None and y_field is None and _norm(x_col) in _LON_NAMES and _norm(y_col) in _LAT_NAMES
    x, y, crs, note = _interpret(x, y, x_col, y_col, frame, numbers, id_col, path.name, lonlat_named=named)
    if len(attrs.pop("sheets", ())) > 1:
        others = ", ".join(s for s in book_sheets if s != attrs["sheet"])
        note = (f"工作表 {attrs['sheet']}（另有 {others}：用 --layer 选择）；{note[0]}",
                f"sheet {attrs['sheet']} (also {others}: choose with --layer); {note[1]}")
    attrs["coordinates"] = note
    attrs["source_rows"] = list(numbers)
    # the coordinate columns are the geometry now: kept as text they would go stale when a point moves
    out = gpd.GeoDataFrame(frame.drop(columns=[x_col, y_col]), geometry=gpd.points_from_xy(x, y), crs=crs)
    out.attrs.update(attrs)
    return out


# --- reading -----------------------------------------------------------------------------------

def _read_csv(path: Path, encoding: str | None):
    data = path.read_bytes()
    if encoding:
        check_encoding(encoding)
        found = encoding
    elif data.startswith(codecs.BOM_UTF8):
        found = "UTF-8-SIG"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        found = "UTF-16"  # Excel's "Unicode text"
    else:
        try:
            data.decode("utf-8")
            found = "UTF-8"
        except UnicodeDecodeError:
            found = "GB18030"  # what Excel saves on Chinese Windows (GBK is a subset)
    try:
        text = data.decode(found)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError("{path} 第 {line} 行不是 {encoding} 编码的文本：请用 --encoding 指定文件的编码",
                         "{path} line {line} is not {encoding} text: name the file's encoding with --encoding",
                         path=path.name, line=line, encoding=found) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\0" in text:
        raise InputError("{path} 不是文本表格（含有二进制内容）", "{path} is not a text table (it holds binary data)",
                         path=path.name)
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 20)[0] if sample else ",", delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    header, rows, numbers = None, [], []
    try:
        for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                if sum(bool(cell.strip()) for cell in record) < 2:
                    continue  # a title line above the header
                header, header_row = [cell.strip() for cell in record], number
                continue
            if len(record) > len(header) and any(cell.strip() for cell in record[len(header):]):
                raise InputError("{path} 第 {row} 行（表头为第 {header_row} 行）有 {n} 列，表头只有 {m} 列",
                                 "{path} row {row} (the header is row {header_row}) has {n} columns, the header {m}",
                                 path=path.name, row=number, header_row=header_row, n=len(record), m=len(header))
            rows.append([cell.strip() for cell in record[:len(header)]] + [""] * (len(header) - len(record)))
            numbers.append(number)
    except csv.Error as exc:
        raise InputError("无法读取 {path}：{why}", "cannot read {path}: {why}", path=path.name, why=str(exc)) from None
    if header is None:
        if not text.strip():
            raise InputError("{path} 是空的", "{path} is empty", path=path.name)
        raise InputError("{path} 中找不到表头（至少两个有名字的列）", "{path} has no header (a row naming two columns or more)",
                         path=path.name)
    return header, rows, numbers, header_row, found


def csv_rows(path, encoding: str | None = None) -> tuple[list[str], list[list[str]], list[int]]:
    """The header, data rows and their line numbers of a CSV/text table (encoding found as for an
    import: UTF-8, UTF-16 or GB18030 unless given; title lines above the header skipped)."""
    header, rows, numbers, *_ = _read_csv(Path(path), encoding)
    return header, rows, numbers


def sheet_rows(path, sheet: str | None = None) -> tuple[list[str], list[list]]:
    """The header and data rows of an Excel sheet as they are, before any coordinate is read: the
    wizard previews a sheet whose coordinate columns the user has still to choose."""
    header, rows, *_ = _read_xlsx(Path(path), sheet)
    return header, rows


def _read_xlsx(path: Path, sheet: str | None):
    import openpyxl  # only for Excel sources
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise InputError("无法读取 {path}：文件已损坏（截断）或不是 .xlsx（.xlsx 是 zip 格式）",
                         "cannot read {path}: the file is damaged (truncated) or not an .xlsx (an .xlsx is a zip)",
                         path=path.name) from None
    except Exception as exc:
        raise InputError("无法读取 {path}（不是有效的 .xlsx 文件）：{why}",
                         "cannot read {path} (not a valid .xlsx file): {why}", path=path.name,
                         why=str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__) from None
    try:
        names = book.sheetnames
        if sheet is None:
            sheet = names[0]
        elif sheet not in names:
            raise InputError("{path} 中没有工作表 {sheet}；现有：{sheets}", "{path} has no sheet {sheet}; it has: {sheets}",
                             path=path.name, sheet=sheet, sheets=", ".join(names))
        header, rows, numbers = None, [], []
        for number, record in enumerate(book[sheet].iter_rows(values_only=True), start=1):
            cells = ["" if v is None else (v.strip() if isinstance(v, str) else v) for v in record]
            if not any(c != "" for c in cells):
                continue
            if header is None:
                if sum(c != "" for c in cells) < 2:
                    continue  # a title line above the header
                header, header_row = [str(c) for c in cells], number
                while header and header[-1] == "":
                    header.pop()
                continue
            cells = cells[:len(header)] + [""] * (len(header) - len(cells))
            rows.append(cells)
            numbers.append(number)
    finally:
        book.close()
    if header is None:
        raise InputError("{path} 的工作表 {sheet} 中找不到表头（至少两个有名字的列）",
                         "sheet {sheet} of {path} has no header (a row naming two columns or more)",
                         path=path.name, sheet=sheet)
    return header, rows, numbers, header_row, sheet, names


class _Rows(list):
    """Each data row's number in the sheet (1-based, as the spreadsheet shows it), and the header's."""

    def __init__(self, numbers, header: int):
        super().__init__(numbers)
        self.header = header


def _unique_header(header: list[str]) -> list[str]:
    out, seen = [], set()
    for i, name in enumerate(header):
        name = name or f"column_{i + 1}"
        base, n = name, 2
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name)
        out.append(name)
    return out


# --- coordinate columns ----------------------------------------------------------------------------

def _norm(name) -> str:
    return re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", str(name))).lower()


def _coordinate_columns(frame: pd.DataFrame, x_field, y_field, name) -> tuple[str, str]:
    columns = list(frame.columns)
    for flag, given in (("--x-field", x_field), ("--y-field", y_field)):
        if given and given not in columns:
            raise InputError("{source} 中没有字段 {field}（{flag}）；现有字段：{fields}",
                             "{source} has no field {field} ({flag}); fields: {fields}",
                             source=name, field=given, flag=flag, fields=", ".join(columns))

    def find(names):
        return next((c for c in columns if _norm(c) in names), None)

    x_col = x_field or find(_LON_NAMES) or find(_X_NAMES)
    y_col = y_field or find(_LAT_NAMES) or find(_Y_NAMES)
    if x_col is None or y_col is None or x_col == y_col:
        raise InputError("{source} 中找不到坐标列（经度/纬度、lon/lat 或 X/Y）：请用 --x-field 和 --y-field 指定；"
                         "现有字段：{fields}",
                         "{source} has no coordinate columns (经度/纬度, lon/lat or X/Y): name them with --x-field and "
                         "--y-field; fields: {fields}", source=name, fields=", ".join(columns))
    return x_col, y_col


_DMS = re.compile(
    r"^(?P<deg>\d+(?:\.\d+)?)\s*(?:°|度|:|º|˚)\s*"
    r"(?:(?P<min>\d+(?:\.\d+)?)\s*(?:′|'|’|分|:)?\s*)?"
    r"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:″|′′|''|\"|”|秒)?\s*)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_HEMISPHERE = re.compile(r"^(东经|西经|北纬|南纬|[NSEWnsew])?\s*(.*?)\s*(东经|西经|北纬|南纬|[NSEWnsew])?$")


def parse_coordinate(value) -> float | None:
    """A coordinate from a cell: a number, decimal text, or 度分秒 text; None when it is none."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if _THOUSANDS.match(text):  # 3,457,455.5 as Excel shows metres; "121,5" stays unreadable
        text = text.replace(",", "")
    if not text:
        return None
    match = _HEMISPHERE.match(text)
    prefix, body, suffix = match.group(1), match.group(2), match.group(3)
    if prefix and suffix:
        return None
    hemisphere = prefix or suffix
    sign = -1.0 if hemisphere and hemisphere.upper() in ("S", "W", "西经", "南纬") else 1.0
    if body.startswith("-"):
        sign, body = -sign, body[1:].strip()
    elif body.startswith("+"):
        body = body[1:].strip()
    try:
        v = float(body)
    except ValueError:
        dms = _DMS.match(body)
        if dms is None:
            return None
        minutes, seconds = float(dms.group("min") or 0), float(dms.group("sec") or 0)
        if minutes >= 60 or seconds >= 60:
            return None
        v = float(dms.group("deg")) + minutes / 60 + seconds / 3600
    v *= sign
    return v if math.isfinite(v) else None


def _row_message(frame, i, numbers, id_col) -> dict:
    value = frame[id_col].iloc[i] if id_col else None
    return {"row": numbers[i], "header_row": numbers.header, "id": "—" if value is None or value == "" else value,
            "id_field": id_col or "编号"}


def _coordinates(frame, column, numbers, id_col, name) -> np.ndarray:
    values = frame[column].tolist()
    with np.errstate(all="ignore"):  # plain numbers at array speed, only the others one by one
        out = np.array(pd.to_numeric(frame[column], errors="coerce"), dtype=float)
    for i in np.flatnonzero(~np.isfinite(out)):
        value = values[i]
        v = parse_coordinate(value)
        if v is None:
            empty = value is None or (isinstance(value, str) and not value.strip())
            raise InputError(
                "{source} 第 {row} 行（表头为第 {header_row} 行），{id_field} {id}：坐标 {column} "
                + ("为空" if empty else "= {value!r} 无法识别"),
                "{source} row {row} (the header is row {header_row}), {id_field} {id}: coordinate {column} "
                + ("is empty" if empty else "= {value!r} is not a coordinate"),
                source=name, column=column, value=value, **_row_message(frame, i, numbers, id_col))
        out[i] = v
    return out


def _interpret(x, y, x_col, y_col, frame, numbers, id_col, name, *, lonlat_named=False):
    """(easting or lon, northing or lat, CRS or None, report note) from the two columns."""
    if (np.abs(x) <= 90).all() and ((np.abs(y) > 90) & (np.abs(y) <= 180)).all():
        note = ("经纬度（{y} 为经度、{x} 为纬度：两列颠倒，已交换），CGCS2000 地理坐标 EPSG:4490（除非 --crs 另行指定）",
                "longitude/latitude ({y} holds the longitudes and {x} the latitudes: swapped), CGCS2000 geographic "
                "EPSG:4490 (unless --crs says otherwise)")
        return y, x, CRS.from_epsg(CGCS2000_GEOGRAPHIC), _note(note, x=x_col, y=y_col)
    if lonlat_named and not ((np.abs(x) <= 180).all() and (np.abs(y) <= 90).all()):
        i = int(np.flatnonzero((np.abs(x) > 180) | (np.abs(y) > 90))[0])
        raise InputError("{source} 第 {row} 行（表头为第 {header_row} 行），{id_field} {id}：经纬度 ({xv}, {yv}) 超出范围"
                         "（经度 ±180°，纬度 ±90°）；平面坐标请用 --x-field/--y-field 指定列",
                         "{source} row {row} (the header is row {header_row}), {id_field} {id}: longitude/latitude "
                         "({xv}, {yv}) out of range (±180°, ±90°); for plane coordinates name the columns with "
                         "--x-field/--y-field",
                         source=name, xv=x[i], yv=y[i], **_row_message(frame, i, numbers, id_col))
    if (np.abs(x) <= 180).all() and (np.abs(y) <= 90).all():
        note = ("经纬度（{x}、{y}），CGCS2000 地理坐标 EPSG:4490（除非 --crs 另行指定）",
                "longitude/latitude ({x}, {y}), CGCS2000 geographic EPSG:4490 (unless --crs says otherwise)")
        return x, y, CRS.from_epsg(CGCS2000_GEOGRAPHIC), _note(note, x=x_col, y=y_col)
    degrees = (np.abs(x) <= 180) & (np.abs(y) <= 90)
    if degrees.any():  # some rows in degrees, others not: name the first row out of step with the first
        i = int(np.flatnonzero(degrees != degrees[0])[0])
        raise InputError("{source} 第 {row} 行（表头为第 {header_row} 行），{id_field} {id}：坐标 ({xv}, {yv}) 与前面的行不是同一种坐标"
                         "（经纬度与米混用）",
                         "{source} row {row} (the header is row {header_row}), {id_field} {id}: coordinates "
                         "({xv}, {yv}) are not of the same kind as the rows before (degrees mixed with metres)",
                         source=name, xv=x[i], yv=y[i], **_row_message(frame, i, numbers, id_col))
    if _northings(x) and _eastings(y) and not (_northings(y) and _eastings(x)):
        x, y = y, x
        note = ("测量坐标：{x} 是北坐标、{y} 是东坐标（X 向北），已交换为东、北", "survey coordinates: {x} holds northings and "
                "{y} eastings (X is north); swapped to east, north")
    else:
        note = ("平面坐标：{x} 为东坐标，{y} 为北坐标", "plane coordinates: {x} east, {y} north")
    crs = prefixed_zone_crs(x, y)
    zh, en = note
    if crs is not None:
        zh, en = zh + "；8 位东坐标带带号，坐标系 EPSG:{epsg}", en + "; 8-digit eastings carry their zone: EPSG:{epsg}"
    return x, y, crs, _note((zh, en), x=x_col, y=y_col, epsg=crs.to_epsg() if crs else "")


def _northings(v) -> bool:
    return bool(((v >= 2_000_000) & (v <= 6_000_000)).all())


def _eastings(v) -> bool:
    six = (v >= 100_000) & (v < 1_000_000)
    eight = (v >= 13_000_000) & (v < 46_000_000) & ((v % 1_000_000) >= 100_000)
    return bool((six | eight).all())


def _note(note, **values) -> tuple[str, str]:
    zh, en = note
    return zh.format(**values), en.format(**values)
