"""Photos and documents of features, stored in the project GeoPackage; evidence photos (举证) sealed
by a hash chain in the ledger's case history. No Qt.

The table (COMMON12, the field merge codes against it)::

    gisdesk_attachments (fid INTEGER PRIMARY KEY AUTOINCREMENT, attachment_id TEXT NOT NULL UNIQUE,
      layer TEXT NOT NULL, uid TEXT NOT NULL, kind TEXT NOT NULL,  -- 'photo' | 'document' | 'evidence'
      name, mime, size, sha256 (of `data`, hex), data BLOB,
      taken_at, lon, lat, azimuth, operator, device,  -- EXIF / evidence facts
      added_at, added_by)

registered in gpkg_contents as 'attributes' (QGIS and ogrinfo list it). It is made, and the chain's
columns added to gisdesk_ledger_history (ALTER TABLE ADD COLUMN, for older projects), by the first
write of this module (`ensure_schema`); reading a project that has neither gives no attachments.

Decisions:

- **EXIF** of a photo (Pillow getexif): DateTimeOriginal (with OffsetTimeOriginal when present) as
  `taken_at` (ISO 8601), the GPS IFD's latitude/longitude (degree, minute, second rationals and
  their N/S, E/W refs) as `lat`/`lon` in decimal degrees, GPSImgDirection as `azimuth`, the camera's
  Make and Model as `device`. The bytes are stored as given, so all of the EXIF is kept.
- **A feature's deletion** does not delete its attachments: photos and above all evidence are
  records and stay in the table under the feature's (layer, uid). Undoing the deletion (or a merge
  bringing the feature back) shows them again. They are never silent orphans: `orphans()` lists
  them, `gisdesk attachments` marks them 要素已删除 and `--verify` names them (as a note, not a
  failure). Only `remove()` deletes an attachment.
- **Evidence photos** are stored stamped only: the stored JPEG is the camera's image with the
  stamp burnt into a band at its bottom, and with the camera's EXIF carried over; the sha256 of
  the stored bytes is the attachment's hash, and the hash of the camera's original file is recorded
  in the sealed facts (`original_sha256`), so the operator's own copy can be matched to it.
- **The chain.** Every evidence attachment added or removed appends a link to
  gisdesk_ledger_history (append-only: its triggers refuse UPDATE and DELETE) for the feature's uid
  as case_uid, with the columns

    attachment_id, sha256 (of the stored bytes), facts (canonical JSON: layer, name, taken_at, lon,
    lat, azimuth, operator, device, case_no, position_source, original_sha256, action 'added' |
    'removed'), prev_hash (the link_hash of the case's newest link when it was appended, '' for the
    first), link_hash (sha256 of prev_hash, case_uid, at, who, from_status, to_status, note,
    attachment_id, sha256 and facts).

  Each link names its predecessor by hash, not by row order, so links appended in a field package
  and carried into the master by a merge (F1) still verify even though their event_ids change and
  two packages' links fork from the same base link. `verify()` checks every stored blob against its
  sha256, recomputes every link hash, finds every predecessor, and checks each evidence attachment
  against its newest link (present, same sha256, same facts) and each sealed one is still there
  unless its removal was sealed too; each problem names the photo (name, case, attachment id) and
  the check that failed. What the file alone cannot show: a case's newest links deleted together
  with their photos (nothing names them any more) — that needs the head hash kept elsewhere
  (`chain()` gives it; a merged package's master keeps the package's links).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import mimetypes
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gisdesk import gpkg
from gisdesk.errors import InputError, ProjectError
from gisdesk.i18n import tr
from gisdesk.store import current_user, local_now

TABLE = "gisdesk_attachments"
HISTORY = "gisdesk_ledger_history"
PHOTO, DOCUMENT, EVIDENCE = "photo", "document", "evidence"
KINDS = (PHOTO, DOCUMENT, EVIDENCE)
ADDED, REMOVED = "added", "removed"
CHAIN_COLUMNS = ("attachment_id", "sha256", "facts", "prev_hash", "link_hash")
FACT_COLUMNS = ("taken_at", "lon", "lat", "azimuth", "operator", "device")
COLUMNS = ("fid", "attachment_id", "layer", "uid", "kind", "name", "mime", "size", "sha256",
           *FACT_COLUMNS, "added_at", "added_by")
# the facts of an evidence photo the chain seals and verify() compares with the attachment's row
SEALED_ROW_FACTS = ("layer", "name", *FACT_COLUMNS)
POSITION_SOURCES = ("exif", "given", "gps", "feature")

SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, attachment_id TEXT NOT NULL UNIQUE,
    layer TEXT NOT NULL, uid TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, data BLOB NOT NULL,
    taken_at TEXT, lon REAL, lat REAL, azimuth REAL, operator TEXT, device TEXT,
    added_at TEXT NOT NULL, added_by TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS {TABLE}_feature ON {TABLE}(layer, uid);
"""
DESCRIPTION = "gisdesk: photos and documents of features (evidence photos sealed in the ledger history)"

