"""The renderer: golden pictures of the demo map, small exact cases, sizes in mm and pt through
the render context (screen and 300 dpi print), and snapshots that keep their moment.

Golden images live in tests/data/golden/. After an intended change of the look, write them
again and look at them before committing:

    GISDESK_UPDATE_GOLDEN=1 python -m pytest tests/test_render.py

The comparison absorbs antialiasing and font noise (mean difference and a small share of
pixels off by more than 40 levels) but not a missing layer, a wrong colour or a shift.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from tests.conftest import frame

pytest.importorskip("PySide6")
from PySide6.QtGui import QColor, QImage  # noqa: E402

from gisdesk.layers.layer import Layer  # noqa: E402
from gisdesk.render.context import RenderContext  # noqa: E402
from gisdesk.render.renderer import MapView, render_image  # noqa: E402
from gisdesk.render.snapshot import Highlight, Scene  # noqa: E402
from gisdesk.render.style import LEDGER_STATUS_COLORS, default_style, style_size  # noqa: E402
from gisdesk.render.view import PX96_MM  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "data" / "golden"
UPDATE = os.environ.get("GISDESK_UPDATE_GOLDEN") == "1"
SIZE = (800, 600)
MAX_MEAN_DIFF = 0.15  # mean absolute difference, levels of 255, over all pixels and channels
MAX_OFF_SHARE = 0.0015  # share of pixels with a channel off by > 40 levels (~one label moved)
BACKGROUND = "#f7f5f0"


# pytest-qt's QApplication: the renderer needs only QtGui, but the process's one application
# object must be a QApplication for the widget tests that run after these.
pytestmark = pytest.mark.usefixtures("qapp")


def screen_image(layers, view: MapView, **kwargs) -> QImage:
    """What the canvas draws: a scene of the layers now, on a 96 dpi screen."""
    return render_image(Scene.of(list(layers)), RenderContext.screen(view), **kwargs)


def pixels(image: QImage) -> np.ndarray:
    """(height, width, 3) uint8 RGB of a picture."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    return np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)[:, :w * 3] \
        .reshape(h, w, 3).copy()


def difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(mean absolute difference, share of pixels off by > 40 in some channel)."""
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return float(d.mean()), float((d.max(axis=2) > 40).mean())


def demo_layers() -> list[Layer]:
    from gisdesk.project import Project

    project = Project.open(ROOT / "data" / "demo.gpkg")
    return [Layer(info.kind, project.read_layer(info.id), layer_id=info.id, style=default_style(info.kind))
            for info in project.layers()]


def demo_views(layers) -> dict[str, MapView]:
    extents = np.array([layer.extent() for layer in layers if layer.extent() is not None])
    extent = (extents[:, 0].min(), extents[:, 1].min(), extents[:, 2].max(), extents[:, 3].max())
    whole = MapView.fit(extent, *SIZE)
    return {"demo-whole": whole, "demo-3000": whole.with_scale(3000)}


@pytest.fixture(scope="module")
def demo():
    layers = demo_layers()
    return layers, demo_views(layers)


def check_golden(name: str, image: QImage) -> tuple[float, float]:
    path = GOLDEN / f"{name}.png"
    if UPDATE or not path.exists():
        GOLDEN.mkdir(parents=True, exist_ok=True)
        assert image.save(str(path)), path
        if not UPDATE:
            pytest.fail(f"no golden image {path.name}: written now; look at it, commit it, run again")
    golden = QImage(str(path))
    assert (golden.width(), golden.height()) == (image.width(), image.height())
    return difference(pixels(image), pixels(golden))


@pytest.mark.parametrize("name", ["demo-whole", "demo-3000"])
def test_demo_map_matches_its_golden_image(demo, name):
    layers, views = demo
    mean, off = check_golden(name, screen_image(layers, views[name]))
    assert mean <= MAX_MEAN_DIFF and off <= MAX_OFF_SHARE, (name, mean, off)


def test_the_golden_comparison_catches_a_missing_layer_a_wrong_colour_and_a_shift(demo):
    """The tolerance is not so loose that real breakage passes."""
    layers, views = demo
    view = views["demo-3000"]
    good = pixels(screen_image(layers, view))
    buildings = next(layer for layer in layers if layer.kind == "buildings")
    buildings.visible = False
    missing = pixels(screen_image(layers, view))
    buildings.visible = True
    buildings.update_style(fill="#ff00ff")
    recoloured = pixels(screen_image(layers, view))
    buildings.update_style(fill=default_style("buildings")["fill"])
    shifted = pixels(screen_image(layers, view.panned(6, 0)))
    for broken in (missing, recoloured, shifted):
        mean, off = difference(broken, good)
        assert mean > MAX_MEAN_DIFF or off > MAX_OFF_SHARE, (mean, off)


# --- small exact cases -----------------------------------------------------------------

VIEW = MapView(50.0, 50.0, 1.0, 100, 100)  # 1 m a pixel, map (0, 0)-(100, 100)
RED = "#ff0000"


def draw(*layers: Layer, view: MapView = VIEW) -> np.ndarray:
    return pixels(screen_image(layers, view, background=BACKGROUND))


def rgb(color: str) -> tuple[int, int, int]:
    c = QColor(color)
    return c.red(), c.green(), c.blue()


def at(picture: np.ndarray, x: float, y: float, view: MapView = VIEW) -> tuple[int, int, int]:
    """The colour of the pixel at map point (x, y)."""
    px, py = view.to_pixels(x, y)
    return tuple(int(v) for v in picture[int(py), int(px)])


def plain(geometries, kind: str = "buildings", **style) -> Layer:
    style = {"fill": RED, "fill_alpha": 1.0, "stroke": RED, "width_mm": PX96_MM, **style}
    return Layer(kind, frame([{"uid": str(i), "geometry": g} for i, g in enumerate(geometries)]), style=style)


def test_a_hole_is_left_unpainted():
    ring = Polygon(box(10, 10, 90, 90).exterior.coords, [box(40, 40, 60, 60).exterior.coords])
    picture = draw(plain([ring]))
    assert at(picture, 20, 20) == rgb(RED)
    assert at(picture, 50, 50) == rgb(BACKGROUND)


def test_a_hole_is_left_unpainted_whichever_way_its_rings_run():
    exterior = list(box(10, 10, 90, 90).exterior.coords)[::-1]  # clockwise
    hole = list(box(40, 40, 60, 60).exterior.coords)  # counter-clockwise
    picture = draw(plain([Polygon(exterior, [hole])]))
    assert at(picture, 50, 50) == rgb(BACKGROUND)
    assert at(picture, 20, 20) == rgb(RED)


def test_a_path_drawn_in_pieces_keeps_each_feature_with_its_holes(monkeypatch):
    """Pieces of a few rings: the feature with a hole straddles where a piece would end."""
    import gisdesk.render.renderer as renderer

    monkeypatch.setattr(renderer, "PIECE_ELEMENTS", 18)  # a square ring is 5 elements
    holed = Polygon(box(10, 10, 90, 90).exterior.coords, [box(40, 40, 60, 60).exterior.coords])
    squares = [box(x, 2, x + 4, 6) for x in (2, 12, 22, 32, 42, 52, 62)]
    # one-ring polygons come first (elements 0-35), then the exterior (35-40) and its hole (40-45,
    # past a piece's end at 36)
    layer = plain([*squares[:3], holed, *squares[3:]])
    pieces = renderer._rings_paths(layer.polygon_rings, VIEW, None)
    assert len(pieces) > 1 and sum(p.elementCount() for p in pieces) == 45
    picture = draw(layer)
    assert at(picture, 50, 50) == rgb(BACKGROUND)
    assert at(picture, 20, 20) == rgb(RED) and at(picture, 4, 4) == rgb(RED)


def test_a_centre_line_whose_zone_is_under_a_pixel_and_a_half_is_drawn_as_a_line_without_buffers():
    def road(half_width):
        return Layer("red", frame([{"uid": "R1", "half_width_m": half_width,
                                    "geometry": LineString([(10, 50), (90, 50)])}]),
                     style={"fill": RED, "fill_alpha": 1.0, "stroke": RED, "width_mm": PX96_MM})

    thin = road(0.5)  # a zone 1 m wide: 1 px at 1 m a pixel
    picture = draw(thin)
    assert rgb(RED) in [at(picture, 50, y) for y in (49.5, 50.0, 50.5)]
    assert at(picture, 50, 47) == rgb(BACKGROUND)
    assert not thin.data.computed(("line_zones", "red"))
    wide = road(5.0)  # 10 px: drawn as its zone
    picture = draw(wide)
    assert at(picture, 50, 47) == rgb(RED) and at(picture, 50, 58) == rgb(BACKGROUND)
    assert wide.data.computed(("line_zones", "red"))


def test_overlapping_control_zones_show_one_outline_around_them_all():
    """A's right edge runs inside B: it is not drawn; the outer edges are."""
    style = {"fill": "#00ff00", "fill_alpha": 1.0, "stroke": RED, "width_mm": PX96_MM}
    layer = Layer("red", frame([{"uid": "A", "geometry": box(10, 10, 60, 60)},
                                {"uid": "B", "geometry": box(40, 20, 90, 50)}]), style=style)
    picture = draw(layer)
    assert at(picture, 60, 35) == rgb("#00ff00")  # A's edge, inside B
    assert at(picture, 50, 20) == rgb("#00ff00")  # B's edge, inside A
    edge = at(picture, 30, 10)  # A's outer edge: red, antialiased over the background
    assert edge[0] > 200 and edge[1] < 160


