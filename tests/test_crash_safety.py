"""Never lose work: a child editing and saving a project is killed with SIGKILL at random points,
again and again; every save it reported is in the file, the file is sound (PRAGMA integrity_check,
gisdesk and GDAL open it), and the autosave journal brings back the edits it reported unsaved.

The child (tests/crash_child.py) draws its edits from a seeded generator on a model of the
layer; the test runs the same generator on the same model, so it knows what the project must
hold after the last op the child reported (or after the next one, which may have been under way).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyogrio
import pytest
from pyproj import CRS
from shapely.geometry import box

from gisdesk.io.importer import import_layer
from gisdesk.layers import journal
from gisdesk.layers.document import MapDocument
from gisdesk.project import Project
from tests.conftest import frame
from tests.crash_child import LAYER, Model, next_op, state_of

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = 25


class Zygote:
    """tests/crash_child.py run once (gisdesk imported once); it forks the children we kill."""

    def __init__(self, folder: Path):
        self.errors = folder / "zygote-stderr.txt"
        self.proc = subprocess.Popen([sys.executable, str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.errors.open("w"), text=True)
        assert self.proc.stdout.readline().strip() == "zygote", self.errors.read_text()

    def ask(self, line: str) -> str:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def start(self, *args) -> int:
        return int(self.ask("run " + " ".join(str(a) for a in args)))

    def reap(self, pid: int) -> int:
        return int(self.ask(f"reap {pid}").split()[1])

    def close(self) -> None:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def zygote(tmp_path_factory):
    folder = tmp_path_factory.mktemp("zygote")
    z = Zygote(folder)
    assert z.ask(f"warm {make_project(folder)}") == "warm", z.errors.read_text()
    yield z
    z.close()


def make_project(folder: Path) -> Path:
    p = Project.create(folder / "p.gpkg", crs=CRS.from_epsg(4549))
    frame([{"bid": f"B{i}", "name": f"{i}号楼", "floors": i, "geometry": box(10 * i, 0, 10 * i + 5, 5)}
           for i in range(1, 5)]).to_file(folder / "b.geojson")
    import_layer(p, folder / "b.geojson", LAYER, id_field="bid")
    return p.path


def wait_for_ops(report: Path, n: int, timeout: float = 60) -> None:
    """Until the child reported `n` ops done (or, for n = -1, at once)."""
    deadline = time.monotonic() + timeout
    while n >= 0:
        lines = report.read_text().split() if report.exists() else []
        if len(lines) > n:  # "ready", then one line per op
            return
        assert time.monotonic() < deadline, f"the child reported {len(lines)} lines of {n + 1}"
        time.sleep(0.005)


def expected(start: dict, seed: int, last: int) -> tuple[list[tuple], list[tuple[dict, dict]]]:
    """The ops 0 .. last + 1 of the child's run from `start`, and (committed, in memory) after each."""
    model, rng = Model(start), random.Random(seed)
    ops, states = [], []
    for j in range(last + 2):
        ops.append(next_op(rng, model, j, seed))
        model.apply(ops[-1])
        states.append((dict(model.committed), dict(model.state)))
    return ops, states


def test_sigkill_at_random_points_loses_no_saved_edit_and_the_journal_restores_the_unsaved(zygote, tmp_path):
    path = make_project(tmp_path)
    timing = random.Random(20261201)
    seen = Counter()
    start = state_of(Project.open(path).read_layer(LAYER))
    for round_ in range(KILLS):
        seed = 100 + round_
        report = tmp_path / f"report-{round_}.txt"
        pid = zygote.start(path, report, seed)
        # killed anywhere: while opening, editing or committing — after a chosen number of ops
        # (whatever the machine's speed), a moment into the next
        wait_for_ops(report, timing.randint(-1, 9))
        time.sleep(timing.uniform(0.0, 0.08))
        os.kill(pid, signal.SIGKILL)
        status = zygote.reap(pid)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, zygote.errors.read_text()
        lines = report.read_text().split() if report.exists() else []
        done = int(lines[-1]) if lines and lines[-1] != "ready" else -1  # the last op the child reported
        ops, states = expected(start, seed, done)
        reported = states[done] if done >= 0 else (start, start)
        under_way = states[done + 1]  # the op it was in when killed: it may have got through

        # the file is sound, for SQLite, GDAL and gisdesk
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(pyogrio.read_dataframe(path, layer=LAYER)) == len(Project.open(path).read_layer(LAYER))
        # every commit reported done is in it (and no half commit)
        project = Project.open(path)
        stored = state_of(project.read_layer(LAYER))
        assert stored in (reported[0], under_way[0]), f"round {round_}: op {done} reported"
        # the journal brings back the edits reported made, as uncommitted edits of the session
        document = MapDocument.open(project)
        found = journal.plan(project)
        if found is not None:
            journal.restore(document, found)
        layer = document.layer_by_id(LAYER)
        now = state_of(layer.frame)
        assert now in (reported[1], under_way[1]), f"round {round_}: op {done} reported"
        session = document.edits(layer)
        assert bool(session.pending) == (now != stored)
        seen["ops"] += done + 1
        seen["restored"] += int(found is not None and found.edits > 0)
        seen["commits"] += sum(op == ("commit",) for op in ops[:done + 1])
        seen["in a commit"] += int(ops[done + 1] == ("commit",) and stored != reported[0])
        # the next child starts from here: save what came back
        session.commit()
        document.journal.close()
        assert journal.plan(project) is None
        start = state_of(Project.open(path).read_layer(LAYER))
        assert start == now
    # the kills fell among edits and saves alike (else this test would prove little)
    assert seen["restored"] >= KILLS // 3, seen
    assert seen["commits"] >= KILLS // 2, seen
    assert seen["ops"] >= 3 * KILLS, seen
    print(dict(seen))


