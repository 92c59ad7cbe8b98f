"""`gisdesk pack`: a self-contained field package of an area of a project.

The area is given by a district (--area) or a box (--extent, in the project CRS):

- --area D: the features whose `district` is D (in every layer that has the field) are taken, and
  the area is the bounding box of their geometries; every layer then also gives the features that
  meet that box (the control lines through the district, a neighbour's building inside the box).
- --extent XMIN YMIN XMAX YMAX: every layer gives the features that meet the box.

Features crossing the edge are taken whole, never cut, so that they merge back as they are.

The package is a copy of the project (made with SQLite's backup API from a consistent snapshot)
with everything else taken out: the features outside the area, their edit log, reviews, conflicts,
topology findings, ledger history and attachments (gisdesk_attachments, when the project has it).
It keeps the project's settings (CRS, rule file, attribution), page layouts, styles and QGIS
styles. Each base map is cut for the package's box (the area and the features taken, which may
reach past it): a GeoTIFF as a windowed copy (rasterio), an MBTiles cache as the tiles that cover
the box at every zoom it has, into FIELD_basemaps/ beside the package, referenced relatively so
that the package opens on the laptop it is copied to. A base map whose file is missing or that
does not reach the box is left out and said so.

The base snapshot (gisdesk_field_base, see snapshot.py) records every feature taken: its version,
hash, values and geometry, and every attachment with its sha256. The settings name the package
(field:package_id, a uuid), the master it came from (field:master, field:master_key) and the area.

Bad input (an unknown district, an area with no features, an output that exists or cannot be
written) is refused before anything is written; the package is built in a staging file moved into
place at the end, so a failure or a cancel leaves nothing behind. No Qt.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS, Transformer

from gisdesk import gpkg
from gisdesk.errors import Cancelled, InputError, ProjectError
from gisdesk.field.snapshot import (ATTACHMENT_LAYER, ATTACHMENTS, BASE, HISTORY, PACKAGE_AREA, PACKAGE_HISTORY_MAX,
                                    PACKAGE_ID, PACKAGE_MASTER, PACKAGE_MASTER_KEY, PACKAGE_PACKED_AT,
                                    create_base_table, read_features, values_json)
from gisdesk.i18n import tr
from gisdesk.jobs import Feedback
from gisdesk.project import Project
from gisdesk.store import local_now

BASEMAP_FOLDER = "{stem}_basemaps"  # beside the package: its cut base maps


@dataclass
class PackResult:
    path: Path
    package_id: str
    box: tuple[float, float, float, float] | None  # the package's extent in the project CRS
    layers: dict[str, int]  # layer id → features taken
    attachments: int = 0
    basemaps: list[tuple[str, Path]] = field(default_factory=list)  # (id, file) cut for the package
    notes: list[str] = field(default_factory=list)  # base maps left out, and why
    seconds: float = 0.0

    @property
    def features(self) -> int:
        return sum(self.layers.values())


def master_key(settings: dict) -> str:
    """What names a master for its packages, kept in its settings (a renamed project is the same
    master): the id it was made with; for a project made before projects had one, when it was
    created (to the second); for one that does not say either, its name."""
    key = next((k for k in ("project_id", "created") if settings.get(k)), "name")
    return json.dumps([key, settings.get(key, "")], ensure_ascii=False)


def pack(project_path, out, *, district: str | None = None, extent=None, feedback: Feedback | None = None) -> PackResult:
    """Write the field package of `district` (or of `extent`, xmin ymin xmax ymax) of a project to `out`."""
    feedback = feedback or Feedback()
    started = time.perf_counter()
    out = Path(out)
    if (district is None) == (extent is None):
        raise InputError("请给出 --area 区名 或 --extent XMIN YMIN XMAX YMAX 之一",
                         "give one of --area DISTRICT or --extent XMIN YMIN XMAX YMAX")
    _check_output(out)
    project = Project.open(project_path)
    if extent is not None:
        extent = _check_extent(extent)
    feedback.set_stage(tr("选取要素", "choosing the features"))
    taken, box = _choose(project, district, extent)
    if not any(taken.values()):
        raise InputError("范围内没有要素：{area}（项目 {path}），未写出外业包",
                         "the area holds no features: {area} (project {path}); no package written",
                         area=district if district is not None else _extent_text(extent), path=project.path.name)
    package_id = uuid.uuid4().hex
    staging = out.with_name(f".{out.stem}.{os.getpid()}.pack.staging.gpkg")
    folder = out.with_name(BASEMAP_FOLDER.format(stem=out.stem))
    folder_staging = out.with_name(f".{folder.name}.{os.getpid()}.staging")
    result = PackResult(out, package_id, box, {layer: len(uids) for layer, uids in taken.items()})
    try:
        _copy_database(project.path, staging)
        feedback.set_progress(0.2)
        feedback.set_stage(tr("裁切底图", "cutting the base maps"))
        cut = _cut_basemaps(project, box, folder_staging, folder.name, result, feedback)
        feedback.set_stage(tr("写外业包", "writing the package"))
        settings = project.settings()
        with gpkg.connect(staging) as db:
            with gpkg.transaction(db):
                _keep_only(db, project, taken)
                _set_basemaps(db, project, cut)
                result.attachments = _snapshot(db, project, taken)
                area = {"district": district} if district is not None else {"extent": list(extent)}
                _put_settings(db, {
                    PACKAGE_ID: package_id, PACKAGE_MASTER: str(project.path.resolve()),
                    PACKAGE_MASTER_KEY: master_key(settings), PACKAGE_PACKED_AT: local_now(),
                    PACKAGE_AREA: json.dumps({**area, "box": list(box) if box else None}, ensure_ascii=False),
                    PACKAGE_HISTORY_MAX: str(_master_history_max(project) or 0),
                    "name": tr("{name}（外业包：{area}）", "{name} (field package: {area})", name=settings.get("name", ""),
                               area=district if district is not None else _extent_text(extent)),
                })
            feedback.check_cancelled()
            db.execute("VACUUM")  # the pages of what was taken out
            check = db.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise ProjectError("外业包 {path} 未通过完整性检查：{why}", "the package {path} failed its integrity check: "
                               "{why}", path=out.name, why=check)
        with open(staging, "rb+") as handle:
            os.fsync(handle.fileno())
        if out.exists() or (cut and folder.exists()):
            raise InputError("输出文件已存在：{path}（不会覆盖）", "the output exists: {path} (not overwritten)",
                             path=out if out.exists() else folder)
        if cut:
            os.replace(folder_staging, folder)
        os.replace(staging, out)
    except (OSError, sqlite3.OperationalError) as exc:
        raise InputError("无法写出外业包 {path}：{why}；未写出任何文件", "cannot write the package {path}: {why}; "
                         "nothing written", path=out, why=getattr(exc, "strerror", None) or gpkg.error_reason(exc)) from exc
    finally:
        for leftover in (staging, staging.with_name(staging.name + "-journal")):
            leftover.unlink(missing_ok=True)
        if folder_staging.exists():
            shutil.rmtree(folder_staging, ignore_errors=True)
    result.basemaps = [(layer_id, folder / Path(source).name) for layer_id, source in cut.items()]
    result.seconds = time.perf_counter() - started
    feedback.finish()
    return result


def districts(project_path) -> list[str]:
    """The districts of a project (the values of the district field of its layers), sorted: what --area takes."""
    project = Project(project_path)
    found: set[str] = set()
    with gpkg.connect(project.path, readonly=True) as db:
        for info in project.layers():
            column = next((n for n, _ in gpkg.columns_of(db, info.id) if n.lower() == "district"), None)
            if column:
                found |= {str(v).strip() for (v,) in db.execute(f'SELECT DISTINCT "{column}" FROM "{info.id}"')
                          if v is not None and str(v).strip()}
    return sorted(found)


# --- what is taken ---------------------------------------------------------------------------

def _check_output(out: Path) -> None:
    if out.suffix.lower() != ".gpkg":
        raise InputError("外业包文件应以 .gpkg 结尾：{path}", "a field package must end in .gpkg: {path}", path=out)
    if out.exists():
        raise InputError("输出文件已存在：{path}（不会覆盖）", "the output exists: {path} (not overwritten)", path=out)
    folder = out.with_name(BASEMAP_FOLDER.format(stem=out.stem))
    if folder.exists():
        raise InputError("底图目录已存在：{path}（不会覆盖）", "the base map folder exists: {path} (not overwritten)",
                         path=folder)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError("输出目录不存在：{dir}", "the output folder does not exist: {dir}", dir=parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError("无法写入输出目录 {dir}：没有写入权限", "cannot write the output folder {dir}: no permission",
                         dir=parent.resolve())


def _check_extent(extent) -> tuple[float, float, float, float]:
    try:
        xmin, ymin, xmax, ymax = (float(v) for v in extent)
    except (TypeError, ValueError) as exc:
        raise InputError("--extent 应为四个数 XMIN YMIN XMAX YMAX", "--extent must be four numbers XMIN YMIN XMAX YMAX") \
            from exc
    if not all(map(math.isfinite, (xmin, ymin, xmax, ymax))) or xmin >= xmax or ymin >= ymax:
        raise InputError("--extent 范围为空：应 XMIN < XMAX 且 YMIN < YMAX（{extent}）",
                         "the --extent is empty: it needs XMIN < XMAX and YMIN < YMAX ({extent})",
                         extent=_extent_text((xmin, ymin, xmax, ymax)))
    return xmin, ymin, xmax, ymax


def _extent_text(extent) -> str:
    return " ".join(f"{v:g}" for v in extent)


def _choose(project: Project, district: str | None, extent) -> tuple[dict[str, set[str]], tuple | None]:
    """The uids taken from each layer, and the package's box (the area and the features taken).

    Only the geometries that may meet the area are decoded: the district's features, and those
    the layer's R-tree finds in the area's box (a city master holds a million buildings)."""
    layers = [info for info in project.layers() if info.provider == "gpkg"]
    taken: dict[str, set[str]] = {info.id: set() for info in layers}
    bounds = []
    with gpkg.connect(project.path, readonly=True) as db:
        shape = {}
        for info in layers:
            geom = gpkg.geometry_column(db, info.id)
            column = next((n for n, _ in gpkg.columns_of(db, info.id) if n.lower() == "district"), None)
            shape[info.id] = (geom, column)
        if district is not None:
            wanted = str(district).strip()
            known: set[str] = set()
            found = []
            for layer_id, (geom, column) in shape.items():
                if column is None:
                    continue
                known |= {str(v).strip() for (v,) in db.execute(f'SELECT DISTINCT "{column}" FROM "{layer_id}"')
                          if v is not None and str(v).strip()}
                rows = db.execute(f'SELECT uid, {_quoted(geom)} FROM "{layer_id}" WHERE uid IS NOT NULL AND '
                                  f'trim("{column}") = ?', (wanted,)).fetchall()
                taken[layer_id] |= {r[0] for r in rows}
                geoms = gpkg.geometries_from_blobs([r[1] for r in rows])
                found.extend(g for g in geoms if g is not None and not g.is_empty)
            if not any(taken.values()):
                raise InputError("项目 {path} 中没有区 {district}；现有：{known}",
                                 "project {path} has no district {district}; it has: {known}", path=project.path.name,
                                 district=wanted, known="、".join(sorted(known)[:30]) or "—")
            area = tuple(shapely.GeometryCollection(found).bounds) if found else None
        else:
            area = tuple(extent)
        for layer_id, (geom, _) in shape.items():
            if area is not None and geom:
                rtree = f"rtree_{layer_id}_{geom}"
                if gpkg.has_table(db, rtree):
                    rows = db.execute(f'SELECT t.uid, t."{geom}" FROM "{layer_id}" t JOIN "{rtree}" r ON r.id = t.fid '
                                      f"WHERE t.uid IS NOT NULL AND r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND "
                                      f"r.miny <= ?", (area[0], area[2], area[1], area[3])).fetchall()
                else:
                    rows = db.execute(f'SELECT uid, "{geom}" FROM "{layer_id}" WHERE uid IS NOT NULL').fetchall()
                geoms = gpkg.geometries_from_blobs([r[1] for r in rows])
                uids = np.array([r[0] for r in rows], dtype=object)
                present = ~shapely.is_missing(geoms)
                meets = np.zeros(len(rows), dtype=bool)
                meets[present] = shapely.intersects(geoms[present], shapely.box(*area))
                taken[layer_id] |= set(uids[meets].tolist())
            if taken[layer_id] and geom:
                bounds.extend(_bounds_of(db, layer_id, geom, taken[layer_id]))
    if area is not None:
        bounds.append(area)
    box = (min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds),
           max(b[3] for b in bounds)) if bounds else None
    return taken, box


def _quoted(column: str | None) -> str:
    return f'"{column}"' if column else "NULL"


def _bounds_of(db, layer_id: str, geom: str, uids: set[str]) -> list[tuple]:
    """The bounds of the features of `uids` (from their geometries, taken whole)."""
    uids = sorted(uids)
    rtree = f"rtree_{layer_id}_{geom}"
    has_rtree = gpkg.has_table(db, rtree)
    out = []
    for start in range(0, len(uids), 900):
        chunk = uids[start:start + 900]
        marks = ",".join("?" * len(chunk))
        if has_rtree:  # the index's boxes (rounded outwards): no geometry decoded
            row = db.execute(f'SELECT min(r.minx), min(r.miny), max(r.maxx), max(r.maxy) FROM "{rtree}" r '
                             f'JOIN "{layer_id}" t ON r.id = t.fid WHERE t.uid IN ({marks})', chunk).fetchone()
            if row[0] is not None:
                out.append(row)
            continue
        blobs = [r[0] for r in db.execute(f'SELECT "{geom}" FROM "{layer_id}" WHERE uid IN ({marks})', chunk)]
        geoms = [g for g in gpkg.geometries_from_blobs(blobs) if g is not None and not g.is_empty]
        if geoms:
            out.append(shapely.total_bounds(geoms))
    return out


def _master_history_max(project: Project) -> int | None:
    with gpkg.connect(project.path, readonly=True) as db:
        if not gpkg.has_table(db, HISTORY):
            return None
        return db.execute(f"SELECT max(event_id) FROM {HISTORY}").fetchone()[0]


# --- the copy ---------------------------------------------------------------------------------

def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy of the master (SQLite's backup API: a snapshot, whoever writes meanwhile)."""
    target.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _without_triggers(db, table: str):
    """The triggers of `table` (their SQL), dropped: an append-only table's rows of other features go."""
    triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                          (table,)).fetchall()
    for name, _ in triggers:
        db.execute(f'DROP TRIGGER "{name}"')
    return [sql for _, sql in triggers]


