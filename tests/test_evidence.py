"""Evidence photos (举证): the stamp burnt into them and the hash chain that seals them in the case history."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps
from pyproj import Transformer

from gisdesk import attachments
from gisdesk.errors import InputError
from tests.photo_project import CASE_1, CASE_2, CRS, GPS_AZIMUTH, GPS_LAT, GPS_LON, GPS_PHOTO, NOGPS_PHOTO, \
    ROTATED_PHOTO, copy_of, make_project


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("evidence"))


@pytest.fixture
def project(template, tmp_path):
    return copy_of(template, tmp_path)


@pytest.fixture
def sealed(project):
    """Three evidence photos on two cases (and a plain photo), sealed; returns (project, [evidence])."""
    attachments.add(project, "ledger", CASE_1, [GPS_PHOTO])
    first = attachments.add_evidence(project, "ledger", CASE_1, GPS_PHOTO, operator="张三")
    second = attachments.add_evidence(project, "ledger", CASE_1, NOGPS_PHOTO, azimuth=45, operator="张三",
                                      lon=20.512, lat=-34.0371)
    third = attachments.add_evidence(project, "ledger", CASE_2, ROTATED_PHOTO, azimuth=300, operator="李四",
                                     device="执法记录仪 DSJ-V9")
    return project, [first, second, third]


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


def _unlock_history(db) -> None:
    """What a tamperer does first: the history refuses UPDATE and DELETE through its triggers."""
    db.execute("DROP TRIGGER gisdesk_ledger_history_no_update")
    db.execute("DROP TRIGGER gisdesk_ledger_history_no_delete")


def _problems(project) -> list[tuple[str, str]]:
    return sorted((p.check, p.attachment_id) for p in attachments.verify(project).problems if p.fatal)


# --- the facts and the stamp ---------------------------------------------------------------------

def test_evidence_facts_from_exif_and_kept_in_the_stored_photo(project):
    e = attachments.add_evidence(project, "ledger", CASE_1, GPS_PHOTO, operator="张三")
    assert e.kind == "evidence" and e.mime == "image/jpeg" and e.name == "site_gps.jpg"
    assert (e.lon, e.lat, e.azimuth) == (pytest.approx(GPS_LON), pytest.approx(GPS_LAT), pytest.approx(GPS_AZIMUTH))
    assert (e.taken_at, e.operator, e.device) == ("2024-05-03T10:21:07+02:00", "张三", "Xiaomi Redmi Note 12")
    stored = attachments.read(project, e.attachment_id)
    assert stored != GPS_PHOTO.read_bytes() and e.sha256 == attachments.sha256_hex(stored)
    again = attachments.photo_facts(stored)  # the camera's EXIF carried into the stamped JPEG
    original = attachments.photo_facts(GPS_PHOTO.read_bytes())
    assert {k: again[k] for k in ("taken_at", "lon", "lat", "azimuth", "device", "width", "height")} == \
        {k: original[k] for k in ("taken_at", "lon", "lat", "azimuth", "device", "width", "height")}
    link = attachments.chain(project, CASE_1)[0]
    facts = json.loads(link["facts"])
    assert facts["original_sha256"] == attachments.sha256_hex(GPS_PHOTO.read_bytes())
    assert facts["position_source"] == "exif" and facts["case_no"] == CASE_1 and link["sha256"] == e.sha256
    assert link["from_status"] == link["to_status"] == "待核查"  # a link leaves the case's status as it was


def test_the_stamp_is_in_the_band_and_only_there(project):
    e = attachments.add_evidence(project, "ledger", CASE_1, GPS_PHOTO, operator="张三")
    stamped, original = _pixels(attachments.read(project, e.attachment_id)), _pixels(GPS_PHOTO.read_bytes())
    assert stamped.shape == original.shape == (480, 640, 3)
    evidence = {k: getattr(e, k) for k in ("taken_at", "lon", "lat", "azimuth", "operator", "device")}
    layout = attachments.stamp_layout(640, 480, evidence, case_no=CASE_1)
    top = 480 - layout.band
    assert 60 <= layout.band <= 120 and len(layout.lines) == 3
    above = np.abs(stamped[:top] - original[:top]).mean()
    band = np.abs(stamped[top:] - original[top:]).mean()
    assert above < 3  # only the JPEG's re-encoding
    assert band > 30  # darkened and written on
    # a reference stamp drawn here, independently, with the texts it must carry
    font = ImageFont.truetype(attachments.stamp_font_path(), layout.size)

    def reference(lines):
        base = Image.open(GPS_PHOTO).convert("RGBA")
        overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        draw.rectangle((0, top, 640, 480), fill=(0, 0, 0, 150))
        for i, line in enumerate(lines):
            draw.text((layout.margin, top + layout.margin + i * layout.line_step), line, font=font, fill="white")
        return np.asarray(Image.alpha_composite(base, overlay).convert("RGB"), dtype=np.int16)

    lines = ["时间 2024-05-03 10:21:07+02:00    案件 WJ-2024-001",
             "经度 20.511900°E  纬度 34.037000°S（照片GPS）    方位角 123.45°",
             "操作员 张三    设备 Xiaomi Redmi Note 12"]
    assert layout.lines == lines
    text_width = 640 - 2 * layout.radius - 3 * layout.margin  # left of the compass
    assert np.abs(stamped[top:, :text_width] - reference(lines)[top:, :text_width]).mean() < 4
    # the operator's name: where the third line says 张三, a reference saying 李四 is far off
    row = top + layout.margin + 2 * layout.line_step
    x0, x1 = layout.margin + int(font.getlength("操作员 ")), layout.margin + int(font.getlength("操作员 张三"))
    name = np.s_[row:row + layout.line_step, x0:x1]
    right = np.abs(stamped[name] - reference(lines)[name]).mean()
    wrong = np.abs(stamped[name] - reference([lines[0], lines[1], "操作员 李四    设备 Xiaomi Redmi Note 12"])[name]).mean()
    assert right < 8 and wrong > 3 * right, (right, wrong)


def test_the_stamp_fits_a_narrow_upright_photo(project):
    """site_rotated.jpg is stored 320 x 240 with EXIF orientation 6: the stamp goes on the upright 240 x 320."""
    e = attachments.add_evidence(project, "ledger", CASE_2, ROTATED_PHOTO, azimuth=300, operator="王五")
    stored = Image.open(io.BytesIO(attachments.read(project, e.attachment_id)))
    assert stored.size == (240, 320) and stored.getexif().get(0x0112) == 1
    upright = np.asarray(ImageOps.exif_transpose(Image.open(ROTATED_PHOTO)).convert("RGB"), dtype=np.int16)
    evidence = {k: getattr(e, k) for k in ("taken_at", "lon", "lat", "azimuth", "operator", "device")}
    layout = attachments.stamp_layout(240, 320, evidence, case_no=CASE_2)
    assert len(layout.lines) == 7  # one fact a line
    font = ImageFont.truetype(attachments.stamp_font_path(), layout.size)
    assert max(font.getlength(line) for line in layout.lines) <= 240 - 2 * layout.radius - 3 * layout.margin
    pixels = np.asarray(stored.convert("RGB"), dtype=np.int16)
    top = 320 - layout.band
    assert np.abs(pixels[:top] - upright[:top]).mean() < 4 < 30 < np.abs(pixels[top:] - upright[top:]).mean()


def test_position_falls_back_to_the_feature_and_is_marked(project):
    e = attachments.add_evidence(project, "ledger", CASE_2, NOGPS_PHOTO, azimuth=90, operator="李四")
    with sqlite3.connect(project) as db:  # CASE_2's square, by hand: its centre in lon/lat
        from shapely import from_wkb
        blob = db.execute("SELECT geom FROM ledger WHERE uid = ?", (CASE_2,)).fetchone()[0]
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    centre = from_wkb(bytes(blob[8 + envelope:])).centroid
    lon, lat = Transformer.from_crs(CRS, 4326, always_xy=True).transform(centre.x, centre.y)
    assert (e.lon, e.lat) == (pytest.approx(lon, abs=1e-6), pytest.approx(lat, abs=1e-6))
    assert json.loads(attachments.chain(project, CASE_2)[0]["facts"])["position_source"] == "feature"
    evidence = {k: getattr(e, k) for k in ("taken_at", "lon", "lat", "azimuth", "operator", "device")}
    assert "（要素中心）" in attachments.stamp_layout(480, 360, evidence, case_no=CASE_2,
                                                  position_source="feature").lines[1]
    given = attachments.add_evidence(project, "ledger", CASE_2, GPS_PHOTO, lon=20.6, lat=-34.1, position_source="gps")
    assert (given.lon, given.lat) == (20.6, -34.1)  # a given position wins over the EXIF one
    assert json.loads(attachments.chain(project, CASE_2)[1]["facts"])["position_source"] == "gps"


def test_evidence_of_one_call_is_all_or_nothing(project, tmp_path):
    text = tmp_path / "说明.txt"
    text.write_text("不是照片", encoding="utf-8")
    with pytest.raises(InputError, match="说明.txt"):
        attachments.add_evidence_all(project, "ledger", CASE_1, [GPS_PHOTO, text], operator="张三")
    assert attachments.list_attachments(project) == [] and attachments.chain(project) == []


# --- the chain -------------------------------------------------------------------------------------

def test_an_untouched_chain_verifies(sealed):
    project, evidence = sealed
    report = attachments.verify(project)
    assert report.ok and report.problems == [] and report.attachments == 4 and report.links == 3
    links = attachments.chain(project, CASE_1)
    assert links[0]["prev_hash"] == "" and links[1]["prev_hash"] == links[0]["link_hash"]
    assert attachments.chain(project, CASE_2)[0]["prev_hash"] == ""  # a chain per case
    # the link hash recomputed here from its definition (the module docstring)
    import hashlib
    link = links[1]
    fields = [link["prev_hash"], link["case_uid"], link["at"], link["who"], link["from_status"], link["to_status"],
              link["note"], link["attachment_id"], link["sha256"], link["facts"]]
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(text.encode()).hexdigest() == link["link_hash"]


def test_swapped_photo_bytes_are_named(sealed, cli):
    project, (first, second, third) = sealed
    with sqlite3.connect(project) as db:  # the attachments table is not append-only: a plain UPDATE
        db.execute("UPDATE gisdesk_attachments SET data = ? WHERE attachment_id = ?",
                   (ROTATED_PHOTO.read_bytes(), second.attachment_id))
    assert _problems(project) == [("bytes", second.attachment_id)]
    code, out, err = cli("attachments", project, "--verify")
    assert code == 1
    assert second.attachment_id in out and "site_nogps.jpg" in out and CASE_1 in out and "sha256" in out
    assert first.attachment_id not in out and third.attachment_id not in out
    assert "校验未通过：1 处问题" in err


def test_swapped_bytes_with_their_new_hash_are_named(sealed):
    """A tamperer who also writes the new photo's sha256 into the row: the sealed sha256 differs."""
    project, (first, second, third) = sealed
    data = NOGPS_PHOTO.read_bytes()
    with sqlite3.connect(project) as db:
        db.execute("UPDATE gisdesk_attachments SET data = ?, sha256 = ?, size = ? WHERE attachment_id = ?",
                   (data, attachments.sha256_hex(data), len(data), third.attachment_id))
    assert _problems(project) == [("sha256", third.attachment_id)]


