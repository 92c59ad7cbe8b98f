"""Review decisions on conflicts: a planner confirms or dismisses each one, with a note.

Decisions are kept by the store, keyed on the conflict's identity (subject layer id, subject
uid, control layer id, control uid), not on the row of the last check: a re-run of the check
replaces the conflicts but never the decisions, so every decision whose conflict is still
found is kept. A decision whose conflict is no longer found stays stored (it is history) and
simply joins onto nothing. Every write is one transaction of the store. No Qt.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from gisdesk.errors import InputError
from gisdesk.store import ProjectStore, current_user, local_now

KEY = ["subject_table", "subject_id", "control_table", "control_id"]
CONFIRMED, DISMISSED = "confirmed", "dismissed"
DECISIONS = (CONFIRMED, DISMISSED)
REVIEW_COLUMNS = [*KEY, "decision", "note", "who", "at"]


def set_decision(project: ProjectStore, subject_table: str, subject_id: str, control_table: str, control_id: str,
                 decision: str, *, note: str = "", who: str | None = None, at: str | None = None) -> None:
    """Confirm or dismiss one conflict (replacing an earlier decision on it)."""
    set_decisions(project, [(subject_table, subject_id, control_table, control_id)], decision,
                  note=note, who=who, at=at)


def set_decisions(project: ProjectStore, keys: Iterable[tuple[str, str, str, str]], decision: str, *, note: str = "",
                  who: str | None = None, at: str | None = None) -> None:
    """The same decision on several conflicts, all in one transaction: all are stored or none.

    `keys` are (subject_layer, subject_id, control_kind, control_id) of conflicts of the last check.
    """
    if decision not in DECISIONS:
        raise InputError("审核结论应为 {allowed} 之一，而不是 {decision}",
                         "a review decision must be one of {allowed}, not {decision}",
                         allowed="、".join(DECISIONS), decision=decision)
    keys = [tuple(str(v) for v in key) for key in keys]
    project.save_decisions(keys, decision, note=note, who=who or current_user(), at=at or local_now())


def clear_decisions(project: ProjectStore, keys: Iterable[tuple[str, str, str, str]]) -> None:
    """Take decisions back (the conflicts are undecided again); one transaction."""
    project.clear_decisions([tuple(str(v) for v in key) for key in keys])


def decisions(project: ProjectStore) -> pd.DataFrame:
    """Every stored decision (also those whose conflict the last check no longer found)."""
    return project.decisions()


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


def reviewed_conflicts(project: ProjectStore) -> pd.DataFrame:
    """The last check's conflicts joined with the decisions."""
    return join_decisions(project.conflicts(), decisions(project))


def subject_names(project: ProjectStore, subject_table: str, uids) -> pd.Series:
    """uid → a name to show for these subjects (name, else address)."""
    return project.feature_names(subject_table, uids)

