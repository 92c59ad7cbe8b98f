"""Broken sources are refused, not half-read: tests/data/bad/ (made by its make_bad.py, plus the real
corrupt water.shp of the QGIS training data), --skip-bad, and a project folder that cannot be written."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pyogrio
import pytest
from pyproj import CRS

from gisdesk.io.sources import check_complete, read_vector, record_ranges
from gisdesk.project import Project
from tests.conftest import DATA

BAD = DATA / "bad"
ROOT = Path(__file__).resolve().parent.parent


def _source(entry: Path) -> Path:
    if entry.is_dir() and entry.suffix != ".gdb":  # a shapefile's folder (a .gdb folder is the source itself)
        return next(entry.glob("*.shp"))
    return entry


CORPUS = sorted(p for p in BAD.iterdir() if p.name not in ("make_bad.py", "__pycache__"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "proj"
    folder.mkdir()
    return Project.create(folder / "p.gpkg", crs=CRS.from_epsg(4549))  # CGCS2000 3° GK, CM 120°E


def test_the_corpus_is_there():
    assert len(CORPUS) >= 40
    assert (BAD / "water" / "water.shp").stat().st_size == 11036  # the real file, whole


@pytest.mark.parametrize("entry", CORPUS, ids=[p.name for p in CORPUS])
def test_each_broken_source_is_refused_in_one_line_and_the_project_is_untouched(cli, project, entry):
    source = _source(entry)
    before, listing = _digest(project.path), sorted(os.listdir(project.path.parent))
    sources_before = {p: _digest(p) for p in ([*entry.iterdir()] if entry.is_dir() else [entry])}
    code, out, err = cli("import", project.path, source, "--as", "buildings")
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert source.name in lines[0] and lines[0].startswith("gisdesk: 错误: ")
    assert "内部错误" not in err and "Traceback" not in err
    assert _digest(project.path) == before
    assert sorted(os.listdir(project.path.parent)) == listing  # no staging file or journal left
    assert {p: _digest(p) for p in sources_before} == sources_before  # nor was the source touched


@pytest.mark.parametrize("entry, record", [("truncated_shp", 3), ("short_dbf", 4), ("dbf_fewer_records", 4),
                                           ("record_overrun", 4), ("shifted_records", 3), ("points_count_garbage", 2),
                                           ("water", 31), ("truncated_shp.zip", 3),
                                           ("unreadable_blob.gpkg", 4), ("unknown_geometry_type.geojson", 2),
                                           ("text_coordinates.geojson", 2), ("wrong_shape_type", 4), ("empty_dbf", 1)])
def test_the_refusal_names_the_first_broken_record(cli, project, entry, record):
    code, _, err = cli("import", project.path, _source(BAD / entry), "--as", "buildings")
    assert code == 2 and f"第 {record} 条记录" in err, err
    code, _, err = cli("--lang", "en", "import", project.path, _source(BAD / entry), "--as", "buildings")
    assert code == 2 and f"record {record} " in err, err


def test_water_shp_as_it_is_committed_upstream_is_refused_then_read_in_part_with_skip_bad(cli, tmp_path):
    """The real file: the .shx indexes 38 records, the .dbf has 37, .shp record 31 says 21 points in
    208 bytes (GDAL: "Corrupted .shp file : shape 30"), and the records after it are shifted. GDAL's
    fast reader returns 37 rows, 6 with no geometry, and says nothing."""
    water = BAD / "water" / "water.shp"
    assert len(pyogrio.read_dataframe(water, use_arrow=True)) == 37  # what was imported before, silently
    p = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(32734))  # UTM 34S: Swellendam
    code, _, err = cli("import", p.path, water, "--as", "buildings")
    assert code == 2 and "water.shp" in err and "第 31 条记录" in err and "38 条记录中 7 条" in err, err
    code, out, err = cli("import", p.path, water, "--as", "buildings", "--skip-bad")
    assert code == 0 and err == "", err
    assert "31–35, 37–38" in out and "跳过 7 个要素" in out, out
    layer = Project.open(p.path).read_layer("buildings")
    assert len(layer) == 31 and layer.geometry.notna().all()


def test_rivers_shp_nulls_are_broken_records_not_empty_shapes(tmp_path):
    """The realdata README counts 7 of the 19 rivers as NULL geometries: they are records 13-19 of
    a .shp whose record 13 is 16 bytes short of its 262 points, so the ones after it are misplaced."""
    source = Path("/work/shared/realdata/swellendam-qgis-training/shapefile/rivers.shp")
    if not source.exists():
        pytest.skip("the shared realdata is not here")
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        shutil.copyfile(source.with_suffix(suffix), tmp_path / f"rivers{suffix}")
    with pytest.raises(Exception, match="第 13 条记录"):
        read_vector(tmp_path / "rivers.shp")
    frame = read_vector(tmp_path / "rivers.shp", skip_bad=True)
    assert len(frame) == 12 and frame.attrs["bad_records"] == list(range(13, 20))


def test_a_damaged_geopackage_page_is_refused_naming_the_page_and_skip_bad_keeps_the_rows_before(cli, project):
    source = BAD / "damaged_page.gpkg"
    read = len(pyogrio.read_dataframe(source, use_arrow=True))
    assert read < 300  # GDAL's fast read stops at the damaged page without a word
    code, _, err = cli("import", project.path, source, "--as", "buildings")
    assert code == 2 and "数据库页已损坏" in err and f"第 {read + 1} 条记录" in err, err
    code, out, err = cli("import", project.path, source, "--as", "buildings", "--skip-bad")
    assert code == 0 and err == "", err
    assert f"{read + 1}–300" in out
    assert len(Project.open(project.path).read_layer("buildings")) == read


def test_a_geopackage_whose_fast_read_raises_is_read_record_by_record_with_fiona(project):
    source = BAD / "damaged_page_raises.gpkg"
    with pytest.raises(Exception):
        pyogrio.read_dataframe(source, use_arrow=True)
    frame = read_vector(source, skip_bad=True)
    bad = frame.attrs["bad_records"]
    assert len(frame) + len(bad) == 300 and bad == list(range(bad[0], 301))
    assert list(frame["name"]) == [f"楼{i}" for i in range(1, bad[0])]


def test_skip_bad_on_a_short_dbf_imports_the_records_the_dbf_has(cli, project):
    code, out, err = cli("import", project.path, BAD / "short_dbf" / "buildings.shp", "--as", "buildings", "--skip-bad")
    assert code == 0 and err == "", err
    assert "第 4–5 条" in out
    assert sorted(Project.open(project.path).read_layer("buildings")["name"]) == ["楼1", "楼2", "楼3"]


def test_a_complete_source_passes_unchanged(tmp_path):
    from tests.data.bad.make_bad import good

    path = tmp_path / "ok.shp"
    good(7).to_file(path, encoding="UTF-8")
    frame = read_vector(path)
    assert len(frame) == 7 and "bad_records" not in frame.attrs
    assert check_complete(path, frame) is frame
    assert record_ranges([1, 2, 3, 7, 9, 10]) == "1–3, 7, 9–10"


# --- a project folder that cannot be written ------------------------------------------------------------

def _import_refused_unchanged(cli, project: Project, expect: str):
    before, listing = _digest(project.path), sorted(os.listdir(project.path.parent))
    code, _, err = cli("import", project.path, DATA / "taipei_buildings.geojson", "--as", "buildings")
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and expect in err and str(project.path.parent.resolve()) in err, err
    assert _digest(project.path) == before
    assert sorted(os.listdir(project.path.parent)) == listing


def test_a_full_disk_while_writing_is_a_clear_refusal(cli, project, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pyogrio, "write_dataframe", full)
    _import_refused_unchanged(cli, project, "磁盘已满")


@pytest.fixture
def small_disk(tmp_path):
    """A real 512 KiB tmpfs (needs root and mount rights; skipped without)."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_really_full_disk_and_a_read_only_mount(cli, small_disk):
    project = Project.create(small_disk / "p.gpkg", crs=CRS.from_epsg(4549))
    big = small_disk.parent / "big.gpkg"
    from tests.data.bad.make_bad import good

    good(6000).to_file(big, driver="GPKG")  # about 1.5 MB written into a 512 KiB disk
    before = _digest(project.path)
    code, _, err = cli("import", project.path, big, "--as", "buildings")
    assert code == 2 and "磁盘已满" in err and str(small_disk) in err, err
    assert _digest(project.path) == before and os.listdir(small_disk) == ["p.gpkg"]
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    _import_refused_unchanged(cli, project, "只读文件系统")
    code, _, err = cli("new", small_disk / "q.gpkg")
    assert code == 2 and "只读文件系统" in err, err
    assert os.listdir(small_disk) == ["p.gpkg"]


