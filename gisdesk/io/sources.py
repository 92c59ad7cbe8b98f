"""Reading vector sources (GeoPackage, shapefile, GeoJSON, ... anything GDAL reads)."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
import shapely.errors

from gisdesk.errors import InputError
from gisdesk.io.dxf import read_dxf
from gisdesk.io.encodings import check_encoding
from gisdesk.i18n import tr
from gisdesk.io.tables_in import is_table, read_table

# A zip made on Chinese Windows stores its member names in GBK without the UTF-8 flag: GDAL reads such
# names as CP437 (建筑.shp → ╜¿╓■.shp) unless told otherwise before it first opens the archive.
# LIBKML turns every non-ASCII letter of an ExtendedData field name into "_" (编号 and 状态 both "______",
# one of them lost) unless told not to launder them.
for _option, _value in (("CPL_ZIP_ENCODING", "CP936"), ("LIBKML_LAUNDER_FIELD_NAMES", "NO")):
    if _option not in os.environ:
        pyogrio.set_gdal_config_options({_option: _value})


def read_vector(path, *, layer: str | None = None, encoding: str | None = None, x_field: str | None = None,
                y_field: str | None = None, skip_bad: bool = False) -> gpd.GeoDataFrame:
    """Read one layer of a vector file; clear errors for a missing file, layer or a broken one.

    `encoding` is the text encoding of a shapefile's attributes when GDAL cannot tell it
    (`shapefile_encoding` finds the common Chinese case). A source that cannot be read whole is
    refused naming where it breaks; `skip_bad` reads what can be read (`check_complete`).
    """
    path = Path(path)
    if not path.exists():
        raise InputError("文件不存在：{path}", "file not found: {path}", path=path)
    if is_table(path):  # CSV and Excel: points from coordinate columns (gisdesk.io.tables_in)
        return read_table(path, layer=layer, encoding=encoding, x_field=x_field, y_field=y_field)
    if path.suffix.lower() == ".dxf":  # CAD drawings: the entities of every CAD layer, texts too (gisdesk.io.dxf)
        return read_dxf(path, layer=layer, encoding=encoding)
    source = gdal_source(path)
    if path.suffix.lower() in (".kml", ".kmz"):  # before GDAL, whose parser would say less
        _check_kml_text(path)
    try:
        listed = pyogrio.list_layers(source)
    except Exception as exc:
        raise InputError("无法读取 {path}：{why}", "cannot read {path}: {why}", path=path.name, why=_why(exc)) from exc
    finally:
        if "CPL_ZIP_ENCODING" not in os.environ:  # GDAL keeps this archive's names as read: the default again
            pyogrio.set_gdal_config_options({"CPL_ZIP_ENCODING": "CP936"})
    layers = [name for name, _ in listed]
    if not layers:
        raise InputError("{path} 中没有任何图层（没有可读的要素）", "{path} holds no layer (no features to read)",
                         path=path.name)
    if layer is None:
        if len(layers) > 1:
            raise InputError("{path} 含有 {n} 个图层：{layers}；请用 --layer 指定一个",
                             "{path} holds {n} layers: {layers}; choose one with --layer",
                             path=path.name, n=len(layers), layers=layer_summary(source, listed))
    elif layer not in layers:
        raise InputError("{path} 中没有图层 {layer}；现有：{layers}", "{path} has no layer {layer}; it has: {layers}",
                         path=path.name, layer=layer, layers=layer_summary(source, listed))
    if encoding:
        check_encoding(encoding)
    try:
        try:
            if encoding:  # GDAL's Arrow reader takes UTF-8 only
                frame = pyogrio.read_dataframe(source, layer=layer, encoding=encoding, use_arrow=False)
            else:
                frame = pyogrio.read_dataframe(source, layer=layer, use_arrow=True)
        except shapely.errors.GEOSException:
            frame = _read_fixing_geometries(source, layer, encoding)
    except Exception as exc:  # where it breaks, read record by record (refused, or the rest with skip_bad)
        return _drop_kml_styling(check_complete(path, None, layer=layer, encoding=encoding, skip_bad=skip_bad,
                                                error=exc))
    if not isinstance(frame, gpd.GeoDataFrame):  # GDAL gives a table without a geometry column as a DataFrame
        raise InputError("{path}：图层 {layer} 没有几何列（只是属性表），不能作为图层导入",
                         "{path}: layer {layer} has no geometry column (an attribute table only) and cannot be "
                         "imported as a layer", path=path.name, layer=layer or (layers[0] if layers else ""))
    _name_columns(frame)
    column = None if encoding else _not_utf8_column(frame)
    if column is not None:  # GDAL passes a GeoJSON's (KML's ...) bytes on as they are, GBK too
        raise InputError("{path}：字段 {field} 的文字不是 UTF-8 编码：请用 --encoding 指定文件的编码（例如 GBK）",
                         "{path}: the text of field {field} is not UTF-8: name the file's encoding with --encoding "
                         "(e.g. GBK)", path=path.name, field=column)
    return _drop_kml_styling(check_complete(path, frame, layer=layer, encoding=encoding, skip_bad=skip_bad))


def _name_columns(frame) -> None:
    """Fields without a name or with the name of another (a damaged .dbf header) get one of their own:
    field_3 for the third field, name_2 for the second name. Everything after the read takes names as keys."""
    names, geometry = list(frame.columns), frame.geometry.name
    if len(set(names)) == len(names) and all(str(n) for n in names):
        return
    out, seen = [], {geometry}
    for i, name in enumerate(names):
        if name == geometry:
            out.append(name)
            continue
        base = str(name) or f"field_{i + 1}"
        new, n = base, 2
        while new in seen:
            new, n = f"{base}_{n}", n + 1
        seen.add(new)
        out.append(new)
    frame.columns = out


def _not_utf8_column(frame) -> str | None:
    """The first text column read through Arrow whose bytes are not UTF-8 (any use of it would raise
    UnicodeDecodeError, at the latest when the project is written). One decode of each chunk's data."""
    for i, name in enumerate(frame.columns):  # by position: a .dbf may name two fields alike
        values = frame.iloc[:, i].array
        if not hasattr(values, "__arrow_array__") or name == frame.geometry.name:
            continue
        try:
            chunks = values.__arrow_array__().chunks
        except Exception:
            continue
        for chunk in chunks:
            buffers = chunk.buffers() if hasattr(chunk, "buffers") else []
            if len(buffers) == 3 and buffers[2] is not None:
                try:
                    buffers[2].to_pybytes().decode("utf-8")
                except UnicodeDecodeError:
                    return str(name)
    return None


