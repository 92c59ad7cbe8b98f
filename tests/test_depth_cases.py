"""The depth of an encroachment (docs/domain.md §1.6) against an independent oracle, on cases made
to catch a wrong shortcut.

depth(B, Z) = max over p in B∩Z of dist(p, ∂Z). For a centre line's zone, h − distance(B, line)
is only a lower bound: inside a bend, at a junction or crossing of one feature, or where a meander
comes back near itself the zone is deeper, and at a round end the polygon's chords make it
shallower. Each case builds its zone with `control_zones` (what the check uses), runs the whole
`check_conflicts` on a one-building frame and compares `depth_m` with tests/depth_oracle.py
(a branch and bound over cells, to 1 mm) to 0.01 m, and with the hand arithmetic in the comments
where there is some. For centre lines, the oracle on the polygon is also held between the depths
into the true zone (every point within h of the line): the polygon lies inside it and contains it
shrunk by the chords' 0.48 % (h·(1 − cos(π/32))).

Default rules: red setback 10 m, so every overlapping pair is reported (encroach or setback) and
carries its depth. Coordinates in metres (EPSG:4549).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, box

from gisdesk.analysis.conflicts import check_conflicts
from gisdesk.layers.zones import control_zones
from gisdesk.rules import load_rules
from tests.conftest import frame
from tests.depth_oracle import depth, depths, ideal_buffer_bounds, overlap, without_specks

RULES = load_rules()
CRS_M = CRS.from_epsg(4549)
CHORD = 1 - math.cos(math.pi / 32)  # 8 chords per quarter circle: a chord is this share of h short


def control(geometry, h=None, side=None, uid="L"):
    row = {"uid": uid, "geometry": geometry}
    if h is not None:
        row["half_width_m"] = h
    if side is not None:
        row["side"] = side
    return row


def zone_of(ctrl, kind="red"):
    return control_zones(frame([ctrl]), kind)[0][0]


def check(buildings, controls, kind="red"):
    """Rows of the whole check by (building uid, control uid); buildings are named b0, b1, …"""
    subjects = frame([{"uid": f"b{i}", "geometry": g} for i, g in enumerate(buildings)])
    result = check_conflicts({"buildings": subjects}, {kind: frame(controls)}, RULES, crs=CRS_M)
    return {(r.subject_id, r.control_id): r for r in result.conflicts.itertuples()}


def engine_depth(building, ctrl, kind="red"):
    rows = check([building], [ctrl], kind)
    return rows[("b0", ctrl["uid"])].depth_m


def assert_depth(building, ctrl, hand=None, kind="red", ideal=True):
    """The engine's depth equals the oracle's (to 0.01 m) and the hand value (to 2 mm); returns it."""
    zone = zone_of(ctrl, kind)
    ref = depth(building, zone)
    if hand is not None:
        assert ref == pytest.approx(hand, abs=0.002), "oracle against the hand value"
    got = engine_depth(building, ctrl, kind)
    assert got == pytest.approx(ref, abs=0.01), f"engine {got:.4f} against oracle {ref:.4f}"
    if ideal and ctrl.get("half_width_m") and ctrl.get("side") is None and ctrl["geometry"].geom_type != "Polygon":
        h = ctrl["half_width_m"]
        lo, hi = ideal_buffer_bounds(building, ctrl["geometry"], h)
        assert lo - h * CHORD - 0.002 <= ref <= hi + 0.002, (lo, ref, hi)
    return ref


ROAD = LineString([(0, 0), (200, 0)])
L_BEND = LineString([(0, 0), (100, 0), (100, 100)])
# a hairpin: the second leg leaves the vertex V = (100, 0) at 150°, 30° from the first leg
HAIRPIN = LineString([(0, 0), (100, 0), (100 + 100 * math.cos(math.radians(150)), 100 * math.sin(math.radians(150)))])
S15 = math.sin(math.radians(15))


# --- straight road ------------------------------------------------------------------------

def test_building_spanning_a_straight_road_near_the_middle():
    # the ridge y = 0 runs through B; both edges are 10 m from it: depth = h
    assert_depth(box(90, -15, 96, 15), control(ROAD, 10), hand=10.0)
    assert_depth(box(70, -15, 110, 15), control(ROAD, 10), hand=10.0)  # a long building: a 40 m ridge


def test_building_over_the_end_cap_is_less_deep_than_the_half_width():
    # B holds only x ≥ 200, the round end: GEOS draws it with 16 chords around (200, 0), each
    # 10·cos(π/32) = 9.952 m from it, so the deepest point is (200, 0) at 9.952 m, not h = 10
    d = assert_depth(box(200, -15, 215, 15), control(ROAD, 10), hand=10 * math.cos(math.pi / 32))
    assert d < 9.96
    # a building reaching back over x < 198: the ridge reaches 10 m again
    assert_depth(box(195, -15, 215, 15), control(ROAD, 10), hand=10.0)


def test_building_covering_the_whole_zone():
    assert_depth(box(-20, -20, 40, 20), control(LineString([(0, 0), (20, 0)]), 10), hand=10.0, ideal=False)  # I = Z


def test_shallow_building_on_one_side():
    assert_depth(box(50, 6, 60, 20), control(ROAD, 10), hand=10 - 6)  # h − distance to the line
    assert_depth(box(120, -30, 121, -9.5), control(ROAD, 10), hand=0.5)


# --- bends ----------------------------------------------------------------------------------

def test_inside_an_l_bend_the_zone_is_deeper_than_the_half_width():
    # The inner corner of the zone is (90, 10); the outer edges are y = −10 and x = 110. On the
    # diagonal p = (100 − s, s): √2·(10 − s) = 10 + s at s = 10(3 − 2√2) = 1.716, depth
    # 10 + s = 20(2 − √2) = 11.716 m > h, while B touches the line (h − distance = 10).
    assert_depth(box(92, 0, 99, 8), control(L_BEND, 10), hand=20 * (2 - math.sqrt(2)))


def test_inner_side_of_a_bend_beyond_the_shortcut():
    # B = 85..98.5 × 2..15, 1.5 m from the line: h − distance = 8.5. On B's bottom edge y = 2,
    # min(dist to the corner (90, 10), 110 − x, 10 + y): √((x − 90)² + 64) = 110 − x at x = 98.4,
    # depth 11.6 m (and 10 + y = 12 ≥ 11.6).
    b = box(85, 2, 98.5, 15)
    d = assert_depth(b, control(L_BEND, 10), hand=11.6)
    assert d > 10 - shapely.distance(b, L_BEND) + 3


def test_outer_side_of_a_bend():
    # outside the corner: the round join around (100, 0); B is √2 from the vertex, so the true
    # zone gives h − √2 = 8.586 m and the join's chords up to 4.8 cm less
    d = assert_depth(box(101, -15, 115, -1), control(L_BEND, 10))
    assert 10 - math.sqrt(2) - 10 * CHORD - 0.002 <= d <= 10 - math.sqrt(2) + 0.002


def test_inside_a_30_degree_hairpin():
    # On the bisector at t from V the legs are t·sin 15° away; the inner corner is at 10 / sin 15°
    # = 38.64 m, the outer edges at 10 + t·sin 15°: 38.64 − t = 10 + 0.2588 t at t = 22.75 m,
    # depth 10 + 0.2588·22.75 = 15.888 m, in B (which is 4 m from the line: h − d = 6).
    t = (10 / S15 - 10) / (1 + S15)
    assert_depth(box(75, 4, 81, 8), control(HAIRPIN, 10), hand=10 + S15 * t)


def test_outside_a_hairpin():
    d = assert_depth(box(102, -5, 112, 5), control(HAIRPIN, 10))  # 2 m beyond V: about h − 2
    assert 8 - 10 * CHORD - 0.002 <= d <= 8.002


def test_building_over_a_hairpin_vertex():
    assert_depth(box(90, -3, 104, 6), control(HAIRPIN, 10))


# --- junctions and crossings of one feature ------------------------------------------------

def test_t_junction_of_one_feature():
    # road y = 0 and a stem x = 100 going north, one MultiLineString. On x = 100 above the road:
    # 10 + y (to y = −10) = √(100 + (10 − y)²) (to the corners (90, 10), (110, 10)) at y = 2.5:
    # depth 12.5 m
    tee = MultiLineString([[(0, 0), (200, 0)], [(100, 0), (100, 100)]])
    assert_depth(box(96, 1, 104, 4), control(tee, 10), hand=12.5)


def test_crossing_of_one_feature():
    # two crossing lines: the centre (100, 0) is √200 = 14.142 m from the four inner corners
    cross = MultiLineString([[(0, 0), (200, 0)], [(100, -100), (100, 100)]])
    assert_depth(box(97, -3, 103, 3), control(cross, 10), hand=math.sqrt(200))


def test_polyline_that_turns_back_across_itself():
    # one LineString crossing itself at (50, 0); its loop leaves a real hole 60..90 × 10..40.
    # At the crossing, the four corners (40, ±10), (60, ±10) are √200 away
    loop = LineString([(0, 0), (100, 0), (100, 50), (50, 50), (50, -50)])
    assert_depth(box(47, -3, 53, 3), control(loop, 10), hand=math.sqrt(200))
    assert_depth(box(55, 5, 95, 45), control(loop, 10))  # across the loop's hole, over its corners


# --- meanders -------------------------------------------------------------------------------

# amplitude 6 m, period 40 m: a crest's radius (6.75 m) is under h = 10 m; amplitude 8 m, period
# 20 m: the limbs come back within 2h of each other and the zones of neighbouring limbs merge
MEANDER = LineString([(x, 6 * math.sin(2 * math.pi * x / 40)) for x in np.arange(0, 200.5, 0.5)])
TIGHT = LineString([(x, 8 * math.sin(2 * math.pi * x / 20)) for x in np.arange(0, 100.25, 0.25)])


@pytest.mark.parametrize("line,b", [
    (MEANDER, box(7, -2, 13, 2)), (MEANDER, box(8, -14, 12, 18)), (MEANDER, box(26, -2, 34, 4)),
    (MEANDER, box(15, 9, 25, 13)), (MEANDER, box(44, -16, 58, -4)), (MEANDER, box(100, 8, 115, 30)),
    (TIGHT, box(3.5, 0.5, 6.5, 3.5)), (TIGHT, box(2, -3, 8, 12)), (TIGHT, box(10.5, -1.5, 13.5, 1.5)),
    (TIGHT, box(20, -20, 30, -14)), (TIGHT, box(41, 6, 49, 20)),
], ids=lambda v: str(v.bounds) if v.geom_type == "Polygon" else ("tight" if v is TIGHT else "gentle"))
def test_meander_that_comes_back_near_itself(line, b):
    assert_depth(b, control(line, 10))  # no hand value: the oracle


def test_meander_cases_bite():
    # under a crest of the tight meander the zone is deeper than h − distance by about 5 m
    b = box(3.5, 0.5, 6.5, 3.5)
    assert depth(b, zone_of(control(TIGHT, 10))) > 10 - shapely.distance(b, TIGHT) + 4


# --- the case: a semicircle tighter than its half width -------------------------------

SEMI = LineString([(10 * math.cos(a), 10 * math.sin(a)) for a in np.linspace(0, math.pi, 65)])
SEMI_B = box(-3, 3, 3, 9)
# The true zone: within 15 m of the upper semicircle of radius 10. On the axis x = 0 its boundary
# is the circle of radius 25 above and, below, the cusp (0, −√125) where the end circles of radius
# 15 around (±10, 0) meet. At (0, t): min(25 − t, t + √125), equal at t = 6.910: 18.090 m.
SEMI_TRUE = (25 + math.sqrt(125)) / 2


def test_semicircle_true_depth_and_polygon_without_specks():
    lo, hi = ideal_buffer_bounds(SEMI_B, SEMI, 15)
    assert lo <= SEMI_TRUE <= hi and hi - lo < 0.003
    raw = shapely.buffer(SEMI, 15)
    clean = without_specks(raw, SEMI, 15)
    assert shapely.get_num_interior_rings(raw) >= 1 and shapely.get_num_interior_rings(clean) == 0
    d = depth(SEMI_B, clean)
    assert SEMI_TRUE - 15 * CHORD <= d <= SEMI_TRUE  # 18.064 m: the caps' chords near the cusp
    assert depth(SEMI_B, raw) < 12  # measured to the specks (about 10.7 m)


def test_semicircle_depth_ignores_speck_holes():
    expected = depth(SEMI_B, without_specks(shapely.buffer(SEMI, 15), SEMI, 15))  # 18.064 m
    assert engine_depth(SEMI_B, control(SEMI, 15)) == pytest.approx(expected, abs=0.01)


def test_semicircle_zone_has_no_holes():
    assert shapely.get_num_interior_rings(zone_of(control(SEMI, 15))) == 0


# --- ring road: a real hole ------------------------------------------------------------------

RING = LineString([(60 * math.cos(a), 60 * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 65)])


def test_ring_road_keeps_its_hole():
    ctrl = control(RING, 10)
    zone = zone_of(ctrl)
    assert shapely.get_num_interior_rings(zone) == 1
    inner = Polygon(zone.interiors[0])
    assert inner.area > math.pi * 49 ** 2  # the middle of the ring: radius about 50 m
    hole, edge, across = box(-5, -5, 5, 5), box(45, -3, 55, 3), box(45, -3, 75, 3)
    rows = check([hole, edge, across], [ctrl])
    assert ("b0", "L") not in rows  # 45 m from the zone, setback 10 m: nothing
    assert depth(hole, zone) == 0
    for i, b in ((1, edge), (2, across)):
        assert rows[(f"b{i}", "L")].depth_m == pytest.approx(depth(b, zone), abs=0.01)
    # crossing the inner edge by about 5 m; spanning the whole ring: about h
    assert rows[("b1", "L")].depth_m == pytest.approx(5.07, abs=0.1)
    assert rows[("b2", "L")].depth_m == pytest.approx(10, abs=0.1)


# --- single-sided bands ------------------------------------------------------------------------

def test_single_sided_bands():
    # left of (0, 0) → (200, 0) is y > 0: the band 0..20; right is −20..0 (half_width_m = the
    # band's whole width). ∂Z is y = 0 and y = ±20.
    left, right = control(ROAD, 20, "left"), control(ROAD, 20, "right")
    assert_depth(box(50, 5, 60, 30), left, hand=10.0)  # I = 5..20: min(y, 20 − y) at y = 10
    assert_depth(box(80, -5, 90, 8), left, hand=8.0)  # I = 0..8: deepest at y = 8
    assert_depth(box(80, -5, 90, 8), right, hand=5.0)  # I = −5..0
    assert_depth(box(92, -25, 98, -12), right, hand=8.0)  # I = −20..−12


def test_single_sided_band_on_a_bend():
    for side in ("left", "right"):
        ctrl = control(L_BEND, 15, side)
        for b in (box(92, 0, 99, 8), box(85, -12, 99, -1), box(101, -14, 114, 2)):
            if overlap(b, zone_of(ctrl)).area > 0:
                assert_depth(b, ctrl)


# --- polygon zones -------------------------------------------------------------------------------

PARK = Polygon([(0, 0), (200, 0), (200, 200), (110, 200), (110, 150), (90, 150), (90, 200), (0, 200)])
RIVER = shapely.buffer(LineString([(0, 20), (150, 20), (250, 120)]), 20, cap_style="flat", join_style="mitre")


def test_park_with_a_notch():
    # B spans the notch 90..110 × 150..200: each half is 10 m deep at x = 80 and x = 120
    assert_depth(box(80, 160, 120, 170), control(PARK), hand=10.0, kind="green")
    # wholly inside, below the notch: 20 m from its bottom along B's lower edge
    assert_depth(box(95, 130, 105, 145), control(PARK), hand=20.0, kind="green")
    assert_depth(box(60, 120, 140, 190), control(PARK), kind="green")  # around the notch's corners


def test_river_polygon_spanned():
    # the river is 40 m wide: a building across it reaches half the width
    assert_depth(box(50, -5, 56, 45), control(RIVER), hand=20.0, kind="blue")
    assert_depth(box(140, -10, 170, 50), control(RIVER), kind="blue")  # across the mitred bend


# --- buildings with holes and several parts --------------------------------------------------------

def test_courtyard_building_over_a_bend():
    # the courtyard holds the zone's deepest point (98.28, 1.72) of the L-bend (11.716 m)
    b = box(88, -8, 108, 12).difference(box(94, -4, 102, 6))
    d = assert_depth(b, control(L_BEND, 10))
    assert 10 < d < 20 * (2 - math.sqrt(2)) - 0.05


def test_courtyard_building_over_a_road():
    b = box(80, -15, 100, 15).difference(box(82, -12, 98, 12))  # walls 2 m thick cross the ridge
    assert_depth(b, control(ROAD, 10), hand=10.0)


def test_multipolygon_building():
    # parts 3 m and 2 m from the line: max(10 − 3, 10 − 2) = 8
    b = MultiPolygon([box(20, 3, 30, 12), box(40, -8, 45, -2)])
    assert_depth(b, control(ROAD, 10), hand=8.0)
    b = MultiPolygon([box(20, 3, 30, 12), box(92, 0, 99, 8)])
    assert_depth(b, control(L_BEND, 10), hand=20 * (2 - math.sqrt(2)))


# --- degenerate -------------------------------------------------------------------------------------

def test_building_touching_the_zone():
    b = box(50, 10, 60, 20)  # shares the zone's edge y = 10: no area
    assert overlap(b, zone_of(control(ROAD, 10))).area == 0
    row = check([b], [control(ROAD, 10)])[("b0", "L")]
    assert (row.relation, row.overlap_m2, row.depth_m, row.distance_m) == ("setback", 0.0, 0.0, 0.0)


def test_building_on_the_centre_line():
    assert_depth(box(50, 0, 60, 5), control(ROAD, 10), hand=10.0)  # an edge on the line
    thin = box(50, -0.05, 60, 0.05)  # 1 m², all of it on the ridge
    assert_depth(thin, control(ROAD, 10), hand=10.0)
    assert check([thin], [control(ROAD, 10)])[("b0", "L")].relation == "encroach"


# --- a generated city -----------------------------------------------------------------------------

def random_city(seed: int, n_lines: int = 14, n_buildings: int = 300, curved: bool = False, gentle: bool = False):
    """Polylines (some with hairpin bends, a few one-sided), a park with a notch, and rotated
    rectangles scattered around the lines, many across them. `curved`: the lines are chains of
    arcs drawn with 2–4 m chords, some of a radius under the half width (ramps, roundabouts).
    `gentle`: streets as mapped in OpenStreetMap, of 3–12 segments 4–40 m long turning a little
    either way (now and then by 30–90°), some looping back to their start, half widths 3–12 m, and
    buildings also round their ends."""
    rng = np.random.default_rng(seed)
    lines = []
    for k in range(n_lines):
        xy = [rng.uniform(0, 800, 2)]
        heading = rng.uniform(0, 2 * math.pi)
        if gentle:
            for _ in range(int(rng.integers(3, 13))):
                heading += rng.normal(0, 0.15) if rng.random() < 0.85 else rng.choice([-1, 1]) * rng.uniform(0.5, 1.6)
                xy.append(xy[-1] + rng.uniform(4, 40) * np.array([math.cos(heading), math.sin(heading)]))
            if rng.random() < 0.2:  # a service road looping round a yard
                xy.append(xy[0])
            lines.append(control(LineString(xy), float(rng.uniform(3, 12)), uid=f"L{k}"))
            continue
        for _ in range(int(rng.integers(1, 6))):
            if curved:  # an arc of radius 5–60 m turning by up to 200°
                radius, turn = rng.uniform(5, 60), rng.choice([-1, 1]) * rng.uniform(0.3, 3.5)
                steps = max(2, int(abs(turn) * radius / rng.uniform(2, 4)))
                for _ in range(steps):
                    heading += turn / steps
                    xy.append(xy[-1] + abs(turn) * radius / steps * np.array([math.cos(heading), math.sin(heading)]))
                continue
            if rng.random() < 0.3:  # a sharp bend: 120–165° of turn
                heading += rng.choice([-1, 1]) * rng.uniform(2.1, 2.9)
            else:
                heading += rng.normal(0, 0.5)
            xy.append(xy[-1] + rng.uniform(25, 120) * np.array([math.cos(heading), math.sin(heading)]))
        side = rng.choice(["left", "right"]) if k % 7 == 6 else None
        lines.append(control(LineString(xy), float(rng.uniform(4, 20)), side, uid=f"L{k}"))
    parks = [control(shapely.affinity.translate(PARK, 300, 300), uid="P0")]
    buildings = []
    for _ in range(n_buildings):
        line = lines[int(rng.integers(len(lines)))]
        at = line["geometry"].interpolate(rng.choice([0.0, 1.0]) if gentle and rng.random() < 0.3 else rng.random(),
                                          normalized=True)  # (a street's dead end at a building)
        reach = 1.5 * line["half_width_m"]
        cx, cy = at.x + rng.uniform(-reach, reach), at.y + rng.uniform(-reach, reach)
        w, d = rng.uniform(4, 20), rng.uniform(4, 12)
        rect = box(cx - w / 2, cy - d / 2, cx + w / 2, cy + d / 2)
        buildings.append(shapely.affinity.rotate(rect, rng.uniform(0, 180), origin="centroid"))
    return buildings, {"red": lines, "green": parks}


def direct_rows(buildings, controls, tol):
    """The check's rows computed pair by pair, without the engine: every building × every zone."""
    rows = {}
    for kind, ctrls in controls.items():
        zones = control_zones(frame(ctrls), kind)[0]
        r = RULES.setback[kind]
        for c, z in zip(ctrls, zones):
            for i, b in enumerate(buildings):
                if shapely.distance(b, z) >= max(r, 1e-9):
                    continue
                area = overlap(b, z).area
                distance = 0.0 if shapely.intersects(b, z) else shapely.distance(b, z)
                d = depths([b], [z], tol)[0] if area > 0 else 0.0
                encroach = area > RULES.overlap_m2 and d >= RULES.width_m
                if encroach or (r > 0 and distance < r):
                    rows[(f"b{i}", c["uid"])] = ("encroach" if encroach else "setback", area, d, distance)
    return rows


