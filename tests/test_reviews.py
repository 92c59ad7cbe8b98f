"""Review decisions: stored in the project, keyed on the conflict, kept when the check runs again."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from gisdesk import reviews
from gisdesk.analysis.check import run_check
from gisdesk.errors import InputError, ProjectError
from gisdesk.project import Project
from gisdesk.rules import load_rules

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"


@pytest.fixture
def checked(tmp_path):
    path = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO, path)
    project = Project.open(path)
    run_check(project, load_rules())
    return project


def keys_of(project, n):
    frame = project.conflicts()
    return [tuple(frame.iloc[i][c] for c in reviews.KEY) for i in range(n)]


def test_no_decisions_before_any_review(checked):
    assert reviews.decisions(checked).empty
    joined = reviews.reviewed_conflicts(checked)
    assert len(joined) == len(checked.conflicts())
    assert set(joined["decision"]) == {""}


def test_decisions_survive_a_rerun_of_the_check(checked):
    (a, b, c) = keys_of(checked, 3)
    reviews.set_decision(checked, *a, "confirmed", note="现场核实，压线 0.8 m", who="张工")
    reviews.set_decision(checked, *b, "dismissed", note="已办规划许可")
    reviews.set_decision(checked, *c, "confirmed")
    reviews.set_decision(checked, *c, "dismissed", note="改判")  # a second decision replaces the first

    run_check(checked, load_rules())  # replaces gisdesk_conflicts, not gisdesk_reviews

    joined = reviews.reviewed_conflicts(checked).set_index(reviews.KEY)
    assert joined.loc[a, "decision"] == "confirmed"
    assert joined.loc[a, "note"] == "现场核实，压线 0.8 m"
    assert joined.loc[a, "who"] == "张工"
    assert joined.loc[b, "decision"] == "dismissed"
    assert joined.loc[c, "decision"] == "dismissed" and joined.loc[c, "note"] == "改判"
    assert (joined["decision"] != "").sum() == 3
    assert len(reviews.decisions(checked)) == 3


def test_the_table_is_a_registered_attributes_table(checked):
    reviews.set_decision(checked, *keys_of(checked, 1)[0], "confirmed")
    with sqlite3.connect(checked.path) as db:
        kind = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = ?", ("gisdesk_reviews",)).fetchone()
        unique = db.execute("PRAGMA index_list(gisdesk_reviews)").fetchall()
    assert kind == ("attributes",)
    assert any(row[2] for row in unique)  # a unique index on the conflict's identity


def test_a_batch_is_one_transaction(checked, monkeypatch):
    good = keys_of(checked, 2)
    bad = ("buildings", "no-such-building", "red", "no-such-line")
    with pytest.raises(ProjectError):
        reviews.set_decisions(checked, [*good, bad], "confirmed")
    assert reviews.decisions(checked).empty  # the rows written before the bad one were rolled back

    calls = []
    original = Project._write

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(Project, "_write", counting)
    reviews.set_decisions(checked, good, "dismissed", note="批量")
    assert len(calls) == 1
    assert list(reviews.decisions(checked)["decision"]) == ["dismissed", "dismissed"]


def test_a_bad_decision_is_refused_and_changes_nothing(checked):
    before = checked.path.read_bytes()
    with pytest.raises(InputError):
        reviews.set_decision(checked, *keys_of(checked, 1)[0], "maybe")
    assert checked.path.read_bytes() == before


def test_decisions_on_conflicts_gone_are_kept_but_join_onto_nothing(checked):
    key = keys_of(checked, 1)[0]
    reviews.set_decision(checked, *key, "confirmed")
    conflicts = checked.conflicts()
    gone = conflicts[conflicts[reviews.KEY].apply(tuple, axis=1) != key]
    joined = reviews.join_decisions(gone, reviews.decisions(checked))
    assert len(joined) == len(gone) and set(joined["decision"]) == {""}
    assert len(reviews.decisions(checked)) == 1
