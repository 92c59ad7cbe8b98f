"""The conflict list as a planner filters and walks it, and what the map draws of one conflict. No Qt.

The list: the last check's conflicts (conflict_list.load_conflicts) with each subject's
district, street and address read from its layer (`load_conflict_list`), narrowed by a
`ListFilter` — subject layer, district, street, line kind, relation, decision, period,
exemption and a text search over name, address and ids. `ConflictSearch` holds what the
filters compare against, built once per frame, so that each keystroke is a few vectorised
comparisons over the whole frame (100 k rows: milliseconds), never a Python loop per row.

The map: `conflict_geometry` makes the geometry of one conflict — the overlap B∩Z, and for a
setback shortfall the line at the required distance from the zone near the building and the
shortest segment between building and zone — for the renderer (render.conflict_marks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely

from gisdesk.analysis.conflict_list import load_conflicts
from gisdesk.jobs import Feedback

PLACE_COLUMNS = ("district", "street", "community", "address")  # from each subject's layer, '' where it has none
PERIODS = ("new", "existing", "unknown")
# exemption filter: exempt rows hidden (the default), shown with the others, or only they
HIDE_EXEMPT, WITH_EXEMPT, ONLY_EXEMPT = "hide", "all", "only"
PENDING = "pending"  # the decision filter's value for undecided conflicts
SEARCHED = ("subject_name", "address", "subject_id", "control_id")  # what the text search looks in


# --- the list --------------------------------------------------------------------------

def subject_places(project, frame: pd.DataFrame) -> pd.DataFrame:
    """district, street, community, address of each conflict's subject (frame's rows and index), '' where unknown."""
    out = pd.DataFrame({c: np.full(len(frame), "", dtype=object) for c in PLACE_COLUMNS}, index=frame.index)
    if not len(frame) or "subject_table" not in frame:
        return out
    for table in frame["subject_table"].dropna().unique():
        try:
            layer = _attributes(project, str(table))
        except Exception:  # noqa: BLE001 — a layer gone since the check: its rows keep '' (the list still shows)
            continue
        present = [c for c in PLACE_COLUMNS if c in layer.columns]
        if not present:
            continue
        values = pd.DataFrame(layer[present]).set_index(layer["uid"].astype(str))
        values = values[~values.index.duplicated()]
        mine = (frame["subject_table"] == table).to_numpy()
        found = values.reindex(frame.loc[mine, "subject_id"].astype(str))
        for column in present:
            out.loc[mine, column] = _text(found[column]).to_numpy()
    return out


def _attributes(project, layer_id: str) -> pd.DataFrame:
    """uid and the PLACE_COLUMNS the layer has, without its geometry (a fifth of the time on 100 k
    buildings); a store other than a GeoPackage file reads them with its read_layer."""
    path = getattr(project, "path", None)
    if path is None or not Path(path).is_file():
        return project.read_layer(layer_id, columns=list(PLACE_COLUMNS))
    present = {c.lower(): c for c in pyogrio.read_info(path, layer=layer_id)["fields"]}
    columns = ["uid", *[present[c] for c in PLACE_COLUMNS if c in present]]
    frame = pyogrio.read_dataframe(path, layer=layer_id, columns=columns, read_geometry=False, use_arrow=True)
    return frame.rename(columns={present[c]: c for c in PLACE_COLUMNS if c in present})


def load_conflict_list(project, *, feedback: Feedback | None = None) -> pd.DataFrame | None:
    """load_conflicts (decisions, subject_name, by severity) with the subjects' district, street,
    community and address; None before any check. Runs in a child process (reads only the project)."""
    frame = load_conflicts(project, feedback=feedback)
    if frame is None:
        return None
    places = subject_places(project, frame)
    for column in PLACE_COLUMNS:
        if column not in frame.columns:
            frame[column] = places[column].to_numpy()
        else:  # the frame's own (e.g. a later version of load_conflicts) wins where it has one
            own = _text(frame[column])
            frame[column] = np.where(own != "", own, places[column].to_numpy())
    return frame


@dataclass(frozen=True)
class ListFilter:
    """Which conflicts the list shows; '' means any. All conditions hold together."""
    subject_table: str = ""
    district: str = ""
    street: str = ""
    control_kind: str = ""
    relation: str = ""
    decision: str = ""  # 'confirmed', 'dismissed' or PENDING (undecided)
    period: str = ""  # one of PERIODS
    exemption: str = HIDE_EXEMPT  # HIDE_EXEMPT, WITH_EXEMPT or ONLY_EXEMPT
    text: str = ""  # words, all of which must occur (any case) in the name, address, subject or control uid


class ConflictSearch:
    """What a ListFilter compares against, taken once from a frame of conflicts."""

    def __init__(self, frame: pd.DataFrame):
        self.n = len(frame)
        # (the frame's text is clean already — the engine's codes, subject_places' text — but for gaps)
        self.columns = {column: _strings(frame[column]).to_numpy() for column in
                        ("subject_table", "district", "street", "control_kind", "relation", "decision", "period",
                         "exemption") if column in frame.columns}
        parts = [_strings(frame[c]) for c in SEARCHED if c in frame.columns]
        hay = parts[0].str.cat(parts[1:], sep="\x1f") if parts else pd.Series("", index=frame.index)
        self.haystack = hay.str.casefold()

    def update(self, column: str, values) -> None:
        """New values of one filtered column (e.g. decisions just stored), in the frame's order."""
        self.columns[column] = _strings(values).to_numpy()

    @property
    def has_period(self) -> bool:
        return "period" in self.columns

    @property
    def has_exemption(self) -> bool:
        return "exemption" in self.columns

    def mask(self, wanted: ListFilter) -> np.ndarray:
        """Which rows `wanted` keeps (bool per row, in the frame's order)."""
        mask = np.ones(self.n, dtype=bool)
        for column in ("subject_table", "district", "street", "control_kind", "relation", "period"):
            value = getattr(wanted, column)
            if value and column in self.columns:
                mask &= self.columns[column] == value
        if wanted.decision and "decision" in self.columns:
            mask &= self.columns["decision"] == ("" if wanted.decision == PENDING else wanted.decision)
        if "exemption" in self.columns and wanted.exemption != WITH_EXEMPT:
            exempt = self.columns["exemption"] != ""
            mask &= exempt if wanted.exemption == ONLY_EXEMPT else ~exempt
        for word in wanted.text.casefold().split():
            if not mask.any():
                break
            mask &= self.haystack.str.contains(word, regex=False).to_numpy()
        return mask

    def values(self, column: str, among: np.ndarray | None = None) -> list[str]:
        """The distinct non-empty values of `column` (of the rows `among`, a bool mask), sorted."""
        if column not in self.columns:
            return []
        values = self.columns[column] if among is None else self.columns[column][among]
        return sorted(v for v in pd.unique(values) if v)


