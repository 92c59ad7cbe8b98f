"""The annotations of a project in its GeoPackage: the feature table gisdesk_annotations. No Qt.

One row per annotation (gisdesk.layers.annotations): its shape in the `geom` column in the
project CRS, registered in gpkg_contents and gpkg_geometry_columns as a feature table like
gisdesk_topology, so QGIS, ogrinfo and GDAL list the table and show the shapes (text and
callout anchors as points or lines, rectangles and ellipses as polygons):

    gisdesk_annotations (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY,
      annotation_id TEXT NOT NULL UNIQUE,      -- uuid4 hex
      kind TEXT NOT NULL,                      -- text | arrow | callout | rectangle | ellipse | freehand
      text TEXT NOT NULL DEFAULT '',
      style TEXT NOT NULL,                     -- JSON: color, width_mm, fill, fill_alpha, font_pt
      target_layer TEXT, target_uid TEXT,      -- a callout's feature
      target_dx REAL, target_dy REAL,          -- its anchor's offset from the feature's bounding-box centre
      z INTEGER NOT NULL,                      -- drawing order, bottom first
      created_at TEXT, created_by TEXT, saved_at TEXT NOT NULL)

A project made before annotations existed gets the table on its first save that has some.
`save_annotations` replaces the rows with the set given, in one transaction: a crash or a bad
row leaves the annotations as they were.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import numpy as np
import shapely

from gisdesk import gpkg
from gisdesk.errors import ProjectError
from gisdesk.layers.annotations import KINDS, Annotation, AnnotationStyle
from gisdesk.store import local_now

TABLE = "gisdesk_annotations"
DESCRIPTION = "gisdesk: annotations drawn on the map (text, arrows, callouts, shapes)"
_COLUMNS = ("annotation_id", "kind", "text", "style", "target_layer", "target_uid", "target_dx", "target_dy", "z",
            "created_at", "created_by", "saved_at")


def has_annotations_table(project) -> bool:
    with gpkg.connect(project.path, readonly=True) as db:
        return gpkg.has_table(db, TABLE)


def load_annotations(project) -> list[Annotation]:
    """The project's annotations, bottom first; none for a project that never saved any."""
    with gpkg.connect(project.path, readonly=True) as db:
        if not gpkg.has_table(db, TABLE):
            return []
        rows = db.execute(f"SELECT geom, {', '.join(_COLUMNS)} FROM {TABLE} ORDER BY z, fid").fetchall()
    geoms = gpkg.geometries_from_blobs(np.array([r[0] for r in rows], dtype=object)) if rows else []
    out = []
    for geom, row in zip(geoms, rows):
        (annotation_id, kind, text, style, layer, uid, dx, dy, _z, created_at, created_by, _saved) = row[1:]
        if kind not in KINDS or geom is None or shapely.is_empty(geom):
            continue  # a row another tool wrote that gisdesk cannot draw: left in the file, not shown
        try:
            style_values = json.loads(style or "{}")
        except ValueError:
            style_values = {}
        out.append(Annotation(str(annotation_id), kind, geom, text or "", AnnotationStyle.from_dict(style_values),
                              (str(layer), str(uid)) if layer and uid else None,
                              (float(dx or 0.0), float(dy or 0.0)), created_at or "", created_by or ""))
    return out


def save_annotations(project, annotations) -> None:
    """Replace the project's annotations with `annotations` (bottom first), in one transaction; a file
    that cannot be written raises ProjectError naming it, and is left as it was."""
    items = list(annotations)
    try:
        _save(project, items)
    except sqlite3.Error as exc:  # a read-only or locked file, a full disk: nothing was written
        raise ProjectError("无法把标注保存到项目 {path}：{why}", "cannot save the annotations to the project {path}: {why}",
                           path=Path(project.path).name, why=gpkg.error_reason(exc)) from exc


def _save(project, items: list) -> None:
    saved_at = local_now()
    with _writing(project) as db:
        if not gpkg.has_table(db, TABLE):
            if not items:
                return  # nothing to keep: an older project stays as it was
            _create_table(db, _srs_id(db, project.path))
        srs_id = db.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (TABLE,)).fetchone()[0]
        db.execute(f"DELETE FROM {TABLE}")
        blobs = gpkg.geometry_blobs(np.array([item.geometry for item in items], dtype=object), srs_id) if items else []
        db.executemany(
            f"INSERT INTO {TABLE} (geom, {', '.join(_COLUMNS)}) VALUES ({', '.join('?' * (len(_COLUMNS) + 1))})",
            [(blob, item.id, item.kind, item.text, json.dumps(item.style.to_dict(), ensure_ascii=False),
              item.target[0] if item.target else None, item.target[1] if item.target else None,
              float(item.target_offset[0]) if item.target else None,
              float(item.target_offset[1]) if item.target else None, z, item.created_at or saved_at,
              item.created_by or None, saved_at) for z, (blob, item) in enumerate(zip(blobs, items))])
        gpkg.touch_contents(db, TABLE)


@contextlib.contextmanager
def _writing(project):
    """The store's own write (Project._write: a transaction, or a savepoint of the batch the project is
    in, so that File › Save writes the annotations and the layers' states as one), else one of ours."""
    write = getattr(project, "_write", None)
    if write is not None:
        with write() as db:
            yield db
        return
    with gpkg.connect(project.path) as db, gpkg.transaction(db):
        yield db


def _create_table(db, srs_id: int) -> None:
    db.execute(f"""CREATE TABLE {TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY,
        annotation_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ({', '.join(repr(k) for k in KINDS)})),
        text TEXT NOT NULL DEFAULT '', style TEXT NOT NULL DEFAULT '{{}}', target_layer TEXT, target_uid TEXT,
        target_dx REAL, target_dy REAL, z INTEGER NOT NULL DEFAULT 0, created_at TEXT, created_by TEXT,
        saved_at TEXT NOT NULL)""")
    db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
               "VALUES (?, 'features', ?, ?, ?, ?)", (TABLE, TABLE, DESCRIPTION, gpkg.gpkg_now(), srs_id))
    db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)", (TABLE, srs_id))


def _srs_id(db, path) -> int:
    """The project CRS's srs_id: that of its layers, else of the CRS in its settings (registered in
    gpkg_spatial_ref_sys by then, or refused)."""
    row = db.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name IN "
                     "(SELECT table_name FROM gisdesk_layers) LIMIT 1").fetchone()
    if row is not None:
        return int(row[0])
    crs = db.execute("SELECT value FROM gisdesk_settings WHERE key = 'crs'").fetchone()
    if crs and crs[0] and crs[0].upper().startswith("EPSG:"):
        code = int(crs[0].split(":")[1])
        found = db.execute("SELECT srs_id FROM gpkg_spatial_ref_sys WHERE lower(organization) = 'epsg' AND "
                           "organization_coordsys_id = ?", (code,)).fetchone()
        if found is not None:
            return int(found[0])
    raise ProjectError("项目 {path} 还没有坐标系（先导入图层），无法保存标注",
                       "project {path} has no CRS yet (import a layer first): the annotations cannot be saved",
                       path=getattr(path, "name", path))
