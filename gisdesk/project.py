"""The project store: one GeoPackage file (GeoPackage 1.2, which QGIS 3.22 opens as its own).

Every layer is a feature table with a stable text `uid` per feature; a project holds any
number of layers of a kind, each known by its id (its table name). gisdesk's own tables sit
beside them, each with an INTEGER primary key as the GeoPackage standard asks:

- gisdesk_settings        key/value: name, crs, rules (the TOML text), attribution, page layouts
                          (layout:NAME → the layout's JSON) ...
- gisdesk_layers          one row per layer: id (table), kind, title, provider, source, style, order, sources;
                          base maps are rows of kind "basemap" with no table: provider "gdal" or
                          "mbtiles", source the image file (relative to the project when below or
                          beside it), the date in the style JSON; layers() never lists them, basemaps() does
- gisdesk_features        per feature (layer, uid): its version and content hash
- gisdesk_edit_log        every change: layer, uid, version, who, when, what
- gisdesk_conflicts       the results of the last check, with the overlap geometry
- gisdesk_check_runs      when each check ran, with which rules and tolerances
- gisdesk_reviews         a planner's decisions on conflicts, kept across checks
- gisdesk_ledger_history  the ledger's status changes, append-only (triggers refuse edits)
- layer_styles            gisdesk's styles as QGIS styles, so QGIS opens layers in our colours
- gisdesk_topology        overlaps, slivers and gaps within a layer, found when it was imported

Triggers on every layer table count versions and note when the layer last changed, whichever
tool changed it (QGIS, ogr2ogr, sqlite3). Saves are SQLite transactions: an import is written
by GDAL into a staging file of its own and moved into the project with plain SQL in one
transaction, so a crash, a kill or a bad input never leaves half a save, and the project
file is never copied.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import sqlite3
import uuid
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from gisdesk import gpkg
from gisdesk.errors import ProjectError
from gisdesk.i18n import tr
from gisdesk.layers.kinds import DRAW_ORDER, KINDS, POLYGON, kind_of
from gisdesk.layers.ledger import check_transition
from gisdesk.layers.styles import default_style
from gisdesk.store import (FeatureEdit, LayerInfo, RunRecord, check_layer_id, current_user, local_now,
                           stored_defaults)

FORMAT_VERSION = "2"
SETTINGS, LAYERS, FEATURES, EDIT_LOG = "gisdesk_settings", "gisdesk_layers", "gisdesk_features", "gisdesk_edit_log"
CONFLICTS, RUNS, REVIEWS, HISTORY = "gisdesk_conflicts", "gisdesk_check_runs", "gisdesk_reviews", "gisdesk_ledger_history"
_SAVE_SLICE = 50_000  # conflict rows turned into Python values at a time
QGIS_STYLES = "layer_styles"
TOPOLOGY = "gisdesk_topology"  # overlaps, slivers and gaps found on import (Project.save_topology)
LAYOUT_KEY = "layout:"  # settings key prefix of the page layouts (Project.layouts)
QGIS_STYLE_DESCRIPTION = "gisdesk style 2"  # a new number rewrites the QGIS styles of older projects on open
CONFLICT_KEY = ["subject_table", "subject_id", "control_table", "control_id"]
BASEMAP = "basemap"  # the kind of a base map's row in gisdesk_layers (a file by reference, no table)
_SQLITE_MAGIC = b"SQLite format 3\x00"  # an MBTiles cache; any other file is a GDAL raster
_NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

_SCHEMA_SQL = f"""
CREATE UNIQUE INDEX IF NOT EXISTS {SETTINGS}_key ON {SETTINGS}(key);
CREATE TABLE IF NOT EXISTS {LAYERS} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind TEXT NOT NULL, title TEXT NOT NULL, provider TEXT NOT NULL DEFAULT 'gpkg', source TEXT NOT NULL DEFAULT '',
    geometry_type TEXT, z_order INTEGER NOT NULL, visible INTEGER NOT NULL DEFAULT 1,
    opacity REAL NOT NULL DEFAULT 1.0, style TEXT NOT NULL DEFAULT '{{}}', sources TEXT NOT NULL DEFAULT '[]',
    changed_at TEXT, reconciled_at TEXT);
CREATE TABLE IF NOT EXISTS {FEATURES} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, layer TEXT NOT NULL, uid TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1, hash TEXT, UNIQUE (layer, uid));
CREATE TABLE IF NOT EXISTS {EDIT_LOG} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, layer TEXT NOT NULL, uid TEXT, version INTEGER,
    who TEXT NOT NULL, at TEXT NOT NULL, action TEXT NOT NULL, changes TEXT NOT NULL DEFAULT '{{}}');
