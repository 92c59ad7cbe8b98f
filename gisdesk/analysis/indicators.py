"""The indicators of docs/domain.md §6 that the project's layers support.

Local definitions differ, so every indicator carries its definition, numerator,
denominator, unit and date window, and is exported with them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import hashlib
import struct

import numpy as np
import pandas as pd
import shapely

from gisdesk import gpkg
from gisdesk.analysis import periods
from gisdesk.analysis.dissolve import dissolved_area, dissolved_areas, dissolved_length
from gisdesk.layers.kinds import KINDS
from gisdesk.layers.ledger import DECIDED
from gisdesk.rules import project_rules

INDICATOR_COLUMNS = ["code", "name_zh", "name_en", "value", "unit", "numerator", "denominator",
                     "definition", "target", "window"]


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    value: float
    unit: str
    numerator: float
    denominator: float
    definition: str
    target: float | None = None
    window: str = ""


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def compute_indicators(layers: dict[str, pd.DataFrame], conflicts: pd.DataFrame | None,
                       targets: dict[str, float], *, buildings: tuple[int, tuple] | None = None) -> list[Indicator]:
    """`layers` maps kinds to frames (any may be missing); `conflicts` the last check's results.

    `buildings` (count, (xmin, ymin, xmax, ymax)) stands for the buildings frame, which is then not
    needed: the indicators take only its number of features and its extent."""
    if buildings is None and "buildings" in layers:
        buildings = (len(layers["buildings"]), tuple(layers["buildings"].total_bounds))
    out: list[Indicator] = []
    if "ledger" in layers:
        out += _ledger(layers["ledger"], targets)
    if "old_estates" in layers:
        out += _renovation(layers["old_estates"], targets)
    if "parking" in layers:
        out += _parking(layers["parking"])
    if conflicts is not None and buildings is not None:
        out += _occupation(buildings[0], conflicts)
    if buildings is not None:
        out += _land_ratios(layers, buildings[1], targets)
    return out


def indicators_frame(indicators: list[Indicator]) -> pd.DataFrame:
    return pd.DataFrame([asdict(i) for i in indicators], columns=INDICATOR_COLUMNS)


def project_indicators(project, conflicts: pd.DataFrame | None,
                       frames: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The indicators frame of a project: `gisdesk indicators` and the app's Totals dock.

    `conflicts` as totals.stored_conflicts gives them, or None before any check; `frames` the
    project's layers by id when the caller has read them already; the targets are those of
    the rules the project is checked by."""
    infos = project.layers()
    buildings = None
    if frames is None:  # only the fields each indicator needs; of the buildings only their number and extent
        frames = {info.id: project.read_layer(info.id, INDICATOR_FIELDS[info.kind])
                  for info in infos if info.kind in INDICATOR_FIELDS}
        buildings = buildings_count_and_extent(project, [info for info in infos if info.kind == "buildings"])
    layers = layers_by_kind(frames, {info.id: info.kind for info in infos})
    return indicators_frame(compute_indicators(layers, conflicts, project_rules(project).targets, buildings=buildings))


# the fields each layer kind's indicators read (the zones' fields for red and green)
INDICATOR_FIELDS = {"ledger": ["status", "stock", "found_on", "illegal_area_m2", "demolished_m2"],
                    "old_estates": ["status", "households"], "parking": ["category", "spaces"],
                    "red": ["half_width_m", "side"], "green": ["half_width_m", "side"]}


def buildings_count_and_extent(project, infos) -> tuple[int, tuple] | None:
    """The number of features of the buildings layers and their extent (xmin, ymin, xmax, ymax), as
    len() and total_bounds of the layers read whole would give them; None without a buildings layer.

    The extent comes from each layer's R-tree: its root node bounds the layer in 32-bit floats,
    rounded outwards, so only the few features whose boxes lie within a rounding step of an edge
    are read to find the exact one. A layer without an R-tree is read."""
    if not infos:
        return None
    count, bounds = 0, []
    for info in infos:
        found = _count_and_extent(project, info.id)
        if found is None:
            frame = project.read_layer(info.id, [])
            found = (len(frame), tuple(frame.total_bounds))
        count += found[0]
        bounds.append(found[1])
    bounds = np.array(bounds, dtype=float)
    if np.isnan(bounds).all():
        return count, (np.nan,) * 4
    return count, (float(np.nanmin(bounds[:, 0])), float(np.nanmin(bounds[:, 1])),
                   float(np.nanmax(bounds[:, 2])), float(np.nanmax(bounds[:, 3])))


