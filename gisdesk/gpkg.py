"""GeoPackage plumbing under the project store: connections, geometry blobs, feature hashes,
and moving a layer written by GDAL from a staging file into the project in one transaction.

No Qt, no knowledge of layer kinds: the store (gisdesk/project.py) decides what to write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import sqlite3
import struct
from pathlib import Path

import numpy as np
import shapely

# GeoPackage 1.2 (the header QGIS 3.22 / GDAL 3.6 open without a warning): 'GPKG', 10200
APPLICATION_ID = 0x47504B47
USER_VERSION_1_2 = 10200


@contextlib.contextmanager
def connect(path, *, readonly: bool = False):
    """A connection with the SQL functions GDAL's triggers call. Not a transaction: see `transaction`."""
    uri = f"file:{Path(path).resolve()}?mode={'ro' if readonly else 'rw'}"
    db = sqlite3.connect(uri, uri=True, isolation_level=None)
    add_functions(db)
    try:
        yield db
    finally:
        db.close()


# SQLite's own words for a file it cannot read, in the user's language
_SQLITE_REASONS = (
    ("file is not a database", "它不是 SQLite/GeoPackage 数据库，可能是其他格式的文件改了扩展名",
     "it is not an SQLite/GeoPackage database, perhaps a file of another format renamed"),
    ("malformed", "文件已损坏或不完整，可能在复制、下载时被截断", "the file is damaged or incomplete, perhaps cut short in a copy or download"),
    ("locked", "文件被其他程序锁定（如 QGIS 正在编辑），请关闭后再试", "the file is locked by another program (QGIS editing it?), close it and retry"),
    ("unable to open", "无法打开文件，权限不足或路径不可访问", "cannot open the file, no permission or the path is not reachable"),
    ("readonly", "文件只读", "the file is read-only"),
    ("disk i/o error", "读写磁盘出错", "a disk I/O error"),
)


def error_reason(exc: BaseException) -> str:
    """Why SQLite could not read a file, in the user's language (its English message otherwise)."""
    from gisdesk.i18n import tr

    text = str(exc)
    for key, zh, en in (("no such table:", "缺少表 {name}：项目文件不完整，或被其他程序改动过",
                         "the table {name} is missing: the project file is incomplete or was changed by another program"),
                        ("no such column:", "缺少字段 {name}：项目文件不完整，或被其他程序改动过",
                         "the column {name} is missing: the project file is incomplete or was changed by another program")):
        if key in text:
            name = text.split(key, 1)[1].strip().removeprefix("main.")
            return tr(zh, en, name=name)
    for key, zh, en in _SQLITE_REASONS:
        if key in text.lower():
            return tr(zh, en)
    return text


@contextlib.contextmanager
def transaction(db):
    """BEGIN IMMEDIATE ... COMMIT on `db`, rolled back if the block raises (or is interrupted)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def execute_script(db, script: str) -> None:
    """Run several statements inside the caller's transaction (sqlite3's executescript would
    COMMIT it first)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        db.execute(statement)


