"""The autosave journal: every uncommitted edit, on disk the moment it is made.

An edit session (gisdesk.layers.edits) changes its layer in memory and writes to the project
only when it commits. Until then its commands — add, attributes, geometry, delete, and the
undos and redos of them — are appended to a journal beside the project, `PROJECT.gpkg.journal`,
before they change anything: a crash, a kill or a power cut loses no edit. On the next start
the app offers to bring them back (`plan` says what there is, `restore` replays it through the
edit sessions as uncommitted edits, to be saved or undone; `discard` drops it).

Why a sidecar file and not a table in the project: an edit is journaled at every keystroke of
a form, and writing the project that often would lock it against other readers (QGIS, a
second window) and bump its change time; the journal belongs to one user's unsaved work, not
to the shared project, and must not travel with a copy of the project. The sidecar is an
SQLite file of its own, a rollback journal with synchronous=FULL: each append is a transaction
that is on the disk (fsync) when `record` returns.

The commit and the journal's clearing are two files, so a crash may come between them. Each
journaled change names the version of the feature it was made against (or that the feature
was not stored yet): restoring skips the changes of features whose stored version has moved on
since — those the lost commit wrote already, or someone else changed — so nothing is applied
twice. ArcGIS Pro's edit journal is the model; QGIS keeps none.

Several windows (processes) may edit one project: each journal has an owner (uuid, pid, host);
only the entries of owners whose process is gone are offered for restoring. No Qt.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import os
import socket
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisdesk.errors import ProjectError
from gisdesk.i18n import tr

SUFFIX = ".journal"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal_owners (
    owner TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, who TEXT NOT NULL, started_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal_entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, layer TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('do', 'undo', 'redo', 'forget')), command INTEGER NOT NULL, text TEXT NOT NULL,
    at TEXT NOT NULL, changes TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS journal_entries_owner ON journal_entries(owner, layer);
"""


class JournalError(ProjectError):
    """The journal cannot be written (disk full, no permission) or read."""


def journal_path(project_path) -> Path:
    """The journal of a project: its file name with `.journal` added (p.gpkg → p.gpkg.journal)."""
    project_path = Path(project_path)
    return project_path.with_name(project_path.name + SUFFIX)