def gdal_source(path: Path):
    """What GDAL is given for `path`: the path itself, or for a .zip whose shapefiles all sit in one
    folder of the archive (what zipping a folder gives), that folder inside it (GDAL reads a zip's
    shapefiles at its root only)."""
    import zipfile

    if path.suffix.lower() != ".zip" or not zipfile.is_zipfile(path):
        return path
    try:
        with zipfile.ZipFile(path) as archive:
            names = list(zip_names(archive))
            if "CPL_ZIP_ENCODING" not in os.environ:  # before GDAL first opens (and caches) this archive;
                # read_vector sets CP936 back once it has
                pyogrio.set_gdal_config_options({"CPL_ZIP_ENCODING": _zip_name_encoding(archive)})
    except (zipfile.BadZipFile, OSError):
        return path
    folders = {str(Path(n).parent) for n in names if n.lower().endswith(".shp")}
    if len(folders) == 1 and (folder := folders.pop()) != ".":
        return f"/vsizip/{path}/{folder}"
    if len(folders) > 1:
        raise InputError("{path} 中的 shapefile 分在几个文件夹里（{folders}）：请解压后导入其中一个",
                         "{path} holds shapefiles in several folders ({folders}): unzip it and import one of them",
                         path=path.name, folders="、".join(sorted(f + "/" if f != "." else "./" for f in folders)))
    return path


def _zip_name_encoding(archive) -> str:
    """How a zip's names without the UTF-8 flag are written: UTF-8 when they all decode as UTF-8 (macOS's
    Archive Utility sets no flag), else CP936 (GBK: Chinese Windows, WinRAR)."""
    raw = [i.filename.encode("cp437", errors="replace") for i in archive.infolist() if not i.flag_bits & 0x800]
    try:
        for name in raw:
            name.decode("utf-8")
    except UnicodeDecodeError:
        return "CP936"
    return "UTF-8"


def zip_names(archive) -> dict[str, str]:
    """A zip's member names as GDAL reads them (names without the UTF-8 flag decoded as
    `_zip_name_encoding` says, as gdal_source tells GDAL) → the name zipfile knows them by."""
    encoding = "utf-8" if _zip_name_encoding(archive) == "UTF-8" else "gb18030"
    out = {}
    for info in archive.infolist():
        name = info.filename
        if not info.flag_bits & 0x800:
            try:
                name = name.encode("cp437").decode(encoding)
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
        out[name] = info.filename
    return out


