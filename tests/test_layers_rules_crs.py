"""Layer schemas, the ledger workflow, rule files and the choice of Gauss-Krüger zone."""

from __future__ import annotations

import pandas as pd
import pytest

from gisdesk import i18n
from gisdesk.crs import gk3_epsg
from gisdesk.errors import InputError, RuleError, ValidationError
from gisdesk.layers.kinds import KINDS, LEDGER_STATUSES, VIOLATION_CODES
from gisdesk.layers.ledger import TRANSITIONS, check_transition, path_to
from gisdesk.layers.schema import conform
from gisdesk.rules import load_rules, parse_rules


@pytest.mark.parametrize("lon, prefixed, unprefixed", [
    (114.0, 4526, 4547),   # the docs/domain.md example: CM 114°E
    (116.4, 4527, 4548),   # Beijing, CM 117°E
    (121.47, 4528, 4549),  # Shanghai Puxi, CM 120°E (zone 40 reaches 121.5°E)
    (121.52, 4529, 4550),  # Lujiazui, CM 123°E
    (75.2, 4513, 4534),
    (134.9, 4533, 4554),
])
def test_gauss_kruger_zone_codes(lon, prefixed, unprefixed):
    assert gk3_epsg(lon, prefixed=True) == prefixed
    assert gk3_epsg(lon) == unprefixed


def test_longitude_outside_china_has_no_zone():
    with pytest.raises(InputError, match="60.7"):
        gk3_epsg(60.7)


def test_schema_maps_chinese_labels_and_converts_types():
    source = pd.DataFrame({"编号": ["HP-1"], "发现时间": ["2025/3/7"], "处置状态": ["已立案"], "层数": ["3"],
                           "违法类型": ["WPXJ、CG"], "extra": ["kept"]})
    ledger = conform(source, KINDS["ledger"].schema, source="x.xlsx")
    row = ledger.iloc[0]
    assert (row.case_no, row.found_on, row.status, row.floors, row.violation, row.extra) == \
        ("HP-1", "2025-03-07", "已立案", 3, "WPXJ,CG", "kept")
    assert pd.isna(row.deadline)  # missing optional fields are added empty


def test_schema_errors_name_the_feature_field_and_value():
    source = pd.DataFrame({"case_no": ["A", "B"], "found_on": ["2025-01-01", "someday"], "status": ["待核查", "已处理"],
                           "violation": ["XYZ", "CG"]})
    with pytest.raises(ValidationError) as caught:
        conform(source, KINDS["ledger"].schema, source="ledger.csv", uids=["A", "B"])
    message = str(caught.value)
    assert message.startswith("ledger.csv：") and "要素 A" in message and "XYZ" in message
    assert "另有 2 处问题" in message  # someday and 已处理 too
    i18n.set_language("en")
    assert str(caught.value).startswith("ledger.csv: feature A, field violation: unknown code XYZ")


def test_required_fields_must_be_present():
    with pytest.raises(ValidationError, match="字段 处置状态：缺少必填字段"):
        conform(pd.DataFrame({"case_no": ["A"], "found_on": ["2025-01-01"]}), KINDS["ledger"].schema, source="s")


def test_every_status_is_reachable_and_ends_closed():
    assert set(TRANSITIONS) == set(LEDGER_STATUSES)
    for status in LEDGER_STATUSES:
        path = path_to(status)
        assert path[0] == "待核查" and path[-1] == status
        for old, new in zip(path, path[1:]):
            check_transition("c", old, new)
    assert TRANSITIONS["已结案"] == ()
    with pytest.raises(ValidationError):
        check_transition("c", "已结案", "待核查")
    assert len(VIOLATION_CODES) == 11


def test_default_rules_hold_every_kind_and_the_tolerances():
    rules = load_rules()
    assert set(rules.setback) == {"red", "green", "blue", "purple", "yellow"}
    assert (rules.overlap_m2, rules.width_m) == (0.5, 0.1)


@pytest.mark.parametrize("text, says", [
    ("[setback\nred = 1", "TOML"),
    ("[setback]\nred = 1\n", "green"),  # every kind needs its setback
    ("[setback]\nred=1\ngreen=1\nblue=1\npurple=0\nyellow=-2\n", "yellow"),
    ("[setback]\nred=1\ngreen=1\nblue=1\npurple=0\nyellow=2\norange=3\n", "orange"),
    ("[setback]\nred=1\ngreen=1\nblue=1\npurple=0\nyellow=2\n[tolerance]\noverlap_m2='big'\n", "overlap_m2"),
])
def test_bad_rule_files_are_refused_with_the_key(text, says):
    with pytest.raises(RuleError, match=says):
        parse_rules(text, source="city.toml")


def test_missing_rule_file(tmp_path):
    with pytest.raises(RuleError, match="nope.toml"):
        load_rules(tmp_path / "nope.toml")


def test_a_project_is_checked_by_its_stored_rules_else_the_default_file(tmp_path):
    """One lookup for `gisdesk check`, the app's check and the indicators' targets."""
    from gisdesk.project import Project
    from gisdesk.rules import DEFAULT_RULES_PATH, project_rules

    project = Project.create(tmp_path / "p.gpkg")
    assert project_rules(project).text == DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    stored = DEFAULT_RULES_PATH.read_text(encoding="utf-8").replace("red = 10.0", "red = 12.5")
    project.set_settings(rules=stored)
    rules = project_rules(project)
    assert rules.setback["red"] == 12.5 and rules.text == stored
    project.set_settings(rules="[setback]\nred = -1")
    with pytest.raises(RuleError, match="p.gpkg"):  # a broken stored rule file names the project
        project_rules(project)