ENCROACH_ONLY, SETBACK_ONLY = ("overlap_m2", "depth_m"), ("distance_m", "required_m", "shortfall_m")
_RANKED = {"period": PERIODS, "relation": ("encroach", "setback"),
           "control_kind": ("red", "green", "blue", "purple", "yellow")}


def sorted_order(frame: pd.DataFrame, column: str, descending: bool = False) -> np.ndarray:
    """The row positions of `frame` sorted by one of the list's columns, stable (ties keep the
    severity order they came in); missing values last either way. Columns: a numeric one
    (values only where its relation has them: a setback has no depth), period / relation /
    control_kind in their own order (新增 before 既有 ...), 'subject' (the name, else the
    address), 'place' (district and street) or any text column."""
    if column in ENCROACH_ONLY + SETBACK_ONLY and column in frame:
        key = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        applies = (frame["relation"] == ("encroach" if column in ENCROACH_ONLY else "setback")).to_numpy()
        key = np.where(applies, key, np.nan)
    elif column in _RANKED and column in frame:
        rank = {value: i for i, value in enumerate(_RANKED[column])}
        key = _strings(frame[column]).map(rank).to_numpy(dtype=float)
    else:
        if column == "subject":
            name = _strings(frame["subject_name"]) if "subject_name" in frame else pd.Series("", index=frame.index)
            uid = _strings(frame["subject_id"]) if "subject_id" in frame else name
            address = _strings(frame["address"]) if "address" in frame else name
            text = name.where((name != "") & (name != uid), address)
        elif column == "place":
            text = (_strings(frame.get("district", pd.Series("", index=frame.index))) + " "
                    + _strings(frame.get("street", pd.Series("", index=frame.index)))).str.strip()
        elif column in frame:
            text = _strings(frame[column])
        else:
            return np.arange(len(frame))
        key = text.where(text != "", None).to_numpy(dtype=object)
    order = pd.Series(key).sort_values(ascending=not descending, kind="mergesort", na_position="last")
    return order.index.to_numpy()  # (the key's own 0..n-1 index: positions)


def stepped(current: int | None, count: int, step: int) -> int | None:
    """The row `step` rows from `current` in a list of `count` rows, kept within it; with nothing
    current, the first row going forward and the last going back; None for an empty list."""
    if count <= 0:
        return None
    if current is None or not 0 <= current < count:
        return 0 if step >= 0 else count - 1
    return min(max(current + step, 0), count - 1)


def _strings(values) -> pd.Series:
    """Values as strings, '' for missing ones: the fast half of _text, for text already stripped."""
    return pd.Series(values).fillna("").astype(str)


