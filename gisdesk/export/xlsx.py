"""The conflict list, the ledger and the totals as one .xlsx for a meeting (openpyxl). No Qt.

One sheet each — 冲突清单, 违法建设台账, 面积统计 — and 说明 (the project, the check run, when it
was exported and which fields were masked). Headers are Chinese with their units (the conflict
list dock's words, the schema's field names, the totals' columns as `gisdesk totals` prints
them); codes are shown by their names (道路红线, 压线, 新增, 已确认, 未批先建); numbers carry
number formats (m² with 2 decimals, metres 1–2 as the dock shows them, counts as integers),
dates are dates; the header row is frozen and filtered; column widths follow the text (a CJK
character counts two); printed, each sheet is A4 landscape, one page wide, with the header row
on every page.

Personal data is masked (gisdesk.layers.personal) unless `with_personal=True`. The CSVs stay the
machine contract; this file is for people. The workbook is written to a temporary file beside
`path` and renamed over it at the end: a cancel, an error or a full disk leaves the old file.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gisdesk import i18n
from gisdesk.analysis.conflict_view import load_conflict_list
from gisdesk.analysis.totals import ALL, TOTAL_HEADERS, project_totals, read_subjects, stored_conflicts
from gisdesk.crs import crs_label
from gisdesk.errors import InputError
from gisdesk.i18n import tr
from gisdesk.jobs import Feedback
from gisdesk.layers.kinds import KINDS
from gisdesk.layers.names import field_header, field_label, kind_name, value_name
from gisdesk.layers.personal import Masker, masked_labels
from gisdesk.layers.schema import CODES, DATE, ENUM, FLOAT, INT

SHEETS = {"conflicts": ("冲突清单", "Conflicts"), "ledger": ("违法建设台账", "Ledger"),
          "totals": ("面积统计", "Totals"), "about": ("说明", "About")}

# The conflict sheet: column → (zh, en) header; the dock's words (ui/conflicts_panel.py) with units
CONFLICT_HEADERS = {
    "subject_name": ("名称/地址", "Name / address"),
    "district": ("区", "District"), "street": ("街道", "Street"), "community": ("社区", "Community"),
    "address": ("地址", "Address"),
    "subject_table": ("图层", "Layer"), "subject_id": ("要素编号", "Feature uid"),
    "control_kind": ("控制线", "Control line"), "control_id": ("控制线要素编号", "Control feature uid"),
    "relation": ("冲突类型", "Relation"), "period": ("时期", "Period"),
    "overlap_m2": ("压线面积（m²）", "Overlap (m²)"), "depth_m": ("深度（m）", "Depth (m)"),
    "distance_m": ("距离（m）", "Distance (m)"), "required_m": ("要求（m）", "Required (m)"),
    "shortfall_m": ("不足（m）", "Shortfall (m)"),
    "exemption": ("豁免", "Exemption"), "decision": ("审核结论", "Decision"), "note": ("备注", "Note"),
    "who": ("审核人", "Reviewed by"), "at": ("审核时间", "Reviewed at"),
}
CONFLICT_NUMBERS = {"overlap_m2": "#,##0.00", "depth_m": "0.00", "distance_m": "0.00", "required_m": "0.0",
                    "shortfall_m": "0.00"}
ENCROACH_ONLY, SETBACK_ONLY = ("overlap_m2", "depth_m"), ("distance_m", "required_m", "shortfall_m")
RELATION_NAMES = {"encroach": ("压线", "Encroachment"), "setback": ("退线不足", "Setback shortfall")}
PERIOD_NAMES = {"new": ("新增", "New"), "existing": ("既有", "Existing"), "unknown": ("未知", "Unknown")}
DECISION_NAMES = {"confirmed": ("已确认", "Confirmed"), "dismissed": ("已排除", "Dismissed"), "": ("待审核", "Pending")}

COUNT_FORMAT, AREA_FORMAT, DATE_FORMAT, DATETIME_FORMAT = "#,##0", "#,##0.00", "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
MAX_WIDTH, MIN_WIDTH = 60, 6  # characters (a CJK one counts two)
PROGRESS_EVERY = 2000  # rows between progress reports (and cancel checks)


@dataclass
class XlsxReport:
    path: Path
    rows: dict[str, int] = field(default_factory=dict)  # sheet key → data rows
    masked: dict[str, list[str]] = field(default_factory=dict)  # sheet key → masked fields, by their names
    with_personal: bool = False

    @property
    def masked_fields(self) -> list[str]:
        out: list[str] = []
        for labels in self.masked.values():
            out += [label for label in labels if label not in out]
        return out


@dataclass
class _Sheet:
    key: str
    headers: list[str]
    rows: list[list]  # values: str, float, int, dt.date, None
    formats: dict[int, str] = field(default_factory=dict)  # column position → number format


# --- the frames ------------------------------------------------------------------------

def _texts(values) -> list[str]:
    series = pd.Series(values, dtype=object)
    text = series.where(series.notna(), "").astype(str).str.strip()
    return text.mask(text.isin(("nan", "None", "<NA>", "NaT")), "").tolist()


def _numbers(values) -> list:
    array = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    return [None if not np.isfinite(v) else float(v) for v in array]


def _names(codes, names: dict) -> list[str]:
    return [tr(*names[c]) if c in names else c for c in _texts(codes)]


def _layer_titles(project) -> dict[str, str]:
    """layer id → its title (a layer never renamed: its kind's name in the language)."""
    return {info.id: info.title if info.title != KINDS[info.kind].name_zh else kind_name(info.kind)
            for info in project.layers() if info.kind in KINDS}


def conflict_sheet(frame: pd.DataFrame | None, titles: dict[str, str]) -> _Sheet:
    """The conflict list as the dock shows it: most severe first (gisdesk.analysis.conflict_list), the
    exempt rows (a protected building in its purple line) after all others, their reason in 豁免."""
    columns = list(CONFLICT_HEADERS)
    sheet = _Sheet("conflicts", ["序号" if i18n.language() == "zh" else "No."] + [tr(*CONFLICT_HEADERS[c]) for c in columns],
                   [])
    for i, column in enumerate(columns, start=1):
        if column in CONFLICT_NUMBERS:
            sheet.formats[i] = CONFLICT_NUMBERS[column]
        elif column == "at":
            sheet.formats[i] = DATETIME_FORMAT
    if frame is None or not len(frame):
        return sheet
    if "exemption" in frame:  # the rows that count first, by severity; the exempt ones after them
        exempt = np.array([bool(v) for v in _texts(frame["exemption"])])
        frame = frame.iloc[np.argsort(exempt, kind="stable")]
    n = len(frame)
    relation = _texts(frame["relation"])
    cells: dict[str, list] = {}
    for column in columns:
        values = frame[column] if column in frame else pd.Series([None] * n, dtype=object)
        if column in CONFLICT_NUMBERS:
            numbers = _numbers(values)
            applies = "encroach" if column in ENCROACH_ONLY else "setback"
            cells[column] = [v if r == applies else None for v, r in zip(numbers, relation)]
        elif column == "relation":
            cells[column] = _names(values, RELATION_NAMES)
        elif column == "period":
            cells[column] = _names(values, PERIOD_NAMES)
        elif column == "decision":
            cells[column] = _names(values, DECISION_NAMES)
        elif column == "control_kind":
            cells[column] = [kind_name(v) for v in _texts(values)]
        elif column == "subject_table":
            cells[column] = [titles.get(v, v) for v in _texts(values)]
        elif column == "at":  # when the decision was stored: a date and time, in local time
            cells[column] = [_local_time(v) for v in _texts(values)]
        else:
            cells[column] = _texts(values)
    sheet.rows = [[i + 1, *row] for i, row in enumerate(zip(*(cells[c] for c in columns)))]
    return sheet


def ledger_sheet(frames: dict[str, pd.DataFrame], titles: dict[str, str]) -> _Sheet:
    """Every ledger layer's cases: the schema's fields in its order (then the user's own columns),
    headers with units, coded values by name, dates as dates; a 图层 column when there are several."""
    schema = KINDS["ledger"].schema
    several = len(frames) > 1
    present = [f for f in schema.fields if any(f.name in fr.columns for fr in frames.values())]
    extra: list[str] = []
    for fr in frames.values():
        extra += [c for c in fr.columns if c not in schema.names and c not in extra
                  and c != getattr(fr, "_geometry_column_name", "geometry") and c != "geometry"]
    headers = ([tr("图层", "Layer")] if several else []) + [field_header(f) for f in present] + [
        tr("要素编号", "Feature uid") if c == "uid" else str(c) for c in extra]
    sheet = _Sheet("ledger", headers, [])
    offset = 1 if several else 0
    for i, f in enumerate(present):
        if f.type == FLOAT:
            sheet.formats[offset + i] = AREA_FORMAT if f.name.endswith("_m2") else "0.0#"
        elif f.type == INT:
            sheet.formats[offset + i] = "0"
        elif f.type == DATE:
            sheet.formats[offset + i] = DATE_FORMAT
    for layer_id, fr in frames.items():
        n = len(fr)
        columns = []
        for f in present:
            values = fr[f.name] if f.name in fr.columns else pd.Series([None] * n, dtype=object)
            if f.type in (FLOAT, INT):
                numbers = _numbers(values)
                columns.append([None if v is None else (int(v) if f.type == INT and v == int(v) else v)
                                for v in numbers])
            elif f.type == DATE:
                columns.append(_dates(values))
            elif f.type in (ENUM, CODES):
                columns.append([value_name(f, v) if v else "" for v in _texts(values)])
            else:
                columns.append(_texts(values))
        for c in extra:
            columns.append(_texts(fr[c]) if c in fr.columns else [""] * n)
        lead = [[titles.get(layer_id, layer_id)]] * n if several else [[]] * n
        sheet.rows += [[*head, *row] for head, row in zip(lead, zip(*columns))] if columns else []
    return sheet


def _local_time(text: str):
    """An ISO time stamp as a local datetime without zone (Excel has none); other text as it is."""
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return (when.astimezone() if when.tzinfo else when).replace(tzinfo=None, microsecond=0)


def _dates(values) -> list:
    """Dates as datetime.date (Excel dates); a text that is no date stays text, a missing one None."""
    out = []
    texts = _texts(values)
    parsed = pd.to_datetime(pd.Series(texts, dtype=object), errors="coerce", format="mixed")
    for text, when in zip(texts, parsed):
        out.append(None if not text else (when.date() if not pd.isna(when) else text))
    return out


def totals_sheet(totals: pd.DataFrame | None, titles: dict[str, str]) -> _Sheet:
    columns = [c for c in TOTAL_HEADERS]
    sheet = _Sheet("totals", [tr(*TOTAL_HEADERS[c]) for c in columns], [])
    for i, c in enumerate(columns):
        if c.endswith("_m2"):
            sheet.formats[i] = AREA_FORMAT
        elif c not in ("subject_layer", "group_by", "group", "control_kind"):
            sheet.formats[i] = COUNT_FORMAT
    if totals is None or not len(totals):
        return sheet
    cells = []
    for c in columns:
        values = totals[c] if c in totals else pd.Series([None] * len(totals))
        if c == "subject_layer":
            tables = totals["subject_table"] if "subject_table" in totals else values
            cells.append([titles.get(t) or kind_name(v) for t, v in zip(_texts(tables), _texts(values))])
        elif c == "group_by":
            cells.append([field_label("buildings", v) for v in _texts(values)])
        elif c == "group":
            cells.append([tr("合计", "all") if v == ALL else v for v in _texts(values)])
        elif c == "control_kind":
            cells.append([tr("全部控制线", "all lines") if v == ALL else kind_name(v) for v in _texts(values)])
        elif c.endswith("_m2"):
            cells.append(_numbers(values))
        else:
            cells.append([None if v is None else int(v) for v in _numbers(values)])
    sheet.rows = [list(row) for row in zip(*cells)]
    return sheet


# --- the export --------------------------------------------------------------------------

def export_xlsx(project, path, *, with_personal: bool = False, by: str = "district",
                feedback: Feedback | None = None) -> XlsxReport:
    """Write the project's last check (conflicts, totals) and its ledger to `path` (.xlsx).

    Without a check the conflict and totals sheets hold only their headers and 说明 says so.
    Personal data masked unless `with_personal`. Runs as a job: stages load, mask, write."""
    feedback = feedback or Feedback()
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError("无法写入 {path}：目录 {folder} 不存在", "cannot write {path}: the folder {folder} does not exist",
                         path=path, folder=path.parent)
    feedback.set_stage("load")
    titles = _layer_titles(project)
    run = project.last_run()
    conflicts = load_conflict_list(project) if run else None
    feedback.check_cancelled()
    ledgers = {}
    for info in project.layers_of("ledger"):
        frame = project.read_layer(info.id)
        ledgers[info.id] = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    feedback.set_progress(0.3)
    totals = project_totals(project, read_subjects(project), stored_conflicts(project), by=by) if run else None
    feedback.set_progress(0.6)

    report = XlsxReport(path, with_personal=with_personal)
    if not with_personal:
        feedback.set_stage("mask")
        masker = Masker()
        for frame in ledgers.values():
            masker.add(frame, "ledger")
        masked_ledger: list[str] = []
        for layer_id, frame in list(ledgers.items()):
            ledgers[layer_id], masked = masker.mask(frame, "ledger", name=layer_id)
            masked_ledger += [m for m in masked if m not in masked_ledger]
        if masked_ledger:
            report.masked["ledger"] = masked_labels(masked_ledger, "ledger")
        if conflicts is not None:
            conflicts, masked = masker.mask(conflicts, None, name="conflicts")
            if masked:
                report.masked["conflicts"] = [tr(*CONFLICT_HEADERS[c]) if c in CONFLICT_HEADERS else str(c)
                                              for c in masked]
        feedback.check_cancelled()

    sheets = [conflict_sheet(conflicts, titles), ledger_sheet(ledgers, titles), totals_sheet(totals, titles)]
    for sheet in sheets:
        report.rows[sheet.key] = len(sheet.rows)
    sheets.append(_about_sheet(project, run, report, by))
    feedback.set_stage("write")
    _write(sheets, path, feedback)
    feedback.finish()
    return report


def _about_sheet(project, run: dict | None, report: XlsxReport, by: str) -> _Sheet:
    rows: list[list] = [
        [tr("项目", "Project"), project.setting("name") or Path(project.path).stem],
        [tr("项目文件", "Project file"), Path(project.path).name],
        [tr("坐标系", "CRS"), crs_label(project.crs) if project.crs else ""],
    ]
    if run:
        summary = run.get("summary") or {}
        rows += [
            [tr("冲突检查", "Conflict check"), tr("第 {n} 次，完成于 {at}", "run {n}, finished {at}",
                                               n=run.get("run_id"), at=_local(run.get("finished_at")))],
            [tr("容差", "Tolerances"), tr("重叠面积 > {a} m² 且深度 ≥ {w} m", "overlap > {a} m² and depth ≥ {w} m",
                                        a=run.get("overlap_m2"), w=run.get("width_m"))],
            [tr("规则摘要", "Rules digest"), str(run.get("rules_digest", ""))[:16]],
            [tr("压线 / 退线不足 / 豁免", "Encroachments / setback shortfalls / exempt"),
             f"{summary.get('encroach', '')} / {summary.get('setback', '')} / {summary.get('exempt', '')}"],
        ]
        stale = project.stale_layers() if hasattr(project, "stale_layers") else []
        if stale:
            rows.append([tr("注意", "Note"), tr("检查之后图层 {l} 已被修改，结果已过期", "layers {l} changed after the check: "
                                              "its results are stale", l="、".join(stale))])
    else:
        rows.append([tr("冲突检查", "Conflict check"), tr("尚未运行（冲突清单与面积统计为空）",
                                                       "not run yet (the conflict and totals sheets are empty)")])
    rows += [
        [tr("面积", "Areas"), tr("{crs} 下的平面面积，单位 m²；统计按{by}分组，重叠部分只计一次",
                               "planar in {crs}, in m²; totals by {by}, overlaps counted once",
                               crs=crs_label(project.crs) if project.crs else "", by=field_label("buildings", by))],
        [tr("导出时间", "Exported"), dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")],
    ]
    rows.append([tr("冲突清单的顺序", "Order of the conflicts"), tr(
        "压线在前（按深度、面积），退线不足在后（按不足距离）；按规则豁免的列在最后，不计入统计",
        "encroachments first (by depth, then area), then setback shortfalls (by how far short); the ones a rule "
        "exempts last, left out of the totals")])
    for key in ("conflicts", "ledger", "totals"):
        rows.append([tr("工作表“{s}”", "sheet '{s}'", s=tr(*SHEETS[key])), tr("{n} 行", "{n} rows", n=report.rows.get(key, 0))])
    if report.with_personal:
        rows.append([tr("个人信息", "Personal data"), tr("包含（未隐去）：本文件含当事人等个人信息，请按规定保管，勿外传",
                                                      "included (not masked): this file holds personal data; "
                                                      "keep it as the rules require and do not pass it on")])
    elif report.masked:
        for key, labels in report.masked.items():
            rows.append([tr("已隐去的字段（{s}）", "masked fields ({s})", s=tr(*SHEETS[key])), tr("、", ", ").join(labels)])
        rows.append([tr("个人信息", "Personal data"), tr("已隐去（张**、110***********1234、138****5678）；"
                                                     "需要时以 --with-personal-data 或勾选“包含个人信息”导出",
                                                     "masked (张**, 110***********1234, 138****5678); export with "
                                                     "--with-personal-data or tick 'include personal data' to keep it")])
    else:
        rows.append([tr("个人信息", "Personal data"), tr("无", "none")])
    return _Sheet("about", [tr("事项", "Item"), tr("内容", "Value")], rows)


def _local(when) -> str:
    if not when:
        return ""
    try:
        return dt.datetime.fromisoformat(str(when)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(when)


def text_width(value) -> int:
    """How many columns `value` takes on screen: a wide (CJK) character two, others one."""
    text = value if isinstance(value, str) else ("yyyy-mm-dd" if isinstance(value, dt.date) else
                                                 (f"{value:,.2f}" if isinstance(value, float) else str(value)))
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _widths(sheet: _Sheet) -> list[float]:
    widths = []
    sample = sheet.rows[:2000]  # the first rows decide: a long tail of notes need not widen the column
    for i, header in enumerate(sheet.headers):
        values = [text_width(row[i]) for row in sample if row[i] not in (None, "")]
        body = float(np.percentile(values, 95)) if values else 0
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, text_width(header) + 2, body + 2)))
    return widths


