"""Reading vector sources (GeoPackage, shapefile, GeoJSON, ... anything GDAL reads)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from gisdesk.errors import InputError


def read_vector(path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read one layer of a vector file; clear errors for a missing file, layer or a broken one."""
    path = Path(path)
    if not path.exists():
        raise InputError("文件不存在：{path}", "file not found: {path}", path=path)
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
    try:
        return pyogrio.read_dataframe(path, layer=layer, use_arrow=True)
    except Exception as exc:
        raise InputError("无法读取 {path}：{why}", "cannot read {path}: {why}", path=path.name, why=_why(exc)) from exc


def _why(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
