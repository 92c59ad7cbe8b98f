"""The autosave journal: every uncommitted command on disk when it is made, cleared at commit,
restored after a crash through the edit session (undo and redo included), never applied twice."""

from __future__ import annotations

import sqlite3

import pytest
from pyproj import CRS
from shapely.geometry import box

from gisdesk.io.importer import import_layer
from gisdesk.layers import journal
from gisdesk.layers.document import MapDocument
from gisdesk.layers.journal import JournalError, journal_path
from gisdesk.project import Project
from tests.conftest import frame


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": f"B{i}", "name": f"{i}号楼", "floors": i, "geometry": box(10 * i, 0, 10 * i + 5, 5)}
           for i in range(1, 4)]).to_file(tmp_path / "b.geojson")
    import_layer(p, tmp_path / "b.geojson", "buildings", id_field="bid")
    return p


def opened(project):
    document = MapDocument.open(Project.open(project.path))
    return document, document.edits(document.layer("buildings"))


def features(session):
    return {uid: (int(f), n, tuple(round(v) for v in g.bounds))
            for uid, f, n, g in zip(session.layer.frame["uid"], session.layer.frame["floors"].fillna(0),
                                    session.layer.frame["name"], session.layer.frame.geometry)}


def crash(document):
    """The window dies: its journal file is left as it is (its connection just goes)."""
    document.journal._db.close()
    document.journal._db = None


def test_edits_come_back_after_a_crash_as_uncommitted_edits_that_undo_and_redo_walk(project):
    document, session = opened(project)
    session.set_attributes("B1", {"floors": 9, "name": "改名"})
    session.set_geometry("B2", box(0, 50, 3, 53))
    session.add("B9", box(100, 0, 101, 1), {"name": "新楼", "floors": 2})
    session.delete("B3")
    session.undo()  # the delete: on the redo stack
    before_crash = features(session)
    assert journal_path(project.path).is_file() and document.journal.entries() == 5
    crash(document)

    again, restored = opened(project)
    found = journal.plan(again.project)
    assert [(layer.layer, layer.edits, len(layer.undone), layer.skipped) for layer in found.layers] == \
        [("buildings", 3, 1, 0)]
    assert journal.describe(found, {"buildings": "建筑"}) == ["建筑：3 处修改（另有 1 处已撤销，可重做）"]
    assert journal.restore(again, found) == {"buildings": 3}
    assert features(restored) == before_crash
    assert Project.open(project.path).read_layer("buildings").set_index("uid").loc["B1", "floors"] == 1  # not saved
    assert {(e.action, e.uid) for e in restored.pending} == {("attributes", "B1"), ("geometry", "B2"), ("add", "B9")}
    restored.redo()  # the undone delete comes back
    assert "B3" not in features(restored)
    restored.undo()
    for _ in range(3):
        restored.undo()
    assert features(restored) == features(opened(project)[1])  # back to what is stored
    assert not restored.can_undo
    # taken over: the crashed window's entries are gone, the restoring window's are there
    assert journal.plan(again.project, ignore={again.journal.owner}) is None
    assert again.journal.entries() > 0


def test_a_commit_clears_the_journal_and_a_crash_between_commit_and_clear_applies_nothing_twice(project, monkeypatch):
    document, session = opened(project)
    session.set_attributes("B1", {"floors": 9})
    session.commit()
    assert document.journal.entries() == 0
    session.set_attributes("B1", {"floors": 10})
    session.add("B7", box(70, 0, 71, 1), {"name": "七"})
    # killed after the project's transaction, before the journal's clearing
    monkeypatch.setattr(journal.Journal, "clear", lambda self, s: None)
    session.commit()
    crash(document)
    monkeypatch.undo()
    again, restored = opened(project)
    found = journal.plan(again.project)
    assert found.edits == 0 and found.layers[0].skipped == 2  # both are in the project already
    journal.restore(again, found)
    assert restored.pending == []
    stored = Project.open(project.path).read_layer("buildings").set_index("uid")
    assert stored.loc["B1", "floors"] == 10 and list(stored.index).count("B7") == 1


def test_edits_of_a_feature_someone_else_saved_meanwhile_are_not_restored_over_theirs(project):
    document, session = opened(project)
    session.set_attributes("B1", {"floors": 9})
    session.set_attributes("B2", {"floors": 8})
    crash(document)
    other, theirs = opened(project)
    theirs.set_attributes("B2", {"name": "别人改的"})
    theirs.commit()
    other.journal.close()
    again, restored = opened(project)
    found = journal.plan(again.project)
    assert found.edits == 1 and found.layers[0].skipped == 1
    journal.restore(again, found)
    now = features(restored)
    assert now["B1"][0] == 9 and now["B2"][:2] == (2, "别人改的")


def test_discarding_drops_the_entries_and_the_file(project):
    document, session = opened(project)
    session.set_attributes("B1", {"floors": 9})
    crash(document)
    found = journal.plan(Project.open(project.path))
    journal.discard(project.path, found)
    assert journal.plan(Project.open(project.path)) is None and not journal_path(project.path).exists()


def test_another_live_window_s_journal_is_not_offered(project):
    document, session = opened(project)
    session.set_attributes("B1", {"floors": 9})
    with sqlite3.connect(journal_path(project.path)) as db:  # as if a window of another running process wrote it
        db.execute("UPDATE journal_owners SET pid = 1")
    assert journal.plan(Project.open(project.path)) is None
    with sqlite3.connect(journal_path(project.path)) as db:
        db.execute("UPDATE journal_owners SET host = 'other-laptop'")  # a pid of another machine says nothing
    assert journal.plan(Project.open(project.path)).edits == 1


def test_an_unwritable_journal_refuses_the_edit_with_a_clear_error_and_changes_nothing(project):
    journal_path(project.path).mkdir()  # something else is in its place: it cannot be made
    document, session = opened(project)
    with pytest.raises(JournalError) as error:
        session.set_attributes("B1", {"floors": 9})
    assert str(error.value).startswith(f"无法写入自动保存日志 {journal_path(project.path)}：")
    assert "此次修改未执行" in str(error.value)
    assert features(session)["B1"][0] == 1 and not session.can_undo and session.pending == []


def test_a_full_disk_says_so_and_keeps_what_was_journaled(project):
    document, session = opened(project)
    session.set_attributes("B1", {"floors": 9})
    db = document.journal._db
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")  # no page more: full
    with pytest.raises(JournalError, match="磁盘已满"):
        session.set_attributes("B2", {"name": "长" * 20000})
    assert features(session)["B2"][:2] == (2, "2号楼")
    crash(document)
    again, restored = opened(project)
    journal.restore(again, journal.plan(again.project))
    assert features(restored)["B1"][0] == 9


def test_a_command_whose_commit_was_refused_is_not_offered_to_redo(project):
    document, session = opened(project)
    session.set_attributes("B1", {"floors": 9})
    session.set_attributes("B2", {"floors": 8})
    session.revert()  # as the app does when the store refuses the commit
    crash(document)
    found = journal.plan(Project.open(project.path))
    assert found.edits == 1 and found.layers[0].undone == []
