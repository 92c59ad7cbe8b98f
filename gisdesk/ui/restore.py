"""On opening a project: offer to restore the edits a crashed (killed, powered-off) window left
unsaved in the autosave journal (gisdesk.layers.journal).

The dialog lists the layers and how many edits each; 恢复 replays them through the edit
sessions as uncommitted edits (File › Save saves them, Edit › Undo takes them back one by
one), 放弃 drops them; closing the dialog decides later (they are offered again next time).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QVBoxLayout

from gisdesk.errors import GisdeskError
from gisdesk.layers import journal

RESTORE, DISCARD = "restore", "discard"


class RestoreDialog(QDialog):
    """The question: the unsaved edits per layer, 恢复 / 放弃."""

    def __init__(self, found: journal.Plan, titles: dict[str, str], project_name: str, parent=None):
        super().__init__(parent)
        self.setObjectName("restore_dialog")
        self.setWindowTitle(self.tr("Restore unsaved edits"))
        self.answer: str | None = None
        layout = QVBoxLayout(self)
        since = found.since[:16].replace("T", " ")
        who = "、".join(found.who)
        text = self.tr("The project %1 has %2 edits that were not saved (made from %3 UTC on, by %4): the program "
                       "may have ended unexpectedly. Restore them? They come back as unsaved edits, to save or "
                       "to undo.").replace("%1", project_name).replace("%2", str(found.edits)) \
            .replace("%3", since).replace("%4", who or "?")
        self.message = QLabel(text)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.layers = QListWidget()
        self.layers.addItems(journal.describe(found, titles))
        self.layers.setMaximumHeight(22 * max(2, min(len(found.layers), 8)) + 8)
        layout.addWidget(self.layers)
        buttons = QDialogButtonBox()
        self.restore_button = buttons.addButton(self.tr("Restore"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.discard_button = buttons.addButton(self.tr("Discard"), QDialogButtonBox.ButtonRole.DestructiveRole)
        self.restore_button.setDefault(True)
        self.restore_button.clicked.connect(lambda: self._done(RESTORE))
        self.discard_button.clicked.connect(lambda: self._done(DISCARD))
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def _done(self, answer: str) -> None:
        self.answer = answer
        self.accept()

    def ask(self) -> str | None:
        """RESTORE, DISCARD, or None (closed: ask again next time)."""
        self.exec()
        return self.answer


def offer_restore(window, document) -> str | None:
    """Ask about the unsaved edits of `document`'s project, if there are any, and do what the
    user chose; returns the answer (None: nothing to offer, or decided later)."""
    own = {document.journal.owner} if document.journal is not None else set()
    try:
        found = journal.plan(document.project, ignore=own)
    except GisdeskError as error:
        window.statusBar().showMessage(str(error), 15000)
        return None
    if found is None:
        return None
    if not found.edits and not any(layer.undone for layer in found.layers):
        journal.discard(document.project.path, found)  # all of it saved already: nothing to bring back
        return None
    titles = {layer.id: layer.title for layer in document.layers}
    answer = RestoreDialog(found, titles, document.name, window).ask()
    try:
        if answer == RESTORE:
            restored = journal.restore(document, found)
            window.statusBar().showMessage(
                QCoreApplication.translate("RestoreDialog", "Restored %1 unsaved edits: File › Save saves them, "
                                           "Edit › Undo takes them back")
                .replace("%1", str(sum(restored.values()))), 15000)
        elif answer == DISCARD:
            journal.discard(document.project.path, found)
    except GisdeskError as error:
        window.statusBar().showMessage(str(error), 15000)
    return answer
