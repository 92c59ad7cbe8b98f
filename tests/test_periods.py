"""When a conflict counts: period (new / existing / unknown) and exemption, on hand-made cases.

Every subject below is a 10 × 10 m square lying wholly inside its zone (overlap 100 m², an
encroachment). The rule file here says the purple line took effect on 2004-02-01 and the green
line on 2002-11-01; the second purple feature carries its own effective_on, 1980-01-01.
"""

from __future__ import annotations

import csv
import sqlite3

import pandas as pd
import pytest
from pyproj import CRS
from shapely.geometry import box

from gisdesk.analysis import periods
from gisdesk.analysis.conflicts import check_conflicts
from gisdesk.analysis.indicators import compute_indicators
from gisdesk.analysis.totals import ALL, TOTAL_COLUMNS, area_totals
from gisdesk.errors import RuleError
from gisdesk.io.importer import import_layer
from gisdesk.project import Project
from gisdesk.rules import parse_rules
from tests.conftest import frame

BASE = """
[setback]
red = 10.0
green = 5.0
blue = 10.0
purple = 0.0
yellow = 5.0
"""
RULES_TEXT = BASE + """
[effective_on]
purple = 2004-02-01
green = "2002-11-01"

[exempt]
green = [{field = "building_use", values = ["公园管理用房"], reason = "绿地配套设施"}]
"""
RULES = parse_rules(RULES_TEXT)
CRS_ = CRS.from_epsg(4549)


def square(x, y):
    return box(x, y, x + 10, y + 10)


BUILDINGS = [
    # in the purple zone P1 (0..100 × 0..100)
    {"uid": "prot", "name": "外滩三号", "protection": "历史建筑", "built_year": 1916, "geometry": square(10, 10)},
    {"uid": "old", "name": "旧楼", "built_year": 1990, "geometry": square(30, 10)},
    {"uid": "new", "address": "中山东一路9号", "built_year": 2010, "geometry": square(50, 10)},
    {"uid": "same", "built_year": 2004, "geometry": square(70, 10)},  # the line's year, not on 1 January
    {"uid": "nodate", "geometry": square(10, 50)},
    # in the purple zone P2 (200..300 × 0..100), whose own effective_on is 1980-01-01
    {"uid": "b85", "built_year": 1985, "geometry": square(210, 10)},   # the rule file's date would say existing
    {"uid": "b80", "built_year": 1980, "geometry": square(230, 10)},   # its year, and the line took effect 1 Jan
    {"uid": "b79", "built_year": 1979, "geometry": square(250, 10)},
    # in the green zone G1 (0..100 × 200..300)
    {"uid": "park", "building_use": "公园管理用房", "built_year": 2010, "geometry": square(10, 210)},
    {"uid": "house", "building_use": "住宅", "built_year": 2010, "geometry": square(30, 210)},
    {"uid": "prot_green", "protection": "文物保护单位", "built_year": 1900, "geometry": square(50, 210)},
]
LEDGER = [  # in P1 too
    {"uid": "L1", "started_on": "2005-03-01", "found_on": "2006-01-01", "geometry": square(30, 70)},  # started after
    {"uid": "L2", "found_on": "2003-05-01", "geometry": square(50, 70)},    # only found_on: before the line
    {"uid": "L3", "found_on": "2004-02-01", "geometry": square(70, 70)},    # found the day the line took effect
    {"uid": "L4", "started_on": "2004-01-31", "found_on": "2009-01-01", "geometry": square(70, 30)},  # started the day before
]
CONTROLS = {
    "purple": [{"uid": "P1", "geometry": box(0, 0, 100, 100)},
               {"uid": "P2", "effective_on": "1980-01-01", "geometry": box(200, 0, 300, 100)}],
    "green": [{"uid": "G1", "geometry": box(0, 200, 100, 300)}],
}


def check(rules=RULES, buildings=BUILDINGS, ledger=LEDGER):
    subjects = {"buildings": frame([{"district": "东区", **b} for b in buildings]), "ledger": frame(ledger)}
    controls = {k: frame(v) for k, v in CONTROLS.items()}
    return subjects, check_conflicts(subjects, controls, rules, crs=CRS_)


@pytest.fixture(scope="module")
def checked():
    return check()


def rows(result):
    return {r.subject_id: r for r in result.conflicts.itertuples()}


EXPECTED = {  # uid: (period, exemption)
    "prot": ("existing", "受保护建筑：历史建筑"),
    "old": ("existing", ""), "new": ("new", ""), "same": ("unknown", ""), "nodate": ("unknown", ""),
    "b85": ("new", ""), "b80": ("new", ""), "b79": ("existing", ""),
    "park": ("new", "绿地配套设施：公园管理用房"), "house": ("new", ""),
    "prot_green": ("existing", ""),  # protection exempts from the purple line only
    "L1": ("new", ""), "L2": ("existing", ""), "L3": ("new", ""), "L4": ("existing", ""),
}