@pytest.mark.parametrize("seed,curved,gentle,n", [(8, False, False, 300), (11, True, False, 200), (5, False, True, 300)],
                         ids=["polylines", "arcs", "streets"])
def test_generated_city_matches_the_oracle(seed, curved, gentle, n):
    buildings, controls = random_city(seed, n_buildings=n, curved=curved, gentle=gentle)
    subjects = frame([{"uid": f"b{i}", "geometry": g} for i, g in enumerate(buildings)])
    result = check_conflicts({"buildings": subjects}, {k: frame(v) for k, v in controls.items()}, RULES, crs=CRS_M)
    got = {(r.subject_id, r.control_id): r for r in result.conflicts.itertuples()}
    want = direct_rows(buildings, controls, tol=0.002)
    assert set(got) == set(want)
    deep = 0
    for key, (relation, area, d, distance) in want.items():
        row = got[key]
        assert row.relation == relation, key
        assert row.overlap_m2 == pytest.approx(area, rel=1e-9, abs=1e-9), key
        assert row.distance_m == pytest.approx(distance, abs=1e-9), key
        if area > 0:
            assert row.depth_m == pytest.approx(d, abs=0.01), (key, row.depth_m, d)
        deep += relation == "encroach"
    assert deep > n / 3 and len(want) > n / 2  # the city is not empty of conflicts


