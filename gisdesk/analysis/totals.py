"""Area totals per district / street / community and per control kind.

Areas are planar in the project's Gauss-Krüger zone, in m², and every row says so.
Overlaps are dissolved before they are measured: where a building touches two red
zones (a junction), or blue and green zones overlap, no square metre counts twice.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from gisdesk.analysis.dissolve import dissolved_area
from gisdesk.errors import InputError

GROUP_LEVELS = ("district", "street", "community")
TOTAL_COLUMNS = ["subject_layer", "group_by", "group", "control_kind", "features", "footprint_m2",
                 "encroach_count", "overlap_m2", "setback_count", "area_method"]
ALL = "*"  # the group / control kind that stands for all of them
UNASSIGNED = "—"  # features whose group field is empty


def area_totals(subjects: dict[str, pd.DataFrame], conflicts: pd.DataFrame, *, by: str = "district",
                area_method: str = "planar", control_kinds: list[str] | None = None) -> pd.DataFrame:
    """One row per subject layer × group (plus ALL) × control kind (plus ALL).

    `subjects` maps a layer name to a frame with `uid`, `geometry` and the `by` field;
    `conflicts` has the conflict columns and the `overlap` geometry. `control_kinds` are the
    kinds the project has (rows of zero included); default: those in `conflicts`.
    """
    if by not in GROUP_LEVELS:
        raise InputError("--by 应为 {levels} 之一，而不是 {by}", "--by must be one of {levels}, not {by}",
                         levels="、".join(GROUP_LEVELS), by=by)
    rows = []
    for layer, frame in subjects.items():
        groups = _groups(frame, by)
        polygon = np.isin(shapely.get_type_id(np.asarray(frame.geometry.values, dtype=object)), (3, 6))
        footprint = pd.Series(np.where(polygon, shapely.area(frame.geometry.values), 0.0), index=frame.index)
        mine = conflicts[conflicts["subject_layer"] == layer]
        group_of = pd.Series(groups.to_numpy(), index=frame["uid"].astype(str).to_numpy())
        mine = mine.assign(group=group_of.reindex(mine["subject_id"].to_numpy()).fillna(UNASSIGNED).to_numpy())
        kinds = list(control_kinds or sorted(conflicts["control_kind"].unique())) + [ALL]
        for group in sorted(groups.unique()) + [ALL]:
            in_group = polygon & ((groups == group).to_numpy() if group != ALL else True)
            here = mine if group == ALL else mine[mine["group"] == group]
            for kind in kinds:
                rows_kind = here if kind == ALL else here[here["control_kind"] == kind]
                encroach = rows_kind[rows_kind["relation"] == "encroach"]
                setback = rows_kind[rows_kind["relation"] == "setback"]
                rows.append({
                    "subject_layer": layer, "group_by": by, "group": group, "control_kind": kind,
                    "features": int(in_group.sum()),
                    "footprint_m2": float(footprint[in_group].sum()),
                    "encroach_count": int(encroach["subject_id"].nunique()),
                    "overlap_m2": dissolved_area(encroach["overlap"].to_numpy()),
                    "setback_count": int(setback["subject_id"].nunique()),
                    "area_method": area_method,
                })
    return pd.DataFrame(rows, columns=TOTAL_COLUMNS)


def _groups(frame: pd.DataFrame, by: str) -> pd.Series:
    if by not in frame.columns:
        return pd.Series(UNASSIGNED, index=frame.index)
    values = frame[by].astype(object).where(frame[by].notna(), UNASSIGNED).astype(str).str.strip()
    return values.replace("", UNASSIGNED)