# EXIF tags (CIPA DC-008)
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_MAKE, _MODEL, _ORIENTATION, _DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9011
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON, _GPS_DIRECTION = 1, 2, 3, 4, 17

STAMP_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC")
_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
               "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")


@dataclass(frozen=True)
class Attachment:
    """One stored attachment, without its bytes (read() gives those)."""
    fid: int
    attachment_id: str
    layer: str
    uid: str
    kind: str
    name: str
    mime: str
    size: int
    sha256: str
    taken_at: str | None = None
    lon: float | None = None
    lat: float | None = None
    azimuth: float | None = None
    operator: str | None = None
    device: str | None = None
    added_at: str = ""
    added_by: str = ""

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


@dataclass(frozen=True)
class Problem:
    """What verify() found wrong, naming the photo or document."""
    check: str  # 'bytes' | 'link' | 'predecessor' | 'missing' | 'sha256' | 'facts' | 'unsealed' | 'orphan'
    attachment_id: str
    name: str
    layer: str
    uid: str
    detail: str = ""
    fatal: bool = True

    @property
    def message(self) -> str:
        what = {
            "bytes": tr("文件内容与记录的 sha256 不符（照片被替换或修改）",
                        "its bytes do not match the recorded sha256 (the photo was swapped or edited)"),
            "link": tr("案件历史中的链接哈希重算不符（链接被修改）",
                       "its link in the case history does not hash to its recorded link hash (the link was edited)"),
            "predecessor": tr("链接指向的前一链接 {h} 不存在（历史中的链接被删除）",
                              "the link before it, {h}, is missing (a link of the history was deleted)",
                              h=self.detail[:12]),
            "missing": tr("已封存的举证照片不在附件表中（被删除）",
                          "a sealed evidence photo is missing from the attachments (deleted)"),
            "sha256": tr("附件记录的 sha256 与案件历史中封存的不符",
                         "the attachment's recorded sha256 differs from the one sealed in the case history"),
            "facts": tr("附件的举证信息（{fields}）与封存的不符", "the attachment's evidence facts ({fields}) differ from "
                        "those sealed", fields=tr("、", ", ").join(
                            tr(*_FACT_NAMES.get(f, (f, f))) for f in self.detail.split(", ") if f)),
            "unsealed": tr("举证照片在案件历史中没有封存链接", "the evidence photo has no sealing link in the case history"),
            "orphan": tr("所属要素已删除（附件保留）", "its feature was deleted (the attachment is kept)"),
        }[self.check]
        return tr("{name}（图层 {layer}，案件 {uid}，附件 {id}）：{what}", "{name} (layer {layer}, case {uid}, "
                  "attachment {id}): {what}", name=self.name, layer=self.layer, uid=self.uid, id=self.attachment_id,
                  what=what)


_FACT_NAMES = {"uid": ("所属要素", "feature"), "kind": ("类型", "kind"), "layer": ("图层", "layer"),
               "name": ("名称", "name"), "taken_at": ("拍摄时间", "time taken"), "lon": ("经度", "longitude"),
               "lat": ("纬度", "latitude"), "azimuth": ("方位角", "azimuth"), "operator": ("操作员", "operator"),
               "device": ("设备", "device")}


@dataclass
class Report:
    """verify()'s findings: problems (fatal ones make `ok` false) and what was checked."""
    problems: list[Problem] = field(default_factory=list)
    attachments: int = 0
    links: int = 0

    @property
    def ok(self) -> bool:
        return not any(p.fatal for p in self.problems)


# --- schema -----------------------------------------------------------------------------------

def ensure_schema(db) -> None:
    """The attachments table (registered as attributes) and the chain's history columns; idempotent,
    inside the caller's transaction."""
    gpkg.execute_script(db, SCHEMA_SQL)
    gpkg.register_attributes(db, TABLE, DESCRIPTION)
    if gpkg.has_table(db, HISTORY):
        present = {name for name, _ in gpkg.columns_of(db, HISTORY)}
        for column in CHAIN_COLUMNS:
            if column not in present:
                db.execute(f"ALTER TABLE {HISTORY} ADD COLUMN {column} TEXT")
    else:  # not a project made by gisdesk.project (no ledger history): give the chain its table
        db.execute(f"""CREATE TABLE {HISTORY} (event_id INTEGER PRIMARY KEY AUTOINCREMENT, case_uid TEXT NOT NULL,
            at TEXT NOT NULL, who TEXT NOT NULL, from_status TEXT, to_status TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '', {', '.join(f'{c} TEXT' for c in CHAIN_COLUMNS)})""")
        for event in ("UPDATE", "DELETE"):
            db.execute(f"CREATE TRIGGER {HISTORY}_no_{event.lower()} BEFORE {event} ON {HISTORY} "
                       f"BEGIN SELECT RAISE(ABORT, 'the ledger history is append-only'); END")
        gpkg.register_attributes(db, HISTORY, "gisdesk: the ledger's status history")