_GEOMETRY_ZH = {"Point": "点", "MultiPoint": "多点", "LineString": "线", "MultiLineString": "多线", "Polygon": "面",
                "MultiPolygon": "多面", "GeometryCollection": "几何集合", "None": "无几何"}


def layer_summary(source, listed) -> str:
    """The layers of a source as one line: name (features, geometry type), ...; the count and type GDAL
    does not declare (a KML folder) are found by reading the layer."""
    parts = []
    try:  # counting what GDAL cannot count fast reads the whole file (an OSM extract): not for a big one
        big = os.path.getsize(source) > 64 << 20
    except (OSError, TypeError):
        big = False
    for name, declared in listed:
        try:
            count = int(pyogrio.read_info(source, layer=name, force_feature_count=not big)["features"])
        except Exception:
            count = -1
        kind = str(declared).replace(" Z", "").replace(" M", "")
        if kind in ("Unknown", "Geometry", "") and 0 <= count <= 100_000:
            try:
                geoms = pyogrio.read_dataframe(source, layer=name, columns=[]).geometry
                kinds = sorted(set(geoms.dropna().geom_type))
                kind = "+".join(kinds) if kinds else "None"
            except Exception:
                pass
        kinds = kind.split("+")
        zh = "+".join(_GEOMETRY_ZH.get(k, k) for k in kinds)
        features = (tr("{n} 个要素", "{n} features", n=count) if count >= 0 else tr("要素数未知", "features unknown"))
        parts.append(tr("{name}（{features}，{kind}）", "{name} ({features}, {kind})", name=name, features=features,
                        kind=zh if tr("zh", "en") == "zh" else kind))
    return tr("、", ", ").join(parts)


_OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm")
_OSM_LAYER_CLASS = {"points": "point", "lines": "line", "multilinestrings": "line", "multipolygons": "polygon"}


def osm_layer_for(path, geometries) -> str | None:
    """For an OpenStreetMap extract (.osm.pbf, .osm) read without --layer, the one layer of GDAL's OSM
    driver whose geometries the kind takes (buildings: multipolygons); None when the source is no
    OSM file or several layers fit (then the layers are listed to choose from)."""
    if not str(path).lower().endswith(_OSM_SUFFIXES):
        return None
    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
    except Exception:
        return None
    fitting = [n for n in layers if _OSM_LAYER_CLASS.get(n) in geometries]
    return fitting[0] if len(fitting) == 1 else None


_KML_STYLING = {"id": None, "timestamp": None, "begin": None, "end": None, "altitudeMode": None, "tessellate": -1,
                "extrude": 0, "visibility": -1, "drawOrder": None, "icon": None}


