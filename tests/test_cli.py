"""The `gisdesk` command line, in-process: its flags, files and exit codes are a contract."""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys

import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, box
import shapely

from gisdesk.analysis.conflicts import CONFLICT_COLUMNS
from gisdesk.analysis.totals import TOTAL_COLUMNS
from tests.conftest import frame


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def sources(tmp_path):
    """A centre line, a zone polygon, and buildings given in CGCS2000 lon/lat (EPSG:4490) near 114°E."""
    to_lonlat = Transformer.from_crs(4547, 4490, always_xy=True).transform
    x0, y0 = 500000.0, 3380000.0  # metres in EPSG:4547 (CM 114°E)

    def lonlat(geom):
        return shapely.transform(geom, lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1])))

    frame([{"rid": "L1", "width": 10.0, "geometry": lonlat(LineString([(x0, y0), (x0 + 100, y0)]))}],
          crs="EPSG:4490").to_file(tmp_path / "centre.geojson")
    frame([{"gid": "G1", "geometry": lonlat(box(x0, y0 + 100, x0 + 100, y0 + 150))}],
          crs="EPSG:4490").to_file(tmp_path / "park.geojson")
    frame([{"bid": "B1", "district": "江汉区", "geometry": lonlat(box(x0 + 40, y0 + 8, x0 + 50, y0 + 20))},
           {"bid": "B2", "district": "江汉区", "geometry": lonlat(box(x0 + 60, y0 + 97, x0 + 70, y0 + 99))},
           {"bid": "B3", "district": "武昌区", "geometry": lonlat(box(x0 + 10, y0 + 60, x0 + 20, y0 + 70))}],
          crs="EPSG:4490").to_file(tmp_path / "buildings.geojson")
    return tmp_path


def test_new_import_check_totals_end_to_end_from_lonlat_data(cli, sources):
    project = sources / "city.gpkg"
    assert cli("new", project)[0] == 0
    code, out, err = cli("import", project, sources / "buildings.geojson", "--as", "buildings", "--id-field", "bid")
    assert (code, err) == (0, "")
    assert "EPSG:4490" in out and "EPSG:4547" in out  # the source CRS and the zone picked from the data
    assert cli("import", project, sources / "centre.geojson", "--as", "red", "--id-field", "rid",
               "--half-width-field", "width")[0] == 0
    assert cli("import", project, sources / "park.geojson", "--as", "green", "--id-field", "gid")[0] == 0

    code, out, err = cli("check", project, "--out", sources / "out")
    assert code == 0, err
    assert "压线 1 处" in out
    with open(sources / "out" / "conflicts.csv", encoding="utf-8") as handle:
        assert handle.readline().strip() == ",".join(CONFLICT_COLUMNS)
    rows = {(r["subject_id"], r["control_id"]): r for r in read_csv(sources / "out" / "conflicts.csv")}
    # B1 reaches 2 m into the 10 m half-width zone of L1 (transformed there and back)
    b1 = rows[("B1", "L1")]
    assert b1["subject_layer"] == "buildings" and b1["control_kind"] == "red" and b1["relation"] == "encroach"
    assert float(b1["overlap_m2"]) == pytest.approx(20.0, abs=0.01)
    assert float(b1["depth_m"]) == pytest.approx(2.0, abs=0.01)
    # B2 stands 1 m short of the park: green setback 5 m → shortfall 4 m
    b2 = rows[("B2", "G1")]
    assert (b2["relation"], float(b2["distance_m"]), float(b2["shortfall_m"])) == ("setback", pytest.approx(1.0, abs=0.01),
                                                                                   pytest.approx(4.0, abs=0.01))
    assert ("B3", "L1") not in rows and ("B3", "G1") not in rows  # 30 m clear of both
    assert len(rows) == 2

    totals = read_csv(sources / "out" / "totals.csv")
    assert list(totals[0]) == TOTAL_COLUMNS
    jianghan_red = next(r for r in totals if r["group"] == "江汉区" and r["control_kind"] == "red")
    assert (int(jianghan_red["features"]), int(jianghan_red["encroach_count"])) == (2, 1)
    assert float(jianghan_red["footprint_m2"]) == pytest.approx(140.0, abs=0.01)
    assert float(jianghan_red["overlap_m2"]) == pytest.approx(20.0, abs=0.01)

    code, out, _ = cli("totals", project, "--by", "district", "--out", sources / "t.csv")
    assert code == 0
    assert read_csv(sources / "t.csv") == totals
    code, out, _ = cli("totals", project)
    assert code == 0 and "江汉区" in out