@pytest.mark.parametrize("kind,ctrl,part,hand", [
    # the part 40..44 × 40..44 of the park: its corner (44, 44) is 44 m from the park's edges
    ("green", control(PARK), box(40, 40, 44, 44), 44.0),
    # the part inside the L-bend holds the deepest point 20(2 − √2) = 11.716 m (see above)
    ("red", control(L_BEND, 10), box(92, 0, 99, 8), 20 * (2 - math.sqrt(2))),
], ids=["park", "bend"])
def test_multipolygon_building_with_a_part_inside_and_one_away(kind, ctrl, part, hand):
    b = MultiPolygon([part, box(300, 300, 310, 310)])  # the second part is far outside the zone
    assert_depth(b, ctrl, hand=hand, kind=kind)


def arc(radius, turn, chord, closed=False):
    n = max(3, int(radius * turn / chord))
    a = np.linspace(0, turn, n + 1)
    xy = np.c_[radius * np.cos(a), radius * np.sin(a)]
    if closed:
        xy[-1] = xy[0]
    return LineString(xy)


@pytest.mark.parametrize("radius,h,turn,closed", [
    (10, 15, math.pi, False), (6, 10, 1.5 * math.pi, False), (8, 9, math.pi, False), (4, 12, math.pi, False),
    (12, 16, 2 * math.pi, True), (12, 9, 2 * math.pi, True), (20, 8, 1.5 * math.pi, False),
], ids=lambda v: f"{v:.3g}" if isinstance(v, float) else str(v))
def test_tight_arcs_lose_their_specks_and_keep_real_holes(radius, h, turn, closed):
    # fine chords (0.4 m) as on ramps and roundabouts: GEOS's raw buffer may leave specks. A closed
    # circle with h under its radius has a real hole (radius − h), any other none
    line = arc(radius, turn, 0.4, closed)
    zone = zone_of(control(line, h))
    assert shapely.get_num_interior_rings(zone) == (1 if closed and h < radius - 0.01 else 0)
    clean = without_specks(shapely.buffer(line, h), line, h)
    assert shapely.get_num_interior_rings(clean) == shapely.get_num_interior_rings(zone)
    for b in (box(-3, -3, 3, 3), box(radius * 0.5 - 2, radius * 0.5 - 2, radius * 0.5 + 2, radius * 0.5 + 2),
              box(-radius - 2, -4, -radius + 3, 1)):
        if overlap(b, clean).area > 0:
            ref = depth(b, clean)
            assert engine_depth(b, control(line, h)) == pytest.approx(ref, abs=0.01), (b.bounds, ref)