CREATE INDEX IF NOT EXISTS {EDIT_LOG}_feature ON {EDIT_LOG}(layer, uid);
CREATE TABLE IF NOT EXISTS {RUNS} (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, finished_at TEXT NOT NULL, rules_digest TEXT NOT NULL,
    rules TEXT NOT NULL, overlap_m2 REAL NOT NULL, width_m REAL NOT NULL, crs TEXT, summary TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {REVIEWS} (
    review_id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_table TEXT NOT NULL, subject_id TEXT NOT NULL, control_table TEXT NOT NULL, control_id TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
    note TEXT NOT NULL DEFAULT '', who TEXT NOT NULL, at TEXT NOT NULL,
    UNIQUE (subject_table, subject_id, control_table, control_id));
CREATE TABLE IF NOT EXISTS {HISTORY} (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT, case_uid TEXT NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL,
    from_status TEXT, to_status TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS {HISTORY}_case ON {HISTORY}(case_uid);
CREATE TRIGGER IF NOT EXISTS {HISTORY}_no_update BEFORE UPDATE ON {HISTORY}
    BEGIN SELECT RAISE(ABORT, 'the ledger history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS {HISTORY}_no_delete BEFORE DELETE ON {HISTORY}
    BEGIN SELECT RAISE(ABORT, 'the ledger history is append-only'); END;
CREATE TABLE IF NOT EXISTS {QGIS_STYLES} (
    id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
    f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
    useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
    update_time DATETIME DEFAULT CURRENT_TIMESTAMP);
"""
_DESCRIPTIONS = {
    LAYERS: "gisdesk: the project's layers", FEATURES: "gisdesk: version and content hash of every feature",
    EDIT_LOG: "gisdesk: every change to a feature", RUNS: "gisdesk: conflict check runs",
    REVIEWS: "gisdesk: review decisions on conflicts", HISTORY: "gisdesk: the ledger's status history",
    QGIS_STYLES: "QGIS layer styles (written by gisdesk)",
}


class Project:
    """A gisdesk project file, the GeoPackage implementation of gisdesk.store.ProjectStore.

    Open with Project.open() (which repairs what other tools left: features without a uid,
    stale staging files), make with Project.create().
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.notices: list[str] = []

    # --- making and opening -----------------------------------------------------------

    @classmethod
    def create(cls, path, *, crs: CRS | None = None, name: str | None = None) -> Project:
        path = Path(path)
        if path.exists():
            raise ProjectError("文件已存在：{path}（不会覆盖）", "file exists: {path} (not overwritten)", path=path)
        if path.suffix.lower() != ".gpkg":
            raise ProjectError("项目文件应以 .gpkg 结尾：{path}", "a project file must end in .gpkg: {path}", path=path)
        if not path.parent.exists():
            raise ProjectError("目录不存在：{dir}", "folder does not exist: {dir}", dir=path.parent)
        settings = {"format_version": FORMAT_VERSION, "name": name or path.stem,
                    "crs": f"EPSG:{crs.to_epsg()}" if crs else "", "created": local_now(),
                    "project_id": uuid.uuid4().hex}  # (two projects made in the same second are not one)
        tmp = _staging_path(path, "new")
        try:
            pyogrio.write_dataframe(pd.DataFrame({"key": list(settings), "value": list(settings.values())}),
                                    tmp, layer=SETTINGS, driver="GPKG", dataset_options={"VERSION": "1.2"})
            with gpkg.connect(tmp) as db, gpkg.transaction(db):
                _create_schema(db)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except Exception as exc:
            _refuse_if_unwritable(path, exc)
            raise
        finally:
            _remove_staging(tmp)
        return cls(path)

    @classmethod
    def open(cls, path) -> Project:
        path = Path(path)
        if not path.is_file():
            raise ProjectError("项目文件不存在：{path}", "project file not found: {path}", path=path)
        try:
            with gpkg.connect(path, readonly=True) as db:
                found = gpkg.has_table(db, SETTINGS)
        except Exception as exc:  # sqlite3.DatabaseError and the like: not an SQLite file
            raise ProjectError("无法打开项目 {path}：{why}", "cannot open the project {path}: {why}",
                               path=path, why=gpkg.error_reason(exc)) from exc
        if not found:
            raise ProjectError("{path} 不是 gisdesk 项目（缺少 {table} 表）",
                               "{path} is not a gisdesk project (no {table} table)", path=path, table=SETTINGS)
        project = cls(path)
        _remove_stale_staging(path)
        if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
            project.notices = project.repair()
        return project

    def repair(self) -> list[str]:
        """Bring the file to today's format and give features that other tools added a uid.

        Cheap when nothing changed: a layer is looked at again only when its triggers say it
        changed (or they are missing) since the last look. Returns what was repaired, to tell.
        """
        notices = []
        with self._connect() as db:
            if _needs_upgrade(db):
                with gpkg.transaction(db):
                    _upgrade(db)
            for info in self.layers():
                if info.provider != "gpkg" or not _needs_reconcile(db, info.id):
                    continue
                with gpkg.transaction(db):
                    notices += _reconcile(db, info.id, info.kind)
        return notices

    # --- settings ----------------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        with self._connect(readonly=True) as db:
            return dict(db.execute(f"SELECT key, value FROM {SETTINGS}").fetchall())

    def setting(self, key: str, default: str = "") -> str:
        return self.settings().get(key, default) or default

    def set_settings(self, **values: str) -> None:
        with self._write() as db:
            _put_settings(db, values)

    # page layouts (gisdesk.export.layout): settings "layout:NAME", the layout's JSON text
    def layouts(self) -> dict[str, str]:
        """The project's page layouts: name → JSON text, in the order of their names."""
        return {key[len(LAYOUT_KEY):]: value for key, value in sorted(self.settings().items())
                if key.startswith(LAYOUT_KEY) and value}

    def save_layout(self, name: str, text: str) -> None:
        """Keep a page layout (its JSON text) under `name`, replacing one of that name."""
        with self._write() as db:
            _put_settings(db, {LAYOUT_KEY + name: text})

    def remove_layout(self, name: str) -> None:
        with self._write() as db:
            db.execute(f"DELETE FROM {SETTINGS} WHERE key = ?", (LAYOUT_KEY + name,))

    def save_layouts(self, layouts: dict[str, str], *, remove=(), settings: dict[str, str] | None = None) -> None:
        """The layout designer's Save, one transaction: page layouts kept (name → JSON text), the layouts
        named in `remove` removed, and other settings (a logo's image) written with them."""
        with self._write() as db:
            for name in remove:
                db.execute(f"DELETE FROM {SETTINGS} WHERE key = ?", (LAYOUT_KEY + name,))
            _put_settings(db, {**{LAYOUT_KEY + name: text for name, text in layouts.items()}, **(settings or {})})

    @property
    def crs(self) -> CRS | None:
        text = self.setting("crs")
        return CRS.from_user_input(text) if text else None

    # --- layers ------------------------------------------------------------------------

    def layers(self) -> list[LayerInfo]:
        with self._connect(readonly=True) as db:
            return _layer_infos(db)

    def layer_info(self, layer_id: str) -> LayerInfo:
        info = next((i for i in self.layers() if i.id.lower() == str(layer_id).lower()), None)
        if info is None:
            raise ProjectError("项目 {path} 中没有图层 {layer}；现有：{layers}", "project {path} has no layer {layer}; "
                               "it has: {layers}", path=self.path.name, layer=layer_id,
                               layers=", ".join(i.id for i in self.layers()) or "—")
        return info

    def layers_of(self, kind: str) -> list[LayerInfo]:
        return [info for info in self.layers() if info.kind == kind]

    def import_target(self, kind: str, layer_id: str | None) -> tuple[str, bool]:
        """Where an import of `kind` goes: (layer id, whether the layer exists).

        With `layer_id`, that layer (created if new; an existing one must be of the kind);
        without, the kind's layer when the project has exactly one, a new layer with the
        kind's default id when it has none, and a question when it has several.
        """
        info = kind_of(kind)
        if layer_id:
            check_layer_id(layer_id)
            existing = next((i for i in self.layers() if i.id.lower() == layer_id.lower()), None)
            if existing is None:
                basemap = next((i for i in self.basemaps() if i.id.lower() == layer_id.lower()), None)
                if basemap is not None:
                    raise ProjectError("项目 {path} 中的 {layer} 是底图（{file}），不能导入要素",
                                       "{layer} of project {path} is a base map ({file}) and cannot take features",
                                       path=self.path.name, layer=basemap.id, file=basemap.source)
                with self._connect(readonly=True) as db:
                    if gpkg.has_table(db, layer_id):
                        raise ProjectError("项目 {path} 中已有名为 {layer} 的表，它不是 gisdesk 图层",
                                           "project {path} already has a table {layer} that is not a gisdesk layer",
                                           path=self.path.name, layer=layer_id)
                return layer_id, False
            if existing.kind != kind:
                raise ProjectError("图层 {layer} 是{other}图层，不能导入为{title}",
                                   "layer {layer} is a {other} layer and cannot take {title}",
                                   layer=existing.id, other=kind_of(existing.kind).title, title=info.title)
            return existing.id, True
        mine = self.layers_of(kind)
        if len(mine) > 1:
            raise ProjectError("项目中有多个{title}图层（{layers}）：请用 --to 指定导入到哪一个",
                               "the project has several {title} layers ({layers}): choose one with --to",
                               title=info.title, layers=", ".join(i.id for i in mine))
        if mine:
            return mine[0].id, True
        return self.import_target(kind, info.table)  # a new layer with the kind's default id

    def read_layer(self, layer_id: str, columns: list[str] | None = None) -> gpd.GeoDataFrame:
        """The features of a layer as a GeoDataFrame in the project CRS (uid first)."""
        info = self.layer_info(layer_id)
        if columns is not None:
            with self._connect(readonly=True) as db:
                present = {name.lower() for name, _ in gpkg.columns_of(db, info.id)}
            columns = ["uid", *[c for c in columns if c != "uid" and c.lower() in present]]
        frame = pyogrio.read_dataframe(self.path, layer=info.id, columns=columns, use_arrow=True)
        if frame.crs is None and self.crs is not None:
            frame = frame.set_crs(self.crs)
        return frame

    def uids(self, layer_id: str, among: Iterable[str] | None = None) -> set[str]:
        """The uids of a layer's features; with `among`, only those of these uids it has."""
        with self._connect(readonly=True) as db:
            if not any(i.id == layer_id for i in _layer_infos(db)):
                return set()
            if among is None:
                return {r[0] for r in db.execute(f'SELECT uid FROM "{layer_id}" WHERE uid IS NOT NULL')}
            among, found = [str(u) for u in among], set()
            for start in range(0, len(among), 900):  # SQLite's limit on bound parameters
                chunk = among[start:start + 900]
                found |= {r[0] for r in db.execute(f'SELECT uid FROM "{layer_id}" WHERE uid IN '
                                                   f'({",".join("?" * len(chunk))})', chunk)}
            return found

    def add_features(self, layer_id: str, frame: gpd.GeoDataFrame, *, kind: str | None = None, source: dict,
                     title: str | None = None) -> None:
        """Append validated features (with unique `uid`s, in the project CRS) to a layer, creating it if new.

        Columns land by name: fields the layer lacks are added, fields the frame lacks stay
        empty. GDAL writes the frame into a staging file beside the project; one SQLite
        transaction then moves it in, with the layer's registration, versions and log.
        """
        existing = next((i for i in self.layers() if i.id.lower() == layer_id.lower()), None)
        kind = kind or (existing.kind if existing else _kind_of_default_table(layer_id))
        info = kind_of(kind)
        first_crs = self.crs is None  # the first import fixes the project CRS, in the same transaction
        crs = CRS(frame.crs) if first_crs and frame.crs else self.crs
        if crs is None or frame.crs is None or not CRS(frame.crs).equals(crs) or crs.to_epsg() is None:
            raise ProjectError("内部错误：要素不在项目坐标系中", "internal error: features are not in the project CRS")
        if existing is None:
            check_layer_id(layer_id)
        geometry_type = "MultiPolygon" if info.geometries == (POLYGON,) else "Unknown"
        if geometry_type == "MultiPolygon":
            frame = frame.set_geometry(_to_multi(frame.geometry.values))
        staging = _staging_path(self.path, "import")
        try:
            pyogrio.write_dataframe(frame, staging, layer=layer_id, driver="GPKG", geometry_type=geometry_type,
                                    promote_to_multi=geometry_type == "MultiPolygon",
                                    dataset_options={"VERSION": "1.2"}, use_arrow=_arrow_writes_alike(frame))
            with self._connect() as db:
                db.execute("ATTACH DATABASE ? AS staging", (str(staging),))
                # a page cache for this connection of up to 256 MiB instead of 2: the uid indexes of a
                # million features are built and filled in memory (no effect on the journal or the sync)
                db.execute(f"PRAGMA main.cache_size = {-256 * 1024}")
                with gpkg.transaction(db):
                    if existing is None:
                        gpkg.copy_new_table(db, layer_id)
                        z = _default_z_order(db, kind)
                        db.execute(f"INSERT INTO {LAYERS} (table_name, kind, title, geometry_type, z_order, sources) "
                                   f"VALUES (?, ?, ?, ?, ?, ?)",
                                   (layer_id, kind, title or (info.name_zh if layer_id == info.table else layer_id),
                                    geometry_type, z, json.dumps([source], ensure_ascii=False)))
                        db.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{layer_id}_uid" ON "{layer_id}"(uid)')
                        _install_triggers(db, layer_id)
                        count = len(frame)
                    else:
                        layer_id = existing.id
                        count, _ = gpkg.append_by_name(db, layer_id, layer_id)
                        sources = json.loads(db.execute(f"SELECT sources FROM {LAYERS} WHERE table_name = ?",
                                                        (layer_id,)).fetchone()[0])
                        db.execute(f"UPDATE {LAYERS} SET sources = ? WHERE table_name = ?",
                                   (json.dumps(sources + [source], ensure_ascii=False), layer_id))
                    _register_imported(db, layer_id, None if existing is None else
                                       f'SELECT uid FROM staging."{_staging_table(db, layer_id)}"')
                    _log(db, [(layer_id, None, None, current_user(), local_now(), "import",
                               {"features": count, "source": source.get("path", "")})])
                    db.execute(f"UPDATE {LAYERS} SET changed_at = {_NOW_SQL}, reconciled_at = {_NOW_SQL} "
                               f"WHERE table_name = ?", (layer_id,))
                    if first_crs:
                        _put_settings(db, {"crs": f"EPSG:{crs.to_epsg()}"})
                    _write_qgis_style(db, layer_id)
                db.execute("DETACH DATABASE staging")
        except Exception as exc:  # a full disk or a folder that cannot be written: the project is as it was
            _refuse_if_unwritable(self.path, exc)
            raise
        finally:
            _remove_staging(staging)

    def save_layer_states(self, states: list[dict]) -> None:
        """Store order, visibility, opacity, style (and title) of layers: [{id, z_order, visible, opacity, style, title}]."""
        with self._write() as db:
            for s in states:
                db.execute(f"UPDATE {LAYERS} SET z_order = ?, visible = ?, opacity = ?, style = ?, "
                           f"title = coalesce(?, title) WHERE table_name = ?",
                           (s["z_order"], int(s["visible"]), s["opacity"], json.dumps(s["style"], ensure_ascii=False),
                            s.get("title"), s.get("id", s.get("table"))))
            for s in states:
                _write_qgis_style(db, s.get("id", s.get("table")))

    def rename_layer(self, layer_id: str, title: str) -> None:
        with self._write() as db:
            if db.execute(f"UPDATE {LAYERS} SET title = ? WHERE table_name = ?", (title, layer_id)).rowcount != 1:
                raise ProjectError("项目 {path} 中没有图层 {layer}", "project {path} has no layer {layer}",
                                   path=self.path.name, layer=layer_id)

    # --- base maps: image files by reference -------------------------------------------

    def basemaps(self) -> list[LayerInfo]:
        """The base maps (GeoTIFFs, MBTiles caches), bottom first; `source` as stored (see basemap_path)."""
        with self._connect(readonly=True) as db:
            return _layer_infos(db, basemaps=True)

    def basemap_info(self, layer_id: str) -> LayerInfo:
        info = next((i for i in self.basemaps() if i.id.lower() == str(layer_id).lower()), None)
        if info is None:
            raise ProjectError("项目 {path} 中没有底图 {layer}；现有：{layers}",
                               "project {path} has no base map {layer}; it has: {layers}", path=self.path.name,
                               layer=layer_id, layers=", ".join(i.id for i in self.basemaps()) or "—")
        return info

    def add_basemap(self, path, *, layer_id: str | None = None, title: str | None = None, date: str | None = None,
                    provider: str | None = None) -> LayerInfo:
        """Add an image file as a base map, by reference, on top of the other base maps; one transaction.

        The file is not copied: `source` is its path relative to the project's folder when it
        lies in that folder or below, else absolute. `provider` ("gdal" or "mbtiles") is found
        from the file's first bytes when not given. The store does not read images (it sits
        below gisdesk.io): gisdesk.io.basemaps.add_basemap opens the file first to refuse what
        is not a readable raster and to take the date from its metadata.
        """
        path = Path(path)
        if not path.is_file():
            raise ProjectError("底图文件不存在：{path}", "base map file not found: {path}", path=path)
        provider = provider or _basemap_provider(path)
        if provider not in ("gdal", "mbtiles"):
            raise ProjectError("内部错误：未知的底图提供者 {provider}", "internal error: unknown base map provider "
                               "{provider}", provider=provider)
        absolute = path.resolve()
        style = {"date": str(date)} if date else {}
        style.update(self._basemap_fallbacks(absolute))
        with self._write() as db:
            taken = {r[0].lower() for r in db.execute(f"SELECT table_name FROM {LAYERS}")} | \
                {r[0].lower() for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
            if layer_id:
                check_layer_id(layer_id)
                if layer_id.lower() in taken:
                    raise ProjectError("项目 {path} 中已有图层或表 {layer}", "project {path} already has a layer or "
                                       "table {layer}", path=self.path.name, layer=layer_id)
            else:
                layer_id = _basemap_id(path, taken)
            db.execute(f"UPDATE {LAYERS} SET z_order = z_order - 1 WHERE kind = '{BASEMAP}'")  # the new one on top
            db.execute(f"INSERT INTO {LAYERS} (table_name, kind, title, provider, source, geometry_type, z_order, "
                       f"style, sources) VALUES (?, ?, ?, ?, ?, NULL, -1, ?, ?)",
                       (layer_id, BASEMAP, title or path.stem, provider, self._basemap_source(absolute),
                        json.dumps(style, ensure_ascii=False),
                        json.dumps([{"path": str(absolute), "added_at": local_now()}], ensure_ascii=False)))
            _log(db, [(layer_id, None, None, current_user(), local_now(), "add_basemap",
                       {"path": str(absolute), "provider": provider})])
        return self.basemap_info(layer_id)

    def relocate_basemap(self, layer_id: str, new_path) -> LayerInfo:
        """Point a base map at its file in a new place (one that moved); the date and title stay."""
        info = self.basemap_info(layer_id)
        path = Path(new_path)
        if not path.is_file():
            raise ProjectError("底图文件不存在：{path}", "base map file not found: {path}", path=path)
        absolute = path.resolve()
        style = {key: value for key, value in info.style.items() if key not in ("absolute", "relative")}
        style.update(self._basemap_fallbacks(absolute))
        with self._write() as db:
            db.execute(f"UPDATE {LAYERS} SET source = ?, provider = ?, style = ? WHERE table_name = ?",
                       (self._basemap_source(absolute), _basemap_provider(path), json.dumps(style, ensure_ascii=False),
                        info.id))
            _log(db, [(info.id, None, None, current_user(), local_now(), "relocate_basemap",
                       {"from": info.source, "to": str(absolute)})])
        return self.basemap_info(info.id)

    def remove_basemap(self, layer_id: str) -> None:
        """Take a base map out of the project (its file stays where it is)."""
        info = self.basemap_info(layer_id)
        with self._write() as db:
            db.execute(f"DELETE FROM {LAYERS} WHERE table_name = ? AND kind = '{BASEMAP}'", (info.id,))
            _log(db, [(info.id, None, None, current_user(), local_now(), "remove_basemap", {"source": info.source})])

    def basemap_path(self, info: LayerInfo) -> Path:
        """Where a base map's file is: its source against the project's folder (or as stored when
        absolute); when not there, where it was when added or relocated, if it is still there.
        A missing file gives the first of these (basemap_candidates lists all that were tried)."""
        candidates = self.basemap_candidates(info)
        return next((c for c in candidates if c.is_file()), candidates[0])

    def basemap_candidates(self, info: LayerInfo) -> list[Path]:
        """The places a base map's file is looked for, in order."""
        source = Path(info.source)
        first = source if source.is_absolute() else self.path.resolve().parent / source
        candidates = [first]
        style = info.style or {}
        if style.get("relative"):  # a file outside the project folder, which moved with it (../影像/a.tif)
            candidates.append(Path(os.path.normpath(self.path.resolve().parent / style["relative"])))
        if style.get("absolute"):
            candidates.append(Path(style["absolute"]))
        return list(dict.fromkeys(candidates))

    def _basemap_fallbacks(self, absolute: Path) -> dict:
        """Where else a base map's file is looked for: where it is now ("absolute": a copy of the project
        file alone still finds it) and, for a file outside the project folder, its path relative to
        the folder ("relative", ../影像/a.tif: found when both moved together)."""
        fallbacks = {"absolute": str(absolute)}
        if Path(self._basemap_source(absolute)).is_absolute():
            try:
                fallbacks["relative"] = Path(os.path.relpath(absolute, self.path.resolve().parent)).as_posix()
            except ValueError:  # another drive (Windows): no relative way there
                pass  # (the absolute fallback stays the only one)
        return fallbacks

    def _basemap_source(self, absolute: Path) -> str:
        """A file's path as a base map's source: relative (with /) below or beside the project, else absolute."""
        folder = self.path.resolve().parent
        try:
            return absolute.relative_to(folder).as_posix()
        except ValueError:
            return str(absolute)

    # --- features: versions and edits ---------------------------------------------------

    def versions(self, layer_id: str, uids: Iterable[str] | None = None, *, hashes: bool = True) -> pd.DataFrame:
        """uid, version and content hash of a layer's features (of `uids` only, when given).

        The hashes an import deferred are computed here (for the features asked for, when they
        are few); with `hashes=False` they are left for later and the column may hold ''."""
        wanted = None if uids is None else {str(u) for u in uids}
        few = wanted is not None and len(wanted) <= _FEW_UIDS
        only, params = ((f"AND uid IN ({','.join('?' * len(wanted))})", tuple(sorted(wanted))) if few else ("", ()))
        deferred = False
        if hashes:
            with self._connect(readonly=True) as db:
                deferred = db.execute(f"SELECT 1 FROM {FEATURES} WHERE layer = ? AND hash = '{_DEFERRED}' {only} "
                                      f"LIMIT 1", (layer_id, *params)).fetchone()
        if deferred:
            with self._write() as db:
                db.execute(f'UPDATE {FEATURES} SET hash = (SELECT {_hash_of(db, layer_id)} FROM "{layer_id}" '
                           f'WHERE "{layer_id}".uid = {FEATURES}.uid) '
                           f"WHERE layer = ? AND hash = '{_DEFERRED}' {only}", (layer_id, *params))
        with self._connect(readonly=True) as db:
            frame = pd.read_sql_query(f"SELECT uid, version, hash FROM {FEATURES} WHERE layer = ? {only} ORDER BY uid",
                                      db, params=(layer_id, *params))
        if wanted is not None and not few:
            frame = frame[frame["uid"].isin(wanted)].reset_index(drop=True)
        return frame

    def commit_edits(self, layer_id: str, edits: list[FeatureEdit], *, who: str,
                     history: list[tuple] | None = None) -> dict[str, int]:
        """Write `edits` to a layer in one transaction; returns each touched uid's new version (0: deleted).

        Each edit names the version it was made against: when the stored feature has moved on
        (another user, another tool, another window), the whole commit is refused naming the
        feature, and nothing is written. `history` are ledger status events written with them.
        """
        info = self.layer_info(layer_id)
        new_versions: dict[str, int] = {}
        with self._write() as db:
            geom_column = gpkg.geometry_column(db, info.id)
            columns = {name.lower(): name for name, _ in gpkg.columns_of(db, info.id)}
            srs_id = _srs_of(db, info.id)
            # changed by another tool (QGIS) since gisdesk last looked: left for the next open to look at
            stale = _needs_reconcile(db, info.id)
            for edit in edits:
                uid = str(edit.uid)
                row = db.execute(f"SELECT version FROM {FEATURES} WHERE layer = ? AND uid = ?", (info.id, uid)).fetchone()
                if edit.action == "add":
                    if row is not None or db.execute(f'SELECT 1 FROM "{info.id}" WHERE uid = ?', (uid,)).fetchone():
                        raise ProjectError("图层 {layer} 中已有要素 {uid}", "layer {layer} already has a feature {uid}",
                                           layer=info.id, uid=uid)
                    values = {"uid": uid, **_known(edit.values, columns, info.id)}
                    values[geom_column] = gpkg.geometry_blobs(np.array([edit.geometry], dtype=object), srs_id)[0]
                    names = ", ".join(f'"{columns.get(k.lower(), k)}"' for k in values)
                    db.execute(f'INSERT INTO "{info.id}" ({names}) VALUES ({", ".join("?" * len(values))})',
                               [_sql_value(v) for v in values.values()])
                    changes = {k: _json_value(v) for k, v in edit.values.items()}
                else:
                    if row is None:
                        raise ProjectError("图层 {layer} 中没有要素 {uid}（可能已被他人删除）",
                                           "layer {layer} has no feature {uid} (someone may have deleted it)",
                                           layer=info.id, uid=uid)
                    if edit.version is not None and row[0] != edit.version:
                        raise ProjectError(
                            "要素 {uid}（图层 {layer}）在你编辑之后已被修改（版本 {then} → {now}）：未保存任何修改，请重新载入后再编辑",
                            "feature {uid} of layer {layer} was changed after you began editing it (version {then} → "
                            "{now}): nothing was saved; reload and edit again",
                            uid=uid, layer=info.id, then=edit.version, now=row[0])
                    if edit.action == "delete":
                        old = _row_values(db, info.id, uid, geom_column)
                        db.execute(f'DELETE FROM "{info.id}" WHERE uid = ?', (uid,))
                        changes = {"deleted": old}
                    elif edit.action == "attributes":
                        values = _known(edit.values, columns, info.id)
                        before = _row_values(db, info.id, uid, geom_column)
                        assignments = ", ".join(f'"{columns[k.lower()]}" = ?' for k in values)
                        db.execute(f'UPDATE "{info.id}" SET {assignments} WHERE uid = ?',
                                   [*(_sql_value(v) for v in values.values()), uid])
                        changes = {k: [before.get(columns[k.lower()]), _json_value(v)] for k, v in values.items()}
                    elif edit.action == "geometry":
                        blob = gpkg.geometry_blobs(np.array([edit.geometry], dtype=object), srs_id)[0]
                        db.execute(f'UPDATE "{info.id}" SET "{geom_column}" = ? WHERE uid = ?', (blob, uid))
                        changes = {"geometry": shapely.to_wkt(edit.geometry, rounding_precision=3)}
                    else:
                        raise ValueError(f"unknown edit action {edit.action!r}")
                version = _rehash(db, info.id, uid)
                new_versions[uid] = version
                _log(db, [(info.id, uid, version, who, local_now(), edit.action, changes)])
            if history:
                _append_history(db, history)
            gpkg.touch_contents(db, info.id)
            if not stale:
                db.execute(f"UPDATE {LAYERS} SET reconciled_at = {_NOW_SQL} WHERE table_name = ?", (info.id,))
        return new_versions

    def update_attributes(self, layer_id: str, uid: str, values: dict) -> None:
        """Set attribute `values` ({column: value}) of the feature `uid`, whatever its version; one transaction.

        Only attribute columns: the geometry, `uid` and the feature id are refused.
        """
        if values:
            self.commit_edits(layer_id, [FeatureEdit("attributes", uid, None, dict(values))], who=current_user())

    def edit_log(self, layer_id: str | None = None) -> pd.DataFrame:
        query = f"SELECT layer, uid, version, who, at, action, changes FROM {EDIT_LOG}" + \
            (" WHERE layer = ?" if layer_id else "") + " ORDER BY fid"
        with self._connect(readonly=True) as db:
            frame = pd.read_sql_query(query, db, params=(layer_id,) if layer_id else None)
        frame["changes"] = frame["changes"].map(json.loads)
        return frame

    # --- check results -----------------------------------------------------------------

    def save_check(self, conflicts: pd.DataFrame, run: RunRecord) -> int:
        """Replace the stored results of the last check with `conflicts`; returns the run id."""
        crs = self.setting("crs")
        columns = ["subject_layer", "subject_id", "control_kind", "control_id", "relation", "overlap_m2", "depth_m",
                   "distance_m", "required_m", "shortfall_m", "subject_table", "control_table", "period", "exemption"]
        conflicts = stored_defaults(conflicts.copy())  # (an engine frame of an older caller: no periods)
        with self._write() as db:
            srs_id = _project_srs_id(db, self.path)
            db.execute(f"DROP TABLE IF EXISTS {CONFLICTS}")
            db.execute(f"DELETE FROM gpkg_geometry_columns WHERE table_name = '{CONFLICTS}'")
            db.execute(f"DELETE FROM gpkg_contents WHERE table_name = '{CONFLICTS}'")
            db.execute(f"""CREATE TABLE {CONFLICTS} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY,
                subject_layer TEXT NOT NULL, subject_id TEXT NOT NULL, control_kind TEXT NOT NULL,
                control_id TEXT NOT NULL, relation TEXT NOT NULL, overlap_m2 REAL, depth_m REAL,
                distance_m REAL, required_m REAL, shortfall_m REAL, subject_table TEXT NOT NULL,
                control_table TEXT NOT NULL, period TEXT NOT NULL DEFAULT 'unknown',
                exemption TEXT NOT NULL DEFAULT '')""")
            def rows():  # made a slice at a time: a million rows as Python objects at once took ~1 GB
                for at in range(0, len(conflicts), _SAVE_SLICE):
                    part = conflicts.iloc[at:at + _SAVE_SLICE]
                    yield from zip(gpkg.geometry_blobs(part["overlap"].to_numpy(), srs_id),
                                   *(part[c].to_numpy().tolist() for c in columns))

            db.executemany(f"INSERT INTO {CONFLICTS} (geom, {', '.join(columns)}) "
                           f"VALUES ({', '.join('?' * (len(columns) + 1))})", rows())
            db.execute(f"CREATE INDEX {CONFLICTS}_subject ON {CONFLICTS}(subject_table, subject_id)")
            db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, "
                       "srs_id) VALUES (?, 'features', ?, ?, ?, ?)",
                       (CONFLICTS, CONFLICTS, "gisdesk: results of the last conflict check", gpkg.gpkg_now(), srs_id))
            db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)",
                       (CONFLICTS, srs_id))
            cursor = db.execute(
                f"INSERT INTO {RUNS} (finished_at, rules_digest, rules, overlap_m2, width_m, crs, summary) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?)",
                (local_now(precise=True), run.rules_digest, run.rules, run.overlap_m2, run.width_m, crs,
                 json.dumps(run.summary, ensure_ascii=False)))
            _put_settings(db, {"rules": run.rules})
            return cursor.lastrowid

    def conflicts(self) -> gpd.GeoDataFrame:
        """The results of the last check (overlap geometry for overlapping pairs)."""
        if not self.last_run():
            raise ProjectError("项目 {path} 还没有运行过冲突检查（gisdesk check）",
                               "project {path} has no check results yet (run gisdesk check)", path=self.path.name)
        # GDAL reads the table in the order of its fid (a million rows in ~5 s; ~12 s row by row)
        frame = pyogrio.read_dataframe(self.path, layer=CONFLICTS, use_arrow=True)
        for table, kind in (("subject_table", "subject_layer"), ("control_table", "control_kind")):
            if table not in frame:  # stored by gisdesk before layers had ids: one layer per kind
                frame[table] = frame[kind].map(lambda k: kind_of(k).table).astype(object)
        frame = stored_defaults(frame)  # stored before periods: unknown, no exemption
        return frame.set_crs(self.crs, allow_override=True) if self.crs is not None else frame

    def last_run(self) -> dict | None:
        with self._connect(readonly=True) as db:
            row = db.execute(f"SELECT run_id, finished_at, rules_digest, overlap_m2, width_m, crs, summary "
                             f"FROM {RUNS} ORDER BY run_id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        keys = ("run_id", "finished_at", "rules_digest", "overlap_m2", "width_m", "crs")
        return {**dict(zip(keys, row[:6])), "summary": json.loads(row[6])}

    def stale_layers(self) -> list[str]:
        """The layers changed (by any tool) after the last check finished: its results are stale for them."""
        run = self.last_run()
        if run is None:
            return []
        finished = gpkg.parse_time(run["finished_at"])
        with self._connect(readonly=True) as db:
            rows = db.execute(f"SELECT l.table_name, l.changed_at, c.last_change FROM {LAYERS} l "
                              f"LEFT JOIN gpkg_contents c ON lower(c.table_name) = lower(l.table_name) "
                              f"WHERE l.kind != '{BASEMAP}' ORDER BY l.z_order").fetchall()
        stale = []
        for table, changed, contents in rows:
            times = [t for t in (gpkg.parse_time(changed), gpkg.parse_time(contents)) if t is not None]
            if times and finished is not None and max(times) > finished:
                stale.append(table)
        return stale

    # --- reviews -----------------------------------------------------------------------

    def save_decisions(self, keys: list[tuple], decision: str, *, note: str, who: str, at: str) -> None:
        """Store a decision on conflicts of the last check, keyed (subject layer, uid, control layer, uid)."""
        with self._write() as db:
            has_conflicts = gpkg.has_table(db, CONFLICTS)
            for key in keys:
                found = has_conflicts and db.execute(
                    f"SELECT 1 FROM {CONFLICTS} WHERE subject_table = ? AND subject_id = ? AND control_table = ? "
                    f"AND control_id = ? LIMIT 1", key).fetchone()
                if not found:  # raising here rolls back the rows already written
                    raise ProjectError("上次检查结果中没有冲突 {subject} × {control}，无法审核",
                                       "the last check found no conflict {subject} × {control}: nothing to review",
                                       subject=f"{key[0]}/{key[1]}", control=f"{key[2]}/{key[3]}")
                db.execute(
                    f"INSERT INTO {REVIEWS} ({', '.join(CONFLICT_KEY)}, decision, note, who, at) "
                    f"VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT ({', '.join(CONFLICT_KEY)}) DO UPDATE SET "
                    f"decision = excluded.decision, note = excluded.note, who = excluded.who, at = excluded.at",
                    (*key, decision, note, who, at))
            db.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?", (gpkg.gpkg_now(), REVIEWS))

    def clear_decisions(self, keys: list[tuple]) -> None:
        with self._write() as db:
            db.executemany(f"DELETE FROM {REVIEWS} WHERE " + " AND ".join(f"{c} = ?" for c in CONFLICT_KEY), keys)

    def decisions(self) -> pd.DataFrame:
        with self._connect(readonly=True) as db:
            return pd.read_sql_query(f"SELECT {', '.join(CONFLICT_KEY)}, decision, note, who, at FROM {REVIEWS} "
                                     f"ORDER BY review_id", db)

    def feature_names(self, layer_id: str, uids: Iterable[str]) -> pd.Series:
        """uid → a name to show for these features, read with plain SQL, no geometry: each feature's
        name, else its address; a column the layer kind's schema reads as the name or the address
        (名称, road_name, 地址 ...: a layer another tool wrote) serves where `name` / `address` is
        empty. Features with neither are left out."""
        with self._connect(readonly=True) as db:
            present = [name for name, _ in gpkg.columns_of(db, layer_id)]
            kind = next((i.kind for i in _layer_infos(db) if i.id == layer_id), None)
            names = kind_of(kind).schema.source_names() if kind in KINDS else {}
            wanted = []
            for field in ("name", "address"):
                wanted += [c for c in present if c.lower() == field]
                wanted += [c for c in present if c.lower() != field and names.get(c) == field]
            if not wanted:
                return pd.Series(dtype=object)
            uids = pd.Series(list(uids) if not isinstance(uids, (pd.Series, np.ndarray)) else uids,
                             dtype=object).astype(str).unique().tolist()
            shown = "COALESCE(" + ", ".join(f"NULLIF(TRIM(CAST(\"{c}\" AS TEXT)), '')" for c in wanted) + ", '')"
            rows = []
            # SQLite's limit on bound parameters (999 before 3.32, 32766 since)
            size = 900 if sqlite3.sqlite_version_info < (3, 32) else 30000
            for start in range(0, len(uids), size):
                chunk = uids[start:start + size]
                rows += db.execute(f'SELECT uid, {shown} FROM "{layer_id}" WHERE uid IN '
                                   f'({",".join("?" * len(chunk))})', chunk).fetchall()
        return pd.Series({uid: name for uid, name in rows if name})

    # --- the ledger's history --------------------------------------------------------

    def change_status(self, case_uid: str, new_status: str, *, who: str, note: str = "",
                      at: str | None = None, layer_id: str | None = None) -> None:
        """Move a ledger case to a new status and record the event; both or neither happen."""
        layer_id = layer_id or self.import_target("ledger", None)[0]
        with self._write() as db:
            row = db.execute(f'SELECT status FROM "{layer_id}" WHERE uid = ?', (case_uid,)).fetchone()
            if row is None:
                raise ProjectError("台账中没有案件 {uid}", "the ledger has no case {uid}", uid=case_uid)
            check_transition(case_uid, row[0], new_status)
            db.execute(f'UPDATE "{layer_id}" SET status = ? WHERE uid = ?', (new_status, case_uid))
            version = _rehash(db, layer_id, case_uid)
            _log(db, [(layer_id, case_uid, version, who, local_now(), "attributes", {"status": [row[0], new_status]})])
            _append_history(db, [(case_uid, at or local_now(), who, row[0], new_status, note)])

    def append_history(self, events: list[tuple]) -> None:
        """Record (case_uid, at, who, from_status, to_status, note) events, e.g. from an import."""
        with self._write() as db:
            _append_history(db, events)

    def history(self, case_uid: str | None = None) -> pd.DataFrame:
        query = f"SELECT * FROM {HISTORY}" + (" WHERE case_uid = ?" if case_uid else "") + " ORDER BY event_id"
        with self._connect(readonly=True) as db:
            return pd.read_sql_query(query, db, params=(case_uid,) if case_uid else None)

    # --- plumbing ----------------------------------------------------------------------

    def _connect(self, readonly: bool = False):
        return gpkg.connect(self.path, readonly=readonly)

    @contextlib.contextmanager
    def _write(self):
        """One SQLite transaction on the project: committed if the block succeeds, else rolled back.
        Inside `batch()`, a savepoint of the batch's transaction instead."""
        batch = getattr(self, "_batch", None)
        if batch is not None:
            batch.execute("SAVEPOINT gisdesk_write")
            try:
                yield batch
                batch.execute("RELEASE gisdesk_write")
            except BaseException:
                batch.execute("ROLLBACK TO gisdesk_write")
                batch.execute("RELEASE gisdesk_write")
                raise
            return
        with gpkg.connect(self.path) as db, gpkg.transaction(db):
            yield db

    @contextlib.contextmanager
    def batch(self):
        """Several writes as ONE transaction: every write of this Project made inside the block
        (commit_edits, append_history, set_settings, save_layout ...; not add_features, which moves a
        staging file in) joins it, and all are committed when the block ends or rolled back if it
        raises. The write lock is taken at once (BEGIN IMMEDIATE): nobody else writes the file
        meanwhile. Yields the connection, for the GeoPackage tables of a module of gisdesk.field
        (a field package merge: gisdesk/field/merge.py)."""
        if getattr(self, "_batch", None) is not None:
            raise ProjectError("内部错误：项目 {path} 已在批量写入中", "internal error: project {path} is already in a "
                               "batch write", path=self.path.name)
        with gpkg.connect(self.path) as db:
            # the dirty pages stay in memory until the commit (a spill would lock out the store's
            # own readers, layer_info and the like, for the rest of the batch)
            db.execute("PRAGMA cache_spill = OFF")
            with gpkg.transaction(db):
                self._batch = db
                try:
                    yield db
                finally:
                    self._batch = None

    # --- topology found on import ----------------------------------------------------------

    def save_topology(self, layer_id: str, frame: gpd.GeoDataFrame) -> None:
        """Replace the stored topology findings of a layer with `frame` (problem 'overlap' | 'sliver' |
        'gap', uids: a sequence of the features' uids, area_m2, geometry in the project CRS).

        They live in gisdesk_topology, a feature table registered like the layers (QGIS and GDAL
        show the overlaps, slivers and gaps themselves), one transaction."""
        found_at = local_now()
        with self._write() as db:
            srs_id = _project_srs_id(db, self.path)
            _create_topology_table(db, srs_id)
            db.execute(f"DELETE FROM {TOPOLOGY} WHERE layer_id = ?", (layer_id,))
            uids = [json.dumps([str(u) for u in us], ensure_ascii=False) for us in frame["uids"]]
            db.executemany(f"INSERT INTO {TOPOLOGY} (geom, layer_id, problem, uids, area_m2, found_at) "
                           f"VALUES (?, ?, ?, ?, ?, ?)",
                           zip(gpkg.geometry_blobs(frame.geometry.to_numpy(), srs_id), [layer_id] * len(frame),
                               frame["problem"].tolist(), uids, frame["area_m2"].astype(float).tolist(),
                               [found_at] * len(frame)))
            gpkg.touch_contents(db, TOPOLOGY)

    def topology(self, layer_id: str | None = None) -> gpd.GeoDataFrame:
        """The topology findings stored for a layer (all layers when None): layer_id, problem, uids (a
        tuple), area_m2, found_at, geometry; none for a project that never stored any."""
        with self._connect(readonly=True) as db:
            if gpkg.has_table(db, TOPOLOGY):
                frame = pd.read_sql_query(f"SELECT layer_id, problem, uids, area_m2, found_at, geom FROM {TOPOLOGY}"
                                          + (" WHERE layer_id = ?" if layer_id else "") + " ORDER BY fid", db,
                                          params=(layer_id,) if layer_id else None)
            else:
                frame = pd.DataFrame({c: pd.Series(dtype=object) for c in
                                      ("layer_id", "problem", "uids", "area_m2", "found_at", "geom")})
        frame["uids"] = [tuple(json.loads(u)) for u in frame["uids"]]
        frame["area_m2"] = frame["area_m2"].astype(float)
        geoms = gpkg.geometries_from_blobs(frame.pop("geom").to_numpy())
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index), crs=self.crs)

    def read_layer_in(self, layer_id: str, bbox: tuple[float, float, float, float],
                      columns: list[str] | None = None) -> gpd.GeoDataFrame:
        """The features of a layer whose bounding boxes meet `bbox` (xmin, ymin, xmax, ymax in the project
        CRS), found through the layer's R-tree: what an append's topology check reads of a big layer."""
        info = self.layer_info(layer_id)
        if columns is not None:
            with self._connect(readonly=True) as db:
                present = {name.lower() for name, _ in gpkg.columns_of(db, info.id)}
            columns = ["uid", *[c for c in columns if c != "uid" and c.lower() in present]]
        frame = pyogrio.read_dataframe(self.path, layer=info.id, columns=columns, bbox=tuple(bbox), use_arrow=True)
        if frame.crs is None and self.crs is not None:
            frame = frame.set_crs(self.crs)
        return frame