@pytest.mark.parametrize("args, says", [
    (["import", "{p}", "{d}/missing.shp", "--as", "buildings"], "missing.shp"),
    (["import", "{p}", "{d}/buildings.geojson", "--as", "roads"], "roads"),
    (["import", "{p}", "{d}/buildings.geojson", "--as", "buildings", "--id-field", "nope"], "nope"),
    (["import", "{p}", "{d}/centre.geojson", "--as", "red"], "half_width_m"),  # a line needs a half width
    (["import", "{p}", "{d}/buildings.geojson", "--as", "buildings", "--half-width", "5"], "--half-width"),
    (["check", "{d}/nothing.gpkg"], "nothing.gpkg"),
    (["check", "{p}", "--rules", "{d}/buildings.geojson"], "TOML"),
    (["new", "{d}/other.gpkg", "--crs", "EPSG:4490"], "EPSG:4549"),
    (["new", "{d}/other.gpkg", "--crs", "EPSG:99999999"], "EPSG:99999999"),
    (["totals", "{p}", "--by", "city"], "city"),
])
def test_bad_input_exits_2_with_one_line_naming_the_problem(cli, sources, args, says):
    project = sources / "city.gpkg"
    cli("new", project)
    cli("import", project, sources / "buildings.geojson", "--as", "buildings", "--id-field", "bid")
    cli("import", project, sources / "park.geojson", "--as", "green")
    before = project.read_bytes()
    code, out, err = cli(*[a.format(p=project, d=sources) for a in args])
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and says in err
    assert project.read_bytes() == before


def test_messages_speak_english_on_request(cli, sources):
    code, _, err = cli("--lang", "en", "check", sources / "nothing.gpkg")
    assert code == 2 and "project file not found" in err
    code, _, err = cli("check", sources / "nothing.gpkg")
    assert code == 2 and "项目文件不存在" in err


def test_internal_errors_exit_1(cli, sources, monkeypatch):
    import gisdesk.project

    cli("new", sources / "c.gpkg")
    monkeypatch.setattr(gisdesk.project.Project, "add_features", lambda *a, **k: 1 / 0)
    code, _, err = cli("import", sources / "c.gpkg", sources / "buildings.geojson", "--as", "buildings")
    assert code == 1 and "ZeroDivisionError" in err


def test_demo_runs_headless_on_a_copy_and_says_where_its_output_went(cli, tmp_path):
    from gisdesk.cli import DEMO_PROJECT

    before = DEMO_PROJECT.read_bytes()
    code, out, err = cli("demo", "--out", tmp_path / "demo")
    assert code == 0, err
    assert str(tmp_path / "demo") in out
    rows = read_csv(tmp_path / "demo" / "conflicts.csv")
    assert {r["relation"] for r in rows} == {"encroach", "setback"}
    assert {r["control_kind"] for r in rows} >= {"red", "blue", "green", "purple"}
    assert DEMO_PROJECT.read_bytes() == before


def test_a_cancel_after_the_save_point_is_not_reported_as_cancelled(tmp_path):
    """Once run_check has saved, finishing must not raise Cancelled: the results are in the project."""
    from gisdesk.analysis.check import run_check
    from gisdesk.cli import DEMO_PROJECT
    from gisdesk.jobs import Feedback
    from gisdesk.project import Project
    from gisdesk.rules import load_rules

    copy = tmp_path / "demo.gpkg"
    copy.write_bytes(DEMO_PROJECT.read_bytes())
    project = Project.open(copy)

    class CancelDuringSave(Feedback):
        def set_stage(self, stage):
            super().set_stage(stage)
            if stage == "save":
                self.cancel()  # the user presses Cancel while the results are being written

    result, _ = run_check(project, load_rules(), feedback=CancelDuringSave())
    # the summary counts the encroachments no rule exempts (the demo's protected Bund buildings are)
    exempt = int(((result.conflicts["relation"] == "encroach") & (result.conflicts["exemption"] != "")).sum())
    assert exempt > 0
    assert project.last_run()["summary"]["encroach"] == result.count("encroach") - exempt


def test_help_speaks_chinese_by_default_and_english_on_request(cli):
    code, out, _ = cli("--help")
    assert code == 0 and out.startswith("用法：gisdesk") and "新建空项目" in out and "选项" in out
    code, out, _ = cli("import", "--help")
    assert code == 0 and "用法：gisdesk import" in out and "按uid匹配" in "".join(out.split())
    code, out, _ = cli("--lang", "en", "import", "--help")
    assert code == 0 and out.startswith("usage: gisdesk import") and "match features by uid" in " ".join(out.split())


def test_the_gisdesk_command_ends_a_check_at_once_with_its_output_and_code(cli, sources):
    """`gisdesk` (cli.console) ends the process after a check without freeing its results (os._exit):
    what it printed still arrives, the files are whole, the results are stored and the code is the
    command's; a refusal ends the ordinary way with its own code."""
    project = sources / "city.gpkg"
    cli("new", project)
    cli("import", project, sources / "buildings.geojson", "--as", "buildings", "--id-field", "bid")
    cli("import", project, sources / "centre.geojson", "--as", "red", "--id-field", "rid", "--half-width-field", "width")
    command = [sys.executable, "-c", "from gisdesk.cli import console; console()"]
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a pipe is written to
    run = subprocess.run([*command, "check", str(project), "--out", str(sources / "out")], capture_output=True,
                         text=True, timeout=120, env=buffered)
    assert run.returncode == 0, run.stderr
    assert "压线 1 处" in run.stdout and run.stdout.rstrip().endswith("totals.csv")  # the last line too
    assert len(read_csv(sources / "out" / "conflicts.csv")) == 1
    assert read_csv(sources / "out" / "totals.csv")
    with sqlite3.connect(project) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM gisdesk_conflicts").fetchone() == (1,)
    refused = subprocess.run([*command, "check", str(sources / "missing.gpkg")], capture_output=True, text=True,
                             timeout=120, env=buffered)
    assert refused.returncode == 2 and "missing.gpkg" in refused.stderr