def _drop_kml_styling(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """LIBKML gives every placemark its presentation fields (altitudeMode, tessellate, extrude,
    visibility, drawOrder, icon, begin/end/timestamp, id): dropped when a column holds nothing but
    their empty or default value, so a KML's layer keeps its name, description and data fields."""
    names = [c for c in _KML_STYLING if c in frame.columns]
    if len(names) < 6 or "description" not in frame.columns:  # not LIBKML's placemark schema
        return frame
    drop = [c for c in names if frame[c].isna().all() or (_KML_STYLING[c] is not None and
                                                          (frame[c].fillna(_KML_STYLING[c]) == _KML_STYLING[c]).all())]
    if drop:
        attrs = dict(frame.attrs)
        frame = frame.drop(columns=drop)
        frame.attrs.update(attrs)
    return frame


def _read_fixing_geometries(path, layer, encoding) -> gpd.GeoDataFrame:
    """The source read again when GEOS cannot even build some of its geometries (an OSM
    multipolygon with a two-point ring): those are made valid as they are read, and counted in
    frame.attrs["fixed_on_read"] for the import report."""
    meta, _, wkb, values = pyogrio.raw.read(path, layer=layer, encoding=encoding)
    geoms = shapely.from_wkb(wkb, on_invalid="fix")
    unreadable = int((shapely.is_missing(shapely.from_wkb(wkb, on_invalid="ignore")) & ~shapely.is_missing(geoms)
                      ).sum())
    frame = gpd.GeoDataFrame(dict(zip(meta["fields"], values)), geometry=geoms, crs=meta["crs"])
    frame.attrs["fixed_on_read"] = unreadable
    return frame


def _why(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return next((tr(zh, en) for key, zh, en in _GDAL_WHY if key in text), text)


_GDAL_WHY = [  # GDAL's developer text → what a user can act on
    ("not recognized as being in a supported file format", "不是可识别的矢量格式，或文件为空、已损坏",
     "not a recognised vector format, or the file is empty or damaged"),
    *((key, "GeoPackage 的表结构已损坏（所列的表或列不存在）",
       "the GeoPackage's tables are damaged (a table or column it lists does not exist)")
      for key in ("failed to prepare SQL", "sqlite3_prepare_v2", "no such column", "no such table")),
    ("/vsizip/", "压缩包已损坏，或其中没有可读的矢量文件", "the archive is damaged or holds no readable vector file"),
    ("database disk image is malformed", "GeoPackage（SQLite）文件已损坏", "the GeoPackage (SQLite) file is damaged"),
    ("SHAPE_RESTORE_SHX", "缺少 .shx 索引文件", "the .shx index file is missing"),
    ("records in .shx file", ".shx 索引文件被截断", "the .shx index file is cut off"),
    ("Failed to read GeoJSON data", "GeoJSON 内容无效或不完整", "the GeoJSON is invalid or incomplete"),
    ("ERROR parsing kml", "KML 内容无效或不完整", "the KML is invalid or incomplete"),
    ("openfilegdb", "File GDB 的表已损坏", "a table of the File GDB is damaged"),
    (".shx file is unreadable", ".shx 索引文件无法读取或已损坏", "the .shx index file is unreadable or damaged"),
    # found leaking by the fuzz run (fuzz/README.md)
    ("required GeoPackage tables", "GeoPackage 缺少必需的表 gpkg_spatial_ref_sys 或 gpkg_contents",
     "the GeoPackage lacks its required table gpkg_spatial_ref_sys or gpkg_contents"),
    ("codec can't decode", "文字不是所用编码的文本：请用 --encoding 指定（例如 GBK）",
     "text not in the encoding used: name it with --encoding (e.g. GBK)"),
    ("not encoded in UTF-8", "文字不是 UTF-8 编码：请用 --encoding 指定（例如 GBK）",
     "the text is not UTF-8: name its encoding with --encoding (e.g. GBK)"),
    ("for entity", ".shx 索引中记录的位置或长度无效", "a record's offset or length in the .shx index is invalid"),
    ("Record count in .shx header", ".shx 索引文件头中的记录数无效", "the record count in the .shx header is invalid"),
    (".shp file is unreadable", ".shp 文件无法读取或已损坏", "the .shp file is unreadable or damaged"),
    ("Corrupted .shp file", ".shp 文件中的记录已损坏", "a record of the .shp file is damaged"),
    ("on DBF file", ".dbf 文件无法读取（被截断或已损坏）", "the .dbf file cannot be read (cut off or damaged)"),
]


def shapefile_encoding(path, layer: str | None = None) -> str | None:
    """GB18030 for a shapefile whose text GDAL would misread: no .cpg, no code page in the DBF
    (language driver byte 0) and attributes that are not UTF-8 but are GBK — what old ArcGIS and
    many Chinese tools wrote. None when GDAL can tell the encoding itself (or the text is plain)."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        return _zipped_shapefile_encoding(path, layer)
    if path.suffix.lower() != ".shp" or any(path.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbf = next((p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return None
    with open(dbf, "rb") as handle:
        return _dbf_encoding(handle)


def _zipped_shapefile_encoding(path: Path, layer: str | None) -> str | None:
    """`shapefile_encoding` of the shapefile in a .zip (its `layer`, or its only one)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = {n.lower(): m for n, m in zip_names(archive).items()}
            shps = [n for n in names if n.endswith(".shp") and (layer is None or Path(n).stem == layer.lower())]
            if len(shps) != 1 or shps[0][:-4] + ".cpg" in names or shps[0][:-4] + ".dbf" not in names:
                return None
            with archive.open(names[shps[0][:-4] + ".dbf"]) as handle:
                return _dbf_encoding(handle)
    except (zipfile.BadZipFile, OSError, EOFError):
        return None


def _dbf_encoding(handle) -> str | None:
    """GB18030 when the .dbf read from `handle` has no code page byte and GBK, not UTF-8, text."""
    header = handle.read(32)
    if len(header) < 32 or header[29] != 0:
        return None
    header_length, record_length = int.from_bytes(header[8:10], "little"), int.from_bytes(header[10:12], "little")
    fields = handle.read(max(header_length - 32, 0))
    records = handle.read(record_length * max(1, (1 << 20) // max(record_length, 1)))  # whole records, ~1 MB
    names = b"".join(fields[i:i + 11].split(b"\0")[0] for i in range(0, len(fields) - 31, 32))
    text = names + records
    try:
        text.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        text.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return "GB18030"


# --- completeness: a source that cannot be read whole is refused, or read in part with --skip-bad ---

_SHP_POLY_TYPES = (3, 5, 13, 15, 23, 25, 31)  # polyline, polygon, their Z and M forms, multipatch
_SHP_MULTIPOINT_TYPES = (8, 18, 28)


def check_complete(path, frame: gpd.GeoDataFrame | None, *, layer: str | None = None,
                   encoding: str | None = None, skip_bad: bool = False, error: Exception | None = None
                   ) -> gpd.GeoDataFrame:
    """The frame read from `path` if it holds every record of the source, else a refusal naming
    the first record that cannot be read (1-based, as "第 N 条记录"). With `skip_bad` the
    readable records are returned and the others listed in `frame.attrs["bad_records"]`
    (1-based record numbers) with `frame.attrs["bad_reason"]`.

    `frame` is None when the fast read raised `error`: fiona then reads record by record to
    find where the source breaks. Shapefiles are checked against their own structure: the
    record counts of .shx (its length), .dbf (header and file size) and each .shp record's
    header; other sources against the feature count GDAL reports for the layer.
    """
    path = Path(path)
    numbers = None  # the record number of each row of the frame; None: row i is record i + 1
    bad: set[int] = set()
    why = ""
    if frame is None:
        frame, numbers, bad, why = _read_by_record(path, layer, encoding, error)
    parts = _shapefile_parts(path, layer)
    if parts is not None:
        if parts[2] is None:  # GDAL reads the shapes alone: every attribute would be lost
            raise InputError("{path}：缺少属性表文件 {dbf}，未导入任何要素", "{path}: its attribute file {dbf} is missing; "
                             "nothing imported", path=path.name, dbf=parts[4])
        shp_bad, shp_why, expected = _shapefile_bad_records(*parts[:4])
        if shp_bad:
            bad |= set(shp_bad)
            why = why or shp_why
    else:
        expected = _feature_count(gdal_source(path), layer)
    unreadable = {".gpkg": _gpkg_unreadable_geometries, ".geojson": _geojson_unreadable_geometries,
                  ".json": _geojson_unreadable_geometries, ".kml": _kml_unreadable_geometries,
                  ".kmz": _kml_unreadable_geometries}.get(path.suffix.lower())
    if unreadable is not None and (numbers is None or list(numbers) == list(range(1, len(frame) + 1))):
        blobs, blob_why = unreadable(path, layer, frame)
        if blobs:
            bad |= set(blobs)
            why = why or blob_why
    read = len(frame) if numbers is None else len(set(numbers))
    unlisted = 0  # records a count claims beyond what the file's bytes could hold: counted, not listed
    if expected is not None and read + len(bad) < expected:  # records the reader never returned
        listed = min(expected, read + len(bad) + min(_size(path), 2_000_000))
        unlisted = expected - listed
        missing = (set(range(read + 1, listed + 1)) if numbers is None
                   else set(range(1, listed + 1)) - set(numbers)) - bad
        if missing:
            bad |= missing
            why = why or tr("读到 {read} 条，文件记录数为 {count}", "{read} read of {count} records",
                            read=read, count=expected)
    if not bad:
        return frame
    if path.suffix.lower() == ".gpkg":
        why = _gpkg_damage(path) or why
    bad_list = sorted(bad)
    total = max(expected or 0, len(frame), bad_list[-1])
    if not skip_bad:
        raise InputError("{path}：第 {n} 条记录起无法读取（{why}）；共 {total} 条记录中 {bad} 条不可读，未导入任何要素"
                         "（--skip-bad 只导入可读的记录）",
                         "{path}: cannot be read from record {n} on ({why}); {bad} of {total} records unreadable, "
                         "nothing imported (--skip-bad imports the readable records)",
                         path=path.name, n=bad_list[0], why=why, total=total, bad=len(bad_list) + unlisted)
    import numpy as np

    row_numbers = np.arange(1, len(frame) + 1) if numbers is None else np.asarray(numbers)
    keep = ~np.isin(row_numbers, bad_list)
    if not keep.all():
        frame = frame[keep].reset_index(drop=True)
    frame.attrs["bad_records"] = bad_list
    frame.attrs["bad_reason"] = why
    return frame


def _size(path: Path) -> int:
    """The bytes of a file, or of the files of a folder (a File GDB)."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def record_ranges(records: list[int]) -> str:
    """1, 2, 3, 7, 9, 10 → "1–3, 7, 9–10"."""
    parts, start = [], None
    for i, n in enumerate(records):
        if start is None:
            start = n
        if i + 1 == len(records) or records[i + 1] != n + 1:
            parts.append(str(start) if start == n else f"{start}–{n}")
            start = None
    return ", ".join(parts)


def _feature_count(path: Path, layer: str | None) -> int | None:
    try:
        count = int(pyogrio.read_info(path, layer=layer)["features"])
    except Exception:
        return None
    return count if count >= 0 else None


def _read_by_record(path: Path, layer, encoding, error: Exception):
    """Read with fiona one record at a time: (frame of the records read, 1-based numbers of the
    records that failed, why). The fast read failed with `error`; when fiona cannot open the
    source at all it is refused as unreadable."""
    import logging

    import fiona
    import shapely.geometry

    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    handler, logger = _Collect(level=logging.ERROR), logging.getLogger("fiona")
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    rows, geoms, numbers, bad, why = [], [], [], set(), ""
    try:
        try:
            where = gdal_source(path)
            source = fiona.open(where, layer=layer, encoding=encoding) if encoding else fiona.open(where, layer=layer)
        except Exception:
            raise InputError("无法读取 {path}：{why}", "cannot read {path}: {why}", path=path.name,
                             why=_why(error)) from error
        with source:
            try:
                crs = source.crs.to_wkt() if source.crs else None
            except Exception:  # a .prj GDAL cannot parse: as if there were none (the import then asks for --crs)
                crs = None
            try:
                records = iter(source)
            except Exception as exc:  # fiona cannot even start reading (columns the table lacks, undecodable names)
                raise InputError("无法读取 {path}：{why}", "cannot read {path}: {why}", path=path.name,
                                 why=_why(error)) from exc
            n = 0
            while True:
                n += 1
                try:
                    feature = next(records)
                except StopIteration:
                    break
                except Exception as exc:  # the reader cannot go on past this record
                    bad.add(n)
                    why = why or _why(exc)
                    break
                try:
                    geometry = shapely.geometry.shape(feature.geometry) if feature.geometry else None
                except Exception as exc:
                    bad.add(n)
                    why = why or _why(exc)
                    continue
                rows.append(dict(feature.properties))
                geoms.append(geometry)
                numbers.append(n)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    why = why or (_why(Exception(messages[0])) if messages else _why(error))
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=crs) if rows else gpd.GeoDataFrame(geometry=[], crs=crs)
    return frame, numbers, bad, why


def _shapefile_parts(path: Path, layer: str | None):
    """(.shp bytes, .shx bytes, .dbf header (12 bytes) or None, .dbf size, .dbf name) of a shapefile or of the
    shapefile in a .zip (its `layer`, or its only one); None for other sources or without a .shx."""
    import zipfile

    import numpy as np

    suffix = path.suffix.lower()
    if suffix == ".shp":
        shx, dbf = _sidecar(path, ".shx"), _sidecar(path, ".dbf")
        if shx is None:
            return None
        shp = np.memmap(path, dtype=np.uint8, mode="r") if path.stat().st_size else np.zeros(0, np.uint8)
        header = None
        if dbf is not None:
            with open(dbf, "rb") as handle:
                header = handle.read(12)
        return shp, np.fromfile(shx, dtype=np.uint8), header, dbf.stat().st_size if dbf else 0, path.stem + ".dbf"
    if suffix != ".zip" or not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        members = {n.lower(): m for n, m in zip_names(archive).items()}
        shps = [m for m in members if m.endswith(".shp") and (layer is None or Path(m).stem == layer.lower())]
        if len(shps) != 1:
            return None
        stem = shps[0][:-4]
        if stem + ".shx" not in members:
            return None
        shp = np.frombuffer(archive.read(members[shps[0]]), dtype=np.uint8)
        shx = np.frombuffer(archive.read(members[stem + ".shx"]), dtype=np.uint8)
        dbf = members.get(stem + ".dbf")
        if dbf is None:
            return shp, shx, None, 0, Path(members[shps[0]]).stem + ".dbf"
        return shp, shx, archive.read(dbf)[:12], archive.getinfo(dbf).file_size, Path(dbf).name


def _gpkg_unreadable_geometries(path: Path, layer: str | None, frame) -> tuple[list[int], str]:
    """Rows GDAL gave no geometry though the GeoPackage holds a blob for them (an unreadable blob)."""
    import sqlite3

    import numpy as np

    missing = np.flatnonzero(frame.geometry.isna().to_numpy()) if len(frame) else np.zeros(0, int)
    if not len(missing):
        return [], ""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            table, column = db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"
                                       + (" WHERE table_name = ?" if layer else ""), (layer,) if layer else ()
                                       ).fetchone()
            has_blob = np.array([r[0] for r in db.execute(f'SELECT "{column}" IS NOT NULL FROM "{table}" '
                                                          f'ORDER BY rowid')], dtype=bool)
    except (sqlite3.Error, TypeError):
        return [], ""
    if len(has_blob) != len(frame):
        return [], ""
    rows = missing[has_blob[missing]]
    return [int(r) + 1 for r in rows], tr("几何数据无法解析", "the geometry cannot be decoded")


def _kml_document(path: Path) -> bytes | None:
    """The KML text of a .kml, or of a .kmz's doc.kml (else its first .kml); None when there is none."""
    import zipfile

    try:
        if path.suffix.lower() == ".kml":
            return path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".kml")]
            names.sort(key=lambda n: (n.lower() != "doc.kml", n))
            return archive.read(names[0]) if names else None
    except (OSError, zipfile.BadZipFile, EOFError):
        return None


def _check_kml_text(path: Path) -> None:
    """A KML declared UTF-8 (its default) whose bytes are not: refused — LIBKML would read GBK names as
    mojibake without a word."""
    data = _kml_document(path)
    if data is None:
        return
    match = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9_-]+)", data)
    declared = match.group(1).decode("ascii") if match else "UTF-8"
    if declared.upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        looks = ""
        try:
            data.decode("gb18030")
            looks = tr("，像是 GBK", ", it looks like GBK")
        except UnicodeDecodeError:
            pass
        raise InputError("{path}：KML 声明为 UTF-8，但第 {line} 行不是 UTF-8 文本{looks}：请把文件另存为 UTF-8 后再导入",
                         "{path}: the KML says it is UTF-8, but line {line} is not UTF-8 text{looks}: save it as UTF-8 "
                         "and import that", path=path.name, line=line, looks=looks) from None


