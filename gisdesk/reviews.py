"""Review decisions on conflicts: a planner confirms or dismisses each one, with a note.

Decisions live in the project in `gisdesk_reviews`, keyed on the conflict's identity
(subject layer, subject uid, control kind, control uid), not on the row of the last
check: `run_check` replaces `gisdesk_conflicts` but never touches this table, so a
re-run keeps every decision whose conflict is still found. A decision whose conflict
is no longer found stays stored (it is history) and simply joins onto nothing.

Every write is one SQLite transaction (Project._write): the table is created, registered
in gpkg_contents as 'attributes' (so QGIS lists it) and written, or nothing happens. No Qt.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterable

import pandas as pd

from gisdesk.errors import InputError, ProjectError
from gisdesk.project import CONFLICTS, Project

REVIEWS = "gisdesk_reviews"
KEY = ["subject_layer", "subject_id", "control_kind", "control_id"]
CONFIRMED, DISMISSED = "confirmed", "dismissed"
DECISIONS = (CONFIRMED, DISMISSED)
REVIEW_COLUMNS = [*KEY, "decision", "note", "who", "at"]

_CREATE_SQL = f"""
CREATE TABLE IF NOT EXISTS {REVIEWS} (
    review_id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_layer TEXT NOT NULL, subject_id TEXT NOT NULL, control_kind TEXT NOT NULL, control_id TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('{CONFIRMED}', '{DISMISSED}')),
    note TEXT NOT NULL DEFAULT '', who TEXT NOT NULL, at TEXT NOT NULL,
    UNIQUE (subject_layer, subject_id, control_kind, control_id))
"""


def set_decision(project: Project, subject_layer: str, subject_id: str, control_kind: str, control_id: str,
                 decision: str, *, note: str = "", who: str | None = None, at: str | None = None) -> None:
    """Confirm or dismiss one conflict (replacing an earlier decision on it)."""
    set_decisions(project, [(subject_layer, subject_id, control_kind, control_id)], decision,
                  note=note, who=who, at=at)


def set_decisions(project: Project, keys: Iterable[tuple[str, str, str, str]], decision: str, *, note: str = "",
                  who: str | None = None, at: str | None = None) -> None:
    """The same decision on several conflicts, all in one transaction: all are stored or none.

    `keys` are (subject_layer, subject_id, control_kind, control_id) of conflicts of the last check.
    """
    if decision not in DECISIONS:
        raise InputError("审核结论应为 {allowed} 之一，而不是 {decision}",
                         "a review decision must be one of {allowed}, not {decision}",
                         allowed="、".join(DECISIONS), decision=decision)
    keys = [tuple(str(v) for v in key) for key in keys]
    who = who or _user()
    at = at or _now()
    with project._write() as db:
        _ensure_table(db)
        has_conflicts = db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (CONFLICTS,)).fetchone()
        for key in keys:
            found = has_conflicts and db.execute(
                f"SELECT 1 FROM {CONFLICTS} WHERE subject_layer = ? AND subject_id = ? AND control_kind = ? "
                f"AND control_id = ? LIMIT 1", key).fetchone()
            if not found:  # raising here rolls back the rows already written
                raise ProjectError("上次检查结果中没有冲突 {subject} × {control}，无法审核",
                                   "the last check found no conflict {subject} × {control}: nothing to review",
                                   subject=f"{key[0]}/{key[1]}", control=f"{key[2]}/{key[3]}")
            db.execute(
                f"INSERT INTO {REVIEWS} (subject_layer, subject_id, control_kind, control_id, decision, note, who, at) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                f"ON CONFLICT (subject_layer, subject_id, control_kind, control_id) DO UPDATE SET "
                f"decision = excluded.decision, note = excluded.note, who = excluded.who, at = excluded.at",
                (*key, decision, note, who, at))
        db.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?", (_gpkg_now(), REVIEWS))


def clear_decisions(project: Project, keys: Iterable[tuple[str, str, str, str]]) -> None:
    """Take decisions back (the conflicts are undecided again); one transaction."""
    keys = [tuple(str(v) for v in key) for key in keys]
    with project._write() as db:
        _ensure_table(db)
        db.executemany(f"DELETE FROM {REVIEWS} WHERE subject_layer = ? AND subject_id = ? AND control_kind = ? "
                       f"AND control_id = ?", keys)


def decisions(project: Project) -> pd.DataFrame:
    """Every stored decision (also those whose conflict the last check no longer found)."""
    with project._read() as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (REVIEWS,)).fetchone():
            return pd.DataFrame({c: pd.Series(dtype=object) for c in REVIEW_COLUMNS})
        return pd.read_sql_query(f"SELECT {', '.join(REVIEW_COLUMNS)} FROM {REVIEWS} ORDER BY review_id", db)


def join_decisions(conflicts: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """The conflicts with `decision`, `note`, `who`, `at` ('' where undecided), rows and order kept."""
    extra = ["decision", "note", "who", "at"]
    base = conflicts.drop(columns=[c for c in extra if c in conflicts.columns])
    keyed = reviews[REVIEW_COLUMNS].astype({c: str for c in KEY}).drop_duplicates(KEY, keep="last")
    left = base[KEY].astype(str).reset_index(drop=True)
    merged = left.merge(keyed, on=KEY, how="left")
    out = base.copy()
    for column in extra:
        out[column] = merged[column].fillna("").astype(str).to_numpy()
    return out


def reviewed_conflicts(project: Project) -> pd.DataFrame:
    """The last check's conflicts joined with the decisions."""
    return join_decisions(project.conflicts(), decisions(project))


def subject_names(project: Project, subject_layer: str, uids) -> pd.Series:
    """uid → a name to show for these subjects (name, else address), read with plain SQL, no geometry."""
    from gisdesk.layers.kinds import kind_of

    table = kind_of(subject_layer).table
    uids = sorted({str(u) for u in uids})
    with project._read() as db:
        columns = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
        column = "name" if "name" in columns else "address" if "address" in columns else None
        if column is None or not uids:
            return pd.Series(dtype=object)
        rows = []
        for start in range(0, len(uids), 900):  # SQLite's limit on bound parameters
            chunk = uids[start:start + 900]
            marks = ",".join("?" * len(chunk))
            rows += db.execute(f'SELECT uid, "{column}" FROM "{table}" WHERE uid IN ({marks})', chunk).fetchall()
    return pd.Series({uid: name for uid, name in rows if name})


def _ensure_table(db) -> None:
    db.execute(_CREATE_SQL)
    db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
               "VALUES (?, 'attributes', ?, ?, ?)",
               (REVIEWS, REVIEWS, "gisdesk: review decisions on conflicts", _gpkg_now()))


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still record something
        return "unknown"


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _gpkg_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