def test_edited_facts_are_named(sealed):
    project, (first, second, third) = sealed
    with sqlite3.connect(project) as db:
        db.execute("UPDATE gisdesk_attachments SET azimuth = 10, operator = '某人' WHERE attachment_id = ?",
                   (first.attachment_id,))
    problems = [p for p in attachments.verify(project).problems if p.fatal]
    assert [(p.check, p.attachment_id, p.detail) for p in problems] == [("facts", first.attachment_id,
                                                                         "azimuth, operator")]
    assert "（方位角、操作员）" in problems[0].message
    with sqlite3.connect(project) as db:  # passed off as a plain photo, out of the chain's sight
        db.execute("UPDATE gisdesk_attachments SET kind = 'photo' WHERE attachment_id = ?", (second.attachment_id,))
    assert [(p.check, p.attachment_id, p.detail) for p in attachments.verify(project).problems if p.fatal][1] == \
        ("facts", second.attachment_id, "kind")


def test_an_edited_link_is_named(sealed):
    project, (first, second, third) = sealed
    with sqlite3.connect(project) as db:
        _unlock_history(db)
        facts = json.loads(db.execute("SELECT facts FROM gisdesk_ledger_history WHERE attachment_id = ?",
                                      (second.attachment_id,)).fetchone()[0])
        facts["azimuth"] = 225.0
        db.execute("UPDATE gisdesk_ledger_history SET facts = ? WHERE attachment_id = ?",
                   (json.dumps(facts, ensure_ascii=False), second.attachment_id))
    # the link no longer hashes to itself, and the row differs from what the link now says
    assert _problems(project) == sorted([("link", second.attachment_id), ("facts", second.attachment_id)])
    message = next(p.message for p in attachments.verify(project).problems if p.check == "link")
    assert "site_nogps.jpg" in message and CASE_1 in message and second.attachment_id in message


