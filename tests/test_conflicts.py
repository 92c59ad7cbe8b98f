"""The conflict engine on hand-made geometries whose answers were worked out by hand.

Default rules: setbacks red 10, green 5, blue 10, purple 0, yellow 5 m (red expressway 25);
tolerances: overlap > 0.5 m² and depth ≥ 0.1 m. Coordinates are metres (EPSG:4549).
"""

from __future__ import annotations

import math

import pytest
import shapely
from pyproj import CRS
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from gisdesk.analysis.conflicts import CONFLICT_COLUMNS, check_conflicts
from gisdesk.errors import InputError
from gisdesk.rules import load_rules, parse_rules
from tests.conftest import frame

RULES = load_rules()


def run(buildings, controls, rules=RULES, ledger=None):
    subjects = {"buildings": frame(buildings)}
    if ledger is not None:
        subjects["ledger"] = frame(ledger)
    result = check_conflicts(subjects, {k: frame(v) for k, v in controls.items()}, rules, crs=CRS.from_epsg(4549))
    by_pair = {(r.subject_id, r.control_id): r for r in result.conflicts.itertuples()}
    return result, by_pair


ROAD = {"red": [{"uid": "R1", "geometry": box(0, 0, 200, 20)}]}  # a red zone 20 m wide


def test_building_crossing_by_two_metres_encroaches():
    _, rows = run([{"uid": "b", "geometry": box(10, 18, 20, 30)}], ROAD)
    row = rows[("b", "R1")]
    assert row.relation == "encroach"
    assert row.overlap_m2 == pytest.approx(20.0)
    assert row.depth_m == pytest.approx(2.0, abs=0.005)
    assert (row.distance_m, row.required_m, row.shortfall_m) == (0.0, 10.0, 10.0)


def test_touching_building_falls_short_of_the_whole_setback():
    _, rows = run([{"uid": "b", "geometry": box(30, 20, 40, 30)}], ROAD)
    row = rows[("b", "R1")]
    assert (row.relation, row.overlap_m2, row.distance_m, row.shortfall_m) == ("setback", 0.0, 0.0, 10.0)


def test_sliver_under_area_tolerance_is_judged_as_touching():
    _, rows = run([{"uid": "b", "geometry": box(50, 19.96, 60, 30)}], ROAD)  # 10 m × 0.04 m = 0.4 m²
    row = rows[("b", "R1")]
    assert row.relation == "setback"
    assert row.overlap_m2 == pytest.approx(0.4)
    assert (row.distance_m, row.shortfall_m) == (0.0, 10.0)


def test_thin_overlap_under_width_tolerance_is_not_an_encroachment():
    _, rows = run([{"uid": "b", "geometry": box(60, 19.95, 90, 30)}], ROAD)  # 1.5 m² but only 0.05 m deep
    row = rows[("b", "R1")]
    assert row.relation == "setback"
    assert row.overlap_m2 == pytest.approx(1.5)
    assert row.depth_m == pytest.approx(0.05, abs=0.005)


def test_tolerances_come_from_the_rule_file():
    strict = parse_rules(RULES.text.replace("overlap_m2 = 0.5", "overlap_m2 = 0.1").replace("width_m = 0.1",
                                                                                             "width_m = 0.01"))
    _, rows = run([{"uid": "b", "geometry": box(60, 19.95, 90, 30)}], ROAD, rules=strict)
    assert rows[("b", "R1")].relation == "encroach"


def test_setback_shortfall_and_clear_building():
    _, rows = run([{"uid": "near", "geometry": box(100, 25, 110, 35)},
                   {"uid": "far", "geometry": box(120, 31, 130, 40)}], ROAD)
    near = rows[("near", "R1")]
    assert (near.relation, near.distance_m, near.required_m, near.shortfall_m) == ("setback", 5.0, 10.0, 5.0)
    assert ("far", "R1") not in rows  # 11 m away, setback 10 m


def test_building_spanning_a_zone_is_as_deep_as_half_its_width():
    # the deepest point of the overlap is on the zone's centre line, inside the overlap, not at a vertex
    _, rows = run([{"uid": "b", "geometry": box(140, -5, 143, 25)}], ROAD)
    row = rows[("b", "R1")]
    assert row.overlap_m2 == pytest.approx(60.0)
    assert row.depth_m == pytest.approx(10.0, abs=0.005)


