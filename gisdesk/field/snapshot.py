"""Features as values: what a field package's base snapshot holds and what the merge compares.

A feature is its attribute values (every column but fid, the geometry and uid, as SQLite stores
them: text, integer, real, blob or NULL) and its geometry as ISO WKB (the GeoPackage header cut
off: the writer's choice of envelope is not a change). Two values are the same when both are
NULL, both numbers of equal value (3 and 3.0, as the store's hash counts them) or equal text or
bytes; two geometries when their WKB is equal, or their normalized WKB, or they are
topologically equal (a ring started at another vertex, a one-part MultiPolygon written as a
Polygon). Nothing is compared as text.

The base snapshot, table gisdesk_field_base of a package: per feature of every layer its layer,
uid, version, hash (the store's content hash), its values as JSON and its geometry as WKB; the
attachments of those features as rows of layer gisdesk_attachments (uid: the attachment id, hash:
its sha256, values: its row without the bytes). These are plain SQLite reads of GeoPackage tables:
the package is a GeoPackage file by definition. No Qt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import shapely

from gisdesk import gpkg

BASE = "gisdesk_field_base"  # in a package: the snapshot it was made with
MERGED = "gisdesk_field_merged"  # in the master: per package, the state of each feature a merge settled
MERGES = "gisdesk_field_merges"  # in the master: one row per merge written
ATTACHMENTS = "gisdesk_attachments"  # F3's table (gisdesk/attachments.py): photos and documents of features
HISTORY = "gisdesk_ledger_history"
ATTACHMENT_LAYER = ATTACHMENTS  # the layer name of attachment rows in BASE and MERGED

# settings of a package (gisdesk_settings)
PACKAGE_ID = "field:package_id"
PACKAGE_MASTER = "field:master"  # the master's path when packed
PACKAGE_MASTER_KEY = "field:master_key"  # the master's id (pack.master_key): a package merges into it only
PACKAGE_AREA = "field:area"  # JSON: {"district": D} or {"extent": [...]}, and the box taken
PACKAGE_HISTORY_MAX = "field:history_max"  # the largest event_id of the ledger history given to the package
PACKAGE_PACKED_AT = "field:packed_at"

NOT_VALUES = ("fid", "uid")  # columns that are no feature value (with the geometry column)


@dataclass
class Feature:
    values: dict  # column → value as SQLite stores it
    wkb: bytes | None  # ISO WKB, None for no geometry
    fid: int | None = None
    hash: str | None = None  # the store's content hash, when known (the base snapshot's)

    def same(self, other: "Feature", columns=None) -> bool:
        """Whether the two hold the same values (on `columns` when given; a column one lacks reads NULL)."""
        names = set(self.values) | set(other.values) if columns is None else columns
        return same_geometry(self.wkb, other.wkb) and all(
            same_value(self.values.get(c), other.values.get(c)) for c in names)


def wkb_of(blob) -> bytes | None:
    """The ISO WKB of a GeoPackage geometry blob (None for NULL)."""
    if blob is None or blob == b"":
        return None
    blob = bytes(blob)
    if blob[:2] != b"GP":  # (a tool that wrote bare WKB)
        return blob
    return gpkg._wkb_of(blob)  # noqa: SLF001 -- the header layout lives in gpkg


def same_value(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return a == b
    if isinstance(a, (bytes, memoryview)) and isinstance(b, (bytes, memoryview)):
        return bytes(a) == bytes(b)
    return type(a) is type(b) and a == b


def same_geometry(a: bytes | None, b: bytes | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if a == b:
        return True
    try:
        ga, gb = shapely.from_wkb(a), shapely.from_wkb(b)
    except shapely.errors.GEOSException:
        return False
    if ga.is_empty or gb.is_empty:
        return ga.is_empty and gb.is_empty
    if shapely.to_wkb(shapely.normalize(ga)) == shapely.to_wkb(shapely.normalize(gb)):
        return True
    try:
        return bool(ga.is_valid and gb.is_valid and shapely.equals(ga, gb))
    except shapely.errors.GEOSException:
        return False


def wkt(wkb: bytes | None) -> str | None:
    """A geometry as WKT at full precision (the report's form)."""
    if wkb is None:
        return None
    return shapely.to_wkt(shapely.from_wkb(wkb), rounding_precision=-1)


def shown(value):
    """A value as the report's JSON holds it (bytes as {"$blob": hex})."""
    if isinstance(value, (bytes, memoryview)):
        return {"$blob": bytes(value).hex()}
    return value


def whole(feature: Feature | None) -> dict | None:
    """A whole feature for the report: its values and its geometry as WKT under "geometry"."""
    if feature is None:
        return None
    return {**{k: shown(v) for k, v in sorted(feature.values.items())}, "geometry": wkt(feature.wkb)}


def values_json(values: dict) -> str:
    return json.dumps({k: shown(v) for k, v in values.items()}, ensure_ascii=False, sort_keys=True)


def values_from_json(text: str | None) -> dict:
    if not text:
        return {}
    return {k: bytes.fromhex(v["$blob"]) if isinstance(v, dict) and "$blob" in v else v
            for k, v in json.loads(text).items()}


def value_columns(db, table: str) -> list[str]:
    """The value columns of a layer table: all but fid, uid and the geometry."""
    geom = (gpkg.geometry_column(db, table) or "").lower()
    return [name for name, _ in gpkg.columns_of(db, table) if name.lower() not in (*NOT_VALUES, geom)]


def read_features(db, table: str, uids=None) -> tuple[dict[str, Feature], dict[str, Feature]]:
    """The features of a layer table: (uid → Feature, "fid:N" → Feature for the rows without a uid
    or with a uid an earlier row already has, as another tool's copy of a feature leaves it).
    With `uids`, only the features of these uids (a master's few among its million)."""
    if uids is not None:
        return _read_some(db, table, sorted({str(u) for u in uids})), {}
    geom = gpkg.geometry_column(db, table)
    columns = value_columns(db, table)
    has_uid = any(name.lower() == "uid" for name, _ in gpkg.columns_of(db, table))
    select = ", ".join(['fid', 'uid' if has_uid else 'NULL', f'"{geom}"' if geom else 'NULL',
                        *(f'"{c}"' for c in columns)])
    by_uid: dict[str, Feature] = {}
    loose: dict[str, Feature] = {}
    for row in db.execute(f'SELECT {select} FROM "{table}" ORDER BY fid'):
        fid, uid, blob = row[0], row[1], row[2]
        feature = Feature(dict(zip(columns, row[3:])), wkb_of(blob), fid)
        text = None if uid is None else str(uid).strip()
        if text and text not in by_uid:
            by_uid[text] = feature
        else:
            loose[f"fid:{fid}"] = feature
    return by_uid, loose


def _read_some(db, table: str, uids: list[str]) -> dict[str, Feature]:
    geom = gpkg.geometry_column(db, table)
    columns = value_columns(db, table)
    select = ", ".join(['fid', 'uid', f'"{geom}"' if geom else 'NULL', *(f'"{c}"' for c in columns)])
    found: dict[str, Feature] = {}
    for start in range(0, len(uids), 900):  # SQLite's limit on bound parameters
        chunk = uids[start:start + 900]
        for row in db.execute(f'SELECT {select} FROM "{table}" WHERE uid IN ({",".join("?" * len(chunk))}) '
                              f"ORDER BY fid", chunk):
            found.setdefault(str(row[1]).strip(), Feature(dict(zip(columns, row[3:])), wkb_of(row[2]), row[0]))
    return found


def read_fids(db, table: str, fids: list[int]) -> dict[str, Feature]:
    """"fid:N" → Feature of the rows `fids` of a layer table."""
    geom = gpkg.geometry_column(db, table)
    columns = value_columns(db, table)
    select = ", ".join(['fid', f'"{geom}"' if geom else 'NULL', *(f'"{c}"' for c in columns)])
    found: dict[str, Feature] = {}
    for start in range(0, len(fids), 900):
        chunk = fids[start:start + 900]
        for row in db.execute(f'SELECT {select} FROM "{table}" WHERE fid IN ({",".join("?" * len(chunk))})', chunk):
            found[f"fid:{row[0]}"] = Feature(dict(zip(columns, row[2:])), wkb_of(row[1]), row[0])
    return found


def row_hashes(db, table: str) -> tuple[dict[str, str], list[int]]:
    """uid → the store's content hash of each row of a layer table (made now, by SQLite), and the fids
    of the rows without a uid or with one an earlier row has."""
    columns = [name for name, _ in gpkg.columns_of(db, table)]
    geom = gpkg.geometry_column(db, table)
    hashes: dict[str, str] = {}
    loose: list[int] = []
    for fid, uid, digest in db.execute(f'SELECT fid, uid, {gpkg.hash_sql(columns, geom) if geom else "NULL"} '
                                       f'FROM "{table}" ORDER BY fid'):
        text = None if uid is None else str(uid).strip()
        if text and text not in hashes:
            hashes[text] = digest
        else:
            loose.append(fid)
    return hashes, loose


def create_base_table(db) -> None:
    db.execute(f"""CREATE TABLE IF NOT EXISTS {BASE} (fid INTEGER PRIMARY KEY AUTOINCREMENT,
        layer TEXT NOT NULL, uid TEXT NOT NULL, version INTEGER, hash TEXT, "values" TEXT NOT NULL,
        geometry BLOB, UNIQUE (layer, uid))""")
    gpkg.register_attributes(db, BASE, "gisdesk: the field package's base snapshot (values and WKB of every "
                                       "feature and attachment as packed)")


def read_base(db) -> dict[str, dict[str, Feature]]:
    """layer → uid → Feature of a package's base snapshot ({} when it has none)."""
    if not gpkg.has_table(db, BASE):
        return {}
    base: dict[str, dict[str, Feature]] = {}
    for layer, uid, values, geometry, digest in db.execute(
            f'SELECT layer, uid, "values", geometry, hash FROM {BASE} ORDER BY fid'):
        base.setdefault(layer, {})[uid] = Feature(values_from_json(values), None if geometry is None else bytes(geometry),
                                                  None, digest)
    return base


def create_merged_tables(db) -> None:
    """The master's record of merges: what each package's merge settled, feature by feature (its
    state then: the base of the package's next merge, and under which uid the master holds it),
    and one row per merge."""
    db.execute(f"""CREATE TABLE IF NOT EXISTS {MERGED} (fid INTEGER PRIMARY KEY AUTOINCREMENT,
        package_id TEXT NOT NULL, layer TEXT NOT NULL, field_uid TEXT NOT NULL, master_uid TEXT NOT NULL,
        present INTEGER NOT NULL, "values" TEXT, geometry BLOB, merged_at TEXT NOT NULL,
        UNIQUE (package_id, layer, field_uid))""")
    db.execute(f"""CREATE TABLE IF NOT EXISTS {MERGES} (fid INTEGER PRIMARY KEY AUTOINCREMENT,
        package_id TEXT NOT NULL, package TEXT NOT NULL, merged_at TEXT NOT NULL, who TEXT NOT NULL,
        applied INTEGER NOT NULL, conflicts INTEGER NOT NULL, skipped INTEGER NOT NULL, backup TEXT,
        report TEXT NOT NULL)""")
    gpkg.register_attributes(db, MERGED, "gisdesk: per field package, the state of each feature its merges settled")
    gpkg.register_attributes(db, MERGES, "gisdesk: the merges of field packages")


@dataclass
class Settled:
    """A feature a package's earlier merge settled: its master uid and state (None: absent)."""
    master_uid: str
    feature: Feature | None


def read_merged(db, package_id: str) -> dict[str, dict[str, Settled]]:
    """layer → field uid → Settled of a package's earlier merges into this master."""
    if not gpkg.has_table(db, MERGED):
        return {}
    out: dict[str, dict[str, Settled]] = {}
    for layer, field_uid, master_uid, present, values, geometry in db.execute(
            f'SELECT layer, field_uid, master_uid, present, "values", geometry FROM {MERGED} WHERE package_id = ? '
            f'ORDER BY fid', (package_id,)):
        feature = Feature(values_from_json(values), None if geometry is None else bytes(geometry)) if present else None
        out.setdefault(layer, {})[field_uid] = Settled(master_uid, feature)
    return out