def test_a_deleted_link_is_named(sealed):
    project, (first, second, third) = sealed
    with sqlite3.connect(project) as db:
        _unlock_history(db)
        db.execute("DELETE FROM gisdesk_ledger_history WHERE attachment_id = ?", (first.attachment_id,))
    # the next link names a predecessor that is gone, and the first photo has no seal
    assert _problems(project) == sorted([("predecessor", second.attachment_id), ("unsealed", first.attachment_id)])


def test_a_deleted_attachment_is_named_unless_its_removal_was_sealed(sealed):
    project, (first, second, third) = sealed
    with sqlite3.connect(project) as db:
        db.execute("DELETE FROM gisdesk_attachments WHERE attachment_id = ?", (third.attachment_id,))
    problems = [p for p in attachments.verify(project).problems if p.fatal]
    assert [(p.check, p.attachment_id) for p in problems] == [("missing", third.attachment_id)]
    assert "site_rotated.jpg" in problems[0].message and CASE_2 in problems[0].message
    # removed through gisdesk: the removal is a link of its own, and the chain holds
    removed = attachments.remove(project, second.attachment_id, who="张三")
    assert _problems(project) == [("missing", third.attachment_id)]
    assert json.loads(attachments.chain(project, CASE_1)[-1]["facts"])["action"] == "removed"
    attachments.restore(project, removed)  # undo: sealed again
    assert _problems(project) == [("missing", third.attachment_id)]
    assert attachments.chain(project, CASE_1)[-1]["prev_hash"] == attachments.chain(project, CASE_1)[-2]["link_hash"]