class Journal:
    """The journal of one window's edit sessions on a project (one owner); made on first write."""

    def __init__(self, project_path, *, who: str = ""):
        self.path = journal_path(project_path)
        self.owner = uuid.uuid4().hex
        self.who = who
        self._db: sqlite3.Connection | None = None
        self._ids = itertools.count(1)  # the commands' numbers, so that an undo names what it undoes
        self._batch: list[tuple] | None = None  # while restoring: the entries written in one go at the end
        self.problem: JournalError | None = None  # the last clear that could not be written

    # --- writing (the edit session's hooks) --------------------------------------------------

    def record(self, session, op: str, command) -> None:
        """Append one command (op: do, undo or redo) of `session` durably, before it is applied.

        Raises JournalError, and the session does not apply the command, when it cannot be written."""
        if not getattr(command, "journal_id", 0):
            command.journal_id = next(self._ids)
        target = command.after if op in ("do", "redo") else command.before
        changes = {uid: {**_base_of(session, uid), "after": _encode_row(row)} for uid, row in target.items()}
        entry = (self.owner, session.layer.id, op, command.journal_id, command.text, _now(),
                 json.dumps(changes, ensure_ascii=False))
        if self._batch is not None:
            self._batch.append(entry)
            return
        with self._writing() as db:
            db.execute("INSERT INTO journal_entries (owner, layer, op, command, text, at, changes) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", entry)

    def forget(self, session, command) -> None:
        """A command undone for good (its commit was refused: EditSession.revert) leaves the redo
        stack; let go when it cannot be written (a restore would offer it to redo, no more)."""
        entry = (self.owner, session.layer.id, "forget", getattr(command, "journal_id", 0), command.text, _now(), "{}")
        if self._batch is not None:
            self._batch.append(entry)
            return
        try:
            with self._writing() as db:
                db.execute("INSERT INTO journal_entries (owner, layer, op, command, text, at, changes) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)", entry)
        except JournalError as error:
            self.problem = error

    def clear(self, session) -> None:
        """Forget the entries of a session that committed (or discarded) its edits.

        A clear that cannot be written is let go (and kept in `problem`): the entries left
        behind name versions the commit moved on from, so restoring skips them."""
        if self._db is None and not self.path.exists():
            return
        try:
            with self._writing() as db:
                db.execute("DELETE FROM journal_entries WHERE owner = ? AND layer = ?", (self.owner, session.layer.id))
        except JournalError as error:
            self.problem = error

    def close(self) -> None:
        """Let the file go; removed when nobody's edits are left in it."""
        if self._db is None:
            return
        try:
            empty = self._db.execute("SELECT COUNT(*) FROM journal_entries").fetchone()[0] == 0
            if empty:
                self._db.execute("DELETE FROM journal_owners")
            self._db.close()
            self._db = None
            if empty:
                self.path.unlink(missing_ok=True)
        except (sqlite3.Error, OSError):
            self._db = None  # (closing: what is in the file stays there for the next start)

    def entries(self, layer: str | None = None) -> int:
        """How many entries this owner has in the file (of `layer`)."""
        if self._db is None:
            return 0
        query = "SELECT COUNT(*) FROM journal_entries WHERE owner = ?" + (" AND layer = ?" if layer else "")
        return self._db.execute(query, (self.owner, layer) if layer else (self.owner,)).fetchone()[0]

    @contextmanager
    def _writing(self):
        try:
            db = self._connection()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # (SQLite rolls back by itself on a full disk)
                    db.execute("ROLLBACK")
                raise
        except (sqlite3.Error, OSError) as exc:
            raise JournalError("无法写入自动保存日志 {path}：{why}。此次修改未执行；请保存项目或腾出磁盘空间后重试",
                               "cannot write the autosave journal {path}: {why}. This edit was not made; save the "
                               "project or free disk space and retry", path=self.path, why=_reason(exc)) from exc

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            db = _open(self.path)
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT OR REPLACE INTO journal_owners (owner, pid, host, who, started_at) "
                           "VALUES (?, ?, ?, ?, ?)", (self.owner, os.getpid(), socket.gethostname(), self.who, _now()))
                db.execute("COMMIT")
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    # --- restoring ----------------------------------------------------------------------

    @contextmanager
    def taking_over(self, owners: list[str]):
        """Replay other owners' entries as this one's: what the block records and the removal of
        theirs are written in one transaction at its end (a crash meanwhile leaves theirs as they were)."""
        self._batch = []
        try:
            yield
            with self._writing() as db:
                db.executemany("INSERT INTO journal_entries (owner, layer, op, command, text, at, changes) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)", self._batch)
                _drop_owners(db, owners)
        finally:
            self._batch = None


@dataclass
class Change:
    """One replayable command: its text and the state it leaves each feature in (None: deleted)."""
    command: tuple  # (owner, its number in that journal)
    text: str
    states: dict  # uid → {"values": {...}, "wkb": hex} or None


@dataclass
class LayerPlan:
    """What restoring would bring back to one layer."""
    layer: str
    done: list[Change] = field(default_factory=list)  # onto the undo stack, in order
    undone: list[Change] = field(default_factory=list)  # the redo stack, bottom first
    skipped: int = 0  # changes of features the project has moved on from (saved already, or changed by others)

    @property
    def edits(self) -> int:
        return len(self.done)


@dataclass
class Plan:
    owners: list[str]
    layers: list[LayerPlan]
    who: list[str]  # who made them
    since: str  # when the oldest of them was made

    @property
    def edits(self) -> int:
        return sum(layer.edits for layer in self.layers)


