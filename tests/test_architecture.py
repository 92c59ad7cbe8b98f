"""The floors hold: the import-linter contracts in pyproject.toml are kept, a planted forbidden
import breaks the contract that forbids it, and the core imports and runs with Qt blocked."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gisdesk"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")  # the venv's, beside its python
CORE = ["layers", "io", "analysis", "project.py", "store.py", "gpkg.py", "qgis_style.py", "geometry.py", "crs.py",
        "rules.py", "jobs.py", "errors.py", "i18n.py", "reviews.py"]
QT = ("PySide6", "shiboken6", "pyqtgraph")

FLOORS = "Floors: each module imports only its own floor and those below"
HEADLESS = "The core runs headless: no Qt, no render, no ui"
RENDER = "render draws what the layers hold: no analysis"
UI_ENTRY = "Only gisdesk.cli opens the app: nothing else imports gisdesk.ui"
CYCLES = "No import cycles between the modules of a package"


def lint_imports(root: Path) -> tuple[int, str, dict[str, str]]:
    """Run lint-imports on the package under `root` with the config there: exit code, output, and
    each contract's verdict (KEPT or BROKEN) by name. It puts its working directory first on the
    import path, so a copy of the package is analysed rather than the installed one."""
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache", "pyproject.toml"], cwd=root,
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "500"})
    output = done.stdout + done.stderr
    verdicts = dict(re.findall(r"^(.+) (KEPT|BROKEN)$", output, flags=re.MULTILINE))
    return done.returncode, output, verdicts


def test_the_project_keeps_every_contract():
    code, output, verdicts = lint_imports(ROOT)
    assert code == 0, output
    assert verdicts == dict.fromkeys([FLOORS, HEADLESS, RENDER, UI_ENTRY, CYCLES], "KEPT"), output


# (file, the line planted at its end, the contracts it must break, what the report of them names).
# An import up the floors also closes a cycle wherever the floor above already imports the one below.
PLANTED = {
    "qt-in-the-core": ("gisdesk/analysis/totals.py", "import PySide6.QtWidgets",
                       {HEADLESS}, "gisdesk.analysis.totals -> PySide6"),
    "qt-reached-through-another-module": ("gisdesk/rules.py", "from gisdesk.render import style",
                                          {FLOORS, HEADLESS}, "gisdesk.rules -> gisdesk.render.style"),
    "ui-from-analysis": ("gisdesk/analysis/totals.py", "from gisdesk.ui import app",
                         {FLOORS, HEADLESS, UI_ENTRY, CYCLES}, "gisdesk.analysis.totals -> gisdesk.ui.app"),
    "io-uses-the-engine-inside-a-function": (
        "gisdesk/io/importer.py", "def _planted():\n    from gisdesk.analysis.conflicts import check_conflicts",
        {FLOORS}, "gisdesk.io.importer -> gisdesk.analysis.conflicts"),
    "render-uses-analysis-inside-a-function": (
        "gisdesk/render/style.py", "def _planted():\n    from gisdesk.analysis.conflicts import CONFLICT_COLUMNS",
        {RENDER}, "gisdesk.render.style -> gisdesk.analysis.conflicts"),
    "layers-open-the-geopackage-store": ("gisdesk/layers/document.py", "from gisdesk.project import Project",
                                         {FLOORS, CYCLES}, "gisdesk.layers.document -> gisdesk.project"),
    "the-store-protocol-knows-layers": ("gisdesk/store.py", "from gisdesk.layers.kinds import KINDS",
                                        {FLOORS, CYCLES}, "gisdesk.store -> gisdesk.layers.kinds"),
    "analysis-and-io-are-independent": ("gisdesk/analysis/check.py", "from gisdesk.io.tables import write_csv",
                                        {FLOORS}, "gisdesk.analysis.check -> gisdesk.io.tables"),
    "a-cycle-inside-layers": ("gisdesk/layers/kinds.py", "def _planted():\n    from gisdesk.layers import layer",
                              {CYCLES}, "No cycles are allowed in gisdesk.layers."),
    "a-module-without-a-floor": ("gisdesk/newcomer.py", '"""A module nobody gave a floor."""',
                                 {FLOORS}, "gisdesk.newcomer"),
}


@pytest.mark.parametrize("case", PLANTED)
def test_a_planted_forbidden_import_breaks_its_contract(case, tmp_path):
    path, line, broken, named = PLANTED[case]
    shutil.copytree(PACKAGE, tmp_path / "gisdesk", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    planted = tmp_path / path
    text = planted.read_text(encoding="utf-8") if planted.exists() else ""
    planted.write_text(text + "\n\n" + line + "\n", encoding="utf-8")
    code, output, verdicts = lint_imports(tmp_path)
    assert code != 0, output
    assert {name for name, verdict in verdicts.items() if verdict == "BROKEN"} == broken, output
    assert named in output.split("Broken contracts")[-1], output


def test_render_uses_qtgui_and_qtcore_but_not_the_widgets():
    """Import-linter sees PySide6 only whole, so this floor is checked here, by reading the imports."""
    offenders = []
    for path in sorted((PACKAGE / "render").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom) and node.module \
                else []
            offenders += [f"{path.relative_to(PACKAGE)}:{node.lineno} {n}" for n in names
                          if n.startswith("PySide6.") and n.split(".")[1] not in ("QtCore", "QtGui")]
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
