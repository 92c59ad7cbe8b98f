"""Ledger cases to and from a city platform (数字城管, GB/T 30428) as a CSV or JSON exchange file. No Qt.

A platform knows a case by its number and its stage (发现 → 立案 → 派遣 → 处置 → 核查 → 结案); the
ledger knows finer statuses (docs/domain.md §2.3, `gisdesk.layers.ledger.STAGE_OF`). Export writes
each case with both. Import moves a case on only along the workflow, one legal step, each step a
history event (who: the platform), and never guesses: a stage that could mean several statuses, a
status more than one step ahead, or a stage behind the ledger's is left as it is and reported,
for a person to decide. New cases are added as points at the platform's coordinates. The whole
import is one transaction; a bad file changes nothing.

The exchange columns (`COLUMNS`, Chinese headers; JSON: the same keys in {"cases": [...]}):
案件编号 来源 问题类型 区 街道 社区 网格 位置描述 经度 纬度 上报时间 案件阶段 处置状态 处置期限 是否超期
结案时间 责任单位 违建面积 当事人 证件号 电话 备注. Longitude and latitude are CGCS2000 (EPSG:4490) degrees,
which GPS and the platforms' WGS84 agree with to well under a metre.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from gisdesk.errors import InputError
from gisdesk.i18n import tr
from gisdesk.io.tables_in import csv_rows
from gisdesk.layers.kinds import LEDGER_SCHEMA, LEDGER_STATUSES, VIOLATION_NAMES
from gisdesk.layers.ledger import CITY_STAGES, STAGE_OF, TRANSITIONS, overdue, stage_of, status_for_stage
from gisdesk.layers.personal import mask_frame, masked_note
from gisdesk.store import FeatureEdit, current_user, local_now

LONLAT = CRS.from_epsg(4490)
PLATFORM = "数字城管"  # who moved a case, in its history, when an import did
PROBLEM_TYPE = "违法建设"
SOURCES = LEDGER_SCHEMA["source"].values

# exchange column → ledger field (None: made by the exchange itself)
COLUMNS: dict[str, str | None] = {
    "案件编号": "case_no", "来源": "source", "问题类型": None, "区": "district", "街道": "street",
    "社区": "community", "网格": "grid", "位置描述": "address", "经度": None, "纬度": None,
    "上报时间": "found_on", "案件阶段": None, "处置状态": "status", "处置期限": "deadline", "是否超期": None,
    "结案时间": "closed_on", "责任单位": "unit", "违建面积": "illegal_area_m2", "当事人": "party",
    "证件号": "id_no", "电话": "phone", "备注": "notes",
}
# what an import takes from the platform for a case the ledger has: the platform decides these
TAKEN_OVER = ("deadline", "unit", "closed_on")
# English names a platform (or a person) may use for the same columns
_ALIASES = {"case_no": "案件编号", "stage": "案件阶段", "status": "处置状态", "lon": "经度", "lng": "经度",
            "longitude": "经度", "lat": "纬度", "latitude": "纬度", "reported_at": "上报时间", "found_on": "上报时间",
            "deadline": "处置期限", "unit": "责任单位", "closed_on": "结案时间", "address": "位置描述",
            "district": "区", "street": "街道", "community": "社区", "grid": "网格", "source": "来源", "notes": "备注",
            "illegal_area_m2": "违建面积", "party": "当事人", "id_no": "证件号", "phone": "电话"}


@dataclass
class ImportResult:
    """What an import did: cases added, status moves and value changes made, rows left alone (with why)."""
    added: list[str] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)  # (case, from, to)
    changed: list[tuple[str, str, object, object]] = field(default_factory=list)  # (case, field, old, new)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (case or row, reason)

    def summary(self) -> str:
        return tr("新增案件 {a} 件，状态推进 {m} 次，字段更新 {c} 处，未处理 {s} 条",
                  "{a} cases added, {m} status moves, {c} values updated, {s} rows left alone",
                  a=len(self.added), m=len(self.moved), c=len(self.changed), s=len(self.skipped))


# --- export ------------------------------------------------------------------------------

def export_cases(project, out, *, layer_id: str | None = None, with_personal_data: bool = False,
                 today: dt.date | None = None) -> tuple[int, str]:
    """Write the ledger's cases as an exchange file (.csv or .json by the suffix); (cases, note on masking).

    Personal data is masked unless `with_personal_data`; the file is written beside and renamed."""
    out = Path(out)
    fmt = out.suffix.lower()
    if fmt not in (".csv", ".json"):
        raise InputError("{path}：交换文件应为 .csv 或 .json", "{path}: an exchange file is .csv or .json", path=out.name)
    layer_id = layer_id or project.import_target("ledger", None)[0]
    frame = project.read_layer(layer_id)
    masked: list[str] = []
    if not with_personal_data:
        frame, masked = mask_frame(frame, "ledger")
    table = _exchange_table(frame, today or dt.date.today())
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        if fmt == ".csv":
            # UTF-8 with a BOM: Excel on Chinese Windows opens it as Unicode, not GBK
            table.to_csv(temp, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL)
        else:
            records = [{k: _json(v) for k, v in row.items()} for row in table.to_dict(orient="records")]
            temp.write_text(json.dumps({"format": "gisdesk-city-cases", "version": 1, "crs": "EPSG:4490",
                                        "cases": records}, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    return len(table), masked_note(masked, "ledger") if masked else ""


def _exchange_table(frame: gpd.GeoDataFrame, today: dt.date) -> pd.DataFrame:
    points = frame.geometry.representative_point()
    lonlat = points.to_crs(LONLAT) if frame.crs is not None else points
    table = pd.DataFrame(index=frame.index)
    for column, source in COLUMNS.items():
        table[column] = frame[source].astype(object).where(frame[source].notna(), "") if source in frame.columns else ""
    table["问题类型"] = [_problem_type(v) for v in frame.get("violation", pd.Series("", index=frame.index))]
    table["经度"] = np.round(lonlat.x.to_numpy(), 7)
    table["纬度"] = np.round(lonlat.y.to_numpy(), 7)
    statuses = frame.get("status", pd.Series("", index=frame.index))
    table["案件阶段"] = [stage_of(s) or "" for s in statuses]
    deadlines = frame.get("deadline", pd.Series(None, index=frame.index))
    table["是否超期"] = ["是" if overdue(s, d, today) else "否" for s, d in zip(statuses, deadlines)]
    return table.reset_index(drop=True)


def _problem_type(codes) -> str:
    """违法建设 and the kinds of violation by name: 违法建设/未批先建、超高."""
    names = [VIOLATION_NAMES[c][0] for c in str(codes or "").replace(",", ";").split(";") if c.strip() in VIOLATION_NAMES]
    return PROBLEM_TYPE + ("/" + "、".join(names) if names else "")


def _json(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    return value


# --- import ------------------------------------------------------------------------------

def read_exchange(path) -> list[dict]:
    """The rows of an exchange file ({column: text}, columns by their Chinese names), checked for
    the columns an import needs; InputError naming the file and what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise InputError("找不到交换文件 {path}", "no exchange file {path}", path=str(path))
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError("{path} 不是有效的 JSON：{why}", "{path} is not valid JSON: {why}", path=path.name,
                             why=str(exc)) from None
        cases = data.get("cases") if isinstance(data, dict) else data
        if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
            raise InputError("{path} 中没有案件列表（应为 {{\"cases\": [...]}} 或案件的数组）",
                             "{path} holds no list of cases ({{\"cases\": [...]}} or an array of cases)", path=path.name)
        rows = [{_column(k): "" if v is None else str(v).strip() for k, v in case.items()} for case in cases]
        numbers = list(range(1, len(rows) + 1))
    else:
        header, records, numbers = csv_rows(path)
        names = [_column(h) for h in header]
        rows = [dict(zip(names, record)) for record in records]
    if rows and "案件编号" not in rows[0]:
        raise InputError("{path} 缺少“案件编号”列", "{path} has no column 案件编号 (case number)", path=path.name)
    for row, number in zip(rows, numbers):
        row["_line"] = number
    return rows


