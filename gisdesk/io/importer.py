"""Importing a source file into a project layer of a kind.

Steps, all before the project is touched: read; keep the geometries the kind allows
(others are counted and reported, never dropped silently); repair invalid ones; give
each feature its uid; map and check the attributes against the kind's schema; pick
the project CRS from the data's centre if the project has none; transform. Then one
transactional append.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gisdesk.crs import (CGCS2000_GEOGRAPHIC, crs_code_name, crs_label, gk3_epsg, guess_crs, implausible, legacy_datum, parse_crs,
                          cgcs2000_zone_like, four_parameter, parse_towgs84, with_towgs84)
from gisdesk.errors import InputError
from gisdesk.i18n import tr
from gisdesk.io.coords import SYSTEMS, geometries_to_wgs84
from gisdesk.io.dxf import CadSummary, remember_cad_map, select_for_kind
from gisdesk.io.sources import osm_layer_for, read_vector, shapefile_encoding
from gisdesk.io.topology import check_import, check_layer
from gisdesk.io.updates import UpdateReport, update_layer
from gisdesk.jobs import Feedback
from gisdesk.layers.kinds import LINE, POINT, POLYGON, kind_of
from gisdesk.layers.schema import conform
from gisdesk.layers.zones import control_zones
from gisdesk.store import ProjectStore, local_now

_SPLIT_KINDS = ("buildings", "ledger")  # kinds whose multi-part footprints are split
_ROW = "__gisdesk_source_row__"  # each feature's row in the user's file, carried through filter and split
_GEOMETRY_CLASS = {1: LINE, 2: LINE, 5: LINE, 0: POINT, 4: POINT, 3: POLYGON, 6: POLYGON}
# the same by type id 0-7, then None: indexed by an array of type ids (-1, nothing, is the last)
_CLASS_BY_TYPE = np.array([_GEOMETRY_CLASS.get(t) for t in range(8)] + [None], dtype=object)


@dataclass
class ImportReport:
    source: str
    kind: str
    imported: int = 0
    repaired: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    source_crs: str = ""
    project_crs: str = ""
    encoding: str = ""  # the attributes' encoding when given or found by gisdesk (GDAL's own choice: "")
    layer: str = ""  # the id of the project layer the features went into
    mapped: dict[str, str] = field(default_factory=dict)  # source column -> schema field it was read as
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)  # field -> {value kept in <field>_source: n}
    update: UpdateReport | None = None  # with --update: what was added, changed and left as it was
    created: bool = False  # whether that layer is new
    split: dict[str, int] = field(default_factory=dict)  # multi-part features split: {"features": n, "parts": m}
    dropped_zm: int = 0  # features whose Z/M values were dropped
    empty_rows: list[int] = field(default_factory=list)  # source rows (1-based) of the empty geometries skipped
    collections: int = 0  # geometry collections kept as their parts of the kind's classes
    coordinates: tuple[str, str] = ("", "")  # for a CSV/Excel table: how its coordinate columns were read (zh, en)
    bad_records: list[int] = field(default_factory=list)  # with --skip-bad: source records (1-based) not readable
    bad_reason: str = ""  # why the first of them could not be read
    cad: CadSummary | None = None  # a DXF drawing: the CAD layers imported and left, labels (gisdesk.io.dxf)
    chosen_layer: str = ""  # the layer of an OSM extract read without --layer: the one the kind takes
    topology: gpd.GeoDataFrame | None = None  # overlaps, slivers, gaps it brought (gisdesk.io.topology); None: no polygons
    crs_guess: str = ""  # the CRS the coordinates look like (gisdesk.crs.guess_crs), "" when no guess
    coords: str = ""  # with --coords: the consumer-map system the coordinates came in (gcj02, bd09)
    datum_shift: str = ""  # with --towgs84: the Beijing 1954 / Xian 1980 source's parameters, as +towgs84=...
    multipoints: dict[str, int] = field(default_factory=dict)  # {"single": n made points, "whole": m kept whole}


def import_layer(project: ProjectStore, source, kind: str, *, layer: str | None = None, to: str | None = None,
                 id_field: str | None = None, crs: str | None = None, half_width: float | None = None,
                 half_width_field: str | None = None, encoding: str | None = None, update: bool = False,
                 x_field: str | None = None, y_field: str | None = None,
                 keep_multipart: bool = False, skip_bad: bool = False, coords: str | None = None,
                 towgs84: str | None = None,
                 cad_map: dict[str, str | None] | None = None, cad_layers: list[str] | None = None,
                 feedback: Feedback | None = None, field_map: dict[str, str] | None = None) -> ImportReport:
    """Import the features of `source` (its `layer`, for a file with several) as `kind`, into the
    project layer `to` (created if new) or, without `to`, into the kind's one layer.

    `field_map` (source column → schema field, or "" to keep the column as an extra column) overrides
    the field mapping found by name for the columns it names (the CLI's --map, the wizard's table)."""
    feedback = feedback or Feedback()
    info = kind_of(kind)
    target, exists = project.import_target(kind, to)
    source = Path(source)
    chosen = "" if layer else (osm_layer_for(source, info.geometries) or "")  # OSM: buildings → multipolygons
    layer = layer or chosen or None
    name = source.name + (f":{layer}" if layer else "")
    if (half_width is not None or half_width_field) and not info.is_control:
        raise InputError("--half-width 只适用于控制线（red green blue purple yellow）",
                         "--half-width applies only to control lines (red green blue purple yellow)")
    feedback.set_stage("read")
    encoding = encoding or shapefile_encoding(source, layer)
    frame = read_vector(source, layer=layer, encoding=encoding, x_field=x_field, y_field=y_field, skip_bad=skip_bad)
    report = ImportReport(source=name, kind=kind, layer=target, created=not exists, encoding=encoding or "")
    report.chosen_layer = chosen
    report.encoding = report.encoding or frame.attrs.get("encoding", "")  # a CSV's, found from its bytes
    fixed_on_read = frame.attrs.get("fixed_on_read", 0)  # geometries GEOS could not build as they were
    report.coordinates = frame.attrs.get("coordinates", ("", ""))  # a table's coordinate columns (zh, en)
    report.bad_records, report.bad_reason = frame.attrs.pop("bad_records", []), frame.attrs.pop("bad_reason", "")
    if report.bad_records:
        report.skipped["unreadable"] = len(report.bad_records)
    if source.suffix.lower() == ".dxf":  # a CAD drawing: the entities of its CAD layers mapped to the kind
        frame, report.cad = select_for_kind(frame, info, project=project, source=source, cad_map=cad_map,
                                            cad_layers=cad_layers, crs=crs)

    source_crs = parse_crs(crs) if crs else (CRS(frame.crs) if frame.crs else None)
    source_crs = _check_source_crs(frame, source_crs, project.crs, name, report, given=bool(crs))
    frame = frame.set_crs(source_crs, allow_override=True)
    if coords:  # picked on a consumer map: GCJ-02 or BD-09 back to WGS-84/CGCS2000 lon/lat
        frame = _from_consumer_map(frame, coords, source_crs, name)
        report.coords = coords
    report.source_crs = crs_label(source_crs)
    if towgs84 or legacy_datum(source_crs):  # Beijing 1954 / Xian 1980: only with the user's parameters
        frame = _datum_shift(frame, source_crs, towgs84, name, report)

    if id_field is None and info.id_field:  # the kind's id field under any name the schema maps (编号 is case_no)
        id_field = info.schema.mapped_column(frame.columns, info.id_field, field_map)
    feedback.set_stage("geometry")
    split = not keep_multipart and info.code in _SPLIT_KINDS
    lines = "source_rows" in frame.attrs  # a CSV/Excel table: its rows as the spreadsheet numbers them
    frame[_ROW] = frame.attrs["source_rows"] if lines else _source_rows(len(frame), report)
    frame = _keep_allowed_geometries(frame, info, report, id_field=id_field, split=split)
    if POINT in info.geometries:
        frame = _multipoints(frame, report)
    report.repaired += fixed_on_read
    if frame.empty:
        raise InputError("{source} 中没有可作为{title}导入的要素（{skipped}）",
                         "{source} has no features usable as {title} ({skipped})",
                         source=name, title=info.title, skipped=_skipped_text(report))
    if update and not (id_field or info.id_field in frame.columns):
        raise InputError("--update 按 uid 匹配要素：请用 --id-field 指定 {source} 中的编号字段",
                         "--update matches features by uid: name the id field of {source} with --id-field", source=name)
    frame["uid"] = _uids(frame, info, id_field, name, lambda among=None: project.uids(target, among)
                         if exists and not update else set())
    if split:
        frame = _split_multipart(frame, info, report, name, lambda among: project.uids(target, among)
                                 if exists and not update else set())
    rows = frame.pop(_ROW).to_numpy()  # schema problems name the row in the user's file and its id value
    id_column = id_field or (info.id_field if info.id_field in frame.columns else None)
    frame = gpd.GeoDataFrame(conform(frame, info.schema, source=name, uids=frame["uid"], mapped=report.mapped,
                                     unmapped=report.unmapped, field_map=field_map, rows=rows, lines=lines,
                                     id_column=id_column), geometry="geometry", crs=frame.crs)
    if info.is_control:
        _set_half_width(frame, half_width, half_width_field, name)
        control_zones(frame, kind)  # a line without a width has no zone: refuse it now, not at check time

    feedback.set_stage("transform")
    project_crs = project.crs
    if project_crs is None:
        project_crs = CRS.from_epsg(gk3_epsg(_centre_longitude(frame)))
    if not CRS(frame.crs).equals(project_crs):
        frame = frame.to_crs(project_crs)
    report.project_crs = crs_label(project_crs)
    bad = ~np.isfinite(shapely.get_coordinates(frame.geometry.values)).all(axis=1)
    if bad.any():
        raise InputError("{source}：坐标无法转换到 {crs}（源坐标系可能不对）",
                         "{source}: coordinates cannot be transformed to {crs} (is the source CRS right?)",
                         source=name, crs=report.project_crs)

    columns = ["uid", *[c for c in frame.columns if c not in ("uid", "geometry")], "geometry"]
    frame = frame[columns]
    feedback.set_stage("write")
    if update and exists:
        report.update = update_layer(project, target, kind, frame, source=name)
        if POLYGON in info.geometries:  # features changed: the layer's topology is checked again
            report.topology = check_layer(project, target)
        report.imported = len(report.update.added)
        if report.cad is not None:  # the CAD layer mapping the user edited, once the import is done
            remember_cad_map(project, source.name, report.cad.remember)
        feedback.finish()
        return report
    topology = check_import(project, target, frame, exists=exists) if POLYGON in info.geometries else None
    project.add_features(target, frame, kind=kind, source={
        # the source's CRS by its EPSG name, whatever the language (the properties show it in the user's)
        "path": str(source), "layer": layer, "source_crs": crs_code_name(source_crs) if source_crs is not None else report.source_crs,
        "imported_at": local_now(),
        "features": len(frame), "repaired": report.repaired, "skipped": report.skipped,
        **({"coords": report.coords} if report.coords else {}),
        **({"towgs84": report.datum_shift} if report.datum_shift else {})})
    report.imported = len(frame)
    if topology is not None:  # stored right after the append (gisdesk_topology), replacing the layer's earlier ones
        report.topology = topology.save(project)
    if report.cad is not None:  # the CAD layer mapping the user edited, once the import is done
        remember_cad_map(project, source.name, report.cad.remember)
    feedback.finish()
    return report


def _finite_bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """xmin, ymin, xmax, ymax of the finite coordinates (NaN when there are none)."""
    coords = shapely.get_coordinates(np.asarray(frame.geometry.values, dtype=object))
    coords = coords[np.isfinite(coords).all(axis=1)]
    if not len(coords):
        return (float("nan"),) * 4
    (xmin, ymin), (xmax, ymax) = coords.min(axis=0), coords.max(axis=0)
    return float(xmin), float(ymin), float(xmax), float(ymax)


def _check_source_crs(frame, source_crs: CRS | None, project_crs: CRS | None, name: str, report: ImportReport, *,
                      given: bool) -> CRS:
    """The source CRS, checked against the coordinates: none is refused with a guess from them (the
    guess is also kept in the report); one that cannot be right for them (degrees declared as
    metres, far from the project's zone ...) is refused with the reason."""
    bounds = _finite_bounds(frame)
    guess = guess_crs(*bounds, hint=project_crs)
    report.crs_guess = crs_label(guess) if guess is not None else ""
    if source_crs is None:
        if guess is None:
            raise InputError("{source} 没有坐标系（缺少 .prj 或 CRS），从坐标范围也看不出是哪一个：请用 --crs 指定，"
                             "例如 --crs EPSG:4490", "{source} has no coordinate reference system (no .prj or CRS), "
                             "and its coordinates do not tell which: give one with --crs, e.g. --crs EPSG:4490",
                             source=name)
        raise InputError("{source} 没有坐标系（缺少 .prj 或 CRS）；从坐标范围看像是 {guess}：确认后用 --crs EPSG:{epsg} 指定",
                         "{source} has no coordinate reference system (no .prj or CRS); its coordinates look like "
                         "{guess}: if so, give it with --crs EPSG:{epsg}", source=name, guess=report.crs_guess,
                         epsg=guess.to_epsg())
    reason = implausible(source_crs, *bounds, project_crs=project_crs)
    if reason is not None:
        hint_zh = f"；从坐标看像是 {report.crs_guess}（--crs EPSG:{guess.to_epsg()}）" if guess is not None else ""
        hint_en = f"; the coordinates look like {report.crs_guess} (--crs EPSG:{guess.to_epsg()})" if guess is not None else ""
        raise InputError("{source} 的坐标系不可能是{declared_zh}的 {crs}：{reason_zh}{hint_zh}",
                         "{source} cannot be in {crs} ({declared_en}): {reason_en}{hint_en}", source=name,
                         crs=crs_label(source_crs), declared_zh="用 --crs 指定" if given else "文件声明",
                         declared_en="given with --crs" if given else "declared by the file",
                         reason_zh=reason[0], reason_en=reason[1], hint_zh=hint_zh, hint_en=hint_en)
    return source_crs


def _datum_shift(frame: gpd.GeoDataFrame, source_crs: CRS, towgs84: str | None, name: str,
                 report: ImportReport) -> gpd.GeoDataFrame:
    """A Beijing 1954 / Xian 1980 source transformed by the user's --towgs84 Helmert parameters to
    WGS 84 lon/lat, then read as CGCS2000 (EPSG:4490: the two agree to centimetres, and PROJ knows
    no transformation between them, so a bound CRS would be taken to CGCS2000 with no shift at all).
    Refused without --towgs84 (PROJ knows none from these datums either and would apply none: off by
    up to ~100 m), and --towgs84 refused for a source already in WGS 84 or CGCS2000 or carrying its own."""
    legacy = legacy_datum(source_crs)
    if towgs84 is None:
        raise InputError("{source} 的坐标系 {crs} 基于{datum}：它到 CGCS2000 没有通用的转换，直接导入会偏差可达约 100 米。"
                         "请用 --towgs84 dx,dy,dz 或 dx,dy,dz,rx,ry,rz,s 给出本地的转换参数（米、角秒、ppm，位置矢量约定，"
                         "到 CGCS2000/WGS-84），或对高斯-克吕格坐标给平面四参数 dX,dY,a,m；参数向当地测绘或自然资源部门索取",
                         "{source} is in {crs}, on the {datum} datum: there is no general transformation from it to "
                         "CGCS2000, and imported as it is it would be off by up to about 100 m. Give the local "
                         "parameters with --towgs84 dx,dy,dz or dx,dy,dz,rx,ry,rz,s (metres, arc-seconds, ppm, "
                         "position vector, to CGCS2000/WGS-84), or for Gauss-Krüger coordinates the planar four "
                         "dX,dY,a,m; ask the local surveying or natural resources office for them",
                         source=name, crs=crs_label(source_crs), datum=legacy)
    datum = (source_crs.datum.name if source_crs.datum is not None else "").lower()
    if source_crs.is_bound or "world geodetic system 1984" in datum or "china 2000" in datum:
        raise InputError("{source} 的坐标系 {crs} 不需要 --towgs84（它已是 WGS-84/CGCS2000，或自带转换参数）",
                         "{source} is in {crs}, which needs no --towgs84 (it is WGS-84/CGCS2000 or carries its own "
                         "parameters)", source=name, crs=crs_label(source_crs))
    values = parse_towgs84(towgs84)
    if len(values) == 4:  # the planar four parameters: from the old zone's plane to CGCS2000's same zone
        return _four_parameter(frame, source_crs, values, name, report)
    report.datum_shift = "+towgs84=" + ",".join(f"{v:g}" for v in values)
    frame = frame.set_crs(with_towgs84(source_crs, values), allow_override=True).to_crs(4326)
    return frame.set_crs(CGCS2000_GEOGRAPHIC, allow_override=True)


def _four_parameter(frame: gpd.GeoDataFrame, source_crs: CRS, values, name: str, report: ImportReport):
    """Every vertex of a Gauss-Krüger source through the planar four parameters (gisdesk.crs.four_parameter),
    into the CGCS2000 zone of the same central meridian and false easting."""
    target = cgcs2000_zone_like(source_crs)
    if target is None:
        raise InputError("--towgs84 的 4 个数是平面四参数，只适用于高斯-克吕格投影坐标；{source} 的坐标系是 {crs}：请给 3 或 7 参数",
                         "4 numbers for --towgs84 are the planar four parameters, for Gauss-Krüger plane coordinates "
                         "only; {source} is in {crs}: give 3 or 7 parameters", source=name, crs=crs_label(source_crs))
    report.datum_shift = (f"dX={values[0]:g} m, dY={values[1]:g} m, a={values[2]:g}\", m={values[3]:g} ppm → "
                          f"EPSG:{target.to_epsg()}")

    def shift(xy):
        east, north = four_parameter(xy[:, 0], xy[:, 1], values)
        return np.column_stack([east, north])

    return frame.set_geometry(shapely.transform(np.asarray(frame.geometry.values, dtype=object), shift), crs=target)


def _from_consumer_map(frame: gpd.GeoDataFrame, coords: str, source_crs: CRS, name: str) -> gpd.GeoDataFrame:
    """Every vertex from GCJ-02 or BD-09 (gisdesk.io.coords) to WGS-84/CGCS2000 lon/lat; a source
    that is not in longitude/latitude of WGS-84 or CGCS2000 is refused (those maps give no other)."""
    if coords not in SYSTEMS:
        raise InputError("--coords 只能是 {systems}，不是 {value}", "--coords must be one of {systems}, not {value}",
                         systems=" ".join(SYSTEMS), value=coords)
    if not source_crs.is_geographic or source_crs.to_epsg() not in (4326, CGCS2000_GEOGRAPHIC):
        raise InputError("--coords {coords}：在线地图上取的点是经纬度，而 {source} 的坐标系是 {crs}（应为 EPSG:4326 或 EPSG:4490）",
                         "--coords {coords}: points picked on online maps are longitude/latitude, but {source} is in "
                         "{crs} (expected EPSG:4326 or EPSG:4490)", coords=coords, source=name, crs=crs_label(source_crs))
    return frame.set_geometry(geometries_to_wgs84(frame.geometry.values, coords), crs=source_crs)


def _keep_allowed_geometries(frame: gpd.GeoDataFrame, info, report: ImportReport, *, id_field: str | None = None,
                             split: bool = False) -> gpd.GeoDataFrame:
    """Refuse NaN or infinite coordinates (naming the row and its id); drop Z/M values, counted; skip
    empty geometries, listing their rows; repair invalid ones; keep the classes the kind allows. With
    `split`, multi-polygons are left to `_split_multipart`, which repairs them part by part (repairing
    the whole first may merge or break up its parts)."""
    raw = np.asarray(frame.geometry.values, dtype=object)
    rows = _source_rows(len(raw), report)
    _refuse_non_finite(raw, rows, frame, info, id_field, report.source)
    zm = shapely.has_z(raw) | shapely.has_m(raw)
    if zm.any():
        report.dropped_zm += int(zm.sum())
    geoms = shapely.force_2d(raw) if zm.any() else raw.copy()  # (force_2d makes a new geometry of each)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = np.where(missing, -1, shapely.get_type_id(geoms))
    invalid = ~missing & ~shapely.is_valid(geoms)
    if split:
        invalid &= types != 6
    if invalid.any():
        geoms[invalid], types[invalid] = _repair(geoms[invalid], info)
        report.repaired += int(invalid.sum())
    collections = types == 7  # a valid geometry collection: its parts of the kind's classes, not nothing
    if collections.any():
        geoms[collections], types[collections] = _allowed_parts(geoms[collections], info)
        report.collections += int(collections.sum())
    classes = _CLASS_BY_TYPE[np.asarray(types, dtype=np.int64)]
    allowed = np.isin(classes, info.geometries)
    empty = types == -1
    if empty.any():
        report.skipped["empty"] = report.skipped.get("empty", 0) + int(empty.sum())
        report.empty_rows.extend(rows[empty].tolist())
    for cls in (POINT, LINE, POLYGON):
        wrong = ~allowed & (classes == cls)
        if wrong.any():
            report.skipped[cls] = int(wrong.sum())
    frame = frame.set_geometry(geoms)
    return frame[allowed].reset_index(drop=True)


def _repair(geoms: np.ndarray, info) -> tuple[np.ndarray, np.ndarray]:
    """make_valid; of a collection it returns, the parts of the classes the kind allows (type -1: none)."""
    geoms = shapely.make_valid(geoms)
    types = shapely.get_type_id(geoms)
    if (types == 7).any():
        geoms[types == 7], types[types == 7] = _allowed_parts(geoms[types == 7], info)
    return geoms, types


def _allowed_parts(collections: np.ndarray, info) -> tuple[np.ndarray, np.ndarray]:
    """Of each geometry collection, the union of its parts of the classes the kind allows; with none,
    its first part (to be skipped as of a class the kind does not take), or nothing (type -1)."""
    geoms = np.empty(len(collections), dtype=object)
    types = np.full(len(collections), -1)
    for i, collection in enumerate(collections):
        parts = [p for p in shapely.get_parts(shapely.get_parts(collection)) if not shapely.is_empty(p)]
        allowed = [p for p in parts if _GEOMETRY_CLASS.get(shapely.get_type_id(p)) in info.geometries]
        if allowed or parts:
            geoms[i] = shapely.union_all(allowed) if allowed else parts[0]
            types[i] = shapely.get_type_id(geoms[i])
    return geoms, types


def _source_rows(n: int, report: ImportReport) -> np.ndarray:
    """The rows (1-based) in the source of the n features read: records skipped as unreadable
    (--skip-bad) are not among them."""
    bad = getattr(report, "bad_records", None) or []
    if not bad:
        return np.arange(1, n + 1)
    return np.setdiff1d(np.arange(1, n + len(bad) + 1), bad)[:n]


def _refuse_non_finite(geoms: np.ndarray, rows: np.ndarray, frame, info, id_field: str | None, name: str) -> None:
    """NaN or infinite x/y: refused naming the feature's row in the source (1-based) and its id value."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    if not bad.any():
        return
    i = int(index[np.flatnonzero(bad)[0]])
    field_ = id_field if id_field in frame.columns else (info.id_field if info.id_field in frame.columns else None)
    if field_ is None:
        raise InputError("{source}：第 {row} 行要素的坐标含 NaN 或无穷大", "{source}: the feature in row {row} has NaN or "
                         "infinite coordinates", source=name, row=int(rows[i]))
    raise InputError("{source}：第 {row} 行要素（{field} = {value}）的坐标含 NaN 或无穷大",
                     "{source}: the feature in row {row} ({field} = {value}) has NaN or infinite coordinates",
                     source=name, row=int(rows[i]), field=field_, value=frame[field_].iloc[i])


def _split_multipart(frame: gpd.GeoDataFrame, info, report: ImportReport, name: str, taken) -> gpd.GeoDataFrame:
    """One feature per part of each multi-polygon, its attributes copied to every part; uids
    `UID-1`, `UID-2` ... after the feature's uid (a one-part multi-polygon keeps it). Invalid parts
    are repaired one by one. `taken(uids)` gives those of `uids` the project's layer already has."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    multi = shapely.get_type_id(geoms) == 6
    if not multi.any():
        return frame
    # only the multi-polygons come apart: a multi-point or multi-line beside them stays one feature
    counts = np.ones(len(geoms), dtype=np.int64)
    counts[multi] = shapely.get_num_geometries(geoms[multi])
    index = np.repeat(np.arange(len(geoms)), counts)
    number = np.arange(len(index)) - np.searchsorted(index, index) + 1  # the part's place in its feature
    parts = np.empty(len(index), dtype=object)
    starts = np.cumsum(counts) - counts
    parts[starts[~multi]] = geoms[~multi]
    if len(index):
        pieces, of = shapely.get_parts(geoms[multi], return_index=True)
        parts[starts[np.flatnonzero(multi)][of] + np.arange(len(of)) - np.searchsorted(of, of)] = pieces
    out = frame.iloc[index].reset_index(drop=True)
    uids = out["uid"].astype(str).to_numpy(dtype=object)
    derived = counts[index] > 1
    uids[derived] = uids[derived] + "-" + number[derived].astype(str).astype(object)
    out["uid"] = uids
    types = np.where(shapely.is_empty(parts), -1, shapely.get_type_id(parts))
    invalid = np.zeros(len(parts), dtype=bool)  # the other features were checked (and repaired) before
    of_multi = (types != -1) & multi[index]
    invalid[of_multi] = ~shapely.is_valid(parts[of_multi])
    if invalid.any():
        parts[invalid], types[invalid] = _repair(parts[invalid], info)
        report.repaired += int(invalid.sum())
    out = out.set_geometry(parts)
    classes = _CLASS_BY_TYPE[np.asarray(types, dtype=np.int64)]
    kept = np.isin(classes, info.geometries)
    for reason in classes[~kept]:  # an empty part, or one that repair leaves with nothing of the kind's class
        reason = reason or "empty"
        report.skipped[reason] = report.skipped.get(reason, 0) + 1
    if not kept.all():
        out = out[kept].reset_index(drop=True)
        derived = derived[kept]
    split = multi & (counts > 1)
    if split.any():
        report.split = {"features": int(split.sum()), "parts": int(counts[split].sum())}
    duplicated = out["uid"][out["uid"].duplicated()]
    if len(duplicated):
        raise InputError("{source}：拆分多部件要素得到的 uid {value} 与另一要素的重复（可用 --keep-multipart 保持整体）",
                         "{source}: uid {value} of a split multi-part feature is also another feature's uid "
                         "(--keep-multipart keeps them whole)", source=name, value=duplicated.iloc[0])
    new = out["uid"][derived].tolist()
    clash = taken(new) if new else set()
    if clash:
        raise InputError("{source}：uid {value} 已在项目的该图层中", "{source}: uid {value} is already in the project's layer",
                         source=name, value=next(u for u in new if u in clash))
    return out


def _multipoints(frame: gpd.GeoDataFrame, report: ImportReport) -> gpd.GeoDataFrame:
    """A multi-point is no footprint: it is never split. A ledger case (or a parking site) is one
    feature with one location (docs/domain.md §2.2): a multi-point of one distinct point — what
    MultiPoint shapefiles and many exports write for every point — becomes that point; one of several
    distinct points is kept whole as the one feature it is, and counted for the report."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    multi = np.flatnonzero(shapely.get_type_id(geoms) == 4)
    if not len(multi):
        return frame
    coords, of = shapely.get_coordinates(geoms[multi], return_index=True)  # at array speed
    differs = (coords != coords[np.searchsorted(of, of)]).any(axis=1)  # from its multi-point's first point
    single = multi[np.bincount(of[differs], minlength=len(multi)) == 0]
    if len(single):
        geoms = geoms.copy()
        geoms[single] = shapely.get_geometry(geoms[single], 0)
        frame = frame.set_geometry(geoms)
        report.multipoints["single"] = len(single)
    if len(multi) > len(single):
        report.multipoints["whole"] = len(multi) - len(single)
    return frame


def _row_of(frame, i: int) -> int:
    """The row in the user's file (1-based) of the frame's i-th feature."""
    return int(frame[_ROW].iloc[i]) if _ROW in frame.columns else i + 1


def _skipped_text(report: ImportReport) -> str:
    """What was skipped, in words: '点（该类型不接受）：1'."""
    from gisdesk.io.import_report import skip_reason  # (the report's words; it imports no importer)

    return tr("，", ", ").join(tr("{reason}：{n}", "{reason}: {n}", reason=skip_reason(k), n=v)
                              for k, v in report.skipped.items()) or "—"


def _uids(frame, info, id_field, name, taken) -> pd.Series:
    """Each feature's uid: from `id_field`, else generated. `taken(among)` gives the uids the layer
    already has (of `among` only, when given: a 1,000-feature append needs no million uids)."""
    id_field = id_field or (info.id_field if info.id_field in frame.columns else None)
    if id_field is None:
        existing = taken()
        start = len(existing) + 1
        while True:
            uids = [f"{info.code}-{n:06d}" for n in range(start, start + len(frame))]
            if not any(u in existing for u in uids):  # existing uids may have been given by a source
                return pd.Series(uids, index=frame.index)
            start += len(frame)
    if id_field not in frame.columns:
        raise InputError("{source} 中没有字段 {field}（--id-field）；现有字段：{fields}",
                         "{source} has no field {field} (--id-field); fields: {fields}",
                         source=name, field=id_field, fields=", ".join(c for c in frame.columns if c not in ("geometry", _ROW)))
    values = frame[id_field]
    empty = values.isna() | (values.astype(str).str.strip() == "")
    if empty.any():
        raise InputError("{source}：第 {n} 行（条记录）的 {field} 为空，不能作为 uid",
                         "{source}: row (record) {n} has an empty {field}, which cannot be its uid",
                         source=name, n=_row_of(frame, int(np.flatnonzero(empty)[0])), field=id_field)
    uids = values.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip())
    duplicated = uids[uids.duplicated()]
    if len(duplicated):
        raise InputError("{source}：{field} 的值 {value} 重复，不能作为 uid",
                         "{source}: {field} value {value} occurs more than once and cannot be a uid",
                         source=name, field=id_field, value=duplicated.iloc[0])
    clash = taken(uids.tolist())
    if clash:
        raise InputError("{source}：uid {value} 已在项目的该图层中（要按 uid 更新已有要素，请加 --update）",
                         "{source}: uid {value} is already in the project's layer (to update features by uid, add --update)",
                         source=name, value=next(u for u in uids if u in clash))
    return uids


def _set_half_width(frame, half_width, half_width_field, name) -> None:
    if half_width is not None and half_width_field:
        raise InputError("--half-width 与 --half-width-field 只能选一个", "give --half-width or --half-width-field, not both")
    if half_width is not None:
        if half_width <= 0:
            raise InputError("--half-width 应为正数（米）", "--half-width must be a positive number of metres")
        frame["half_width_m"] = float(half_width)
    elif half_width_field:
        if half_width_field not in frame.columns:
            raise InputError("{source} 中没有字段 {field}（--half-width-field）", "{source} has no field {field} (--half-width-field)",
                             source=name, field=half_width_field)
        values = pd.to_numeric(frame[half_width_field], errors="coerce")
        lines = ~np.isin(shapely.get_type_id(frame.geometry.values), (3, 6))
        bad = lines & ~(values > 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError("{source}：要素 {uid} 的 {field} = {value!r} 不是正数",
                             "{source}: feature {uid} has {field} = {value!r}, not a positive number",
                             source=name, uid=frame["uid"].iloc[i], field=half_width_field,
                             value=frame[half_width_field].iloc[i])
        frame["half_width_m"] = values.astype(float)


def _centre_longitude(frame: gpd.GeoDataFrame) -> float:
    xmin, ymin, xmax, ymax = frame.to_crs(CGCS2000_GEOGRAPHIC).total_bounds
    return (xmin + xmax) / 2