# --- schema, upgrade and repair ------------------------------------------------------------

def _create_schema(db) -> None:
    gpkg.execute_script(db, _SCHEMA_SQL)
    for table, description in _DESCRIPTIONS.items():
        gpkg.register_attributes(db, table, description)
    gpkg.set_version_1_2(db)


def _create_topology_table(db, srs_id: int) -> None:
    """gisdesk_topology, registered as a feature table (GeoPackage 1.2: contents and geometry column)."""
    if gpkg.has_table(db, TOPOLOGY):
        return
    db.execute(f"""CREATE TABLE {TOPOLOGY} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY,
        layer_id TEXT NOT NULL, problem TEXT NOT NULL CHECK (problem IN ('overlap', 'sliver', 'gap')),
        uids TEXT NOT NULL, area_m2 REAL NOT NULL, found_at TEXT NOT NULL)""")
    db.execute(f"CREATE INDEX {TOPOLOGY}_layer ON {TOPOLOGY}(layer_id)")
    db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
               "VALUES (?, 'features', ?, ?, ?, ?)",
               (TOPOLOGY, TOPOLOGY, "gisdesk: overlaps, slivers and gaps found on import", gpkg.gpkg_now(), srs_id))
    db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)", (TOPOLOGY, srs_id))


def _needs_upgrade(db) -> bool:
    layer_columns = {name for name, _ in gpkg.columns_of(db, LAYERS)}
    review_columns = {name for name, _ in gpkg.columns_of(db, REVIEWS)}
    return "fid" not in layer_columns or not gpkg.has_table(db, FEATURES) or \
        (review_columns and "subject_table" not in review_columns) or \
        db.execute("PRAGMA user_version").fetchone()[0] != gpkg.USER_VERSION_1_2 or \
        bool(gpkg.tables_with_1_4_rtree_triggers(db)) or _qgis_styles_outdated(db)