# --- zones of many vertices, measured by their piece in a tile around each building -------

def _ring_road(radius=600.0, vertices=3000):
    t = np.linspace(0, 2 * np.pi, vertices)
    return LineString(np.c_[radius * np.cos(t), radius * np.sin(t) * 0.7])


def _tiled_buildings():
    """Buildings across, astride, beside and near a 3000-vertex ring road of half width 15 m
    (its zone has over 6000 vertices, so the check cuts it into tiles), at many angles."""
    out = []
    for k, a in enumerate(np.linspace(0, 2 * np.pi, 24, endpoint=False)):
        x, y = 600 * np.cos(a), 420 * np.sin(a)
        size = (8, 12, 40, 70)[k % 4]  # the widest span the zone, the widest reach past their tiles' step
        shift = (0, 9, 14, 27)[k % 3]  # on the line, astride an edge, beyond it within the setback
        out.append(shapely.affinity.rotate(box(x + shift - size / 2, y - 4, x + shift + size / 2, y + 4),
                                           np.degrees(a), origin=(x, y)))
    return out


def test_a_ring_roads_pieces_give_the_depths_areas_and_distances_of_the_whole_zone(monkeypatch):
    from gisdesk.analysis import conflicts

    buildings, ctrl = _tiled_buildings(), control(_ring_road(), h=15.0)
    zone = zone_of(ctrl)
    assert shapely.get_num_coordinates(zone) > conflicts._TILED
    cut = check(buildings, [ctrl])
    monkeypatch.setattr(conflicts, "_TILED", 10 ** 9)  # no tiles: every step on the whole zone
    whole = check(buildings, [ctrl])
    assert cut.keys() == whole.keys() and len(cut) >= 20
    for key, row in cut.items():
        other = whole[key]
        assert row.relation == other.relation
        assert row.overlap_m2 == pytest.approx(other.overlap_m2, rel=1e-9, abs=1e-9)
        assert row.distance_m == pytest.approx(other.distance_m, abs=1e-9)
        assert row.depth_m == pytest.approx(other.depth_m, abs=0.008)  # each to ±4 mm
    for i in (0, 2, 3, 7):  # spanning and astride: against the oracle on the whole zone
        b = buildings[i]
        assert cut[(f"b{i}", "L")].depth_m == pytest.approx(depth(b, zone), abs=0.01)