def test_overlapping_parts_of_one_feature_are_both_filled():
    a = Polygon(list(box(10, 10, 60, 60).exterior.coords))
    b = Polygon(list(box(40, 40, 90, 90).exterior.coords)[::-1])  # the other way round
    picture = draw(plain([MultiPolygon([a, b])]))
    for x, y in ((20, 20), (50, 50), (80, 80)):
        assert at(picture, x, y) == rgb(RED), (x, y)
    assert at(picture, 80, 20) == rgb(BACKGROUND)


def test_overlapping_features_are_both_filled():
    picture = draw(plain([box(10, 10, 60, 60), Polygon(list(box(40, 40, 90, 90).exterior.coords)[::-1])]))
    assert at(picture, 50, 50) == rgb(RED)


def test_a_ledger_case_is_painted_in_its_status_colour():
    status, color = list(LEDGER_STATUS_COLORS.items())[1]
    style = {**default_style("ledger"), "fill_alpha": 1.0}
    layer = Layer("ledger", frame([{"uid": "L1", "case_no": "L1", "status": status,
                                    "geometry": box(20, 20, 80, 80)}]), style=style)
    assert at(draw(layer), 50, 50) == rgb(color)


def test_a_hidden_layer_is_not_drawn():
    layer = plain([box(10, 10, 90, 90)])
    layer.visible = False
    assert (draw(layer) == rgb(BACKGROUND)).all()


def test_footprints_under_a_pixel_still_show_where_they_are():
    """At small scales tiny footprints are drawn as coverage dots, in the layer's colours."""
    view = MapView(500.0, 500.0, 10.0, 100, 100)  # 10 m a pixel
    tiny = [box(x, y, x + 4, y + 4) for x in range(300, 400, 5) for y in range(300, 400, 5)]
    picture = draw(plain(tiny), view=view)
    inside, outside = at(picture, 350, 350, view), at(picture, 700, 700, view)
    assert outside == rgb(BACKGROUND)
    assert inside[0] > 200 and inside[1] < 80 and inside[2] < 80  # red, nearly opaque


