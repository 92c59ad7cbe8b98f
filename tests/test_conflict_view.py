"""The conflict list's filters, search and walk, and the geometry the map draws of a conflict (no Qt)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, box

from gisdesk.analysis.conflict_view import (HIDE_EXEMPT, ONLY_EXEMPT, WITH_EXEMPT, ConflictSearch, ListFilter,
                                            conflict_geometry, sorted_order, stepped, subject_places)


def hand_made() -> pd.DataFrame:
    """Eight conflicts whose counts under each filter are known by construction."""
    rows = [
        # subject_table, subject_id, name, address, district, street, kind, control_id, relation, period, exemption
        ("buildings", "osm-1", "外滩三号", "中山东一路3号", "黄浦区", "外滩街道", "purple", "P1", "encroach", "existing",
         "文物保护单位"),
        ("buildings", "osm-2", "外滩五号", "中山东一路5号", "黄浦区", "外滩街道", "purple", "P1", "encroach", "existing",
         "优秀历史建筑"),
        ("buildings", "osm-3", "", "延安东路100号", "黄浦区", "外滩街道", "red", "R7", "setback", "new", ""),
        ("buildings", "osm-4", "博物馆", "延安东路260号", "黄浦区", "南京东路街道", "red", "R7", "encroach", "new", ""),
        ("buildings", "osm-5", "仓库", "", "虹口区", "北外滩街道", "green", "G2", "encroach", "unknown", ""),
        ("ledger", "HP2026-0065", "", "吴淞路12号", "虹口区", "北外滩街道", "red", "R9", "encroach", "new", ""),
        ("ledger", "HP2026-0070", "", "四川北路8号", "虹口区", "四川北路街道", "red", "R9", "setback", "existing", ""),
        ("ledger", "HP2026-0071", "", "", "", "", "blue", "B1", "setback", "unknown", ""),
    ]
    frame = pd.DataFrame(rows, columns=["subject_table", "subject_id", "subject_name", "address", "district", "street",
                                        "control_kind", "control_id", "relation", "period", "exemption"])
    frame["decision"] = ["", "", "confirmed", "", "dismissed", "", "", ""]
    return frame


def count(frame, **wanted) -> int:
    return int(ConflictSearch(frame).mask(ListFilter(**wanted)).sum())


def test_exempt_rows_are_hidden_by_default_and_shown_on_request():
    frame = hand_made()
    assert count(frame) == 6  # the two protected Bund buildings are left out
    assert count(frame, exemption=WITH_EXEMPT) == 8
    assert count(frame, exemption=ONLY_EXEMPT) == 2
    hidden = ConflictSearch(frame).mask(ListFilter(exemption=HIDE_EXEMPT))
    assert frame.loc[hidden, "subject_id"].tolist() == ["osm-3", "osm-4", "osm-5", "HP2026-0065", "HP2026-0070",
                                                         "HP2026-0071"]


def test_each_filter_and_their_combinations_give_the_known_counts():
    frame = hand_made()
    assert count(frame, subject_table="ledger") == 3
    assert count(frame, subject_table="buildings") == 3
    assert count(frame, subject_table="buildings", exemption=WITH_EXEMPT) == 5
    assert count(frame, district="黄浦区") == 2
    assert count(frame, district="黄浦区", exemption=WITH_EXEMPT) == 4
    assert count(frame, district="虹口区", street="北外滩街道") == 2
    assert count(frame, street="北外滩街道", subject_table="ledger") == 1
    assert count(frame, control_kind="red") == 4
    assert count(frame, control_kind="red", relation="setback") == 2
    assert count(frame, period="new") == 3
    assert count(frame, period="existing") == 1
    assert count(frame, period="existing", exemption=WITH_EXEMPT) == 3
    assert count(frame, period="unknown", control_kind="blue") == 1
    assert count(frame, decision="pending") == 4
    assert count(frame, decision="confirmed") == 1
    assert count(frame, period="new", control_kind="red", subject_table="buildings") == 2
    assert count(frame, district="朝阳区") == 0


def test_text_search_looks_in_name_address_and_both_uids_ignoring_case():
    frame = hand_made()
    assert count(frame, text="博物馆") == 1  # a name
    assert count(frame, text="延安东路") == 2  # addresses
    assert count(frame, text="hp2026") == 3  # ledger uids, any case
    assert count(frame, text="R9") == 2  # the control feature's uid
    assert count(frame, text="外滩", exemption=WITH_EXEMPT) == 2  # names of the exempt ones ...
    assert count(frame, text="外滩") == 0  # ... hidden by default
    assert count(frame, text="延安东路 260") == 1  # every word must occur
    assert count(frame, text="  ") == 6  # blank: no condition
    assert count(frame, text="osm-3", control_kind="green") == 0  # and it combines with the filters


def test_filters_work_on_frames_without_period_and_exemption():
    frame = hand_made().drop(columns=["period", "exemption"])
    search = ConflictSearch(frame)
    assert not search.has_period and not search.has_exemption
    assert search.mask(ListFilter()).sum() == 8
    assert search.mask(ListFilter(period="new")).sum() == 8  # no column: no condition
    assert search.values("district") == ["虹口区", "黄浦区"]
    assert search.values("street", search.columns["district"] == "虹口区") == ["北外滩街道", "四川北路街道"]


def test_the_filters_are_vectorised_masks_over_a_large_frame():
    big = pd.concat([hand_made()] * 12_500, ignore_index=True)  # 100 000 rows
    search = ConflictSearch(big)
    mask = search.mask(ListFilter(control_kind="red", text="延安"))
    assert mask.sum() == 2 * 12_500
    assert search.mask(ListFilter(district="虹口区", period="new")).sum() == 12_500


def test_next_and_previous_stay_within_the_list():
    assert stepped(None, 5, 1) == 0 and stepped(None, 5, -1) == 4  # nothing selected: first or last
    assert stepped(0, 5, 1) == 1 and stepped(3, 5, 1) == 4 and stepped(4, 5, 1) == 4
    assert stepped(4, 5, -1) == 3 and stepped(0, 5, -1) == 0
    assert stepped(9, 5, 1) == 0  # a stale row (the list got shorter)
    assert stepped(None, 0, 1) is None


def test_subject_places_come_from_each_subject_layer():
    import geopandas as gpd

    class Store:
        def read_layer(self, layer_id, columns=None):
            if layer_id == "gone":
                raise KeyError(layer_id)
            data = {"buildings": {"uid": ["b1", "b2"], "district": ["黄浦区", None], "street": ["外滩街道", "x"]},
                    "ledger": {"uid": ["c1"], "address": ["吴淞路12号"]}}[layer_id]
            return gpd.GeoDataFrame(data, geometry=[None] * len(data["uid"]))

    frame = pd.DataFrame({"subject_table": ["ledger", "buildings", "buildings", "gone", "buildings"],
                          "subject_id": ["c1", "b2", "b1", "z", "b9"]})
    places = subject_places(Store(), frame)
    assert places["district"].tolist() == ["", "", "黄浦区", "", ""]
    assert places["street"].tolist() == ["", "x", "外滩街道", "", ""]
    assert places["address"].tolist() == ["吴淞路12号", "", "", "", ""]


def test_sorting_by_a_column_is_stable_and_puts_missing_values_last():
    frame = hand_made()
    frame["depth_m"] = [81.0, 80.0, 0.0, 2.5, 7.0, 2.5, 0.0, 0.0]  # setback rows have no depth
    frame["distance_m"] = [0.0, 0.0, 6.0, 0.0, 0.0, 0.0, 3.0, 9.0]
    ids = frame["subject_id"].to_numpy()
    assert ids[sorted_order(frame, "period")].tolist() == [  # 新增, 既有, 未知; ties in their severity order
        "osm-3", "osm-4", "HP2026-0065", "osm-1", "osm-2", "HP2026-0070", "osm-5", "HP2026-0071"]
    assert ids[sorted_order(frame, "depth_m")].tolist()[:5] == ["osm-4", "HP2026-0065", "osm-5", "osm-2", "osm-1"]
    assert ids[sorted_order(frame, "depth_m", True)].tolist() == [  # setbacks (no depth) last either way
        "osm-1", "osm-2", "osm-5", "osm-4", "HP2026-0065", "osm-3", "HP2026-0070", "HP2026-0071"]
    assert ids[sorted_order(frame, "distance_m")].tolist()[:3] == ["HP2026-0070", "osm-3", "HP2026-0071"]
    assert ids[sorted_order(frame, "subject")].tolist()[-1] == "HP2026-0071"  # no name, no address: last
    assert sorted(sorted_order(frame, "place")) == list(range(8))
    assert sorted_order(frame, "no such column").tolist() == list(range(8))


# --- geometry ------------------------------------------------------------------------------

def road_zone():
    """The zone of a road: the band 0 <= y <= 20 m (a centre line y = 10 with half width 10)."""
    return shapely.buffer(LineString([(-200, 10), (200, 10)]), 10, cap_style="flat")


def test_a_building_6_m_from_a_line_with_a_10_m_setback():
    building = box(-15, -26, 15, -6)  # its top edge 6 m below the zone's edge y = 0
    marks = conflict_geometry(building, road_zone(), "setback", 10.0, label="距离 6.0 m / 要求 10 m")
    assert marks.distance_m == pytest.approx(6.0)
    assert marks.shortest.length == pytest.approx(6.0)  # the drawn distance
    (x0, y0), (x1, y1) = shapely.get_coordinates(marks.shortest)[[0, -1]]
    assert y0 == pytest.approx(-6.0) and y1 == pytest.approx(0.0)  # from the building's edge to the zone's
    assert x0 == pytest.approx(x1) == pytest.approx(0.0)  # straight across, from the middle of the near edge
    assert marks.anchor == pytest.approx(((x0 + x1) / 2, -3.0))
    # the setback line: 10 m from the zone, on the building's side, across the building, near it only
    line = marks.setback_line
    coords = shapely.get_coordinates(line)
    assert len(coords) >= 2
    assert np.allclose(coords[:, 1], -10.0, atol=1e-6)
    assert coords[:, 0].min() < -15 and coords[:, 0].max() > 15  # it passes the whole building
    assert coords[:, 0].min() >= -15 - 10 - 1e-6 and coords[:, 0].max() <= 15 + 10 + 1e-6  # clipped near it
    assert line.length == pytest.approx(50.0)  # 30 m of building + 10 m each side
    assert marks.overlap is None  # 6 m away: no overlap to shade


def test_the_setback_line_follows_a_bend_of_the_zone_at_the_required_distance():
    zone = shapely.Polygon([(0, 0), (100, 0), (100, 100)])  # a triangle: the line bends round its corner
    building = box(102, -14, 112, -4)
    marks = conflict_geometry(building, zone, "setback", 12.0)
    assert marks.distance_m == pytest.approx(shapely.distance(building, zone))
    assert marks.distance_m == pytest.approx(np.hypot(2, 4))
    distances = shapely.distance(shapely.points(shapely.get_coordinates(marks.setback_line)), zone)
    assert np.allclose(distances, 12.0, atol=0.05)  # every vertex at the required distance (arcs are chords)


def test_an_encroachment_shades_the_overlap_and_draws_no_setback():
    zone = road_zone()
    building = box(-5, 14, 5, 30)  # 6 m into the zone
    marks = conflict_geometry(building, zone, "encroach", 5.0, label="x")
    assert marks.overlap.area == pytest.approx(10 * 6)
    assert marks.overlap.equals(box(-5, 14, 5, 20))
    assert marks.setback_line is None and marks.shortest is None
    assert shapely.contains_xy(marks.overlap, *marks.anchor)


def test_a_setback_touching_the_zone_has_no_segment_but_a_line():
    building = box(0, -10, 10, 0)  # touches the zone's edge
    marks = conflict_geometry(building, road_zone(), "setback", 5.0)
    assert marks.distance_m == 0.0 and marks.shortest is None and marks.overlap is None
    assert np.allclose(shapely.get_coordinates(marks.setback_line)[:, 1], -5.0)