def test_a_building_deep_in_a_large_park_is_measured_on_the_whole_park():
    # a park of 4000 vertices (a 2 km ellipse) and a building 300 m inside it: its depth reaches
    # farther than any tile around it, so it is measured on the whole zone
    t = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
    park = Polygon(np.c_[1000 * np.cos(t), 700 * np.sin(t)])
    b = box(-10, 380, 10, 400)  # its south side 320 m from the north vertex (700 m), the nearest boundary
    rows = check([b], [control(park)], kind="green")
    assert rows[("b0", "L")].depth_m == pytest.approx(depth(b, park), abs=0.01)
    assert rows[("b0", "L")].depth_m == pytest.approx(320.0, abs=0.01)


# --- the bound for a polyline's buffer (conflicts._unobstructed) ------------------------------------

def _bound_factor(line, building, h):
    from gisdesk.analysis.conflicts import _PROBE, _unobstructed
    bounds = np.array([building.bounds])
    reach = np.array([2 * h + _PROBE])
    return _unobstructed(np.array([line]), np.array([building]), np.array([float(h)]), bounds, reach)[0]


def test_polyline_bound_inside_a_bend_grows_by_the_kite():
    """A line turning toward B by δ: the offsets cross at a corner of ∂Z, and B's points near it
    lie within (h − d) / cos(δ/2) of it; on the outer side nothing grows."""
    line = LineString([(0, 0), (50, 0), (100, 5)])
    delta = math.atan2(5, 50)
    assert _bound_factor(line, box(40, 3, 60, 10), 5) == pytest.approx(1 / math.cos(delta / 2), rel=1e-12)
    assert _bound_factor(line, box(40, -10, 60, -3), 5) == 1.0