def _upgrade(db) -> None:
    """Projects written by gisdesk before layers had ids: gisdesk_layers had a TEXT key (which
    GeoPackage forbids and which makes QGIS open it read-only), reviews were keyed by kind."""
    if "fid" not in {name for name, _ in gpkg.columns_of(db, LAYERS)}:
        db.execute(f"ALTER TABLE {LAYERS} RENAME TO {LAYERS}_old")
        gpkg.execute_script(db, _SCHEMA_SQL)
        db.execute(f"INSERT INTO {LAYERS} (table_name, kind, title, geometry_type, z_order, visible, opacity, style, "
                   f"sources) SELECT table_name, kind, title, geometry_type, z_order, visible, opacity, style, "
                   f"sources FROM {LAYERS}_old ORDER BY z_order")
        db.execute(f"DROP TABLE {LAYERS}_old")
    review_columns = {name for name, _ in gpkg.columns_of(db, REVIEWS)}
    if review_columns and "subject_table" not in review_columns:
        db.execute(f"ALTER TABLE {REVIEWS} RENAME TO {REVIEWS}_old")
        gpkg.execute_script(db, _SCHEMA_SQL)
        old = db.execute(f"SELECT subject_layer, subject_id, control_kind, control_id, decision, note, who, at "
                         f"FROM {REVIEWS}_old ORDER BY review_id").fetchall()
        db.executemany(f"INSERT OR REPLACE INTO {REVIEWS} ({', '.join(CONFLICT_KEY)}, decision, note, who, at) "
                       f"VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [(kind_of(r[0]).table, r[1], kind_of(r[2]).table, *r[3:]) for r in old])
        db.execute(f"DROP TABLE {REVIEWS}_old")
    for table in gpkg.tables_with_1_4_rtree_triggers(db):  # written as GeoPackage 1.4 before
        gpkg.rtree_triggers_to_1_2(db, table)
    _create_schema(db)
    _put_settings(db, {"format_version": FORMAT_VERSION})
    for info in _layer_infos(db):
        _write_qgis_style(db, info.id)


def _needs_reconcile(db, table: str) -> bool:
    row = db.execute(f"SELECT changed_at, reconciled_at FROM {LAYERS} WHERE table_name = ?", (table,)).fetchone()
    if row is None or row[1] is None:
        return True
    triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                                         (table,))}
    if not {f"gisdesk_{table}_{t}" for t in ("insert", "update", "delete")} <= triggers:
        return True  # another tool rebuilt the table (GDAL does, to drop a field)
    changed = [gpkg.parse_time(row[0])]
    contents = db.execute("SELECT last_change FROM gpkg_contents WHERE table_name = ?", (table,)).fetchone()
    if contents:
        changed.append(gpkg.parse_time(contents[0]))
    reconciled = gpkg.parse_time(row[1])
    return any(t is not None and t > reconciled for t in changed)


