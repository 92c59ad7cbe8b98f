"""When a conflict counts (docs/domain.md §7): each conflict's `period` and `exemption`.

`period` says whether the subject came after its control line took effect:
- the subject's date: a building's `built_year` (a year), else a ledger case's `started_on`,
  else its `found_on` (a date; a case found after the line is presumed new);
- the line's date: the control feature's `effective_on`, else the rule file's `[effective_on]`
  date for its kind;
- `new` when the subject's date is on or after the line's (a line binds from the day it takes
  effect), `existing` when before, `unknown` when either date is missing. A year against a
  date: before the line's year is `existing`, after it `new`; the line's own year is `new`
  only when the line took effect on 1 January, else `unknown` (the year does not say which
  came first).

`exemption` is the reason a rule exempts the subject from that kind of line, "" otherwise:
always a building whose `protection` is set is exempt from the purple line that protects it
("受保护建筑：历史建筑"); the rule file's `[exempt]` table adds rules per kind. Exempt rows
stay in the results, and counts, totals, indicators and charts leave them out (`counted`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from gisdesk.rules import ExemptRule, Rules

NEW, EXISTING, UNKNOWN = "new", "existing", "unknown"
PERIODS = (NEW, EXISTING, UNKNOWN)
PERIOD_NAMES = {NEW: ("新增", "new"), EXISTING: ("既有", "existing"), UNKNOWN: ("未知", "unknown")}
COLUMNS = ["period", "exemption", "subject_name"]  # what annotate adds to the conflicts, in this order

PROTECTION = "protection"
# The default rule, always on: a protected building is exempt from the purple line that protects it.
DEFAULT_EXEMPT = {"purple": (ExemptRule(PROTECTION, "受保护建筑"),)}
SUBJECT_DATES = ("built_year", "started_on", "found_on")  # in the order they are tried
CONTROL_DATES = ["effective_on"]
NAME_FIELDS = ("name", "address")  # a subject's shown name: the first of these it has, else its uid
# What a field holds to say "none" (保护类别 = 无): not set, so no exemption
NONE_WORDS = frozenset({"无", "否", "没有", "无保护", "非保护建筑", "none", "no", "n/a", "-", "—", "/", "／"})


def exempt_rules(rules: Rules, kind: str) -> tuple[ExemptRule, ...]:
    """The exemption rules of a control kind: the default one first, then the rule file's."""
    return (*DEFAULT_EXEMPT.get(kind, ()), *rules.exempt.get(kind, ()))


def subject_fields(rules: Rules) -> list[str]:
    """The subject fields `annotate` reads (beside uid): the dates and every exemption rule's field."""
    fields = [*SUBJECT_DATES, PROTECTION]
    for rule in (r for kind in set(DEFAULT_EXEMPT) | set(rules.exempt) for r in exempt_rules(rules, kind)):
        if rule.field not in fields:
            fields.append(rule.field)
    return fields


