"""The installed Qt binding keeps Python's reference counts: PySide6 6.12.0 did not, and the
app aborted once enough signals had fired (pyproject.toml keeps it out)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    value = Signal(object)
    bare = Signal()


def test_emitting_signals_leaves_the_reference_counts_of_true_and_none_alone(qapp):
    emitter = _Emitter()
    received = []
    emitter.value.connect(received.append)
    emitter.bare.connect(lambda: None)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(200):
        emitter.value.emit(None)
        emitter.bare.emit()
    received.clear()
    assert (sys.getrefcount(True), sys.getrefcount(None)) == before