def _text(values) -> pd.Series:
    """Values as stripped strings, '' for missing ones (None, NaN, 'nan')."""
    series = pd.Series(values)
    text = series.astype(object).where(series.notna(), "").astype(str).str.strip()
    return text.mask(text.isin(("nan", "None", "<NA>")), "")


# --- the map ---------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ConflictGeometry:
    """What the map draws of one conflict, in the project CRS: the UI hands it to the renderer as
    render.conflict_marks.ConflictMarks (render reads no analysis)."""
    overlap: object = None  # B∩Z, polygonal, or None when they do not overlap
    setback_line: object = None  # the line `required_m` from the zone, near the building (setbacks)
    shortest: object = None  # LineString from the building to the zone (setbacks; None when they touch)
    distance_m: float | None = None
    required_m: float | None = None
    label: str = ""  # e.g. "距离 6.3 m / 要求 10 m", drawn by the shortest segment (or on the overlap)
    anchor: tuple[float, float] | None = None  # where the label goes


def conflict_geometry(subject, zone, relation: str, required_m: float | None = None, *, label: str = "",
                      near_m: float | None = None) -> ConflictGeometry:
    """The marks of a conflict between subject polygon B and control zone Z.

    overlap: B∩Z (its polygons). For a `setback` with r = `required_m` > 0: the boundary of
    Z grown by r, kept within `near_m` (default max(r, 5 m)) of the building's box — the line
    the building must stay behind — and shapely.shortest_line(B, Z), whose length is the
    distance the check measured. The label goes at the middle of that segment, else on the
    overlap."""
    if subject is None or zone is None or shapely.is_empty(subject) or shapely.is_empty(zone):
        return ConflictGeometry(label=label)
    overlap = _polygonal(shapely.intersection(subject, zone)) if shapely.intersects(subject, zone) else None
    setback_line = shortest = None
    distance = required = None
    anchor = None
    r = float(required_m) if required_m is not None and np.isfinite(required_m) else 0.0
    if relation == "setback" and r > 0:
        required = r
        distance = float(shapely.distance(subject, zone))
        pad = max(r, 5.0) if near_m is None else float(near_m)
        xmin, ymin, xmax, ymax = shapely.bounds(subject)
        near = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
        # Z clipped to the near box grown by more than r: inside the near box its r-line is the whole zone's
        margin = r + 1.0
        local = shapely.clip_by_rect(zone, near[0] - margin, near[1] - margin, near[2] + margin, near[3] + margin)
        if not shapely.is_empty(local):
            grown = shapely.buffer(local, r, quad_segs=16)
            line = shapely.line_merge(shapely.clip_by_rect(shapely.boundary(grown), *near))
            setback_line = None if shapely.is_empty(line) else line
        if distance > 0:
            shortest = _middle_shortest_line(subject, local if not shapely.is_empty(local) else zone, distance)
            (x0, y0), (x1, y1) = shapely.get_coordinates(shortest)[[0, -1]]
            anchor = ((x0 + x1) / 2, (y0 + y1) / 2)
    if anchor is None:
        spot = overlap if overlap is not None else subject
        point = shapely.point_on_surface(spot)
        anchor = (float(shapely.get_x(point)), float(shapely.get_y(point)))
    return ConflictGeometry(overlap, setback_line, shortest, distance, required, label, anchor)


def _middle_shortest_line(subject, zone, distance: float):
    """A shortest segment from the building to the zone, from the middle of the building's nearest
    stretch: where an edge runs parallel to the zone every point of it is nearest, and
    shapely.shortest_line would take its corner. Its length exceeds `distance` by 1e-6 at most."""
    tolerance = 1e-6 * max(1.0, distance)
    nearest = shapely.intersection(shapely.boundary(subject), shapely.buffer(zone, distance + tolerance, quad_segs=16))
    pieces = [g for g in shapely.get_parts(nearest) if shapely.get_type_id(g) in (1, 2)]
    if pieces:
        longest = max(pieces, key=shapely.length)
        if shapely.length(longest) > 10 * tolerance:
            middle = shapely.line_interpolate_point(longest, 0.5, normalized=True)
            line = shapely.shortest_line(middle, zone)
            if shapely.length(line) <= distance + tolerance:
                return line
    return shapely.shortest_line(subject, zone)


def _polygonal(geom):
    """The polygons of `geom` (an intersection may add lines and points), None if it has no area."""
    if geom is None or shapely.is_empty(geom):
        return None
    if shapely.get_type_id(geom) == 7:  # a collection
        parts = [g for g in shapely.get_parts(geom) if shapely.get_type_id(g) in (3, 6)]
        geom = shapely.union_all(parts) if parts else None
    if geom is None or shapely.get_type_id(geom) not in (3, 6) or shapely.area(geom) <= 0:
        return None
    return geom
