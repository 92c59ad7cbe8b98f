"""The panels the main window installs, in order. Each module has `install(window)`."""

from __future__ import annotations

import importlib

PANEL_MODULES = [
    "jobs",
    "layer_tree",
    "legend_panel",
    "conflicts_panel",
    "totals_panel",
    "tools",
    "attribute_table",
    "compare",
    "layout_designer",
    "export_map",
    "export_xlsx",
    "field_work",
    "annotations",
    "editing",
    "gps",
]


def install_panels(window) -> None:
    for name in PANEL_MODULES:
        importlib.import_module(f"gisdesk.ui.{name}").install(window)
