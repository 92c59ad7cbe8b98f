"""The live spatial index of a layer (rtree) and exact picking: points, lines, polygons, boxes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from gisdesk.layers.index import LayerIndex, build_rtree, index_of, pick_at_point
from gisdesk.layers.layer import Layer
from gisdesk.layers.uids import as_uids
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


# --- identity by uid: selection and index after rows move ------------------------------------

def squares(n: int, prefix: str = "S") -> Layer:
    """Square i is 10 × 10 at (100 i, 0): its centre (100 i + 5, 5) is nowhere else."""
    return Layer("buildings", frame([{"uid": f"{prefix}{i}", "geometry": box(100 * i, 0, 100 * i + 10, 10)}
                                     for i in range(n)]))


def where(layer: Layer, uid: str) -> tuple[float, float]:
    """The centre of the square named `uid` in the layer's current frame."""
    geometry = layer.frame.geometry.iloc[int(np.flatnonzero(layer.frame["uid"] == uid)[0])]
    return geometry.centroid.x, geometry.centroid.y


def uids_of(layer: Layer, rows) -> list[str]:
    return layer.uid_rows.uids[np.asarray(rows, dtype=np.int64)].tolist()


def test_a_deletion_in_the_middle_leaves_the_selection_and_the_index_on_the_same_features():
    layer = squares(5)
    index = index_of(layer)
    index.build()
    layer.select_uids(["S1", "S2", "S3"])
    assert layer.selection.tolist() == ["S1", "S2", "S3"] and layer.selected_rows().tolist() == [1, 2, 3]
    layer.set_frame(layer.frame.drop(index=2))  # S2, the middle one of the three, is deleted
    assert layer.frame["uid"].tolist() == ["S0", "S1", "S3", "S4"]
    assert layer.selection.tolist() == ["S1", "S3"]  # the same features, the deleted one gone
    assert layer.selected_rows().tolist() == [1, 2]  # at their new rows
    assert index.stats == {"builds": 1, "patched": 1}  # one delete, not a re-numbering of S3 and S4
    assert uids_of(layer, index.at_point(305, 5)) == ["S3"]  # S3, now row 2, where it always was
    assert uids_of(layer, index.at_point(405, 5)) == ["S4"]
    assert index.at_point(205, 5).tolist() == []  # where S2 was
    assert uids_of(layer, index.in_box(90, -1, 320, 11)) == ["S1", "S3"]
    layer.select_rows(index.at_point(405, 5))  # picking selects by uid
    assert layer.selection.tolist() == ["S4"] and layer.selected_rows().tolist() == [3]


def test_selecting_unknown_uids_and_rows_keeps_them_out():
    layer = squares(3)
    layer.select_uids(["S2", "nope", "S0", "S2"])
    assert layer.selection.tolist() == ["S0", "S2"]
    layer.select_rows([1, 7, -1])
    assert layer.selection.tolist() == ["S1"]
    events = []
    layer.events["selection"].connect(lambda *_: events.append(1))
    layer.select_uids({"S1"})  # the same selection: no event
    layer.select_uids("S0")
    assert events == [1] and layer.selection.tolist() == ["S0"]
    mine = np.array(["S1", "S2"], dtype=object)  # sorted already: taken as it is, but never the caller's array
    assert as_uids(mine).tolist() == ["S1", "S2"] and as_uids(mine) is not mine
    assert as_uids(["b", "a", "b", 3]).tolist() == ["3", "a", "b"]


def _whole_tree_count(index) -> int:
    return index._tree.count((-1e9, -1e9, 1e9, 1e9))


def test_a_patched_tree_finds_each_remaining_feature_at_its_own_location():
    layer = squares(8)
    index = index_of(layer)
    index.build()
    f = layer.frame
    # delete S3 in the middle, move S5 up by 1000, insert a new S9 between S1 and S2, reorder nothing else
    moved = f.copy()
    moved.loc[5, "geometry"] = box(500, 1000, 510, 1010)
    new = frame([{"uid": "S9", "geometry": box(900, 0, 910, 10)}])
    layer.set_frame(pd.concat([moved.iloc[:2], new, moved.iloc[2:3], moved.iloc[4:]], ignore_index=True))
    assert layer.frame["uid"].tolist() == ["S0", "S1", "S9", "S2", "S4", "S5", "S6", "S7"]
    assert index.stats["builds"] == 1 and index.stats["patched"] == 3  # S3 gone, S9 new, S5 moved
    assert _whole_tree_count(index) == 8  # no stale entry left behind
    for uid in layer.frame["uid"]:
        x, y = where(layer, uid)
        assert uids_of(layer, index.at_point(x, y)) == [uid]
    assert index.at_point(305, 5).tolist() == [] and index.at_point(505, 5).tolist() == []
    assert uids_of(layer, index.in_box(-1, -1, 1000, 11)) == ["S0", "S1", "S9", "S2", "S4", "S6", "S7"]
    # the same after a shuffle: no box changed, so nothing to patch, but rows map anew
    layer.set_frame(layer.frame.iloc[[7, 3, 0, 5, 1, 6, 2, 4]].reset_index(drop=True))
    assert index.stats["patched"] == 3 and _whole_tree_count(index) == 8
    for uid in layer.frame["uid"]:
        assert uids_of(layer, index.at_point(*where(layer, uid))) == [uid]


def test_repeated_uids_in_the_middle_are_replaced_not_confused():
    layer = squares(4)
    index = index_of(layer)
    index.build()
    twins = layer.frame.copy()
    twins.loc[1, "uid"] = twins.loc[2, "uid"] = "T"  # two rows that share a uid
    layer.set_frame(twins)
    assert _whole_tree_count(index) == 4
    assert index.at_point(105, 5).tolist() == [1] and index.at_point(205, 5).tolist() == [2]
    layer.set_frame(layer.frame.drop(index=1))
    assert _whole_tree_count(index) == 3 and index.at_point(205, 5).tolist() == [1]
    layer.select_uids(["T"])
    assert layer.selected_rows().tolist() == [1]


def test_random_edits_keep_the_tree_equal_to_the_frame():
    """After each of many random deletions, insertions and moves, every feature is found at its place and nowhere
    else, and the tree holds exactly one entry per feature."""
    rng = np.random.default_rng(7)
    layer = squares(60)
    index = index_of(layer)
    index.build()
    next_uid = 60
    for _ in range(40):
        f = layer.frame
        action = rng.integers(0, 3)
        if action == 0 and len(f) > 5:
            f = f.drop(index=rng.choice(len(f), size=rng.integers(1, 4), replace=False))
        elif action == 1:
            at = int(rng.integers(0, len(f) + 1))
            x = 100 * next_uid
            extra = frame([{"uid": f"S{next_uid}", "geometry": box(x, 0, x + 10, 10)}])
            next_uid += 1
            f = pd.concat([f.iloc[:at], extra, f.iloc[at:]])
        else:
            f = f.copy()
            row = int(rng.integers(0, len(f)))
            g = f.geometry.iloc[row]
            f.iloc[row, f.columns.get_loc("geometry")] = shapely.affinity.translate(g, 0, 50)
        layer.set_frame(f.reset_index(drop=True))
        assert _whole_tree_count(index) == len(layer.frame)
        for uid in layer.frame["uid"]:
            assert uids_of(layer, index.at_point(*where(layer, uid))) == [uid]
    assert index.stats["builds"] == 1
