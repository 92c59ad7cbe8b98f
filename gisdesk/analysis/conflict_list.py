"""The last check's conflicts as a reviewer walks them: with decisions and subject names, most severe first.

Severity: encroachments before setback shortfalls; encroachments by depth, then by overlap
area; shortfalls by how far short they fall; ties by subject uid, so the order is stable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gisdesk import reviews
from gisdesk.jobs import Feedback


def severity_sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """The conflicts most severe first (see the module's docstring); a new 0..n-1 index."""
    encroach = (frame["relation"] == "encroach").to_numpy()
    depth = pd.to_numeric(frame["depth_m"], errors="coerce").fillna(0).to_numpy()
    overlap = pd.to_numeric(frame["overlap_m2"], errors="coerce").fillna(0).to_numpy()
    shortfall = pd.to_numeric(frame["shortfall_m"], errors="coerce").fillna(0).to_numpy()
    keys = pd.DataFrame({"r": np.where(encroach, 0, 1), "a": np.where(encroach, -depth, -shortfall),
                         "b": np.where(encroach, -overlap, 0.0), "s": frame["subject_id"].astype(str).to_numpy()})
    order = keys.sort_values(["r", "a", "b", "s"], kind="mergesort").index.to_numpy()
    return frame.iloc[order].reset_index(drop=True)


def subject_names(project, frame: pd.DataFrame) -> pd.Series:
    """A name to show for each conflict's subject, read from its layer (`subject_table`): the
    feature's name, else its address, else its uid (as conflicts.csv's subject_name)."""
    name = pd.Series("", index=frame.index, dtype=object)
    for layer_id in frame["subject_table"].unique():
        mine = (frame["subject_table"] == layer_id).to_numpy()
        ids = frame.loc[mine, "subject_id"].astype(str)
        name[mine] = ids.map(reviews.subject_names(project, layer_id, ids)).astype(object).fillna("").to_numpy()
    name = name.fillna("").astype(str).str.strip()
    return name.where(name != "", frame["subject_id"].astype(str))


def load_conflicts(project, *, feedback: Feedback | None = None) -> pd.DataFrame | None:
    """The last check's conflicts with decisions and `subject_name`, by severity; None before any check.

    No geometry: this is the list, not the map. Reads everything from the project itself, so
    it can run in a child process."""
    feedback = feedback or Feedback()
    feedback.set_stage("load")
    if not project.last_run():
        return None
    frame = reviews.reviewed_conflicts(project)
    frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    feedback.check_cancelled()
    frame["subject_name"] = subject_names(project, frame)
    feedback.set_progress(0.5)
    return severity_sorted(frame)