GREEN_WITH_HOLE = {"green": [{"uid": "G1", "geometry": Polygon(
    [(300, 0), (400, 0), (400, 100), (300, 100)], [[(330, 30), (370, 30), (370, 70), (330, 70)]])}]}


def test_building_in_a_hole_of_a_zone_is_outside_it():
    _, rows = run([{"uid": "clear", "geometry": box(340, 40, 360, 60)},   # 10 m from every side of the hole
                   {"uid": "near", "geometry": box(333, 40, 340, 60)}],   # 3 m from the hole's west side
                  GREEN_WITH_HOLE)
    assert ("clear", "G1") not in rows
    near = rows[("near", "G1")]
    assert (near.relation, near.distance_m, near.required_m, near.shortfall_m) == ("setback", 3.0, 5.0, 2.0)


def test_building_inside_a_zone_reaches_as_deep_as_its_innermost_point():
    # B = 310..320 × 10..20 lies between the shell's corner (300, 0) and the hole's corner (330, 30).
    # On the diagonal (300+t, t) the distance to ∂Z is min(t, √2·(30−t)): largest where they are
    # equal, t = 30√2/(1+√2) = 17.574 m, a point inside B; every vertex of B is at most 14.1 m deep.
    _, rows = run([{"uid": "b", "geometry": box(310, 10, 320, 20)}], GREEN_WITH_HOLE)
    row = rows[("b", "G1")]
    assert row.relation == "encroach"
    assert row.overlap_m2 == pytest.approx(100.0)
    assert row.depth_m == pytest.approx(30 * math.sqrt(2) / (1 + math.sqrt(2)), abs=0.005)


def test_multipolygon_zone_is_one_control_feature():
    purple = {"purple": [{"uid": "P1", "geometry": MultiPolygon([box(500, 0, 520, 20), box(540, 0, 560, 20)])}]}
    result, rows = run([{"uid": "b", "geometry": box(515, 5, 545, 10)}], purple)
    assert len(result.conflicts) == 1
    row = rows[("b", "P1")]
    assert (row.relation, row.overlap_m2) == ("encroach", pytest.approx(50.0))
    assert row.depth_m == pytest.approx(5.0, abs=0.005)
    # purple has no setback: a building merely touching the core zone is no conflict
    _, rows = run([{"uid": "t", "geometry": box(520, 5, 530, 10)}], purple)
    assert rows == {}


def test_overlapping_blue_and_green_zones_give_one_row_each():
    controls = {"blue": [{"uid": "W1", "geometry": box(600, 0, 700, 50)}],
                "green": [{"uid": "G2", "geometry": box(650, 0, 750, 50)}]}
    _, rows = run([{"uid": "b", "geometry": box(640, 45, 680, 60)}], controls)
    assert rows[("b", "W1")].overlap_m2 == pytest.approx(200.0)
    assert rows[("b", "G2")].overlap_m2 == pytest.approx(150.0)
    assert rows[("b", "W1")].depth_m == pytest.approx(5.0, abs=0.005)
    assert rows[("b", "G2")].depth_m == pytest.approx(5.0, abs=0.005)


def test_centre_line_with_half_width_becomes_its_buffer():
    red = {"red": [{"uid": "L1", "geometry": LineString([(800, 0), (900, 0)]), "half_width_m": 10.0}]}
    _, rows = run([{"uid": "b", "geometry": box(840, 8, 850, 20)}], red)
    row = rows[("b", "L1")]
    assert (row.relation, row.overlap_m2) == ("encroach", pytest.approx(20.0))
    assert row.depth_m == pytest.approx(2.0, abs=0.005)


def test_boundary_line_with_side_becomes_a_band_on_that_side():
    # the line runs east; its left side is north
    red = {"red": [{"uid": "E1", "geometry": LineString([(0, 500), (100, 500)]), "half_width_m": 15.0,
                    "side": "left"}]}
    _, rows = run([{"uid": "north", "geometry": box(40, 510, 50, 520)},   # 5 m inside the band
                   {"uid": "south", "geometry": box(40, 490, 50, 498)}],  # 2 m outside, on the other side
                  red)
    assert rows[("north", "E1")].relation == "encroach"
    assert rows[("north", "E1")].depth_m == pytest.approx(5.0, abs=0.005)
    assert rows[("south", "E1")].distance_m == pytest.approx(2.0)