def test_a_folder_that_may_not_be_written(cli, project):
    """Tests run as root, which chmod does not stop: an immutable folder (chattr +i) stops root too."""
    folder = project.path.parent
    if os.geteuid() != 0:
        folder.chmod(0o555)
    elif subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        _import_refused_unchanged(cli, project, "写入")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)


def test_a_project_file_that_may_not_be_written(cli, project):
    if os.geteuid() != 0:
        project.path.chmod(0o444)
    elif subprocess.run(["chattr", "+i", str(project.path)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        _import_refused_unchanged(cli, project, "没有写入权限")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(project.path)], check=True)
        else:
            project.path.chmod(0o644)


# --- no library warnings on stderr ----------------------------------------------------------------------

def test_library_warnings_do_not_reach_stderr(cli, project, monkeypatch):
    import gisdesk.cli

    def noisy(args):
        warnings.warn("Layer 'x' does not have any features", RuntimeWarning)
        warnings.warn("deprecated in geopandas 2", FutureWarning)
        return 0

    monkeypatch.setitem(gisdesk.cli.COMMANDS, "totals", noisy)
    assert cli("totals", project.path) == (0, "", "")


def test_a_warning_the_user_must_know_is_said_in_our_words(cli, project, monkeypatch):
    import gisdesk.cli

    def noisy(args):
        warnings.warn("One or several characters couldn't be converted correctly from GBK to UTF-8.", RuntimeWarning)
        return 0

    monkeypatch.setitem(gisdesk.cli.COMMANDS, "totals", noisy)
    code, _, err = cli("totals", project.path)
    assert code == 0 and err.startswith("gisdesk: 注意：") and "--encoding" in err and "GBK to" not in err


