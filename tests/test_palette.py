"""The default palette: no ledger, parking or estate category takes a control line's colour.

Colours are compared in CIELAB (D65), where distances follow what people see. Two measures,
computed here from the sRGB values (the formulas are checked against published values first):

- ΔE2000 (CIE 2000 colour difference, Sharma, Wu and Dalal 2005). About 1-2 is the smallest
  difference one notices side by side, 10 is plainly different; the two closest control-line
  colours the map asks planners to tell apart, blue and purple, are 26.5. A category must be
  at least MIN_DELTA_E = 20 from every line colour: nearly as far as those two lines are from
  each other, and twice "plainly different", so a case point never reads as a piece of a line.
- Hue angle h_ab: ΔE alone lets a pale or dark shade of a line's colour pass (a light green is
  far from the green line by lightness, yet still "green"). So a category colour with a hue
  (chroma C*ab ≥ 15; below that it reads as grey) must also be MIN_HUE_DEG = 20° of hue angle away
  from every line colour; the narrowest gap between two line hues (red 40°, yellow 86°) then still
  holds one category hue (orange) in its middle.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest

from gisdesk.layers.kinds import ESTATE_STATUSES, LEDGER_STATUSES
from gisdesk.layers.styles import CONTROL_COLORS, ESTATE_COLORS, LEDGER_STATUS_COLORS, PARKING_COLORS, default_style

RULES = Path(__file__).resolve().parent.parent / "resources" / "rules" / "default.toml"
MIN_DELTA_E = 20.0
MIN_HUE_DEG = 20.0
HUED_CHROMA = 15.0
MIN_WITHIN_LAYER = 10.0  # categories of one layer are told apart from each other too


def lab(color: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB '#rrggbb'."""
    rgb = [int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def chroma_hue(color: str) -> tuple[float, float]:
    _, a, b = lab(color)
    return math.hypot(a, b), math.degrees(math.atan2(b, a)) % 360


def hue_distance(h1: float, h2: float) -> float:
    d = abs(h1 - h2) % 360
    return min(d, 360 - d)


def delta_e2000(lab1, lab2) -> float:
    """CIEDE2000 (kL = kC = kH = 1), as in Sharma, Wu and Dalal (2005)."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1 = math.degrees(math.atan2(b1, a1)) % 360 if c1 else 0.0
    h2 = math.degrees(math.atan2(b2, a2)) % 360 if c2 else 0.0
    dl, dc = L2 - L1, c2 - c1
    dh = 0.0
    if c1 * c2:
        dh = h2 - h1
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_big_h = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_mean, c_mean = (L1 + L2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6)) - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    d_theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * c_mean
    s_h = 1 + 0.015 * c_mean * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_big_h / s_h) ** 2 + r_t * (dc / s_c) * (d_big_h / s_h))


def delta_e(c1: str, c2: str) -> float:
    return delta_e2000(lab(c1), lab(c2))


def line_colors() -> dict[str, str]:
    """The control-line colours: the defaults and the default rule file's [colors] (the same)."""
    rules = tomllib.loads(RULES.read_text(encoding="utf-8"))["colors"]
    assert rules == CONTROL_COLORS
    return CONTROL_COLORS


CATEGORY_TABLES = {"ledger": LEDGER_STATUS_COLORS, "parking": PARKING_COLORS, "old_estates": ESTATE_COLORS}
CATEGORIES = [(kind, value, color) for kind, table in CATEGORY_TABLES.items() for value, color in table.items()]


@pytest.mark.parametrize(("lab1", "lab2", "expected"), [  # Sharma, Wu, Dalal (2005), table 1, pairs 1, 7, 17, 18
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
])
def test_delta_e2000_matches_the_published_pairs(lab1, lab2, expected):
    assert delta_e2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_lab_of_known_colours():
    assert lab("#ffffff") == pytest.approx((100.0, 0.0, 0.0), abs=0.01)
    assert lab("#000000") == pytest.approx((0.0, 0.0, 0.0), abs=0.01)
    assert lab("#ff0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.05)  # sRGB red, D65
    assert chroma_hue("#808080")[0] < 0.01


def test_the_measures_catch_the_old_palette():
    """The colours the ledger had before (已拆除 green, 补办手续 blue, 催告 purple) fail: the test can fail."""
    lines = line_colors()
    assert delta_e("#2ca02c", lines["green"]) < MIN_DELTA_E
    assert delta_e("#1f77b4", lines["blue"]) < MIN_DELTA_E
    assert hue_distance(chroma_hue("#7f0f7f")[1], chroma_hue(lines["purple"])[1]) < MIN_HUE_DEG
    # a pale green passes on ΔE by lightness, and the hue test catches it
    assert delta_e("#b8e6b8", lines["green"]) >= MIN_DELTA_E
    assert hue_distance(chroma_hue("#b8e6b8")[1], chroma_hue(lines["green"])[1]) < MIN_HUE_DEG


def test_the_closest_two_lines_are_the_reference_distance():
    lines = line_colors()
    pairs = {(a, b): delta_e(lines[a], lines[b]) for a in lines for b in lines if a < b}
    closest = min(pairs, key=pairs.get)
    assert set(closest) == {"blue", "purple"}
    assert pairs[closest] == pytest.approx(26.5, abs=0.1)
    assert pairs[closest] > MIN_DELTA_E


@pytest.mark.parametrize(("kind", "value", "color"), CATEGORIES, ids=[f"{k}-{v}" for k, v, _ in CATEGORIES])
def test_no_category_takes_a_control_line_colour(kind, value, color):
    for line, line_color in line_colors().items():
        assert delta_e(color, line_color) >= MIN_DELTA_E, f"{kind} {value} {color} is near the {line} line"
        chroma, hue = chroma_hue(color)
        if chroma >= HUED_CHROMA:
            distance = hue_distance(hue, chroma_hue(line_color)[1])
            assert distance >= MIN_HUE_DEG, f"{kind} {value} {color} has the {line} line's hue ({distance:.0f}°)"


@pytest.mark.parametrize("kind", list(CATEGORY_TABLES))
def test_categories_of_a_layer_differ_from_each_other(kind):
    table = CATEGORY_TABLES[kind]
    colors = list(table.items())
    for i, (a, ca) in enumerate(colors):
        for b, cb in colors[i + 1:]:
            assert delta_e(ca, cb) >= MIN_WITHIN_LAYER, f"{kind}: {a} {ca} and {b} {cb}"


def test_every_status_has_its_colour_and_the_default_styles_use_the_tables():
    assert list(LEDGER_STATUS_COLORS) == list(LEDGER_STATUSES)
    assert list(ESTATE_COLORS) == list(ESTATE_STATUSES)
    assert set(PARKING_COLORS) == {"配建", "路外公共", "路内"}
    for kind, table in CATEGORY_TABLES.items():
        assert default_style(kind)["categories"] == table
