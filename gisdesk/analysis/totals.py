"""Area totals per district / street / community and per control kind.

Areas are planar in the project's Gauss-Krüger zone, in m², and every row says so.
Overlaps are dissolved before they are measured: where a building touches two red
zones (a junction), or blue and green zones overlap, no square metre counts twice.

Exempt conflicts (a protected building in its purple line, gisdesk.analysis.periods) are left
out of every count and area and counted in `exempt_count`; `*_new` and `*_existing` are the
parts of the counts and areas whose period is new or existing (the rest is unknown).

`area_totals` works on frames; `project_totals` is it for a project's check, the one
function behind `gisdesk totals`, the check's totals.csv and the app's Totals dock.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from gisdesk.analysis import periods
from gisdesk.analysis.check import SUBJECT_COLUMNS, area_method, control_kinds
from gisdesk.analysis.dissolve import dissolved_areas
from gisdesk.errors import InputError
from gisdesk.geometry import parallel
from gisdesk.layers.kinds import SUBJECT_KINDS

GROUP_LEVELS = ("district", "street", "community")
TOTAL_COLUMNS = ["subject_layer", "group_by", "group", "control_kind", "features", "footprint_m2",
                 "encroach_count", "overlap_m2", "setback_count", "area_method", "subject_table",
                 "encroach_new", "encroach_existing", "overlap_new_m2", "overlap_existing_m2",
                 "setback_new", "setback_existing", "exempt_count"]
# The columns' names for people (zh, en), as `gisdesk totals` prints them and the xlsx heads them;
# totals.csv keeps the codes
TOTAL_HEADERS = {
    "subject_layer": ("图层", "layer"), "group_by": ("分组", "grouped by"), "group": ("分组值", "group"),
    "control_kind": ("控制线", "control line"), "features": ("要素数", "features"),
    "footprint_m2": ("占地面积（m²）", "footprint (m²)"), "encroach_count": ("压线数", "encroaching"),
    "overlap_m2": ("压线面积（m²）", "overlap (m²)"), "setback_count": ("退线不足数", "setback shortfalls"),
    "encroach_new": ("新增压线数", "new encroaching"), "encroach_existing": ("既有压线数", "existing encroaching"),
    "overlap_new_m2": ("新增压线面积（m²）", "new overlap (m²)"),
    "overlap_existing_m2": ("既有压线面积（m²）", "existing overlap (m²)"),
    "setback_new": ("新增退线不足", "new setback shortfalls"), "setback_existing": ("既有退线不足", "existing setback shortfalls"),
    "exempt_count": ("豁免数", "exempt"),
}
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
    kinds = list(control_kinds or sorted(conflicts["control_kind"].unique())) + [ALL]
    tables = []
    for layer, frame in subjects.items():
        codes, labels = _group_codes(frame, by)
        groups = len(labels) + 1  # the groups, then ALL
        geoms = np.asarray(frame.geometry.values, dtype=object)
        polygon = np.isin(shapely.get_type_id(geoms), (3, 6))
        area = parallel(shapely.area, geoms[polygon])  # (a million footprints: 0.45 s on one core)
        features = np.bincount(codes[polygon], minlength=groups)
        footprint = np.bincount(codes[polygon], weights=area, minlength=groups)
        features[-1], footprint[-1] = polygon.sum(), area.sum()
        mine = conflicts[conflicts["subject_table"] == layer]
        counted = periods.counted(mine)
        stats = _conflict_stats(counted, frame, codes, labels, kinds)
        for period in (periods.NEW, periods.EXISTING):
            part = _conflict_stats(periods.of_period(counted, period), frame, codes, labels, kinds)
            stats.update({f"encroach_{period}": part["encroach_count"], f"overlap_{period}_m2": part["overlap_m2"],
                          f"setback_{period}": part["setback_count"]})
        exempt = periods.exempt(mine)  # subjects with an exempt conflict, whatever its relation
        stats["exempt_count"] = _conflict_stats(exempt.assign(relation="setback"), frame, codes, labels,
                                                kinds)["setback_count"]
        tables.append(pd.DataFrame({
            "subject_layer": kind_of_layer.get(layer, layer), "group_by": by,
            "group": np.repeat(np.array([*labels, ALL], dtype=object), len(kinds)),
            "control_kind": np.tile(np.array(kinds, dtype=object), groups),
            "features": np.repeat(features.astype(np.int64), len(kinds)),
            "footprint_m2": np.repeat(footprint.astype(float), len(kinds)),
            **stats, "area_method": area_method, "subject_table": layer,
        }))
    if not tables:
        return pd.DataFrame(columns=TOTAL_COLUMNS)
    return pd.concat(tables, ignore_index=True)[TOTAL_COLUMNS]


def _conflict_stats(conflicts: pd.DataFrame, frame: pd.DataFrame, codes: np.ndarray, labels: list[str],
                    kinds: list[str]) -> dict[str, np.ndarray]:
    """Encroaching and setback counts and dissolved overlap per (group, kind) cell, ALL included, as
    arrays in the order of the totals' rows (group by group, kind by kind).

    Each conflict row counts in four cells: its group and kind, ALL groups, ALL kinds and both.
    The work follows the number of conflicts, not groups × features.
    """
    groups, width = len(labels) + 1, len(kinds)
    cells = groups * width
    out = {"encroach_count": np.zeros(cells, dtype=np.int64), "overlap_m2": np.zeros(cells),
           "setback_count": np.zeros(cells, dtype=np.int64)}
    if not len(conflicts):
        return out
    # the group of each row: its subject's, or UNASSIGNED when the subject is not in the frame
    subjects = _arrow(conflicts["subject_id"].astype(str)).cast(pa.large_string()).dictionary_encode()
    subject = _codes(subjects)
    where = pc.index_in(_arrow(frame["uid"].astype(str)).cast(pa.large_string()), value_set=subjects.dictionary)
    found = np.asarray(where.fill_null(-1), dtype=np.int64)
    unassigned = labels.index(UNASSIGNED) if UNASSIGNED in labels else -1
    group_of_subject = np.full(len(subjects.dictionary), unassigned, dtype=np.int64)
    hit = found >= 0
    group_of_subject[found[hit]] = codes[hit]
    group = np.where(subject >= 0, group_of_subject[np.maximum(subject, 0)], unassigned)
    kind_index = {k: i for i, k in enumerate(kinds[:-1])}
    kind = conflicts["control_kind"].map(kind_index).fillna(-1).to_numpy(dtype=np.int64)
    relation = conflicts["relation"].to_numpy(dtype=object)
    rows = np.arange(len(conflicts))
    # four cells per row; a row whose group or kind has no row of the totals counts under ALL only
    cell = np.concatenate([np.where((group >= 0) & (kind >= 0), group * width + kind, -1),
                           np.full(len(rows), groups - 1) * width + np.where(kind >= 0, kind, -1),
                           np.where(group >= 0, group * width + width - 1, -1),
                           np.full(len(rows), cells - 1)])
    cell[np.concatenate([np.zeros(len(rows), bool), kind < 0, np.zeros(2 * len(rows), bool)])] = -1
    member = np.tile(rows, 4)
    valid = cell >= 0
    cell, member = cell[valid], member[valid]
    for name, value in (("encroach_count", "encroach"), ("setback_count", "setback")):
        mine = (relation[member] == value) & (subject[member] >= 0)
        pairs = np.unique(cell[mine] * (len(subjects.dictionary) + 1) + subject[member[mine]])
        out[name] = np.bincount(pairs // (len(subjects.dictionary) + 1), minlength=cells).astype(np.int64)
    encroach = relation[member] == "encroach"
    overlaps = np.asarray(conflicts["overlap"].to_numpy(), dtype=object)
    out["overlap_m2"] = dissolved_areas(overlaps, cell[encroach], cells, members=member[encroach])
    return out


def _arrow(values: pd.Series) -> pa.Array:
    array = pa.array(values, from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _codes(array: pa.DictionaryArray) -> np.ndarray:
    return np.asarray(array.indices.fill_null(-1), dtype=np.int64)


def _group_codes(frame: pd.DataFrame, by: str) -> tuple[np.ndarray, list[str]]:
    """The group of each feature as a number, and the groups' names, sorted: numbers index them.

    A name is the field's text, stripped; an empty or missing field is UNASSIGNED. The text is
    made once per distinct value, not per feature."""
    if by not in frame.columns or not len(frame):
        return np.zeros(len(frame), dtype=np.int64), [UNASSIGNED] if len(frame) else []
    encoded = _arrow(frame[by]).dictionary_encode()
    raw = _codes(encoded)
    # the name of each distinct value, and last the name of a missing one
    names = [*_group_names(pd.Series(encoded.dictionary.to_pandas(), dtype=object)), UNASSIGNED]
    labels = sorted(set(names))
    position = {name: i for i, name in enumerate(labels)}
    code_of = np.array([position[name] for name in names], dtype=np.int64)
    used = np.zeros(len(labels), dtype=bool)
    codes = code_of[np.where(raw >= 0, raw, len(names) - 1)]
    used[codes] = True
    if used.all():
        return codes, labels
    renumber = np.cumsum(used) - 1  # only groups some feature has
    return renumber[codes], [name for name, u in zip(labels, used) if u]


def _group_names(values: pd.Series) -> list[str]:
    """The group name of each value: its text, stripped; empty or missing is UNASSIGNED."""
    values = values.astype(object).where(values.notna(), UNASSIGNED).astype(str).str.strip()
    return list(values.replace("", UNASSIGNED))


# --- a project's totals ------------------------------------------------------------------

def project_totals(project, subjects: dict[str, pd.DataFrame], conflicts: pd.DataFrame, *,
                   by: str = "district") -> pd.DataFrame:
    """area_totals of a project's check: its area method, its control kinds, each layer's kind.

    `subjects` as `read_subjects` gives them (or as the check returns them), `conflicts` as
    `stored_conflicts` (or the check's own)."""
    return area_totals(subjects, conflicts, by=by, **totals_context(project))


def totals_context(project) -> dict:
    """What area_totals takes of a project besides its frames, read from it: the area method, the
    control kinds it has and each layer's kind."""
    return {"area_method": area_method(project), "control_kinds": control_kinds(project),
            "kinds": {info.id: info.kind for info in project.layers()}}


def read_subjects(project) -> dict[str, gpd.GeoDataFrame]:
    """Every subject layer (buildings, ledger) by layer id: uid, the grouping fields, geometry."""
    return {info.id: project.read_layer(info.id, SUBJECT_COLUMNS)
            for info in project.layers() if info.kind in SUBJECT_KINDS}


def stored_conflicts(project) -> gpd.GeoDataFrame:
    """The last check's conflicts with their overlap geometry in `overlap`, as area_totals and the
    indicators take them. Raises ProjectError when the project has no check yet."""
    conflicts = project.conflicts()
    return conflicts.rename(columns={conflicts.geometry.name: "overlap"})
