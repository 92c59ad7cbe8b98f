"""Ledger cases to and from a city platform (数字城管): stages, one legal step at a time, nothing guessed."""

import csv
import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from pyproj import Transformer

from gisdesk.layers.ledger import CITY_STAGES, STAGE_OF, TRANSITIONS, overdue, stage_of, status_for_stage
from gisdesk.project import Project

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo.gpkg"
HEADER = ["案件编号", "案件阶段", "处置状态", "经度", "纬度", "上报时间", "处置期限", "位置描述"]


@pytest.fixture
def demo(tmp_path):
    path = tmp_path / "demo.gpkg"
    shutil.copy(DEMO, path)
    return path


def _digest(path) -> str:
    """What an import may change: the ledger's rows, its history and the edit log (opening a
    project may write on its own, e.g. hashes an import deferred, so not the file's bytes)."""
    project = Project.open(path)
    ledger = project.read_layer("ledger").sort_values("uid").to_wkt().to_csv()
    return hashlib.sha256(f"{ledger}|{len(project.history())}|{len(project.edit_log())}".encode()).hexdigest()


def _write(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_every_status_has_one_stage_in_workflow_order():
    assert set(STAGE_OF) == set(TRANSITIONS)
    # no legal move goes back a stage
    for old, nexts in TRANSITIONS.items():
        for new in nexts:
            assert CITY_STAGES.index(STAGE_OF[new]) >= CITY_STAGES.index(STAGE_OF[old]), (old, new)


@pytest.mark.parametrize("old, stage, expected", [
    ("待核查", "立案", "已立案"),
    ("待核查", "结案", "不予立案"),  # closed without filing: the only one-step way to 结案
    ("已立案", "派遣", None),  # an order to stop, to correct or to demolish: not guessed
    ("限期拆除", "处置", "催告"),
    ("催告", "核查", None),  # demolished, confiscated or made legal
    ("强拆公告", "核查", "已拆除"),
    ("已拆除", "结案", "已结案"),
    ("已拆除", "处置", None),  # behind
    ("催告", "处置", None),  # already there
    ("待核查", "派遣", None),  # two steps
])
def test_a_stage_means_a_status_only_when_one_step_leads_there(old, stage, expected):
    assert status_for_stage(old, stage) == expected


def test_overdue():
    today = dt.date(2026, 12, 1)
    assert overdue("限期拆除", "2026-11-30", today)
    assert not overdue("限期拆除", "2026-12-01", today)  # due today is not late
    assert not overdue("已拆除", "2020-01-01", today)  # done
    assert not overdue("限期整改", None, today)
    assert not overdue("限期整改", float("nan"), today)
    assert overdue("催告", dt.date(2026, 1, 1), "2026-12-01")


def test_export_csv_has_stages_overdue_and_masked_people(demo, tmp_path, cli):
    out = tmp_path / "cases.csv"
    code, stdout, _ = cli("cases", demo, "--export", out)
    assert code == 0 and "170" in stdout and "当事人" in stdout
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it as Unicode
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    ledger = Project.open(demo).read_layer("ledger").set_index("uid")
    assert len(rows) == len(ledger)
    first = next(r for r in rows if r["案件编号"] == "HP2024-0001")
    case = ledger.loc["HP2024-0001"]
    assert first["处置状态"] == case.status == "限期拆除" and first["案件阶段"] == "派遣"
    assert first["是否超期"] == "是"  # deadline 2024-02-14, never demolished
    assert first["问题类型"] == "违法建设/未批先建"
    assert first["当事人"] != case.party and first["当事人"].endswith("**")
    # the coordinates are the representative point's, in CGCS2000 degrees
    point = ledger.geometry.loc[["HP2024-0001"]].representative_point().iloc[0]
    lon, lat = Transformer.from_crs(ledger.crs, 4490, always_xy=True).transform(point.x, point.y)
    assert float(first["经度"]) == pytest.approx(lon, abs=1e-6) and float(first["纬度"]) == pytest.approx(lat, abs=1e-6)


def test_export_json_round_trips_through_import_as_no_change(demo, tmp_path, cli):
    out = tmp_path / "cases.json"
    assert cli("cases", demo, "--export", out, "--with-personal-data")[0] == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "gisdesk-city-cases" and len(data["cases"]) == 170
    party = Project.open(demo).read_layer("ledger").set_index("uid").party
    assert {c["当事人"] for c in data["cases"]} == {p for p in party if isinstance(p, str)} | ({""} if party.isna().any() else set())
    before = _digest(demo)
    code, stdout, _ = cli("cases", demo, "--import", out)
    assert code == 0 and "新增案件 0 件，状态推进 0 次，字段更新 0 处，未处理 0 条" in stdout
    assert _digest(demo) == before  # nothing to write, nothing written


def test_import_moves_cases_one_step_and_never_guesses(demo, tmp_path, cli):
    project = Project.open(demo)
    ledger = project.read_layer("ledger").set_index("uid")
    history_before = len(project.history())
    rows = [
        ["HP2024-0001", "处置", "", "", "", "", "2027-01-31", ""],  # 限期拆除 → 催告, new deadline
        ["HP2024-0048", "派遣", "", "", "", "", "", ""],  # 已立案: which order? left alone
        ["HP2024-0004", "结案", "", "", "", "", "", ""],  # 已拆除 → 已结案
        ["HP2024-0027", "", "已结案", "", "", "", "", ""],  # 待核查 → 已结案 is not one step
        ["HP2024-0008", "立案", "", "", "", "", "", ""],  # 已拆除: the platform is behind
        ["HP2024-0032", "处理中", "", "", "", "", "", ""],  # no such stage
        ["SH2026-0001", "发现", "", "121.49", "31.24", "2026-11-30", "", "中山东一路1号"],  # new, as a point
        ["SH2026-0002", "发现", "", "", "", "2026-11-30", "", ""],  # new without coordinates
    ]
    path = _write(tmp_path / "platform.csv", rows, encoding="gb18030")  # as Excel saves it on Chinese Windows
    before = _digest(demo)
    code, stdout, _ = cli("cases", demo, "--import", path, "--dry-run")
    assert code == 0 and "试运行" in stdout and _digest(demo) == before
    code, stdout, _ = cli("cases", demo, "--import", path)
    assert code == 0, stdout
    assert "新增案件 1 件，状态推进 2 次，字段更新 1 处，未处理 5 条" in stdout
    after = Project.open(demo)
    now = after.read_layer("ledger").set_index("uid")
    assert now.status["HP2024-0001"] == "催告" and now.deadline["HP2024-0001"] == "2027-01-31"
    assert now.status["HP2024-0004"] == "已结案"
    for uid in ("HP2024-0048", "HP2024-0027", "HP2024-0008", "HP2024-0032"):
        assert now.status[uid] == ledger.status[uid], uid
    assert "SH2026-0002" not in now.index
    added = now.loc["SH2026-0001"]
    assert added.status == "待核查" and added.source == "数字城管" and added.found_on == "2026-11-30"
    x, y = Transformer.from_crs(4490, now.crs, always_xy=True).transform(121.49, 31.24)
    assert added.geometry.geom_type == "Point"
    assert (added.geometry.x, added.geometry.y) == pytest.approx((x, y), abs=1e-6)
    history = after.history()
    new_events = history.iloc[history_before:]
    assert set(map(tuple, new_events[["case_uid", "from_status", "to_status"]].fillna("").to_numpy())) == {
        ("HP2024-0001", "限期拆除", "催告"), ("HP2024-0004", "已拆除", "已结案"), ("SH2026-0001", "", "待核查")}
    assert set(new_events.who) == {"数字城管"}
    assert "需人工确定" in stdout and "落后于" in stdout and "不能从“待核查”直接改为“已结案”" in stdout
    # a second import of the same file changes nothing more
    again = _digest(demo)
    code, stdout, _ = cli("cases", demo, "--import", path)
    assert code == 0 and "状态推进 0 次" in stdout and "新增案件 0 件" in stdout
    assert _digest(demo) == again


def test_a_broken_exchange_file_changes_nothing(demo, tmp_path, cli):
    before = _digest(demo)
    bad = tmp_path / "bad.json"
    bad.write_text('{"cases": [{"案件编号": "X"', encoding="utf-8")
    code, _, err = cli("cases", demo, "--import", bad)
    assert code == 2 and "bad.json" in err and "JSON" in err
    no_number = _write(tmp_path / "nonum.csv", [])
    no_number.write_text("编号,阶段\nA,发现\n", encoding="utf-8")
    code, _, err = cli("cases", demo, "--import", no_number)
    assert code == 2 and "案件编号" in err
    code, _, err = cli("cases", demo, "--export", tmp_path / "cases.txt")
    assert code == 2 and ".csv" in err
    assert _digest(demo) == before


def test_stage_of_unknown_status():
    assert stage_of("乱写") is None