def _project_path(project) -> Path:
    path = Path(getattr(project, "path", project))
    if not path.is_file():
        raise ProjectError("项目文件不存在：{path}", "project file not found: {path}", path=path)
    return path


@contextlib.contextmanager
def _write(project):
    with gpkg.connect(_project_path(project)) as db, gpkg.transaction(db):
        ensure_schema(db)
        yield db


@contextlib.contextmanager
def _read(project):
    with gpkg.connect(_project_path(project), readonly=True) as db:
        yield db


# --- EXIF --------------------------------------------------------------------------------------

def _rational(value) -> float:
    if isinstance(value, tuple) and len(value) == 2:  # (numerator, denominator) of older writers
        return value[0] / value[1] if value[1] else float("nan")
    return float(value)


def dms_to_degrees(dms, ref: str | None) -> float:
    """EXIF (degrees, minutes, seconds) rationals and their N/S/E/W ref as signed decimal degrees."""
    parts = [_rational(v) for v in (dms if isinstance(dms, (tuple, list)) else (dms,))]
    degrees = sum(v / 60 ** i for i, v in enumerate(parts[:3]))
    return -degrees if (ref or "").strip().upper() in ("S", "W") else degrees


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if value is None:
        return None
    value = str(value).strip("\x00 ").strip()
    return value or None


def exif_time(value: str | None, offset: str | None = None) -> str | None:
    """'2024:05:03 10:21:07' (EXIF) → '2024-05-03T10:21:07' (+ the offset, e.g. '+08:00', when known)."""
    value = _text(value)
    if not value or len(value) < 19 or value.startswith("0000"):
        return None
    iso = value[:10].replace(":", "-") + "T" + value[11:19]
    offset = _text(offset)
    return iso + offset if offset and len(offset) == 6 and offset[0] in "+-" else iso


def photo_facts(data: bytes) -> dict:
    """What a photo's EXIF says: taken_at, lon, lat, azimuth, device (each None when absent), and
    width, height; {} for bytes that are no image Pillow reads."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            size = image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return {}
    facts = {"taken_at": None, "lon": None, "lat": None, "azimuth": None, "device": None,
             "width": size[0], "height": size[1]}
    sub = exif.get_ifd(_EXIF_IFD)
    facts["taken_at"] = exif_time(sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME), sub.get(_OFFSET_TIME_ORIGINAL))
    gps = exif.get_ifd(_GPS_IFD)
    try:
        if _GPS_LAT in gps and _GPS_LON in gps:
            lat = dms_to_degrees(gps[_GPS_LAT], _text(gps.get(_GPS_LAT_REF)))
            lon = dms_to_degrees(gps[_GPS_LON], _text(gps.get(_GPS_LON_REF)))
            if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0):
                facts["lat"], facts["lon"] = lat, lon
        if _GPS_DIRECTION in gps:
            azimuth = _rational(gps[_GPS_DIRECTION])
            if 0 <= azimuth <= 360:
                facts["azimuth"] = azimuth % 360
    except (TypeError, ValueError, ZeroDivisionError):  # a camera's malformed GPS IFD: no position
        facts["lat"] = facts["lon"] = facts["azimuth"] = None
    make, model = _text(exif.get(_MAKE)), _text(exif.get(_MODEL))
    if model:
        facts["device"] = model if make and model.lower().startswith(make.lower()) else " ".join(filter(None, (make, model)))
    return facts


def _mime(name: str, data: bytes) -> str:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            mime = Image.MIME.get(image.format or "")
        if mime:
            return mime
    except (UnidentifiedImageError, OSError, ValueError):
        pass  # not an image: go by the name
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- features ----------------------------------------------------------------------------------

def _feature_row(db, layer: str, uid: str) -> dict | None:
    if not gpkg.has_table(db, layer) or layer.lower().startswith(("gpkg_", "gisdesk_", "rtree_")):
        return None
    db.row_factory = sqlite3.Row
    try:
        row = db.execute(f'SELECT * FROM "{layer}" WHERE uid = ?', (uid,)).fetchone()
    except sqlite3.OperationalError:  # a table without uid
        row = None
    finally:
        db.row_factory = None
    return dict(row) if row is not None else None


def _require_feature(db, layer: str, uid: str) -> dict:
    if not gpkg.has_table(db, layer):
        raise InputError("项目中没有图层 {layer}", "the project has no layer {layer}", layer=layer)
    row = _feature_row(db, layer, uid)
    if row is None:
        raise InputError("图层 {layer} 中没有要素 {uid}", "layer {layer} has no feature {uid}", layer=layer, uid=uid)
    return row


def feature_lonlat(project, layer: str, uid: str) -> tuple[float, float] | None:
    """The centroid of a feature (a point inside it for polygons) in lon/lat (the GCS of its CRS;
    WGS-84/CGCS2000 agree to centimetres); None without geometry."""
    from pyproj import CRS, Transformer

    with _read(project) as db:
        column = gpkg.geometry_column(db, layer)
        row = _feature_row(db, layer, uid)
        if column is None or row is None or row.get(column) is None:
            return None
        srs = db.execute("SELECT s.definition, s.organization, s.organization_coordsys_id FROM gpkg_geometry_columns g "
                         "JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id WHERE lower(g.table_name) = lower(?)",
                         (layer,)).fetchone()
    geom = gpkg.geometries_from_blobs([row[column]])[0]
    if geom is None or geom.is_empty:
        return None
    point = geom.representative_point() if geom.geom_type.endswith("Polygon") else geom.centroid
    if srs is None:
        return None
    crs = CRS.from_epsg(srs[2]) if (srs[1] or "").upper() == "EPSG" else CRS.from_wkt(srs[0])
    if crs.is_geographic:
        return float(point.x), float(point.y)
    to_lonlat = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    lon, lat = to_lonlat.transform(point.x, point.y)
    return float(lon), float(lat)


def case_number(row: dict | None, uid: str) -> str:
    """The case number shown on an evidence stamp: the ledger's 编号 (case_no), else the uid."""
    value = (row or {}).get("case_no")
    return str(value) if value not in (None, "") else uid