def plan(project, *, ignore: set[str] = frozenset()) -> Plan | None:
    """What the journal of `project` holds from windows that are gone (crashed, killed, closed
    unsaved), as it would be restored; None when there is nothing to offer. `ignore`: owners to
    leave out (the caller's own)."""
    path = journal_path(project.path)
    if not path.is_file():
        return None
    try:
        db = _open(path)  # (read-write: a write cut short by a crash is rolled back first)
        try:
            owners = db.execute("SELECT owner, pid, host, who FROM journal_owners").fetchall()
            gone = [o for o in owners if o[0] not in ignore and not (o[2] == socket.gethostname() and _alive(o[1], o[0]))]
            names = [o[0] for o in gone]
            rows = db.execute(f"SELECT owner, layer, op, command, text, at, changes FROM journal_entries "
                              f"WHERE owner IN ({','.join('?' * len(names))}) ORDER BY seq", names).fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise JournalError("无法读取自动保存日志 {path}：{why}", "cannot read the autosave journal {path}: {why}",
                           path=path, why=_reason(exc)) from exc
    if not rows:
        return None
    known = {info.id for info in project.layers()}
    by_layer: dict[str, list] = {}
    for row in rows:
        by_layer.setdefault(row[1], []).append(row)
    layers = []
    for layer, entries in by_layer.items():
        result = LayerPlan(layer)
        if layer not in known:
            result.skipped = len(entries)
            layers.append(result)
            continue
        decoded = [(owner, op, command, text, json.loads(changes)) for owner, _, op, command, text, _, changes in entries]
        uids = {uid for *_, changes in decoded for uid in changes}
        stored = project.versions(layer, uids, hashes=False)
        now = dict(zip(stored["uid"].astype(str), stored["version"].astype(int)))
        undo: list[Change] = []
        redo: list[Change] = []
        for owner, op, command, text, changes in decoded:
            key = (owner, command)
            if op == "forget":
                if redo and redo[-1].command == key:
                    redo.pop()
                continue
            states = {uid: c["after"] for uid, c in changes.items() if _still_applies(c, now.get(uid))}
            result.skipped += int(len(states) < len(changes))
            if not states:
                continue
            change = Change(key, text, states)
            if op == "undo" and undo and undo[-1].command == key:
                redo.append(undo.pop())
            elif op == "redo" and redo and redo[-1].command == key:
                undo.append(redo.pop())
            else:  # a new command, or the undo/redo of one committed before (a change of its own now)
                undo.append(change)
                if op == "do":
                    redo.clear()
        result.done, result.undone = undo, redo
        layers.append(result)
    since = min(row[5] for row in rows)
    who = sorted({o[3] for o in gone if o[3]})
    return Plan(names, layers, who, since)


def restore(document, found: Plan) -> dict[str, int]:
    """Replay `found` through the document's edit sessions, as uncommitted edits (undo takes them
    back one by one; the redo stack comes back too); the journal then holds them as the
    document's own. Returns the number of edits restored per layer."""
    journal = document.journal_for_edits()
    restored = {}
    with journal.taking_over(found.owners):
        for layer_plan in found.layers:
            layer = document.layer_by_id(layer_plan.layer)
            if layer is None or not (layer_plan.done or layer_plan.undone):
                continue
            session = document.edits(layer)
            for change in [*layer_plan.done, *reversed(layer_plan.undone)]:
                session.replace(_rows(session, change.states), text=change.text)
            for _ in layer_plan.undone:
                session.undo()
            restored[layer_plan.layer] = layer_plan.edits
    return restored


def discard(project_path, found: Plan) -> None:
    """Drop the entries of `found` (the user chose not to restore them)."""
    path = journal_path(project_path)
    try:
        db = _open(path)
        try:
            db.execute("BEGIN IMMEDIATE")
            _drop_owners(db, found.owners)
            db.execute("COMMIT")
            empty = db.execute("SELECT COUNT(*) FROM journal_owners").fetchone()[0] == 0
        finally:
            db.close()
        if empty:
            path.unlink(missing_ok=True)
    except (sqlite3.Error, OSError) as exc:
        raise JournalError("无法写入自动保存日志 {path}：{why}", "cannot write the autosave journal {path}: {why}",
                           path=path, why=_reason(exc)) from exc


def describe(found: Plan, titles: dict[str, str] | None = None) -> list[str]:
    """One line per layer: its title and how many edits, in the user's language."""
    titles = titles or {}
    lines = []
    for layer in found.layers:
        name = titles.get(layer.layer, layer.layer)
        if layer.edits or not layer.undone:
            line = tr("{layer}：{n} 处修改", "{layer}: {n} edits", layer=name, n=layer.edits)
            if layer.undone:
                line += tr("（另有 {m} 处已撤销，可重做）", " (and {m} undone, to redo)", m=len(layer.undone))
        else:
            line = tr("{layer}：{m} 处已撤销的修改（可重做）", "{layer}: {m} undone edits (to redo)",
                      layer=name, m=len(layer.undone))
        if layer.skipped:
            line += tr("；{k} 处已在项目中或已被他人修改，不再恢复", "; {k} already in the project or changed by others, "
                       "not restored", k=layer.skipped)
        lines.append(line)
    return lines


