"""A field package edited in QGIS 3.22 itself and rewritten by ogr2ogr, then `gisdesk merge`d.

QGIS runs in ONE child process with the system python (tests/qgis_field_edit.py): as a user does,
it edits the package through each layer's edit buffer (startEditing, changeAttributeValue,
changeGeometry with a vertex moved, addFeature without a uid, deleteFeature, commitChanges) and
the master meanwhile; after the merge it opens the merged master again and counts its features.
The merged values are read back with pyogrio, the versions and hashes with SQLite. Skipped when
QGIS or GDAL's tools are not installed (failed under CI), as tests/test_gpkg_interop.py does.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import sqlite3
import subprocess

import pyogrio
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from gisdesk import gpkg
from gisdesk.cli import main as gisdesk
from gisdesk.field.merge import merge
from gisdesk.field.pack import pack
from gisdesk.project import Project
from tests.field_projects import digest, make_master
from tests.test_gpkg_interop import ROOT, SYSTEM_PYTHON, _has, _require, _system_env

QGIS_EDIT = ROOT / "tests" / "qgis_field_edit.py"
ALL = ("0", "-10", "200", "30")  # an extent around every feature of make_master
NEW_UID = re.compile(r"buildings-\d{6}")
# B2 = box(40, 0, 50, 10) as stored (MultiPolygon, ring 50 0, 50 10, 40 10, 40 0): its vertex 1 dragged
B2_MOVED = MultiPolygon([Polygon([(50, 0), (52.5, 12), (40, 10), (40, 0), (50, 0)])])
NEW_BUILDING = box(150, 0, 160, 8)


def run_gisdesk(*args) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = gisdesk([str(a) for a in args])
    return code, out.getvalue()


def frame(path, layer: str):
    table = pyogrio.read_dataframe(path, layer=layer)
    return table.set_index("uid", drop=False)


def stored(path, layer: str) -> dict:
    """uid → (version, hash) from the gisdesk_features table, and uid → the content's hash now."""
    with sqlite3.connect(path) as db:
        gpkg.add_functions(db)
        cols = [r[1] for r in db.execute(f"PRAGMA table_info({layer})")]
        fresh = dict(db.execute(f"SELECT uid, {gpkg.hash_sql(cols, 'geom')} FROM {layer}"))
        kept = {uid: (version, digest_) for uid, version, digest_ in
                db.execute("SELECT uid, version, hash FROM gisdesk_features WHERE layer = ?", (layer,))}
    return {"kept": kept, "fresh": fresh}


