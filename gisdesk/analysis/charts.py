"""What the Totals & indicators dock shows, computed headless: area totals, indicators, chart series.

`compute_totals` is the dock's job (it runs in a child process): it reads the project once,
makes the area totals of its last check for every grouping level (switching the grouping
is then instant), the indicators and the old-estate counts. The series functions turn
that into the small tables each chart draws, one row per bar. The same core functions
(`project_totals`, `project_indicators`) are behind `gisdesk totals` and `gisdesk indicators`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from gisdesk.analysis.check import SUBJECT_COLUMNS, area_method, control_kinds
from gisdesk.analysis.indicators import layers_by_kind, project_indicators
from gisdesk.analysis.totals import ALL, GROUP_LEVELS, project_totals, stored_conflicts
from gisdesk.jobs import Feedback
from gisdesk.layers.kinds import ESTATE_STATUSES, SUBJECT_KINDS

PARKING_CATEGORIES = ("配建", "路外公共", "路内")
PARKING_CODES = {"配建": "attached", "路外公共": "off_street", "路内": "on_street"}
HANDLING_CODES = ("handling_rate", "handling_rate_stock", "handling_rate_new", "handling_rate_area")


@dataclass
class TotalsData:
    by: str
    totals: pd.DataFrame | None  # project_totals(by=by); None before any check
    by_district: pd.DataFrame | None  # project_totals(by="district"), for the encroachment chart
    indicators: pd.DataFrame  # indicators_frame
    estates: pd.Series  # count of old estates per status, in ESTATE_STATUSES order
    kinds: list[str] = field(default_factory=list)
    area_method: str = ""
    levels: dict = field(default_factory=dict, repr=False)  # project_totals per grouping level


def compute_totals(project, by: str = "district", *, feedback: Feedback | None = None) -> TotalsData:
    """Area totals (by every grouping level) and the indicators of the project's last check."""
    feedback = feedback or Feedback()
    feedback.set_stage("load")
    infos = project.layers()
    frames = {}
    for i, info in enumerate(infos):
        frames[info.id] = project.read_layer(info.id)
        feedback.set_progress(0.5 * (i + 1) / max(len(infos), 1))
    conflicts = stored_conflicts(project) if project.last_run() else None
    feedback.set_stage("totals")
    subjects = {info.id: frames[info.id][[c for c in ("uid", *SUBJECT_COLUMNS, "geometry")
                                          if c in frames[info.id].columns]]
                for info in infos if info.kind in SUBJECT_KINDS}
    levels = {}
    if conflicts is not None and subjects:
        for i, level in enumerate(GROUP_LEVELS):
            levels[level] = project_totals(project, subjects, conflicts, by=level)
            feedback.set_progress(0.5 + 0.2 * (i + 1) / len(GROUP_LEVELS))
    feedback.set_stage("indicators")
    indicators = project_indicators(project, conflicts, frames)
    estates = estate_counts(layers_by_kind(frames, {info.id: info.kind for info in infos}).get("old_estates"))
    feedback.set_progress(1.0)
    return TotalsData(by, levels.get(by), levels.get("district"), indicators, estates, control_kinds(project),
                      area_method(project), levels)


def regroup(data: TotalsData, by: str, *, feedback: Feedback | None = None) -> pd.DataFrame | None:
    """The totals by another grouping level (computed already by compute_totals)."""
    if feedback is not None:
        feedback.set_stage("totals")
    return data.levels.get(by)


def estate_counts(estates: pd.DataFrame | None) -> pd.Series:
    """Old estates per status, every status of ESTATE_STATUSES in order (0 where none)."""
    if estates is None:
        return pd.Series(0, index=list(ESTATE_STATUSES), dtype=int)
    return estates["status"].value_counts().reindex(list(ESTATE_STATUSES), fill_value=0).astype(int)


# --- the charts' series -------------------------------------------------------------------

def encroachment_by_district(by_district: pd.DataFrame | None, subject_layer: str = "buildings") -> pd.DataFrame:
    """Dissolved overlap m² per district (rows) and control kind (columns), from project_totals rows
    (which leave exempt conflicts out, gisdesk.analysis.periods).

    Summed over the layers of the subject kind (each dissolved within its layer)."""
    if by_district is None or not len(by_district):
        return pd.DataFrame()
    rows = by_district[(by_district["subject_layer"] == subject_layer) & (by_district["group"] != ALL)
                       & (by_district["control_kind"] != ALL)]
    table = rows.pivot_table(index="group", columns="control_kind", values="overlap_m2", aggfunc="sum")
    return table.reindex(columns=list(pd.unique(rows["control_kind"]))).fillna(0.0)


def indicator(indicators: pd.DataFrame, code: str) -> pd.Series | None:
    """The indicator's row, None when the project's layers do not support it."""
    rows = indicators[indicators["code"] == code]
    return rows.iloc[0] if len(rows) else None


def handling_series(indicators: pd.DataFrame) -> pd.DataFrame:
    """The ledger handling rates (all, stock, new, by area) with numerator, denominator and target."""
    rows = [r for r in (indicator(indicators, code) for code in HANDLING_CODES) if r is not None]
    return pd.DataFrame({"code": [r["code"] for r in rows], "value": [float(r["value"]) for r in rows],
                         "numerator": [r["numerator"] for r in rows], "denominator": [r["denominator"] for r in rows],
                         "target": [r["target"] for r in rows]})


def plan_target(series: pd.DataFrame) -> float | None:
    """The first target a series states, None when the rules give none."""
    return next((float(t) for t in series["target"] if t is not None and pd.notna(t)), None)


def renovation_series(estates: pd.Series) -> pd.DataFrame:
    """Old estates per status, in ESTATE_STATUSES order."""
    return pd.DataFrame({"status": estates.index, "estates": estates.to_numpy()})


def parking_series(indicators: pd.DataFrame) -> pd.DataFrame:
    """Share of parking spaces (and spaces) per category."""
    rows = [(c, indicator(indicators, f"parking_share_{PARKING_CODES[c]}")) for c in PARKING_CATEGORIES]
    rows = [(c, r) for c, r in rows if r is not None]
    return pd.DataFrame({"category": [c for c, _ in rows], "share": [float(r["value"]) for _, r in rows],
                         "spaces": [float(r["numerator"]) for _, r in rows]})
