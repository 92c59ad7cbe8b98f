"""Real data (cut-outs in tests/data): the whole CLI path, checked against a brute-force oracle.

The oracle knows nothing of the engine: every building against every zone with plain
shapely, and depth straight from its definition sup{d : B ∩ Z.buffer(−d) ≠ ∅}.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from gisdesk.io.importer import import_layer
from gisdesk.layers.zones import control_zones
from gisdesk.project import Project
from gisdesk.rules import load_rules
from tests.conftest import DATA, frame

RULES = load_rules()


def depth_by_definition(b, z) -> float:
    """Bisect on d until B ∩ Z.buffer(−d) turns empty, to 1 mm."""
    lo, hi = 0.0, 200.0
    while hi - lo > 0.001:
        mid = (lo + hi) / 2
        if shapely.intersection(b, shapely.buffer(z, -mid, quad_segs=64)).is_empty:
            hi = mid
        else:
            lo = mid
    return lo


def oracle(buildings, zones, required):
    """{(building uid, zone uid): (relation, overlap, depth, distance)} for every conflicting pair."""
    found = {}
    for b_uid, b in zip(buildings["uid"], buildings.geometry):
        for z_uid, z, r in zip(zones["uid"], zones["zone"], required):
            overlap = shapely.intersection(b, z).area
            if overlap > RULES.overlap_m2:
                depth = depth_by_definition(b, z)
                if depth >= RULES.width_m:
                    found[(b_uid, z_uid)] = ("encroach", overlap, depth, 0.0)
                    continue
            distance = 0.0 if b.intersects(z) else b.distance(z)
            if r > 0 and distance < r:
                found[(b_uid, z_uid)] = ("setback", overlap, None, distance)
    return found


def read_conflicts(path):
    with open(path, encoding="utf-8") as handle:
        return {(r["subject_id"], r["control_id"]): r for r in csv.DictReader(handle)}


def test_snezhinsk_buildings_against_road_red_lines_match_the_oracle(cli, tmp_path):
    project = tmp_path / "snezhinsk.gpkg"
    # a Russian city lies outside China's CGCS2000 zones: the user gives a metric CRS
    assert cli("new", project, "--crs", "EPSG:32641")[0] == 0
    code, out, err = cli("import", project, DATA / "snezhinsk_buildings.geojson", "--as", "buildings",
                         "--id-field", "id")
    assert code == 0, err
    assert "304" in out
    code, _, err = cli("import", project, DATA / "snezhinsk_roads.geojson", "--as", "red", "--id-field", "id",
                       "--half-width", "8")
    assert code == 0, err
    code, out, err = cli("check", project, "--out", tmp_path / "out")
    assert code == 0, err
    got = read_conflicts(tmp_path / "out" / "conflicts.csv")

    p = Project.open(project)
    buildings = p.read_layer("buildings")
    roads = p.read_layer("red_lines")
    roads["zone"] = control_zones(roads, "red")[0]
    expected = oracle(buildings, roads, np.full(len(roads), RULES.setback["red"]))
    assert len(expected) > 20  # the cut-out has real conflicts to compare
    assert set(got) == set(expected)
    for key, (relation, overlap, depth, distance) in expected.items():
        row = got[key]
        assert row["relation"] == relation, key
        assert float(row["overlap_m2"]) == pytest.approx(overlap, abs=0.002), key
        assert float(row["distance_m"]) == pytest.approx(distance, abs=0.002), key
        if depth is not None:
            assert float(row["depth_m"]) == pytest.approx(depth, abs=0.01), key
        assert float(row["shortfall_m"]) == pytest.approx(max(RULES.setback["red"] - distance, 0), abs=0.002)
    assert "Снежинск" not in out  # Cyrillic attributes travel through, nothing to print here
    names = p.read_layer("buildings")["name"].dropna()
    assert any(any("\u0400" <= ch <= "\u04ff" for ch in n) for n in names)  # Cyrillic kept intact


def test_taipei_invalid_footprints_are_repaired_counted_and_checked(tmp_path):
    p = Project.create(tmp_path / "taipei.gpkg")
    report = import_layer(p, DATA / "taipei_buildings.geojson", "buildings")
    assert report.repaired == 6  # the self-intersecting footprints, repaired with make_valid, not dropped
    assert report.imported == 50
    assert p.crs.to_epsg() in (4549, 4550)  # 121.5°E sits on the edge of the CM 120° and 123° zones
    buildings = p.read_layer("buildings")
    assert shapely.is_valid(buildings.geometry.values).all()

    # a green zone over the western half of the cut-out, and its oracle
    xmin, ymin, xmax, ymax = buildings.total_bounds
    park = box(xmin - 10, ymin - 10, (xmin + xmax) / 2, ymax + 10)
    frame([{"uid": "park", "geometry": park}], crs=p.crs).to_file(tmp_path / "park.geojson")
    import_layer(p, tmp_path / "park.geojson", "green", id_field="uid")
    from gisdesk.analysis.check import run_check

    result, _ = run_check(p, RULES)
    got = {(r.subject_id, r.control_id): r for r in result.conflicts.itertuples()}
    zones = frame([{"uid": "park", "zone": park, "geometry": park}], crs=p.crs)
    expected = oracle(buildings, zones, [RULES.setback["green"]])
    assert set(got) == set(expected)
    assert len(expected) >= 20 and any(r[0] == "encroach" for r in expected.values())
    for key, (relation, overlap, depth, distance) in expected.items():
        assert got[key].relation == relation
        assert got[key].overlap_m2 == pytest.approx(overlap, abs=0.002)
        if depth is not None:
            assert got[key].depth_m == pytest.approx(depth, abs=0.01)
