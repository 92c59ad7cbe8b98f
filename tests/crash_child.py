"""The child of the crash test (tests/test_crash_safety.py): edits a project through gisdesk's
own API (MapDocument, EditSession, the journal) and commits now and then, until it is killed.

`python tests/crash_child.py` is a zygote: it imports gisdesk once, then for each line
`run PROJECT REPORT SEED [FSIZE]` (or `run PROJECT REPORT restore`) on stdin forks a child that edits and prints its pid; `warm PROJECT` opens and edits a throwaway project first (the children then start warm), `reap PID`
waits for that child and answers `reaped STATUS`. The parent kills the children with SIGKILL.

A child's edits are drawn from a seeded generator working on a model of the layer (`next_op`),
so the parent replays the same sequence on the same model and knows what the project and the
journal must hold. After each op returns the child appends its number to REPORT and fsyncs it:
a number in the report is an edit journaled, or a commit done.
"""

from __future__ import annotations

import os
import random
import sys

LAYER = "buildings"


def box_of(x: int, y: int, size: int):
    from shapely.geometry import box
    return box(x, y, x + size, y + size)


class Model:
    """The layer as the ops leave it: uid → (floors, name, (x, y, size)); undo/redo stacks of
    states; `committed`, the state the last commit wrote."""

    def __init__(self, state: dict):
        self.state = dict(state)
        self.committed = dict(state)
        self.undo: list[dict] = []
        self.redo: list[dict] = []

    def apply(self, op: tuple) -> None:
        kind = op[0]
        if kind == "commit":
            self.committed = dict(self.state)
            return
        if kind == "undo":
            self.redo.append(self.state)
            self.state = self.undo.pop()
            return
        if kind == "redo":
            self.undo.append(self.state)
            self.state = self.redo.pop()
            return
        new = dict(self.state)
        if kind == "attr":
            _, uid, floors, name = op
            new[uid] = (floors, name, new[uid][2])
        elif kind == "geom":
            _, uid, shape = op
            new[uid] = (new[uid][0], new[uid][1], shape)
        elif kind == "add":
            _, uid, floors, name, shape = op
            new[uid] = (floors, name, shape)
        elif kind == "delete":
            del new[op[1]]
        self.undo.append(self.state)
        self.redo.clear()
        self.state = new


def next_op(rng: random.Random, model: Model, j: int, seed: int) -> tuple:
    """The j-th op of a run: chosen by the seeded `rng` from what the model allows."""
    while True:
        kind = rng.choices(["attr", "geom", "add", "delete", "undo", "redo", "commit"], [5, 2, 2, 1, 2, 1, 2])[0]
        uids = sorted(model.state)
        if kind == "attr" and uids:
            return ("attr", rng.choice(uids), rng.randint(1, 99), f"楼{seed}-{j}")
        if kind == "geom" and uids:
            return ("geom", rng.choice(uids), (rng.randint(0, 500), rng.randint(0, 500), rng.randint(1, 9)))
        if kind == "add":
            return ("add", f"N{seed}x{j}", rng.randint(1, 30), f"新楼{j}", (rng.randint(0, 500), rng.randint(0, 500), 3))
        if kind == "delete" and len(uids) > 2:
            return ("delete", rng.choice(uids))
        if kind == "undo" and model.undo:
            return ("undo",)
        if kind == "redo" and model.redo:
            return ("redo",)
        if kind == "commit":
            return ("commit",)


def state_of(frame) -> dict:
    """A layer's features as the model has them (the geometry by its bounds)."""
    state = {}
    for uid, floors, name, geom in zip(frame["uid"], frame["floors"], frame["name"], frame.geometry):
        x0, y0, x1, _ = geom.bounds
        state[str(uid)] = (int(floors), str(name), (round(x0), round(y0), round(x1 - x0)))
    return state


