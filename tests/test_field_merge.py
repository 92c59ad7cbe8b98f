"""gisdesk merge: three-way by value, per feature and field; conflicts listed, never resolved silently."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import box

from gisdesk import attachments
from gisdesk.errors import ProjectError
from gisdesk.field.merge import merge
from gisdesk.field.pack import pack
from gisdesk.project import Project
from tests.field_projects import (METRIC, added, attrs, deleted, digest, edit, geometries, make_master, moved,
                                  table)

ALL = (0, -10, 200, 30)  # an extent around every feature of make_master


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A master and a package of all of it, made once; each test works on copies."""
    folder = tmp_path_factory.mktemp("made")
    make_master(folder / "master.gpkg")
    pack(folder / "master.gpkg", folder / "field.gpkg", extent=ALL)
    return folder


@pytest.fixture
def master(made, tmp_path):
    shutil.copyfile(made / "master.gpkg", tmp_path / "master.gpkg")
    return tmp_path / "master.gpkg"


@pytest.fixture
def package(made, master, tmp_path):
    shutil.copyfile(made / "field.gpkg", tmp_path / "field.gpkg")
    return tmp_path / "field.gpkg"


def by_key(entries):
    return {(e["layer"], e["uid"], e["field"]): e for e in entries}


def test_a_change_made_only_in_the_package_is_written_with_its_version_hash_and_log(master, package):
    edit(package, "buildings", attrs("B1", floors=9, name="改名"), moved("B2", box(40, 0, 52, 12)))
    edit(package, "buildings", deleted("B5"))
    before = Project(master).versions("buildings").set_index("uid")
    report = merge(master, package)
    rows = table(master, "buildings")
    assert rows["B1"]["floors"] == 9 and rows["B1"]["name"] == "改名" and "B5" not in rows
    assert geometries(master, "buildings")["B2"].equals(box(40, 0, 52, 12))
    applied = by_key(report.applied)
    assert applied[("buildings", "B1", "floors")] | {} == {
        "layer": "buildings", "uid": "B1", "field": "floors", "base": 1, "master": 1, "field_value": 9, "action": "edit"}
    assert shapely.from_wkt(applied[("buildings", "B2", "geometry")]["field_value"]).equals(box(40, 0, 52, 12))
    assert shapely.from_wkt(applied[("buildings", "B2", "geometry")]["base"]).equals(box(40, 0, 50, 10))
    assert applied[("buildings", "B5", None)]["action"] == "delete"
    assert report.conflicts == [] and report.skipped == []
    after = Project(master).versions("buildings").set_index("uid")
    assert after.loc["B1", "version"] == before.loc["B1", "version"] + 1
    with sqlite3.connect(master) as db:  # the stored hash is the content's (the store's own hash, made anew)
        from gisdesk import gpkg
        gpkg.add_functions(db)
        cols = [r[1] for r in db.execute("PRAGMA table_info(buildings)")]
        fresh = dict(db.execute(f"SELECT uid, {gpkg.hash_sql(cols, 'geom')} FROM buildings"))
    assert after.loc["B1", "hash"] == fresh["B1"] and after.loc["B2", "hash"] == fresh["B2"]
    log = Project(master).edit_log("buildings")
    assert {("B1", "attributes"), ("B2", "geometry"), ("B5", "delete")} <= set(zip(log["uid"], log["action"]))


def test_master_changes_stay_and_the_same_change_on_both_sides_is_no_conflict(master, package):
    edit(master, "buildings", attrs("B1", floors=7), attrs("B2", name="两边一样"), who="办公室")
    edit(package, "buildings", attrs("B2", name="两边一样"), attrs("B3", floors=30))
    report = merge(master, package)
    rows = table(master, "buildings")
    assert rows["B1"]["floors"] == 7 and rows["B2"]["name"] == "两边一样" and rows["B3"]["floors"] == 30
    assert report.conflicts == []
    assert [(e["uid"], e["field"]) for e in report.applied] == [("B3", "floors")]


def test_the_same_field_changed_differently_is_a_conflict_with_the_three_values_and_the_master_keeps_its(master,
                                                                                                         package):
    edit(master, "buildings", attrs("B1", floors=7), moved("B2", box(40, 0, 45, 5)))
    edit(package, "buildings", attrs("B1", floors=8, name="外业改"), moved("B2", box(40, 0, 55, 15)))
    report = merge(master, package)
    conflicts = by_key(report.conflicts)
    floors = conflicts[("buildings", "B1", "floors")]
    assert (floors["type"], floors["base"], floors["master"], floors["field_value"]) == ("field", 1, 7, 8)
    geometry = conflicts[("buildings", "B2", "geometry")]
    assert geometry["type"] == "geometry" and "45 5" in geometry["master"] and "55 15" in geometry["field_value"]
    rows = table(master, "buildings")
    assert rows["B1"]["floors"] == 7 and rows["B1"]["name"] == "外业改"  # the other field of B1 merged
    assert geometries(master, "buildings")["B2"].equals(box(40, 0, 45, 5))