def test_setback_by_road_class_and_by_feature():
    red = {"red": [
        {"uid": "X", "geometry": LineString([(800, 100), (900, 100)]), "half_width_m": 10.0, "road_class": "expressway"},
        {"uid": "R3", "geometry": box(1000, 0, 1100, 20), "setback_m": 3.0},
    ]}
    _, rows = run([{"uid": "cls", "geometry": box(840, 130, 850, 140)},   # 20 m from the zone, expressway 25 m
                   {"uid": "ok", "geometry": box(1040, 24, 1050, 30)},    # 4 m, own setback 3 m
                   {"uid": "short", "geometry": box(1060, 22, 1070, 30)}], red)
    assert (rows[("cls", "X")].required_m, rows[("cls", "X")].shortfall_m) == (25.0, 5.0)
    assert ("ok", "R3") not in rows
    assert (rows[("short", "R3")].required_m, rows[("short", "R3")].shortfall_m) == (3.0, 1.0)


def test_invalid_geometry_is_repaired_and_counted_and_points_are_skipped_and_counted():
    bowtie = Polygon([(10, 15), (20, 25), (20, 15), (10, 25)])  # self-intersecting, crosses the zone edge
    result, rows = run([{"uid": "bow", "geometry": bowtie}], ROAD,
                       ledger=[{"uid": "L-1", "geometry": box(10, 15, 12, 17)},
                               {"uid": "L-2", "geometry": shapely.Point(50, 10)}])
    assert result.repaired["buildings"] == 1
    assert rows[("bow", "R1")].relation == "encroach"
    # repaired into two triangles meeting at (15, 20); below y=20 each keeps a 5 × 5 half: 2 × 12.5 m²,
    # reaching down to y=15, 5 m deep
    assert rows[("bow", "R1")].overlap_m2 == pytest.approx(25.0)
    assert rows[("bow", "R1")].depth_m == pytest.approx(5.0, abs=0.005)
    assert result.skipped == {"buildings": 0, "ledger": 1}
    assert result.checked == {"buildings": 1, "ledger": 1}
    # the ledger case lies wholly inside: 5 m from the zone's north edge at its lowest points
    ledger_row = result.conflicts[result.conflicts.subject_layer == "ledger"].iloc[0]
    assert (ledger_row.subject_id, ledger_row.relation) == ("L-1", "encroach")
    assert ledger_row.depth_m == pytest.approx(5.0, abs=0.005)


def test_result_has_exactly_the_contract_columns_in_order():
    result, _ = run([{"uid": "b", "geometry": box(10, 18, 20, 30)}], ROAD)
    # the ten columns of the first conflicts.csv, in order, then the layer ids, then when it counts (issue 9)
    assert CONFLICT_COLUMNS == ["subject_layer", "subject_id", "control_kind", "control_id", "relation", "overlap_m2",
                                "depth_m", "distance_m", "required_m", "shortfall_m", "subject_table", "control_table",
                                "period", "exemption", "subject_name"]
    assert list(result.conflicts.columns[:12]) == CONFLICT_COLUMNS[:12]
    assert set(CONFLICT_COLUMNS) <= set(result.conflicts.columns)


def test_line_without_half_width_is_refused_with_its_uid():
    with pytest.raises(InputError, match="L9"):
        run([{"uid": "b", "geometry": box(0, 0, 1, 1)}], {"red": [{"uid": "L9", "geometry": LineString([(0, 0), (9, 0)])}]})


def test_geographic_crs_is_refused():
    with pytest.raises(InputError):
        check_conflicts({"buildings": frame([{"uid": "b", "geometry": box(0, 0, 1, 1)}], crs="EPSG:4490")},
                        {"red": frame([{"uid": "r", "geometry": box(0, 0, 1, 1)}], crs="EPSG:4490")}, RULES,
                        crs=CRS.from_epsg(4490))