def _keep_only(db, project: Project, taken: dict[str, set[str]]) -> None:
    """Take out of the copy every feature not taken, and what belongs to them."""
    db.execute("CREATE TEMP TABLE keep (layer TEXT NOT NULL, uid TEXT NOT NULL, PRIMARY KEY (layer, uid))")
    db.executemany("INSERT INTO temp.keep VALUES (?, ?)", [(layer, uid) for layer, uids in taken.items() for uid in uids])
    infos = {info.id: info for info in project.layers()}
    for layer_id in taken:
        # the triggers (gisdesk's, GDAL's R-tree and count ones) are put back after the rows go: row by
        # row they cost a big master's copy seconds; the index and the registrations are made here
        triggers = _without_triggers(db, layer_id)
        db.execute(f'DELETE FROM "{layer_id}" WHERE uid IS NULL OR uid NOT IN '
                   f"(SELECT uid FROM temp.keep WHERE layer = ?)", (layer_id,))
        db.execute("DELETE FROM gisdesk_features WHERE layer = ? AND uid NOT IN (SELECT uid FROM temp.keep WHERE "
                   "layer = ?)", (layer_id, layer_id))
        geom = gpkg.geometry_column(db, layer_id)
        rtree = f"rtree_{layer_id}_{geom}"
        if geom and gpkg.has_table(db, rtree):
            db.execute(f'DROP TABLE "{rtree}"')
            db.execute(f'CREATE VIRTUAL TABLE "{rtree}" USING rtree(id, minx, maxx, miny, maxy)')
            _fill_rtree(db, layer_id, geom, rtree)
            extent = db.execute(f'SELECT min(minx), min(miny), max(maxx), max(maxy) FROM "{rtree}"').fetchone()
            if extent[0] is not None:
                db.execute("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?",
                           (*extent, layer_id))
        if gpkg.has_table(db, "gpkg_ogr_contents"):
            db.execute(f'UPDATE gpkg_ogr_contents SET feature_count = (SELECT count(*) FROM "{layer_id}") '
                       f"WHERE lower(table_name) = lower(?)", (layer_id,))
        for sql in triggers:
            db.execute(sql)
    db.execute("DELETE FROM gisdesk_edit_log WHERE uid IS NOT NULL AND (layer, uid) NOT IN (SELECT layer, uid FROM temp.keep)")
    db.execute("DELETE FROM gisdesk_reviews WHERE (subject_table, subject_id) NOT IN (SELECT layer, uid FROM temp.keep)")
    if gpkg.has_table(db, "gisdesk_conflicts"):
        db.execute("DELETE FROM gisdesk_conflicts WHERE (subject_table, subject_id) NOT IN "
                   "(SELECT layer, uid FROM temp.keep)")
    if gpkg.has_table(db, "gisdesk_topology"):
        gone = [fid for fid, layer, uids in db.execute("SELECT fid, layer_id, uids FROM gisdesk_topology")
                if not set(json.loads(uids)) & taken.get(layer, set())]
        db.executemany("DELETE FROM gisdesk_topology WHERE fid = ?", [(f,) for f in gone])
    ledgers = [layer for layer in taken if layer in infos and infos[layer].kind == "ledger"]
    for table, condition in ((HISTORY, "case_uid NOT IN (SELECT uid FROM temp.keep WHERE layer IN ({}))"
                              .format(",".join("?" * len(ledgers)) or "NULL")),
                             (ATTACHMENTS, "(layer, uid) NOT IN (SELECT layer, uid FROM temp.keep)")):
        if not gpkg.has_table(db, table):
            continue
        triggers = _without_triggers(db, table)
        db.execute(f"DELETE FROM {table} WHERE {condition}", ledgers if table == HISTORY else ())
        for sql in triggers:
            db.execute(sql)
    db.execute("DROP TABLE temp.keep")


