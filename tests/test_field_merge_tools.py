"""gisdesk merge with other tools: a package edited in QGIS 3.22, and evidence photos sealed in two
packages (their hash chain verifies in the master after both merges; a swapped photo is named)."""

from __future__ import annotations

import shutil
import sqlite3

import shapely
import shapely.affinity

from gisdesk import attachments
from gisdesk.field.merge import merge
from gisdesk.field.pack import pack
from gisdesk.project import Project
from tests.field_projects import geometries
from tests.test_field_merge import by_key, made, master, package  # noqa: F401  (fixtures)



def test_an_edit_made_in_qgis_merges(master, package):
    from tests.test_gpkg_interop import _has, _require, probe

    _require(_has("qgis.core"), "QGIS (python3-qgis)")
    result = probe("edit", package, "buildings", "B2", "floors", "9", "外业的建筑")
    assert result["committed"], result
    report = merge(master, package)
    applied = by_key(report.applied)
    assert applied[("buildings", "B2", "floors")]["field_value"] == 9
    new = [e for e in report.applied if e["action"] == "add"]  # QGIS' new feature: no uid in the package
    assert len(new) == 1 and new[0]["field_uid"].startswith("fid:") and new[0]["field_value"]["floors"] == 9
    assert geometries(master, "buildings")[new[0]["uid"]].equals(
        shapely.affinity.translate(geometries(master, "buildings")["B2"], 5.0, 0.0))
    assert report.conflicts == [] and merge(master, package).applied == []


def test_evidence_sealed_in_two_packages_verifies_in_the_master_after_both_merges(tmp_path):
    from tests.photo_project import CASE_1, GPS_PHOTO, NOGPS_PHOTO, make_project

    project = make_project(tmp_path)
    attachments.add_evidence(project, "ledger", CASE_1, GPS_PHOTO, operator="张三")  # a link both packages start from
    first, second = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    pack(project, first, district=None, extent=Project(project).read_layer("ledger").total_bounds)
    shutil.copyfile(first, second)  # (two copies of one package: the second is a fork of the same base)
    attachments.add_evidence(first, "ledger", CASE_1, NOGPS_PHOTO, azimuth=45, operator="李四")
    attachments.add_evidence(second, "ledger", CASE_1, NOGPS_PHOTO, azimuth=90, operator="王五")
    merge(project, first)
    with sqlite3.connect(second) as db:  # a package id of its own, as pack would have given it
        db.execute("UPDATE gisdesk_settings SET value = 'second' WHERE key = 'field:package_id'")
    report = merge(project, second)
    assert report.conflicts == [] and report.skipped == []
    check = attachments.verify(project)
    assert check.ok, check.problems
    assert check.links == 3 and len(attachments.list_attachments(project)) == 3
    # a swapped photo in a package is not carried, and the project's chain still verifies
    third = tmp_path / "c.gpkg"
    pack(project, third, extent=Project(project).read_layer("ledger").total_bounds)
    swapped = attachments.add_evidence(third, "ledger", CASE_1, GPS_PHOTO, azimuth=10, operator="赵六")
    with sqlite3.connect(third) as db:
        db.execute("UPDATE gisdesk_attachments SET data = ? WHERE attachment_id = ?", (b"not the photo",
                                                                                        swapped.attachment_id))
    report = merge(project, third)
    assert [e["reason"] for e in report.skipped] == ["sha256-mismatch"]
    assert swapped.attachment_id not in {a.attachment_id for a in attachments.list_attachments(project)}
    problems = attachments.verify(project).problems  # its sealed link came along: the chain names the photo
    assert [p.attachment_id for p in problems] == [swapped.attachment_id]
