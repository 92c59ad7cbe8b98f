"""The GUI thread edits layers while a worker renders them: no exception and no torn picture.

Two consistent states A and B of a small map (a ledger layer coloured by status and a red
line whose zone follows its half width) are drawn single-threaded first. Then the GUI
thread (the test's own) flips the layers between A and B through their public API —
attribute edits, geometry replacement, selection — as fast as it can, taking a scene of
snapshots after each flip, while a worker thread renders the latest scene 1000 times. Every
picture must equal the reference of the state its scene was taken in, exactly: a render
that saw half of an edit, or derived arrays of another generation, would differ.
"""

from __future__ import annotations

import sys
import threading
from types import SimpleNamespace

import numpy as np
import pytest
from shapely.geometry import LineString, box

from tests.conftest import frame

pytest.importorskip("PySide6")

from gisdesk.layers.layer import Event, Layer  # noqa: E402
from gisdesk.render.context import RenderContext  # noqa: E402
from gisdesk.render.renderer import MapView, render_image  # noqa: E402
from gisdesk.render.snapshot import LayerSnapshot, Scene  # noqa: E402
from gisdesk.render.style import LEDGER_STATUS_COLORS, default_style  # noqa: E402
from tests.test_render import pixels  # noqa: E402

pytestmark = pytest.mark.usefixtures("qapp")

RENDERS = 1000
CONTEXT = RenderContext.screen(MapView(50.0, 50.0, 1.0, 100, 100))  # 1 m a pixel, map (0, 0)-(100, 100)
STATUS = list(LEDGER_STATUS_COLORS)
STATES = {
    # ledger: status of L1, geometry of L2, selected rows; red: half width and line of R1
    "A": dict(status=STATUS[0], l2=box(60, 60, 90, 90), selected=[], half_width=3.0,
              road=LineString([(5, 50), (95, 50)])),
    "B": dict(status=STATUS[7], l2=box(55, 8, 92, 38), selected=[0], half_width=6.0,
              road=LineString([(5, 45), (95, 70)])),
}


def make_layers() -> tuple[Layer, Layer]:
    ledger = Layer("ledger", frame([
        {"uid": "L1", "case_no": "L1", "status": STATUS[0], "geometry": box(10, 10, 40, 40)},
        {"uid": "L2", "case_no": "L2", "status": STATUS[1], "geometry": box(60, 60, 90, 90)}]),
        style={**default_style("ledger"), "fill_alpha": 1.0, "label_field": None})
    red = Layer("red", frame([{"uid": "R1", "name": "", "half_width_m": 3.0,
                               "geometry": LineString([(5, 50), (95, 50)])}]),
                style={**default_style("red"), "fill_alpha": 0.6, "label_field": None})
    return ledger, red


def go_to(state: str, ledger: Layer, red: Layer) -> None:
    """Edit the layers into `state` through their public API, one change at a time."""
    s = STATES[state]
    ledger.set_values([0], "status", [s["status"]])
    ledger.set_geometries([1], [s["l2"]])
    ledger.select_rows(s["selected"])
    red.set_values([0], "half_width_m", [s["half_width"]])
    red.set_geometries([0], [s["road"]])


def references(ledger: Layer, red: Layer) -> dict[str, np.ndarray]:
    out = {}
    for state in ("A", "B"):
        go_to(state, ledger, red)
        out[state] = pixels(render_image(Scene.of([ledger, red]), CONTEXT))
    assert not np.array_equal(out["A"], out["B"])
    return out


