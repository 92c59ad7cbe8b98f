"""The depth of an overlap into small zones (gisdesk.analysis.conflicts.encroachment_depth, as the
check calls it) against the branch-and-bound oracle of tests/depth_oracle.py, which shares no code
with it, to 5 mm (the engine's ±4 mm and the oracle's 1 mm).

Small zones are what most pairs of a city meet: the capsule of a road drawn as one segment per
block, a rectangular park, a short bend. The cases put the deepest point of the overlap at each
kind of place it can be: a vertex of the overlap; a point of its edge where two parts of the
zone's boundary are equally near (a building across a park's ridge: two sides; inside a bend: a
side and the reflex vertex); and a point inside where three are (a triangle's centre; over a bend).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from gisdesk.analysis.conflicts import _convex_depth, encroachment_depth
from tests.depth_oracle import depth as oracle, overlap


TOL = 0.005  # m


def engine_depth(building, zone) -> float:
    return float(encroachment_depth(np.array([building]), np.array([overlap(building, zone)]), np.array([zone]),
                                    shapely.boundary(np.array([zone])))[0])


PARK = box(0, 0, 100, 40)  # its ridge runs from (20, 20) to (80, 20); the depth there is 20
CAPSULE = shapely.buffer(LineString([(0, 0), (100, 0)]), 15)  # GEOS's: 8 chords a quarter circle


@pytest.mark.parametrize("building, hand", [
    (box(-5, -5, 10, 10), 10.0),  # a corner: the deepest vertex, (10, 10)
    (box(40, 10, 50, 30), 20.0),  # across the ridge: on the building's edge, halfway up
    (box(70, 5, 90, 35), 20.0),  # over the ridge's end (80, 20), where three sides are 20 away
    (box(95, 15, 120, 25), 5.0),  # over the short side only
    (Polygon([(10, 5), (30, 5), (30, 15), (15, 15), (15, 30), (10, 30)]), 15.0),  # an L: its vertex (30, 15)
])
def test_rectangular_park(building, hand):
    ref = oracle(building, PARK)
    assert ref == pytest.approx(hand, abs=0.002)
    assert engine_depth(building, PARK) == pytest.approx(ref, abs=TOL)


def test_around_the_centre_of_a_triangle():
    """Its deepest point is the centre of its inscribed circle, inside the building, where three sides
    are equally near and no edge of the building is as deep."""
    triangle = Polygon([(0, 0), (60, 0), (30, 52)])
    inradius = 2 * triangle.area / triangle.length
    building = box(25, 12, 35, 22)
    assert oracle(building, triangle) == pytest.approx(inradius, abs=0.002)
    assert engine_depth(building, triangle) == pytest.approx(inradius, abs=TOL)


@pytest.mark.parametrize("building", [
    box(40, -30, 60, 30),  # across the whole road: 15, on the centre line
    box(-30, -30, 5, 30),  # over the round end: less than 15 by the chords
    box(-30, -3, -5, 3),  # in the cap only
    box(-10, 5, 2, 25),  # a corner of the cap
    shapely.affinity.rotate(box(-12, -4, 12, 4), 37, origin=(0, 0)),  # rotated over the end point
    Polygon([(90, -20), (120, -20), (120, 20), (90, 20), (90, 5), (110, 5), (110, -5), (90, -5)]),  # a U round the end
    MultiPolygon([box(-20, -2, -10, 2), box(50, 8, 60, 20)]),  # two parts, deepest in the one in the cap
    Polygon(box(-25, -25, 25, 25).exterior.coords, [box(-5, -5, 5, 5).exterior.coords]),  # a courtyard round the end
])
def test_capsule_of_one_segment(building):
    assert engine_depth(building, CAPSULE) == pytest.approx(oracle(building, CAPSULE), abs=TOL)


BEND = shapely.buffer(LineString([(0, 0), (60, 0), (60, 60)]), 12)  # a reflex vertex at (48, 12)
NOTCH = Polygon([(0, 0), (100, 0), (100, 40), (60, 40), (50, 20), (40, 40), (0, 40)])
COURTYARD = Polygon(box(0, 0, 100, 100).exterior.coords, [box(40, 40, 60, 60).exterior.coords])
HAIRPIN = shapely.buffer(LineString([(0, 0), (80, 0), (10, 25)]), 10)


@pytest.mark.parametrize("zone, building", [
    (BEND, box(40, -20, 70, 20)),  # over the bend: deeper than the half width
    (BEND, box(44, 2, 52, 20)),  # round the reflex vertex
    (BEND, box(55, -15, 80, 5)),  # the outer corner's chords
    (NOTCH, box(40, 25, 60, 45)),  # over the notch's reflex vertex (50, 20)
    (NOTCH, box(30, 5, 70, 35)),  # under it
    (COURTYARD, box(30, 30, 45, 70)),  # beside the courtyard (a hole)
    (COURTYARD, box(10, 10, 90, 90)),  # round it
    (HAIRPIN, box(60, -5, 85, 20)),  # at the hairpin's vertex
    (HAIRPIN, box(20, -5, 40, 30)),  # across both legs
])
def test_zones_that_are_not_convex(zone, building):
    assert engine_depth(building, zone) == pytest.approx(oracle(building, zone), abs=TOL)


# a service road of Snezhinsk (OpenStreetMap, ODbL) looping round a building, whose centre line runs
# along the building's wall: the deepest part is a strip 120 m long and a few cm wide on the wall
WALL = shapely.from_wkt("POLYGON ((1.75 29.58, 7.58 29, 6.96 22.89, 122.54 11.32, 121.4 0, 119.9 0.15, 0 12.15, "
                        "1.75 29.58))")
LOOP = shapely.buffer(shapely.from_wkt("LINESTRING (0 12.15, -0.63 -3.4, -1.42 -22.8, 0.36 -23.02, 115.34 -37.59, "
                                       "119.9 0.15, 0 12.15)"), 5)


def test_a_road_along_a_wall():
    assert engine_depth(WALL, LOOP) == pytest.approx(oracle(WALL, LOOP), abs=TOL)


def test_random_zones_and_buildings():
    """Capsules, bends and hairpins of centre lines, rotated rectangles, regular polygons and notched
    ones against rotated rectangles and L-shapes thrown over them; every pair with an overlap is
    compared with the oracle."""
    rng = np.random.default_rng(8)
    checked = 0
    for _ in range(240):
        kind = rng.integers(5)
        if kind == 0:
            zone = shapely.buffer(LineString([(0, 0), (rng.uniform(5, 80), 0)]), rng.uniform(3, 30))
        elif kind == 1:
            zone = box(0, 0, rng.uniform(5, 80), rng.uniform(5, 60))
        elif kind == 2:
            k, radius = rng.integers(3, 12), rng.uniform(10, 50)
            angle = np.linspace(0, 2 * np.pi, k, endpoint=False) + rng.uniform(0, 1)
            zone = Polygon(np.c_[radius * np.cos(angle), radius * np.sin(angle)])
        elif kind == 3:  # a centre line of two or three segments, turning by up to 160°
            points, heading = [(0.0, 0.0)], 0.0
            for _ in range(rng.integers(2, 4)):
                heading += rng.uniform(-2.8, 2.8)
                step = rng.uniform(15, 60)
                points.append((points[-1][0] + step * np.cos(heading), points[-1][1] + step * np.sin(heading)))
            zone = shapely.buffer(LineString(points), rng.uniform(4, 20))
        else:  # a park with a notch cut into one side
            w, hgt = rng.uniform(40, 100), rng.uniform(30, 80)
            x, depth_ = rng.uniform(10, w - 10), rng.uniform(5, hgt - 5)
            zone = Polygon([(0, 0), (w, 0), (w, hgt), (x + 5, hgt), (x, hgt - depth_), (x - 5, hgt), (0, hgt)])
        zone = shapely.affinity.rotate(zone, rng.uniform(0, 360), origin=(0, 0))
        if not zone.is_valid:
            continue
        xmin, ymin, xmax, ymax = zone.bounds
        w, hgt = rng.uniform(2, 40), rng.uniform(2, 40)
        building = box(0, 0, w, hgt)
        if rng.random() < 0.4:
            building = building.difference(box(w * rng.uniform(0.3, 0.7), hgt * rng.uniform(0.3, 0.7), w, hgt))
        building = shapely.affinity.rotate(building, rng.uniform(0, 360), origin=(0, 0))
        building = shapely.affinity.translate(building, rng.uniform(xmin - w, xmax), rng.uniform(ymin - hgt, ymax))
        if overlap(building, zone).area <= 0:
            continue
        assert engine_depth(building, zone) == pytest.approx(oracle(building, zone), abs=TOL), (building.wkt, zone.wkt)
        checked += 1
    assert checked > 100


def test_the_check_measures_a_park_crossing_on_its_ridge():
    """Through encroachment_depth, as the check calls it: a building across the park's ridge is as
    deep as half the park's width, where the single-side bound (each side alone: 30) does not say so."""
    building = box(40, 10, 50, 30)
    got = encroachment_depth(np.array([building]), np.array([overlap(building, PARK)]), np.array([PARK]),
                             shapely.boundary(np.array([PARK])))
    assert got[0] == pytest.approx(20.0, abs=TOL)


