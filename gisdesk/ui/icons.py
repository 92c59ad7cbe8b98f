"""The toolbar and menu icons: our own SVGs in resources/icons, by name."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

ICONS = Path(__file__).resolve().parent.parent.parent / "resources" / "icons"


def icon(name: str) -> QIcon:
    return QIcon(str(ICONS / f"{name}.svg"))