def test_every_subject_gets_its_period_and_exemption(checked):
    _, result = checked
    got = {uid: (r.period, r.exemption) for uid, r in rows(result).items()}
    assert got == EXPECTED
    assert set(result.conflicts["relation"]) == {"encroach"}


def test_subject_name_is_the_name_else_the_address_else_the_uid(checked):
    _, result = checked
    names = {uid: r.subject_name for uid, r in rows(result).items()}
    assert (names["prot"], names["new"], names["same"], names["L1"]) == ("外滩三号", "中山东一路9号", "same", "L1")


def test_a_subject_without_any_date_field_and_a_line_without_a_date_are_unknown():
    # frames without built_year / started_on / found_on / protection (an older project) still check
    subjects = {"buildings": frame([{"uid": "x", "geometry": square(10, 10)}])}
    result = check_conflicts(subjects, {"purple": frame(CONTROLS["purple"][:1])}, RULES, crs=CRS_)
    assert result.conflicts[["period", "exemption"]].values.tolist() == [["unknown", ""]]
    # a dated building against a line with no date anywhere (no [effective_on], no field)
    subjects = {"buildings": frame([{"uid": "y", "built_year": 2020, "geometry": square(10, 10)}])}
    result = check_conflicts(subjects, {"purple": frame(CONTROLS["purple"][:1])}, parse_rules(BASE), crs=CRS_)
    assert result.conflicts["period"].tolist() == ["unknown"]


def test_the_default_rule_exempts_protected_buildings_from_purple_without_any_exempt_table():
    subjects = {"buildings": frame([{"uid": "p", "protection": "优秀历史建筑", "geometry": square(10, 10)},
                                    {"uid": "q", "protection": "  ", "geometry": square(30, 10)},
                                    {"uid": "r", "protection": "无", "geometry": square(50, 10)},
                                    {"uid": "s", "protection": "None", "geometry": square(70, 10)}])}
    result = check_conflicts(subjects, {"purple": frame(CONTROLS["purple"][:1])}, parse_rules(BASE), crs=CRS_)
    got = dict(zip(result.conflicts["subject_id"], result.conflicts["exemption"]))
    assert got == {"p": "受保护建筑：优秀历史建筑", "q": "", "r": "", "s": ""}  # blank or a word for none is not set


def test_totals_leave_exempt_rows_out_and_split_new_and_existing(checked):
    subjects, result = checked
    totals = area_totals({"buildings": subjects["buildings"]}, result.conflicts, by="district",
                         control_kinds=["green", "purple"])
    assert TOTAL_COLUMNS[-7:] == ["encroach_new", "encroach_existing", "overlap_new_m2", "overlap_existing_m2",
                                  "setback_new", "setback_existing", "exempt_count"]
    purple = totals[(totals["group"] == "东区") & (totals["control_kind"] == "purple")].iloc[0]
    # purple: old, new, same, nodate, b85, b80, b79 count (prot is exempt); new: new, b85, b80; existing: old, b79
    assert (purple.encroach_count, purple.encroach_new, purple.encroach_existing) == (7, 3, 2)
    assert (purple.overlap_m2, purple.overlap_new_m2, purple.overlap_existing_m2) == pytest.approx((700, 300, 200))
    assert purple.exempt_count == 1
    green = totals[(totals["group"] == "东区") & (totals["control_kind"] == "green")].iloc[0]
    # green: house (new), prot_green (existing) count; park is exempt
    assert (green.encroach_count, green.encroach_new, green.encroach_existing, green.exempt_count) == (2, 1, 1, 1)
    every = totals[(totals["group"] == ALL) & (totals["control_kind"] == ALL)].iloc[0]
    assert (every.encroach_count, every.encroach_new, every.encroach_existing, every.exempt_count) == (9, 4, 3, 2)
    assert (every.overlap_m2, every.overlap_new_m2) == pytest.approx((900, 400))


def test_ledger_totals_split_by_start_else_found_date(checked):
    subjects, result = checked
    totals = area_totals({"ledger": subjects["ledger"]}, result.conflicts, by="district", control_kinds=["purple"])
    purple = totals[(totals["group"] == ALL) & (totals["control_kind"] == "purple")].iloc[0]
    assert (purple.encroach_count, purple.encroach_new, purple.encroach_existing, purple.exempt_count) == (4, 2, 2, 0)


