"""The Conflicts dock: run the check from the action, walk the conflicts, confirm with a note."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt  # noqa: E402

from gisdesk import reviews  # noqa: E402
from gisdesk.analysis.check import run_check  # noqa: E402
from gisdesk.rules import load_rules  # noqa: E402
from gisdesk.ui.conflicts_panel import COLUMNS  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"


@pytest.fixture
def window(qtbot, tmp_path):
    from gisdesk.ui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    path = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO, path)
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    assert window.open_project(path)
    idle(qtbot, window)
    yield window
    window.jobs_panel.shutdown()


def idle(qtbot, window, timeout=60_000):
    qtbot.waitUntil(lambda: not window.jobs_panel.running(), timeout=timeout)


def run_check_action(qtbot, window):
    panel = window.conflicts_panel
    assert panel.action_check in window.menus["analysis"].actions()
    assert panel.action_check in window.toolbar.actions()
    with qtbot.waitSignal(panel.checkFinished, timeout=60_000):
        panel.action_check.trigger()
    idle(qtbot, window)


def test_the_check_from_the_action_fills_the_table_by_severity(qtbot, window):
    panel = window.conflicts_panel
    run_check_action(qtbot, window)
    frame = panel.model.frame()
    stored = window.document.project.conflicts()
    listed = stored[stored["exemption"] == ""]  # exempt conflicts are left out unless asked for
    assert len(frame) == len(listed) == panel.model.rowCount() > 0
    assert len(listed) < len(stored)  # (the demo's protected Bund buildings in their purple line)
    assert f"{len(stored) - len(listed):,}" in panel.exempt_label.text()
    panel.exemption_combo.setCurrentIndex(panel.exemption_combo.findData("all"))
    assert panel.model.rowCount() == len(stored)
    panel.exemption_combo.setCurrentIndex(panel.exemption_combo.findData("only"))
    assert set(panel.model.frame()["subject_id"]) == set(stored.loc[stored["exemption"] != "", "subject_id"])
    panel.exemption_combo.setCurrentIndex(0)
    relation = frame["relation"].tolist()
    n = relation.count("encroach")
    assert relation == ["encroach"] * n + ["setback"] * (len(relation) - n)  # encroachments first
    enc = frame.iloc[:n]
    pairs = list(zip(-enc["depth_m"], -enc["overlap_m2"]))
    assert pairs == sorted(pairs)  # deepest first, then the larger overlap
    assert np.all(np.diff(frame.iloc[n:]["shortfall_m"].to_numpy()) <= 0)  # largest shortfall first
    headers = [panel.model.headerData(i, Qt.Orientation.Horizontal) for i in range(len(COLUMNS))]
    assert headers[:5] == ["Name / address", "District / street", "Layer", "Control line", "Relation"]
    assert "Overlap (m²)" in headers and "Shortfall (m)" in headers
    first = panel.model.index(0, COLUMNS.index("relation"))
    assert panel.model.data(first) == "Encroachment"
    assert panel.model.data(panel.model.index(0, COLUMNS.index("shortfall_m"))) == ""  # not a setback row


def test_filters_by_kind_relation_and_decision(qtbot, window):
    panel = window.conflicts_panel
    run_check_action(qtbot, window)
    total = panel.model.rowCount()
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("red"))
    reds = panel.model.frame()
    assert len(reds) == (window.document.project.conflicts()["control_kind"] == "red").sum() > 0
    assert set(reds["control_kind"]) == {"red"}
    panel.relation_combo.setCurrentIndex(panel.relation_combo.findData("setback"))
    assert set(panel.model.frame()["relation"]) == {"setback"}
    assert set(panel.model.frame()["control_kind"]) == {"red"}
    panel.decision_combo.setCurrentIndex(panel.decision_combo.findData(reviews.CONFIRMED))
    assert panel.model.rowCount() == 0
    for combo in (panel.kind_combo, panel.relation_combo, panel.decision_combo):
        combo.setCurrentIndex(0)
    assert panel.model.rowCount() == total
    assert f"{total:,}" in panel.count_label.text()


def test_selecting_a_row_highlights_and_zooms_to_the_building_and_its_zone(qtbot, window):
    panel = window.conflicts_panel
    run_check_action(qtbot, window)
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("red"))
    panel.table.selectRow(0)
    conflict = panel.model.row(0)
    highlight = window.canvas.highlight
    assert highlight is not None
    on_subject, on_control = highlight  # one Highlight per layer, naming features by uid
    subject, control = (window.document.layer_by_id(h.layer_id) for h in highlight)
    assert subject.kind == conflict["subject_layer"] and control.kind == "red"
    assert on_subject.uids == (conflict["subject_id"],) and on_control.uids == (conflict["control_id"],)
    subject_row = int(np.flatnonzero(subject.frame["uid"] == conflict["subject_id"])[0])
    control_row = int(np.flatnonzero(control.frame["uid"] == conflict["control_id"])[0])
    xmin, ymin, xmax, ymax = subject.frame.geometry.iloc[subject_row].bounds
    vx0, vy0, vx1, vy1 = window.canvas.view.extent
    assert vx0 <= xmin and vy0 <= ymin and vx1 >= xmax and vy1 >= ymax  # the building is in view
    assert (vx1 - vx0) < 2000  # zoomed in on it, not the whole city
    zone = control.frame.geometry.iloc[control_row]
    import shapely
    assert shapely.box(vx0, vy0, vx1, vy1).intersects(zone)  # and so is its zone


def test_the_highlighted_building_stays_outlined_when_rows_before_it_are_deleted(qtbot, window):
    from gisdesk.render.snapshot import Scene

    panel = window.conflicts_panel
    run_check_action(qtbot, window)
    frame = panel.model.frame()
    subject_layer = window.document.layer("buildings")
    position = {uid: row for row, uid in enumerate(subject_layer.frame["uid"])}
    # the conflict whose building lies furthest down its layer: rows before it can go
    at, row = max((position[uid], r) for r, (kind, uid) in enumerate(zip(frame["subject_layer"], frame["subject_id"]))
                  if kind == "buildings" and uid in position)
    uid = frame["subject_id"].iloc[row]
    assert at > 0
    panel.table.selectRow(row)
    highlight = window.canvas.highlight
    assert highlight[0].uids == (uid,)
    subject_layer.set_frame(subject_layer.frame.iloc[at // 2 + 1:])  # buildings before it deleted: it moves up
    scene = Scene.of(window.document.layers, window.canvas.highlight)
    (snapshot, rows), _ = scene.highlight
    assert snapshot.data is subject_layer.data
    assert subject_layer.frame["uid"].iloc[rows].tolist() == [uid]  # drawn on its new row
    assert rows.tolist() == [at - (at // 2 + 1)]


def test_confirm_with_a_note_is_stored_and_kept_after_a_rerun(qtbot, window):
    panel = window.conflicts_panel
    run_check_action(qtbot, window)
    assert not panel.confirm_button.isEnabled()  # nothing selected
    panel.table.selectRow(2)
    key = panel.model.key(2)
    panel.note_edit.setText("现场核实属实")  # (QTest.keyClicks takes ASCII only)
    qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)
    assert panel.model.data(panel.model.index(2, COLUMNS.index("decision"))) == "Confirmed"
    assert panel.model.data(panel.model.index(2, COLUMNS.index("note"))) == "现场核实属实"
    assert panel.note_edit.text() == ""
    assert panel.selected_rows() == [3]  # on to the next conflict
    stored = reviews.decisions(window.document.project)
    assert stored[reviews.KEY].apply(tuple, axis=1).tolist() == [key]
    assert stored["decision"].tolist() == ["confirmed"] and stored["note"].tolist() == ["现场核实属实"]

    panel.table.selectRow(3)
    qtbot.mouseClick(panel.dismiss_button, Qt.MouseButton.LeftButton)

    run_check_action(qtbot, window)  # a second check replaces the conflicts, not the decisions
    frame = panel.model.frame().set_index(reviews.KEY)
    assert frame.loc[key, "decision"] == "confirmed" and frame.loc[key, "note"] == "现场核实属实"
    assert (frame["decision"] == "dismissed").sum() == 1
    panel.decision_combo.setCurrentIndex(panel.decision_combo.findData(reviews.CONFIRMED))
    assert panel.model.rowCount() == 1


def test_a_project_checked_before_shows_its_results_when_opened(qtbot, tmp_path):
    from gisdesk.project import Project
    from gisdesk.ui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    path = tmp_path / "checked.gpkg"
    shutil.copyfile(DEMO, path)
    project = Project.open(path)
    run_check(project, load_rules())
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.conflicts_panel.reloaded, timeout=30_000):
        window.open_project(path)
    stored = project.conflicts()
    assert window.conflicts_panel.model.rowCount() == (stored["exemption"] == "").sum() > 0
    idle(qtbot, window)
    window.jobs_panel.shutdown()


# --- filters, search, walking, and the conflict on the map --------------------------------

def test_rows_show_names_or_addresses_and_districts_not_osm_ids(qtbot, window):
    panel = window.conflicts_panel
    run_check_action(qtbot, window)
    model = panel.model
    subject, place = COLUMNS.index("subject"), COLUMNS.index("place")
    texts = [model.data(model.index(r, subject)) for r in range(model.rowCount())]
    assert not any(t.startswith("osm-") for t in texts)  # never an OSM id as the main text
    frame = model.frame()
    named = frame["subject_name"].astype(str) != frame["subject_id"].astype(str)
    assert named.any()
    first_named = int(np.flatnonzero(named.to_numpy())[0])
    assert texts[first_named] == frame["subject_name"].iloc[first_named]
    uid_column = COLUMNS.index("subject_id")
    assert model.data(model.index(first_named, uid_column)) == frame["subject_id"].iloc[first_named]
    places = [model.data(model.index(r, place)) for r in range(model.rowCount())]
    assert sum(bool(p) for p in places) > 0.9 * len(places)
    row = next(r for r, p in enumerate(places) if p)
    assert places[row].startswith(frame["district"].iloc[row])


def test_layer_district_street_and_search_filters_combine_with_counts(qtbot, window):
    panel = window.conflicts_panel
    run_check_action(qtbot, window)
    everything = panel.model.all_rows()
    shown = panel.model.rowCount()
    assert f"{shown:,} / {len(everything):,}" in panel.count_label.text()
    titles = {layer.id: layer.title for layer in window.document.layers}
    ledger = window.document.layer("ledger").id
    index = panel.layer_combo.findData(ledger)
    assert index > 0 and panel.layer_combo.itemText(index) == titles[ledger]  # the layer's name, not its id
    panel.layer_combo.setCurrentIndex(index)
    visible = everything["exemption"].astype(str) == "" if "exemption" in everything else True
    expected = everything[(everything["subject_table"] == ledger) & visible]
    assert panel.model.rowCount() == len(expected) > 0
    district = expected["district"].value_counts().index[0]
    panel.district_combo.setCurrentIndex(panel.district_combo.findData(district))
    in_district = expected[expected["district"] == district]
    assert panel.model.rowCount() == len(in_district)
    streets = [panel.street_combo.itemData(i) for i in range(1, panel.street_combo.count())]
    assert streets == sorted(set(in_district["street"]) - {""})  # only the district's streets
    street = in_district["street"].value_counts().index[0]
    panel.street_combo.setCurrentIndex(panel.street_combo.findData(street))
    assert panel.model.rowCount() == (in_district["street"] == street).sum()
    assert f"{panel.model.rowCount():,} / {len(everything):,}" in panel.count_label.text()
    panel.district_combo.setCurrentIndex(0)  # all districts: the street stays chosen
    assert panel.model.rowCount() == ((expected["street"] == street).sum())
    for combo in (panel.layer_combo, panel.street_combo):
        combo.setCurrentIndex(0)
    assert panel.model.rowCount() == shown
    # the search: an address of a ledger case, typed; applied once typing pauses
    case = expected.iloc[0]
    word = str(case["address"]) or str(case["subject_id"])
    panel.search_edit.setText(word.upper())
    qtbot.waitUntil(lambda: panel.model.filter.text == word.upper(), timeout=5000)
    found = panel.model.frame()
    assert 0 < len(found) < shown and case["subject_id"] in set(found["subject_id"])
    hay = (found["subject_name"].astype(str) + found["address"].astype(str) + found["subject_id"].astype(str)
           + found["control_id"].astype(str)).str.casefold()
    assert hay.str.contains(word.casefold(), regex=False).all()
    panel.search_edit.clear()
    panel.apply_search()
    assert panel.model.rowCount() == shown


def test_next_and_previous_walk_the_filtered_list_and_zoom(qtbot, window):
    panel = window.conflicts_panel
    run_check_action(qtbot, window)
    panel.relation_combo.setCurrentIndex(panel.relation_combo.findData("setback"))
    frame = panel.model.frame()
    assert set(frame["relation"]) == {"setback"} and len(frame) > 3
    panel.table.setFocus()
    panel.action_next.trigger()  # nothing selected: the first
    assert panel.selected_rows() == [0]
    extent0 = window.canvas.view.extent
    qtbot.keyClick(panel.table, Qt.Key.Key_N)
    assert panel.selected_rows() == [1]
    panel.action_next.trigger()
    assert panel.selected_rows() == [2]
    assert window.canvas.view.extent != extent0  # zoomed to each in turn
    assert window.canvas.highlight[0].uids == (frame["subject_id"].iloc[2],)
    qtbot.keyClick(panel.table, Qt.Key.Key_P)
    panel.action_previous.trigger()
    assert panel.selected_rows() == [0]
    panel.action_previous.trigger()
    assert panel.selected_rows() == [0]  # stays at the top
    assert panel.action_next.shortcut().toString() == "Ctrl+."
    assert panel.action_previous.shortcut().toString() == "Ctrl+,"


def select_a_setback(qtbot, window):
    """Run the check, list the setback rows and select the first more than 1 m from its zone."""
    panel = window.conflicts_panel
    run_check_action(qtbot, window)
    panel.relation_combo.setCurrentIndex(panel.relation_combo.findData("setback"))
    frame = panel.model.frame()
    row = int(np.flatnonzero((frame["distance_m"] > 1).to_numpy())[0])
    panel.table.selectRow(row)
    return frame, row


def test_a_selected_setback_conflict_is_drawn_with_its_line_and_distance(qtbot, window):
    panel = window.conflicts_panel
    frame, row = select_a_setback(qtbot, window)
    marks = window.canvas.marks
    conflict = frame.iloc[row]
    assert marks is not None and marks.shortest is not None and marks.setback_line is not None
    assert abs(marks.shortest.length - conflict["distance_m"]) < 0.05  # the check's distance, drawn
    assert f"{conflict['distance_m']:.1f}".rstrip("0").rstrip(".") in marks.label
    assert f"{conflict['required_m']:g}" in marks.label
    subject = window.document.layer_by_id(conflict["subject_table"])
    building = subject.frame.geometry.iloc[int(np.flatnonzero(subject.frame["uid"] == conflict["subject_id"])[0])]
    import shapely
    assert shapely.distance(building, marks.setback_line) < conflict["required_m"]  # the line runs by the building
    panel.relation_combo.setCurrentIndex(panel.relation_combo.findData("encroach"))  # a filter change clears it
    assert window.canvas.marks is None
    panel.table.selectRow(0)
    assert window.canvas.marks.overlap is not None and window.canvas.marks.overlap.area > 0


def test_the_model_on_a_hand_made_frame_shows_names_places_and_filters(qtbot):
    from gisdesk.ui.conflicts_panel import ConflictsModel
    from tests.test_conflict_view import hand_made

    frame = hand_made()
    frame["subject_layer"] = np.where(frame["subject_table"] == "ledger", "ledger", "buildings")
    frame["community"] = ["", "", "", "", "", "", "", "虬江路社区"]
    for column in ("overlap_m2", "depth_m", "distance_m", "required_m", "shortfall_m"):
        frame[column] = 1.0
    frame["control_table"], frame["note"] = frame["control_kind"] + "_lines", ""
    model = ConflictsModel()
    model.layer_titles = {"buildings": "建筑", "ledger": "违法建设台账"}
    model.set_frame(frame)
    assert model.rowCount() == 6 and model.total == 8 and model.exempt_count() == 2

    def shown(column):
        return [model.data(model.index(r, COLUMNS.index(column))) for r in range(model.rowCount())]
    # name, else address, else where it is
    assert shown("subject") == ["延安东路100号", "博物馆", "仓库", "吴淞路12号", "四川北路8号", "Unnamed · 虬江路社区"]
    assert shown("place")[:2] == ["黄浦区 外滩街道", "黄浦区 南京东路街道"]
    assert shown("subject_table")[3] == "违法建设台账"
    assert shown("subject_id")[0] == "osm-3"
    assert shown("period") == ["New", "New", "Unknown", "New", "Existing", "Unknown"]
    model.set_filter(subject_table="ledger", period="new")
    assert shown("subject_id") == ["HP2026-0065"]
    model.set_filter(subject_table="", period="", exemption="all", text="中山东一路")
    assert shown("subject") == ["外滩三号", "外滩五号"]
    model.set_filter(text="", exemption="hide", decision="pending")
    assert model.rowCount() == 4
    model.set_decision([("ledger", "HP2026-0065", "red_lines", "R9")], "confirmed", "ok")
    assert model.rowCount() == 3  # decided: out of the pending ones
    model.set_filter(decision="confirmed")
    assert sorted(shown("subject_id")) == ["HP2026-0065", "osm-3"]
    model.set_filter(decision="", exemption="all")
    model.sort(COLUMNS.index("period"))  # a header click: new first, the filter still applies
    assert shown("period") == ["New"] * 3 + ["Existing"] * 3 + ["Unknown"] * 2
    model.set_filter(subject_table="ledger")
    assert shown("subject_id") == ["HP2026-0065", "HP2026-0070", "HP2026-0071"]
    model.sort(-1)  # back to severity: the frame's own order
    model.set_filter(subject_table="")
    assert shown("subject_id") == frame["subject_id"].tolist()


def test_the_drawn_conflict_follows_an_edit_of_the_building(qtbot, window):
    import shapely

    frame, row = select_a_setback(qtbot, window)
    before = window.canvas.marks.shortest.length
    extent = window.canvas.view.extent
    conflict = frame.iloc[row]
    layer = window.document.layer_by_id(conflict["subject_table"])
    at = int(np.flatnonzero(layer.frame["uid"] == conflict["subject_id"])[0])
    building = layer.frame.geometry.iloc[at]
    # moved 1 m further from the zone: along the shortest segment, away from it
    (x0, y0), (x1, y1) = shapely.get_coordinates(window.canvas.marks.shortest)[[0, -1]]
    dx, dy = (x0 - x1) / before, (y0 - y1) / before
    window.document.edits(layer).set_geometry(conflict["subject_id"], shapely.affinity.translate(building, dx, dy))
    assert window.canvas.marks.shortest.length == pytest.approx(before + 1, abs=0.05)
    assert window.canvas.view.extent == extent  # redrawn where it is, not zoomed again