def _count_and_extent(project, table: str) -> tuple[int, tuple] | None:
    with gpkg.connect(project.path, readonly=True) as db:
        geom = gpkg.geometry_column(db, table)
        rtree = f"rtree_{table}_{geom}"
        if geom is None or not gpkg.has_table(db, f"{rtree}_node"):
            return None
        count = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        root = db.execute(f'SELECT data FROM "{rtree}_node" WHERE nodeno = 1').fetchone()
        if root is None or len(root[0]) < 4:
            return None
        cells = struct.unpack(">H", root[0][2:4])[0]  # a node: depth, count, then (id, minx, maxx, miny, maxy)
        if cells == 0 or len(root[0]) < 4 + 24 * cells:
            return (count, (np.nan,) * 4) if count == 0 else None
        boxes = np.frombuffer(root[0][4:4 + 24 * cells], dtype=[("id", ">i8"), ("box", ">f4", 4)])["box"]
        low, high = boxes.min(axis=0).astype(np.float32), boxes.max(axis=0).astype(np.float32)
        step = 4 * np.spacing(np.maximum(np.abs(low), np.abs(high))).astype(float)
        ids = set()
        for column, value in (("minx", float(low[0]) + step[0]), ("miny", float(low[2]) + step[2])):
            ids |= {r[0] for r in db.execute(f'SELECT id FROM "{rtree}" WHERE {column} <= ?', (value,))}
        for column, value in (("maxx", float(high[1]) - step[1]), ("maxy", float(high[3]) - step[3])):
            ids |= {r[0] for r in db.execute(f'SELECT id FROM "{rtree}" WHERE {column} >= ?', (value,))}
        if not ids or len(ids) > 100_000:
            return None
        ids = sorted(ids)
        blobs = [r[0] for start in range(0, len(ids), 900) for r in db.execute(
            f'SELECT "{geom}" FROM "{table}" WHERE rowid IN ({",".join("?" * len(ids[start:start + 900]))})',
            ids[start:start + 900])]
    geoms = gpkg.geometries_from_blobs(blobs)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not len(geoms):
        return None
    b = shapely.bounds(geoms)
    return count, (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))