def test_the_same_geometry_written_with_another_vertex_order_is_no_change(master, package):
    edit(package, "buildings", moved("B1", box(20, 0, 30, 10, ccw=False)))  # same shape, rings the other way
    edit(master, "buildings", moved("B1", box(20, 0, 30, 10)), attrs("B1", floors=3))
    report = merge(master, package)
    assert report.conflicts == [] and not any(e["field"] == "geometry" for e in report.applied)


def test_a_delete_against_an_edit_is_a_conflict_either_way_round(master, package):
    edit(package, "buildings", deleted("B3"), attrs("B4", floors=44))
    edit(master, "buildings", attrs("B3", floors=33), deleted("B4"))
    report = merge(master, package)
    conflicts = by_key(report.conflicts)
    delete_edit = conflicts[("buildings", "B3", None)]
    assert delete_edit["type"] == "delete-edit"  # deleted in the package, edited in the master
    assert delete_edit["field_value"] is None and delete_edit["master"]["floors"] == 33 and delete_edit["base"]["floors"] == 3
    edit_delete = conflicts[("buildings", "B4", None)]
    assert edit_delete["type"] == "edit-delete" and edit_delete["master"] is None
    assert edit_delete["field_value"]["floors"] == 44 and "geometry" in edit_delete["field_value"]
    rows = table(master, "buildings")
    assert rows["B3"]["floors"] == 33 and "B4" not in rows  # nothing resolved
    assert report.applied == []


def test_adds_on_both_sides_keep_both_and_a_taken_uid_gets_a_new_one(master, package):
    edit(master, "buildings", added("B6", box(200, 0, 210, 10), name="办公室新增"), added("B7", box(0, 50, 5, 55)))
    edit(package, "buildings", added("B8", box(100, 20, 110, 30), name="外业新增"),
         added("B7", box(0, 60, 5, 65), name="同号不同楼"))
    report = merge(master, package)
    rows = table(master, "buildings")
    assert rows["B6"]["name"] == "办公室新增" and rows["B8"]["name"] == "外业新增"
    renamed = next(e for e in report.applied if e.get("field_uid") == "B7")
    assert renamed["uid"] not in ("B7",) and rows[renamed["uid"]]["name"] == "同号不同楼"
    assert geometries(master, "buildings")["B7"].equals(box(0, 50, 5, 55))  # the master's B7 untouched
    assert merge(master, package).applied == []  # and the renamed one is not added twice


def test_a_feature_added_by_pyogrio_without_a_uid_gets_one_and_is_not_added_twice(master, package):
    new = gpd.GeoDataFrame([{"name": "QGIS 画的", "floors": 2, "geometry": box(150, 0, 160, 10)}], crs=METRIC)
    pyogrio.write_dataframe(new, package, layer="buildings", append=True)
    report = merge(master, package)
    add = [e for e in report.applied if e["action"] == "add"]
    assert len(add) == 1 and add[0]["field_uid"].startswith("fid:") and add[0]["uid"].startswith("buildings-")
    assert table(master, "buildings")[add[0]["uid"]]["name"] == "QGIS 画的"
    before = digest(master)
    second = merge(master, package)
    assert second.applied == [] and digest(master) == before
    Project.open(package)  # gisdesk gives the row a uid in the package: still the same feature
    assert merge(master, package).applied == []


