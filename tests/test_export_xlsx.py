"""gisdesk check --xlsx: the conflict list, the ledger and the totals as .xlsx for people.

A small hand-made city (tests/test_conflict_list.small_city plus a ledger with made-up personal
data): the workbook holds the same rows as conflicts.csv / totals.csv and the ledger layer, cell
by cell, under Chinese headers, codes by their names, with number formats; a cancelled export
leaves the old file as it was.
"""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pandas as pd
import pytest
from shapely.geometry import box

from gisdesk import reviews
from gisdesk.errors import Cancelled
from gisdesk.export.xlsx import export_xlsx, text_width
from gisdesk.io.importer import import_layer
from gisdesk.jobs import Feedback
from gisdesk.project import Project
from tests.conftest import frame
from tests.test_conflict_list import X0, Y0, small_city

# made-up personal data, as an inspector types it (none of it masked yet)
PEOPLE = [
    {"party": "张三丰", "id_no": "110101199003071234", "phone": "13812345678"},
    {"party": "上海甲乙建材有限公司", "id_no": "91310000MA1FL0XY12", "phone": "021-63211234"},
    {"party": "", "id_no": "", "phone": ""},  # nothing recorded: stays empty
]
NOTE = "当事人张三丰称已报批，联系电话13812345678，身份证110101199003071234"
REVIEW_NOTE = "已电话通知上海甲乙建材有限公司（021-63211234）"
RAW_VALUES = ["张三丰", "110101199003071234", "13812345678", "上海甲乙建材有限公司", "91310000MA1FL0XY12",
              "021-63211234", "63211234", "1990030712"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def meeting_city(tmp_path) -> Project:
    """small_city with a ledger: L1 5 m into the red zone (50 m²), L2 6 m from it (short by 4 m),
    L3 far away; each with personal data (L3 none), L1 quoting its party and phone in its notes,
    and a review of L2's conflict quoting its party and phone."""
    project = small_city(tmp_path)
    cases = [
        {"case_no": "L1", "found_on": "2024-03-05", "status": "已立案", "violation": "WPXJ,YHX",
         "illegal_area_m2": 50.25, "address": "外马路1号", "district": "黄浦区", "notes": NOTE,
         "geometry": box(X0 + 200, Y0 + 5, X0 + 210, Y0 + 15), **PEOPLE[0]},
        {"case_no": "L2", "found_on": "2024-04-01", "status": "待核查", "violation": "SDLJ",
         "illegal_area_m2": 12.5, "address": "外马路2号", "district": "黄浦区", "notes": "屋顶加建",
         "geometry": box(X0 + 230, Y0 + 16, X0 + 240, Y0 + 26), **PEOPLE[1]},
        {"case_no": "L3", "found_on": "2023-12-31", "status": "已结案", "violation": "CG",
         "address": "中山东二路9号", "district": "虹口区", "notes": "",
         "geometry": box(X0 + 10, Y0 + 500, X0 + 20, Y0 + 510), **PEOPLE[2]},
    ]
    frame(cases).to_file(tmp_path / "ledger.geojson")
    import_layer(project, tmp_path / "ledger.geojson", "ledger")
    return project


@pytest.fixture
def checked(tmp_path, cli):
    """The meeting city checked by `gisdesk check --xlsx` (masked), its review stored, exported again."""
    project = meeting_city(tmp_path)
    out = tmp_path / "out"
    code, stdout, stderr = cli("check", project.path, "--out", out, "--xlsx", out / "会议.xlsx")
    assert code == 0, stderr
    ledger = project.layers_of("ledger")[0].id
    red = project.layers_of("red")[0].id
    reviews.set_decision(project, ledger, "L2", red, "R1", "confirmed", note=REVIEW_NOTE, who="李工")
    return project, out, stdout + stderr


def sheet_frame(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_the_conflict_sheet_holds_the_rows_of_conflicts_csv_cell_by_cell(checked):
    project, out, _ = checked
    book = openpyxl.load_workbook(out / "会议.xlsx")
    assert book.sheetnames == ["冲突清单", "违法建设台账", "面积统计", "说明"]
    sheet = sheet_frame(book["冲突清单"])
    csv = pd.read_csv(out / "conflicts.csv", dtype={"subject_id": str, "control_id": str})
    assert len(sheet) == len(csv) == 7  # A B F C D of small_city, L1 (encroach), L2 (setback)
    keyed = sheet.set_index(["要素编号", "控制线要素编号", "冲突类型"])
    assert keyed.index.is_unique
    relations = {"encroach": "压线", "setback": "退线不足"}
    periods = {"new": "新增", "existing": "既有", "unknown": "未知"}
    for _, row in csv.iterrows():
        cells = keyed.loc[(row.subject_id, row.control_id, relations[row.relation])]
        assert cells["控制线"] == "道路红线"
        assert cells["时期"] == periods[row.period]
        assert cells["名称/地址"] == (row.subject_name if isinstance(row.subject_name, str) else None)
        numbers = (("overlap_m2", "压线面积（m²）"), ("depth_m", "深度（m）")) if row.relation == "encroach" else (
            ("distance_m", "距离（m）"), ("required_m", "要求（m）"), ("shortfall_m", "不足（m）"))
        for column, header in numbers:
            assert cells[header] == pytest.approx(row[column], abs=0.0006), (row.subject_id, column)
        other = ("距离（m）", "要求（m）", "不足（m）") if row.relation == "encroach" else ("压线面积（m²）", "深度（m）")
        assert all(pd.isna(cells[h]) for h in other)  # what the relation does not measure stays blank
    assert sheet["序号"].tolist() == list(range(1, len(csv) + 1))
    assert sheet["审核结论"].unique().tolist() == ["待审核"]  # the review came after this export
    layers = set(sheet["图层"])
    assert layers <= {"建筑", "buildings_2023", "违法建设台账"} and "违法建设台账" in layers


def test_headers_are_chinese_codes_by_name_and_numbers_formatted(checked, tmp_path):
    project, out, _ = checked
    report = export_xlsx(project, tmp_path / "again.xlsx")  # with the review now
    book = openpyxl.load_workbook(report.path)
    for ws in book.worksheets:
        headers = [c.value for c in ws[1]]
        assert all(CJK.search(h) for h in headers), (ws.title, headers)
        assert ws.freeze_panes == "A2"
        assert ws.print_title_rows == "$1:$1" and ws.page_setup.fitToWidth == 1  # printed: headers on every page
    conflicts = book["冲突清单"]
    assert conflicts.auto_filter.ref == f"A1:{conflicts.cell(1, conflicts.max_column).column_letter}{conflicts.max_row}"
    headers = [c.value for c in conflicts[1]]
    rows = list(conflicts.iter_rows(min_row=2))
    col = {h: i for i, h in enumerate(headers)}
    first = rows[0]  # the most severe: A, 5 m deep, 100 m²
    assert first[col["要素编号"]].value == "A" and first[col["压线面积（m²）"]].value == pytest.approx(100.0)
    assert first[col["压线面积（m²）"]].number_format == "#,##0.00"
    assert first[col["深度（m）"]].number_format == "0.00"
    setback = next(r for r in rows if r[col["冲突类型"]].value == "退线不足")
    assert setback[col["要求（m）"]].number_format == "0.0"
    l2 = next(r for r in rows if r[col["要素编号"]].value == "L2")
    assert l2[col["审核结论"]].value == "已确认" and l2[col["审核人"]].value == "李工"
    reviewed = l2[col["审核时间"]]
    assert isinstance(reviewed.value, dt.datetime) and reviewed.number_format == "yyyy-mm-dd hh:mm"
    assert abs(reviewed.value - dt.datetime.now()) < dt.timedelta(hours=1)  # local time, as the clerk's clock
    assert l2[col["备注"]].value == "已电话通知上**（021****1234）"  # the party and the number quoted: masked as in their columns

    ledger = sheet_frame(book["违法建设台账"])
    assert ledger["编号"].tolist() == ["L1", "L2", "L3"]
    assert ledger["违法类型"].tolist() == ["未批先建、压红线/退线不足", "私搭乱建", "超高"]
    assert ledger["处置状态"].tolist() == ["已立案", "待核查", "已结案"]
    assert ledger["违建面积（m²）"].tolist()[:2] == [50.25, 12.5]
    cells = list(book["违法建设台账"].iter_rows(min_row=2, max_row=2))[0]
    headers = [c.value for c in book["违法建设台账"][1]]
    found = cells[headers.index("发现时间")]
    assert found.value == dt.datetime(2024, 3, 5) and found.number_format == "yyyy-mm-dd"  # a date, not text
    assert cells[headers.index("违建面积（m²）")].number_format == "#,##0.00"

    totals = sheet_frame(book["面积统计"])
    csv = pd.read_csv(out / "totals.csv")
    assert len(totals) == len(csv)
    assert totals["压线数"].tolist() == csv["encroach_count"].tolist()
    assert totals["压线面积（m²）"].tolist() == pytest.approx(csv["overlap_m2"].tolist(), abs=0.0006)
    assert set(totals["控制线"]) == {"道路红线", "全部控制线"}
    assert "合计" in set(totals["分组值"])
    about = dict(list(book["说明"].iter_rows(min_row=2, values_only=True)))
    assert about["已隐去的字段（违法建设台账）"] == "当事人、证件号、电话、备注"
    assert about["已隐去的字段（冲突清单）"] == "备注"
    assert about["工作表“冲突清单”"] == "7 行"


def test_column_widths_count_cjk_characters_double(checked):
    _, out, _ = checked
    ws = openpyxl.load_workbook(out / "会议.xlsx")["违法建设台账"]
    assert text_width("违建面积（m²）") == 14 and text_width("L1") == 2
    headers = [c.value for c in ws[1]]
    width = {h: ws.column_dimensions[c.column_letter].width for h, c in zip(headers, ws[1])}
    assert width["备注"] >= text_width(NOTE.replace("张三丰", "张**")) * 0.9  # the note fits (nearly)
    assert width["编号"] < width["备注"]


def test_a_cancelled_export_leaves_the_old_file_and_no_temporary_file(checked):
    project, out, _ = checked
    target = out / "会议.xlsx"
    before = target.read_bytes()

    class CancelAtWrite(Feedback):  # Cancel pressed once the sheets are being written (the temp file made)
        def set_stage(self, stage):
            super().set_stage(stage)
            if stage == "write":
                self.cancel()

    with pytest.raises(Cancelled):
        export_xlsx(project, target, feedback=CancelAtWrite())
    assert target.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["conflicts.csv", "totals.csv", "会议.xlsx"]


def test_an_export_before_any_check_has_the_ledger_and_says_no_check(tmp_path):
    project = meeting_city(tmp_path)
    report = export_xlsx(project, tmp_path / "x.xlsx")
    assert report.rows == {"conflicts": 0, "ledger": 3, "totals": 0}
    about = dict(list(openpyxl.load_workbook(report.path)["说明"].iter_rows(min_row=2, values_only=True)))
    assert about["冲突检查"].startswith("尚未运行")


def test_english_headers_with_lang_en(checked, tmp_path, cli):
    project, out, _ = checked
    code, stdout, stderr = cli("--lang", "en", "check", project.path, "--out", tmp_path / "en",
                               "--xlsx", tmp_path / "en.xlsx")
    assert code == 0, stderr
    book = openpyxl.load_workbook(tmp_path / "en.xlsx")
    assert book.sheetnames == ["Conflicts", "Ledger", "Totals", "About"]
    assert [c.value for c in book["Conflicts"][1]][:3] == ["No.", "Name / address", "District"]
    assert "personal data masked: party, id_no, phone, notes" in stdout


def test_exempt_conflicts_come_after_the_ones_that_count():
    from gisdesk.export.xlsx import conflict_sheet

    frame = pd.DataFrame({"subject_id": ["P1", "A", "P2", "B"], "relation": ["encroach"] * 4,
                          "exemption": ["受保护建筑：历史建筑", "", "受保护建筑：文物保护单位", ""],
                          "overlap_m2": [900.0, 50.0, 800.0, 20.0], "control_kind": ["purple", "red", "purple", "red"]})
    sheet = conflict_sheet(frame, {})
    uid = sheet.headers.index("要素编号")
    assert [row[uid] for row in sheet.rows] == ["A", "B", "P1", "P2"]
    assert [row[0] for row in sheet.rows] == [1, 2, 3, 4]
    assert sheet.rows[0][sheet.headers.index("控制线")] == "道路红线"


def test_a_full_disk_leaves_the_old_file_and_no_half_file(checked, monkeypatch):
    import errno
    import io

    from openpyxl import Workbook

    from gisdesk.errors import InputError

    project, out, _ = checked
    target = out / "会议.xlsx"
    before = target.read_bytes()

    real = Workbook.save

    def full(self, filename):
        real(self, io.BytesIO())  # (the write-only sheets closed as a real save closes them)
        with open(filename, "wb") as f:
            f.write(b"PK\x03\x04 half")  # what a disk running full leaves
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Workbook, "save", full)
    with pytest.raises(InputError, match="No space left"):
        export_xlsx(project, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["conflicts.csv", "totals.csv", "会议.xlsx"]


def test_the_words_are_the_conflict_docks():
    """The sheet's headers and code names are the dock's Chinese (resources/translations), units
    written （m²） as the schema's and the totals' headers write them."""
    import xml.etree.ElementTree as ET
    from pathlib import Path

    from gisdesk.export.xlsx import CONFLICT_HEADERS, DECISION_NAMES, PERIOD_NAMES, RELATION_NAMES

    ts = ET.parse(Path(__file__).parents[1] / "resources" / "translations" / "gisdesk_zh_CN.ts")
    dock = {}
    for context in ts.getroot():
        if context.findtext("name") in ("ConflictsModel", "conflicts"):
            for message in context.iter("message"):
                dock.setdefault(message.findtext("source"), message.findtext("translation"))
    pairs = [*CONFLICT_HEADERS.values(), *RELATION_NAMES.values(), *PERIOD_NAMES.values(), *DECISION_NAMES.values()]
    compared = 0
    for zh, en in pairs:
        if en in dock:
            assert zh == dock[en].replace(" (", "（").replace(")", "）"), en
            compared += 1
    assert compared >= 20
