"""The dissolved area of zones (dissolve.dissolved_area) equals the area worked out by hand, and GEOS's
union in one piece, on the cases that could trip a union cut into cells: shared and collinear edges,
duplicates, nesting, a polygon larger than every other, holes, the extent's cut, and generated road
networks whose junctions overlap (perpendicular roads of one width put cap vertices on one circle).
Each test runs as it comes and with cells of one geometry each, so that every piece is clipped."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from gisdesk.analysis import dissolve
from gisdesk.analysis.dissolve import dissolved_area

X0, Y0 = 400_000.0, 3_400_000.0  # Gauss-Krüger sized coordinates: rounding shows here if anywhere


@pytest.fixture(autouse=True, params=["as it comes", "fine cells"])
def cells(request, monkeypatch):
    if request.param == "fine cells":
        monkeypatch.setattr(dissolve, "_BIG", 1)
        monkeypatch.setattr(dissolve, "_PER_CELL", 1)


def by_geos(geoms, extent=None) -> float:
    union = shapely.union_all(np.asarray(geoms, dtype=object))
    if extent is not None:
        union = shapely.intersection(union, box(*extent))
    return float(union.area)


def rotated(geom, degrees: float, origin=(X0, Y0)):
    from shapely import affinity
    return affinity.rotate(geom, degrees, origin=origin)


def test_overlapping_squares_have_their_inclusion_exclusion_area():
    # three 10 m squares: A and B overlap 4 × 10, B and C 10 × 3, A and C 0; C holds a square within
    a, b, c = box(X0, Y0, X0 + 10, Y0 + 10), box(X0 + 6, Y0, X0 + 16, Y0 + 10), box(X0 + 13, Y0, X0 + 23, Y0 + 10)
    inner = box(X0 + 15, Y0 + 2, X0 + 20, Y0 + 7)
    assert dissolved_area([a, b, c, inner]) == pytest.approx(300 - 40 - 30, rel=1e-12)
    # and four squares around a point, each overlapping its two neighbours and the one across
    quad = [box(X0 + dx, Y0 + dy, X0 + dx + 10, Y0 + dy + 10) for dx in (0, 8) for dy in (0, 8)]
    assert dissolved_area(quad) == pytest.approx(18 * 18, rel=1e-12)


def test_shared_edges_count_once_or_cancel():
    # side by side (a shared edge run both ways): they cancel, the areas add
    left, right = box(X0, Y0, X0 + 30, Y0 + 30), box(X0 + 30, Y0, X0 + 60, Y0 + 30)
    assert dissolved_area([left, right]) == pytest.approx(1800, rel=1e-12)
    # duplicates: every edge shared the same way; it counts once
    assert dissolved_area([left] * 3) == pytest.approx(900, rel=1e-12)
    # a stretch shared the same way in part (the bottom edges from X0+10 to X0+30): one 30 × 40 box
    assert dissolved_area([left, box(X0 + 10, Y0, X0 + 40, Y0 + 30)]) == pytest.approx(1200, rel=1e-12)
    # nested, touching the outer one's edge from inside: the outer one alone
    assert dissolved_area([left, box(X0, Y0 + 5, X0 + 10, Y0 + 15)]) == pytest.approx(900, rel=1e-12)
    # all of it turned by an angle whose sines do not round to the same points (shared lines in floats)
    for degrees in (17.0, 33.3, 90.0, 151.7):
        shapes = [rotated(g, degrees) for g in (left, right, box(X0 + 10, Y0, X0 + 40, Y0 + 30), left)]
        assert dissolved_area(shapes) == pytest.approx(by_geos(shapes), rel=1e-9)
        assert dissolved_area(shapes) == pytest.approx(1800, rel=1e-9)


def test_a_zone_larger_than_every_other_covers_them():
    # a 2 km convex park (a 64-gon) over 300 small squares inside it and 20 sticking out by 2 m
    park = shapely.Point(X0, Y0).buffer(1000, quad_segs=16)
    rng = np.random.default_rng(4)
    angle, radius = rng.uniform(0, 2 * math.pi, 300), 900 * np.sqrt(rng.uniform(0, 1, 300))
    xs, ys = X0 + radius * np.cos(angle), Y0 + radius * np.sin(angle)
    inside = list(shapely.box(xs - 5, ys - 5, xs + 5, ys + 5))
    rim = park.exterior.interpolate(np.linspace(0, park.exterior.length, 20, endpoint=False))
    out = [shapely.Point(p.x, p.y).buffer(3, quad_segs=2) for p in rim]  # straddling the park's edge
    shapes = [park, *inside, *out]
    assert dissolved_area(shapes) == pytest.approx(by_geos(shapes), rel=1e-10)
    assert dissolved_area([park, *inside]) == pytest.approx(park.area, rel=1e-12)


def test_a_ring_road_and_an_l_shape_among_squares():
    ring_road = shapely.Point(X0, Y0).buffer(500).difference(shapely.Point(X0, Y0).buffer(480))  # a hole
    ell = Polygon([(X0, Y0), (X0 + 20, Y0), (X0 + 20, Y0 + 5), (X0 + 5, Y0 + 5), (X0 + 5, Y0 + 20), (X0, Y0 + 20)])
    squares = [box(X0 + 490 * math.cos(a), Y0 + 490 * math.sin(a), X0 + 490 * math.cos(a) + 30,
                   Y0 + 490 * math.sin(a) + 30) for a in np.linspace(0, 6, 300)]
    for odd in (ring_road, ell):
        assert dissolved_area([odd, *squares]) == pytest.approx(by_geos([odd, *squares]), rel=1e-9)
    assert dissolved_area(squares) == pytest.approx(by_geos(squares), rel=1e-9)


def road_network(n: int, degrees: float, widths, rng, *, junction_jitter: float = 0.0):
    """Buffers of every block edge of an n × n street grid turned by `degrees`, each its own road
    (so four caps meet at every junction), with the half widths drawn from `widths`."""
    spacing = 120.0
    t = math.radians(degrees)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    nodes = np.stack(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"), axis=-1).reshape(-1, 2) * spacing
    nodes = nodes + rng.uniform(-junction_jitter, junction_jitter, nodes.shape)
    nodes = nodes @ rot.T + (X0, Y0)
    index = np.arange(n * n).reshape(n, n)
    pairs = np.r_[np.c_[index[:-1].ravel(), index[1:].ravel()], np.c_[index[:, :-1].ravel(), index[:, 1:].ravel()]]
    lines = shapely.linestrings(np.stack([nodes[pairs[:, 0]], nodes[pairs[:, 1]]], axis=1))
    return shapely.buffer(lines, rng.choice(widths, len(lines)))


@pytest.mark.parametrize("degrees, widths, jitter", [
    (0.0, [15.0], 0.0),  # one width, axis-parallel: perpendicular caps share their vertices
    (28.0, [15.0], 0.0),  # the same, turned: the shared vertices differ in the last bits
    (28.0, [10.0, 15.0, 20.0, 30.0], 0.0),  # the 10-30 m half widths
    (61.0, [10.0, 25.0], 7.0),  # junctions moved: roads meet at odd angles
])
def test_generated_road_networks_equal_geos(degrees, widths, jitter):
    zones = road_network(24, degrees, widths, np.random.default_rng(int(degrees)), junction_jitter=jitter)
    assert len(zones) > 1000
    expected = by_geos(zones)
    assert dissolved_area(zones) == pytest.approx(expected, rel=1e-9)
    # and cut by an extent through the middle of blocks and junctions
    b = shapely.total_bounds(zones)
    extent = (b[0] + 333.3, b[1] + 250.0, b[2] - 410.7, b[3] - 120.0)
    assert dissolved_area(zones, extent) == pytest.approx(by_geos(zones, extent), rel=1e-9)


def test_random_roads_and_parks_equal_geos():
    rng = np.random.default_rng(11)
    starts = np.c_[X0 + rng.uniform(0, 5000, 3000), Y0 + rng.uniform(0, 5000, 3000)]
    ends = starts + rng.normal(0, 150, (3000, 2))
    roads = shapely.buffer(shapely.linestrings(np.stack([starts, ends], axis=1)), rng.uniform(3, 30, 3000))
    xs, ys = X0 + rng.uniform(0, 5000, 400), Y0 + rng.uniform(0, 5000, 400)
    parks = shapely.box(xs, ys, xs + rng.uniform(5, 300, 400), ys + rng.uniform(5, 300, 400))
    zones = np.concatenate([roads, parks])
    assert dissolved_area(zones) == pytest.approx(by_geos(zones), rel=1e-9)


def test_random_convex_polygons_with_collinear_vertices_duplicates_and_shared_edges_equal_geos():
    rng = np.random.default_rng(0)
    for _ in range(60):
        polys = []
        for _ in range(rng.integers(2, 40)):
            centre = np.array([X0, Y0]) + rng.uniform(0, 200, 2)
            points = centre + rng.normal(0, rng.uniform(1, 60), (rng.integers(3, 12), 2)) * [1, rng.uniform(0.02, 1)]
            hull = shapely.convex_hull(shapely.multipoints(points))
            if hull.geom_type != "Polygon":
                continue
            if rng.random() < 0.3:  # vertices on the edges, as a clip by a box leaves them
                hull = shapely.segmentize(hull, rng.uniform(1, 20))
            polys.append(hull)
        if rng.random() < 0.3:
            polys.append(polys[0])
        if rng.random() < 0.3:  # a row of boxes side by side
            polys += list(shapely.box(X0 + 10 * np.arange(5), Y0, X0 + 10 * np.arange(5) + 10, Y0 + 10))
        assert dissolved_area(polys) == pytest.approx(by_geos(polys), rel=1e-9)
