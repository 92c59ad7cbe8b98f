"""The project store: one GeoPackage file.

Every layer is a feature table written by GDAL (so QGIS opens it as any GeoPackage),
with a stable text `uid` per feature. gisdesk's own tables sit beside them:

- gisdesk_settings        key/value: name, crs, rules (the TOML text), attribution ...
- gisdesk_layers          one row per layer: kind, title, style, order, visibility, sources
- gisdesk_conflicts       the results of the last check, with the overlap geometry
- gisdesk_check_runs      when each check ran, with which rules and tolerances
- gisdesk_ledger_history  the ledger's status changes, append-only (triggers refuse edits)

Saves are transactions. Writes of gisdesk's tables are SQLite transactions; writes of a
layer through GDAL go to a copy of the file that replaces the project atomically only
when complete, so a crash or a bad input never leaves half a save.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from gisdesk.errors import ProjectError
from gisdesk.layers.kinds import DRAW_ORDER, KINDS, POLYGON, kind_of
from gisdesk.layers.ledger import check_transition

FORMAT_VERSION = "1"
SETTINGS, LAYERS, CONFLICTS, RUNS, HISTORY = (
    "gisdesk_settings", "gisdesk_layers", "gisdesk_conflicts", "gisdesk_check_runs", "gisdesk_ledger_history")

_SCHEMA_SQL = f"""
CREATE UNIQUE INDEX IF NOT EXISTS {SETTINGS}_key ON {SETTINGS}(key);
CREATE TABLE IF NOT EXISTS {LAYERS} (
    table_name TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, geometry_type TEXT,
    z_order INTEGER NOT NULL, visible INTEGER NOT NULL DEFAULT 1, opacity REAL NOT NULL DEFAULT 1.0,
    style TEXT NOT NULL DEFAULT '{{}}', sources TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS {RUNS} (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, finished_at TEXT NOT NULL, rules_digest TEXT NOT NULL,
    rules TEXT NOT NULL, overlap_m2 REAL NOT NULL, width_m REAL NOT NULL, crs TEXT, summary TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {HISTORY} (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT, case_uid TEXT NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL,
    from_status TEXT, to_status TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS {HISTORY}_case ON {HISTORY}(case_uid);
CREATE TRIGGER IF NOT EXISTS {HISTORY}_no_update BEFORE UPDATE ON {HISTORY}
    BEGIN SELECT RAISE(ABORT, 'the ledger history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS {HISTORY}_no_delete BEFORE DELETE ON {HISTORY}
    BEGIN SELECT RAISE(ABORT, 'the ledger history is append-only'); END;
"""


@dataclass(frozen=True)
class LayerInfo:
    table: str
    kind: str
    title: str
    geometry_type: str
    z_order: int
    visible: bool
    opacity: float
    style: dict
    sources: list


class Project:
    """A gisdesk project file. Open with Project.open(), make with Project.create()."""

    def __init__(self, path: Path):
        self.path = Path(path)

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
                    "crs": f"EPSG:{crs.to_epsg()}" if crs else "", "created": _now()}
        with _atomic_file(path, copy=False) as tmp:
            pyogrio.write_dataframe(pd.DataFrame({"key": list(settings), "value": list(settings.values())}),
                                    tmp, layer=SETTINGS, driver="GPKG")
            with _connect(tmp) as db:
                db.executescript(_SCHEMA_SQL)
                _register_attributes(db, (LAYERS, RUNS, HISTORY))
        return cls(path)

    @classmethod
    def open(cls, path) -> Project:
        path = Path(path)
        if not path.is_file():
            raise ProjectError("项目文件不存在：{path}", "project file not found: {path}", path=path)
        try:
            with _connect(path, readonly=True) as db:
                found = db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (SETTINGS,)).fetchone()
        except sqlite3.DatabaseError as exc:
            raise ProjectError("{path} 不是 GeoPackage 文件（{why}）", "{path} is not a GeoPackage ({why})",
                               path=path, why=exc) from exc
        if not found:
            raise ProjectError("{path} 不是 gisdesk 项目（缺少 {table} 表）",
                               "{path} is not a gisdesk project (no {table} table)", path=path, table=SETTINGS)
        return cls(path)

    # --- settings ----------------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        with self._read() as db:
            return dict(db.execute(f"SELECT key, value FROM {SETTINGS}").fetchall())

    def setting(self, key: str, default: str = "") -> str:
        return self.settings().get(key, default) or default

    def set_settings(self, **values: str) -> None:
        with self._write() as db:
            _put_settings(db, values)

    @property
    def crs(self) -> CRS | None:
        text = self.setting("crs")
        return CRS.from_user_input(text) if text else None

    # --- layers ------------------------------------------------------------------------

    def layers(self) -> list[LayerInfo]:
        with self._read() as db:
            rows = db.execute(f"SELECT table_name, kind, title, geometry_type, z_order, visible, opacity, style, "
                              f"sources FROM {LAYERS} ORDER BY z_order").fetchall()
        return [LayerInfo(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], json.loads(r[7]), json.loads(r[8]))
                for r in rows]

    def save_layer_states(self, states: list[dict]) -> None:
        """Store order, visibility, opacity and style of layers: [{table, z_order, visible, opacity, style}]."""
        with self._write() as db:
            db.executemany(f"UPDATE {LAYERS} SET z_order = ?, visible = ?, opacity = ?, style = ? WHERE table_name = ?",
                           [(s["z_order"], int(s["visible"]), s["opacity"], json.dumps(s["style"], ensure_ascii=False),
                             s["table"]) for s in states])

    def has_layer(self, kind: str) -> bool:
        return any(info.kind == kind for info in self.layers())

    def read_layer(self, kind: str, columns: list[str] | None = None) -> gpd.GeoDataFrame:
        """The features of a kind's layer as a GeoDataFrame in the project CRS (uid first)."""
        table = kind_of(kind).table
        if not self.has_layer(kind):
            raise ProjectError("项目 {path} 中没有 {title} 图层", "project {path} has no {title} layer",
                               path=self.path.name, title=kind_of(kind).title)
        if columns is not None:
            columns = ["uid", *[c for c in columns if c != "uid"]]
        frame = pyogrio.read_dataframe(self.path, layer=table, columns=columns, use_arrow=True)
        if frame.crs is None and self.crs is not None:
            frame = frame.set_crs(self.crs)
        return frame

    def uids(self, kind: str) -> set[str]:
        if not self.has_layer(kind):
            return set()
        with self._read() as db:
            return {r[0] for r in db.execute(f'SELECT uid FROM "{kind_of(kind).table}"')}

    def add_features(self, kind: str, frame: gpd.GeoDataFrame, *, source: dict) -> None:
        """Append validated features (with unique `uid`s, in the project CRS) to the kind's layer.

        One transaction: the project file is replaced only when everything is written.
        """
        info = kind_of(kind)
        first_crs = self.crs is None  # the first import fixes the project CRS, in the same transaction
        crs = CRS(frame.crs) if first_crs and frame.crs else self.crs
        if crs is None or frame.crs is None or not CRS(frame.crs).equals(crs) or crs.to_epsg() is None:
            raise ProjectError("内部错误：要素不在项目坐标系中", "internal error: features are not in the project CRS")
        exists = self.has_layer(kind)
        geometry_type = "MultiPolygon" if info.geometries == (POLYGON,) else "Unknown"
        if geometry_type == "MultiPolygon":
            frame = frame.set_geometry(_to_multi(frame.geometry.values))
        with _atomic_file(self.path) as tmp:
            pyogrio.write_dataframe(frame, tmp, layer=info.table, driver="GPKG", append=exists,
                                    geometry_type=geometry_type, promote_to_multi=geometry_type == "MultiPolygon")
            with _connect(tmp) as db:
                db.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{info.table}_uid" ON "{info.table}"(uid)')
                if first_crs:
                    _put_settings(db, {"crs": f"EPSG:{crs.to_epsg()}"})
                if exists:
                    sources = json.loads(db.execute(f"SELECT sources FROM {LAYERS} WHERE table_name = ?",
                                                    (info.table,)).fetchone()[0])
                    db.execute(f"UPDATE {LAYERS} SET sources = ? WHERE table_name = ?",
                               (json.dumps(sources + [source], ensure_ascii=False), info.table))
                else:
                    z = DRAW_ORDER.index(kind)  # until the user reorders the layers
                    db.execute(f"INSERT INTO {LAYERS} (table_name, kind, title, geometry_type, z_order, sources) "
                               f"VALUES (?, ?, ?, ?, ?, ?)",
                               (info.table, kind, info.name_zh, geometry_type, z,
                                json.dumps([source], ensure_ascii=False)))

    def update_attributes(self, kind: str, uid: str, values: dict) -> None:
        """Set attribute `values` ({column: value}) of the feature `uid` of a kind's layer; one transaction.

        Only attribute columns: the geometry, `uid` and the feature id are refused, so the
        geometry is never touched. Values should already be converted with the kind's schema.
        """
        info = kind_of(kind)
        if not values:
            return
        with self._write() as db:
            geometry = db.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                                  (info.table,)).fetchone()
            if geometry is None:
                raise ProjectError("项目 {path} 中没有 {title} 图层", "project {path} has no {title} layer",
                                   path=self.path.name, title=info.title)
            columns = {r[1]: bool(r[5]) for r in db.execute(f'PRAGMA table_info("{info.table}")')}
            for name in values:
                if name not in columns or name in (geometry[0], "uid") or columns[name]:
                    raise ProjectError("图层 {title} 没有可修改的属性字段 {field}",
                                       "layer {title} has no editable attribute field {field}",
                                       title=info.title, field=name)
            assignments = ", ".join(f'"{name}" = ?' for name in values)
            updated = db.execute(f'UPDATE "{info.table}" SET {assignments} WHERE uid = ?',
                                 [*(_sql_value(v) for v in values.values()), uid]).rowcount
            if updated != 1:
                raise ProjectError("图层 {title} 中没有要素 {uid}", "layer {title} has no feature {uid}",
                                   title=info.title, uid=uid)

    # --- check results -----------------------------------------------------------------

    def save_check(self, result) -> int:
        """Replace the stored results of the last check with `result`; returns the run id."""
        conflicts = result.conflicts
        srs_id = self._srs_id()
        # Read before the write transaction: once a large result spills the page cache, the
        # writer holds an exclusive lock and a second connection reading would fail ("database is locked").
        crs = self.setting("crs")
        summary = {"checked": result.checked, "skipped": result.skipped, "repaired": result.repaired,
                   "controls": result.controls, "encroach": result.count("encroach"),
                   "setback": result.count("setback")}
        with self._write() as db:
            db.execute(f"DROP TABLE IF EXISTS {CONFLICTS}")
            db.execute(f"DELETE FROM gpkg_geometry_columns WHERE table_name = '{CONFLICTS}'")
            db.execute(f"DELETE FROM gpkg_contents WHERE table_name = '{CONFLICTS}'")
            db.execute(f"""CREATE TABLE {CONFLICTS} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY,
                subject_layer TEXT NOT NULL, subject_id TEXT NOT NULL, control_kind TEXT NOT NULL,
                control_id TEXT NOT NULL, relation TEXT NOT NULL, overlap_m2 REAL, depth_m REAL,
                distance_m REAL, required_m REAL, shortfall_m REAL)""")
            rows = zip(_gpkg_blobs(conflicts["overlap"].to_numpy(), srs_id),
                       *(conflicts[c].to_numpy().tolist() for c in
                         ("subject_layer", "subject_id", "control_kind", "control_id", "relation",
                          "overlap_m2", "depth_m", "distance_m", "required_m", "shortfall_m")))
            db.executemany(f"INSERT INTO {CONFLICTS} (geom, subject_layer, subject_id, control_kind, control_id, "
                           f"relation, overlap_m2, depth_m, distance_m, required_m, shortfall_m) "
                           f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.execute(f"CREATE INDEX {CONFLICTS}_subject ON {CONFLICTS}(subject_layer, subject_id)")
            db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, "
                       "srs_id) VALUES (?, 'features', ?, ?, ?, ?)",
                       (CONFLICTS, CONFLICTS, "gisdesk: results of the last conflict check", _gpkg_now(), srs_id))
            db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)",
                       (CONFLICTS, srs_id))
            cursor = db.execute(
                f"INSERT INTO {RUNS} (finished_at, rules_digest, rules, overlap_m2, width_m, crs, summary) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_now(), result.rules.digest, result.rules.text, result.rules.overlap_m2, result.rules.width_m,
                 crs, json.dumps(summary, ensure_ascii=False)))
            _put_settings(db, {"rules": result.rules.text})
            return cursor.lastrowid

    def conflicts(self) -> gpd.GeoDataFrame:
        """The results of the last check (overlap geometry for overlapping pairs)."""
        if not self.last_run():
            raise ProjectError("项目 {path} 还没有运行过冲突检查（gisdesk check）",
                               "project {path} has no check results yet (run gisdesk check)", path=self.path.name)
        with self._read() as db:
            frame = pd.read_sql_query(f"SELECT * FROM {CONFLICTS} ORDER BY fid", db)
        geoms = _from_gpkg_blobs(frame.pop("geom").to_numpy())
        return gpd.GeoDataFrame(frame.drop(columns="fid"), geometry=geoms, crs=self.crs)

    def last_run(self) -> dict | None:
        with self._read() as db:
            row = db.execute(f"SELECT run_id, finished_at, rules_digest, overlap_m2, width_m, crs, summary "
                             f"FROM {RUNS} ORDER BY run_id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        keys = ("run_id", "finished_at", "rules_digest", "overlap_m2", "width_m", "crs")
        return {**dict(zip(keys, row[:6])), "summary": json.loads(row[6])}

    # --- the ledger's history --------------------------------------------------------

    def change_status(self, case_uid: str, new_status: str, *, who: str, note: str = "",
                      at: str | None = None) -> None:
        """Move a ledger case to a new status and record the event; both or neither happen."""
        table = KINDS["ledger"].table
        with self._write() as db:
            row = db.execute(f'SELECT status FROM "{table}" WHERE uid = ?', (case_uid,)).fetchone()
            if row is None:
                raise ProjectError("台账中没有案件 {uid}", "the ledger has no case {uid}", uid=case_uid)
            check_transition(case_uid, row[0], new_status)
            db.execute(f'UPDATE "{table}" SET status = ? WHERE uid = ?', (new_status, case_uid))
            _append_history(db, [(case_uid, at or _now(), who, row[0], new_status, note)])

    def append_history(self, events: list[tuple]) -> None:
        """Record (case_uid, at, who, from_status, to_status, note) events, e.g. from an import."""
        with self._write() as db:
            _append_history(db, events)

    def history(self, case_uid: str | None = None) -> pd.DataFrame:
        query = f"SELECT * FROM {HISTORY}" + (" WHERE case_uid = ?" if case_uid else "") + " ORDER BY event_id"
        with self._read() as db:
            return pd.read_sql_query(query, db, params=(case_uid,) if case_uid else None)

    # --- plumbing ----------------------------------------------------------------------

    def _srs_id(self) -> int:
        with self._read() as db:
            row = db.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name IN "
                             f"(SELECT table_name FROM {LAYERS}) LIMIT 1").fetchone()
        if row is None:
            raise ProjectError("项目 {path} 中没有图层", "project {path} has no layers", path=self.path.name)
        return row[0]

    @contextlib.contextmanager
    def _read(self):
        with _connect(self.path, readonly=True) as db:
            yield db

    @contextlib.contextmanager
    def _write(self):
        """One SQLite transaction: committed if the block succeeds, rolled back if it raises."""
        db = sqlite3.connect(self.path, isolation_level=None)
        _add_gpkg_functions(db)
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()


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