def _column(name: str) -> str:
    name = str(name).strip()
    return _ALIASES.get(name.lower(), name)


def import_cases(project, path, *, layer_id: str | None = None, who: str | None = None,
                 dry_run: bool = False) -> ImportResult:
    """Apply a platform's exchange file to the ledger (see the module's docstring); one transaction.

    The edit log names `who` (default: the login name) as the one who imported; the case history
    names the platform as the one who moved each case."""
    rows = read_exchange(path)
    name = Path(path).name
    layer_id = layer_id or project.import_target("ledger", None)[0]
    frame = project.read_layer(layer_id)
    cases = {str(r["uid"]): r for _, r in frame.iterrows()}
    versions = dict(zip(*project.versions(layer_id, list(cases)).pipe(lambda v: (v["uid"], v["version"]))))
    to_project = Transformer.from_crs(LONLAT, project.crs, always_xy=True)
    result, edits, history = ImportResult(), [], []
    at = local_now()
    seen: set[str] = set()
    for row in rows:
        case_no = row.get("案件编号", "")
        where = case_no or tr("{file} 第 {line} 行", "{file} line {line}", file=name, line=row["_line"])
        if not case_no:
            result.skipped.append((where, tr("没有案件编号", "no case number")))
            continue
        if case_no in seen:
            result.skipped.append((where, tr("同一文件中重复出现", "appears twice in the file")))
            continue
        seen.add(case_no)
        stage, status = row.get("案件阶段", ""), row.get("处置状态", "")
        if stage and stage not in CITY_STAGES:
            result.skipped.append((where, tr("未知的案件阶段“{v}”（应为 {all}）", "unknown stage '{v}' (one of {all})",
                                             v=stage, all="、".join(CITY_STAGES))))
            continue
        if status and status not in STAGE_OF:
            result.skipped.append((where, tr("未知的处置状态“{v}”", "unknown status '{v}'", v=status)))
            continue
        if case_no in cases:
            _update(cases[case_no], row, stage, status, versions.get(case_no), result, edits, history, at)
        else:
            _add(row, case_no, stage, status, to_project, result, edits, history, at)
    if edits and not dry_run:
        project.commit_edits(layer_id, edits, who=who or current_user(), history=history)
    return result