def test_indicators_leave_exempt_rows_out_and_split_new_and_existing(checked):
    subjects, result = checked
    found = {i.code: i for i in compute_indicators({"buildings": subjects["buildings"]}, result.conflicts, {})}
    assert found["occupation_count_purple"].value == 7  # of 8 buildings in purple zones: prot is exempt
    assert found["occupation_area_purple"].value == pytest.approx(700.0)
    assert (found["occupation_count_purple_new"].value, found["occupation_count_purple_existing"].value) == (3, 2)
    assert found["occupation_area_purple_new"].value == pytest.approx(300.0)
    assert found["occupation_area_purple_existing"].value == pytest.approx(200.0)
    assert found["occupation_count_purple_new"].target == 0.0
    assert found["occupation_count_green"].value == 2


def test_summary_counts_leave_exempt_rows_out(checked):
    _, result = checked
    assert periods.summary_counts(result.conflicts) == {
        "encroach": 13, "encroach_new": 6, "encroach_existing": 5, "encroach_unknown": 2, "setback": 0,
        "setback_new": 0, "setback_existing": 0, "setback_unknown": 0, "exempt": 2}


@pytest.mark.parametrize("table, says_zh, says_en", [
    ("[effective_on]\npurple = 2004", "[effective_on] purple = 2004 应为日期", "must be a date"),
    ('[effective_on]\npurple = "2004-02-30"', "应为日期，例如 purple = 2005-01-01", "must be a date"),
    ("[effective_on]\nbrown = 2004-02-01", "[effective_on] 中的 brown 未知", "unknown key brown in [effective_on]"),
    ('[exempt]\npurple = "protection"', "应为 {field = ..., reason = ...} 的列表", "must be a list of"),
    ('[exempt]\npurple = [{field = "保护", reason = "x"}]', '字段 "保护" 不是建筑或台账的字段',
     '"保护" is not a field of buildings or the ledger'),
    ('[exempt]\npurple = [{field = "protection"}]', "reason 应为非空文字", "reason must be non-empty text"),
    ('[exempt]\npurple = [{field = "protection", reason = "x", value = "y"}]', "未知的键 value",
     "unknown key value"),
    ('[exempt]\npurple = [{field = "protection", reason = "x", values = "y"}]', "values 应为文字的列表",
     "values must be a list of text"),
])
def test_a_bad_effective_on_or_exempt_table_is_refused_clearly(table, says_zh, says_en):
    from gisdesk import i18n
    for language, says in (("zh", says_zh), ("en", says_en)):
        i18n.set_language(language)
        with pytest.raises(RuleError) as caught:
            parse_rules(BASE + table, source="city.toml")
        assert says in str(caught.value) and "city.toml" in str(caught.value)


def test_exempt_fields_may_be_named_in_chinese():
    rules = parse_rules(BASE + '[exempt]\nblue = [{field = "保护类别", reason = "文保"}]')
    assert rules.exempt["blue"][0].field == "protection"


# --- through the project and the CLI -----------------------------------------------------------

