"""Dissolved areas and lengths by groups and grid cells equal the straightforward union's measure."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

from gisdesk.analysis import dissolve
from gisdesk.analysis.dissolve import components, dissolved_area, dissolved_areas, dissolved_length

X0, Y0 = 400_000.0, 3_400_000.0  # Gauss-Krüger sized coordinates: rounding shows here if anywhere


@pytest.fixture(params=["groups", "cells"])
def tiling(request, monkeypatch):
    """Each test twice: as it comes (small groups unioned whole), and with every group of more than
    one geometry cut into grid cells of about one geometry each (the path of a road network)."""
    if request.param == "cells":
        monkeypatch.setattr(dissolve, "_BIG", 1)
        monkeypatch.setattr(dissolve, "_PER_CELL", 1)
    return request.param


def reference_area(geoms, extent=None) -> float:
    union = shapely.union_all([g for g in geoms if g is not None])
    if extent is not None:
        union = shapely.intersection(union, box(*extent))
    return float(union.area)


def test_a_polygon_crossing_cell_edges_counts_once(tiling):
    # a 100 × 10 strip and a 10 × 100 strip crossing it: 1000 + 1000 − 100, wherever the cells fall
    geoms = [box(X0, Y0 + 45, X0 + 100, Y0 + 55), box(X0 + 45, Y0, X0 + 55, Y0 + 100)]
    assert dissolved_area(geoms) == pytest.approx(1900.0, rel=1e-12)
    # and three copies of one square are one square
    assert dissolved_area([box(X0, Y0, X0 + 30, Y0 + 30)] * 3) == pytest.approx(900.0, rel=1e-12)


def test_overlapping_polygons_in_different_cells(tiling):
    # a chain of 20 squares of 10 m, each overlapping the next by 2 m: 20 × 100 − 19 × 20
    chain = [box(X0 + 8 * i, Y0, X0 + 8 * i + 10, Y0 + 10) for i in range(20)]
    # and far off, two squares that only touch: 200
    apart = [box(X0 + 1000, Y0, X0 + 1010, Y0 + 10), box(X0 + 1010, Y0, X0 + 1020, Y0 + 10)]
    assert dissolved_area(chain + apart + [None]) == pytest.approx(2000 - 380 + 200, rel=1e-12)


def test_a_connected_grid_of_crossing_strips_has_its_analytic_area(tiling):
    # n horizontal strips a wide and A long, m vertical ones b wide and B long, every pair crossing
    n, m, A, B, a, b = 9, 7, 1200.0, 900.0, 12.0, 7.0
    horizontal = [box(X0, Y0 + 100 * i, X0 + A, Y0 + 100 * i + a) for i in range(n)]
    vertical = [box(X0 + 150 * j + 20, Y0 - 20, X0 + 150 * j + 20 + b, Y0 - 20 + B) for j in range(m)]
    expected = n * A * a + m * B * b - n * m * a * b
    assert dissolved_area(horizontal + vertical) == pytest.approx(expected, rel=1e-12)
    # within an extent that cuts the network: only what lies inside counts
    extent = (X0 + 100, Y0 - 50, X0 + 700, Y0 + 450)  # rows 0-4 (y 0..412), 600 m of each; columns 1-4
    rows, columns = 5, 4  # (x 170..627), from y −20 to 450: 470 m of each
    inside = rows * 600 * a + columns * 470 * b - rows * columns * a * b
    assert dissolved_area(horizontal + vertical, extent) == pytest.approx(inside, rel=1e-12)


def test_random_sets_equal_the_straightforward_union(tiling):
    rng = np.random.default_rng(8)
    for _ in range(6):
        xs, ys = X0 + rng.uniform(0, 2000, 300), Y0 + rng.uniform(0, 2000, 300)
        boxes = shapely.box(xs, ys, xs + rng.uniform(1, 120, 300), ys + rng.uniform(1, 120, 300))
        starts = np.c_[X0 + rng.uniform(0, 2000, 200), Y0 + rng.uniform(0, 2000, 200)]
        ends = starts + rng.normal(0, 150, (200, 2))
        roads = shapely.buffer(shapely.linestrings(np.stack([starts, ends], axis=1)), rng.uniform(3, 20, 200))
        geoms = np.concatenate([boxes, roads])
        assert dissolved_area(geoms) == pytest.approx(reference_area(geoms), rel=1e-9)
        extent = (X0 + 300, Y0 + 200, X0 + 1500, Y0 + 1700)
        assert dissolved_area(geoms, extent) == pytest.approx(reference_area(geoms, extent), rel=1e-9)


def test_sets_sharing_members_are_each_dissolved(tiling):
    rng = np.random.default_rng(3)
    xs, ys = X0 + rng.uniform(0, 500, 120), Y0 + rng.uniform(0, 500, 120)
    geoms = shapely.box(xs, ys, xs + 40, ys + 40)
    geoms[5] = None
    members = [np.flatnonzero(rng.random(120) < share) for share in (0.2, 0.5, 1.0, 0.0)]
    rows = np.concatenate(members)
    sets = np.repeat(np.arange(4), [len(m) for m in members])
    areas = dissolved_areas(geoms, sets, 5, members=rows)
    for s, m in enumerate(members):
        assert areas[s] == pytest.approx(reference_area(geoms[m]) if len(m) else 0.0, rel=1e-9), s
    assert areas[4] == 0.0  # a set with no member


def test_dissolved_length_counts_shared_stretches_once():
    lines = [
        LineString([(X0, Y0), (X0 + 100, Y0)]),
        LineString([(X0 + 60, Y0), (X0 + 150, Y0)]),             # shares 40 m with the first
        LineString([(X0 + 100, Y0), (X0 + 100, Y0 + 80)]),       # touches at an end: shares nothing
        LineString([(X0 + 100, Y0 + 80), (X0 + 100, Y0 + 20)]),  # lies on the one before, reversed
        LineString([(X0 + 50, Y0 - 30), (X0 + 50, Y0 + 30)]),    # crosses the first in a point
        LineString([(X0 + 200, Y0), (X0 + 250, Y0), (X0 + 250, Y0 + 50)]),  # a bend
        LineString([(X0 + 250, Y0 + 10), (X0 + 250, Y0 + 70)]),  # shares 40 m with the bend's second leg
        LineString([(X0 + 300, Y0 + 300), (X0 + 400, Y0 + 400)]),
        LineString([(X0 + 300, Y0 + 300), (X0 + 400, Y0 + 400)]),  # a copy
    ]
    diagonal = 100 * np.sqrt(2)
    expected = 150 + 80 + 60 + (50 + 70) + diagonal
    assert dissolved_length(lines) == pytest.approx(expected, rel=1e-12)
    assert dissolved_length(lines) == pytest.approx(shapely.union_all(lines).length, rel=1e-12)
    # within an extent whose edge runs along the first line (y = Y0): the line on the edge counts once,
    # and of the line crossing it 30 m are left
    assert dissolved_length(lines, (X0, Y0, X0 + 500, Y0 + 500)) == pytest.approx(expected - 30, rel=1e-12)


def test_random_lines_equal_the_straightforward_union():
    rng = np.random.default_rng(5)
    grid = X0 + 50.0 * rng.integers(0, 20, (400, 2, 2))  # on a lattice: many collinear overlaps and crossings
    grid[:, :, 1] += Y0 - X0
    axis = rng.integers(0, 2, 400)
    grid[axis == 0, 1, 1] = grid[axis == 0, 0, 1]  # horizontal
    grid[axis == 1, 1, 0] = grid[axis == 1, 0, 0]  # vertical
    lines = shapely.linestrings(grid)
    lines = lines[shapely.length(lines) > 0]
    bent = LineString([(X0, Y0 + 100), (X0 + 300, Y0 + 100), (X0 + 300, Y0 + 600)])
    lines = np.r_[lines, np.empty(1, dtype=object)]
    lines[-1] = bent
    assert dissolved_length(lines) == pytest.approx(shapely.union_all(lines).length, rel=1e-9)
    extent = (X0 + 120, Y0 + 75, X0 + 700, Y0 + 800)
    expected = shapely.intersection(shapely.union_all(lines), box(*extent)).length
    assert dissolved_length(lines, extent) == pytest.approx(expected, rel=1e-9)


def test_components_of_a_long_chain_and_of_separate_pieces():
    n = 5000
    first, second = np.arange(n - 1), np.arange(1, n)
    assert (components(n, first, second) == 0).all()
    # two chains and a lone node, edges in a scrambled order
    order = np.random.default_rng(1).permutation(6)
    first, second = np.array([0, 1, 2, 4, 5, 6])[order], np.array([1, 2, 3, 5, 6, 7])[order]
    assert components(9, first, second).tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2]