def _kml_unreadable_geometries(path: Path, layer: str | None, frame) -> tuple[list[int], str]:
    """Placemarks GDAL gave no or an empty geometry though the KML has coordinates for them (text or
    NaN coordinates, a ring that does not close). The placemarks are those of the folder named `layer`
    (else of the whole document), in document order; looked at only when some geometry came back empty."""
    import xml.etree.ElementTree as ElementTree

    import numpy as np

    missing = np.flatnonzero((frame.geometry.isna() | frame.geometry.is_empty).to_numpy()) if len(frame) else []
    if not len(missing):
        return [], ""
    data = _kml_document(path)
    try:
        root = ElementTree.fromstring(data) if data else None
    except ElementTree.ParseError:
        return [], ""
    if root is None:
        return [], ""

    def local(tag):
        return tag.rsplit("}", 1)[-1]

    scope = root
    if layer:
        folders = [e for e in root.iter() if local(e.tag) in ("Folder", "Document") and any(
            local(c.tag) == "name" and (c.text or "").strip() == layer for c in e)]
        if len(folders) == 1:
            scope = folders[0]
    if scope is root or not layer:
        placemarks = [e for e in scope.iter() if local(e.tag) == "Placemark"]
    else:
        placemarks = [c for c in scope if local(c.tag) == "Placemark"]
    if len(placemarks) != len(frame):
        return [], ""
    rows = [int(i) + 1 for i in missing if any(local(e.tag) == "coordinates" and (e.text or "").strip()
                                                 for e in placemarks[i].iter())]
    return rows, tr("几何无法解析（坐标无效或环不闭合）", "the geometry cannot be read (bad coordinates or an open ring)")