def test_zoomed_keeps_the_point_under_the_cursor_fixed():
    view = MapView(1000.0, 2000.0, 2.0, 800, 600)
    for factor in (2.0, 0.5, 1.25):
        for px, py in ((0, 0), (123, 456), (800, 600)):
            before = view.to_map(px, py)
            after = view.zoomed(factor, px, py).to_map(px, py)
            assert after == pytest.approx(before, abs=1e-9)
    assert view.zoomed(2.0).resolution == 1.0
    assert (view.zoomed(2.0).cx, view.zoomed(2.0).cy) == (1000.0, 2000.0)


def test_to_pixels_and_to_map_round_trip():
    view = MapView(400_000.0, 3_400_000.0, 0.37, 1400, 900)
    assert view.to_pixels(*view.to_map(0, 0)) == pytest.approx((0, 0), abs=1e-6)
    assert view.to_map(700, 450) == pytest.approx((400_000.0, 3_400_000.0))
    xmin, ymin, xmax, ymax = view.extent
    assert view.to_pixels(xmin, ymax) == pytest.approx((0, 0), abs=1e-6)
    assert view.to_pixels(xmax, ymin) == pytest.approx((1400, 900), abs=1e-6)
    for px, py in ((0.5, 0.25), (1399.0, 3.0), (700.0, 899.5)):
        assert view.to_pixels(*view.to_map(px, py)) == pytest.approx((px, py), abs=1e-6)


def test_scale_denominator_at_96_dpi():
    view = MapView(0.0, 0.0, 0.0254 * 1000 / 96, 100, 100)  # 1:1000 on a 96 dpi screen
    assert view.scale_denominator() == pytest.approx(1000)
    assert view.scale_denominator(dpi=192) == pytest.approx(2000)
    assert view.with_scale(2500).scale_denominator() == pytest.approx(2500)
    assert MapView(0, 0, 1.0, 10, 10).scale_denominator() == pytest.approx(96 / 0.0254)


# --- sizes in mm and pt: the render context ------------------------------------------------

WHITE = "#ffffff"


def test_millimetres_and_points_become_pixels_at_the_context_dpi():
    screen, paper = RenderContext.screen(VIEW), RenderContext.for_print(VIEW, dpi=300)
    assert screen.mm(1.0) == pytest.approx(3.78, abs=0.005)  # 96 / 25.4
    assert paper.mm(1.0) == pytest.approx(11.81, abs=0.005)  # 300 / 25.4
    assert screen.pt(72) == 96 and paper.pt(72) == 300  # a point is 1/72 inch
    assert screen.pt(9) == 12 and paper.pt(9) == 37.5
    assert screen.mm(25.4) == 96 and paper.mm2(25.4 ** 2) == 300 ** 2
    assert screen.mm(3 * PX96_MM) == 3.0  # today's pixel sizes, written in mm, come back exactly
    assert screen.font(9).pixelSize() == 12 and paper.font(9).pixelSize() == 38
    assert paper.scale_denominator == pytest.approx(1.0 * 300 / 0.0254)  # 1 m a pixel at 300 dpi
    assert (paper.target, paper.draw_selection, paper.draw_highlight) == ("print", False, False)
    with pytest.raises(ValueError):
        RenderContext(VIEW, target="plotter")


def test_a_style_keeps_sizes_in_mm_and_an_older_style_in_pixels_reads_them_at_96_dpi():
    assert style_size({"width_mm": 0.5}, "width_mm") == 0.5
    assert style_size({"width": 3.0}, "width_mm") == pytest.approx(3 * 25.4 / 96)  # 0.79375 mm
    assert style_size({"width": 3.0, "width_mm": 0.5}, "width_mm") == 0.5  # the physical key wins
    assert style_size({}, "width_mm") == pytest.approx(25.4 / 96)  # 1 px of a 96 dpi screen
    assert style_size({"point_size": 7}, "point_size_mm") == pytest.approx(7 * 25.4 / 96)
    assert style_size({"label_min_area_px": 1500}, "label_min_area_mm2") == pytest.approx(1500 * (25.4 / 96) ** 2)
    assert style_size({}, "label_size_pt") == 9.0
    assert default_style("red")["width_mm"] == pytest.approx(1.6 * 25.4 / 96)  # was 1.6 px


