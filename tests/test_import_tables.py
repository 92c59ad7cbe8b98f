"""Ledgers and survey tables as they arrive: CSV (UTF-8, UTF-8 with BOM, GBK) and Excel sheets
with coordinate columns in degrees, 度分秒 or survey X/Y (X north)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from pyproj import CRS, Transformer

from gisdesk.errors import InputError
from gisdesk.io.tables_in import parse_coordinate, read_table
from gisdesk.project import Project

HEADER = "编号,经度,纬度,发现时间,处置状态\n"
# Shanghai, around People's Square; known lon/lat
ROWS = [("WJ-2024-001", 121.4737, 31.2304, "2024-03-05", "待核查"),
        ("WJ-2024-002", 121.4801, 31.2355, "2024-03-06", "已立案"),
        ("WJ-2024-003", 121.5012, 31.2441, "2024-04-01", "限期拆除")]
CSV_TEXT = HEADER + "".join(f"{i},{x},{y},{d},{s}\n" for i, x, y, d, s in ROWS)
TO_4549 = Transformer.from_crs(4490, 4549, always_xy=True)


def new_project(tmp_path):
    return Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))  # CGCS2000 3° GK, CM 120°E


def ledger_points(path):
    frame = Project.open(path).read_layer("ledger")
    return {case: (g.x, g.y) for case, g in zip(frame["case_no"], frame.geometry)}, frame


def expected_points(rows=ROWS):
    return {i: TO_4549.transform(x, y) for i, x, y, *_ in rows}


def assert_points(got, expected, tol=1e-6):
    assert set(got) == set(expected)
    for key, (x, y) in expected.items():
        assert got[key][0] == pytest.approx(x, abs=tol) and got[key][1] == pytest.approx(y, abs=tol), key


def test_utf8_csv_ledger_lands_at_its_places(cli, tmp_path):
    source = tmp_path / "cases.csv"
    source.write_text(CSV_TEXT, encoding="utf-8")
    p = new_project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "ledger")
    assert (code, err) == (0, ""), err
    assert "EPSG:4490" in out and "UTF-8" in out and "经纬度" in out
    got, frame = ledger_points(p.path)
    assert_points(got, expected_points())
    assert list(frame["status"]) == ["待核查", "已立案", "限期拆除"]
    assert str(frame["found_on"].iloc[2])[:10] == "2024-04-01"
    assert list(frame["uid"]) == [r[0] for r in ROWS]  # the ledger's 编号 gives the uids


@pytest.mark.parametrize("encoding, reported", [("gbk", "GB18030"), ("utf-8-sig", "UTF-8-SIG")])
def test_gbk_and_bom_csv_import_the_same(cli, tmp_path, encoding, reported):
    source = tmp_path / "台账.csv"
    source.write_bytes(CSV_TEXT.replace("\n", "\r\n").encode(encoding))  # as Excel saves it on Windows
    p = new_project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "ledger")
    assert (code, err) == (0, ""), err
    assert reported in out
    got, frame = ledger_points(p.path)
    assert_points(got, expected_points())
    assert list(frame["status"]) == ["待核查", "已立案", "限期拆除"]


def test_gbk_csv_with_a_wrong_encoding_given_is_refused_cleanly(cli, tmp_path):
    source = tmp_path / "cases.csv"
    source.write_bytes(CSV_TEXT.encode("gbk"))
    p = new_project(tmp_path)
    before = p.path.read_bytes()
    code, out, err = cli("import", p.path, source, "--as", "ledger", "--encoding", "utf-8")
    assert code == 2 and "cases.csv" in err and "--encoding" in err and len(err.strip().splitlines()) == 1, err
    assert p.path.read_bytes() == before
    code, out, err = cli("import", p.path, source, "--as", "ledger", "--encoding", "GBK")
    assert code == 0, err
    assert_points(ledger_points(p.path)[0], expected_points())


def test_xlsx_first_sheet_by_default_and_layer_picks_another(cli, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "三月"
    sheet.append(["编号", "经度", "纬度", "发现时间", "处置状态"])
    for i, x, y, d, s in ROWS[:2]:
        sheet.append([i, x, y, dt.datetime.fromisoformat(d), s])  # numbers and a real Excel date
    other = book.create_sheet("四月")
    other.append(["备注：四月新增"])  # a title line above the header is how many sheets start
    other.append([])
    other.append(["编号", "Lon", "LAT", "发现时间", "处置状态"])
    other.append([ROWS[2][0], "121°30′4.32″", "31°14′38.76″", "2024-04-01", "限期拆除"])
    source = tmp_path / "台账.xlsx"
    book.save(source)

    p = new_project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "ledger")
    assert (code, err) == (0, ""), err
    got, frame = ledger_points(p.path)
    assert_points(got, expected_points(ROWS[:2]))
    assert str(frame["found_on"].iloc[0])[:10] == "2024-03-05"

    q = Project.create(tmp_path / "q.gpkg", crs=CRS.from_epsg(4549))
    code, out, err = cli("import", q.path, source, "--as", "ledger", "--layer", "四月")
    assert (code, err) == (0, ""), err
    # 121°30′4.32″ = 121.5012°, 31°14′38.76″ = 31.2441°
    assert_points(ledger_points(q.path)[0], expected_points(ROWS[2:]), tol=1e-3)

    code, out, err = cli("import", q.path, source, "--as", "ledger", "--layer", "五月")
    assert code == 2 and "五月" in err and "三月" in err and "四月" in err


@pytest.mark.parametrize("text, value", [
    ("121°28′30.5″", 121 + 28 / 60 + 30.5 / 3600),
    ("121度28分30.5秒", 121 + 28 / 60 + 30.5 / 3600),
    ("121:28:30.5", 121 + 28 / 60 + 30.5 / 3600),
    ("121°28'30.5\"E", 121 + 28 / 60 + 30.5 / 3600),
    ("东经121°28′", 121 + 28 / 60),
    ("31°14′1.2″N", 31 + 14 / 60 + 1.2 / 3600),
    ("３１．２３０４", 31.2304),  # full-width, as typed with a Chinese input method
    ("121.4737", 121.4737),
    ("-33.5", -33.5),
    ("33°30′S", -33.5),
    (121.4737, 121.4737),
])
def test_coordinate_text(text, value):
    assert parse_coordinate(text) == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("text", ["", "  ", "abc", "121°75′", "121°28′61″", "121,5", "E121W", "nan", "inf"])
def test_not_a_coordinate(text):
    assert parse_coordinate(text) is None


def test_dms_csv_ledger(cli, tmp_path):
    def dms(v):
        d = int(v)
        m = int((v - d) * 60)
        s = (v - d - m / 60) * 3600
        return f"{d}°{m}′{s:.4f}″"

    lines = [HEADER] + [f"{i},{dms(x)},{dms(y)},{d},{s}\n" for i, x, y, d, s in ROWS]
    source = tmp_path / "cases.csv"
    source.write_text("".join(lines), encoding="utf-8")
    p = new_project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "ledger")
    assert (code, err) == (0, ""), err
    assert_points(ledger_points(p.path)[0], expected_points(), tol=0.01)  # 0.0001″ is 3 mm


def survey_rows():
    """The known places in EPSG:4549, as a surveyor writes them: X north, Y east."""
    return [(i, *TO_4549.transform(x, y)) for i, x, y, *_ in ROWS]


def test_survey_xy_with_x_north_is_detected_and_swapped(cli, tmp_path):
    text = "编号,X坐标,Y坐标,发现时间,处置状态\n" + "".join(
        f"{i},{n:.3f},{e:.3f},2024-03-05,待核查\n" for i, e, n in survey_rows())
    source = tmp_path / "测量.csv"
    source.write_text(text, encoding="utf-8")
    p = new_project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "ledger")
    assert code == 2 and "--crs" in err  # 6-digit eastings carry no zone: the user names the CRS
    code, out, err = cli("import", p.path, source, "--as", "ledger", "--crs", "EPSG:4549")
    assert (code, err) == (0, ""), err
    assert "交换" in out and "X坐标" in out
    assert_points(ledger_points(p.path)[0], {i: (e, n) for i, e, n in survey_rows()}, tol=1e-3)


def test_survey_xy_with_zone_prefixed_eastings_find_their_crs(cli, tmp_path):
    text = "编号,x,y,发现时间,处置状态\n" + "".join(
        f"{i},{n:.3f},{40_000_000 + e:.3f},2024-03-05,待核查\n" for i, e, n in survey_rows())
    source = tmp_path / "测量.csv"
    source.write_text(text, encoding="utf-8")
    p = new_project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "ledger")
    assert (code, err) == (0, ""), err
    assert "EPSG:4528" in out  # CGCS2000 3° GK zone 40 (CM 120°E), zone in the easting
    assert_points(ledger_points(p.path)[0], {i: (e, n) for i, e, n in survey_rows()}, tol=1e-3)


def test_east_north_in_x_y_are_left_as_they_are(tmp_path):
    text = "id,x,y\n" + "".join(f"{i},{e:.3f},{n:.3f}\n" for i, e, n in survey_rows())
    source = tmp_path / "plane.csv"
    source.write_text(text, encoding="utf-8")
    frame = read_table(source)
    assert frame.crs is None and "交换" not in frame.attrs["coordinates"][0]
    np.testing.assert_allclose(frame.geometry.x, [e for _, e, _ in survey_rows()], atol=1e-3)


def test_x_field_and_y_field_name_the_columns(cli, tmp_path):
    text = "编号,经度,纬度,GPS东经,GPS北纬,发现时间,处置状态\n" + "".join(
        f"{i},0,0,{x},{y},{d},{s}\n" for i, x, y, d, s in ROWS)
    source = tmp_path / "cases.csv"
    source.write_text(text, encoding="utf-8")
    p = new_project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "ledger", "--x-field", "GPS东经", "--y-field", "GPS北纬")
    assert (code, err) == (0, ""), err
    assert_points(ledger_points(p.path)[0], expected_points())
    code, out, err = cli("import", p.path, source, "--as", "ledger", "--x-field", "东经", "--y-field", "GPS北纬")
    assert code == 2 and "东经" in err and "--x-field" in err


@pytest.mark.parametrize("lon, lat, problem", [("", "31.2441", "为空"), ("121°75′", "31.2441", "121°75′"),
                                               ("121.5012", "北纬", "北纬")])
def test_a_bad_coordinate_row_is_refused_naming_it(cli, tmp_path, lon, lat, problem):
    rows = CSV_TEXT.splitlines()
    rows[3] = f"WJ-2024-003,{lon},{lat},2024-04-01,限期拆除"
    source = tmp_path / "cases.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    p = new_project(tmp_path)
    before = p.path.read_bytes()
    code, out, err = cli("import", p.path, source, "--as", "ledger")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    # the third data row is row 4 of the sheet, the header being row 1
    assert "cases.csv" in err and "第 4 行" in err and "表头为第 1 行" in err and "WJ-2024-003" in err
    assert problem in err
    assert p.path.read_bytes() == before
    assert not list(tmp_path.glob("p.gpkg-*"))


def test_bad_row_message_in_english(cli, tmp_path):
    source = tmp_path / "cases.csv"
    source.write_text(HEADER + "A1,121.47,31.23,2024-03-05,待核查\n\nA2,,31.23,2024-03-05,待核查\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_table(source)
    from gisdesk import i18n
    i18n.set_language("en")
    # a blank line is still a row of the sheet: A2 is on row 4
    assert str(caught.value) == ("cases.csv row 4 (the header is row 1), 编号 A2: coordinate 经度 is empty")


def test_a_table_without_coordinates_and_an_old_xls_are_refused(cli, tmp_path):
    source = tmp_path / "cases.csv"
    source.write_text("编号,地址\nA1,人民大道200号\n", encoding="utf-8")
    p = new_project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "ledger")
    assert code == 2 and "--x-field" in err and "地址" in err
    old = tmp_path / "cases.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    code, out, err = cli("import", p.path, old, "--as", "ledger")
    assert code == 2 and ".xlsx" in err
    broken = tmp_path / "cases.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    code, out, err = cli("import", p.path, broken, "--as", "ledger")
    assert code == 2 and "cases.xlsx" in err and len(err.strip().splitlines()) == 1


def test_degrees_mixed_with_metres_name_the_row(tmp_path):
    source = tmp_path / "mixed.csv"
    source.write_text("编号,x,y\nA1,121.47,31.23\nA2,640412.3,3457455.5\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_table(source)
    assert "第 3 行" in str(caught.value) and "A2" in str(caught.value)


def test_latitudes_in_the_longitude_column_are_swapped_and_said(tmp_path):
    source = tmp_path / "cases.csv"
    source.write_text(HEADER + "".join(f"{i},{y},{x},{d},{s}\n" for i, x, y, d, s in ROWS), encoding="utf-8")
    frame = read_table(source)
    assert "颠倒" in frame.attrs["coordinates"][0] and frame.crs.to_epsg() == 4490
    np.testing.assert_allclose(frame.geometry.x, [x for _, x, *_ in ROWS])
    np.testing.assert_allclose(frame.geometry.y, [y for _, _, y, *_ in ROWS])


def test_metres_in_columns_named_longitude_latitude_are_refused_naming_the_row(tmp_path):
    source = tmp_path / "cases.csv"
    source.write_text(HEADER + "A1,121.47,31.23,2024-03-05,待核查\nA2,640412.3,3457455.5,2024-03-05,待核查\n",
                      encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_table(source)
    assert "第 3 行" in str(caught.value) and "A2" in str(caught.value) and "--x-field" in str(caught.value)


def test_coordinate_columns_become_the_geometry_and_the_sheet_is_reported(cli, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "台账"
    book.active.append(["编号", "经度", "纬度", "发现时间", "处置状态"])
    book.active.append(["A1", 121.4737, 31.2304, "2024-03-05", "待核查"])
    book.create_sheet("统计").append(["合计", 1])
    source = tmp_path / "cases.xlsx"
    book.save(source)
    frame = read_table(source)
    assert "经度" not in frame.columns and "纬度" not in frame.columns
    assert frame.attrs["source_rows"] == [2]
    p = new_project(tmp_path)
    code, out, err = cli("import", p.path, source, "--as", "ledger")
    assert (code, err) == (0, ""), err
    assert "工作表 台账" in out and "统计" in out and "--layer" in out


def test_a_large_csv_reads_at_array_speed(tmp_path):
    import time

    n = 200_000
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(121.0, 122.0, n), rng.uniform(30.7, 31.8, n)
    source = tmp_path / "big.csv"
    source.write_text("编号,经度,纬度\n" + "".join(f"C{i},{x:.6f},{y:.6f}\n" for i, (x, y) in enumerate(zip(lon, lat))),
                      encoding="utf-8")
    start = time.perf_counter()
    frame = read_table(source)
    elapsed = time.perf_counter() - start
    np.testing.assert_allclose(frame.geometry.x, np.round(lon, 6))
    assert elapsed < 10, elapsed  # about 1 s here; value by value it was several times that


def _xlsx_bytes(rows):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = __import__("io").BytesIO()
    book.save(buffer)
    return buffer.getvalue()


BROKEN_TABLES = {
    # name: (file name, bytes, a word the one-line message must hold)
    "empty": ("empty.csv", b"", "empty.csv"),
    "blank lines only": ("blank.csv", b"\r\n\r\n  \r\n", "blank.csv"),
    "header only": ("header.csv", HEADER.encode(), "header.csv"),
    "binary": ("binary.csv", bytes(range(256)) * 4, "binary.csv"),
    "nul in utf-8": ("nul.csv", HEADER.encode() + b"A1,121\x00.4,31.2,2024-03-05,\xe5\xbe\x85\n", "nul.csv"),
    "ragged row": ("ragged.csv", (HEADER + "A1,121.47,31.23,2024-03-05,待核查,多,余\n").encode(), "第 2 行"),
    "no coordinate columns": ("nocoords.csv", "编号,地址\nA1,人民大道\n".encode(), "--x-field"),
    "coordinate nan": ("nan.csv", (HEADER + "A1,nan,31.23,2024-03-05,待核查\n").encode(), "A1"),
    "coordinate inf": ("inf.csv", (HEADER + "A1,121.4,inf,2024-03-05,待核查\n").encode(), "inf"),
    "coordinate 1e999": ("huge.csv", (HEADER + "A1,1e999,31.2,2024-03-05,待核查\n").encode(), "1e999"),
    "unclosed quote": ("quote.csv", (HEADER + 'A1,"121.47,31.23,2024-03-05,待核查\n').encode(), "quote.csv"),
    "truncated xlsx": ("cut.xlsx", None, "截断"),
    "xlsx of a text file": ("text.xlsx", CSV_TEXT.encode(), "zip"),
    "xlsx with one cell": ("cell.xlsx", None, "表头"),
    "csv with one column": ("one.csv", "经度\n121.4\n".encode(), "表头"),
    "old xls": ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), ".xlsx"),
}


@pytest.mark.parametrize("case", list(BROKEN_TABLES))
def test_broken_tables_are_refused_in_one_line_and_the_project_is_untouched(cli, tmp_path, case):
    name, data, word = BROKEN_TABLES[case]
    if name == "cut.xlsx":
        full = _xlsx_bytes([["编号", "经度", "纬度"], ["A1", 121.47, 31.23]])
        data = full[:len(full) // 2]
    elif name == "cell.xlsx":
        data = _xlsx_bytes([["经度"]])
    source = tmp_path / name
    source.write_bytes(data)
    p = new_project(tmp_path)
    before = p.path.read_bytes()
    code, out, err = cli("import", p.path, source, "--as", "ledger")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "内部错误" not in err, err
    assert word in err, err
    assert p.path.read_bytes() == before
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(["p.gpkg", name])
