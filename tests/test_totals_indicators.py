"""Totals dissolve overlaps before measuring; indicators carry their numerator and denominator."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import CRS
from shapely.geometry import LineString, Point, box

from gisdesk.analysis.conflicts import check_conflicts
from gisdesk.analysis.indicators import compute_indicators
from gisdesk.analysis.totals import ALL, UNASSIGNED, area_totals
from gisdesk.errors import InputError
from gisdesk.rules import load_rules
from tests.conftest import frame

RULES = load_rules()


@pytest.fixture
def checked():
    buildings = frame([
        # crosses both the blue and the green zone where they overlap (x 650..700)
        {"uid": "a", "district": "东区", "geometry": box(640, 45, 680, 60)},
        # crosses two red zones at a junction: the overlaps overlap each other
        {"uid": "b", "district": "东区", "geometry": box(0, 0, 10, 10)},
        {"uid": "c", "district": "西区", "geometry": box(300, 300, 310, 320)},
        {"uid": "d", "district": None, "geometry": box(900, 900, 905, 905)},
    ])
    controls = {
        "blue": frame([{"uid": "W1", "geometry": box(600, 0, 700, 50)}]),
        "green": frame([{"uid": "G2", "geometry": box(650, 0, 750, 50)}]),
        "red": frame([{"uid": "EW", "geometry": LineString([(-50, 5), (50, 5)]), "half_width_m": 3.0},
                      {"uid": "NS", "geometry": LineString([(5, -50), (5, 50)]), "half_width_m": 3.0}]),
    }
    result = check_conflicts({"buildings": buildings}, controls, RULES, crs=CRS.from_epsg(4549))
    return buildings, result


def row(totals, group, kind):
    found = totals[(totals["group"] == group) & (totals["control_kind"] == kind)]
    assert len(found) == 1, (group, kind)
    return found.iloc[0]


def test_overlaps_are_dissolved_per_kind_and_across_kinds(checked):
    buildings, result = checked
    totals = area_totals({"buildings": buildings}, result.conflicts, by="district", area_method="planar")
    east = totals[totals["group"] == "东区"]
    assert row(east, "东区", "blue").overlap_m2 == pytest.approx(200.0)   # 40 × 5
    assert row(east, "东区", "green").overlap_m2 == pytest.approx(150.0)  # 30 × 5
    # the two red overlaps (10 × 6 each) share a 6 × 6 square at the junction: 60 + 60 − 36
    assert row(east, "东区", "red").overlap_m2 == pytest.approx(84.0)
    # across kinds, the blue/green overlap (30 × 5) counts once: 200 + 84 (building b)
    assert row(east, "东区", ALL).overlap_m2 == pytest.approx(284.0)
    assert row(east, "东区", ALL).encroach_count == 2
    assert row(east, "东区", ALL).footprint_m2 == pytest.approx(600.0 + 100.0)
    assert row(totals, "西区", ALL).encroach_count == 0
    assert row(totals, UNASSIGNED, ALL).features == 1  # an empty district is its own group, not dropped
    assert row(totals, ALL, ALL).footprint_m2 == pytest.approx(600 + 100 + 200 + 25)
    assert row(totals, ALL, ALL).overlap_m2 == pytest.approx(284.0)


def test_unknown_grouping_is_refused(checked):
    buildings, result = checked
    with pytest.raises(InputError):
        area_totals({"buildings": buildings}, result.conflicts, by="city")


def test_indicators_state_numerator_denominator_and_value(checked):
    buildings, result = checked
    ledger = frame([
        {"uid": "1", "status": "已拆除", "stock": "存量", "found_on": "2025-01-02", "illegal_area_m2": 100.0,
         "demolished_m2": 100.0, "geometry": Point(0, 0)},
        {"uid": "2", "status": "已立案", "stock": "存量", "found_on": "2025-02-01", "illegal_area_m2": 300.0,
         "demolished_m2": None, "geometry": Point(0, 0)},
        {"uid": "3", "status": "限期拆除", "stock": "新增", "found_on": "2025-06-30", "illegal_area_m2": 50.0,
         "demolished_m2": None, "geometry": Point(0, 0)},
        {"uid": "4", "status": "不予立案", "stock": "新增", "found_on": "2025-03-01", "illegal_area_m2": 10.0,
         "demolished_m2": None, "geometry": Point(0, 0)},
    ])
    estates = frame([
        {"uid": "e1", "status": "已完工", "households": 100, "geometry": box(0, 0, 1, 1)},
        {"uid": "e2", "status": "计划", "households": 300, "geometry": box(0, 0, 1, 1)},
        {"uid": "e3", "status": "储备", "households": 50, "geometry": box(0, 0, 1, 1)},
    ])
    parking = frame([
        {"uid": "p1", "category": "配建", "spaces": 60, "geometry": Point(0, 0)},
        {"uid": "p2", "category": "路外公共", "spaces": 30, "geometry": Point(0, 0)},
        {"uid": "p3", "category": "路内", "spaces": 10, "geometry": Point(0, 0)},
    ])
    found = {i.code: i for i in compute_indicators(
        {"buildings": buildings, "ledger": ledger, "old_estates": estates, "parking": parking},
        result.conflicts, RULES.targets)}
    handling = found["handling_rate"]
    assert (handling.numerator, handling.denominator) == (2, 3)  # 不予立案 is no case found
    assert handling.value == pytest.approx(2 / 3)
    assert handling.window == "2025-01-02..2025-06-30"
    assert handling.target == 0.90
    assert found["handling_rate_stock"].value == pytest.approx(1 / 2)
    assert found["handling_rate_area"].value == pytest.approx(150 / 450)
    assert found["demolition_rate"].value == pytest.approx(100 / 400)
    assert found["renovation_rate"].value == pytest.approx(1 / 2)
    assert found["renovation_rate_households"].value == pytest.approx(100 / 400)
    assert found["parking_share_attached"].value == pytest.approx(0.6)
    assert found["parking_share_on_street"].value == pytest.approx(0.1)
    assert found["occupation_count_red"].value == 1
    assert found["occupation_area_red"].value == pytest.approx(84.0)
    assert all(i.definition for i in found.values())


def test_dissolved_area_unions_only_what_overlaps():
    from gisdesk.analysis.dissolve import dissolved_area, dissolved_length, touching_groups

    squares = [box(0, 0, 10, 10), box(5, 0, 15, 10),    # overlap by 5 × 10: union 150
               box(100, 0, 110, 10),                    # alone: 100
               box(200, 0, 210, 10), box(208, 0, 218, 10), box(216, 0, 226, 10)]  # a chain: 26 × 10
    groups = touching_groups(np.array(squares, dtype=object))
    assert groups[0] == groups[1] and groups[3] == groups[4] == groups[5]
    assert len(set(groups)) == 3
    assert dissolved_area(squares + [None]) == pytest.approx(150 + 100 + 260)
    assert dissolved_length([LineString([(0, 0), (10, 0)]), LineString([(5, 0), (20, 0)])]) == pytest.approx(20)
