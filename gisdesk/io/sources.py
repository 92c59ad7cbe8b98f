"""Reading vector sources (GeoPackage, shapefile, GeoJSON, ... anything GDAL reads)."""

from __future__ import annotations

import codecs
from pathlib import Path

import geopandas as gpd
import pyogrio

from gisdesk.errors import InputError
from gisdesk.io.tables_in import is_table, read_table


def read_vector(path, *, layer: str | None = None, encoding: str | None = None, x_field: str | None = None,
                y_field: str | None = None) -> gpd.GeoDataFrame:
    """Read one layer of a vector file; clear errors for a missing file, layer or a broken one.

    `encoding` is the text encoding of a shapefile's attributes when GDAL cannot tell it
    (`shapefile_encoding` finds the common Chinese case).
    """
    path = Path(path)
    if not path.exists():
        raise InputError("文件不存在：{path}", "file not found: {path}", path=path)
    if is_table(path):  # CSV and Excel: points from coordinate columns (gisdesk.io.tables_in)
        return read_table(path, layer=layer, encoding=encoding, x_field=x_field, y_field=y_field)
    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        raise InputError("无法读取 {path}：{why}", "cannot read {path}: {why}", path=path.name, why=_why(exc)) from exc
    if layer is None:
        if len(layers) > 1:
            raise InputError("{path} 含有多个图层（{layers}）：请用 --layer 指定一个",
                             "{path} holds several layers ({layers}): choose one with --layer",
                             path=path.name, layers=", ".join(layers))
    elif layer not in layers:
        raise InputError("{path} 中没有图层 {layer}；现有：{layers}", "{path} has no layer {layer}; it has: {layers}",
                         path=path.name, layer=layer, layers=", ".join(layers))
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError("未知的编码 {encoding}（例如 GBK、GB18030、UTF-8）",
                             "unknown encoding {encoding} (e.g. GBK, GB18030, UTF-8)", encoding=encoding) from None
    try:
        if encoding:  # GDAL's Arrow reader takes UTF-8 only
            return pyogrio.read_dataframe(path, layer=layer, encoding=encoding, use_arrow=False)
        return pyogrio.read_dataframe(path, layer=layer, use_arrow=True)
    except Exception as exc:
        raise InputError("无法读取 {path}：{why}", "cannot read {path}: {why}", path=path.name, why=_why(exc)) from exc


def _why(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def shapefile_encoding(path) -> str | None:
    """GB18030 for a shapefile whose text GDAL would misread: no .cpg, no code page in the DBF
    (language driver byte 0) and attributes that are not UTF-8 but are GBK — what old ArcGIS and
    many Chinese tools wrote. None when GDAL can tell the encoding itself (or the text is plain)."""
    path = Path(path)
    if path.suffix.lower() != ".shp" or any(path.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbf = next((p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return None
    with open(dbf, "rb") as handle:
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
