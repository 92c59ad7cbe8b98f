"""Photos and documents of features in the project GeoPackage (gisdesk/attachments.py)."""

from __future__ import annotations

import hashlib
import io
import sqlite3

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from gisdesk import attachments
from gisdesk.errors import InputError
from gisdesk.project import Project
from tests.photo_project import CASE_1, CASE_2, GPS_AZIMUTH, GPS_LAT, GPS_LON, GPS_PHOTO, NOGPS_PHOTO, ROTATED_PHOTO, \
    copy_of, make_project
from tests.test_gpkg_interop import gdal_tools, ogrinfo, validate  # noqa: F401 (gdal_tools is a fixture)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("photos"))


@pytest.fixture
def project(template, tmp_path):
    return copy_of(template, tmp_path)


def _file_digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _jpeg_with_exif(lat_dms, lat_ref, lon_dms, lon_ref, direction=None, taken="2023:11:30 08:05:09") -> bytes:
    """A generated 64 x 48 image whose EXIF we write here (not a camera's)."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS 90D"
    exif[0x8769] = {0x9003: taken}
    gps = {1: lat_ref, 2: tuple(IFDRational(*v) for v in lat_dms), 3: lon_ref, 4: tuple(IFDRational(*v) for v in lon_dms)}
    if direction is not None:
        gps[16], gps[17] = "M", IFDRational(*direction)
    exif[0x8825] = gps
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 90)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


# --- EXIF ------------------------------------------------------------------------------------

def test_exif_of_the_test_photo_read_as_written_by_hand():
    facts = attachments.photo_facts(GPS_PHOTO.read_bytes())
    assert facts["lat"] == pytest.approx(-(34 + 2 / 60 + 13.20 / 3600), abs=1e-12) == pytest.approx(GPS_LAT)
    assert facts["lon"] == pytest.approx(20 + 30 / 60 + 42.84 / 3600, abs=1e-12) == pytest.approx(GPS_LON)
    assert facts["azimuth"] == pytest.approx(GPS_AZIMUTH)
    assert facts["taken_at"] == "2024-05-03T10:21:07+02:00"
    assert facts["device"] == "Xiaomi Redmi Note 12"
    assert (facts["width"], facts["height"]) == (640, 480)
    nogps = attachments.photo_facts(NOGPS_PHOTO.read_bytes())
    assert (nogps["lat"], nogps["lon"], nogps["azimuth"]) == (None, None, None)
    assert nogps["taken_at"] == "2024-05-04T09:00:00" and nogps["device"] == "HUAWEI P40"  # Model starts with Make
    assert attachments.photo_facts(ROTATED_PHOTO.read_bytes())["azimuth"] is None


def test_exif_north_west_and_rationals():
    """39° 54' 27" N, 116° 23' 29.4" W by hand: 39.9075, -116.3915; direction 2701/10 = 270.1."""
    data = _jpeg_with_exif(((39, 1), (54, 1), (27, 1)), "N", ((116, 1), (23, 1), (294, 10)), "W", (2701, 10))
    facts = attachments.photo_facts(data)
    assert facts["lat"] == pytest.approx(39.9075, abs=1e-12)
    assert facts["lon"] == pytest.approx(-116.3915, abs=1e-12)
    assert facts["azimuth"] == pytest.approx(270.1)
    assert facts["taken_at"] == "2023-11-30T08:05:09" and facts["device"] == "Canon EOS 90D"
    # decimal minutes, as some phones write them: 31° 14.5' S = -31.241666...
    data = _jpeg_with_exif(((31, 1), (145, 10), (0, 1)), "S", ((121, 1), (0, 1), (0, 1)), "E")
    assert attachments.photo_facts(data)["lat"] == pytest.approx(-(31 + 14.5 / 60), abs=1e-12)
    assert attachments.photo_facts(b"%PDF-1.4 not an image") == {}


# --- storing -----------------------------------------------------------------------------------

