"""The editing tools' geometry: move, vertices, split, merge, snapping, new uids (hand-checkable shapes)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from gisdesk.errors import ValidationError
from gisdesk.layers import editing
from gisdesk.layers.editing import VertexRef
from gisdesk.layers.layer import Layer

SQUARE = box(0, 0, 10, 10)  # vertices (as shapely orders box): (10,0) (10,10) (0,10) (0,0)


def test_vertices_skip_the_closing_point_and_address_parts_and_rings():
    donut = Polygon(box(0, 0, 10, 10).exterior.coords, [box(4, 4, 6, 6).exterior.coords])
    found = editing.vertices(MultiPolygon([donut, box(20, 0, 21, 1)]))
    assert len(found) == 4 + 4 + 4
    assert {ref.part for ref, *_ in found} == {0, 1} and {ref.ring for ref, *_ in found if ref.part == 0} == {0, 1}


def test_moving_a_vertex_keeps_the_ring_closed_and_changes_the_area_as_computed():
    ref = editing.nearest_vertex(SQUARE, 0.4, 0.3, tolerance=1)
    assert ref is not None and editing.vertices(SQUARE)[[r for r, *_ in editing.vertices(SQUARE)].index(ref)][1:] == (0, 0)
    moved = editing.move_vertex(SQUARE, ref, -10, 0)  # (0,0) → (-10,0): a triangle of 50 m² more
    assert moved.area == pytest.approx(150) and moved.exterior.is_closed
    assert editing.nearest_vertex(SQUARE, 5, 5, tolerance=1) is None


def test_a_vertex_that_makes_the_ring_cross_itself_is_refused():
    ref = editing.nearest_vertex(SQUARE, 0, 0, tolerance=1)
    with pytest.raises(ValidationError, match="无效"):
        editing.move_vertex(SQUARE, ref, 20, 5)  # past the opposite edge: a bow tie


def test_inserting_a_vertex_on_the_nearest_edge_and_deleting_it_again():
    inserted = editing.insert_vertex(SQUARE, 5, 0.2, tolerance=0.5)
    assert len(editing.vertices(inserted)) == 5 and Point(5, 0) in [Point(x, y) for _, x, y in editing.vertices(inserted)]
    assert inserted.area == pytest.approx(100)
    assert editing.insert_vertex(SQUARE, 5, 3, tolerance=0.5) is None  # no edge that near
    ref = editing.nearest_vertex(inserted, 5, 0, tolerance=0.1)
    back = editing.delete_vertex(inserted, ref)
    assert back.equals(SQUARE)
    triangle = Polygon([(0, 0), (4, 0), (0, 3)])
    with pytest.raises(ValidationError, match="至少"):
        editing.delete_vertex(triangle, VertexRef(0, 0, 1))


def test_split_along_a_line_gives_pieces_of_the_computed_areas_in_the_layers_type():
    pieces = editing.split_polygon(MultiPolygon([SQUARE]), LineString([(3, -1), (3, 11)]))
    assert sorted(round(p.area, 9) for p in pieces) == [30, 70]
    assert all(isinstance(p, MultiPolygon) for p in pieces)
    assert editing.split_polygon(SQUARE, LineString([(3, -1), (3, 5)])) == []  # does not cut through
    assert editing.split_polygon(SQUARE, LineString([(20, -1), (20, 11)])) == []


def test_merge_makes_one_polygon_of_touching_ones_and_refuses_apart_ones_for_single_layers():
    merged = editing.merge([box(0, 0, 10, 10), box(10, 0, 15, 10)], multi=False)
    assert isinstance(merged, Polygon) and merged.area == pytest.approx(150)
    assert len(editing.vertices(shapely.normalize(shapely.simplify(merged, 0)))) == 4  # no seam left
    assert isinstance(editing.merge([box(0, 0, 1, 1), box(5, 5, 6, 6)], multi=True), MultiPolygon)
    with pytest.raises(ValidationError, match="不相接"):
        editing.merge([box(0, 0, 1, 1), box(5, 5, 6, 6)], multi=False)


def test_snapping_prefers_a_vertex_within_tolerance_then_the_nearest_edge():
    candidates = [("b", "B1", box(0, 0, 10, 10)), ("b", "B2", box(20, 0, 30, 10))]
    s = editing.snap(10.4, 9.2, candidates, tolerance=1.0)
    assert (s.kind, s.uid, s.x, s.y) == ("vertex", "B1", 10, 10)
    s = editing.snap(10.3, 5.0, candidates, tolerance=1.0)
    assert (s.kind, s.uid) == ("edge", "B1") and (s.x, s.y) == pytest.approx((10, 5))
    assert editing.snap(15, 5, candidates, tolerance=1.0) is None
    assert editing.snap(15, 5, candidates, tolerance=5.0).uid in ("B1", "B2")
    only_edges = editing.snap(10.4, 9.2, candidates, tolerance=1.0, to_vertices=False)
    assert only_edges.kind == "edge" and (only_edges.x, only_edges.y) == pytest.approx((10, 9.2))


def test_new_uids_follow_the_layers_own_form():
    frame = gpd.GeoDataFrame({"uid": ["TC-0001", "TC-0007", "x"]}, geometry=[Point(0, 0)] * 3, crs=4549)
    assert editing.new_uid(Layer("parking", frame, layer_id="parking")) == "TC-0008"
    ledger = gpd.GeoDataFrame({"uid": ["HP2026-0003", "HP2025-0010"], "case_no": ["HP2026-0003", "HP2025-0010"]},
                              geometry=[Point(0, 0)] * 2, crs=4549)
    assert editing.new_uid(Layer("ledger", ledger, layer_id="ledger"), year=2026) == "HP2026-0004"


def test_drawn_geometries():
    assert editing.drawn_geometry("polygon", [(0, 0), (4, 0), (4, 3)]).area == pytest.approx(6)
    assert editing.drawn_geometry("point", [(1, 2)]).equals(Point(1, 2))
    with pytest.raises(ValidationError, match="至少需要 3"):
        editing.drawn_geometry("polygon", [(0, 0), (1, 1)])
    with pytest.raises(ValidationError, match="无效"):
        editing.drawn_geometry("polygon", [(0, 0), (4, 4), (4, 0), (0, 4)])