def layers_by_kind(frames: dict[str, pd.DataFrame], kinds: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Frames by layer id to frames by kind, the layers of a kind together: the indicators count by kind."""
    grouped: dict[str, list[pd.DataFrame]] = {}
    for layer_id, frame in frames.items():
        grouped.setdefault(kinds[layer_id], []).append(frame)
    return {kind: parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
            for kind, parts in grouped.items()}


def _window(dates: pd.Series) -> str:
    dates = pd.to_datetime(dates, errors="coerce").dropna()
    return f"{dates.min().date()}..{dates.max().date()}" if len(dates) else ""


def _ledger(ledger: pd.DataFrame, targets) -> list[Indicator]:
    found = ledger[ledger["status"] != "不予立案"]
    window = _window(ledger["found_on"])
    decided = found["status"].isin(DECIDED)
    area = pd.to_numeric(found["illegal_area_m2"], errors="coerce").fillna(0.0)
    result = []
    definition = ("已作出处理决定（限期整改/限期拆除及其后各状态）的案件 ÷ 窗口内发现的案件（不含不予立案）; "
                  "cases with a decision (order to correct or demolish, or later) ÷ cases found in the window "
                  "(excluding 不予立案)")
    for suffix, mask, zh, en in (("", slice(None), "", ""), ("_stock", found["stock"] == "存量", "（存量）", " (stock)"),
                                 ("_new", found["stock"] == "新增", "（新增）", " (new)")):
        n, d = int(decided[mask].sum()), int(len(found[mask]))
        result.append(Indicator(f"handling_rate{suffix}", f"违法建设查处率{zh}", f"handling rate{en}",
                                _ratio(n, d), "ratio", n, d, definition + " [count]",
                                targets.get("handling_rate"), window))
    n, d = float(area[decided].sum()), float(area.sum())
    result.append(Indicator("handling_rate_area", "违法建设查处率（按面积）", "handling rate by area", _ratio(n, d),
                            "ratio", n, d, definition + " [illegal_area_m2, m²]", targets.get("handling_rate"), window))
    stock = found[found["stock"] == "存量"]
    n = float(pd.to_numeric(stock["demolished_m2"], errors="coerce").fillna(0).sum())
    d = float(pd.to_numeric(stock["illegal_area_m2"], errors="coerce").fillna(0).sum())
    result.append(Indicator("demolition_rate", "拆除率", "demolition rate", _ratio(n, d), "ratio", n, d,
                            "存量案件已拆除面积 ÷ 存量违建面积; demolished m² of stock cases ÷ their illegal m²",
                            targets.get("demolition_rate"), window))
    return result


def _renovation(estates: pd.DataFrame, targets) -> list[Indicator]:
    planned = estates["status"].isin(("计划", "已开工", "已完工", "已验收"))
    finished = estates["status"].isin(("已完工", "已验收"))
    households = pd.to_numeric(estates["households"], errors="coerce").fillna(0)
    definition = "已完工或已验收的小区 ÷ 列入计划的小区（计划/已开工/已完工/已验收）; finished or accepted ÷ planned"
    return [
        Indicator("renovation_rate", "老旧小区改造完成率", "renovation rate", _ratio(finished.sum(), planned.sum()),
                  "ratio", int(finished.sum()), int(planned.sum()), definition + " [estates]",
                  targets.get("renovation_rate")),
        Indicator("renovation_rate_households", "老旧小区改造完成率（按户）", "renovation rate by households",
                  _ratio(households[finished].sum(), households[planned].sum()), "ratio",
                  float(households[finished].sum()), float(households[planned].sum()), definition + " [households]",
                  targets.get("renovation_rate")),
    ]


def _parking(parking: pd.DataFrame) -> list[Indicator]:
    spaces = pd.to_numeric(parking["spaces"], errors="coerce").fillna(0)
    total = float(spaces.sum())
    categories = (("配建", "attached", "attached"), ("路外公共", "off_street", "off-street public"),
                  ("路内", "on_street", "on-street"))
    return [Indicator(f"parking_share_{code}", f"停车泊位结构：{zh}", f"parking structure: {en}",
                      _ratio(spaces[parking["category"] == zh].sum(), total), "ratio",
                      float(spaces[parking["category"] == zh].sum()), total, f"{zh}泊位 ÷ 全部泊位; {en} spaces ÷ all spaces")
            for zh, code, en in categories]


def _occupation(total: int, conflicts: pd.DataFrame) -> list[Indicator]:
    """Per kind: buildings encroaching and their area, all and split new / existing (the target
    is zero new encroachment), and buildings short of the setback. Exempt rows do not count."""
    rows = periods.counted(conflicts[(conflicts["subject_layer"] == "buildings")])
    result = []
    names = {"red": ("道路红线", "road red line"), "green": ("绿线", "green line"), "blue": ("蓝线", "blue line"),
             "purple": ("紫线", "purple line"), "yellow": ("黄线", "yellow line")}
    areas = _occupation_areas(rows, list(names))
    for kind, (zh, en) in names.items():
        encroach = rows[(rows["control_kind"] == kind) & (rows["relation"] == "encroach")]
        setback = rows[(rows["control_kind"] == kind) & (rows["relation"] == "setback")]
        n = int(encroach["subject_id"].nunique())
        area = areas[kind, None]
        result += [
            Indicator(f"occupation_count_{kind}", f"压{zh}建筑数", f"buildings encroaching the {en}", n, "buildings",
                      n, total, f"压占{zh}控制区的建筑栋数（分母为建筑总数）; buildings encroaching (of all buildings)",
                      0.0),
            Indicator(f"occupation_area_{kind}", f"压{zh}面积", f"area encroaching the {en}", area, "m²", area, 1.0,
                      f"压占{zh}控制区的建筑基底面积（合并去重，平面面积）; dissolved planar overlap area", 0.0),
            Indicator(f"setback_shortfall_count_{kind}", f"{zh}退线不足建筑数", f"buildings short of the {en} setback",
                      int(setback["subject_id"].nunique()), "buildings", int(setback["subject_id"].nunique()), total,
                      f"与{zh}距离小于退线要求的建筑栋数; buildings nearer than the required setback", 0.0),
        ]
        for period, (when_zh, when_en), target in ((periods.NEW, ("新增", "new"), 0.0),
                                                    (periods.EXISTING, ("既有", "existing"), None)):
            part = periods.of_period(encroach, period)
            n = int(part["subject_id"].nunique())
            area = areas[kind, period]
            after = "晚于" if period == periods.NEW else "早于"
            result += [
                Indicator(f"occupation_count_{kind}_{period}", f"{when_zh}压{zh}建筑数",
                          f"{when_en} buildings encroaching the {en}", n, "buildings", n, total,
                          f"建成{after}{zh}生效日期的压占建筑栋数（分母为建筑总数）; buildings encroaching, built "
                          f"{'after' if period == periods.NEW else 'before'} the line took effect", target),
                Indicator(f"occupation_area_{kind}_{period}", f"{when_zh}压{zh}面积", f"{when_en} area encroaching the {en}",
                          area, "m²", area, 1.0, f"其中建成{after}{zh}生效日期者的压占面积（合并去重）; of it, that of "
                          f"buildings built {'after' if period == periods.NEW else 'before'} the line took effect", target),
            ]
    return result


# The dissolved zone area by everything it is made of: a job process that works out the indicators
# again (after every check, the Totals dock) skips the zones and their union when no zone changed.
_ZONE_AREAS: dict[bytes, float] = {}


def _zone_key(frame: pd.DataFrame, kind: str, bounds: tuple) -> bytes | None:
    """A digest of all a kind's zones and their dissolved area depend on, as control_zones reads it:
    the features' geometries (WKB: every coordinate exactly), half widths (as numbers) and sides
    (left, right or neither), in order, the kind and the extent. None when a field cannot be read
    so (control_zones then says what is wrong)."""
    try:
        half = (frame["half_width_m"].to_numpy(dtype=float, na_value=np.nan) if "half_width_m" in frame
                else np.full(len(frame), np.nan))
        side = frame["side"].to_numpy(dtype=object, na_value=None) if "side" in frame else np.full(len(frame), None)
    except (TypeError, ValueError):
        return None
    digest = hashlib.blake2b(digest_size=32)
    digest.update(repr((kind, tuple(float(b) for b in bounds), len(frame))).encode())
    wkb = [b if b is not None else b"" for b in shapely.to_wkb(np.asarray(frame.geometry.values, dtype=object))]
    digest.update(np.fromiter(map(len, wkb), dtype=np.int64, count=len(wkb)).tobytes())  # where each ends
    digest.update(b"".join(wkb))
    digest.update(half.tobytes())
    digest.update(((side == "left").astype(np.int8) + 2 * (side == "right").astype(np.int8)).tobytes())
    return digest.digest()


def _occupation_areas(rows: pd.DataFrame, kinds: list[str]) -> dict[tuple[str, str | None], float]:
    """The dissolved overlap of each kind's encroachments, all (period None) and new and existing (as
    periods.of_period takes them), in one dissolve of sets sharing members: {(kind, period): m²}."""
    keys = [(kind, period) for kind in kinds for period in (None, periods.NEW, periods.EXISTING)]
    encroach = (rows["relation"] == "encroach").to_numpy()
    kind_of = rows["control_kind"].to_numpy(dtype=object)
    period_of = (rows["period"].fillna(periods.UNKNOWN).astype(str).to_numpy() if "period" in rows
                 else np.full(len(rows), periods.UNKNOWN, dtype=object))
    members = [np.flatnonzero(encroach & (kind_of == kind) & (True if period is None else period_of == period))
               for kind, period in keys]
    sets = np.repeat(np.arange(len(keys)), [len(m) for m in members])
    overlaps = np.asarray(rows["overlap"].to_numpy(), dtype=object)
    areas = dissolved_areas(overlaps, sets, len(keys), members=np.concatenate(members))
    return {key: float(area) for key, area in zip(keys, areas)}


def _land_ratios(layers: dict[str, pd.DataFrame], bounds: tuple, targets) -> list[Indicator]:
    """Ratios over the built-up area, taken as the extent (bounding box) of the buildings layer."""
    from gisdesk.layers.zones import control_zones  # the one definition of a zone, the engine's too

    if not np.isfinite(bounds).all():  # no building has a geometry: there is no built-up area to measure
        return []
    built = float(shapely.box(*bounds).area)
    extent_text = "建成区取建筑图层的外包矩形; built-up area = bounding box of the buildings layer"
    result = []
    for kind, code, zh, en, target in (("green", "green_land_ratio", "绿地率", "green-land ratio", "green_land_ratio"),
                                       ("red", "road_area_ratio", "道路面积率", "road-area ratio", "road_area_ratio")):
        if kind not in layers or not len(layers[kind]):
            continue
        key = _zone_key(layers[kind], kind, bounds)
        area = _ZONE_AREAS.get(key) if key is not None else None
        if area is None:
            zones, _ = control_zones(layers[kind], kind)
            area = dissolved_area(zones, bounds)  # of the zones ∩ the built-up area
            if key is not None:
                if len(_ZONE_AREAS) >= 8:
                    _ZONE_AREAS.clear()
                _ZONE_AREAS[key] = area
        result.append(Indicator(code, zh, en, _ratio(area, built), "ratio", area, built,
                                f"{KINDS[kind].name_zh}控制区（合并去重）∩ 建成区 ÷ 建成区面积，m²; dissolved {kind} zones ∩ built-up "
                                f"area ÷ built-up area; {extent_text}", targets.get(target)))
    if "red" in layers and len(layers["red"]):
        geoms = np.asarray(layers["red"].geometry.values, dtype=object)
        lines = geoms[np.isin(shapely.get_type_id(geoms), (1, 5))]
        km = dissolved_length(lines, bounds) / 1000
        result.append(Indicator("road_network_density", "道路网密度", "road-network density",
                                _ratio(km, built / 1e6), "km/km²", km, built / 1e6,
                                f"红线中心线长度（km）÷ 建成区面积（km²）; red-line centre-line km ÷ built-up km²; "
                                f"{extent_text}", targets.get("road_network_density")))
    return result