def test_an_unsealed_evidence_row_is_named(sealed):
    project, (first, second, third) = sealed
    with sqlite3.connect(project) as db:  # a forged "evidence" photo slipped into the table
        db.execute("INSERT INTO gisdesk_attachments (attachment_id, layer, uid, kind, name, mime, size, sha256, data, "
                   "added_at, added_by) VALUES ('f' || hex(randomblob(15)), 'ledger', ?, 'evidence', 'forged.jpg', "
                   "'image/jpeg', 3, ?, X'010203', '2024-05-06T00:00:00', 'x')",
                   (CASE_2, attachments.sha256_hex(b"\x01\x02\x03")))
    problems = [p for p in attachments.verify(project).problems if p.fatal]
    assert [(p.check, p.name) for p in problems] == [("unsealed", "forged.jpg")]


def test_links_carried_by_a_merge_still_verify(sealed, tmp_path):
    """A field package forks the chain: both sides append to the same case; the package's links and
    photo are carried into the master unchanged (new event_ids), as F1's merge does."""
    master, _ = sealed
    package = tmp_path / "field.gpkg"
    shutil.copyfile(master, package)
    in_field = attachments.add_evidence(package, "ledger", CASE_1, GPS_PHOTO, operator="外业", azimuth=10)
    in_office = attachments.add_evidence(master, "ledger", CASE_1, NOGPS_PHOTO, operator="内业", azimuth=20)
    with sqlite3.connect(master) as db:
        db.execute("ATTACH ? AS field", (str(package),))
        names = [r[1] for r in db.execute("PRAGMA table_info(gisdesk_ledger_history)") if r[1] != "event_id"]
        db.execute(f"INSERT INTO gisdesk_ledger_history ({', '.join(names)}) SELECT {', '.join(names)} FROM "
                   f"field.gisdesk_ledger_history WHERE attachment_id = ?", (in_field.attachment_id,))
        columns = [r[1] for r in db.execute("PRAGMA table_info(gisdesk_attachments)") if r[1] != "fid"]
        db.execute(f"INSERT INTO gisdesk_attachments ({', '.join(columns)}) SELECT {', '.join(columns)} FROM "
                   f"field.gisdesk_attachments WHERE attachment_id = ?", (in_field.attachment_id,))
    report = attachments.verify(master)
    assert report.ok and report.links == 5, [p.message for p in report.problems]
    links = {link["attachment_id"]: link for link in attachments.chain(master, CASE_1)}
    assert links[in_field.attachment_id]["prev_hash"] == links[in_office.attachment_id]["prev_hash"]  # the fork
    # the next link of the master follows its newest (the carried one) and verifies too
    attachments.add_evidence(master, "ledger", CASE_1, GPS_PHOTO, operator="内业")
    assert attachments.verify(master).ok


