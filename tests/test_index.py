"""The live spatial index of a layer (rtree) and exact picking: points, lines, polygons, boxes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from gisdesk.layers.index import LayerIndex, build_rtree, index_of, pick_at_point
from gisdesk.layers.layer import Layer
from tests.conftest import frame


def parking_layer() -> Layer:
    """Row 0 a square, 1 a square with a hole, 2 a line, 3 a point, 4 an empty geometry, 5 a big square."""
    holed = Polygon([(20, 0), (40, 0), (40, 20), (20, 20)], [[(25, 5), (35, 5), (35, 15), (25, 15)]])
    return Layer("parking", frame([
        {"uid": "P0", "geometry": box(0, 0, 10, 10)},
        {"uid": "P1", "geometry": holed},
        {"uid": "P2", "geometry": LineString([(0, 30), (50, 30)])},
        {"uid": "P3", "geometry": Point(60, 60)},
        {"uid": "P4", "geometry": Polygon()},
        {"uid": "P5", "geometry": box(-100, -100, 55, 55)},
    ]))


def test_picking_at_a_point_takes_polygons_lines_and_points_nearest_first():
    layer = parking_layer()
    index = LayerIndex(layer)
    index.build()
    assert index.ready
    assert index.at_point(5, 5).tolist() == [0, 5]  # inside both: the smaller polygon first
    assert index.at_point(30, 10).tolist() == [5]  # in the hole of P1
    assert index.at_point(22, 10).tolist() == [1, 5]
    assert index.at_point(10, 31, tolerance=0.5).tolist() == [5]  # 1 m off the line: too far
    assert index.at_point(10, 31, tolerance=1.5).tolist() == [5, 2]  # inside P5 (0 m), 1 m from the line
    assert index.at_point(61, 61, tolerance=1.0).tolist() == []  # 1.41 m from the point
    assert index.at_point(61, 61, tolerance=1.5).tolist() == [3]
    assert index.at_point(500, 500, tolerance=10).tolist() == []


def test_features_in_a_rectangle_or_polygon():
    layer = parking_layer()
    index = LayerIndex(layer)
    assert index.in_box(-1, -1, 11, 11).tolist() == [0, 5]
    assert index.in_box(11, -1, -1, 11).tolist() == [0, 5]  # corners in any order
    assert index.in_box(-1, -1, 11, 11, contained=True).tolist() == [0]
    assert index.in_box(26, 6, 34, 14).tolist() == [5]  # inside P1's hole: its box meets, P1 does not
    assert index.in_box(-1, 25, 51, 35).tolist() == [2, 5]
    triangle = Polygon([(-5, -5), (45, -5), (-5, 45)])
    assert index.in_polygon(triangle).tolist() == [0, 1, 2, 5]
    assert index.in_polygon(triangle, contained=True).tolist() == [0]
    assert index.in_polygon(Polygon()).tolist() == []


def test_queries_before_the_build_use_the_strtree_and_agree():
    layer = parking_layer()
    index = LayerIndex(layer)
    before = (index.in_box(-1, -1, 41, 41).tolist(), index.at_point(22, 10).tolist())  # starts the build
    assert index.wait(10)
    assert (index.in_box(-1, -1, 41, 41).tolist(), index.at_point(22, 10).tolist()) == before


def test_the_index_follows_edits_by_patching_not_rebuilding():
    layer = parking_layer()
    index = index_of(layer)
    assert index_of(layer) is index
    index.build()
    assert index.stats == {"builds": 1, "patched": 0}
    moved = layer.frame.copy()
    moved.loc[0, "geometry"] = box(200, 200, 210, 210)  # P0 moves away
    extra = frame([{"uid": "P6", "geometry": box(300, 300, 310, 310)}])
    layer.set_frame(pd.concat([moved, extra], ignore_index=True))
    assert index.stats["builds"] == 1 and index.stats["patched"] == 2
    assert index.at_point(5, 5).tolist() == [5]
    assert index.at_point(205, 205).tolist() == [0]
    assert index.in_box(299, 299, 311, 311).tolist() == [6]
    layer.set_frame(layer.frame.iloc[:3])  # features at the end removed
    assert index.in_box(-1000, -1000, 1000, 1000).tolist() == [0, 1, 2]
    assert index.stats["builds"] == 1


def test_empty_layers_and_missing_geometries():
    layer = Layer("buildings", frame([{"uid": "x", "geometry": box(0, 0, 1, 1)}]).iloc[:0])
    empty = LayerIndex(layer)
    assert empty.at_point(0, 0, 1).tolist() == []
    empty.build()
    assert empty.in_box(0, 0, 1, 1).tolist() == []
    tree = build_rtree(np.array([[0, 0, 1, 1], [np.nan] * 4, [2, 2, 3, 3]]))
    assert sorted(tree.intersection((-10, -10, 10, 10))) == [0, 2]
    geoms = np.array([box(0, 0, 1, 1), None], dtype=object)
    assert pick_at_point(geoms, np.array([0]), 0.5, 0.5, 0).tolist() == [0]
    assert shapely.is_missing(geoms[1])


def test_building_in_the_background_makes_every_layer_ready_in_one_thread():
    from gisdesk.layers.index import build_in_background

    layers = [Layer("buildings", frame([{"uid": str(i), "geometry": box(i, 0, i + 1, 1)} for i in range(n)]))
              for n in (50, 5, 1)]
    thread = build_in_background(layers)
    thread.join(10)
    assert all(index_of(layer).ready for layer in layers)
    assert list(index_of(layers[0]).at_point(10.5, 0.5)) == [10]