def test_an_older_style_in_pixels_draws_the_same_picture_as_its_mm_equivalent():
    shapes = [box(10, 10, 40, 40), LineString([(50, 20), (90, 80)]), Point(70, 20)]
    old = {"fill": RED, "fill_alpha": 0.5, "stroke": "#0000ff", "width": 3.0, "point_size": 9}
    new = {"fill": RED, "fill_alpha": 0.5, "stroke": "#0000ff", "width_mm": 3 * PX96_MM, "point_size_mm": 9 * PX96_MM}
    assert np.array_equal(draw(Layer("parking", plain(shapes).frame, style=old)),
                          draw(Layer("parking", plain(shapes).frame, style=new)))


def redness(picture: np.ndarray) -> np.ndarray:
    """How much of each pixel is covered by pure red drawn on white (0..1)."""
    return (255 - picture[..., 1].astype(float)) / 255


def outline_width_px(picture: np.ndarray, row: int, columns: slice) -> float:
    """The width of a red vertical edge crossing `row` within `columns`: its total coverage
    (antialiasing spreads a line over its pixels, it does not change how much ink it is)."""
    return float(redness(picture)[row, columns].sum())


def test_a_print_at_300_dpi_draws_lines_and_symbols_as_many_millimetres_as_the_screen():
    """A square outlined 1 mm wide and a point symbol 4 mm across: 3.78 px and 15.1 px on the
    screen, 11.81 px and 47.2 px on a 300 dpi page of the same ground."""
    layer = Layer("parking", frame([{"uid": "A", "geometry": box(20, 20, 80, 80)},
                                    {"uid": "P", "geometry": Point(50, 50)}]),
                  style={"fill": RED, "fill_alpha": 0.0, "stroke": RED, "width_mm": 1.0, "point_size_mm": 4.0})
    scene = Scene.of([layer])
    paper_view = VIEW.at_dpi(300)
    assert paper_view.width == 312 and paper_view.extent == pytest.approx(VIEW.extent, abs=0.2)
    screen = pixels(render_image(scene, RenderContext.screen(VIEW), background=WHITE))
    paper = pixels(render_image(scene, RenderContext.for_print(paper_view, dpi=300), background=WHITE))
    for picture, view, dpi in ((screen, VIEW, 96), (paper, paper_view, 300)):
        # the square's left edge at x = 20 m, crossed a quarter up its side
        px, py = view.to_pixels(20.0, 35.0)
        assert outline_width_px(picture, int(py), slice(int(px) - 20, int(px) + 20)) == \
            pytest.approx(1.0 * dpi / 25.4, rel=0.04), dpi
        # the point: a red disc 4 mm across, less the inner half of its white ring on each side
        # (the ring is 1 px of a 96 dpi screen wide, 0.26 mm)
        px, py = view.to_pixels(50.0, 50.0)
        half = int(2.0 * dpi / 25.4) + 5
        across = redness(picture)[int(py), int(px) - half:int(px) + half]
        assert across.sum() == pytest.approx((4.0 - PX96_MM) * dpi / 25.4, rel=0.04), dpi


def test_labels_on_a_300_dpi_page_are_as_many_points_as_on_the_screen():
    layer = Layer("buildings", frame([{"uid": "A", "name": "Label", "geometry": box(10, 30, 90, 70)}]),
                  style={"fill": WHITE, "fill_alpha": 0.0, "stroke": WHITE, "width_mm": 0.1, "label_field": "name",
                         "label_color": "#000000", "label_size_pt": 12})
    scene = Scene.of([layer])

    def ink_height(context) -> int:
        dark = pixels(render_image(scene, context, background=WHITE)).min(axis=2) < 128
        rows = np.flatnonzero(dark.any(axis=1))
        return int(rows[-1] - rows[0] + 1)

    screen, paper = ink_height(RenderContext.screen(VIEW)), ink_height(RenderContext.for_print(VIEW.at_dpi(300), 300))
    assert 6 <= screen <= 16  # 12 pt = 16 px of type on the screen: a capital and x-height within
    assert paper / screen == pytest.approx(300 / 96, rel=0.15)