# --- adding, listing, reading, removing --------------------------------------------------------

def _attachment(row) -> Attachment:
    return Attachment(**dict(zip(COLUMNS, row)))


def _insert(db, values: dict) -> Attachment:
    names = [c for c in COLUMNS if c != "fid"] + ["data"]
    cursor = db.execute(f"INSERT INTO {TABLE} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                        [values.get(c) for c in names])
    return _attachment([cursor.lastrowid, *[values.get(c) for c in COLUMNS if c != "fid"]])


def add(project, layer: str, uid: str, files: Iterable, *, kind: str | None = None, who: str | None = None,
        at: str | None = None) -> list[Attachment]:
    """Attach files (paths, or (name, bytes) pairs) to a feature as photos (images) or documents,
    all in one transaction; EXIF time, position, direction and camera kept in the row."""
    if kind not in (None, PHOTO, DOCUMENT):
        raise InputError("附件类型应为 photo 或 document（举证照片用 add_evidence）",
                         "an attachment kind must be photo or document (evidence photos: add_evidence)")
    items = [_load(item) for item in files]
    added = []
    with _write(project) as db:
        _require_feature(db, layer, uid)
        for name, data in items:
            facts = photo_facts(data)
            mime = _mime(name, data)
            values = {"attachment_id": uuid.uuid4().hex, "layer": layer, "uid": uid,
                      "kind": kind or (PHOTO if facts and mime.startswith("image/") else DOCUMENT),
                      "name": name, "mime": mime, "size": len(data), "sha256": sha256_hex(data), "data": data,
                      "added_at": at or local_now(), "added_by": who or current_user(),
                      **{k: facts.get(k) for k in ("taken_at", "lon", "lat", "azimuth", "device")}}
            added.append(_insert(db, values))
        gpkg.touch_contents(db, TABLE)
    return added


def _load(item) -> tuple[str, bytes]:
    if isinstance(item, tuple):
        name, data = item
        return str(name), bytes(data)
    path = Path(item)
    if not path.is_file():
        raise InputError("附件文件不存在：{path}", "attachment file not found: {path}", path=path)
    return path.name, path.read_bytes()


def list_attachments(project, layer: str | None = None, uid: str | None = None) -> list[Attachment]:
    """The attachments (of a feature, of a layer, or all), in the order they were added."""
    with _read(project) as db:
        if not gpkg.has_table(db, TABLE):
            return []
        where, params = [], []
        for column, value in (("layer", layer), ("uid", uid)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE}" + (" WHERE " + " AND ".join(where) if where else "")
                          + " ORDER BY fid", params).fetchall()
    return [_attachment(r) for r in rows]


def get(project, attachment_id: str) -> Attachment:
    with _read(project) as db:
        row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE attachment_id = ?",
                         (attachment_id,)).fetchone() if gpkg.has_table(db, TABLE) else None
    if row is None:
        raise InputError("没有附件 {id}", "no attachment {id}", id=attachment_id)
    return _attachment(row)


def read(project, attachment_id: str, *, check: bool = True) -> bytes:
    """The stored bytes of an attachment; with `check`, refused when they no longer match their sha256."""
    with _read(project) as db:
        row = db.execute(f"SELECT data, sha256, name FROM {TABLE} WHERE attachment_id = ?",
                         (attachment_id,)).fetchone() if gpkg.has_table(db, TABLE) else None
    if row is None:
        raise InputError("没有附件 {id}", "no attachment {id}", id=attachment_id)
    data = bytes(row[0])
    if check and sha256_hex(data) != row[1]:
        raise ProjectError("附件 {name}（{id}）的内容与记录的 sha256 不符：可能被替换或损坏",
                           "the attachment {name} ({id}) does not match its recorded sha256: swapped or damaged",
                           name=row[2], id=attachment_id)
    return data


