"""docs/images/restore-dialog.png: the question on opening a project whose autosave journal holds
a crashed window's edits (three ledger edits, one undone building edit) on a copy of the demo.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/restore_screenshot.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from gisdesk.ui.app import make_app

    app = make_app("zh", offscreen=True)
    from gisdesk.layers import journal
    from gisdesk.layers.document import MapDocument
    from gisdesk.project import Project
    from gisdesk.ui.restore import RestoreDialog

    folder = Path(tempfile.mkdtemp())
    shutil.copyfile(ROOT / "data" / "demo.gpkg", folder / "demo.gpkg")
    document = MapDocument.open(Project.open(folder / "demo.gpkg"))
    ledger = document.layer("ledger")
    session = document.edits(ledger)
    for uid in list(ledger.frame["uid"])[:3]:
        session.set_attributes(uid, {"address": "中山东一路"})
    buildings = document.layer("buildings")
    other = document.edits(buildings)
    other.set_attributes(list(buildings.frame["uid"])[0], {"floors": 7})
    other.undo()
    document.journal._db.close()  # the window dies: its journal stays as it was
    document.journal._db = None
    again = MapDocument.open(Project.open(folder / "demo.gpkg"))
    found = journal.plan(again.project)
    dialog = RestoreDialog(found, {layer.id: layer.title for layer in again.layers}, again.name)
    dialog.show()
    app.processEvents()
    out = ROOT / "docs" / "images" / "restore-dialog.png"
    dialog.grab().save(str(out))
    print(out)


if __name__ == "__main__":
    main()