def test_the_selection_is_drawn_on_the_screen_and_not_on_a_page():
    layer = plain([box(20, 20, 80, 80)], fill=WHITE, stroke=WHITE)
    layer.select_rows([0])
    scene = Scene.of([layer])
    yellow = (255, 212, 0)
    on_screen = pixels(render_image(scene, RenderContext.screen(VIEW), background=WHITE))
    on_page = pixels(render_image(scene, RenderContext.for_print(VIEW, dpi=96), background=WHITE))
    assert at(on_screen, 20, 50) == yellow
    assert at(on_page, 20, 50) == rgb(WHITE)


def test_the_highlight_is_drawn_where_its_uids_are_when_the_scene_is_taken_and_only_if_the_context_says_so():
    layer = plain([box(20, 20, 40, 40), box(60, 60, 80, 80)], fill=WHITE, stroke=WHITE)
    layer.set_frame(layer.frame.iloc[::-1])  # uid "1" is now row 0, uid "0" row 1
    scene = Scene.of([layer], Highlight(layer.id, ("0",)))
    cyan = rgb("#00e5ff")
    on_screen = pixels(render_image(scene, RenderContext.screen(VIEW), background=WHITE))
    assert at(on_screen, 20, 30) == cyan and at(on_screen, 60, 70) == rgb(WHITE)
    quiet = pixels(render_image(scene, RenderContext.screen(VIEW, draw_highlight=False), background=WHITE))
    assert (quiet == rgb(WHITE)).all()


# --- snapshots ------------------------------------------------------------------------

def test_a_scene_keeps_the_moment_it_was_taken_whatever_the_layer_does_afterwards():
    """Attribute edit, geometry edit, new data, restyle, selection, hiding: the old scene draws
    what it saw, pixel for pixel; a new scene draws the new state."""
    style = {**default_style("ledger"), "fill_alpha": 1.0}
    statuses = list(LEDGER_STATUS_COLORS)
    layer = Layer("ledger", frame([{"uid": "L1", "case_no": "L1", "status": statuses[0], "geometry": box(10, 10, 40, 40)},
                                   {"uid": "L2", "case_no": "L2", "status": statuses[1], "geometry": box(60, 60, 90, 90)}]),
                  style=style)
    context = RenderContext.screen(VIEW)
    scene = Scene.of([layer])
    before = pixels(render_image(scene, context))
    layer.set_values([0], "status", [statuses[7]])
    layer.set_geometries([1], [box(50, 10, 90, 40)])
    layer.select_rows([0, 1])
    layer.update_style(stroke="#00ff00", width_mm=2.0)
    layer.opacity = 0.5
    assert np.array_equal(pixels(render_image(scene, context)), before)
    now = pixels(render_image(Scene.of([layer]), context))
    assert at(now, 25, 25) != at(before, 25, 25) and at(now, 75, 25) != rgb("#f7f5f0")
    layer.set_frame(layer.frame.iloc[:1])
    layer.visible = False
    assert np.array_equal(pixels(render_image(scene, context)), before)
    assert (pixels(render_image(Scene.of([layer]), context)) == rgb("#f7f5f0")).all()


def test_a_snapshot_is_read_only():
    layer = plain([box(10, 10, 40, 40)])
    layer.select_rows([0])
    snapshot = Scene.of([layer]).layers[0]
    with pytest.raises(TypeError):
        snapshot.style["fill"] = "#000000"
    with pytest.raises(ValueError):
        snapshot.selected_rows[0] = 5
    with pytest.raises(ValueError):
        snapshot.data.bounds[0, 0] = 0.0
    with pytest.raises(AttributeError):
        snapshot.visible = False