def _fill_rtree(db, layer_id: str, geom: str, rtree: str) -> None:
    """The R-tree of a layer's geometries, their bounds computed at once (shapely) rather than by
    the spec's SQL functions row by row."""
    rows = db.execute(f'SELECT fid, "{geom}" FROM "{layer_id}" WHERE "{geom}" IS NOT NULL').fetchall()
    if not rows:
        return
    geoms = gpkg.geometries_from_blobs([r[1] for r in rows])
    bounds = shapely.bounds(geoms)
    keep = ~np.isnan(bounds).any(axis=1)
    db.executemany(f'INSERT INTO "{rtree}" VALUES (?, ?, ?, ?, ?)',
                   [(int(fid), b[0], b[2], b[1], b[3]) for fid, b, k in zip((r[0] for r in rows), bounds.tolist(), keep)
                    if k])


def _snapshot(db, project: Project, taken: dict[str, set[str]]) -> int:
    """Write the base snapshot; returns the number of attachments the package holds."""
    create_base_table(db)
    for layer_id in taken:
        features, _ = read_features(db, layer_id)
        columns = [name for name, _ in gpkg.columns_of(db, layer_id)]
        geom = gpkg.geometry_column(db, layer_id)
        hashes = dict(db.execute(f'SELECT uid, {gpkg.hash_sql(columns, geom)} FROM "{layer_id}" WHERE uid IS NOT NULL'))
        versions = dict(db.execute("SELECT uid, version FROM gisdesk_features WHERE layer = ?", (layer_id,)))
        db.executemany(f'INSERT INTO {BASE} (layer, uid, version, hash, "values", geometry) VALUES (?, ?, ?, ?, ?, ?)',
                       [(layer_id, uid, versions.get(uid), hashes.get(uid), values_json(f.values), f.wkb)
                        for uid, f in features.items()])
        # the copy's hashes are the master's, made again where an import had deferred them
        db.execute("UPDATE gisdesk_features SET hash = (SELECT hash FROM gisdesk_field_base b WHERE b.layer = "
                   "gisdesk_features.layer AND b.uid = gisdesk_features.uid) WHERE layer = ?", (layer_id,))
    if not gpkg.has_table(db, ATTACHMENTS):
        return 0
    columns = [name for name, _ in gpkg.columns_of(db, ATTACHMENTS) if name.lower() not in ("fid", "data")]
    rows = db.execute(f"SELECT {', '.join(columns)} FROM {ATTACHMENTS} ORDER BY fid").fetchall()
    db.executemany(f'INSERT INTO {BASE} (layer, uid, version, hash, "values", geometry) VALUES (?, ?, NULL, ?, ?, NULL)',
                   [(ATTACHMENT_LAYER, (record := dict(zip(columns, row)))["attachment_id"], record.get("sha256"),
                     values_json(record)) for row in rows])
    return len(rows)