def _update(case, row, stage, status, version, result, edits, history, at) -> None:
    case_no, old = str(case["uid"]), case.get("status")
    new = None
    if status and status != old:
        if status in TRANSITIONS.get(old, ()):
            new = status
        else:
            result.skipped.append((case_no, tr("处置状态不能从“{old}”直接改为“{new}”（需逐步办理）",
                                               "the status cannot go from '{old}' to '{new}' in one step", old=old, new=status)))
            return
    elif stage and not status and stage != stage_of(old):
        new = status_for_stage(old, stage)
        if new is None:
            behind = CITY_STAGES.index(stage) < CITY_STAGES.index(stage_of(old) or CITY_STAGES[0])
            why = (tr("平台阶段“{stage}”落后于台账状态“{old}”", "the platform's stage '{stage}' is behind the ledger's "
                      "status '{old}'", stage=stage, old=old) if behind else
                   tr("从“{old}”到阶段“{stage}”不止一种办理结果，需人工确定", "from '{old}' the stage '{stage}' could "
                      "mean more than one status: a person decides", old=old, stage=stage))
            result.skipped.append((case_no, why))
            return
    values = {}
    for column in TAKEN_OVER:
        exchange = next(k for k, v in COLUMNS.items() if v == column)
        given = row.get(exchange, "")
        current = case.get(column)
        current = "" if current is None or (isinstance(current, float) and np.isnan(current)) else str(current)
        if given and given != current:
            values[column] = given
            result.changed.append((case_no, column, current or None, given))
    if new is not None:
        values["status"] = new
        result.moved.append((case_no, old, new))
        history.append((case_no, at, PLATFORM, old, new, tr("数字城管交换导入", "from the city platform's exchange")))
    if values:
        edits.append(FeatureEdit("attributes", case_no, version, values))


def _add(row, case_no, stage, status, to_project, result, edits, history, at) -> None:
    status = status or {"发现": "待核查", "立案": "已立案"}.get(stage, "")
    if not status:
        result.skipped.append((case_no, tr("新案件只能在“发现”或“立案”阶段导入，或给出处置状态",
                                           "a new case comes in at stage 发现 or 立案, or with its status")))
        return
    try:
        lon, lat = float(row.get("经度", "")), float(row.get("纬度", ""))
    except ValueError:
        lon = lat = float("nan")
    if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        result.skipped.append((case_no, tr("新案件缺少有效的经纬度", "a new case needs a valid longitude and latitude")))
        return
    if not row.get("上报时间"):
        result.skipped.append((case_no, tr("新案件缺少上报时间", "a new case needs its report time (上报时间)")))
        return
    x, y = to_project.transform(lon, lat)
    values = {"case_no": case_no, "status": status}
    for exchange, column in COLUMNS.items():
        if column and column not in values and row.get(exchange):
            values[column] = row[exchange]
    if values.get("source") not in SOURCES:  # the platform's own channel (e.g. 监督员上报) is not one of ours
        values["source"] = PLATFORM
    if "illegal_area_m2" in values:
        try:
            values["illegal_area_m2"] = float(values["illegal_area_m2"])
        except ValueError:
            del values["illegal_area_m2"]
    if status not in LEDGER_STATUSES:
        result.skipped.append((case_no, tr("未知的处置状态“{v}”", "unknown status '{v}'", v=status)))
        return
    edits.append(FeatureEdit("add", case_no, None, values, shapely.Point(x, y)))
    history.append((case_no, at, PLATFORM, None, status, tr("数字城管交换导入", "from the city platform's exchange")))
    result.added.append(case_no)
