"""FeatureData: immutable generations of a layer's features, with arrays derived once per generation."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from gisdesk.layers.data import FeatureData
from gisdesk.layers.layer import Layer
from tests.conftest import frame


def buildings() -> FeatureData:
    return FeatureData(frame([{"uid": "B1", "floors": 2, "height_m": 6.0, "name": "甲", "geometry": box(0, 0, 10, 10)},
                              {"uid": "B2", "floors": 5, "height_m": 15.0, "name": "乙", "geometry": box(20, 0, 30, 8)},
                              {"uid": "B3", "floors": 1, "height_m": 3.0, "name": "丙", "geometry": box(0, 20, 4, 24)}]))


def test_an_attribute_edit_makes_a_new_generation_and_leaves_the_old_one_as_it_was():
    old = buildings()
    new = old.with_values([1], "floors", [7])
    assert new.frame["floors"].tolist() == [2, 7, 1]
    assert old.frame["floors"].tolist() == [2, 5, 1]
    assert new.frame is not old.frame and new.same_rows(old)
    assert not FeatureData(new.frame).same_rows(new)  # a whole new frame: other rows, as far as anyone knows


def test_a_value_that_does_not_fit_the_column_widens_its_dtype():
    data = buildings()
    missing_floors = data.with_values([0], "floors", [None])
    assert str(missing_floors.frame["floors"].dtype) == "Int64" and missing_floors.frame["floors"].isna().tolist() == \
        [True, False, False]
    assert np.isnan(data.with_values([2], "height_m", [None]).frame["height_m"].iloc[2])
    text = data.with_values([0], "height_m", ["about 6"])
    assert text.frame["height_m"].tolist() == ["about 6", 15.0, 3.0]
    added = data.with_values([1, 2], "address", ["中山路 1 号", "中山路 3 号"])
    assert added.frame["address"].tolist()[1:] == ["中山路 1 号", "中山路 3 号"] and "address" not in data.frame
    with pytest.raises(ValueError):
        data.with_values([0, 1], "floors", [3])


def test_a_geometry_edit_moves_the_feature_in_the_new_generation_only():
    old = buildings()
    old_bounds = old.bounds.copy()
    new = old.with_geometries([2], [box(100, 100, 110, 120)])
    assert new.bounds[2].tolist() == [100, 100, 110, 120]
    assert np.array_equal(old.bounds, old_bounds)
    assert new.in_box(99, 99, 101, 101).tolist() == [2] and old.in_box(99, 99, 101, 101).tolist() == []
    assert new.frame.crs == old.frame.crs and new.frame.geometry.name == old.frame.geometry.name


def test_derived_arrays_are_taken_over_by_the_next_generation_unless_they_depend_on_the_edited_column():
    old = buildings()
    rings, bounds, labels = old.polygon_rings, old.bounds, old.label_points
    heights = old.derived("heights", lambda: old.frame["height_m"].to_numpy() * 2, columns=("height_m",))
    anything = old.derived("anything", lambda: len(old.frame))
    renamed = old.with_values([0], "name", ["丁"])
    assert renamed.polygon_rings is rings and renamed.bounds is bounds and renamed.label_points is labels
    assert renamed.derived("heights", lambda: pytest.fail("recomputed")) is heights
    assert not renamed.computed("anything")  # derived from any column: made again
    moved = old.with_geometries([0], [box(1, 1, 9, 9)])
    assert not moved.computed("polygon_rings") and moved.polygon_rings is not rings
    assert moved.derived("heights", lambda: pytest.fail("recomputed")) is heights
    taller = old.with_values([0], "height_m", [9.0])
    assert not taller.computed("heights") and taller.polygon_rings is rings
    assert anything == 3


def test_a_derived_value_asked_for_by_many_threads_at_once_is_computed_once():
    data = buildings()
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.05)
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(data.derived("slow", slow))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(got) == 8 and all(value is got[0] for value in got)


def test_a_thread_asking_for_another_value_does_not_wait_for_a_slow_one():
    data = buildings()
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return "slow"

    thread = threading.Thread(target=lambda: data.derived("slow", slow))
    thread.start()
    started.wait(5)
    try:
        assert data.bounds.shape == (3, 4)  # answered while "slow" is still being computed
    finally:
        release.set()
        thread.join()


def test_derived_arrays_are_read_only():
    data = buildings()
    for array in (data.bounds, data.geometries, data.label_points, data.polygon_rings.coords, data.points[0]):
        with pytest.raises(ValueError):
            array[0] = 0


def test_a_layer_edits_through_new_generations_and_tells_its_listeners():
    layer = Layer("buildings", buildings().frame)
    events = []
    layer.events["data"].connect(lambda *_: events.append(layer.data))
    first = layer.data
    layer.set_values([0], "floors", [4])
    layer.set_geometries([1], [box(50, 50, 60, 60)])
    assert len(events) == 2 and events[-1] is layer.data and layer.data is not first
    assert layer.frame["floors"].tolist() == [4, 5, 1] and layer.bounds[1].tolist() == [50, 50, 60, 60]
    assert first.frame["floors"].tolist() == [2, 5, 1] and first.bounds[1].tolist() == [20, 0, 30, 8]
    layer.set_frame(pd.concat([layer.frame, layer.frame.iloc[:1]], ignore_index=True))
    assert len(layer.frame) == 4 and not layer.data.same_rows(first) and len(events) == 3
