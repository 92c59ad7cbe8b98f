"""What the app's import wizard shows before an import: a source's layers or sheets, its first rows
in a chosen encoding, the kind its name suggests, its CRS and bounds, and the field mapping the
importer would use (gisdesk.layers.schema.field_renames) or the one the user confirmed last time.

No Qt here: the wizard (gisdesk.ui.import_wizard) draws what these functions return, and the
import itself is gisdesk.io.importer.import_layer, the same call as `gisdesk import`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio
from pyproj import CRS

from gisdesk.errors import GisdeskError, InputError
from gisdesk.i18n import tr
from gisdesk.io.encodings import check_encoding
from gisdesk.io.sources import read_vector, shapefile_encoding
from gisdesk.io.tables_in import is_table, sheet_rows
from gisdesk.layers.kinds import KINDS, kind_of
from gisdesk.layers.schema import field_renames

AUTO = "auto"
ENCODINGS = (AUTO, "UTF-8", "GBK", "GB18030", "Big5")
PREVIEW_ROWS = 20
MAPPING_SETTING = "import_mapping:{name}"  # the project setting remembering the mapping of a source

# Words in file and layer names that tell the kind (besides the kinds' own names and codes)
_KIND_WORDS = (
    ("red", ("红线", "dlhx", "road_red", "redline", "red_line")),
    ("green", ("绿线", "lvx", "green_line", "greenline")),
    ("blue", ("蓝线", "lanx", "blue_line", "blueline")),
    ("purple", ("紫线", "zix", "purple_line")),
    ("yellow", ("黄线", "huangx", "yellow_line")),
    ("ledger", ("台账", "违建", "违法建设", "违法建筑", "图斑", "ledger")),
    ("parking", ("停车", "泊位", "parking")),
    ("old_estates", ("老旧小区", "小区", "estate")),
    ("buildings", ("建筑", "房屋", "楼", "building")),
)


def encoding_applies(path) -> bool:
    """Whether a source's text encoding can be chosen (shapefiles, DBF, CSV, DXF); GeoPackage,
    GeoJSON, KML, File GDB, OSM and Excel store Unicode by their format."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return any(n.lower().endswith(".dbf") for n in _zip_names(path))
    return suffix in (".shp", ".dbf", ".csv", ".dxf", ".txt")