def _put_settings(db, values: dict) -> None:
    for key, value in values.items():
        if not db.execute("UPDATE gisdesk_settings SET value = ? WHERE key = ?", (value, key)).rowcount:
            db.execute("INSERT INTO gisdesk_settings (key, value) VALUES (?, ?)", (key, value))


# --- base maps --------------------------------------------------------------------------------

def _cut_basemaps(project: Project, box, folder: Path, folder_name: str, result: PackResult,
                  feedback: Feedback) -> dict[str, str]:
    """Cut every base map for `box` into `folder`; base map id → its source as the package refers to it."""
    cut: dict[str, str] = {}
    basemaps = project.basemaps()
    for i, info in enumerate(basemaps):
        feedback.set_progress(0.2 + 0.5 * i / max(len(basemaps), 1))
        path = project.basemap_path(info)
        if not path.is_file():
            result.notes.append(tr("底图 {title} 的文件不存在（{path}），未带入外业包",
                                   "the file of the base map {title} is missing ({path}): not in the package",
                                   title=info.title, path=path))
            continue
        if box is None:
            result.notes.append(tr("范围内没有几何，底图 {title} 未裁切", "no geometry in the area: the base map {title} "
                                   "was not cut", title=info.title))
            continue
        folder.mkdir(exist_ok=True)
        suffix = ".mbtiles" if info.provider == "mbtiles" else ".tif"
        target = folder / f"{info.id}{suffix}"
        try:
            done = (_cut_mbtiles if info.provider == "mbtiles" else _cut_geotiff)(path, target, box, project.crs)
        except Cancelled:
            raise
        except Exception as exc:  # a raster GDAL cannot read: the package goes without it, and says so
            done = False
            result.notes.append(tr("底图 {title} 无法裁切（{why}），未带入外业包", "the base map {title} could not be cut "
                                   "({why}): not in the package", title=info.title, why=exc))
        else:
            if not done:
                result.notes.append(tr("底图 {title} 不覆盖外业范围，未带入外业包", "the base map {title} does not reach "
                                       "the area: not in the package", title=info.title))
        if done:
            cut[info.id] = f"{folder_name}/{target.name}"
    return cut