def save_as(project, attachment_id: str, target) -> Path:
    """Write an attachment's bytes to a file (temp file, then rename)."""
    data = read(project, attachment_id)
    target = Path(target)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


@dataclass(frozen=True)
class Removed:
    """What remove() took away, enough for restore() to put it back (undo)."""
    attachment: Attachment
    data: bytes


def remove(project, attachment_id: str, *, who: str | None = None, note: str = "") -> Removed:
    """Delete an attachment. An evidence photo's removal is sealed in the case history (a link with
    action 'removed'), so verify() tells a sealed removal from a deletion behind the app's back."""
    who = who or current_user()
    with _write(project) as db:
        row = db.execute(f"SELECT {', '.join(COLUMNS)}, data FROM {TABLE} WHERE attachment_id = ?",
                         (attachment_id,)).fetchone()
        if row is None:
            raise InputError("没有附件 {id}", "no attachment {id}", id=attachment_id)
        attachment, data = _attachment(row[:-1]), bytes(row[-1])
        if attachment.kind == EVIDENCE:
            facts = _sealed_facts(db, attachment_id) or {}
            facts.update(action=REMOVED)
            _append_link(db, attachment, facts, who=who,
                         note=note or tr("删除举证照片：{name}", "evidence photo removed: {name}", name=attachment.name))
        db.execute(f"DELETE FROM {TABLE} WHERE attachment_id = ?", (attachment_id,))
        gpkg.touch_contents(db, TABLE)
    return Removed(attachment, data)


def restore(project, removed: Removed, *, who: str | None = None) -> Attachment:
    """Put back what remove() took (its id, bytes and facts); an evidence photo is sealed again."""
    a = removed.attachment
    with _write(project) as db:
        values = {c: getattr(a, c) for c in COLUMNS if c != "fid"}
        attachment = _insert(db, {**values, "data": removed.data})
        if a.kind == EVIDENCE:
            facts = _sealed_facts(db, a.attachment_id) or _row_facts(a)
            facts.update(action=ADDED)
            _append_link(db, attachment, facts, who=who or current_user(),
                         note=tr("恢复举证照片：{name}", "evidence photo restored: {name}", name=a.name))
        gpkg.touch_contents(db, TABLE)
    return attachment


def orphans(project) -> list[Attachment]:
    """Attachments whose feature is no longer in its layer (kept on purpose; see the module)."""
    found = []
    with _read(project) as db:
        for attachment in list_attachments(project):
            if _feature_row(db, attachment.layer, attachment.uid) is None:
                found.append(attachment)
    return found


# --- evidence photos ---------------------------------------------------------------------------

def add_evidence(project, layer: str, uid: str, source, **facts) -> Attachment:
    """Add one evidence photo (举证) to a feature; see add_evidence_all."""
    return add_evidence_all(project, layer, uid, [source], **facts)[0]


def add_evidence_all(project, layer: str, uid: str, sources: Iterable, *, azimuth: float | None = None,
                     operator: str | None = None, device: str | None = None, lon: float | None = None,
                     lat: float | None = None, position_source: str | None = None, taken_at: str | None = None,
                     who: str | None = None, at: str | None = None) -> list[Attachment]:
    """Add evidence photos (举证) to a feature, all or none (one transaction): the position, azimuth,
    time and camera of each come from its EXIF unless given (a given position wins; `position_source`
    says where it came from: 'given', 'gps' or 'feature'); without any position the feature's
    centroid is taken. Each photo is stamped with them and stored, and the stored bytes are sealed
    by a link in the case history."""
    loaded = [_load(source) for source in sources]
    who = who or current_user()
    centroid = None
    if lon is None or lat is None:
        centroid = feature_lonlat(project, layer, uid)
    added = []
    with _write(project) as db:
        row = _require_feature(db, layer, uid)
        case_no = case_number(row, uid)
        for name, original in loaded:
            evidence, source_of_position = _evidence_facts(
                name, original, uid, centroid, azimuth=azimuth, operator=operator or who, device=device, lon=lon,
                lat=lat, position_source=position_source, taken_at=taken_at)
            stored_name = Path(name).stem + ".jpg"
            data = stamp(original, evidence, case_no=case_no, position_source=source_of_position)
            values = {"attachment_id": uuid.uuid4().hex, "layer": layer, "uid": uid, "kind": EVIDENCE,
                      "name": stored_name, "mime": "image/jpeg", "size": len(data), "sha256": sha256_hex(data),
                      "data": data, "added_at": at or local_now(), "added_by": who, **evidence}
            attachment = _insert(db, values)
            sealed = {**_row_facts(attachment), "case_no": case_no, "position_source": source_of_position,
                      "original_sha256": sha256_hex(original), "action": ADDED}
            _append_link(db, attachment, sealed, who=who,
                         note=tr("举证照片：{name}", "evidence photo: {name}", name=stored_name), at=at)
            added.append(attachment)
        gpkg.touch_contents(db, TABLE)
    return added