# --- plumbing ------------------------------------------------------------------------------

def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=5)
    try:
        db.execute("PRAGMA journal_mode = DELETE")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA fullfsync = ON")  # (macOS: a real flush to the platter)
        db.execute("BEGIN IMMEDIATE")  # the tables all at once: a kill while they are made leaves none
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute("COMMIT")
    except BaseException:
        db.close()
        raise
    return db


def _drop_owners(db, owners: list[str]) -> None:
    marks = ",".join("?" * len(owners))
    db.execute(f"DELETE FROM journal_entries WHERE owner IN ({marks})", owners)
    db.execute(f"DELETE FROM journal_owners WHERE owner IN ({marks})", owners)


def _alive(pid: int, owner: str) -> bool:
    if pid == os.getpid():
        return False  # this process: a journal it made before (a project opened again) is not in use
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _base_of(session, uid: str) -> dict:
    """What a change of `uid` was made against: the version stored at the session's last commit,
    or that the feature was not stored then."""
    stored = session._stored[uid] is not None if uid in session._stored else session._current(uid) is not None
    return {"stored": stored, "base": session._versions.get(uid) if stored else None}


def _still_applies(change: dict, version_now: int | None) -> bool:
    if not change["stored"]:
        return version_now is None  # an add: not applied when the feature is there (the commit came through)
    return version_now is not None and change["base"] is not None and int(change["base"]) == version_now


def _encode_row(row) -> dict | None:
    if row is None:
        return None
    geometry = row.geometry.iloc[0]
    values = {c: _encode(row[c].iloc[0]) for c in row.columns if c not in ("uid", "fid") and c != row.geometry.name}
    return {"values": values, "wkb": None if geometry is None else shapely.to_wkb(geometry, hex=True)}


def _encode(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, np.datetime64):
        return {"$datetime": pd.Timestamp(value).isoformat()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return str(value)


def _decode(value):
    if isinstance(value, dict):
        if "$datetime" in value:
            return pd.Timestamp(value["$datetime"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        if "$bytes" in value:
            return base64.b64decode(value["$bytes"])
    return value


def _rows(session, states: dict) -> dict:
    """The one-row frames of the layer that put each feature in its journaled state (None: deleted)."""
    frame = session.layer.frame
    rows = {}
    for uid, state in states.items():
        if state is None:
            rows[uid] = None
            continue
        geometry = shapely.from_wkb(state["wkb"]) if state["wkb"] else None
        values = {c: _decode(v) for c, v in state["values"].items()}
        current = session._current(uid)
        if current is None:
            row = {c: None for c in frame.columns if c != frame.geometry.name}
            row.update({c: v for c, v in values.items() if c in row})
            row["uid"] = uid
            new = gpd.GeoDataFrame([row], geometry=gpd.GeoSeries([geometry], crs=frame.crs), crs=frame.crs)
            if frame.geometry.name != "geometry":
                new = new.rename_geometry(frame.geometry.name)
            rows[uid] = new[list(frame.columns)]
        else:
            new = current.copy()
            for column, value in values.items():
                if column in new.columns:
                    new[column] = new[column].astype(object)
                    new.iat[0, new.columns.get_loc(column)] = value
            rows[uid] = new.set_geometry(gpd.GeoSeries([geometry], index=new.index, crs=frame.crs), crs=frame.crs)
    return rows


def _reason(exc: BaseException) -> str:
    text = str(exc).lower()
    if "full" in text or "no space" in text or "too large" in text:
        return tr("磁盘已满", "the disk is full")
    if "readonly" in text or "read-only" in text or "permission" in text:
        return tr("没有写入权限", "no permission to write")
    if "unable to open" in text or "is a directory" in text:
        return tr("无法创建或打开该文件（路径不可写或被占用）", "the file cannot be made or opened (the path is not writable or taken)")
    if "disk i/o" in text:
        return tr("读写磁盘出错", "a disk I/O error")
    return str(exc)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