def _reconcile(db, table: str, kind: str) -> list[str]:
    """Give every feature of `table` a unique uid and a version; rehash what changed outside gisdesk."""
    notices = []
    _install_triggers(db, table)
    if "uid" not in {name.lower() for name, _ in gpkg.columns_of(db, table)}:
        db.execute(f'ALTER TABLE "{table}" ADD COLUMN uid TEXT')
    rows = db.execute(f'SELECT fid, uid FROM "{table}" ORDER BY fid').fetchall()
    seen, fix = set(), []
    for fid, uid in rows:
        text = None if uid is None else str(uid).strip()
        if not text or text in seen:
            fix.append(fid)
        else:
            seen.add(text)
    if fix:
        new = _new_uids(kind, seen, len(fix))
        db.executemany(f'UPDATE "{table}" SET uid = ? WHERE fid = ?', list(zip(new, fix)))
        notices.append(tr("图层 {layer}：{n} 个要素没有 uid 或 uid 重复（可能是在其他软件中添加的），已分配新 uid：{first} …",
                          "layer {layer}: {n} features had no uid or a duplicate one (added in another tool?); "
                          "they got new uids: {first} …", layer=table, n=len(fix), first=new[0]))
        _log(db, [(table, u, 1, "gisdesk", local_now(), "uid", {"fid": f}) for u, f in zip(new, fix)])
    db.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{table}_uid" ON "{table}"(uid)')
    gone = db.execute(f'DELETE FROM {FEATURES} WHERE layer = ? AND uid NOT IN (SELECT uid FROM "{table}" '
                      f'WHERE uid IS NOT NULL)', (table,)).rowcount
    external = db.execute(f"SELECT uid, version FROM {FEATURES} WHERE layer = ? AND hash IS NULL", (table,)).fetchall()
    _register_versions(db, table)
    if external or gone:
        _log(db, [(table, uid, version, "external", local_now(), "external", {}) for uid, version in external] +
             ([(table, None, None, "external", local_now(), "external", {"deleted": gone})] if gone else []))
    db.execute(f"UPDATE {LAYERS} SET reconciled_at = {_NOW_SQL} WHERE table_name = ?", (table,))
    return notices