def _put_settings(db, values: dict) -> None:
    for key, value in values.items():
        updated = db.execute(f"UPDATE {SETTINGS} SET value = ? WHERE key = ?", (value, key)).rowcount
        if not updated:
            db.execute(f"INSERT INTO {SETTINGS} (key, value) VALUES (?, ?)", (key, value))


def _register_attributes(db, tables) -> None:
    for table in tables:
        db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, last_change) "
                   "VALUES (?, 'attributes', ?, ?)", (table, table, _gpkg_now()))


@contextlib.contextmanager
def _connect(path, readonly: bool = False):
    uri = f"file:{Path(path).resolve()}?mode={'ro' if readonly else 'rw'}"
    db = sqlite3.connect(uri, uri=True)
    _add_gpkg_functions(db)
    try:
        yield db
        if not readonly:
            db.commit()
    finally:
        db.close()


@contextlib.contextmanager
def _atomic_file(path: Path, copy: bool = True):
    """Write a new version of `path` beside it and put it in place only when complete."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
    tmp.unlink(missing_ok=True)
    try:
        if copy:
            shutil.copyfile(path, tmp)
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _add_gpkg_functions(db) -> None:
    """The SQL functions GDAL's spatial-index triggers call (GeoPackage spec, extension gpkg_rtree_index).

    Without them any UPDATE of a layer table written by GDAL fails with 'no such function'.
    """
    def envelope(blob):
        if blob is None:
            return None
        flags = blob[3]
        if flags & 0b10000:  # empty geometry
            return None
        if (flags >> 1) & 0b111:  # the header holds the envelope: minx, maxx, miny, maxy
            return struct.unpack("<dddd" if flags & 1 else ">dddd", blob[8:40])
        geom = _from_gpkg_blobs(np.array([blob], dtype=object))[0]
        xmin, ymin, xmax, ymax = geom.bounds
        return xmin, xmax, ymin, ymax

    db.create_function("ST_IsEmpty", 1, lambda b: 1 if envelope(b) is None else 0, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        db.create_function(name, 1, lambda b, i=i: (envelope(b) or (None,) * 4)[i], deterministic=True)
    db.create_function("GPKG_IsAssignable", 2, lambda expected, actual: 1, deterministic=True)


def _to_multi(geoms) -> np.ndarray:
    geoms = np.asarray(geoms, dtype=object)
    single = shapely.get_type_id(geoms) == 3
    out = geoms.copy()
    out[single] = [shapely.MultiPolygon([g]) for g in geoms[single]]
    return out


def _gpkg_blobs(geoms: np.ndarray, srs_id: int) -> list:
    """GeoPackage geometry blobs: 'GP', version 0, flags (little-endian, no envelope), srs id, WKB."""
    header = b"GP\x00\x01" + struct.pack("<i", srs_id)
    present = ~shapely.is_missing(geoms)
    wkb = shapely.to_wkb(geoms[present], byte_order=1, flavor="iso")
    blobs: list = [None] * len(geoms)
    for i, w in zip(np.flatnonzero(present), wkb):
        blobs[i] = header + w
    return blobs


def _from_gpkg_blobs(blobs: np.ndarray) -> np.ndarray:
    out = np.full(len(blobs), None, dtype=object)
    for i, blob in enumerate(blobs):
        if blob is None:
            continue
        envelope = (blob[3] >> 1) & 0b111
        out[i] = shapely.from_wkb(blob[8 + (0, 32, 48, 48, 64)[envelope]:])
    return out


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _gpkg_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
