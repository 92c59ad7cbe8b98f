"""The merge by property (hypothesis): random adds, attribute and geometry edits, deletes and photo
changes on three packages of one master and on the master itself, then the packages merged in a
random order. Every change is in the result or reported as a conflict (or a skip, with its reason)
in the merge of the package that made it; the master's own changes are never lost; a feature or a
photo nobody deleted is still there; no conflict is reported on a field its package did not change;
a second merge of each package changes nothing (the file's bytes stay)."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from gisdesk import attachments, gpkg
from gisdesk.field.merge import merge
from gisdesk.field.pack import pack
from tests.field_projects import added, attrs, deleted, digest, edit, make_master, moved

SIDES = ("master", "p0", "p1", "p2")
FIELDS = ("floors", "name", "geometry")
OPS = ("floors", "name", "move", "delete", "add", "photo", "unphoto", "rephoto", "tool_floors", "tool_add")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("template")
    make_master(folder / "master.gpkg", buildings=4)
    attachments.add(folder / "master.gpkg", "buildings", "B1", [("base.jpg", b"base photo")])
    for i in range(3):
        pack(folder / "master.gpkg", folder / f"p{i}.gpkg", extent=(0, -10, 200, 30))
    return folder


def state(path: Path) -> tuple[dict, dict]:
    """uid → {floors, name, geometry} of the buildings, and attachment id → (uid, sha256)."""
    with gpkg.connect(path, readonly=True) as db:
        rows = db.execute("SELECT coalesce(uid, 'fid:' || fid), floors, name, geom FROM buildings").fetchall()
        photos = {}
        if gpkg.has_table(db, "gisdesk_attachments"):
            photos = {a: (u, s) for a, u, s in db.execute("SELECT attachment_id, uid, sha256 FROM gisdesk_attachments")}
    geoms = gpkg.geometries_from_blobs([r[3] for r in rows])
    return {r[0]: {"floors": r[1], "name": r[2], "geometry": g} for r, g in zip(rows, geoms)}, photos


def same(field: str, a, b) -> bool:
    if field == "geometry":
        return (a is None and b is None) or (a is not None and b is not None and shapely.equals(a, b))
    return a == b


def changes(base: dict, now: dict) -> tuple[dict, set, dict]:
    """(uid, field) → new value; deleted uids; added uid → feature."""
    edits = {(uid, f): now[uid][f] for uid in base if uid in now for f in FIELDS if not same(f, base[uid][f], now[uid][f])}
    return edits, set(base) - set(now), {uid: now[uid] for uid in set(now) - set(base)}


def apply(path: Path, op: str, target: int, value: int, counter: int) -> None:
    features, photos = state(path)
    uid = f"B{target}"
    if op == "add":
        new = f"N{value}"  # the same uid may be added on several sides, for different features
        if new not in features:
            edit(path, "buildings", added(new, box(300 + 20 * value, counter, 310 + 20 * value, counter + 5),
                                          name=f"new{counter}"))
        return
    if op in ("unphoto", "rephoto"):
        if photos:
            attachment_id = sorted(photos)[value % len(photos)]
            owner = photos[attachment_id][0]
            removed = attachments.remove(path, attachment_id)
            if op == "rephoto" and owner in features:  # the same attachment with other bytes
                attachments.restore(path, removed)
                with sqlite3.connect(path) as db:
                    data = f"changed {counter}".encode()
                    db.execute("UPDATE gisdesk_attachments SET data = ?, sha256 = ?, size = ? WHERE attachment_id = ?",
                               (data, attachments.sha256_hex(data), len(data), attachment_id))
        return
    if op == "tool_add":  # another tool's insert: no uid, no edit log (the GeoPackage's own triggers only)
        with gpkg.connect(path) as db, gpkg.transaction(db):
            srs = db.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'buildings'").fetchone()[0]
            blob = gpkg.geometry_blobs(np.array([box(500 + 20 * counter, value, 510 + 20 * counter, value + 5)]), srs)[0]
            db.execute("INSERT INTO buildings (geom, name, floors) VALUES (?, ?, ?)", (blob, f"tool{counter}", value))
        return
    if uid not in features:
        return
    if op == "tool_floors":  # another tool's UPDATE, as ogrinfo -sql or QGIS write it
        with gpkg.connect(path) as db, gpkg.transaction(db):
            db.execute("UPDATE buildings SET floors = ? WHERE uid = ?", (200 + value, uid))
    elif op == "floors":
        edit(path, "buildings", attrs(uid, floors=100 + value))
    elif op == "name":
        edit(path, "buildings", attrs(uid, name=f"n{value}"))
    elif op == "move":
        edit(path, "buildings", moved(uid, box(20 * target, value + 1, 20 * target + 10, value + 11)))
    elif op == "delete":
        edit(path, "buildings", deleted(uid))
    elif op == "photo":
        attachments.add(path, "buildings", uid, [(f"p{counter}.jpg", f"photo {counter}".encode())])


def named(report, uid, field) -> bool:
    return any(e["uid"] == uid and e["field"] in (field, None) for e in report.conflicts + report.skipped)


operations = st.lists(st.tuples(st.sampled_from(SIDES), st.sampled_from(OPS), st.integers(1, 4), st.integers(0, 3)),
                      max_size=14)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(ops=operations, order=st.permutations([0, 1, 2]))
def test_every_change_is_merged_or_reported_and_a_second_merge_changes_nothing(template, ops, order):
    with tempfile.TemporaryDirectory() as folder:
        paths = {side: Path(folder) / f"{side}.gpkg" for side in SIDES}
        for side, path in paths.items():
            shutil.copyfile(template / f"{side}.gpkg", path)
        base, base_photos = state(paths["master"])
        for counter, (side, op, target, value) in enumerate(ops):
            apply(paths[side], op, target, value, counter)
        finals = {side: state(path) for side, path in paths.items()}
        reports = {}
        for i in order:
            reports[f"p{i}"] = merge(paths["master"], paths[f"p{i}"])
        result, result_photos = state(paths["master"])

        # the master's own changes: never lost
        edits, gone, new = changes(base, finals["master"][0])
        for (uid, field), value in edits.items():
            assert uid in result and same(field, result[uid][field], value), (uid, field)
        assert not gone & set(result)
        for uid, feature in new.items():
            assert all(same(f, result[uid][f], feature[f]) for f in FIELDS)
        # each package's changes: merged, or named by a conflict or a skip of its merge
        deleted_by_someone = set(gone)
        for side in ("p0", "p1", "p2"):
            report = reports[side]
            edits, gone, new = changes(base, finals[side][0])
            deleted_by_someone |= gone
            for (uid, field), value in edits.items():
                assert (uid in result and same(field, result[uid][field], value)) or named(report, uid, field), \
                    (side, uid, field)
            for uid in gone:
                assert uid not in result or named(report, uid, None), (side, uid)
            for uid, feature in new.items():
                renamed = [e["uid"] for e in report.applied if e.get("field_uid") == uid] or [uid]
                assert any(all(same(f, result.get(u, {}).get(f), feature[f]) for f in FIELDS) for u in renamed) or \
                    any(all(same(f, r[f], feature[f]) for f in FIELDS) for r in result.values()), (side, uid)
            for entry in report.conflicts:  # never a conflict on what the package left alone
                if entry["field"] in FIELDS:
                    assert not same(entry["field"], base[entry["uid"]][entry["field"]],
                                    finals[side][0][entry["uid"]][entry["field"]])
            photos = finals[side][1]
            for attachment_id, (uid, sha) in photos.items():
                if base_photos.get(attachment_id, (None, None))[1] != sha:
                    assert result_photos.get(attachment_id, (None, None))[1] == sha or \
                        named(report, uid, f"attachment:{attachment_id}"), (side, attachment_id)
            for attachment_id in set(base_photos) - set(photos):
                assert attachment_id not in result_photos or named(report, base_photos[attachment_id][0],
                                                                   f"attachment:{attachment_id}")
        # nothing disappears silently
        assert set(base) - deleted_by_someone <= set(result)
        removed_somewhere = set().union(*(set(base_photos) - set(finals[s][1]) for s in SIDES))
        assert set(base_photos) - removed_somewhere <= set(result_photos)
        # a second merge of each package changes nothing
        for i in order:
            before = digest(paths["master"])
            again = merge(paths["master"], paths[f"p{i}"])
            assert again.applied == [] and digest(paths["master"]) == before, (i, again.applied)