def _install_triggers(db, table: str) -> None:
    """Triggers that keep versions and the layer's change time, whichever tool writes the table.

    An update bumps the feature's version and forgets its hash (the store rehashes it, now for
    its own writes, at the next open for others'); an insert registers the uid at version 1.
    """
    touch = f"UPDATE {LAYERS} SET changed_at = {_NOW_SQL} WHERE table_name = '{table}';"
    gpkg.execute_script(db, f"""
    CREATE TRIGGER IF NOT EXISTS "gisdesk_{table}_insert" AFTER INSERT ON "{table}" BEGIN
        INSERT OR IGNORE INTO {FEATURES} (layer, uid, version) SELECT '{table}', NEW.uid, 1 WHERE NEW.uid IS NOT NULL;
        {touch} END;
    CREATE TRIGGER IF NOT EXISTS "gisdesk_{table}_update" AFTER UPDATE ON "{table}" BEGIN
        UPDATE {FEATURES} SET version = version + 1, hash = NULL
            WHERE layer = '{table}' AND uid = NEW.uid AND NEW.uid IS OLD.uid;
        {touch} END;
    CREATE TRIGGER IF NOT EXISTS "gisdesk_{table}_delete" AFTER DELETE ON "{table}" BEGIN
        DELETE FROM {FEATURES} WHERE layer = '{table}' AND uid = OLD.uid;
        {touch} END;
    """)