def add_functions(db) -> None:
    """The SQL functions of the GeoPackage spec's R-tree triggers, and gisdesk's feature hash.

    Without the first, any UPDATE of a layer table written by GDAL fails with 'no such function'.
    """
    def envelope(blob):
        if blob is None:
            return None
        flags = blob[3]
        if flags & 0b10000:  # empty geometry
            return None
        if (flags >> 1) & 0b111:  # the header holds the envelope: minx, maxx, miny, maxy
            return struct.unpack("<dddd" if flags & 1 else ">dddd", blob[8:40])
        geom = geometries_from_blobs([blob])[0]
        xmin, ymin, xmax, ymax = geom.bounds
        return xmin, xmax, ymin, ymax

    db.create_function("ST_IsEmpty", 1, lambda b: 1 if envelope(b) is None else 0, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        db.create_function(name, 1, lambda b, i=i: (envelope(b) or (None,) * 4)[i], deterministic=True)
    db.create_function("GPKG_IsAssignable", 2, lambda expected, actual: 1, deterministic=True)
    db.create_function("gisdesk_digest", 2, _digest, deterministic=True)
    db.create_function("gisdesk_digest_blob", 2, _digest_blob, deterministic=True)


def hash_sql(columns: list[str], geometry: str) -> str:
    """The SQL expression of a feature's content hash, for a row of a table with these columns.

    The columns are taken in the order of their names, so a file whose columns another tool
    reordered hashes the same; empty values are left out, so adding an empty column changes
    no hash; 3 and 3.0 are one number (printed alike), '3' is text; a geometry counts by
    its WKB, not by the header its writer chose (envelope or not). The text is built by SQLite
    in C; only the digest is a Python call per row, which also cuts the header off the blob.
    `hash_sql_reference` is the same definition with the WKB cut out in SQL.
    """
    return f'gisdesk_digest_blob({_hash_text(columns, geometry)}, "{geometry}")'


def hash_sql_reference(columns: list[str], geometry: str) -> str:
    """`hash_sql` as it was first written, the geometry's header cut off by SQL: the same hashes
    (tests/test_store.py holds `hash_sql` to it), 10-20 % slower."""
    # bits 1-3 of the header's flags byte say how long its envelope is (0, 32, 48, 48 or 64 bytes)
    envelope = (f"(instr('0123456789ABCDEF', substr(hex(substr(\"{geometry}\", 4, 1)), 2, 1)) - 1) >> 1")
    wkb = (f'substr("{geometry}", 9 + CASE {envelope} WHEN 0 THEN 0 WHEN 1 THEN 32 WHEN 2 THEN 48 '
           f"WHEN 3 THEN 48 ELSE 64 END)")
    return f"gisdesk_digest({_hash_text(columns, geometry, separator='char(31)')}, {wkb})"


def _hash_text(columns: list[str], geometry: str, separator: str = "'\x1f'") -> str:
    """The text of the hashed values: `name=s<text>`, `name=b<HEX>` or `name=n<printf('%.17g')>`,
    each followed by 0x1f (a literal: char(31) is a function call per value)."""
    parts = []
    for name in sorted((c for c in columns if c.lower() not in ("fid", geometry.lower())), key=str.lower):
        key, c = name.lower().replace("'", "''"), f'"{name}"'
        parts.append(f"CASE typeof({c}) WHEN 'null' THEN '' WHEN 'text' THEN '{key}=s' || {c} || {separator} "
                     f"WHEN 'blob' THEN '{key}=b' || hex({c}) || {separator} "
                     f"ELSE '{key}=n' || printf('%.17g', {c}) || {separator} END")
    return " || ".join(parts) or "''"


def _digest(text, wkb) -> str:
    h = hashlib.blake2b(text.encode() if isinstance(text, str) else b"", digest_size=16)
    if wkb is not None:
        h.update(b"\x1e" + bytes(wkb))
    return h.hexdigest()


_ENVELOPE_BYTES = (0, 32, 48, 48, 64, 64, 64, 64)  # by bits 1-3 of the flags byte (as hash_sql_reference reads them)


def _digest_blob(text, blob) -> str:
    """`_digest` of the text and the WKB of a geometry blob (its header and envelope cut off)."""
    h = hashlib.blake2b(text.encode() if isinstance(text, str) else b"", digest_size=16)
    if blob is not None and blob != b"":  # (SQLite's substr of an empty blob is NULL: no WKB)
        if type(blob) is not bytes:  # (the reference fails on it too: bytes() of a text)
            raise TypeError("the geometry column holds a value that is not a blob")
        h.update(b"\x1e" + blob[8 + (_ENVELOPE_BYTES[(blob[3] >> 1) & 0b111] if len(blob) > 3 else 0):])
    return h.hexdigest()


def _wkb_of(blob: bytes) -> bytes:
    envelope = (blob[3] >> 1) & 0b111
    return bytes(blob[8 + (0, 32, 48, 48, 64)[envelope]:])


def geometry_blobs(geoms: np.ndarray, srs_id: int) -> list:
    """GeoPackage geometry blobs: 'GP', version 0, flags (little-endian, no envelope), srs id, WKB."""
    geoms = np.asarray(geoms, dtype=object)
    header = b"GP\x00\x01" + struct.pack("<i", srs_id)
    present = ~shapely.is_missing(geoms)
    wkb = shapely.to_wkb(geoms[present], byte_order=1, flavor="iso")
    blobs: list = [None] * len(geoms)
    for i, w in zip(np.flatnonzero(present), wkb):
        blobs[i] = header + w
    return blobs


def geometries_from_blobs(blobs) -> np.ndarray:
    out = np.full(len(blobs), None, dtype=object)
    for i, blob in enumerate(blobs):
        if blob is not None:
            out[i] = shapely.from_wkb(_wkb_of(blob))
    return out


def columns_of(db, table: str, schema: str = "main") -> list[tuple[str, str]]:
    """(name, declared type) of a table's columns, in their order."""
    return [(r[1], r[2]) for r in db.execute(f'PRAGMA {schema}.table_info("{table}")')]


def geometry_column(db, table: str, schema: str = "main") -> str | None:
    row = db.execute(f"SELECT column_name FROM {schema}.gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
                     (table,)).fetchone()
    return row[0] if row else None


def copy_new_table(db, table: str) -> None:
    """Copy `table` (features, gpkg registrations, R-tree, GDAL's triggers) from the attached
    `staging` file into main, inside the caller's transaction. GDAL wrote it there, so it is a
    correct GeoPackage table; moving it is plain SQL with no per-row Python."""
    master = db.execute("SELECT type, name, sql FROM staging.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                        "AND type IN ('table', 'index') ORDER BY type = 'index'", (table,)).fetchall()
    for _, _, sql in master:
        db.execute(sql)
    db.execute(f'INSERT INTO main."{table}" SELECT * FROM staging."{table}"')
    srs = db.execute("SELECT srs_id FROM staging.gpkg_geometry_columns WHERE table_name = ?", (table,)).fetchone()[0]
    db.execute("INSERT OR IGNORE INTO main.gpkg_spatial_ref_sys (srs_name, srs_id, organization, "
               "organization_coordsys_id, definition, description) SELECT srs_name, srs_id, organization, "
               "organization_coordsys_id, definition, description FROM staging.gpkg_spatial_ref_sys WHERE srs_id = ?",
               (srs,))
    db.execute("INSERT INTO main.gpkg_contents (table_name, data_type, identifier, description, last_change, "
               "min_x, min_y, max_x, max_y, srs_id) SELECT table_name, data_type, identifier, description, "
               "last_change, min_x, min_y, max_x, max_y, srs_id FROM staging.gpkg_contents WHERE table_name = ?",
               (table,))
    db.execute("INSERT INTO main.gpkg_geometry_columns SELECT * FROM staging.gpkg_geometry_columns "
               "WHERE table_name = ?", (table,))
    if has_table(db, "gpkg_extensions", "staging"):
        _ensure_extensions_table(db)
        db.execute("INSERT INTO main.gpkg_extensions (table_name, column_name, extension_name, definition, scope) "
                   "SELECT table_name, column_name, extension_name, definition, scope FROM staging.gpkg_extensions "
                   "WHERE table_name = ?", (table,))
    geom = geometry_column(db, table, "staging")
    rtree = f"rtree_{table}_{geom}"
    if has_table(db, rtree, "staging"):
        db.execute(f'CREATE VIRTUAL TABLE main."{rtree}" USING rtree(id, minx, maxx, miny, maxy)')
        # the tree GDAL bulk-loaded, node by node: inserting its boxes one by one rebuilds it
        # with splits, ~30 µs a feature
        for shadow in ("node", "rowid", "parent"):
            db.execute(f'DELETE FROM main."{rtree}_{shadow}"')
            db.execute(f'INSERT INTO main."{rtree}_{shadow}" SELECT * FROM staging."{rtree}_{shadow}"')
    if has_table(db, "gpkg_ogr_contents", "staging") and has_table(db, "gpkg_ogr_contents", "main"):
        db.execute("INSERT OR REPLACE INTO main.gpkg_ogr_contents SELECT * FROM staging.gpkg_ogr_contents "
                   "WHERE table_name = ?", (table,))
    for (sql,) in db.execute("SELECT sql FROM staging.sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                             (table,)).fetchall():
        if "gpkg_ogr_contents" not in sql or has_table(db, "gpkg_ogr_contents", "main"):
            db.execute(sql)


def append_by_name(db, table: str, source_table: str) -> tuple[int, list[str]]:
    """Append the rows of staging.`source_table` to main.`table`, matching columns by name
    (case-insensitively, as GeoPackage column names are) and adding the columns `table`
    lacks; columns the source lacks stay empty. Inside the caller's transaction.
    Returns the number of rows and the names of the columns added."""
    target = {name.lower(): name for name, _ in columns_of(db, table)}
    target_geom = geometry_column(db, table)
    source_geom = geometry_column(db, source_table, "staging")
    into, select, added = [f'"{target_geom}"'], [f'"{source_geom}"'], []
    for name, declared in columns_of(db, source_table, "staging"):
        if name.lower() in ("fid", source_geom.lower()):
            continue
        if name.lower() not in target:
            db.execute(f'ALTER TABLE main."{table}" ADD COLUMN "{name}" {declared}')
            target[name.lower()] = name
            added.append(name)
        into.append(f'"{target[name.lower()]}"')
        select.append(f'"{name}"')
    count = db.execute(f'INSERT INTO main."{table}" ({", ".join(into)}) SELECT {", ".join(select)} '
                       f'FROM staging."{source_table}" ORDER BY fid').rowcount
    extent = db.execute("SELECT min_x, min_y, max_x, max_y FROM staging.gpkg_contents WHERE table_name = ?",
                        (source_table,)).fetchone()
    if extent and None not in extent:
        db.execute("UPDATE main.gpkg_contents SET min_x = min(coalesce(min_x, ?1), ?1), "
                   "min_y = min(coalesce(min_y, ?2), ?2), max_x = max(coalesce(max_x, ?3), ?3), "
                   "max_y = max(coalesce(max_y, ?4), ?4) WHERE table_name = ?5", (*extent, table))
    touch_contents(db, table)
    return count, added


def touch_contents(db, table: str) -> None:
    """Record a change of `table` in gpkg_contents.last_change, as the spec asks of every writer."""
    db.execute("UPDATE main.gpkg_contents SET last_change = ? WHERE table_name = ?", (gpkg_now(), table))


def set_version_1_2(db) -> None:
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {USER_VERSION_1_2}")


# GeoPackage 1.4 (what GDAL >= 3.8 writes by default) replaced the R-tree triggers update1 by
# update6 + update7 and update3 by update5. A file that says 1.2 must carry 1.2's: GDAL 3.6's
# validator fails Req 75 without them. Both sets keep the index the same.
_RTREE_1_4 = ("update5", "update6", "update7")


def tables_with_1_4_rtree_triggers(db) -> list[str]:
    rows = db.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree%' "
                      "AND (" + " OR ".join(f"name LIKE '%\\_{t}' ESCAPE '\\'" for t in _RTREE_1_4) + ")")
    return [r[0] for r in rows]


def rtree_triggers_to_1_2(db, table: str) -> None:
    """Put GeoPackage 1.2's R-tree triggers of `table` in place of 1.4's (the SQL GDAL writes for 1.2)."""
    geom = geometry_column(db, table)
    rtree, key = f"rtree_{table}_{geom}", _primary_key(db, table)
    for name in _RTREE_1_4:
        db.execute(f'DROP TRIGGER IF EXISTS "{rtree}_{name}"')
    new = f'NEW."{geom}"'
    insert = (f'INSERT OR REPLACE INTO "{rtree}" VALUES (NEW."{key}",ST_MinX({new}), ST_MaxX({new}),'
              f"ST_MinY({new}), ST_MaxY({new}));")
    db.execute(f'CREATE TRIGGER IF NOT EXISTS "{rtree}_update1" AFTER UPDATE OF "{geom}" ON "{table}" '
               f'WHEN OLD."{key}" = NEW."{key}" AND ({new} NOTNULL AND NOT ST_IsEmpty({new})) '
               f"BEGIN {insert} END")
    db.execute(f'CREATE TRIGGER IF NOT EXISTS "{rtree}_update3" AFTER UPDATE ON "{table}" '
               f'WHEN OLD."{key}" != NEW."{key}" AND ({new} NOTNULL AND NOT ST_IsEmpty({new})) '
               f'BEGIN DELETE FROM "{rtree}" WHERE id = OLD."{key}"; {insert} END')


def _primary_key(db, table: str) -> str:
    return next((r[1] for r in db.execute(f'PRAGMA table_info("{table}")') if r[5] == 1), "fid")


# WKB geometry type codes (less 1000s for Z/M) of each geometry family
_FAMILIES = {1: "point", 4: "point", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}
_DECLARED = {"POINT": "point", "MULTIPOINT": "point", "LINESTRING": "line", "MULTILINESTRING": "line",
             "POLYGON": "polygon", "MULTIPOLYGON": "polygon"}


def geometry_families(db, table: str) -> list[str]:
    """The geometry families (point, line, polygon) of a table's features: its declared type, or
    for a table declared GEOMETRY, what its features hold (read from each blob's header)."""
    geom = geometry_column(db, table)
    declared = db.execute("SELECT geometry_type_name FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
                          (table,)).fetchone()
    if declared and str(declared[0]).upper() in _DECLARED:
        return [_DECLARED[str(declared[0]).upper()]]
    db.create_function("gisdesk_wkb_type", 1, _wkb_type, deterministic=True)
    codes = [r[0] for r in db.execute(f'SELECT DISTINCT gisdesk_wkb_type("{geom}") FROM "{table}"')]
    return sorted({_FAMILIES[c % 1000] for c in codes if c is not None and c % 1000 in _FAMILIES})


def _wkb_type(blob) -> int | None:
    if blob is None or len(blob) < 9 or blob[3] & 0b10000:  # none, or an empty geometry
        return None
    wkb = _wkb_of(blob)
    return struct.unpack("<I" if wkb[0] == 1 else ">I", wkb[1:5])[0]


def has_table(db, name: str, schema: str = "main") -> bool:
    return db.execute(f"SELECT 1 FROM {schema}.sqlite_master WHERE type IN ('table', 'view') AND name = ?",
                      (name,)).fetchone() is not None


def _ensure_extensions_table(db) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS main.gpkg_extensions (table_name TEXT, column_name TEXT, "
               "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, "
               "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))")


def register_attributes(db, table: str, description: str = "") -> None:
    """List a gisdesk table in gpkg_contents as 'attributes', so QGIS and GDAL show it."""
    db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
               "VALUES (?, 'attributes', ?, ?, ?)", (table, table, description, gpkg_now()))


def gpkg_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def parse_time(text: str | None) -> dt.datetime | None:
    """An ISO time (with offset or 'Z') as an aware datetime; None for nothing or garbage."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