def _evidence_facts(name: str, original: bytes, uid: str, centroid, *, azimuth, operator, device, lon, lat,
                    position_source, taken_at) -> tuple[dict, str]:
    facts = photo_facts(original)
    if not facts:
        raise InputError("{name} 不是可读的图像，不能作为举证照片", "{name} is not a readable image and cannot be an "
                         "evidence photo", name=name)
    if lon is not None and lat is not None:
        source_of_position = position_source or "given"
    elif facts["lon"] is not None:
        lon, lat, source_of_position = facts["lon"], facts["lat"], "exif"
    elif centroid is not None:
        (lon, lat), source_of_position = centroid, "feature"
    else:
        raise InputError("{name} 没有 GPS 位置，要素 {uid} 也没有几何：请给出经纬度",
                         "{name} has no GPS position and feature {uid} has no geometry: give lon/lat",
                         name=name, uid=uid)
    if source_of_position not in POSITION_SOURCES:
        raise InputError("位置来源应为 {allowed} 之一", "the position source must be one of {allowed}",
                         allowed=", ".join(POSITION_SOURCES))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError("经纬度超出范围：{lon}, {lat}", "lon/lat out of range: {lon}, {lat}", lon=lon, lat=lat)
    azimuth = facts["azimuth"] if azimuth is None else float(azimuth)
    if azimuth is None:
        raise InputError("{name} 的 EXIF 中没有拍摄方向：请给出方位角（--azimuth）",
                         "{name} has no direction in its EXIF: give the azimuth (--azimuth)", name=name)
    if not 0 <= azimuth <= 360:
        raise InputError("方位角应在 0 到 360 度之间：{azimuth}", "the azimuth must be 0 to 360 degrees: {azimuth}",
                         azimuth=azimuth)
    device = device or facts["device"]
    if not device:
        raise InputError("{name} 的 EXIF 中没有相机型号：请给出设备（--device）",
                         "{name} names no camera in its EXIF: give the device (--device)", name=name)
    return {"taken_at": taken_at or facts["taken_at"] or local_now(), "lon": round(float(lon), 7),
            "lat": round(float(lat), 7), "azimuth": round(azimuth % 360, 2), "operator": operator,
            "device": device}, source_of_position


def _row_facts(a: Attachment) -> dict:
    return {"layer": a.layer, "name": a.name, **{c: getattr(a, c) for c in FACT_COLUMNS}}


def _canonical(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def link_hash(prev_hash: str, case_uid: str, at: str, who: str, from_status, to_status, note: str,
              attachment_id: str, sha256: str, facts: str) -> str:
    """The hash of a chain link: sha256 over the canonical JSON of these fields (facts as stored text)."""
    return sha256_hex(_canonical([prev_hash or "", case_uid, at, who, from_status, to_status, note, attachment_id,
                                  sha256, facts]).encode("utf-8"))


def _append_link(db, attachment: Attachment, facts: dict, *, who: str, note: str, at: str | None = None) -> str:
    case_uid, at = attachment.uid, at or local_now()
    head = db.execute(f"SELECT link_hash FROM {HISTORY} WHERE case_uid = ? AND link_hash IS NOT NULL "
                      f"ORDER BY event_id DESC LIMIT 1", (case_uid,)).fetchone()
    prev = head[0] if head else ""
    status = _status_of(db, attachment.layer, case_uid)
    facts_text = _canonical(facts)
    digest = link_hash(prev, case_uid, at, who, status, status, note, attachment.attachment_id, attachment.sha256,
                       facts_text)
    db.execute(f"INSERT INTO {HISTORY} (case_uid, at, who, from_status, to_status, note, attachment_id, sha256, "
               f"facts, prev_hash, link_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (case_uid, at, who, status, status, note, attachment.attachment_id, attachment.sha256, facts_text,
                prev, digest))
    return digest


def _status_of(db, layer: str, uid: str) -> str:
    """An evidence link leaves the case's status as it was: from and to are both the current status."""
    row = _feature_row(db, layer, uid) or {}
    return str(row.get("status") or "")


def _sealed_facts(db, attachment_id: str) -> dict | None:
    row = db.execute(f"SELECT facts FROM {HISTORY} WHERE attachment_id = ? ORDER BY event_id DESC LIMIT 1",
                     (attachment_id,)).fetchone()
    return json.loads(row[0]) if row and row[0] else None


def chain(project, case_uid: str | None = None) -> list[dict]:
    """The evidence links of the case history (of one case, or all), oldest first."""
    with _read(project) as db:
        if not gpkg.has_table(db, HISTORY) or "link_hash" not in {n for n, _ in gpkg.columns_of(db, HISTORY)}:
            return []
        db.row_factory = sqlite3.Row
        rows = db.execute(f"SELECT * FROM {HISTORY} WHERE link_hash IS NOT NULL"
                          + (" AND case_uid = ?" if case_uid else "") + " ORDER BY event_id",
                          (case_uid,) if case_uid else ()).fetchall()
    return [dict(r) for r in rows]