def _register_versions(db, table: str, uid_query: str | None = None) -> None:
    """Version 1 and a hash for the features of `uid_query` (all, when None) not yet known, and a
    hash for every feature lacking one (those the triggers registered or another tool changed)."""
    content = _hash_of(db, table)
    only = f"AND uid IN ({uid_query})" if uid_query else ""
    db.execute(f'INSERT OR IGNORE INTO {FEATURES} (layer, uid, version, hash) SELECT ?, uid, 1, {content} '
               f'FROM "{table}" WHERE uid IS NOT NULL {only}', (table,))
    db.execute(f'UPDATE {FEATURES} SET hash = (SELECT {content} FROM "{table}" WHERE "{table}".uid = {FEATURES}.uid) '
               f"WHERE layer = ? AND hash IS NULL", (table,))


# The hash of a feature an import wrote is computed when first asked for (Project.versions): a
# million-feature import would spend 15 s on hashes that only comparisons with a field copy need.
# '' marks those, as NULL marks a feature another tool changed (hashed and logged at the next open).
_DEFERRED = ""
_FEW_UIDS = 500  # versions() of this many uids or fewer asks SQLite for just those (its variables are limited)


def _register_imported(db, table: str, uid_query: str | None = None) -> None:
    """Version 1, hash deferred, for the features an import wrote (of `uid_query`; all when None)."""
    only = f"AND uid IN ({uid_query})" if uid_query else ""
    db.execute(f"INSERT OR IGNORE INTO {FEATURES} (layer, uid, version, hash) SELECT ?, uid, 1, '{_DEFERRED}' "
               f'FROM "{table}" WHERE uid IS NOT NULL {only}', (table,))
    if uid_query:  # the insert trigger registered the appended ones with no hash, as if another tool had
        db.execute(f"UPDATE {FEATURES} SET hash = '{_DEFERRED}' WHERE layer = ? AND hash IS NULL {only}", (table,))


def _rehash(db, table: str, uid: str) -> int:
    """Hash the feature anew after a write of ours; its version (0 once deleted)."""
    db.execute(f'UPDATE {FEATURES} SET hash = (SELECT {_hash_of(db, table)} FROM "{table}" WHERE uid = ?) '
               f"WHERE layer = ? AND uid = ?", (uid, table, uid))
    row = db.execute(f"SELECT version FROM {FEATURES} WHERE layer = ? AND uid = ?", (table, uid)).fetchone()
    return row[0] if row else 0


def _hash_of(db, table: str) -> str:
    return gpkg.hash_sql([name for name, _ in gpkg.columns_of(db, table)], gpkg.geometry_column(db, table))


def _known(values: dict, columns: dict[str, str], layer_id: str) -> dict:
    """Attribute values whose columns the layer has (geometry, uid and fid are not attributes here)."""
    for name in values:
        if name.lower() not in columns or name.lower() in ("uid", "fid", "geom", "geometry"):
            raise ProjectError("图层 {layer} 没有可修改的属性字段 {field}",
                               "layer {layer} has no editable attribute field {field}", layer=layer_id, field=name)
    return dict(values)


def _row_values(db, table: str, uid: str, geom_column: str) -> dict:
    cursor = db.execute(f'SELECT * FROM "{table}" WHERE uid = ?', (uid,))
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone() or ()
    return {n: v for n, v in zip(names, row) if n not in ("fid", geom_column) and not isinstance(v, bytes)}


def _new_uids(kind: str, existing: set[str], n: int) -> list[str]:
    numbers = [int(m.group(1)) for u in existing if (m := re.fullmatch(rf"{re.escape(kind)}-(\d+)", u))]
    start = max(numbers, default=0) + 1
    return [f"{kind}-{i:06d}" for i in range(start, start + n)]


def _layer_infos(db, *, basemaps: bool = False) -> list[LayerInfo]:
    """The vector layers (with `basemaps`, the base maps instead), bottom first."""
    columns = {name for name, _ in gpkg.columns_of(db, LAYERS)}
    provider = "provider, source" if "provider" in columns else "'gpkg', ''"
    rows = db.execute(f"SELECT table_name, kind, title, {provider}, geometry_type, z_order, visible, opacity, style, "
                      f"sources FROM {LAYERS} WHERE kind {'=' if basemaps else '!='} '{BASEMAP}' "
                      f"ORDER BY z_order").fetchall()
    return [LayerInfo(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], json.loads(r[9]), json.loads(r[10]))
            for r in rows]


def _default_z_order(db, kind: str) -> int:
    """A new layer goes above the others of its kind's block in the default drawing order."""
    rows = db.execute(f"SELECT kind, z_order FROM {LAYERS} WHERE kind != '{BASEMAP}'").fetchall()
    below = [z for k, z in rows if DRAW_ORDER.index(k) <= DRAW_ORDER.index(kind)]
    z = max(below, default=-1) + 1
    db.execute(f"UPDATE {LAYERS} SET z_order = z_order + 1 WHERE z_order >= ?", (z,))
    return z


def _kind_of_default_table(layer_id: str) -> str:
    kind = next((k for k, info in KINDS.items() if info.table == layer_id), None)
    if kind is None:
        raise ProjectError("内部错误：新图层 {layer} 没有给出类型", "internal error: new layer {layer} has no kind",
                           layer=layer_id)
    return kind


def _staging_table(db, layer_id: str) -> str:
    row = db.execute("SELECT table_name FROM staging.gpkg_contents WHERE lower(table_name) = lower(?)",
                     (layer_id,)).fetchone()
    return row[0]