def test_round_trip_of_bytes_and_hash(project):
    document = "现场记录：东侧搭建彩钢板房约 30 平方米。\n".encode("utf-8")
    added = attachments.add(project, "ledger", CASE_1, [GPS_PHOTO, ("记录.txt", document)], who="张三")
    assert [a.kind for a in added] == ["photo", "document"]
    photo, doc = added
    assert photo.sha256 == _file_digest(GPS_PHOTO) and photo.size == GPS_PHOTO.stat().st_size
    assert photo.mime == "image/jpeg" and doc.mime == "text/plain" and doc.name == "记录.txt"
    assert attachments.read(project, photo.attachment_id) == GPS_PHOTO.read_bytes()
    assert attachments.read(project, doc.attachment_id) == document
    assert doc.sha256 == hashlib.sha256(document).hexdigest()
    assert (photo.lon, photo.lat, photo.azimuth) == (pytest.approx(GPS_LON), pytest.approx(GPS_LAT),
                                                     pytest.approx(GPS_AZIMUTH))
    assert photo.taken_at == "2024-05-03T10:21:07+02:00" and photo.device == "Xiaomi Redmi Note 12"
    assert photo.added_by == "张三" and len(photo.attachment_id) == 32 and int(photo.attachment_id, 16) >= 0
    assert attachments.list_attachments(project, "ledger", CASE_1) == added
    assert attachments.list_attachments(project, "ledger", CASE_2) == []
    assert attachments.get(project, doc.attachment_id) == doc
    # stored in the file itself: a plain sqlite3 read gives the same bytes
    with sqlite3.connect(project) as db:
        blob = db.execute("SELECT data FROM gisdesk_attachments WHERE attachment_id = ?", (photo.attachment_id,)).fetchone()
    assert bytes(blob[0]) == GPS_PHOTO.read_bytes()


def test_the_table_is_the_common_one_and_registered(project):
    attachments.add(project, "ledger", CASE_1, [GPS_PHOTO])
    with sqlite3.connect(project) as db:
        columns = [(r[1], r[2], r[3], r[5]) for r in db.execute("PRAGMA table_info(gisdesk_attachments)")]
        contents = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'gisdesk_attachments'").fetchone()
    assert [c[0] for c in columns] == ["fid", "attachment_id", "layer", "uid", "kind", "name", "mime", "size", "sha256",
                                       "data", "taken_at", "lon", "lat", "azimuth", "operator", "device", "added_at",
                                       "added_by"]
    assert columns[0] == ("fid", "INTEGER", 0, 1) and ("data", "BLOB", 1, 0) in columns
    assert contents == ("attributes",)


def test_gdal_lists_the_table_and_the_project_still_validates(project, gdal_tools):
    attachments.add(project, "ledger", CASE_1, [GPS_PHOTO, ("a.txt", b"x")])
    attachments.add_evidence(project, "ledger", CASE_2, NOGPS_PHOTO, azimuth=90, operator="李四")
    listed = ogrinfo("-ro", "-q", project)
    assert listed.returncode == 0 and "gisdesk_attachments" in listed.stdout, listed.stdout + listed.stderr
    rows = ogrinfo("-ro", "-al", "-so", project, "gisdesk_attachments")
    assert "Feature Count: 3" in rows.stdout and "sha256: String" in rows.stdout and "data: Binary" in rows.stdout, \
        rows.stdout
    result = validate(project)
    assert result.returncode == 0, result.stdout + result.stderr
    history = ogrinfo("-ro", "-al", "-so", project, "gisdesk_ledger_history")
    assert "link_hash: String" in history.stdout, history.stdout


def test_older_project_gets_the_chain_columns_and_keeps_its_history(project):
    Project.open(project).change_status(CASE_1, "已立案", who="张三", note="立案")
    with sqlite3.connect(project) as db:
        before = db.execute("SELECT * FROM gisdesk_ledger_history").fetchall()
        assert "link_hash" not in {r[1] for r in db.execute("PRAGMA table_info(gisdesk_ledger_history)")}
    assert attachments.list_attachments(project) == [] and attachments.verify(project).ok  # reading adds nothing
    attachments.add(project, "ledger", CASE_1, [GPS_PHOTO])
    with sqlite3.connect(project) as db:
        names = [r[1] for r in db.execute("PRAGMA table_info(gisdesk_ledger_history)")]
        after = db.execute(f"SELECT {', '.join(names[:7])} FROM gisdesk_ledger_history").fetchall()
    assert names[-5:] == ["attachment_id", "sha256", "facts", "prev_hash", "link_hash"]
    assert after == before


def test_a_bad_add_leaves_the_project_untouched(project):
    digest = _file_digest(project)
    with pytest.raises(InputError, match="WJ-404"):
        attachments.add(project, "ledger", "WJ-404", [GPS_PHOTO])
    with pytest.raises(InputError, match="不存在"):
        attachments.add(project, "ledger", CASE_1, [GPS_PHOTO, project.parent / "missing.jpg"])
    with pytest.raises(InputError, match="nolayer"):
        attachments.add(project, "nolayer", CASE_1, [GPS_PHOTO])
    assert _file_digest(project) == digest


def test_read_refuses_swapped_bytes(project):
    photo = attachments.add(project, "ledger", CASE_1, [GPS_PHOTO])[0]
    with sqlite3.connect(project) as db:
        db.execute("UPDATE gisdesk_attachments SET data = ? WHERE attachment_id = ?", (b"other", photo.attachment_id))
    with pytest.raises(Exception, match="sha256"):
        attachments.read(project, photo.attachment_id)
    assert attachments.read(project, photo.attachment_id, check=False) == b"other"


