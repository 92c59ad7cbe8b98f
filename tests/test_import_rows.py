"""Schema problems name the feature as the user finds it (issue 7): its row in the user's file —
the spreadsheet row Excel shows, header and title lines counted, for CSV and XLSX; the record for
other sources — its id value (编号) and the column as the user named it (状态, not status)."""

from __future__ import annotations

import hashlib

import openpyxl
import pytest
from pyproj import CRS

from gisdesk.project import Project
from tests.conftest import frame

ALLOWED = "待核查、已立案、责令停止、限期整改、限期拆除、催告、强拆公告、已拆除、没收、补办手续、不予立案、已结案"


@pytest.fixture
def project(tmp_path):
    return Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549)).path


def _refused(cli, project, source, *args, lang=()):
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    code, out, err = cli(*lang, "import", project, source, "--as", "ledger", *args)
    assert code == 2 and len(err.strip().splitlines()) == 1, (out, err)
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before
    return err.strip()


def test_an_xlsx_ledger_names_the_excel_row_the_id_and_the_users_column(cli, project, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(["南山区违法建设台账（2025 年 3 月）"])  # a title line above the header: row 1
    sheet.append(["编号", "状态", "发现时间", "经度", "纬度"])  # the header: row 2
    sheet.append(["WJ-001", "待核查", "2025-03-01", 120.20, 30.20])  # row 3
    sheet.append([])  # a blank line: row 4
    sheet.append(["WJ-002", "已立案", "2025-03-02", 120.21, 30.20])  # row 5
    sheet.append(["WJ-003", "已拆", "2025-03-03", 120.22, 30.20])  # row 6: 已拆 is no workflow state
    sheet.append(["WJ-004", "待核查", "2025-02-30", 120.23, 30.20])  # row 7: no such date
    source = tmp_path / "ledger.xlsx"
    book.save(source)
    line = _refused(cli, project, source)
    assert line == (f"gisdesk: 错误: ledger.xlsx：第 6 行（编号 = WJ-003）的 状态：'已拆' 不在允许值之内：{ALLOWED}"
                    "（另有 1 处问题）"), line
    line = _refused(cli, project, source, lang=("--lang", "en"))
    assert line.startswith("gisdesk: error: ledger.xlsx: row 6 (编号 = WJ-003), field 状态: '已拆' is not one of"), line
    sheet["B6"] = "已拆除"
    book.save(source)
    line = _refused(cli, project, source)
    assert "第 7 行（编号 = WJ-004）的 发现时间：'2025-02-30' 不是日期" in line, line


def test_a_csv_ledger_counts_its_header_and_blank_lines(cli, project, tmp_path):
    source = tmp_path / "台账.csv"
    source.write_text("编号,处置状态,发现时间,经度,纬度\n"
                      "HP2025-0001,待核查,2025-03-01,120.20,30.20\n"
                      "\n"
                      "HP2025-0002,已立案,2025-03-02,120.21,30.20\n"
                      "HP2025-0003,已立案,,120.22,30.20\n", encoding="gbk")
    line = _refused(cli, project, source)
    assert line == "gisdesk: 错误: 台账.csv：第 5 行（编号 = HP2025-0003）的 发现时间：必填字段为空", line


def test_a_shapefile_names_the_record(cli, project, tmp_path):
    from shapely.geometry import box

    rows = [{"case_no": f"C{i}", "status": s, "found_on": "2025-01-01", "geometry": box(500000 + 30 * i, 3400000,
                                                                                     500020 + 30 * i, 3400020)}
            for i, s in enumerate(["待核查", "待核查", "拆了"], start=1)]
    frame(rows).to_file(tmp_path / "cases.shp", encoding="UTF-8")
    line = _refused(cli, project, tmp_path / "cases.shp")
    assert line.startswith("gisdesk: 错误: cases.shp：第 3 条记录（case_no = C3）的 status：'拆了' 不在允许值之内"), line