def test_evidence_added_in_a_field_package_verifies_after_the_real_merge(tmp_path):
    """gisdesk pack, evidence on the same case in the package and in the office, gisdesk merge (F1's):
    the package's photo and link arrive, the forked chain verifies, a second merge changes nothing."""
    from gisdesk.field.merge import merge
    from gisdesk.field.pack import pack
    from tests.field_projects import make_master

    master, package = tmp_path / "master.gpkg", tmp_path / "field.gpkg"
    make_master(master)
    office = attachments.add_evidence(master, "ledger", "L1", GPS_PHOTO, operator="内业", lon=121.49, lat=31.24)
    pack(master, package, extent=(0, -10, 200, 30))
    in_field = attachments.add_evidence(package, "ledger", "L1", NOGPS_PHOTO, operator="外业", azimuth=30)
    later = attachments.add_evidence(master, "ledger", "L1", ROTATED_PHOTO, operator="内业", azimuth=200)
    assert attachments.verify(package).ok and attachments.verify(master).ok
    report = merge(master, package)
    assert report.conflicts == [], report.conflicts
    assert attachments.read(master, in_field.attachment_id) == attachments.read(package, in_field.attachment_id)
    links = {link["attachment_id"]: link for link in attachments.chain(master, "L1")}
    assert set(links) == {office.attachment_id, later.attachment_id, in_field.attachment_id}
    assert links[in_field.attachment_id]["prev_hash"] == links[later.attachment_id]["prev_hash"] == \
        links[office.attachment_id]["link_hash"]  # the fork, both sides after the office's first photo
    result = attachments.verify(master)
    assert result.ok and result.links == 3, [p.message for p in result.problems]
    merge(master, package)
    assert attachments.verify(master).ok and len(attachments.chain(master, "L1")) == 3