@pytest.mark.parametrize("line", [
    LineString([(0, 0), (50, 0), (50, 0), (100, 5)]),  # a repeated point: no arc round it
    LineString([(0, 0), (50, 0), (20, 0)]),  # turning right back: a cap, not a bend
], ids=["repeated point", "reversal"])
def test_polyline_bound_refuses(line):
    assert np.isnan(_bound_factor(line, box(40, 3, 48, 9), 8))


def test_a_loop_round_the_building():
    """A service road round a yard, B in its corner: the corner of the yard's hole, 8 m in from
    both sides, bounds the depth (by √2 for the right angle); the depth itself is the oracle's."""
    loop = LineString([(0, 0), (50, 0), (50, 20), (0, 20), (0, 0)])
    assert _bound_factor(loop, box(40, 3, 48, 9), 8) == pytest.approx(math.sqrt(2), rel=1e-12)
    assert_depth(box(40, 3, 48, 9), control(loop, 8))


def test_building_inside_a_gentle_bend_against_the_oracle():
    """B over the inner side of a bend, where the zone is deeper than h − d: the check's depth is
    the oracle's (the bound grown by the kite, or the general method)."""
    ctrl = control(LineString([(0, 0), (50, 0), (100, 20)]), 8)
    assert_depth(box(42, 1, 56, 12), ctrl)
    assert_depth(box(45, -3, 56, 12), ctrl)  # across the line


def test_a_sliver_on_a_spike_of_a_one_sided_band():
    """GEOS's left band of this zigzag has no area round the last segment near B, only a spike: B's
    overlap is a sliver of 4e-15 m² along it, every point of which lies on ∂Z, so its depth is 0
    (it was measured as 6.66 m, to the ends of the spike's line left by clipping the zone)."""
    b = shapely.from_wkt("POLYGON ((500.5999453093118 549.3497286235697, 495.7171932467792 552.9451155680283, "
                         "487.6483055760519 541.9870800282627, 492.5310576385845 538.3916930838041, "
                         "500.5999453093118 549.3497286235697))")
    line = shapely.from_wkt("LINESTRING (448.02944813095047 592.2339240981719, 416.40451957632234 492.1865712612131, "
                            "397.4279583988306 571.0318339907886, 412.78156719057 547.9957000909563, "
                            "526.9120205337667 550.3800249434839)")
    ctrl = control(line, 13.221215048191349, "left")
    row = check([b], [ctrl])[("b0", "L")]
    assert 0 < row.overlap_m2 < 1e-9
    assert row.depth_m == pytest.approx(depth(b, zone_of(ctrl)), abs=0.01)
    assert row.depth_m < 0.01