def integrity(path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.fixture(scope="module")
def qgis_run(tmp_path_factory):
    """make_master's buildings B1-B5 (名 N号楼) and ledger cases L1 (待核查) and L2 (已立案), packed by
    `gisdesk pack`, edited in QGIS (package and master), merged twice by `gisdesk merge --report`."""
    _require(_has("qgis.core"), "QGIS (python3-qgis)")
    folder = tmp_path_factory.mktemp("qgis")
    master, package = folder / "master.gpkg", folder / "field.gpkg"
    make_master(master)
    code, out = run_gisdesk("pack", master, "--extent", *ALL, "--out", package)
    assert code == 0, out
    P, M = str(package), str(master)
    edits = [
        {"path": P, "layer": "buildings", "op": "attribute", "uid": "B1", "field": "name", "value": "一号楼（外业改）"},
        {"path": P, "layer": "buildings", "op": "vertex", "uid": "B2", "index": 1, "to": [52.5, 12.0]},
        {"path": P, "layer": "buildings", "op": "add", "values": {"name": "外业新楼", "floors": 2, "district": "黄浦区"},
         "wkt": NEW_BUILDING.wkt},
        {"path": P, "layer": "buildings", "op": "delete", "uid": "B5"},
        {"path": P, "layer": "buildings", "op": "attribute", "uid": "B3", "field": "floors", "value": 30},
        {"path": P, "layer": "buildings", "op": "attribute", "uid": "B4", "field": "floors", "value": 40},
        {"path": P, "layer": "ledger", "op": "attribute", "uid": "L1", "field": "status", "value": "已立案"},  # next
        {"path": P, "layer": "ledger", "op": "attribute", "uid": "L2", "field": "status", "value": "已结案"},  # a jump
        # the office, meanwhile, in QGIS on the master: the same field of B3, another field of B4
        {"path": M, "layer": "buildings", "op": "attribute", "uid": "B3", "field": "floors", "value": 33},
        {"path": M, "layer": "buildings", "op": "attribute", "uid": "B4", "field": "name", "value": "四号楼（办公室）"},
    ]
    plan = folder / "edits.json"
    plan.write_text(json.dumps(edits, ensure_ascii=False), encoding="utf-8")
    child = subprocess.Popen([SYSTEM_PYTHON, str(QGIS_EDIT), str(plan)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_system_env())
    try:
        sessions = json.loads(child.stdout.readline() or "null")
        assert sessions, child.stderr.read()
        before = {layer: stored(master, layer) for layer in ("buildings", "ledger")}
        package_bytes = digest(package)
        code, out = run_gisdesk("merge", master, package, "--report", folder / "r.json")
        assert code == 0, out
        report = json.loads((folder / "r.json").read_text(encoding="utf-8"))
        after = {layer: stored(master, layer) for layer in ("buildings", "ledger")}
        merged_bytes = digest(master)
        code, again_out = run_gisdesk("merge", master, package, "--report", folder / "r2.json")
        assert code == 0, again_out
        again = json.loads((folder / "r2.json").read_text(encoding="utf-8"))
        child.stdin.write(json.dumps({M: ["buildings", "ledger"]}) + "\n")
        child.stdin.flush()
        seen = json.loads(child.stdout.readline() or "null")
        assert seen, child.stderr.read()
        assert child.wait(timeout=60) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return {"master": master, "package": package, "sessions": sessions, "report": report, "again": again,
            "before": before, "after": after, "merged_bytes": merged_bytes, "package_bytes": package_bytes,
            "seen": seen, "out": out}


def keys(entries) -> set:
    return {(e["layer"], e["uid"], e["field"]) for e in entries}


def new_uid(report) -> str:
    [entry] = [e for e in report["applied"] if e["action"] == "add"]
    return entry["uid"]


def test_every_qgis_edit_went_through_its_edit_buffer(qgis_run):
    sessions = {(s["path"].endswith("master.gpkg"), s["layer"]): s for s in qgis_run["sessions"]}
    assert set(sessions) == {(False, "buildings"), (False, "ledger"), (True, "buildings")}
    for session in sessions.values():
        assert session["valid"] and session["started"] and session["committed"], session
        assert all(session["calls"]), session
    with sqlite3.connect(qgis_run["package"]) as db:  # QGIS' new feature: a row without a uid
        assert db.execute("SELECT count(*) FROM buildings WHERE uid IS NULL").fetchone()[0] == 1


def test_exactly_the_package_changes_are_applied_and_read_back(qgis_run):
    report, master = qgis_run["report"], qgis_run["master"]
    uid = new_uid(report)
    assert NEW_UID.fullmatch(uid), uid
    assert keys(report["applied"]) == {
        ("buildings", "B1", "name"), ("buildings", "B2", "geometry"), ("buildings", uid, None),
        ("buildings", "B5", None), ("buildings", "B4", "floors"), ("ledger", "L1", "status"),
        ("ledger", "L1", "history")}
    applied = {(e["layer"], e["uid"], e["field"]): e for e in report["applied"]}
    assert applied[("buildings", "B1", "name")] | {} == {
        "layer": "buildings", "uid": "B1", "field": "name", "base": "1号楼", "master": "1号楼",
        "field_value": "一号楼（外业改）", "action": "edit"}
    assert shapely.from_wkt(applied[("buildings", "B2", "geometry")]["field_value"]).equals(B2_MOVED)
    assert applied[("buildings", "B5", None)]["action"] == "delete"
    assert applied[("buildings", uid, None)]["field_uid"].startswith("fid:")

    buildings = frame(master, "buildings")
    assert sorted(buildings.index) == sorted(["B1", "B2", "B3", "B4", uid])  # B5 deleted
    assert buildings.loc["B1", "name"] == "一号楼（外业改）" and buildings.loc["B1", "floors"] == 1
    assert buildings.loc["B2", "geometry"].equals(B2_MOVED)
    assert buildings.loc["B3", "geometry"].equals(box(60, 0, 70, 10))  # untouched geometries stay
    # B4: the package's floors and the office's name, both kept
    assert buildings.loc["B4", "floors"] == 40 and buildings.loc["B4", "name"] == "四号楼（办公室）"
    assert buildings.loc["B3", "floors"] == 33  # the conflict: the master keeps its value until decided
    new = buildings.loc[uid]
    assert (new["name"], new["floors"], new["district"]) == ("外业新楼", 2, "黄浦区")
    assert new["geometry"].equals(NEW_BUILDING)


def test_the_same_field_changed_on_both_sides_is_a_conflict_with_its_three_values(qgis_run):
    [conflict] = qgis_run["report"]["conflicts"]
    assert conflict | {} == {"layer": "buildings", "uid": "B3", "field": "floors", "base": 3, "master": 33,
                             "field_value": 30, "action": "edit", "type": "field", "field_action": "edit",
                             "master_action": "edit"}


def test_a_status_moved_in_qgis_gets_its_history_event_and_a_jump_is_listed_not_written(qgis_run):
    report, master = qgis_run["report"], qgis_run["master"]
    ledger = frame(master, "ledger")
    assert ledger.loc["L1", "status"] == "已立案"
    assert ledger.loc["L2", "status"] == "已立案"  # 已立案 → 已结案 skips the workflow: not written
    with sqlite3.connect(master) as db:
        history = db.execute("SELECT case_uid, from_status, to_status, note FROM gisdesk_ledger_history "
                             "ORDER BY event_id").fetchall()
    package_id = report["package_id"]
    assert [h[:3] for h in history] == [("L1", "待核查", "已立案")] and package_id in history[0][3]
    [skip] = report["skipped"]
    assert (skip["layer"], skip["uid"], skip["field"], skip["reason"]) == ("ledger", "L2", "status",
                                                                           "status-not-allowed")
    assert (skip["base"], skip["master"], skip["field_value"]) == ("已立案", "已立案", "已结案")
    assert "已结案" in skip["message"] and "限期拆除" in skip["message"]  # says which statuses may follow


def test_versions_and_hashes_follow_and_a_second_merge_applies_nothing(qgis_run):
    before, after = qgis_run["before"], qgis_run["after"]
    uid = new_uid(qgis_run["report"])
    written = {"buildings": ["B1", "B2", "B4", uid], "ledger": ["L1"]}
    for layer, uids in written.items():
        for u in uids:
            version, kept = after[layer]["kept"][u]
            assert kept == after[layer]["fresh"][u], (layer, u)  # the stored hash is the content's
            assert version == (1 if u == uid else before[layer]["kept"][u][0] + 1), (layer, u)
    assert "B5" not in after["buildings"]["kept"]
    for layer, uids in {"buildings": ["B3"], "ledger": ["L2"]}.items():  # not written: versions as they were
        assert after[layer]["kept"][uids[0]][0] == before[layer]["kept"][uids[0]][0]
    again = qgis_run["again"]
    assert again["applied"] == [] and again["backup"] is None
    assert keys(again["conflicts"]) == {("buildings", "B3", "floors")}
    assert keys(again["skipped"]) == {("ledger", "L2", "status")}  # listed again until a person moves the case
    assert digest(qgis_run["master"]) == qgis_run["merged_bytes"]  # the second merge wrote nothing
    assert digest(qgis_run["package"]) == qgis_run["package_bytes"]  # the package is never written


def test_the_merged_master_is_sound_and_qgis_sees_what_gdal_sees(qgis_run):
    master = qgis_run["master"]
    assert integrity(master) == "ok"
    seen = qgis_run["seen"]
    for layer in ("buildings", "ledger"):
        view = seen[f"{master}|{layer}"]
        uids = sorted(frame(master, layer).index)
        assert view["valid"] and view["features"] == view["iterated"] == len(uids)
        assert view["uids"] == uids
    assert len(seen[f"{master}|buildings"]["uids"]) == 5
    # and gisdesk opens it with nothing to repair: every hash the store keeps is the content's
    project = Project.open(master)
    for layer in ("buildings", "ledger"):
        versions = project.versions(layer).set_index("uid")["hash"].to_dict()
        assert versions == stored(master, layer)["fresh"]


# --- ogr2ogr -update -overwrite -------------------------------------------------------------------


@pytest.fixture
def gdal():
    _require(shutil.which("ogr2ogr") is not None, "gdal-bin (ogr2ogr)")


def ogr2ogr(*args) -> None:
    result = subprocess.run(["ogr2ogr", *map(str, args)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def rewrite(package, folder, change) -> None:
    """The package's buildings exported to GeoJSON, the features edited there by `change` (a
    function of uid → feature dict returning the list to write), written back with ogr2ogr
    -update -overwrite: the table made anew (fids renumbered, gisdesk's triggers gone)."""
    exported, edited = folder / "buildings.geojson", folder / "edited.geojson"
    exported.unlink(missing_ok=True)
    ogr2ogr("-f", "GeoJSON", exported, package, "buildings")
    collection = json.loads(exported.read_text(encoding="utf-8"))
    collection["features"] = change({f["properties"].get("uid"): f for f in collection["features"]})
    edited.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    ogr2ogr("-update", "-overwrite", package, edited, "-nln", "buildings")


def fids(path) -> dict:
    with sqlite3.connect(path) as db:
        return {uid: fid for fid, uid in db.execute("SELECT fid, uid FROM buildings")}


def test_a_layer_rewritten_by_ogr2ogr_merges_and_keeps_its_new_feature_through_another_rewrite(gdal, tmp_path):
    master, package = tmp_path / "master.gpkg", tmp_path / "field.gpkg"
    make_master(master)
    pack(master, package, extent=tuple(float(v) for v in ALL))

    def edit(features):
        features["B1"]["properties"]["floors"] = 11
        features["B2"]["geometry"]["coordinates"][0][0][1] = [52.0, 12.0]  # a vertex moved
        del features["B5"]
        new = {"type": "Feature", "properties": {"name": "ogr新楼", "floors": 3, "district": "虹口区"},
               "geometry": {"type": "MultiPolygon", "coordinates": [[[[170, 0], [180, 0], [180, 9], [170, 9],
                                                                      [170, 0]]]]}}
        return [new, *reversed(list(features.values()))]  # written first, the others in reverse order

    rewrite(package, tmp_path, edit)
    assert fids(package) == {None: 1, "B4": 2, "B3": 3, "B2": 4, "B1": 5}  # renumbered
    with sqlite3.connect(package) as db:
        assert not db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'gisdesk_build%'"
                              ).fetchall()  # gisdesk's triggers went with the old table
    report = merge(master, package)
    uid = new_uid(report.as_json())
    assert NEW_UID.fullmatch(uid)
    assert keys(report.applied) == {("buildings", "B1", "floors"), ("buildings", "B2", "geometry"),
                                    ("buildings", "B5", None), ("buildings", uid, None)}
    assert report.conflicts == [] and report.skipped == []
    buildings = frame(master, "buildings")
    assert sorted(buildings.index) == sorted(["B1", "B2", "B3", "B4", uid])
    assert buildings.loc["B1", "floors"] == 11 and buildings.loc["B4", "floors"] == 4
    assert buildings.loc["B2", "geometry"].equals(
        MultiPolygon([Polygon([(50, 0), (52, 12), (40, 10), (40, 0), (50, 0)])]))
    assert buildings.loc[uid, "name"] == "ogr新楼" and buildings.loc[uid, "geometry"].equals(box(170, 0, 180, 9))
    merged = digest(master)
    assert merge(master, package).applied == [] and digest(master) == merged

    # rewritten once more with nothing changed: the new feature, still without a uid, moves to the last fid
    rewrite(package, tmp_path, lambda features: list(reversed(list(features.values()))))
    assert fids(package) == {"B1": 1, "B2": 2, "B3": 3, "B4": 4, None: 5}
    second = merge(master, package)  # nothing applied; the feature's new fid is recorded
    assert second.applied == [] and second.conflicts == [] and second.skipped == [], second.applied
    merged = digest(master)
    assert not merge(master, package).written and digest(master) == merged
    assert sorted(frame(master, "buildings").index) == sorted(["B1", "B2", "B3", "B4", uid])
    # then opened in gisdesk, which gives the row a uid of its own (here the very uid the master gave
    # it): still the same feature, not deleted from the master; a change of it there goes to it
    assert Project.open(package).notices
    [given] = [u for u in fids(package) if u not in ("B1", "B2", "B3", "B4")]
    assert merge(master, package).applied == []
    assert sorted(frame(master, "buildings").index) == sorted(["B1", "B2", "B3", "B4", uid])
    Project(package).update_attributes("buildings", given, {"floors": 4})
    third = merge(master, package)
    assert keys(third.applied) == {("buildings", uid, "floors")} and third.conflicts == []
    assert frame(master, "buildings").loc[uid, "floors"] == 4
    assert integrity(master) == "ok"


# --- a case's status across the merge: steps recorded by gisdesk, or decided by a person ---------------


def set_status(path, uid: str, status: str) -> None:
    """The status written as another tool writes it: the row only, no history (SQLite with the
    GeoPackage functions the R-tree triggers call)."""
    with gpkg.connect(path) as db, gpkg.transaction(db):
        db.execute("UPDATE ledger SET status = ? WHERE uid = ?", (status, uid))


def history_of(path, uid: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT from_status, to_status, who FROM gisdesk_ledger_history WHERE case_uid = ? "
                          "ORDER BY event_id", (uid,)).fetchall()


def test_steps_made_in_gisdesk_come_with_their_history_and_no_event_is_added_twice(tmp_path):
    master, package = tmp_path / "master.gpkg", tmp_path / "field.gpkg"
    make_master(master)
    pack(master, package, extent=tuple(float(v) for v in ALL))
    field = Project(package)
    field.change_status("L2", "限期拆除", who="外业员")  # two steps: 已立案 → 限期拆除 → 已拆除
    field.change_status("L2", "已拆除", who="外业员")
    report = merge(master, package)
    assert frame(master, "ledger").loc["L2", "status"] == "已拆除" and report.skipped == []
    assert history_of(master, "L2") == [("已立案", "限期拆除", "外业员"), ("限期拆除", "已拆除", "外业员")]
    assert [e["field"] for e in report.applied if e["uid"] == "L2"].count("history") == 2  # the carried rows only


def test_a_status_conflict_decided_for_the_package_still_moves_only_along_the_workflow(tmp_path):
    master, package = tmp_path / "master.gpkg", tmp_path / "field.gpkg"
    make_master(master)
    pack(master, package, extent=tuple(float(v) for v in ALL))
    Project(master).change_status("L1", "已立案", who="办公室")  # 待核查 → 已立案 in the office
    set_status(package, "L1", "不予立案")  # 待核查 → 不予立案 in the field, by another tool
    set_status(package, "L2", "责令停止")  # 已立案 → 责令停止: one step, not in conflict
    report = merge(master, package)
    assert keys(report.conflicts) == {("ledger", "L1", "status")}
    assert frame(master, "ledger").loc["L2", "status"] == "责令停止"
    assert [h[:2] for h in history_of(master, "L2")] == [("已立案", "责令停止")]
    # the person takes the package's value: 已立案 → 不予立案 is no step of the workflow, so it is not written
    decided = merge(master, package, decisions={("ledger", "L1", "status"): "field"})
    assert frame(master, "ledger").loc["L1", "status"] == "已立案"
    assert [(e["uid"], e["reason"], e["master"], e["field_value"]) for e in decided.skipped] == [
        ("L1", "status-not-allowed", "已立案", "不予立案")]
    assert [h[:2] for h in history_of(master, "L1")] == [("待核查", "已立案")]
