"""The UI speaks Simplified Chinese by default and English on request; every string is translated."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "translations" / "gisdesk_zh_CN.ts"
BIN = Path(sys.executable).parent


def unfinished(ts: Path) -> list[tuple[str, str]]:
    root = ET.parse(ts).getroot()
    # a plural message keeps its text in <numerusform> children: itertext() reads those too
    return [(c.findtext("name"), m.findtext("source")) for c in root.iter("context") for m in c.iter("message")
            if m.find("translation").get("type") == "unfinished" or not "".join(m.find("translation").itertext()).strip()]


def test_every_ui_string_has_a_chinese_translation(tmp_path):
    """lupdate over the sources finds nothing the committed catalogue lacks or leaves untranslated."""
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    sources = sorted(str(p) for p in (ROOT / "gisdesk" / "ui").glob("*.py"))
    subprocess.run([str(BIN / "pyside6-lupdate"), *sources, "-ts", str(copy), "-no-obsolete"], check=True,
                   capture_output=True)
    assert unfinished(copy) == []


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    qm = tmp_path_factory.mktemp("qm") / "gisdesk_zh_CN.qm"
    subprocess.run([str(BIN / "pyside6-lrelease"), "-silent", str(TS), "-qm", str(qm)], check=True)
    return qm


def test_window_is_chinese_by_default_and_english_on_request(qtbot, catalogue, monkeypatch):
    from gisdesk.ui import app as app_module
    from gisdesk.ui.main_window import MainWindow

    monkeypatch.setattr(app_module, "TRANSLATIONS", catalogue.parent)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # make_app installs the app's own
    app_module.make_app(None)
    window = MainWindow()
    qtbot.addWidget(window)
    assert [m.title() for m in window.menus.values()][:3] == ["文件(&F)", "编辑(&E)", "视图(&V)"]
    app_module.make_app("en")
    english = MainWindow()
    qtbot.addWidget(english)
    assert [m.title() for m in english.menus.values()][:3] == ["&File", "&Edit", "&View"]
    # the other UI tests read the English source strings: leave no translator installed
