"""Totals dissolve overlaps before measuring; indicators carry their numerator and denominator."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
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


def test_project_indicators_read_little_and_equal_the_straightforward_union(tmp_path):
    """A generated city: the land ratios and the network density of project_indicators (extent from
    the R-tree, zones dissolved by groups and cells) equal plain unions of what the layers hold."""
    from bench.city import write_project
    from gisdesk.analysis.indicators import buildings_count_and_extent, project_indicators
    from gisdesk.layers.zones import control_zones
    from gisdesk.project import Project

    write_project(tmp_path / "city.gpkg", 3000, seed=4)
    project = Project.open(tmp_path / "city.gpkg")
    buildings = project.read_layer("buildings")
    bounds = tuple(buildings.total_bounds)
    assert buildings_count_and_extent(project, project.layers_of("buildings")) == (len(buildings), bounds)
    extent = box(*bounds)
    found = project_indicators(project, None).set_index("code")
    for kind, code in (("green", "green_land_ratio"), ("red", "road_area_ratio")):
        zones, _ = control_zones(project.read_layer(project.layers_of(kind)[0].id), kind)
        area = shapely.intersection(shapely.union_all(zones), extent).area
        assert found.loc[code, "numerator"] == pytest.approx(area, rel=1e-9), code
        assert found.loc[code, "denominator"] == pytest.approx(extent.area, rel=1e-12)
    red = project.read_layer(project.layers_of("red")[0].id)
    lines = red.geometry.values[red.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()]
    km = shapely.intersection(shapely.union_all(np.asarray(lines, dtype=object)), extent).length / 1000
    assert found.loc["road_network_density", "numerator"] == pytest.approx(km, rel=1e-9)


def test_totals_equal_a_plain_groupby_and_union_on_random_conflicts():
    rng = np.random.default_rng(11)
    n = 400
    xs, ys = 500_000 + rng.uniform(0, 3000, n), 3_450_000 + rng.uniform(0, 3000, n)
    districts = np.array(["东区", " 西区", "西区 ", "", None, "北区"], dtype=object)[rng.integers(0, 6, n)]
    buildings = frame([{"uid": f"b{i}", "district": districts[i], "geometry": box(x, y, x + 30, y + 30)}
                       for i, (x, y) in enumerate(zip(xs, ys))])
    rows = []
    for i in rng.choice(n, 250):
        for kind in rng.choice(["red", "green", "blue"], rng.integers(1, 4)):
            dx, dy = rng.uniform(0, 20, 2)
            relation = "encroach" if rng.random() < 0.7 else "setback"
            rows.append({"subject_layer": "buildings", "subject_id": f"b{i}", "control_kind": kind,
                         "relation": relation,
                         "overlap": box(xs[i] + dx, ys[i] + dy, xs[i] + 30, ys[i] + 30) if relation == "encroach"
                         else None})
    rows.append({"subject_layer": "buildings", "subject_id": "gone", "control_kind": "red", "relation": "encroach",
                 "overlap": box(0, 0, 10, 10)})  # a subject no longer in the layer: counted as unassigned
    conflicts = frame([{**r, "geometry": r["overlap"]} for r in rows]).drop(columns="geometry")
    totals = area_totals({"buildings": buildings}, conflicts, by="district", control_kinds=["red", "green", "blue"])

    name = {u: (d.strip() if isinstance(d, str) and d.strip() else UNASSIGNED)
            for u, d in zip(buildings["uid"], buildings["district"])}
    table = conflicts.assign(group=conflicts["subject_id"].map(name).fillna(UNASSIGNED))
    assert sorted(set(totals["group"])) == sorted({*name.values(), ALL})
    for group, kind in {(g, k) for g in [*name.values(), ALL] for k in ["red", "green", ALL]}:
        mine = table[((table["group"] == group) | (group == ALL)) & ((table["control_kind"] == kind) | (kind == ALL))]
        encroach = mine[mine["relation"] == "encroach"]
        got = row(totals, group, kind)
        assert got.encroach_count == encroach["subject_id"].nunique(), (group, kind)
        assert got.setback_count == mine[mine["relation"] == "setback"]["subject_id"].nunique(), (group, kind)
        union = shapely.union_all(np.asarray(encroach["overlap"].to_numpy(), dtype=object))
        assert got.overlap_m2 == pytest.approx(union.area, rel=1e-9, abs=1e-9), (group, kind)
    assert row(totals, "西区", ALL).features == sum(1 for d in districts if isinstance(d, str) and d.strip() == "西区")


def test_an_empty_buildings_layer_has_no_land_ratios_but_no_error():
    buildings = frame([{"uid": "x", "geometry": None}])
    red = frame([{"uid": "r", "half_width_m": 5.0, "geometry": LineString([(0, 0), (100, 0)])}])
    found = {i.code: i for i in compute_indicators({"buildings": buildings, "red": red}, None, RULES.targets)}
    assert "road_area_ratio" not in found and "road_network_density" not in found


def test_the_zone_area_is_kept_for_the_same_zones_and_worked_out_again_when_any_changed(monkeypatch):
    from gisdesk.analysis import indicators
    from gisdesk.layers import zones

    monkeypatch.setattr(indicators, "_ZONE_AREAS", {})
    red = frame([{"uid": "EW", "geometry": LineString([(0, 50), (200, 50)]), "half_width_m": 10.0},
                 {"uid": "NS", "geometry": LineString([(50, 0), (50, 200)]), "half_width_m": 5.0}])
    built = (1, (0.0, 0.0, 100.0, 100.0))  # the junction's quarter lies in it: 100×20 + 100×10 − 20×10

    def ratio(layer):
        found = compute_indicators({"red": layer}, None, {}, buildings=built)
        return next(i.numerator for i in found if i.code == "road_area_ratio")

    assert ratio(red) == pytest.approx(100 * 20 + 100 * 10 - 20 * 10, rel=1e-12)
    real = zones.control_zones
    monkeypatch.setattr(zones, "control_zones", lambda *a: pytest.fail("the same zones were made again"))
    assert ratio(red.copy()) == pytest.approx(2800, rel=1e-12)  # the same content, another frame
    monkeypatch.setattr(zones, "control_zones", real)
    wider = red.copy()
    wider.loc[1, "half_width_m"] = 6.0  # NS 12 m wide: 2000 + 1200 − 240
    assert ratio(wider) == pytest.approx(2960, rel=1e-12)
    moved = red.copy()
    moved.loc[0, "geometry"] = LineString([(0, 95), (200, 95)])  # EW's band 15 m in the extent: 1500 + 1000 − 150
    assert ratio(moved) == pytest.approx(2350, rel=1e-12)
    one_sided = red.copy()
    one_sided["side"] = ["left", None]  # EW's band 10 m to its left (north): 1000 + 1000 − 100
    assert ratio(one_sided) == pytest.approx(1900, rel=1e-12)
    assert ratio(red) == pytest.approx(2800, rel=1e-12)
