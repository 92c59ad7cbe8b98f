"""A draft case from a footprint seen on two dated images: its number, its values, its admin fields."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import Point, box

from gisdesk.layers.draft_case import admin_of, draft_case, next_case_no
from gisdesk.layers.layer import Layer
from tests.conftest import frame


@pytest.mark.parametrize("existing, year, expected", [
    ([], 2026, "WP2026-0001"),  # a ledger without numbers of the usual form
    (["HP2024-0012", "HP2024-0013"], 2024, "HP2024-0014"),
    (["HP2024-0012", "HP2025-0003"], 2026, "HP2026-0001"),  # a new year starts again
    (["HP2026-0009", "XH2026-0050", "HP2025-0001"], 2026, "HP2026-0010"),  # the prefix most numbers have
    (["JA2026-00007"], 2026, "JA2026-00008"),  # as many digits as the ledger writes
    (["卫片2026-0002", "WJ-003"], 2026, "卫片2026-0003"),  # other numbers are left alone
    (["HP2026-0001", None, ""], 2026, "HP2026-0002"),
])
def test_the_next_case_number_follows_the_ledgers_own_form(existing, year, expected):
    assert next_case_no(existing, year) == expected


def test_a_number_taken_as_a_uid_is_skipped():
    assert next_case_no(["HP2026-0001", "HP2026-0002"], 2026) == "HP2026-0003"


def layer_with_admin(rows):
    return Layer("buildings", frame([{"uid": f"B{i}", "name": "", **row} for i, row in enumerate(rows)]))


A = {"district": "黄浦区", "street": "外滩街道", "community": "中山东一路社区"}
B = {"district": "浦东新区", "street": "陆家嘴街道", "community": "梅园社区"}


def test_admin_fields_come_from_the_feature_the_footprint_stands_in_else_the_nearest_within_300_m():
    buildings = layer_with_admin([{**A, "geometry": box(0, 0, 100, 100)}, {**B, "geometry": box(500, 0, 600, 100)}])
    assert admin_of([buildings], box(10, 10, 20, 20)) == A  # inside the first
    assert admin_of([buildings], box(450, 10, 460, 20)) == B  # 40 m from the second, 350 from the first
    assert admin_of([buildings], box(150, 10, 160, 20)) == A  # 50 m from the first
    assert admin_of([buildings], box(2000, 0, 2010, 10)) == {}  # nothing within 300 m
    assert admin_of([], box(10, 10, 20, 20)) == {}


def test_a_feature_with_empty_admin_fields_is_passed_over():
    empty = {"district": None, "street": "", "community": None}
    buildings = layer_with_admin([{**empty, "geometry": box(0, 0, 100, 100)}, {**B, "geometry": box(120, 0, 200, 100)}])
    assert admin_of([buildings], box(10, 10, 20, 20)) == B


def test_a_draft_case_holds_status_source_dates_area_and_admin():
    ledger = Layer("ledger", frame([{"uid": "HP2026-0004", "case_no": "HP2026-0004", "status": "已立案",
                                     "geometry": Point(0, 0).buffer(5)}]))
    buildings = layer_with_admin([{**A, "geometry": box(0, 0, 100, 100)}])
    case_no, values = draft_case(ledger, box(10, 10, 40, 30), before="2016-06", after="2024-06", around=[buildings],
                                 today=dt.date(2026, 12, 1))
    assert case_no == "HP2026-0005"
    assert values == {"case_no": "HP2026-0005", "status": "待核查", "source": "卫片图斑", "stock": "新增",
                      "found_on": "2026-12-01", "image_before": "2016-06", "image_after": "2024-06",
                      "footprint_m2": 600.0, **A}