def test_a_full_disk_refuses_the_edit_with_a_clear_error_and_loses_nothing(zygote, tmp_path):
    path = make_project(tmp_path)
    report = tmp_path / "full.txt"
    pid = zygote.start(path, report, 0, 100_000)  # files limited to 100 kB (RLIMIT_FSIZE): the journal cannot grow
    assert zygote.reap(pid) == 0, zygote.errors.read_text()
    ok, refused, state = report.read_text(encoding="utf-8").splitlines()
    assert ok == "ok 1"
    assert refused.startswith("refused JournalError 无法写入自动保存日志 ")
    # (a write past RLIMIT_FSIZE fails with EFBIG, which SQLite reports as an I/O error; a full disk's
    # own SQLITE_FULL says 磁盘已满, tests/test_journal.py)
    assert f"{path}.journal：读写磁盘出错" in refused and "此次修改未执行" in refused
    assert state == "state 41 2 3"  # the refused edit was not made (B2 still 2, named 2号楼)
    project = Project.open(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert state_of(project.read_layer(LAYER))["B1"][0] == 1  # nothing was committed
    found = journal.plan(project)
    assert found.edits == 1  # the edit before the disk filled is in the journal
    document = MapDocument.open(project)
    journal.restore(document, found)
    assert state_of(document.layer_by_id(LAYER).frame)["B1"][0] == 41


def test_killed_while_restoring_the_journal_still_holds_every_edit(zygote, tmp_path):
    """The restore replays the edits and moves them to the new window in one transaction of the
    journal: killed before it, the old window's entries are whole; after it, the new one's."""
    import shutil

    base = make_project(tmp_path)
    document = MapDocument.open(Project.open(base))
    session = document.edits(document.layer_by_id(LAYER))
    for i in range(12):  # twelve edits, one undone
        session.set_attributes(f"B{i % 4 + 1}", {"floors": 10 + i, "name": f"第{i}次"})
    session.add("N1", box(100, 100, 103, 103), {"floors": 3, "name": "新"})
    session.undo()
    wanted = state_of(document.layer_by_id(LAYER).frame)
    document.journal._db.close()  # the window dies with them unsaved ...
    gone = subprocess.Popen(["true"])
    gone.wait()
    with sqlite3.connect(journal.journal_path(base)) as db:  # ... in a process of its own, ended
        db.execute("UPDATE journal_owners SET pid = ?", (gone.pid,))
    timing = random.Random(7)
    outcomes = Counter()
    took = None  # how long a restore takes here: round 0 waits for it, the others are killed within it
    for round_ in range(7):
        folder = tmp_path / f"r{round_}"
        folder.mkdir()
        path = folder / base.name
        shutil.copyfile(base, path)
        shutil.copyfile(journal.journal_path(base), journal.journal_path(path))
        report = folder / "report.txt"
        pid = zygote.start(path, report, "restore")
        if took is None:
            started = time.monotonic()
            wait_for_ops(report, 0)
            took = time.monotonic() - started
        else:
            time.sleep(timing.uniform(0.2, 1.6) * took)
        os.kill(pid, signal.SIGKILL)
        zygote.reap(pid)
        outcomes["restored" if report.exists() else "killed while restoring"] += 1
        with sqlite3.connect(journal.journal_path(path)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        project = Project.open(path)
        found = journal.plan(project)
        assert found.edits == 12 and len(found.layers[0].undone) == 1
        # every entry is one window's: the old one's, or the restorer's once it took them over (killed
        # after it signed in and before that, it is a gone window of no entries beside the old one)
        layer = found.layers[0]
        assert len({change.command[0] for change in layer.done + layer.undone}) == 1
        again = MapDocument.open(project)
        journal.restore(again, found)
        assert state_of(again.layer_by_id(LAYER).frame) == wanted, f"round {round_}"
    print(dict(outcomes))