# --- verification ------------------------------------------------------------------------------

def verify(project, feedback=None) -> Report:
    """Check every stored blob against its sha256 and the evidence chain (see the module); each
    problem names the photo and the check."""
    report = Report()
    links = chain(project)
    report.links = len(links)
    attachments = {a.attachment_id: a for a in list_attachments(project)}
    report.attachments = len(attachments)
    with _read(project) as db:
        if attachments:
            for i, (attachment_id, data, recorded) in enumerate(
                    db.execute(f"SELECT attachment_id, data, sha256 FROM {TABLE} ORDER BY fid")):
                if feedback is not None and i % 20 == 0:
                    feedback.set_progress(i / max(1, len(attachments)))
                if sha256_hex(bytes(data)) != recorded:
                    a = attachments[attachment_id]
                    report.problems.append(Problem("bytes", a.attachment_id, a.name, a.layer, a.uid))
        live = {a.attachment_id for a in attachments.values() if _feature_row(db, a.layer, a.uid) is not None}
    hashes = {link["link_hash"] for link in links}
    newest: dict[str, dict] = {}
    for link in links:
        try:
            facts = json.loads(link["facts"] or "{}")
        except ValueError:
            facts = {}
        name, layer = facts.get("name", "?"), facts.get("layer", "?")
        recomputed = link_hash(link["prev_hash"], link["case_uid"], link["at"], link["who"], link["from_status"],
                               link["to_status"], link["note"], link["attachment_id"], link["sha256"], link["facts"])
        if recomputed != link["link_hash"]:
            report.problems.append(Problem("link", link["attachment_id"], name, layer, link["case_uid"]))
        if link["prev_hash"] and link["prev_hash"] not in hashes:
            report.problems.append(Problem("predecessor", link["attachment_id"], name, layer, link["case_uid"],
                                           detail=link["prev_hash"]))
        newest[link["attachment_id"]] = {**link, "parsed": facts}
    for attachment_id, link in newest.items():
        facts = link["parsed"]
        a = attachments.get(attachment_id)
        if facts.get("action") == REMOVED:
            continue
        if a is None:
            report.problems.append(Problem("missing", attachment_id, facts.get("name", "?"), facts.get("layer", "?"),
                                           link["case_uid"]))
            continue
        if a.sha256 != link["sha256"]:
            report.problems.append(Problem("sha256", a.attachment_id, a.name, a.layer, a.uid))
        row = _row_facts(a)
        differ = [k for k in SEALED_ROW_FACTS if not _same(row.get(k), facts.get(k))]
        if a.kind != EVIDENCE:  # sealed as evidence, now passed off as a plain photo
            differ.insert(0, "kind")
        if a.uid != link["case_uid"]:
            differ.insert(0, "uid")
        if differ:
            report.problems.append(Problem("facts", a.attachment_id, a.name, a.layer, a.uid, detail=", ".join(differ)))
    for a in attachments.values():
        if a.kind == EVIDENCE and (a.attachment_id not in newest or newest[a.attachment_id]["parsed"].get("action")
                                   == REMOVED):
            report.problems.append(Problem("unsealed", a.attachment_id, a.name, a.layer, a.uid))
        if a.attachment_id not in live:
            report.problems.append(Problem("orphan", a.attachment_id, a.name, a.layer, a.uid, fatal=False))
    return report


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) < 1e-9
        except (TypeError, ValueError):
            return False
    return a == b


# --- the stamp -----------------------------------------------------------------------------------

def stamp_font_path() -> str:
    """The CJK font the stamp is drawn in: the PDF pages' WenQuanYi Micro Hei, else Noto Sans CJK."""
    if shutil.which("fc-match"):
        for family in STAMP_FONTS:
            found = subprocess.run(["fc-match", "-f", "%{family}\n%{file}", family], capture_output=True,
                                   text=True).stdout.split("\n")
            if len(found) == 2 and family.lower() in found[0].lower() and Path(found[1]).is_file():
                return found[1]
    for path in _FONT_FILES:
        if Path(path).is_file():
            return path
    raise ProjectError("未安装中文字体“文泉驿微米黑”或 Noto Sans CJK（Debian 软件包 fonts-wqy-microhei）：无法加盖举证水印",
                       "no CJK font (WenQuanYi Micro Hei or Noto Sans CJK; Debian package fonts-wqy-microhei) is "
                       "installed: cannot stamp the evidence photo")


_POSITION_TAGS = {"exif": ("照片GPS", "photo GPS"), "given": ("手动输入", "entered"), "gps": ("GPS接收机", "GPS receiver"),
                  "feature": ("要素中心", "feature centre")}