def _srs_of(db, table: str) -> int:
    return db.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (table,)).fetchone()[0]


def _project_srs_id(db, path) -> int:
    row = db.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name IN "
                     f"(SELECT table_name FROM {LAYERS}) LIMIT 1").fetchone()
    if row is None:
        raise ProjectError("项目 {path} 中没有图层", "project {path} has no layers", path=Path(path).name)
    return row[0]


def _log(db, events) -> None:
    db.executemany(f"INSERT INTO {EDIT_LOG} (layer, uid, version, who, at, action, changes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [(*e[:6], json.dumps(e[6], ensure_ascii=False, default=str)) for e in events])


def _write_qgis_style(db, layer_id: str) -> None:
    """gisdesk's style of a layer as its default QGIS style (the layer_styles table QGIS reads).

    A layer with no style of its own is drawn in its kind's default, in QGIS as in gisdesk."""
    from gisdesk.qgis_style import qml_for  # the QML writer knows QGIS, the store does not

    row = db.execute(f"SELECT kind, style, opacity FROM {LAYERS} WHERE table_name = ?", (layer_id,)).fetchone()
    geom = gpkg.geometry_column(db, layer_id)
    if row is None or geom is None:
        return
    kind = kind_of(row[0])
    families = gpkg.geometry_families(db, layer_id) or list(kind.geometries)  # an empty layer: what it may hold
    qml = qml_for(json.loads(row[1]) or default_style(kind.code), row[2], families, line_zones=kind.is_control)
    db.execute(f"DELETE FROM {QGIS_STYLES} WHERE f_table_name = ? AND styleName = 'gisdesk'", (layer_id,))
    db.execute(f"UPDATE {QGIS_STYLES} SET useAsDefault = 0 WHERE f_table_name = ?", (layer_id,))
    db.execute(f"INSERT INTO {QGIS_STYLES} (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
               f"styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
               f"VALUES ('', '', ?, ?, 'gisdesk', ?, '', 1, ?, 'gisdesk', '', ?)",
               (layer_id, geom, qml, QGIS_STYLE_DESCRIPTION, gpkg.gpkg_now()))


def _qgis_styles_outdated(db) -> bool:
    """Whether gisdesk's QGIS styles were written by an older QML writer (grey, or a fill symbol for every layer)."""
    return gpkg.has_table(db, QGIS_STYLES) and db.execute(
        f"SELECT 1 FROM {QGIS_STYLES} WHERE styleName = 'gisdesk' AND description IS NOT ? LIMIT 1",
        (QGIS_STYLE_DESCRIPTION,)).fetchone() is not None


def _remove_stale_staging(path: Path) -> None:
    """Staging files of imports that were killed (their process is gone); the project never saw them."""
    for stale in path.parent.glob(f".{path.stem}.*.staging.gpkg*"):
        match = re.match(rf"\.{re.escape(path.stem)}\.(\d+)\.", stale.name)
        if match and not _alive(int(match.group(1))):
            stale.unlink(missing_ok=True)
    for stale in path.parent.glob(f".{path.stem}.*.partial{path.suffix}"):  # copies made by gisdesk before
        match = re.match(rf"\.{re.escape(path.stem)}\.(\d+)\.", stale.name)
        if match and not _alive(int(match.group(1))):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_UNWRITABLE = {errno.ENOSPC: ("磁盘已满", "the disk is full"), errno.EDQUOT: ("磁盘配额已满", "the disk quota is full"),
               errno.EACCES: ("没有写入权限", "no permission to write"),
               errno.EPERM: ("不允许写入", "writing is not permitted"),
               errno.EROFS: ("只读文件系统", "the file system is read-only")}
_UNWRITABLE_TEXT = [("no space left", errno.ENOSPC), ("disk is full", errno.ENOSPC), ("disk quota", errno.EDQUOT),
                    ("read-only file system", errno.EROFS), ("readonly", errno.EACCES),
                    ("permission denied", errno.EACCES), ("operation not permitted", errno.EPERM),
                    ("unable to open database file", errno.EACCES), ("failed to commit transaction", errno.EACCES),
                    ("disk i/o error", errno.EACCES)]


def _refuse_if_unwritable(path: Path, exc: Exception) -> None:
    """Raise a ProjectError naming the folder and the reason when `exc` (an OSError, an SQLite or a
    GDAL error) says the project's folder cannot be written: a full disk, no permission, read-only."""
    code = exc.errno if isinstance(exc, OSError) and exc.errno in _UNWRITABLE else None
    if code is None and not isinstance(exc, OSError):
        text = str(exc).lower()
        code = next((c for key, c in _UNWRITABLE_TEXT if key in text), None)
        if code == errno.EACCES:  # SQLite and GDAL say little: tell a read-only mount or a full disk by looking
            code = _why_unwritable(path.parent) or code
    if code is None:
        return
    zh, en = _UNWRITABLE[code]
    raise ProjectError("无法写入项目 {path}（目录 {folder}）：{why_zh}；项目未改动",
                       "cannot write the project {path}: folder {folder}: {why_en}; the project is unchanged",
                       path=path.name, folder=path.parent.resolve(), why_zh=zh, why_en=en) from exc


def _why_unwritable(folder: Path) -> int | None:
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    if stats.f_flag & os.ST_RDONLY:
        return errno.EROFS
    if stats.f_bavail * stats.f_frsize < 1 << 20:
        return errno.ENOSPC
    return None


def _remove_staging(staging: Path) -> None:
    for leftover in (staging, *(staging.with_name(staging.name + s) for s in ("-journal", "-wal", "-shm"))):
        try:
            leftover.unlink(missing_ok=True)
        except OSError:  # on a read-only folder nothing was made
            pass


def _staging_path(path: Path, what: str) -> Path:
    staging = path.with_name(f".{path.stem}.{os.getpid()}.{what}.staging.gpkg")
    if staging.exists():  # (unlinking a missing file on a read-only mount fails: the write will say why)
        staging.unlink()
    return staging


def _append_history(db, events) -> None:
    db.executemany(f"INSERT INTO {HISTORY} (case_uid, at, who, from_status, to_status, note) "
                   f"VALUES (?, ?, ?, ?, ?, ?)", events)


def _sql_value(value):
    """A Python/numpy/pandas value as SQLite takes it (missing values as NULL)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).date().isoformat()
    return value


def _json_value(value):
    value = _sql_value(value)
    return value if not isinstance(value, bytes) else None


def _put_settings(db, values: dict) -> None:
    for key, value in values.items():
        updated = db.execute(f"UPDATE {SETTINGS} SET value = ? WHERE key = ?", (value, key)).rowcount
        if not updated:
            db.execute(f"INSERT INTO {SETTINGS} (key, value) VALUES (?, ?)", (key, value))


def _arrow_writes_alike(frame) -> bool:
    """Whether GDAL's Arrow write (about twice as fast) stores this frame as its feature-by-feature
    write does: for these column types the tables are identical, value for value and type for type
    (tests/test_import_bulk.py); others (tz-aware times, categoricals ...) take the classic way."""
    for name, dtype in frame.dtypes.items():
        if name == frame.geometry.name:
            continue
        if isinstance(dtype, pd.DatetimeTZDtype) or isinstance(dtype, pd.CategoricalDtype):
            return False
        if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype) or
                pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype) or
                pd.api.types.is_float_dtype(dtype) or pd.api.types.is_datetime64_dtype(dtype)):
            return False
    return True


def _to_multi(geoms) -> np.ndarray:
    geoms = np.asarray(geoms, dtype=object)
    single = shapely.get_type_id(geoms) == 3
    out = geoms.copy()
    empty = single & shapely.is_empty(geoms)  # MultiPolygon([POLYGON EMPTY]) is MULTIPOLYGON EMPTY, kept so
    whole = single & ~empty
    if whole.any():  # in one call: a MultiPolygon object per row costs ~30 µs
        out[whole] = shapely.multipolygons(geoms[whole][:, None])
    out[empty] = [shapely.MultiPolygon([g]) for g in geoms[empty]]
    return out



def _basemap_provider(path: Path) -> str:
    """mbtiles for an SQLite file (an MBTiles cache), gdal for any other (GeoTIFF ...), by the first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise ProjectError("无法读取底图文件 {path}：{why}", "cannot read the base map file {path}: {why}",
                           path=path, why=exc.strerror or str(exc)) from exc
    return "mbtiles" if head == _SQLITE_MAGIC else "gdal"


def _basemap_id(path: Path, taken: set[str]) -> str:
    """A layer id from a file's name (basemap_ and its ASCII letters and digits), unique among `taken` (lower case)."""
    stem = re.sub(r"[^A-Za-z0-9]+", "_", path.stem).strip("_").lower()
    base = f"basemap_{stem}"[:56].rstrip("_") if stem else "basemap"
    layer_id, n = base, 1
    while layer_id.lower() in taken:
        n += 1
        layer_id = f"{base}_{n}"
    return layer_id