def annotate(conflicts: pd.DataFrame, subjects: dict[str, pd.DataFrame], controls: dict[str, pd.DataFrame],
             rules: Rules, kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """`conflicts` (the engine's rows, with subject_table and control_table) with `period`,
    `exemption` and `subject_name` set. `subjects` and `controls` as the engine took them; a
    field a frame lacks (an older project) is a missing date, no protection, no name."""
    kinds = kinds or {}
    out = conflicts.copy()
    n = len(out)
    if not n:
        for column in COLUMNS:
            out[column] = pd.Series(dtype=object)
        return out
    # groups by hashing (pd.factorize), not by sorting strings: the work follows the rows
    subject_table = _groups(out["subject_table"] if "subject_table" in out else out["subject_layer"])
    control_table = _groups(out["control_table"] if "control_table" in out else out["control_kind"])
    control_kind = _groups(out["control_kind"])
    subject_id, control_id = out["subject_id"], out["control_id"]

    # the subject's date (days since 1970) and whether it is only a year; its name and exemption fields
    day = np.full(n, np.nan)
    year_only = np.zeros(n, dtype=bool)
    name = np.asarray(subject_id.astype(str), dtype=object).copy()
    fields = subject_fields(rules)
    values = {f: np.full(n, "", dtype=object) for f in fields}
    for table, rows in subject_table:
        frame = subjects.get(table)
        if frame is None or not len(frame):
            continue
        at = _positions(frame, subject_id.iloc[rows])
        found = at >= 0
        wanted = [c for c in (*SUBJECT_DATES, *NAME_FIELDS, *fields) if c in frame.columns]
        rows, mine = rows[found], frame[list(dict.fromkeys(wanted))].iloc[at[found]]  # the subjects in conflict only
        day[rows], year_only[rows] = _subject_days(mine)
        shown = _names(mine)
        name[rows] = np.where(shown != "", shown, name[rows])
        for f in fields:
            if f in mine.columns:
                values[f][rows] = _texts(mine[f])

    line = np.full(n, np.nan)
    for table, rows in control_table:
        frame = controls.get(table)
        if frame is not None and len(frame) and "effective_on" in frame.columns:
            at = _positions(frame, control_id.iloc[rows])
            own = _days(frame["effective_on"])  # (control layers are small: all their features)
            line[rows] = np.where(at >= 0, own[np.maximum(at, 0)], np.nan)
    kind_rows = dict(control_kind)
    for kind, date in rules.effective_on.items():  # the rule file's date where a feature has none
        rows = kind_rows.get(kind, np.empty(0, dtype=np.int64))
        line[rows[np.isnan(line[rows])]] = _days(pd.Series([date]))[0]

    out["period"] = periods(day, year_only, line)
    out["exemption"] = exemptions(kind_rows, values, rules, n)
    out["subject_name"] = name
    return out


def periods(day: np.ndarray, year_only: np.ndarray, line: np.ndarray) -> np.ndarray:
    """new / existing / unknown for subject dates `day` (days since 1970; a year as its 1 January
    where `year_only`) against line dates `line` (days since 1970), NaN where missing."""
    period = np.full(len(day), UNKNOWN, dtype=object)
    known = ~np.isnan(day) & ~np.isnan(line)
    line_year = _years(line)
    day_year = _years(day)
    by_date = known & ~year_only
    period[by_date & (day >= line)] = NEW
    period[by_date & (day < line)] = EXISTING
    by_year = known & year_only
    line_jan1 = np.zeros(len(line), dtype=bool)
    line_jan1[known] = _jan1(line_year[known]) == line[known]
    period[by_year & ((day_year > line_year) | ((day_year == line_year) & line_jan1))] = NEW
    period[by_year & (day_year < line_year)] = EXISTING
    return period


def exemptions(kind_rows: dict[str, np.ndarray], values: dict[str, np.ndarray], rules: Rules, n: int) -> np.ndarray:
    """Each row's exemption from its kind of line (`kind_rows`: the rows of each kind): the first
    rule that holds, as "reason：value"."""
    out = np.full(n, "", dtype=object)
    for kind, rows in kind_rows.items():
        for rule in exempt_rules(rules, str(kind)):
            given = values.get(rule.field)
            if given is None:
                continue
            mine = rows[(out[rows] == "") & _set(given[rows])]
            if rule.values:
                mine = mine[np.isin(given[mine], rule.values)]
            out[mine] = [f"{rule.reason}：{v}" for v in given[mine]]
    return out


def _set(values: np.ndarray) -> np.ndarray:
    """Whether each text says something: not empty and not a word for none (NONE_WORDS)."""
    return (values != "") & ~pd.Series(values, dtype=object).str.casefold().isin(NONE_WORDS).to_numpy()


def _groups(values: pd.Series) -> list[tuple[str, np.ndarray]]:
    """(value as text, its rows) for each distinct value, found by hashing."""
    codes, uniques = pd.factorize(values)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return [(str(u), order[bounds[i]:bounds[i + 1]]) for i, u in enumerate(uniques)]


def counted(conflicts: pd.DataFrame) -> pd.DataFrame:
    """The conflicts that count: those no rule exempts (all, for results stored without exemption)."""
    if "exemption" not in conflicts:
        return conflicts
    return conflicts[_texts(conflicts["exemption"]) == ""]


def exempt(conflicts: pd.DataFrame) -> pd.DataFrame:
    if "exemption" not in conflicts:
        return conflicts.iloc[:0]
    return conflicts[_texts(conflicts["exemption"]) != ""]


def of_period(conflicts: pd.DataFrame, period: str) -> pd.DataFrame:
    """The conflicts of one period (none but unknown for results stored without periods)."""
    if "period" not in conflicts:
        return conflicts if period == UNKNOWN else conflicts.iloc[:0]
    return conflicts[conflicts["period"].fillna(UNKNOWN).astype(str).to_numpy() == period]


def summary_counts(conflicts: pd.DataFrame) -> dict[str, int]:
    """The counts a check's summary keeps: encroachments and shortfalls that count, split new,
    existing and unknown (a date missing), and the exempt rows."""
    kept = counted(conflicts)
    out = {}
    for relation in ("encroach", "setback"):
        mine = kept[kept["relation"] == relation]
        out[relation] = len(mine)
        out[f"{relation}_new"] = len(of_period(mine, NEW))
        out[f"{relation}_existing"] = len(of_period(mine, EXISTING))
        out[f"{relation}_unknown"] = len(mine) - out[f"{relation}_new"] - out[f"{relation}_existing"]
    out["exempt"] = len(conflicts) - len(kept)
    return out


# --- reading the fields -------------------------------------------------------------------

def _positions(frame: pd.DataFrame, uids: pd.Series) -> np.ndarray:
    """The row of `frame` of each of `uids` (the first, were a uid repeated), -1 where it has none.

    Hashed by Arrow, and the hash table holds the (few) uids looked up, not a million-feature
    layer's: each of the layer's uids is only probed, and none becomes a Python string."""
    values = _arrow_strings(frame["uid"])
    wanted = _arrow_strings(pd.Series(uids)).cast(values.type)
    distinct = pc.unique(wanted)
    owner = np.asarray(pc.index_in(values, value_set=distinct).fill_null(-1), dtype=np.int64)
    hit = np.flatnonzero(owner >= 0)[::-1]
    first = np.full(len(distinct), -1, dtype=np.int64)
    first[owner[hit]] = hit  # written last to first: the first row of a uid stays
    return first[np.asarray(pc.index_in(wanted, value_set=distinct), dtype=np.int64)]


def _arrow_strings(values: pd.Series) -> pa.Array:
    """A column as an Arrow string array (no copy when it is one already)."""
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: as text
        array = pa.array(values.astype(str), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = pc.cast(array, pa.string())
    return array


def _subject_days(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each subject's date in days since 1970 (NaN if none) and whether it is only a year."""
    day = np.full(len(frame), np.nan)
    year_only = np.zeros(len(frame), dtype=bool)
    if "built_year" in frame.columns:
        year = np.array(pd.to_numeric(frame["built_year"], errors="coerce"), dtype=float)
        year[(year < 1) | (year > 9999) | (year != np.floor(year))] = np.nan
        has = ~np.isnan(year)
        day[has] = _jan1(year[has])
        year_only[has] = True
    for name in ("started_on", "found_on"):
        if name in frame.columns:
            missing = np.isnan(day)
            day[missing] = _days(frame[name])[missing]
    return day, year_only


def _days(values: pd.Series) -> np.ndarray:
    """Dates (ISO text, dates, datetimes) as days since 1970, NaN where missing or not a date."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values.astype(object).where(values.notna(), None), errors="coerce", format="ISO8601")
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    stamps = values.dt.normalize().to_numpy(dtype="datetime64[D]")
    days = stamps.astype("int64").astype(float)
    days[np.isnat(stamps)] = np.nan
    return days


def _jan1(years: np.ndarray) -> np.ndarray:
    """1 January of each year, in days since 1970."""
    return (years.astype("int64") - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype("int64").astype(float)


def _years(days: np.ndarray) -> np.ndarray:
    out = np.full(len(days), np.nan)
    has = ~np.isnan(days)
    out[has] = days[has].astype("int64").astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    return out


def _texts(values: pd.Series) -> np.ndarray:
    """Values as stripped text, "" where missing."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip().to_numpy(dtype=object)


def _names(frame: pd.DataFrame) -> np.ndarray:
    """Each feature's name: the first of NAME_FIELDS it has, "" where none."""
    shown = np.full(len(frame), "", dtype=object)
    for name in NAME_FIELDS:
        if name in frame.columns:
            text = _texts(frame[name])
            shown = np.where(shown == "", text, shown)
    return shown