def test_a_worker_renders_a_layer_a_thousand_times_while_the_gui_thread_edits_it():
    ledger, red = make_layers()
    expected = references(ledger, red)
    go_to("A", ledger, red)
    latest = [(Scene.of([ledger, red]), "A")]  # the GUI thread swaps in a new (scene, state) tuple
    done = threading.Event()
    errors: list[BaseException] = []
    torn: list[tuple[int, str, int]] = []
    seen = {"A": 0, "B": 0}

    def worker():
        try:
            for i in range(RENDERS):
                scene, state = latest[-1]
                assert all(isinstance(s, LayerSnapshot) for s in scene.layers)
                picture = pixels(render_image(scene, CONTEXT))
                seen[state] += 1
                if not np.array_equal(picture, expected[state]):
                    torn.append((i, state, int((picture != expected[state]).any(axis=2).sum())))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            done.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads every few bytecodes: edits land inside renders
    flips = 0
    try:
        thread = threading.Thread(target=worker, name="render-worker")
        thread.start()
        while not done.is_set():
            state = "B" if flips % 2 == 0 else "A"
            go_to(state, ledger, red)
            ledger.in_box(0, 0, 50, 50)  # the GUI thread derives arrays too (picking), racing the worker
            latest.append((Scene.of([ledger, red]), state))
            del latest[:-1]
            flips += 1
        thread.join(60)
    finally:
        sys.setswitchinterval(interval)
    assert not thread.is_alive()
    assert errors == []
    assert torn == []
    assert seen["A"] > 50 and seen["B"] > 50, seen  # both states were drawn many times
    assert flips > 100, flips  # and the layers changed all along


class _LiveSnapshot(LayerSnapshot):
    """What the renderer must not do: read the layer's data when drawing, not when snapshotting."""

    def __init__(self, layer: Layer, snapshot: LayerSnapshot):
        for name in ("kind", "info", "title", "style", "visible", "opacity", "selected_rows"):
            object.__setattr__(self, name, getattr(snapshot, name))
        object.__setattr__(self, "_layer", layer)

    @property
    def data(self):
        return self._layer.data


def test_an_edit_in_the_middle_of_a_render_does_not_show_in_it_and_the_check_sees_one_that_would():
    """Deterministic: the edit happens between the two layers of one render (the renderer asks
    `cancelled()` there, on its own thread). A snapshot draws state A whole; a layer read live
    would draw the ledger of A and the red line of B — and the comparison catches that."""
    ledger, red = make_layers()
    expected = references(ledger, red)

    def render_with_an_edit_between_layers(scene: Scene) -> np.ndarray:
        calls = []

        def cancelled() -> bool:
            calls.append(1)
            if len(calls) == 2:  # the ledger is drawn, the red layer is next
                go_to("B", ledger, red)
            return False
        return pixels(render_image(scene, CONTEXT, cancelled=cancelled))

    go_to("A", ledger, red)
    assert np.array_equal(render_with_an_edit_between_layers(Scene.of([ledger, red])), expected["A"])

    go_to("A", ledger, red)
    scene = Scene.of([ledger, red])
    live = Scene(tuple(_LiveSnapshot(layer, snapshot) for layer, snapshot in zip((ledger, red), scene.layers)))
    picture = render_with_an_edit_between_layers(live)
    assert not np.array_equal(picture, expected["A"]) and not np.array_equal(picture, expected["B"])


def test_the_canvas_hands_its_worker_snapshots_and_shows_the_last_state_after_edits_while_rendering(qtbot,
                                                                                                 monkeypatch):
    from gisdesk.ui import canvas as canvas_module

    handed = []
    real_render_image = canvas_module.render_image

    def recording_render_image(scene, context, **kwargs):
        handed.append((type(scene), frozenset(type(layer) for layer in scene.layers), context.target, context.dpi))
        return real_render_image(scene, context, **kwargs)

    monkeypatch.setattr(canvas_module, "render_image", recording_render_image)
    ledger, red = make_layers()
    expected = references(ledger, red)
    document = SimpleNamespace(layers=[ledger, red], events={"layers": Event()}, extent=lambda: (0, 0, 100, 100))
    canvas = canvas_module.MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(100, 100)
    canvas.set_document(document)
    canvas.set_view(CONTEXT.view, render_delay=False)
    for i in range(40):  # edits while renders run; each edit asks for a new render
        go_to("AB"[i % 2], ledger, red)
        canvas.render_now()
        if i % 5 == 0:
            qtbot.wait(1)
    qtbot.waitUntil(lambda: not canvas.is_rendering(), timeout=20_000)
    assert len(handed) > 1 and set(handed) == {(Scene, frozenset({LayerSnapshot}), "screen", 96.0)}
    assert np.array_equal(pixels(canvas._image), expected["B"])  # the last edit went to B