def test_edits_made_by_gdal_and_by_a_pyogrio_rewrite_of_the_layer_merge(master, package):
    result = subprocess.run(["ogrinfo", str(package), "-sql", "UPDATE buildings SET floors = 12 WHERE uid = 'B2'"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    frame = pyogrio.read_dataframe(package, layer="buildings")
    frame.loc[frame["uid"] == "B3", "geometry"] = box(60, 0, 75, 15)
    frame.loc[frame["uid"] == "B4", "name"] = "重写的"
    pyogrio.write_dataframe(frame, package, layer="buildings")  # drops and rewrites the table, as QGIS' save as does
    report = merge(master, package)
    assert sorted((e["uid"], e["field"]) for e in report.applied) == [("B2", "floors"), ("B3", "geometry"),
                                                                        ("B4", "name")]
    rows = table(master, "buildings")
    assert rows["B2"]["floors"] == 12 and rows["B4"]["name"] == "重写的"
    assert geometries(master, "buildings")["B3"].equals(box(60, 0, 75, 15))
    assert report.conflicts == [] and report.skipped == []


def test_merging_twice_changes_nothing_and_the_backup_is_the_old_master(master, package):
    edit(package, "buildings", attrs("B1", floors=9))
    old = master.read_bytes()
    report = merge(master, package)
    backup = master.with_name(report.backup.split("/")[-1])
    assert backup.name.startswith("master.gpkg.bak-") and backup.read_bytes() == old
    after = digest(master)
    again = merge(master, package)
    assert again.applied == [] and again.conflicts == [] and again.backup is None and digest(master) == after
    with sqlite3.connect(master) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert subprocess.run(["ogrinfo", "-ro", "-so", str(master)], capture_output=True).returncode == 0


def test_a_dry_run_writes_nothing_and_reports_the_same(master, package):
    edit(package, "buildings", attrs("B1", floors=9), deleted("B2"))
    edit(master, "buildings", attrs("B1", floors=8))
    before = digest(master), digest(package), sorted(p.name for p in master.parent.iterdir())
    dry = merge(master, package, dry_run=True)
    assert (digest(master), digest(package), sorted(p.name for p in master.parent.iterdir())) == before
    real = merge(master, package)
    strip = lambda r: (r.applied, r.conflicts, r.skipped)  # noqa: E731
    assert strip(dry) == strip(real) and dry.backup is None and real.backup


def test_packages_from_the_same_base_merge_one_after_the_other(master, tmp_path):
    first, second = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    pack(master, first, extent=ALL)
    pack(master, second, extent=ALL)
    edit(first, "buildings", attrs("B1", name="甲队"))
    edit(second, "buildings", attrs("B1", name="乙队"), attrs("B2", floors=22))
    assert merge(master, first).conflicts == []
    report = merge(master, second)
    conflict = by_key(report.conflicts)[("buildings", "B1", "name")]
    assert (conflict["master"], conflict["field_value"]) == ("甲队", "乙队")
    assert table(master, "buildings")["B2"]["floors"] == 22


def test_a_package_merged_then_edited_further_merges_again_against_what_was_merged(master, package):
    edit(package, "buildings", attrs("B1", floors=10))
    merge(master, package)
    edit(package, "buildings", attrs("B1", floors=11))
    report = merge(master, package)
    assert report.conflicts == [] and table(master, "buildings")["B1"]["floors"] == 11


def test_a_decision_settles_a_conflict_as_chosen_and_it_is_not_listed_again(master, package):
    edit(master, "buildings", attrs("B1", floors=7), attrs("B2", floors=70))
    edit(package, "buildings", attrs("B1", floors=8), attrs("B2", floors=80), deleted("B3"))
    edit(master, "buildings", attrs("B3", name="办公室改"))
    first = merge(master, package)
    assert len(first.conflicts) == 3
    decisions = {("buildings", "B1", "floors"): "field", ("buildings", "B2", "floors"): "master",
                 ("buildings", "B3", None): "field"}
    settled = merge(master, package, decisions=decisions)
    rows = table(master, "buildings")
    assert rows["B1"]["floors"] == 8 and rows["B2"]["floors"] == 70 and "B3" not in rows
    assert settled.conflicts == [] and len(settled.resolved) == 3
    again = merge(master, package)
    assert again.conflicts == [] and again.applied == []


def test_attachments_travel_verified_by_sha256(master, package):
    good, = attachments.add(package, "buildings", "B1", [("现场.jpg", b"photo bytes one")])
    bad, = attachments.add(package, "buildings", "B2", [("换过.jpg", b"photo bytes two")])
    with sqlite3.connect(package) as db:  # bytes swapped behind the store's back: sha256 no longer theirs
        db.execute("UPDATE gisdesk_attachments SET data = ? WHERE attachment_id = ?", (b"other bytes", bad.attachment_id))
    report = merge(master, package)
    assert attachments.read(master, good.attachment_id) == b"photo bytes one"
    assert [a.attachment_id for a in attachments.list_attachments(master)] == [good.attachment_id]
    skipped = report.skipped[0]
    assert skipped["reason"] == "sha256-mismatch" and skipped["field"] == f"attachment:{bad.attachment_id}"
    assert merge(master, package).applied == []


def test_history_rows_the_package_added_are_carried_once(master, package):
    Project(package).change_status("L1", "已立案", who="外业员", note="现场核实")
    report = merge(master, package)
    history = Project(master).history("L1")
    assert list(history["to_status"]) == ["已立案"] and history.iloc[0]["who"] == "外业员"
    assert table(master, "ledger")["L1"]["status"] == "已立案"
    assert {e["field"] for e in report.applied} == {"status", "history"}
    merge(master, package)
    assert len(Project(master).history("L1")) == 1


def test_the_report_json_has_the_lists_and_keys(master, package, tmp_path, cli):
    edit(package, "buildings", attrs("B1", floors=9), deleted("B3"))
    edit(master, "buildings", attrs("B3", floors=33))
    code, out, err = cli("merge", master, package, "--report", tmp_path / "r.json")
    assert code == 0, err
    assert "已应用 1 处修改，冲突 1 处" in out and "主库备份：" in out
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {"applied", "conflicts", "skipped"} <= set(data)
    for entry in data["applied"] + data["conflicts"]:
        assert {"layer", "uid", "field", "base", "master", "field_value"} <= set(entry)
    assert data["conflicts"][0]["type"] == "delete-edit"
    code, out, _ = cli("merge", master, package, "--dry-run")
    assert code == 0 and "试运行" in out and "已应用 0 处修改" in out


def test_bad_input_exits_2_and_leaves_the_master_as_it_was(master, package, tmp_path, cli):
    other = tmp_path / "other.gpkg"
    make_master(other).set_settings(name="另一个主库")
    before = digest(master)
    assert cli("merge", master, tmp_path / "none.gpkg")[0] == 2
    assert cli("merge", master, master)[0] == 2
    code, _, err = cli("merge", other, package)  # a package of another project
    assert code == 2 and "不是由项目" in err and err.count("\n") == 1
    assert digest(master) == before


def test_a_layer_rewritten_without_its_uids_is_not_merged_rather_than_deleted_and_added_again(master, package):
    frame = pyogrio.read_dataframe(package, layer="buildings").drop(columns="uid")
    pyogrio.write_dataframe(frame, package, layer="buildings")
    before = digest(master)
    report = merge(master, package)
    assert [e["reason"] for e in report.skipped] == ["uid-column-missing-in-package"]
    assert report.applied == [] and digest(master) == before


def test_a_renamed_master_still_takes_its_package(master, package):
    Project(master).set_settings(name="改了名的主库")
    edit(package, "buildings", attrs("B1", floors=9))
    assert [e["field_value"] for e in merge(master, package).applied] == [9]



def test_a_merge_that_fails_midway_leaves_the_master_as_it_was(master, package, monkeypatch):
    edit(package, "buildings", attrs("B1", floors=9))
    edit(package, "ledger", attrs("L1", notes="外业"))
    before = digest(master)
    real = Project.commit_edits
    calls = []

    def second_fails(self, layer_id, edits, **kwargs):
        calls.append(layer_id)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(self, layer_id, edits, **kwargs)

    monkeypatch.setattr(Project, "commit_edits", second_fails)
    with pytest.raises(ProjectError):
        merge(master, package)
    assert len(calls) == 2 and digest(master) == before  # the first layer's edits were rolled back with it
    monkeypatch.setattr(Project, "commit_edits", real)
    assert {e["uid"] for e in merge(master, package).applied} == {"B1", "L1"}


def test_masters_made_in_the_same_second_are_told_apart_and_an_older_master_keeps_its_packages(tmp_path, cli,
                                                                                                 monkeypatch):
    """A master is named for its packages by the id it was made with, not only by the second it was
    made in; a project made before projects had an id is still named by that second."""
    import gisdesk.project as project_module

    monkeypatch.setattr(project_module, "local_now", lambda precise=False: "2026-12-02T10:00:00+08:00")
    first, second = make_master(tmp_path / "first.gpkg"), make_master(tmp_path / "second.gpkg")
    assert first.settings()["created"] == second.settings()["created"]
    pack(first.path, tmp_path / "field.gpkg", district="黄浦区")
    code, _, err = cli("merge", second.path, tmp_path / "field.gpkg")
    assert code == 2 and "不是由项目" in err
    assert cli("merge", first.path, tmp_path / "field.gpkg")[0] == 0

    with sqlite3.connect(second.path) as db:  # as a project of an older gisdesk: no id
        db.execute("DELETE FROM gisdesk_settings WHERE key = 'project_id'")
    pack(second.path, tmp_path / "older.gpkg", district="黄浦区")
    assert cli("merge", second.path, tmp_path / "older.gpkg")[0] == 0