def stamp_lines(evidence: dict, *, case_no: str, position_source: str = "exif", narrow: bool = False) -> list[str]:
    """The stamp's text (always Chinese: the stamp is part of the evidence, not of the UI): three
    lines, or each fact on a line of its own when `narrow`."""
    lon, lat = float(evidence["lon"]), float(evidence["lat"])
    parts = [f"时间 {str(evidence['taken_at']).replace('T', ' ')}", f"案件 {case_no}",
             f"经度 {abs(lon):.6f}°{'E' if lon >= 0 else 'W'}",
             f"纬度 {abs(lat):.6f}°{'N' if lat >= 0 else 'S'}（{_POSITION_TAGS.get(position_source, ('', ''))[0]}）",
             f"方位角 {round(float(evidence['azimuth']), 2):g}°", f"操作员 {evidence['operator']}",
             f"设备 {evidence['device']}"]
    if narrow:
        return parts
    return [f"{parts[0]}    {parts[1]}", f"{parts[2]}  {parts[3]}    {parts[4]}", f"{parts[5]}    {parts[6]}"]


@dataclass(frozen=True)
class StampLayout:
    lines: list[str]
    size: int  # font size, px
    margin: int
    band: int  # the band's height, px
    radius: int  # the compass's

    @property
    def line_step(self) -> int:
        return int(self.size * 1.3)


def stamp_layout(width: int, height: int, evidence: dict, *, case_no: str,
                 position_source: str = "exif") -> StampLayout:
    """Where the stamp goes on an image of this size: the font sized to the image (1/28 of its short
    side), made smaller (to 12 px) until the three lines fit beside the compass; on an image too
    narrow for that, each fact on a line of its own (down to 9 px)."""
    from PIL import ImageFont

    path = stamp_font_path()
    for narrow, smallest in ((False, 12), (True, 9)):
        lines = stamp_lines(evidence, case_no=case_no, position_source=position_source, narrow=narrow)
        size = max(smallest, min(width, height) // 28)
        while True:
            layout = _layout(lines, size)
            room = width - 3 * layout.margin - 2 * layout.radius
            if max(ImageFont.truetype(path, size).getlength(line) for line in lines) <= room:
                return layout
            if size <= smallest:
                break
            size -= 1
    return layout


def _layout(lines: list[str], size: int) -> StampLayout:
    margin = max(4, size // 2)
    step = int(size * 1.3)
    return StampLayout(lines, size, margin, len(lines) * step + 2 * margin, (3 * step) // 2)


def stamp(data: bytes, evidence: dict, *, case_no: str, position_source: str = "exif") -> bytes:
    """The photo with its evidence facts burnt into a semi-transparent band at the bottom (time, 经纬度,
    方位角 with an arrow pointing that way, north up, 操作员, 设备, case number), as a JPEG carrying the
    camera's EXIF (orientation applied, so the stamp is upright)."""
    from PIL import Image, ImageDraw, ImageFont, ImageOps

    with Image.open(io.BytesIO(data)) as opened:
        exif = opened.getexif()
        for ifd in (_EXIF_IFD, _GPS_IFD):  # loaded, so that tobytes() writes them back
            exif.get_ifd(ifd)
        image = ImageOps.exif_transpose(opened).convert("RGB")
    width, height = image.size
    layout = stamp_layout(width, height, evidence, case_no=case_no, position_source=position_source)
    font = ImageFont.truetype(stamp_font_path(), layout.size)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    top = height - layout.band
    draw.rectangle((0, top, width, height), fill=(0, 0, 0, 150))
    for i, line in enumerate(layout.lines):
        draw.text((layout.margin, top + layout.margin + i * layout.line_step), line, font=font,
                  fill=(255, 255, 255, 255))
    cx, cy = width - layout.margin - layout.radius, height - layout.margin - layout.radius
    _draw_arrow(draw, cx, cy, layout.radius, float(evidence["azimuth"]))
    stamped = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    if _ORIENTATION in exif:
        exif[_ORIENTATION] = 1
    out = io.BytesIO()
    stamped.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def _draw_arrow(draw, cx: int, cy: int, radius: int, azimuth: float) -> None:
    """A compass dial: a ring, N at the top, and an arrow from the centre towards the azimuth."""
    import math

    white, red = (255, 255, 255, 255), (255, 80, 60, 255)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=white, width=max(1, radius // 12))
    draw.line((cx, cy - radius, cx, cy - radius + max(3, radius // 4)), fill=white, width=max(1, radius // 10))
    angle = math.radians(azimuth)
    dx, dy = math.sin(angle), -math.cos(angle)
    tip = (cx + dx * radius * 0.85, cy + dy * radius * 0.85)
    draw.line((cx - dx * radius * 0.3, cy - dy * radius * 0.3, *tip), fill=red, width=max(2, radius // 8))
    head = radius * 0.35
    for side in (-1, 1):
        back = angle + math.pi + side * math.radians(25)
        draw.line((*tip, tip[0] + math.sin(back) * head, tip[1] - math.cos(back) * head), fill=red,
                  width=max(2, radius // 8))