def test_remove_restore_and_save_as(project, tmp_path):
    photo, doc = attachments.add(project, "ledger", CASE_1, [GPS_PHOTO, ("a.pdf", b"%PDF-1.4\n")])
    assert doc.mime == "application/pdf"
    target = attachments.save_as(project, photo.attachment_id, tmp_path / "out.jpg")
    assert target.read_bytes() == GPS_PHOTO.read_bytes()
    removed = attachments.remove(project, photo.attachment_id)
    assert [a.attachment_id for a in attachments.list_attachments(project)] == [doc.attachment_id]
    back = attachments.restore(project, removed)
    assert back.attachment_id == photo.attachment_id and back.sha256 == photo.sha256
    assert attachments.read(project, photo.attachment_id) == GPS_PHOTO.read_bytes()
    assert attachments.verify(project).ok


def test_a_deleted_feature_keeps_its_attachments_and_they_are_named(project, cli):
    """The decision (module docstring): attachments outlive their feature and are told, never silent."""
    photo = attachments.add(project, "ledger", CASE_2, [GPS_PHOTO])[0]
    with sqlite3.connect(project) as db:  # the case deleted, as any tool (QGIS, the app's edit session) would
        db.execute("DELETE FROM ledger WHERE uid = ?", (CASE_2,))
    assert [a.attachment_id for a in attachments.orphans(project)] == [photo.attachment_id]
    assert attachments.read(project, photo.attachment_id) == GPS_PHOTO.read_bytes()
    code, out, _ = cli("attachments", project)
    assert code == 0 and "要素已删除" in out and photo.attachment_id in out
    code, out, _ = cli("attachments", project, "--verify")
    assert code == 0 and "所属要素已删除" in out and photo.attachment_id in out  # a note, not a failure


# --- the command line ----------------------------------------------------------------------------

def test_cli_attach_and_list(project, cli):
    code, out, err = cli("attach", project, "ledger", CASE_1, GPS_PHOTO, NOGPS_PHOTO)
    assert code == 0, err
    assert "已给 ledger 的要素 WJ-2024-001 附加 2 个文件" in out
    listed = attachments.list_attachments(project)
    assert [a.name for a in listed] == ["site_gps.jpg", "site_nogps.jpg"] and {a.kind for a in listed} == {"photo"}
    code, out, _ = cli("attachments", project)
    assert code == 0 and "共 2 个附件" in out
    line = next(line for line in out.splitlines() if listed[0].attachment_id in line)
    assert "照片" in line and "20.511900,-34.037000" in line and "方位角 123.45°" in line and listed[0].sha256[:16] in line
    code, out, _ = cli("attachments", project, "--verify", "--lang", "en")
    assert code == 0 and "verified: the bytes of 2 attachments match their sha256" in out


def test_cli_refuses_bad_input_with_one_line(project, cli):
    digest = _file_digest(project)
    code, _, err = cli("attach", project, "ledger", "WJ-404", GPS_PHOTO)
    assert code == 2 and "图层 ledger 中没有要素 WJ-404" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("attach", project, "ledger", CASE_1, GPS_PHOTO, "--azimuth", "30")
    assert code == 2 and "--evidence" in err
    code, _, err = cli("attach", project, "ledger", CASE_1, ROTATED_PHOTO, "--evidence")
    assert code == 2 and "方位角" in err and "site_rotated.jpg" in err
    code, _, err = cli("--lang", "en", "attach", project, "ledger", CASE_1, ROTATED_PHOTO, "--evidence")
    assert code == 2 and "no direction in its EXIF" in err
    assert _file_digest(project) == digest


def test_cli_attach_evidence(project, cli):
    code, out, err = cli("attach", project, "ledger", CASE_2, NOGPS_PHOTO, "--evidence", "--azimuth", "45",
                         "--operator", "李四", "--lon", "20.513", "--lat", "-34.0371")
    assert code == 0, err
    e, = attachments.list_attachments(project, "ledger", CASE_2)
    assert (e.kind, e.azimuth, e.operator, e.device, e.lon, e.lat) == ("evidence", 45.0, "李四", "HUAWEI P40", 20.513,
                                                                       -34.0371)
    assert "举证照片" in out and e.attachment_id in out
    import json
    link, = attachments.chain(project, CASE_2)
    assert json.loads(link["facts"])["position_source"] == "given" and link["sha256"] == e.sha256
    code, _, err = cli("attach", project, "ledger", CASE_2, NOGPS_PHOTO, "--evidence", "--azimuth", "45", "--lon", "1")
    assert code == 2 and "--lat" in err
    code, out, _ = cli("attachments", project, "--verify")
    assert code == 0 and "举证链 1 个链接完整" in out