def _set_basemaps(db, project: Project, cut: dict[str, str]) -> None:
    for info in project.basemaps():
        if info.id not in cut:
            db.execute("DELETE FROM gisdesk_layers WHERE table_name = ? AND kind = 'basemap'", (info.id,))
            continue
        style = {k: v for k, v in (info.style or {}).items() if k not in ("absolute", "relative")}
        db.execute("UPDATE gisdesk_layers SET source = ?, style = ? WHERE table_name = ?",
                   (cut[info.id], json.dumps(style, ensure_ascii=False), info.id))


def _to_lonlat(box, crs: CRS | None) -> tuple[float, float, float, float]:
    if crs is None or crs.is_geographic:
        return tuple(box)
    return Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True).transform_bounds(*box, densify_pts=21)


def _cut_geotiff(source: Path, target: Path, box, crs: CRS | None) -> bool:
    """A windowed copy of a GDAL raster covering `box` (project CRS) as a GeoTIFF; False when it misses it."""
    import rasterio
    from rasterio.windows import Window, from_bounds

    with rasterio.open(source) as ds:
        bounds = box
        if ds.crs is not None and crs is not None and not CRS(ds.crs.to_wkt()).equals(crs):
            bounds = Transformer.from_crs(crs, CRS(ds.crs.to_wkt()), always_xy=True).transform_bounds(*box,
                                                                                                     densify_pts=21)
        window = from_bounds(*bounds, transform=ds.transform)
        col0, row0 = max(int(math.floor(window.col_off)), 0), max(int(math.floor(window.row_off)), 0)
        col1 = min(int(math.ceil(window.col_off + window.width)), ds.width)
        row1 = min(int(math.ceil(window.row_off + window.height)), ds.height)
        if col1 <= col0 or row1 <= row0:
            return False
        window = Window(col0, row0, col1 - col0, row1 - row0)
        profile = ds.profile.copy()
        profile.update(driver="GTiff", width=window.width, height=window.height, transform=ds.window_transform(window))
        if profile.get("tiled") and (window.width < 16 or window.height < 16):
            profile.update(tiled=False)
            profile.pop("blockxsize", None)
            profile.pop("blockysize", None)
        data = ds.read(window=window)
        with rasterio.open(target, "w", **profile) as dst:
            dst.write(data)
            dst.update_tags(**ds.tags())
            dst.colorinterp = ds.colorinterp
            for band in range(1, ds.count + 1):
                try:
                    dst.write_colormap(band, ds.colormap(band))
                except ValueError:  # the band has no colour table
                    pass  # (nothing to copy)
    return True


