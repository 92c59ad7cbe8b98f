"""Shared fixtures: hand-made layers in a metric CRS, projects in tmp_path, the CLI in-process."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # Qt tests need no display

import geopandas as gpd
import pytest

from gisdesk import i18n

DATA = Path(__file__).parent / "data"
METRIC = "EPSG:4549"  # CGCS2000 3° GK, CM 120°E, no zone prefix


@pytest.fixture(scope="session", autouse=True)
def widget_application():
    """One QApplication for the whole run, made first: an export run in-process makes a bare
    QGuiApplication when none exists, and a widget test after it would then abort."""
    from PySide6.QtWidgets import QApplication

    yield QApplication.instance() or QApplication(["gisdesk-tests"])


@pytest.fixture(autouse=True)
def chinese_by_default():
    """Each test starts in the default language, whatever an earlier test chose."""
    i18n.set_language(None)
    yield
    i18n.set_language(None)


def frame(rows: list[dict], crs: str = METRIC) -> gpd.GeoDataFrame:
    """A GeoDataFrame from dicts that each hold a `geometry`."""
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


@pytest.fixture
def cli(capsys):
    """Run `gisdesk ARGS` in-process; returns (exit code, stdout, stderr)."""
    from gisdesk.cli import main

    def run(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