def _write(sheets: list[_Sheet], path: Path, feedback: Feedback) -> None:
    """The sheets into `path`: a temporary file beside it, renamed over it once complete."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    temp: Path | None = None
    try:
        _fill(book, sheets, feedback)
        try:  # beside the target, so that the rename is atomic
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise InputError("无法写入 {path}：{why}", "cannot write {path}: {why}", path=path,
                             why=exc.strerror or exc) from exc
        os.close(handle)
        temp = Path(name)
        feedback.check_cancelled()
        book.save(temp)
        feedback.check_cancelled()
        os.replace(temp, path)
    except OSError as exc:
        _discard(book, temp)
        raise InputError("无法写入 {path}：{why}", "cannot write {path}: {why}", path=path,
                         why=exc.strerror or exc) from exc
    except BaseException:
        _discard(book, temp)
        raise


def _discard(book, temp: Path | None) -> None:
    """After a cancel or an error: the temporary file gone, and the write-only sheets' own
    temporary files (openpyxl streams each sheet to one) closed and removed."""
    if temp is not None:
        temp.unlink(missing_ok=True)
    for ws in book.worksheets:
        try:
            if not ws.closed:
                ws.close()
        except Exception:  # noqa: BLE001 — a sheet half written: only its file matters here
            pass  # (its temp file is removed just below)
        writer = getattr(ws, "_writer", None)  # (openpyxl keeps no public handle on it)
        if writer is not None:
            try:
                writer.cleanup()
            except OSError:
                pass  # already gone: nothing is left to remove


def _fill(book, sheets: list[_Sheet], feedback: Feedback) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    total = sum(len(s.rows) for s in sheets) or 1
    done = 0
    for sheet in sheets:
        ws = book.create_sheet(tr(*SHEETS[sheet.key]))
        for i, width in enumerate(_widths(sheet), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        # printed for the meeting: A4 landscape, as wide as the page, the header row on every page
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape" if sheet.key != "about" else "portrait"
        ws.page_setup.paperSize = 9  # A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if sheet.rows and sheet.key != "about":
            ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.headers))}{len(sheet.rows) + 1}"
        header = []
        for text in sheet.headers:
            cell = WriteOnlyCell(ws, value=text)
            cell.font, cell.fill, cell.alignment = bold, fill, centre
            header.append(cell)
        ws.append(header)
        formats = sheet.formats
        for r, row in enumerate(sheet.rows):
            if formats:
                out = list(row)
                for i, fmt in formats.items():
                    value = out[i]
                    if value is not None and not isinstance(value, str):
                        cell = WriteOnlyCell(ws, value=value)
                        cell.number_format = fmt
                        out[i] = cell
                ws.append(out)
            else:
                ws.append(row)
            if (r + 1) % PROGRESS_EVERY == 0:
                feedback.set_progress((done + r + 1) / total)
        done += len(sheet.rows)
