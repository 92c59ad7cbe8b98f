"""The core runs headless: layers, io, analysis, the project store and friends never import Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gisdesk"
CORE = ["layers", "io", "analysis", "project.py", "crs.py", "rules.py", "jobs.py", "errors.py", "i18n.py", "reviews.py"]
QT = ("PySide6", "shiboken6", "pyqtgraph")


def core_files():
    for entry in CORE:
        path = PACKAGE / entry
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def test_no_core_module_mentions_qt_in_an_import():
    offenders = []
    for path in core_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.relative_to(PACKAGE)}:{node.lineno} {n}" for n in names
                          if n.split(".")[0] in QT or n.startswith("gisdesk.ui") or n.startswith("gisdesk.render")]
    assert offenders == []


def test_render_uses_qtgui_only_and_only_the_app_entry_reaches_into_ui():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        inside = path.relative_to(PACKAGE).parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for n in names:
                if inside == "render" and n.startswith("PySide6.") and n not in ("PySide6.QtCore", "PySide6.QtGui"):
                    offenders.append(f"{path.relative_to(PACKAGE)}: {n}")
                if n.startswith("gisdesk.ui") and inside not in ("ui", "cli.py"):
                    offenders.append(f"{path.relative_to(PACKAGE)}: {n}")
    assert offenders == []


BLOCKED_RUN = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {qt!r}:
            raise ImportError('Qt is blocked in the core: ' + name)
sys.meta_path.insert(0, Block())
import pkgutil, importlib, gisdesk
for sub in {core!r} + ['cli.py']:
    module = importlib.import_module('gisdesk.' + sub.removesuffix('.py'))
    for info in pkgutil.walk_packages(getattr(module, '__path__', []), module.__name__ + '.'):
        importlib.import_module(info.name)
from gisdesk.cli import main
code = main(['new', sys.argv[1]])
assert code == 0, code
assert not any(m.split('.')[0] in {qt!r} for m in sys.modules), sorted(sys.modules)
print('headless ok')
"""


def test_core_imports_and_runs_with_qt_blocked(tmp_path):
    script = BLOCKED_RUN.format(qt=QT, core=CORE)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "p.gpkg")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "headless ok" in done.stdout