def source_layers(path) -> list[str]:
    """The layers (or an Excel book's sheets) of a source; [] for a one-layer file."""
    path = Path(path)
    if not path.exists():
        raise InputError("文件不存在：{path}", "file not found: {path}", path=path)
    suffix = path.suffix.lower()
    if suffix == ".csv" or suffix == ".dxf":
        return []
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True)
        except Exception as exc:
            raise InputError("无法读取 {path}：{why}", "cannot read {path}: {why}", path=path.name, why=exc) from exc
        try:
            names = list(book.sheetnames)
        finally:
            book.close()
        return names if len(names) > 1 else []
    if is_table(path):  # .xls: read_vector says what to do with it
        return []
    try:
        names = [name for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        raise InputError("无法读取 {path}：{why}", "cannot read {path}: {why}", path=path.name,
                         why=str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    return names if len(names) > 1 else []


def guess_kind(*names: str) -> str | None:
    """The kind a file or layer name suggests (道路红线, 红线, DLHX → red; 建筑 → buildings ...), or None."""
    text = " ".join(n for n in names if n).casefold()
    if not text:
        return None
    for code, info in KINDS.items():
        for word in (info.name_zh, info.name_zh.removeprefix("城市").removeprefix("道路"), info.name_en, code):
            if len(word) >= 2 and word.casefold() in text and code not in ("buildings",):
                return code
    for code, words in _KIND_WORDS:
        if any(w.casefold() in text for w in words):
            return code
    return None


# --- encodings and the first rows -----------------------------------------------------------------

@dataclass
class Preview:
    columns: list[str]
    rows: list[list[str]]
    encoding: str  # the encoding the rows were decoded in ("" when the format's own)
    note: str = ""  # how "auto" was decided, or why the preview is empty
    replaced: int = 0  # characters that could not be decoded (shown as �)
    failed: bool = False


def found_encoding(path, layer: str | None = None) -> tuple[str, str]:
    """(encoding, how it was found) of what the import does without --encoding: gisdesk's own
    detection (shapefile_encoding; a CSV's bytes as gisdesk.io.tables_in reads them), what the
    file declares (.cpg, DBF code page byte), or the format's UTF-8. encoding "" = GDAL decides."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_encoding(path.read_bytes()), tr("从文件内容判断", "found from the bytes")
    if suffix == ".shp":
        found = shapefile_encoding(path)
        if found:
            return found, tr("gisdesk 判断（无 .cpg、无代码页，内容不是 UTF-8）",
                             "found by gisdesk (no .cpg, no code page, the text is not UTF-8)")
        cpg = next((p for p in (path.with_suffix(".cpg"), path.with_suffix(".CPG")) if p.exists()), None)
        if cpg is not None:
            declared = cpg.read_text(errors="replace").strip()
            return "", tr(".cpg 文件写明 {cpg}", "the .cpg says {cpg}", cpg=declared)
        byte = _dbf_code_page(path)
        if byte:
            return "", tr("DBF 代码页字节 0x{byte:02X}", "the DBF code page byte 0x{byte:02X}", byte=byte)
        return "", tr("按 GDAL 默认（ISO-8859-1 / UTF-8）", "GDAL's default (ISO-8859-1 / UTF-8)")
    if encoding_applies(path):
        return "", tr("按文件声明或 GDAL 默认", "as the file declares, or GDAL's default")
    return "", tr("该格式固定为 UTF-8/Unicode", "the format stores UTF-8/Unicode")


def preview(path, layer: str | None = None, encoding: str = AUTO, n: int = PREVIEW_ROWS) -> Preview:
    """The first `n` rows of a source with its text decoded in `encoding` (or as the import would
    without one, for "auto"). A shapefile's DBF and a CSV are decoded here byte by byte, so a wrong
    encoding shows what it makes of the text (mojibake, or � where bytes are no text) instead of
    failing."""
    path = Path(path)
    note = ""
    if encoding == AUTO:
        found, how = found_encoding(path, layer)
        note = tr("自动：{encoding}（{how}）", "auto: {encoding} ({how})", encoding=found or tr("按文件", "the file's"),
                  how=how)
        encoding = found
    elif encoding:
        check_encoding(encoding)
    try:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            result = _csv_preview(path.read_bytes(), encoding or _csv_encoding(path.read_bytes()), n)
        elif suffix in (".shp", ".dbf") and encoding:
            result = _dbf_preview(_dbf_bytes(path), encoding, n)
        elif suffix == ".zip" and encoding and encoding_applies(path):
            result = _dbf_preview(_zip_dbf_bytes(path, layer), encoding, n)
        elif suffix in (".xlsx", ".xlsm"):  # the sheet as it is: its coordinate columns may not be chosen yet
            header, rows = sheet_rows(path, layer)
            result = Preview(header, [["" if _missing(v) else str(v) for v in row] for row in rows[:n]], encoding)
        elif suffix == ".dxf" or is_table(path):
            frame = read_vector(path, layer=layer, encoding=encoding or None)
            result = _frame_preview(frame, encoding, n)
        else:
            frame = pyogrio.read_dataframe(path, layer=layer, max_features=n, read_geometry=False, use_arrow=False,
                                           encoding=encoding or None)
            result = _frame_preview(frame, encoding, n)
    except GisdeskError as exc:
        return Preview([], [], encoding, str(exc), failed=True)
    except Exception as exc:  # noqa: BLE001 - a preview that cannot be made says why, the import refuses properly
        return Preview([], [], encoding, tr("无法预览：{why}", "no preview: {why}",
                                            why=str(exc).splitlines()[0] if str(exc) else type(exc).__name__),
                       failed=True)
    result.note = note
    return result


def _frame_preview(frame, encoding: str, n: int) -> Preview:
    columns = [str(c) for c in frame.columns if c != "geometry"]
    rows = [["" if _missing(v) else str(v) for v in record] for record in
            frame[columns].head(n).itertuples(index=False, name=None)]
    return Preview(columns, rows, encoding)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _csv_encoding(data: bytes) -> str:
    """The encoding gisdesk.io.tables_in reads a CSV in when none is given (the same choice)."""
    if data.startswith(codecs.BOM_UTF8):
        return "UTF-8-SIG"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    try:
        data.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        return "GB18030"


def _csv_preview(data: bytes, encoding: str, n: int) -> Preview:
    text = data[:1 << 20].decode(encoding, errors="replace")
    text = text.removeprefix("\ufeff")
    try:
        delimiter = csv.Sniffer().sniff(text.split("\n", 1)[0] or ",", delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if any(c.strip() for c in r)]
    header = next((r for r in records if sum(bool(c.strip()) for c in r) >= 2), records[0] if records else [])
    body = records[records.index(header) + 1:][:n] if header else []
    return Preview([c.strip() for c in header], [[c.strip() for c in r] for r in body], encoding,
                   replaced=text.count("\ufffd"))


def _dbf_bytes(path: Path) -> bytes:
    dbf = next((p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        raise InputError("{path} 缺少 .dbf 属性文件", "{path} has no .dbf attribute file", path=path.name)
    with open(dbf, "rb") as handle:
        return handle.read(1 << 20)


def _zip_names(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return []


def _zip_dbf_bytes(path: Path, layer: str | None) -> bytes:
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.lower().endswith(".dbf")]
        if layer:
            names = [n for n in names if Path(n).stem == layer] or names
        with archive.open(names[0]) as handle:
            return handle.read(1 << 20)


def _dbf_code_page(path: Path) -> int:
    try:
        header = _dbf_bytes(path)[:32]
    except InputError:
        return 0
    return header[29] if len(header) >= 32 else 0


def _dbf_preview(data: bytes, encoding: str, n: int) -> Preview:
    """The field names and first records of a dBASE file, decoded in `encoding` with � for bytes
    that are not text in it."""
    if len(data) < 32:
        raise InputError(".dbf 文件太短或为空", "the .dbf file is too short or empty")
    header_length, record_length = struct.unpack("<HH", data[8:12])
    fields = []
    for start in range(32, min(header_length, len(data)) - 31, 32):
        descriptor = data[start:start + 32]
        if descriptor[0] == 0x0D:
            break
        fields.append((descriptor[:11].split(b"\0")[0], chr(descriptor[11]), descriptor[16]))
    columns = [name.decode(encoding, errors="replace") for name, _, _ in fields]
    rows, replaced = [], sum(c.count("\ufffd") for c in columns)
    offset = header_length
    while len(rows) < n and offset + record_length <= len(data) and record_length > 0:
        record = data[offset:offset + record_length]
        offset += record_length
        if record[:1] == b"*":  # deleted
            continue
        if record[:1] == b"\x1a":
            break
        values, at = [], 1
        for _, kind, length in fields:
            raw = record[at:at + length]
            at += length
            text = raw.decode(encoding, errors="replace").strip()
            replaced += text.count("\ufffd")
            values.append(text)
        rows.append(values)
    return Preview(columns, rows, encoding, replaced=replaced)


# --- CRS, columns and the field mapping ----------------------------------------------------------

@dataclass
class SourceInfo:
    crs: CRS | None
    bounds: tuple[float, float, float, float] | None
    columns: list[str] = field(default_factory=list)  # the columns the importer will see
    count: int | None = None
    cad_layers: dict[str, int] = field(default_factory=dict)  # a drawing's CAD layers → entities read


def coordinate_columns(columns) -> tuple[str | None, str | None]:
    """The X/longitude and Y/latitude columns the import finds by name among a table's `columns`
    (gisdesk.io.tables_in), or (None, None) when it finds no pair."""
    import pandas as pd

    from gisdesk.io.tables_in import _coordinate_columns

    try:
        return _coordinate_columns(pd.DataFrame(columns=[str(c) for c in columns]), None, None, "")
    except InputError:
        return None, None


def source_info(path, layer: str | None = None, encoding: str | None = None, *, x_field: str | None = None,
                y_field: str | None = None) -> SourceInfo:
    """CRS, bounds and columns of a source as the importer reads it (tables and drawings are read
    whole, other formats only their header); a table's coordinate columns `x_field`, `y_field`
    as the import's. A drawing's texts (cad_text) are no column: they name the features they label."""
    path = Path(path)
    if path.suffix.lower() == ".dxf" or is_table(path):
        frame = read_vector(path, layer=layer, encoding=encoding, x_field=x_field, y_field=y_field)
        bounds = tuple(float(v) for v in frame.total_bounds) if len(frame) else None
        cad = ({str(k): int(v) for k, v in frame["cad_layer"].value_counts(sort=False).items()}
               if "cad_layer" in frame.columns else {})
        return SourceInfo(CRS(frame.crs) if frame.crs else None, bounds,
                          [str(c) for c in frame.columns if c not in ("geometry", "cad_text")], len(frame), cad)
    try:
        info = pyogrio.read_info(path, layer=layer, encoding=encoding or None, force_total_bounds=True)
    except UnicodeDecodeError:  # field names not in that encoding: as GDAL reads them
        info = pyogrio.read_info(path, layer=layer, force_total_bounds=True)
    bounds = info.get("total_bounds")
    bounds = tuple(float(v) for v in bounds) if bounds is not None and all(v == v for v in bounds) else None
    crs = CRS.from_user_input(info["crs"]) if info.get("crs") else None
    return SourceInfo(crs, bounds, [str(c) for c in info["fields"]], info.get("features"))


def mapping_key(path, layer: str | None = None) -> str:
    """The project setting that remembers the field mapping of a source (file name, and layer)."""
    return MAPPING_SETTING.format(name=Path(path).name + (f":{layer}" if layer else ""))


def remembered_mapping(project, path, layer: str | None = None) -> dict[str, str]:
    """The mapping last confirmed for this source in this project ({} when none or unreadable)."""
    text = project.setting(mapping_key(path, layer))
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def remember_mapping(project, path, layer: str | None, field_map: dict[str, str]) -> None:
    """Keep the confirmed mapping (column → field, "" = extra column) in the project's settings."""
    project.set_settings(**{mapping_key(path, layer): json.dumps(field_map, ensure_ascii=False)})


def proposed_mapping(columns, kind: str, remembered: dict[str, str] | None = None) -> dict[str, str]:
    """Each column → the field the importer reads it as ("" = kept as an extra column): the mapping
    found by name (field_renames), with what the user confirmed last time for the columns still
    present (fields the kind lacks dropped)."""
    schema = kind_of(kind).schema
    columns = [c for c in columns if c != "geometry"]
    automatic = field_renames(columns, schema)
    proposal = {c: automatic.get(c, c if c in schema.names else "") for c in columns}
    for column, target in (remembered or {}).items():
        if column in proposal and (target == "" or target in schema.names):
            for other, given in proposal.items():  # one column per field: the remembered one wins
                if target and given == target and other != column:
                    proposal[other] = ""
            proposal[column] = target
    return proposal


def mapping_for_import(proposal: dict[str, str], columns) -> dict[str, str]:
    """The map passed to import_layer: the columns the source has (a table's coordinate columns
    become the geometry and are not among them)."""
    present = set(columns)
    return {c: t for c, t in proposal.items() if c in present}


def safe_layer_id(text: str) -> str:
    """A proposal for a new layer's id from a name (letters, digits, _; starting with a letter)."""
    text = re.sub(r"\W+", "_", text.strip().lower(), flags=re.ASCII).strip("_")
    return text if text and text[0].isalpha() else f"layer_{text}" if text else "layer"