def _cut_mbtiles(source: Path, target: Path, box, crs: CRS | None) -> bool:
    """The tiles of an MBTiles cache that cover `box` (project CRS), at every zoom it has, copied into a
    new MBTiles with the same metadata and bounds cut to the box; False when no tile covers it."""
    import mercantile

    west, south, east, north = _to_lonlat(box, crs)
    target.unlink(missing_ok=True)
    db = sqlite3.connect(f"file:{target.resolve()}?mode=rwc", uri=True)
    try:
        db.execute("ATTACH DATABASE ? AS src", (f"file:{source.resolve()}?mode=ro",))
        metadata = dict(db.execute("SELECT name, value FROM src.metadata").fetchall())
        xyz = str(metadata.get("scheme", "tms")).lower() == "xyz"
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        db.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
        count = 0
        lat_limit = 85.0511287798066
        south, north = max(south, -lat_limit), min(north, lat_limit)
        for (zoom,) in db.execute("SELECT DISTINCT zoom_level FROM src.tiles ORDER BY zoom_level").fetchall():
            top_left = mercantile.tile(west, north, zoom)
            bottom_right = mercantile.tile(east - 1e-12, south + 1e-12, zoom)
            x0, x1 = top_left.x, bottom_right.x
            y0, y1 = top_left.y, bottom_right.y
            rows = (y0, y1) if xyz else ((1 << zoom) - 1 - y1, (1 << zoom) - 1 - y0)
            count += db.execute("INSERT INTO tiles SELECT zoom_level, tile_column, tile_row, tile_data FROM src.tiles "
                                "WHERE zoom_level = ? AND tile_column BETWEEN ? AND ? AND tile_row BETWEEN ? AND ?",
                                (zoom, x0, x1, *rows)).rowcount
        if not count:
            return False
        old = [float(v) for v in str(metadata.get("bounds", "-180,-85.0511,180,85.0511")).split(",")]
        metadata["bounds"] = ",".join(f"{v:.7f}" for v in (max(west, old[0]), max(south, old[1]), min(east, old[2]),
                                                            min(north, old[3])))
        zooms = [z for (z,) in db.execute("SELECT DISTINCT zoom_level FROM tiles ORDER BY zoom_level")]
        metadata["minzoom"], metadata["maxzoom"] = str(zooms[0]), str(zooms[-1])
        db.executemany("INSERT INTO metadata VALUES (?, ?)", list(metadata.items()))
        db.commit()
        return True
    finally:
        db.close()