def perform(session, op: tuple) -> None:
    kind = op[0]
    if kind == "commit":
        session.commit()
    elif kind == "undo":
        session.undo()
    elif kind == "redo":
        session.redo()
    elif kind == "attr":
        session.set_attributes(op[1], {"floors": op[2], "name": op[3]})
    elif kind == "geom":
        session.set_geometry(op[1], box_of(*op[2]))
    elif kind == "add":
        session.add(op[1], box_of(*op[4]), {"floors": op[2], "name": op[3]})
    elif kind == "delete":
        session.delete(op[1])


def run(project_path: str, report_path: str, seed: int) -> None:
    from gisdesk.layers.document import MapDocument
    from gisdesk.project import Project

    document = MapDocument.open(Project.open(project_path))
    layer = document.layer_by_id(LAYER)
    session = document.edits(layer)
    model = Model(state_of(layer.frame))
    rng = random.Random(seed)
    out = os.open(report_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(out, b"ready\n")
    os.fsync(out)
    j = 0
    while True:
        op = next_op(rng, model, j, seed)
        perform(session, op)
        model.apply(op)
        os.write(out, f"{j}\n".encode())
        os.fsync(out)
        j += 1


def restore_and_wait(project_path: str, report_path: str) -> None:
    """Open the project as the app does and restore its journal (killed meanwhile, or after)."""
    import time

    from gisdesk.layers import journal
    from gisdesk.layers.document import MapDocument
    from gisdesk.project import Project

    document = MapDocument.open(Project.open(project_path))
    journal.restore(document, journal.plan(document.project))
    out = os.open(report_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(out, b"restored\n")
    os.fsync(out)
    time.sleep(60)


def full_disk(project_path: str, report_path: str, limit: int) -> None:
    """Edit with files limited to `limit` bytes (as a full disk): small edits, then one too large
    for the journal; report how each went and the layer's state after the refused one."""
    import resource
    import signal

    from gisdesk.layers.document import MapDocument
    from gisdesk.project import Project

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
    document = MapDocument.open(Project.open(project_path))
    session = document.edits(document.layer_by_id(LAYER))
    lines = []
    session.set_attributes("B1", {"floors": 41})
    lines.append("ok 1")
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        session.set_attributes("B2", {"floors": 42, "name": "长" * 60000})
        lines.append("ok 2")
    except Exception as exc:
        lines.append(f"refused {type(exc).__name__} {exc}".replace("\n", " "))
    frame = session.layer.frame.set_index("uid")
    lines.append(f"state {int(frame.loc['B1', 'floors'])} {int(frame.loc['B2', 'floors'])} {len(frame.loc['B2', 'name'])}")
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    with open(report_path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os._exit(0)  # as if the app died here: the journal keeps the first edit


def warm_up(project_path: str) -> None:
    from gisdesk.layers.document import MapDocument
    from gisdesk.project import Project

    document = MapDocument.open(Project.open(project_path))
    session = document.edits(document.layer_by_id(LAYER))
    perform(session, ("attr", "B1", 7, "暖"))
    session.commit()
    document.journal.close()


def zygote() -> None:
    import gisdesk.layers.document  # noqa: F401 (imported once, before the forks)
    import gisdesk.project  # noqa: F401

    print("zygote", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "run":
            pid = os.fork()
            if pid == 0:
                try:
                    if words[3] == "restore":
                        restore_and_wait(words[1], words[2])
                    elif len(words) > 4:
                        full_disk(words[1], words[2], int(words[4]))
                    else:
                        run(words[1], words[2], int(words[3]))
                except BaseException:
                    import traceback
                    traceback.print_exc()
                    sys.stderr.flush()
                finally:
                    os._exit(1)
            print(pid, flush=True)
        elif words[0] == "warm":  # open and edit a throwaway project once: the children start warm
            warm_up(words[1])
            print("warm", flush=True)
        elif words[0] == "reap":
            _, status = os.waitpid(int(words[1]), 0)
            print(f"reaped {status}", flush=True)
        elif words[0] == "quit":
            return


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    zygote()
