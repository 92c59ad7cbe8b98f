"""No hidden dialogs in headless runs: `gisdesk open BROKEN --screenshot x.png` and the other
commands end, with exit code 2 and one line naming the file and what is wrong with it.

Each case runs gisdesk as a subprocess with a time limit: before the fix, `open --screenshot`
on a damaged project waited for ever on a message box nobody could see (the case timed out),
and `open` without a display aborted in Qt (exit 134).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gisdesk.cli import DEMO_PROJECT

LIMIT_S = 60  # far more than a refusal needs; a run that waits on an unseen dialog never ends
RUN = "import sys; from gisdesk.cli import main; sys.exit(main())"


@pytest.fixture(autouse=True)
def own_settings(tmp_path, monkeypatch):
    """The runs keep their settings (QSettings) apart from the user's and from each other's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def gisdesk(*args, env_drop=(), **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in env_drop}
    environment.update(env)
    environment.setdefault("GISDESK_LANG", "zh")
    process = subprocess.Popen([sys.executable, "-c", RUN, *map(str, args)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=environment, start_new_session=True)
    try:
        out, err = process.communicate(timeout=LIMIT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"gisdesk {' '.join(map(str, args))} did not end within {LIMIT_S} s (a hidden dialog?)")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def refused(result, *words) -> str:
    """The one error line of a refused run (exit 2), which holds all `words`."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = [line for line in result.stderr.splitlines() if line.startswith("gisdesk:")]
    assert lines, result.stderr
    for word in words:
        assert word in lines[-1], (word, lines[-1])
    return lines[-1]


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("broken")
    demo = DEMO_PROJECT.read_bytes()
    files = {}
    files["truncated"] = folder / "截断.gpkg"  # a copy cut short: SQLite finds the image malformed
    files["truncated"].write_bytes(demo[: len(demo) * 2 // 3])
    files["text"] = folder / "notes.gpkg"  # a text file with a GeoPackage's name
    files["text"].write_text("这不是 GeoPackage\n", encoding="utf-8")
    files["plain"] = folder / "plain.gpkg"  # a real GeoPackage, but no gisdesk project: no layers of ours
    import geopandas as gpd
    import shapely

    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(121.5, 31.2)], crs=4326).to_file(files["plain"], driver="GPKG")
    files["damaged"] = folder / "damaged.gpkg"  # the whole length, the last third overwritten
    files["damaged"].write_bytes(demo[: len(demo) * 2 // 3] + b"\xff" * (len(demo) - len(demo) * 2 // 3))
    files["missing"] = folder / "missing.gpkg"
    for case, table in (("no_layers", "gisdesk_layers"), ("no_table", "red_lines")):
        # a project whose list of layers, or one layer's table, another program dropped
        files[case] = folder / f"{case}.gpkg"
        shutil.copyfile(DEMO_PROJECT, files[case])
        with sqlite3.connect(files[case]) as db:
            db.execute(f"DROP TABLE {table}")
        db.close()
    return files


@pytest.mark.parametrize("case, words", [
    ("truncated", ("截断.gpkg", "损坏")),
    ("text", ("notes.gpkg", "不是 SQLite")),
    ("plain", ("plain.gpkg", "不是 gisdesk 项目")),
    ("damaged", ("damaged.gpkg", "损坏")),
    ("no_layers", ("no_layers.gpkg", "缺少表 gisdesk_layers")),
    ("no_table", ("no_table.gpkg", "缺少表 red_lines")),
])
def test_screenshot_of_a_broken_project_ends_with_code_2(broken, tmp_path, case, words):
    shot = tmp_path / "x.png"
    result = gisdesk("open", broken[case], "--screenshot", shot, QT_QPA_PLATFORM="offscreen")
    refused(result, *words)
    assert not shot.exists()


def test_screenshot_of_a_missing_project(broken, tmp_path):
    refused(gisdesk("open", broken["missing"], "--screenshot", tmp_path / "x.png"), "missing.gpkg", "不存在")


def test_english_on_request(broken, tmp_path):
    line = refused(gisdesk("--lang", "en", "open", broken["truncated"], "--screenshot", tmp_path / "x.png",
                           QT_QPA_PLATFORM="offscreen"), "截断.gpkg", "damaged")
    assert "错误" not in line


@pytest.mark.parametrize("command", ["check", "totals", "indicators"])
def test_commands_on_broken_projects(broken, tmp_path, command):
    extra = ("--out", tmp_path / "out") if command == "check" else ()
    for case, word in (("truncated", "损坏"), ("text", "不是 SQLite"), ("plain", "不是 gisdesk 项目"),
                       ("missing", "不存在")):
        refused(gisdesk(command, broken[case], *extra), broken[case].name, word)
    if command == "check":  # a damaged project that opens: the check reads the damaged pages
        refused(gisdesk(command, broken["damaged"], *extra), "damaged.gpkg", "损坏")
        refused(gisdesk(command, broken["no_table"], *extra), "no_table.gpkg", "缺少表 red_lines")


def test_a_locked_project(tmp_path):
    project = tmp_path / "locked.gpkg"
    shutil.copyfile(DEMO_PROJECT, project)
    db = sqlite3.connect(project, isolation_level=None, timeout=0)
    db.execute("BEGIN EXCLUSIVE")  # another program writing it (QGIS saving an edit, say)
    try:
        refused(gisdesk("open", project, "--screenshot", tmp_path / "x.png", QT_QPA_PLATFORM="offscreen"),
                "locked.gpkg", "锁定")
        refused(gisdesk("totals", project), "locked.gpkg", "锁定")
    finally:
        db.execute("ROLLBACK")
        db.close()


def test_open_without_a_display_says_how_to_run_headless(tmp_path):
    # no X or Wayland display and no platform chosen: Qt would abort the process (code 134)
    result = gisdesk("open", DEMO_PROJECT, env_drop=("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    refused(result, "没有图形显示", "--screenshot")
    # offscreen without --screenshot: a window nobody sees that would never close
    result = gisdesk("open", DEMO_PROJECT, QT_QPA_PLATFORM="offscreen")
    refused(result, "offscreen", "--screenshot")


def test_the_demo_runs_without_a_display(tmp_path):
    result = gisdesk("demo", "--out", tmp_path / "demo", env_drop=("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "demo" / "conflicts.csv").is_file()


def test_a_screenshot_of_the_demo_ends_and_leaves_the_users_settings_alone(tmp_path):
    shot = tmp_path / "demo.png"
    result = gisdesk("open", DEMO_PROJECT, "--screenshot", shot, "--size", "1366x768", QT_QPA_PLATFORM="offscreen")
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.stat().st_size > 10_000
    settings = list((tmp_path / "config").rglob("*.conf"))
    written = "".join(f.read_text(encoding="utf-8", errors="replace") for f in settings)
    for key in ("last_project", "recent", "geometry", "views"):  # where the user left off, their layout
        assert key not in written, key
