"""The conflict list a reviewer walks, headless: severity order, decisions and subject names."""

from __future__ import annotations

import pandas as pd
from pyproj import CRS
from shapely.geometry import box

from gisdesk import reviews
from gisdesk.analysis.check import run_check
from gisdesk.analysis.conflict_list import load_conflicts, severity_sorted
from gisdesk.io.importer import import_layer
from gisdesk.project import Project
from gisdesk.rules import load_rules
from tests.conftest import frame

NAN = float("nan")


def test_encroachments_by_depth_then_overlap_come_before_shortfalls_by_size():
    rows = pd.DataFrame([
        # subject, relation, depth, overlap, shortfall
        ("s1", "setback", NAN, 0.0, 2.0),
        ("s2", "encroach", 1.0, 50.0, 10.0),
        ("s3", "encroach", 3.0, 10.0, 10.0),
        ("s4", "setback", NAN, 0.0, 6.0),
        ("s6", "encroach", 1.0, 80.0, 10.0),  # ties with s5: the uid decides, s5 first
        ("s5", "encroach", 1.0, 80.0, 10.0),
        ("s7", "encroach", NAN, 5.0, 10.0),  # no depth known: the shallowest encroachment
    ], columns=["subject_id", "relation", "depth_m", "overlap_m2", "shortfall_m"], index=[10, 11, 12, 13, 14, 15, 16])
    ordered = severity_sorted(rows)
    assert ordered["subject_id"].tolist() == ["s3", "s5", "s6", "s2", "s7", "s4", "s1"]
    assert ordered.index.tolist() == list(range(7))
    assert ordered.loc[0, "depth_m"] == 3.0  # whole rows move, not only the ids


X0, Y0 = 500_000.0, 3_450_000.0


def small_city(tmp_path) -> Project:
    """A red zone 20 m wide along y = Y0 ± 10 and five buildings north of it, given out of order.

    A reaches 5 m into the zone (overlap 20 × 5 = 100 m²), B 2 m (10 × 2 = 20 m²); C stands 4 m
    from it and D 8 m (10 m required: short by 6 and 2 m); E is far away. A second buildings
    layer (buildings_2023) holds F, 1 m deep in the zone."""
    project = Project.create(tmp_path / "small.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": "D", "name": "丁楼", "geometry": box(X0 + 110, Y0 + 18, X0 + 120, Y0 + 28)},
           {"bid": "B", "name": "乙楼", "geometry": box(X0 + 50, Y0 + 8, X0 + 60, Y0 + 28)},
           {"bid": "E", "name": "戊楼", "geometry": box(X0 + 10, Y0 + 300, X0 + 20, Y0 + 310)},
           {"bid": "C", "name": "", "geometry": box(X0 + 80, Y0 + 14, X0 + 90, Y0 + 24)},
           {"bid": "A", "name": " 甲楼 ", "geometry": box(X0 + 10, Y0 + 5, X0 + 30, Y0 + 25)}]
          ).to_file(tmp_path / "b.geojson")
    frame([{"rid": "R1", "geometry": box(X0 - 50, Y0 - 10, X0 + 250, Y0 + 10)}]).to_file(tmp_path / "r.geojson")
    import_layer(project, tmp_path / "b.geojson", "buildings", id_field="bid")
    import_layer(project, tmp_path / "r.geojson", "red", id_field="rid")
    frame([{"bid": "F", "name": "己楼", "geometry": box(X0 + 150, Y0 + 9, X0 + 160, Y0 + 19)}]  # 1 m deep, 10 m²
          ).to_file(tmp_path / "b2.geojson")
    import_layer(project, tmp_path / "b2.geojson", "buildings", to="buildings_2023", id_field="bid")
    return project


def test_the_list_has_decisions_and_names_most_severe_first(tmp_path):
    project = small_city(tmp_path)
    assert load_conflicts(project) is None  # before any check
    run_check(project, load_rules())
    red = project.layers_of("red")[0].id
    reviews.set_decision(project, "buildings", "B", red, "R1", "dismissed", note="已办许可", who="李工")

    listed = load_conflicts(project)
    assert listed["subject_id"].tolist() == ["A", "B", "F", "C", "D"]
    assert listed["subject_table"].tolist() == ["buildings", "buildings", "buildings_2023", "buildings", "buildings"]
    assert listed["relation"].tolist() == ["encroach", "encroach", "encroach", "setback", "setback"]
    assert listed["overlap_m2"].tolist()[:3] == [100.0, 20.0, 10.0]
    assert listed["shortfall_m"].round(6).tolist()[3:] == [6.0, 2.0]
    assert listed["subject_name"].tolist() == ["甲楼", "乙楼", "己楼", "C", "丁楼"]  # stripped; C has none: its uid
    assert listed["decision"].tolist() == ["", "dismissed", "", "", ""]
    assert listed.loc[1, "note"] == "已办许可" and listed.loc[1, "who"] == "李工"
    assert "geometry" not in listed.columns
