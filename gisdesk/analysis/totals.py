"""Area totals per district / street / community and per control kind.

Areas are planar in the project's Gauss-Krüger zone, in m², and every row says so.
Overlaps are dissolved before they are measured: where a building touches two red
zones (a junction), or blue and green zones overlap, no square metre counts twice.

`area_totals` works on frames; `project_totals` is it for a project's check, the one
function behind `gisdesk totals`, the check's totals.csv and the app's Totals dock.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisdesk.analysis.check import SUBJECT_COLUMNS, area_method, control_kinds
from gisdesk.analysis.dissolve import dissolved_area
from gisdesk.errors import InputError
from gisdesk.layers.kinds import SUBJECT_KINDS

GROUP_LEVELS = ("district", "street", "community")
TOTAL_COLUMNS = ["subject_layer", "group_by", "group", "control_kind", "features", "footprint_m2",
                 "encroach_count", "overlap_m2", "setback_count", "area_method", "subject_table"]
ALL = "*"  # the group / control kind that stands for all of them
UNASSIGNED = "—"  # features whose group field is empty


def area_totals(subjects: dict[str, pd.DataFrame], conflicts: pd.DataFrame, *, by: str = "district",
                area_method: str = "planar", control_kinds: list[str] | None = None,
                kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per subject layer × group (plus ALL) × control kind (plus ALL).

    `subjects` maps a layer id to a frame with `uid`, `geometry` and the `by` field, `kinds`
    each layer id to its kind (default: the id is the kind);
    `conflicts` has the conflict columns and the `overlap` geometry. `control_kinds` are the
    kinds the project has (rows of zero included); default: those in `conflicts`.
    """
    if by not in GROUP_LEVELS:
        raise InputError("--by 应为 {levels} 之一，而不是 {by}", "--by must be one of {levels}, not {by}",
                         levels="、".join(GROUP_LEVELS), by=by)
    kind_of_layer = kinds or {}
    if "subject_table" not in conflicts:  # conflicts of an engine run on kinds alone
        conflicts = conflicts.assign(subject_table=conflicts["subject_layer"])
    tables = []
    for layer, frame in subjects.items():
        groups = _groups(frame, by).to_numpy()
        geoms = np.asarray(frame.geometry.values, dtype=object)
        polygon = np.isin(shapely.get_type_id(geoms), (3, 6))
        footprints = pd.DataFrame({"group": groups[polygon], "area": shapely.area(geoms[polygon])})
        per_group = footprints.groupby("group")["area"].agg(["size", "sum"])
        per_group.loc[ALL] = [len(footprints), footprints["area"].sum()]
        stats = _conflict_stats(conflicts[conflicts["subject_table"] == layer],
                                pd.Series(groups, index=frame["uid"].astype(str).to_numpy()))
        kinds = list(control_kinds or sorted(conflicts["control_kind"].unique())) + [ALL]
        index = pd.MultiIndex.from_product([sorted(pd.unique(groups)) + [ALL], kinds], names=["group", "kind"])
        group_rows = per_group.reindex(index.get_level_values("group"))
        tables.append(pd.DataFrame({
            "subject_layer": kind_of_layer.get(layer, layer), "group_by": by,
            "group": index.get_level_values("group"), "control_kind": index.get_level_values("kind"),
            "features": group_rows["size"].fillna(0).to_numpy(dtype=np.int64),
            "footprint_m2": group_rows["sum"].fillna(0.0).to_numpy(dtype=float),
            **{name: stats[name].reindex(index).fillna(0).to_numpy(dtype=dtype)
               for name, dtype in (("encroach_count", np.int64), ("overlap_m2", float), ("setback_count", np.int64))},
            "area_method": area_method, "subject_table": layer,
        }))
    if not tables:
        return pd.DataFrame(columns=TOTAL_COLUMNS)
    return pd.concat(tables, ignore_index=True)[TOTAL_COLUMNS]


def _conflict_stats(conflicts: pd.DataFrame, group_of: pd.Series) -> dict[str, pd.Series]:
    """Encroaching and setback counts and dissolved overlap per (group, kind), ALL included.

    One groupby over the conflict rows, each row also counted under ALL groups, ALL kinds
    and both: the cost follows the number of conflicts, not groups × features.
    """
    rows = pd.DataFrame({
        "group": group_of.reindex(conflicts["subject_id"].astype(str).to_numpy()).fillna(UNASSIGNED).to_numpy(),
        "kind": conflicts["control_kind"].to_numpy(),
        "relation": conflicts["relation"].to_numpy(),
        "subject": conflicts["subject_id"].to_numpy(),
        "row": np.arange(len(conflicts)),
    })
    rows = pd.concat([rows, rows.assign(group=ALL), rows.assign(kind=ALL), rows.assign(group=ALL, kind=ALL)],
                     ignore_index=True)
    overlaps = np.asarray(conflicts["overlap"].to_numpy(), dtype=object)
    encroach = rows[rows["relation"] == "encroach"].groupby(["group", "kind"])
    setback = rows[rows["relation"] == "setback"].groupby(["group", "kind"])
    return {
        "encroach_count": encroach["subject"].nunique(),
        "overlap_m2": encroach["row"].agg(lambda r: dissolved_area(overlaps[r.to_numpy()])),
        "setback_count": setback["subject"].nunique(),
    }


def _groups(frame: pd.DataFrame, by: str) -> pd.Series:
    if by not in frame.columns:
        return pd.Series(UNASSIGNED, index=frame.index)
    values = frame[by].astype(object).where(frame[by].notna(), UNASSIGNED).astype(str).str.strip()
    return values.replace("", UNASSIGNED)


# --- a project's totals ------------------------------------------------------------------

def project_totals(project, subjects: dict[str, pd.DataFrame], conflicts: pd.DataFrame, *,
                   by: str = "district") -> pd.DataFrame:
    """area_totals of a project's check: its area method, its control kinds, each layer's kind.

    `subjects` as `read_subjects` gives them (or as the check returns them), `conflicts` as
    `stored_conflicts` (or the check's own)."""
    return area_totals(subjects, conflicts, by=by, area_method=area_method(project),
                       control_kinds=control_kinds(project), kinds={info.id: info.kind for info in project.layers()})


def read_subjects(project) -> dict[str, gpd.GeoDataFrame]:
    """Every subject layer (buildings, ledger) by layer id: uid, the grouping fields, geometry."""
    return {info.id: project.read_layer(info.id, SUBJECT_COLUMNS)
            for info in project.layers() if info.kind in SUBJECT_KINDS}


def stored_conflicts(project) -> gpd.GeoDataFrame:
    """The last check's conflicts with their overlap geometry in `overlap`, as area_totals and the
    indicators take them. Raises ProjectError when the project has no check yet."""
    conflicts = project.conflicts()
    return conflicts.rename(columns={conflicts.geometry.name: "overlap"})