@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "p.gpkg", crs=CRS_)
    # the user's own column names, read through the schema's synonyms
    frame([{"bid": "B1", "名称": "外滩三号", "保护等级": "历史建筑", "建成年代": 1916, "geometry": square(10, 10)},
           {"bid": "B2", "地址": "中山东一路9号", "建成年代": 2010, "geometry": square(50, 10)},
           {"bid": "B3", "建成年代": 1990, "geometry": square(30, 10)},
           {"bid": "B4", "geometry": square(70, 10)}]).to_file(tmp_path / "b.geojson")
    frame([{"pid": "P1", "geometry": box(0, 0, 100, 100)}]).to_file(tmp_path / "purple.geojson")
    frame([{"pid": "P2", "批复日期": "1980-01-01", "geometry": box(200, 0, 300, 100)}]).to_file(tmp_path / "p2.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    import_layer(p, tmp_path / "purple.geojson", "purple", id_field="pid")
    import_layer(p, tmp_path / "p2.geojson", "purple", id_field="pid", update=True)
    (tmp_path / "rules.toml").write_text(RULES_TEXT, encoding="utf-8")
    return p


def test_conflicts_csv_keeps_its_columns_and_gains_three_at_the_end(project, tmp_path, cli):
    code, out, err = cli("check", project.path, "--rules", tmp_path / "rules.toml", "--out", tmp_path / "out")
    assert (code, err) == (0, ""), err
    with open(tmp_path / "out" / "conflicts.csv", encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    assert header == ["subject_layer", "subject_id", "control_kind", "control_id", "relation", "overlap_m2",
                      "depth_m", "distance_m", "required_m", "shortfall_m", "subject_table", "control_table",
                      "period", "exemption", "subject_name"]
    with open(tmp_path / "out" / "conflicts.csv", encoding="utf-8") as handle:
        got = {r["subject_id"]: (r["period"], r["exemption"], r["subject_name"]) for r in csv.DictReader(handle)}
    assert got == {"B1": ("existing", "受保护建筑：历史建筑", "外滩三号"), "B2": ("new", "", "中山东一路9号"),
                   "B3": ("existing", "", "B3"), "B4": ("unknown", "", "B4")}
    # the summary counts what counts: 3 encroachments (1 new, 1 existing, 1 of unknown date), 1 exempt
    assert "压线 3 处（新增 1，既有 1，未知 1）" in out and "另有 1 处按规则豁免" in out
    stored = project.conflicts().set_index("subject_id")
    assert stored.loc["B1", "exemption"] == "受保护建筑：历史建筑" and stored.loc["B2", "period"] == "new"
    assert project.last_run()["summary"]["exempt"] == 1


def test_a_feature_effective_on_overrides_the_rule_file(project, tmp_path, cli):
    frame([{"bid": "B5", "建成年代": 1985, "geometry": square(210, 10)}]).to_file(tmp_path / "b5.geojson")
    import_layer(project, tmp_path / "b5.geojson", "buildings", id_field="bid", update=True)
    code, _, err = cli("check", project.path, "--rules", tmp_path / "rules.toml", "--out", tmp_path / "out")
    assert code == 0, err
    assert project.conflicts().set_index("subject_id").loc["B5", "period"] == "new"  # 1985 ≥ 1980-01-01, not 2004


def test_results_stored_by_an_older_gisdesk_read_unknown_and_not_exempt(project, tmp_path, cli):
    code, _, err = cli("check", project.path, "--rules", tmp_path / "rules.toml", "--out", tmp_path / "out")
    assert code == 0, err
    with sqlite3.connect(project.path) as db:
        db.execute("ALTER TABLE gisdesk_conflicts DROP COLUMN period")
        db.execute("ALTER TABLE gisdesk_conflicts DROP COLUMN exemption")
    stored = project.conflicts()
    assert set(stored["period"]) == {"unknown"} and set(stored["exemption"]) == {""}
    assert len(stored) == 4
    code, out, err = cli("totals", project.path)
    assert code == 0, err


def test_the_encroachment_chart_leaves_exempt_rows_out(checked):
    from gisdesk.analysis.charts import encroachment_by_district

    subjects, result = checked
    totals = area_totals({"buildings": subjects["buildings"]}, result.conflicts, by="district",
                         control_kinds=["green", "purple"])
    chart = encroachment_by_district(totals)
    assert chart.loc["东区", "purple"] == pytest.approx(700.0)  # 800 m² in purple zones, prot's 100 exempt
    assert chart.loc["东区", "green"] == pytest.approx(200.0)   # park's 100 exempt


def test_subject_names_fall_back_to_columns_the_schema_reads_as_name_or_address(project):
    from gisdesk.analysis.conflict_list import subject_names

    from gisdesk import gpkg

    with gpkg.connect(project.path) as db:  # columns another tool added (the importer maps them itself)
        db.execute('ALTER TABLE buildings ADD COLUMN "名称" TEXT')
        db.execute('ALTER TABLE buildings ADD COLUMN "地址" TEXT')
        db.execute("""UPDATE buildings SET "名称" = '海关大楼' WHERE uid = 'B3'""")
        db.execute("""UPDATE buildings SET "地址" = '汉口路1号' WHERE uid = 'B4'""")
    frame_ = pd.DataFrame({"subject_table": "buildings", "subject_id": ["B1", "B2", "B3", "B4"]})
    assert subject_names(project, frame_).tolist() == ["外滩三号", "中山东一路9号", "海关大楼", "汉口路1号"]


def test_a_project_whose_layers_lack_the_new_fields_still_checks(tmp_path, cli):
    from gisdesk import gpkg

    p = Project.create(tmp_path / "old.gpkg", crs=CRS_)
    frame([{"bid": "B1", "geometry": square(10, 10)}]).to_file(tmp_path / "b.geojson")
    frame([{"pid": "P1", "geometry": box(0, 0, 100, 100)}]).to_file(tmp_path / "purple.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    import_layer(p, tmp_path / "purple.geojson", "purple", id_field="pid")
    with gpkg.connect(p.path) as db:  # as an older gisdesk made them
        for table, column in (("buildings", "built_year"), ("buildings", "protection"),
                              ("purple_lines", "effective_on")):
            if column in {name for name, _ in gpkg.columns_of(db, table)}:
                db.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
        assert not {"built_year", "protection"} & {name for name, _ in gpkg.columns_of(db, "buildings")}
    (tmp_path / "rules.toml").write_text(RULES_TEXT, encoding="utf-8")
    code, _, err = cli("check", p.path, "--rules", tmp_path / "rules.toml", "--out", tmp_path / "out")
    assert code == 0, err
    assert Project.open(p.path).conflicts()[["subject_id", "period", "exemption"]].values.tolist() == \
        [["B1", "unknown", ""]]