def test_the_gisdesk_command_prints_nothing_of_gdal_or_fiona(project):
    """In a child process, where GDAL or fiona's logging would write to the real stderr."""
    water = BAD / "water" / "water.shp"
    for source in (water, BAD / "damaged_page_raises.gpkg"):
        run = subprocess.run([sys.executable, "-c", "import sys; from gisdesk.cli import main; sys.exit(main())",
                              "import", str(project.path), str(source), "--as", "buildings", "--skip-bad"],
                             capture_output=True, text=True, cwd=ROOT)
        assert "ERROR" not in run.stderr and "Warning" not in run.stderr, run.stderr
        assert len(run.stderr.strip().splitlines()) <= 1, run.stderr


def test_skip_bad_on_a_zipped_shapefile_and_a_geojson_with_an_unknown_geometry(cli, project):
    code, out, err = cli("import", project.path, BAD / "truncated_shp.zip", "--as", "buildings", "--skip-bad")
    assert code == 0 and err == "" and "第 3–5 条" in out, (out, err)
    code, out, err = cli("import", project.path, BAD / "unknown_geometry_type.geojson", "--as", "buildings",
                         "--skip-bad")
    assert code == 0 and err == "" and "第 2 条" in out, (out, err)
    assert sorted(Project.open(project.path).read_layer("buildings")["name"]) == ["楼1", "楼1", "楼2"]
