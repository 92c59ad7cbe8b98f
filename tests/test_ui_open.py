"""Opening a project in the window: read in a worker thread, in chunks, its layers shown as they arrive.

The result must be the project a plain read gives (the same layers, order, styles and
features), a broken project must be reported with what was open kept, and closing the window
or opening another project while a load runs must neither crash nor mix the two projects' layers.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pandas.testing import assert_frame_equal

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from gisdesk.layers.document import MapDocument  # noqa: E402
from gisdesk.layers.uids import uid_array  # noqa: E402
from gisdesk.project import Project  # noqa: E402
from gisdesk.render.style import default_style  # noqa: E402
from gisdesk.ui import loading  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"


@pytest.fixture
def demo(tmp_path):
    path = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO, path)
    return path


@pytest.fixture
def other(tmp_path):
    """A second project: two buildings of its own (uids X1, X2), nothing else."""
    path = tmp_path / "other.gpkg"
    project = Project.create(path, crs=Project.open(DEMO).crs)
    frame = gpd.GeoDataFrame({"uid": ["X1", "X2"]}, geometry=[shapely.box(0, 0, 10, 10), shapely.box(20, 0, 30, 10)],
                             crs=project.crs)
    project.add_features("buildings", frame, kind="buildings", source={"path": "test"})
    return path


@pytest.fixture
def window(qtbot, tmp_path):
    from gisdesk.ui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    window._may_discard = lambda: True
    yield window
    window.jobs_panel.shutdown()


@pytest.fixture
def held(monkeypatch):
    """The read of the `buildings` layer waits until `release` is set (the other layers go on)."""
    reached, release = threading.Event(), threading.Event()
    read = loading.read_layer_in_chunks

    def holding(project, layer_id, check=lambda: None, **options):
        if layer_id == "buildings":
            reached.set()
            assert release.wait(20)
        return read(project, layer_id, check, **options)

    monkeypatch.setattr(loading, "read_layer_in_chunks", holding)
    return reached, release


def feature_count(path, table) -> int:
    with sqlite3.connect(path) as db:
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def test_a_layer_read_in_chunks_is_the_frame_a_plain_read_gives(demo, monkeypatch):
    monkeypatch.setattr(loading, "CHUNK", 7)  # many batches even for the demo's small layers
    project = Project.open(demo)
    for info in project.layers():
        chunked = loading.read_layer_in_chunks(project, info.id)
        assert len(chunked) == feature_count(demo, info.id)
        assert_frame_equal(chunked, project.read_layer(info.id))
        assert chunked.crs == project.crs


def test_the_window_opens_the_project_a_plain_read_gives(window, demo, monkeypatch):
    monkeypatch.setattr(loading, "CHUNK", 50)
    assert window.open_project(demo)
    assert window.loading is None
    plain = MapDocument.open(Project.open(demo), default_style=default_style)
    opened = window.document
    assert [layer.id for layer in opened.layers] == [layer.id for layer in plain.layers]  # drawing order
    for mine, theirs in zip(opened.layers, plain.layers):
        assert (mine.kind, mine.title, mine.style, mine.visible, mine.opacity) == \
            (theirs.kind, theirs.title, theirs.style, theirs.visible, theirs.opacity)
        assert_frame_equal(mine.frame, theirs.frame)
        assert list(mine.uid_rows.uids) == list(uid_array(theirs.frame))  # the uid index made batch by batch
        some = theirs.frame["uid"].iloc[::7].tolist()
        assert mine.uid_rows.rows_of(some).tolist() == theirs.uid_rows.rows_of(some).tolist()
    assert window.canvas.document is opened and window.layer_tree.model.document is opened
    assert not opened.dirty
    opened.layers[0].visible = not opened.layers[0].visible  # the opened document follows its layers
    assert opened.dirty


def test_layers_are_shown_as_they_arrive_and_the_project_is_open_when_all_are_in(qtbot, window, demo, held):
    reached, release = held
    assert window.open_project(demo, wait=False)
    assert reached.wait(20)
    qtbot.waitUntil(lambda: window.canvas.document is not None
                    and len(window.canvas.document.layers) == len(Project.open(demo).layers()) - 1, timeout=20_000)
    shown = window.canvas.document
    assert "buildings" not in [layer.id for layer in shown.layers]
    assert window.layer_tree.model.document is shown  # the layer tree has them too
    assert window.document is None and window.loading is not None  # not open yet: the panels wait
    qtbot.waitUntil(lambda: window.canvas._image is not None, timeout=20_000)  # a first map meanwhile
    with qtbot.waitSignal(window.documentChanged, timeout=20_000):
        release.set()
    ids = [info.id for info in Project.open(demo).layers()]
    assert [layer.id for layer in window.document.layers] == ids
    assert len(window.document.layer("buildings").frame) == feature_count(demo, "buildings")


def test_closing_the_window_while_a_load_runs_is_safe(qtbot, window, demo, held):
    reached, release = held
    assert window.open_project(demo, wait=False)
    assert reached.wait(20)
    loader = window.loading
    changed = []
    window.documentChanged.connect(changed.append)
    threading.Timer(0.3, release.set).start()  # the read goes on after the close
    window.close()
    assert loader.cancelled and loader.wait(20)  # close waited for it; it stopped, at a batch
    qtbot.wait(200)
    assert window.document is None and window.loading is None and changed == []


def test_opening_another_project_during_a_load_shows_only_that_one(qtbot, window, demo, other, held):
    reached, release = held
    assert window.open_project(demo, wait=False)
    assert reached.wait(20)
    first = window.loading
    reached.clear()
    assert window.open_project(other, wait=False)  # its buildings wait too
    assert reached.wait(20)
    assert first.cancelled and first.ok is False and window.loading is not first
    qtbot.waitUntil(lambda: window.canvas.document is not None and window.canvas.document.project.path == other,
                    timeout=20_000)
    # words the first load had sent just before its cancel (a race the cancel cannot close) change nothing
    stray = MapDocument.open(Project.open(demo)).layer("buildings")
    first.signals.layerRead.emit(first, 0, stray)
    first.signals.finished.emit(first)
    qtbot.wait(200)
    assert window.canvas.document.layers == [] and window.document is None
    with qtbot.waitSignal(window.documentChanged, timeout=20_000):
        release.set()
    assert window.document.project.path == other
    assert [layer.frame["uid"].tolist() for layer in window.document.layers] == [["X1", "X2"]]
    assert window.canvas.document is window.document and window.layer_tree.model.document is window.document
    assert first.wait(20)
    qtbot.wait(200)  # anything the first load still sent has arrived
    assert [layer.frame["uid"].tolist() for layer in window.canvas.document.layers] == [["X1", "X2"]]


def test_a_broken_project_is_reported_and_what_was_open_stays(window, demo, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    assert window.open_project(demo)
    opened = window.document
    garbage = tmp_path / "garbage.gpkg"
    garbage.write_bytes(b"not a database at all" * 100)
    assert not window.open_project(garbage)
    assert "garbage.gpkg" in warnings[-1] and "GeoPackage" in warnings[-1]
    assert window.document is opened and window.canvas.document is opened

    damaged = tmp_path / "damaged.gpkg"  # a layer registered whose table is gone: found mid-way
    shutil.copyfile(DEMO, damaged)
    with sqlite3.connect(damaged) as db:
        db.execute('DROP TABLE "buildings"')
    assert not window.open_project(damaged)
    assert "damaged.gpkg" in warnings[-1]
    assert window.document is opened
    assert window.canvas.document is opened and window.layer_tree.model.document is opened
    assert window.loading is None


def test_a_project_frozen_after_its_load_is_freed_when_another_is_opened(qtbot, window, demo, other, monkeypatch):
    import gc
    import weakref

    monkeypatch.setattr(loading, "FREEZE_MIN", 1)  # the demo counts as large: its heap is frozen after the read
    try:
        assert window.open_project(demo)
        assert window.loading is None and gc.get_freeze_count() > 0
        layer = weakref.ref(window.document.layer("buildings"))
        qtbot.waitUntil(lambda: not window.jobs_panel.running(), timeout=60_000)
        assert window.open_project(other)
        qtbot.waitUntil(lambda: layer() is None, timeout=20_000)  # its cycles were collected, not kept frozen
    finally:
        gc.unfreeze()