def test_convex_zones_are_measured_exactly():
    """A zone that is a convex polygon is measured in closed form (_convex_depth), to the oracle's
    1 mm and not to the general method's 4: hulls of random points (up to 40 edges), capsules and
    rectangles, against rectangles, L-shapes, courtyards and two-part buildings thrown over them,
    the deepest place on a vertex, an edge or inside the building."""
    rng = np.random.default_rng(21)
    measured = overlapping = 0
    for _ in range(300):
        kind = rng.integers(3)
        if kind == 0:
            zone = shapely.convex_hull(shapely.multipoints(rng.uniform(-50, 50, (rng.integers(3, 40), 2))))
        elif kind == 1:
            zone = shapely.buffer(LineString([(0, 0), (rng.uniform(5, 80), 0)]), rng.uniform(3, 30))
        else:
            zone = box(0, 0, rng.uniform(5, 80), rng.uniform(5, 60))
        zone = shapely.affinity.rotate(zone, rng.uniform(0, 360), origin=(0, 0))
        xmin, ymin, xmax, ymax = zone.bounds
        w, hgt = rng.uniform(2, 40), rng.uniform(2, 40)
        building = box(0, 0, w, hgt)
        shape = rng.integers(4)
        if shape == 1:
            building = building.difference(box(w * 0.5, hgt * 0.5, w, hgt))
        elif shape == 2:
            building = building.difference(box(w * 0.3, hgt * 0.3, w * 0.7, hgt * 0.7))
        elif shape == 3:
            building = MultiPolygon([box(0, 0, w * 0.4, hgt), box(w * 0.6, 0, w, hgt)])
        building = shapely.affinity.rotate(building, rng.uniform(0, 360), origin=(0, 0))
        building = shapely.affinity.translate(building, rng.uniform(xmin - w, xmax), rng.uniform(ymin - hgt, ymax))
        part = overlap(building, zone)
        if part.area <= 0:
            continue
        overlapping += 1
        got = _convex_depth(np.array([part]), np.array([zone]))[0]
        if np.isnan(got):  # more lines near the building than the closed form takes
            continue
        assert got == pytest.approx(oracle(building, zone), abs=0.0015), (building.wkt, zone.wkt)
        measured += 1
    assert measured > 100 and measured > overlapping / 2


def test_only_convex_polygons_take_the_closed_form():
    inside = box(45, 5, 55, 15)
    for zone in (NOTCH, BEND, COURTYARD, shapely.MultiPolygon([box(0, 0, 10, 10), box(20, 0, 30, 10)])):
        building = shapely.affinity.translate(inside, *np.subtract(zone.representative_point().coords[0], (50, 10)))
        assert np.isnan(_convex_depth(np.array([overlap(building, zone)]), np.array([zone]))[0])
    triangle = Polygon([(0, 0), (60, 0), (30, 52)])  # its deepest point lies inside the building
    got = _convex_depth(np.array([box(25, 12, 35, 22)]), np.array([triangle]))[0]
    assert got == pytest.approx(2 * triangle.area / triangle.length, abs=1e-9)
