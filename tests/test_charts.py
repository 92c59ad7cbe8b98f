"""What the Totals dock shows, computed headless (gisdesk.analysis.charts), and the same as the CLI's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import CRS
from shapely.geometry import Point, box

from gisdesk.analysis.charts import (compute_totals, encroachment_by_district, estate_counts, handling_series,
                                     indicator, parking_series, plan_target, regroup, renovation_series)
from gisdesk.analysis.check import run_check
from gisdesk.analysis.indicators import layers_by_kind
from gisdesk.analysis.totals import ALL, UNASSIGNED, project_totals, read_subjects, stored_conflicts
from gisdesk.io.importer import import_layer
from gisdesk.project import Project
from gisdesk.rules import load_rules
from tests.conftest import frame

X0, Y0 = 500_000.0, 3_450_000.0


@pytest.fixture
def city(tmp_path) -> Project:
    """A red zone along y = Y0 ± 10; in 黄浦, A reaches 5 m into it (20 × 5 = 100 m²) and B 2 m
    (10 × 2 = 20 m²); in 浦东, C stands far off and F, in a second buildings layer, reaches 1 m in
    (10 × 1 = 10 m²). Old estates: 储备 1, 计划 1, 已完工 2. Parking: 60 attached, 30 off-street, 10 on-street."""
    project = Project.create(tmp_path / "city.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": "A", "district": "黄浦", "street": "外滩街道", "geometry": box(X0 + 10, Y0 + 5, X0 + 30, Y0 + 25)},
           {"bid": "B", "district": "黄浦", "geometry": box(X0 + 50, Y0 + 8, X0 + 60, Y0 + 28)},
           {"bid": "C", "district": "浦东", "geometry": box(X0 + 10, Y0 + 300, X0 + 20, Y0 + 310)}]
          ).to_file(tmp_path / "b.geojson")
    frame([{"bid": "F", "district": "浦东", "geometry": box(X0 + 150, Y0 + 9, X0 + 160, Y0 + 19)}]
          ).to_file(tmp_path / "b2.geojson")
    frame([{"rid": "R1", "geometry": box(X0 - 50, Y0 - 10, X0 + 250, Y0 + 10)}]).to_file(tmp_path / "r.geojson")
    frame([{"estate_no": f"E{i}", "name": f"小区{i}", "status": status,
            "geometry": box(X0 + 500 + 50 * i, Y0, X0 + 540 + 50 * i, Y0 + 40)}
           for i, status in enumerate(("储备", "计划", "已完工", "已完工"))]).to_file(tmp_path / "e.geojson")
    frame([{"survey_no": f"P{i}", "category": category, "spaces": spaces, "geometry": Point(X0 + 10 * i, Y0 + 500)}
           for i, (category, spaces) in enumerate((("配建", 60), ("路外公共", 30), ("路内", 10)))]
          ).to_file(tmp_path / "p.geojson")
    import_layer(project, tmp_path / "b.geojson", "buildings", id_field="bid")
    import_layer(project, tmp_path / "b2.geojson", "buildings", to="buildings_2023", id_field="bid")
    import_layer(project, tmp_path / "r.geojson", "red", id_field="rid")
    import_layer(project, tmp_path / "e.geojson", "old_estates")
    import_layer(project, tmp_path / "p.geojson", "parking")
    return project


def test_before_a_check_there_are_no_totals_but_the_layers_own_figures(city):
    data = compute_totals(city)
    assert data.totals is None and data.by_district is None and data.levels == {}
    assert encroachment_by_district(data.by_district).empty
    assert data.estates.to_dict() == {"储备": 1, "计划": 1, "已开工": 0, "已完工": 2, "已验收": 0}
    renovation = renovation_series(data.estates)
    assert renovation["status"].tolist() == ["储备", "计划", "已开工", "已完工", "已验收"]
    assert renovation["estates"].tolist() == [1, 1, 0, 2, 0]
    rate = indicator(data.indicators, "renovation_rate")
    assert rate["value"] == pytest.approx(2 / 3)  # finished 2 of planned 3 (计划, 已完工 × 2)
    parking = parking_series(data.indicators)
    assert parking["category"].tolist() == ["配建", "路外公共", "路内"]
    assert parking["share"].tolist() == pytest.approx([0.6, 0.3, 0.1])
    assert parking["spaces"].tolist() == [60.0, 30.0, 10.0]
    assert handling_series(data.indicators).empty  # no ledger layer
    assert indicator(data.indicators, "handling_rate") is None


def test_after_a_check_the_encroachment_chart_sums_the_buildings_layers_per_district(city):
    run_check(city, load_rules())
    data = compute_totals(city, "street")
    chart = encroachment_by_district(data.by_district)
    assert chart.to_dict() == {"red": {"浦东": pytest.approx(10.0), "黄浦": pytest.approx(120.0)}}
    totals = data.by_district
    everything = totals[(totals["group"] == ALL) & (totals["control_kind"] == ALL)].set_index("subject_table")
    assert everything.loc["buildings", "overlap_m2"] == pytest.approx(120.0)
    assert everything.loc["buildings_2023", "overlap_m2"] == pytest.approx(10.0)
    assert set(totals["subject_layer"]) == {"buildings"}  # the kind; the layer id is subject_table
    assert data.by == "street" and data.totals is data.levels["street"]
    streets = data.totals[(data.totals["subject_table"] == "buildings") & (data.totals["control_kind"] == ALL)]
    assert streets.set_index("group")["encroach_count"].to_dict() == {"外滩街道": 1, UNASSIGNED: 1, ALL: 2}
    assert regroup(data, "community") is data.levels["community"]


def test_the_dock_and_the_cli_compute_the_same_totals(city, cli, tmp_path):
    run_check(city, load_rules())
    data = compute_totals(city)
    for by in ("district", "street", "community"):
        expected = project_totals(city, read_subjects(city), stored_conflicts(city), by=by)
        pd.testing.assert_frame_equal(data.levels[by], expected)
        code, _, _ = cli("totals", city.path, "--by", by, "--out", tmp_path / f"{by}.csv")
        assert code == 0
        written = pd.read_csv(tmp_path / f"{by}.csv", dtype={"group": str})
        assert written["group"].tolist() == expected["group"].tolist()
        assert written["subject_table"].tolist() == expected["subject_table"].tolist()
        np.testing.assert_allclose(written["overlap_m2"], expected["overlap_m2"])
        np.testing.assert_array_equal(written["encroach_count"], expected["encroach_count"])


def test_the_handling_series_keeps_the_rates_in_order_with_their_target():
    indicators = pd.DataFrame({
        "code": ["handling_rate_new", "renovation_rate", "handling_rate", "handling_rate_area"],
        "value": [0.5, 0.9, 0.75, 0.6], "numerator": [1, 9, 3, 60.0], "denominator": [2, 10, 4, 100.0],
        "target": [None, 0.8, 0.9, 0.9]})
    series = handling_series(indicators)
    assert series["code"].tolist() == ["handling_rate", "handling_rate_new", "handling_rate_area"]  # no stock rate
    assert series["value"].tolist() == [0.75, 0.5, 0.6]
    assert (series["numerator"].tolist(), series["denominator"].tolist()) == ([3, 1, 60.0], [4, 2, 100.0])
    assert plan_target(series) == 0.9
    assert plan_target(series.iloc[1:2]) is None  # the new cases' row states none


def test_estates_are_counted_per_status_across_layers_of_the_kind():
    frames = {"old_estates": pd.DataFrame({"status": ["计划", "已验收"]}),
              "estates_2024": pd.DataFrame({"status": ["已验收"]}), "parking": pd.DataFrame({"spaces": [5]})}
    by_kind = layers_by_kind(frames, {"old_estates": "old_estates", "estates_2024": "old_estates",
                                      "parking": "parking"})
    assert sorted(by_kind) == ["old_estates", "parking"]
    assert estate_counts(by_kind["old_estates"]).to_dict() == {"储备": 0, "计划": 1, "已开工": 0, "已完工": 0,
                                                              "已验收": 2}
    assert estate_counts(None).sum() == 0