def _geojson_unreadable_geometries(path: Path, layer: str | None, frame) -> tuple[list[int], str]:
    """Features GDAL gave no geometry though the GeoJSON has one for them (an unknown type, text
    coordinates ...). Parsed again only when some geometry came back empty."""
    import json

    import numpy as np

    missing = np.flatnonzero(frame.geometry.isna().to_numpy()) if len(frame) else np.zeros(0, int)
    if not len(missing):
        return [], ""
    try:
        with open(path, "rb") as handle:
            features = json.load(handle).get("features")
    except (OSError, ValueError, AttributeError):
        return [], ""
    if not isinstance(features, list) or len(features) != len(frame):
        return [], ""
    rows = [int(i) + 1 for i in missing if isinstance(features[i], dict) and features[i].get("geometry") is not None]
    return rows, tr("几何无法解析（类型或坐标无效）", "the geometry cannot be read (bad type or coordinates)")


def _shapefile_bad_records(shp, shx, dbf_header, dbf_size) -> tuple[list[int], str, int | None]:
    """(1-based numbers of broken records, why, the number of records the shapefile should have).

    A record is broken when the .shx points outside the .shp, the .shp record's header does not
    carry its number or the file's shape type, its parts and points do not fit in its length,
    or the .dbf lacks it (header count or file size short of the .shx count)."""
    import numpy as np

    shx_size, shp_size = len(shx), len(shp)
    n_shx = max((shx_size - 100) // 8, 0)
    bad: dict[int, str] = {}
    if shx_size < 100 or (shx_size - 100) % 8:
        bad[n_shx + 1] = tr(".shx 文件被截断", "the .shx is truncated")
    if n_shx:
        index = shx[100:100 + 8 * n_shx].copy().view(">i4").reshape(-1, 2).astype(np.int64) * 2
        offsets, lengths = index[:, 0], index[:, 1]
        inside = (offsets >= 100) & (offsets + 8 + lengths <= shp_size) & (lengths >= 4)

        def field(at, dtype, ok):  # a 4-byte integer at byte `at` of each record (0 where not inside)
            at = np.where(ok, at, 0)
            if not len(shp):
                return np.zeros(len(at), np.int64)
            return shp[at[:, None] + np.arange(4)].copy().view(dtype).reshape(-1).astype(np.int64)

        numbers = field(offsets, ">i4", inside)
        types = field(offsets + 8, "<i4", inside)
        file_type = int(np.frombuffer(bytes(shp[32:36]), "<i4")[0]) if shp_size >= 100 else -1
        ok = inside & (numbers == np.arange(1, n_shx + 1)) & ((types == 0) | (types == file_type))
        poly = ok & np.isin(types, _SHP_POLY_TYPES) & (lengths >= 44)
        parts, points = field(offsets + 44, "<i4", poly), field(offsets + 48, "<i4", poly)
        ok &= ~poly | ((parts >= 0) & (points >= 0) & (44 + 4 * parts + 16 * points <= lengths))
        multi = ok & np.isin(types, _SHP_MULTIPOINT_TYPES) & (lengths >= 40)
        points = field(offsets + 44, "<i4", multi)
        ok &= ~multi | ((points >= 0) & (40 + 16 * points <= lengths))  # type, box, count: 40 bytes
        ok &= ~np.isin(types, (*_SHP_POLY_TYPES, *_SHP_MULTIPOINT_TYPES)) | (lengths >= 40) | (types == 0)
        ok &= (types != 1) | (lengths >= 20)
        for i in np.flatnonzero(~ok):
            bad[int(i) + 1] = tr(".shp 中第 {n} 条记录损坏或被截断", "record {n} of the .shp is damaged or cut off",
                                 n=int(i) + 1)
    if dbf_header is not None and len(dbf_header) < 12:
        for n in range(1, n_shx + 1):
            bad.setdefault(n, tr(".dbf 文件为空或被截断", "the .dbf is empty or cut off"))
    if dbf_header is not None:
        header = dbf_header
        if len(header) == 12:
            n_dbf = int.from_bytes(header[4:8], "little")
            header_length, record_length = int.from_bytes(header[8:10], "little"), int.from_bytes(header[10:12], "little")
            present = max(dbf_size - header_length, 0) // record_length if record_length else 0
            have = min(n_dbf, present)
            if have < n_shx:
                why = tr(".dbf 只有 {dbf} 条记录，.shx 有 {shx} 条", "the .dbf holds {dbf} records, the .shx {shx}",
                         dbf=have, shx=n_shx) if n_dbf <= present else \
                    tr(".dbf 被截断（头部记 {n} 条，实有 {have} 条）", "the .dbf is cut off ({have} of its {n} records)",
                       n=n_dbf, have=present)
                for n in range(have + 1, n_shx + 1):
                    bad.setdefault(n, why)
    numbers = sorted(bad)
    return numbers, (bad[numbers[0]] if numbers else ""), n_shx


def _gpkg_damage(path: Path) -> str:
    """What SQLite's quick_check says of a GeoPackage that did not read whole ("" when it finds nothing)."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            result = [r[0] for r in db.execute("PRAGMA quick_check(3)")]
    except sqlite3.Error as exc:
        result = [str(exc)]
    if result == ["ok"]:
        return ""
    pages = sorted({int(n) for n in re.findall(r"page (\d+)", " ".join(result))})
    if not pages:
        return tr("GeoPackage（SQLite）文件已损坏", "the GeoPackage (SQLite) file is damaged")
    return tr("GeoPackage 的数据库页已损坏：第 {pages} 页", "damaged database pages in the GeoPackage: page {pages}",
              pages=", ".join(map(str, pages[:5])))


def _sidecar(path: Path, suffix: str) -> Path | None:
    return next((p for p in (path.with_suffix(suffix), path.with_suffix(suffix.upper())) if p.exists()), None)
