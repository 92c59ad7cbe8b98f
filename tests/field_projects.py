"""Small hand-made masters for the field package and merge tests (tests/test_field_*.py)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import geopandas as gpd
from pyproj import CRS
from shapely.geometry import Point, box

from gisdesk.project import Project
from gisdesk.store import FeatureEdit

METRIC = "EPSG:4549"


def make_master(path: Path, *, buildings: int = 5) -> Project:
    """Buildings B1..Bn (10 m boxes 20 m apart along x; B1-B3 in 黄浦区, the rest in 虹口区) and
    ledger cases L1 (in B1's box, 黄浦区, 待核查) and L2 (a point, 虹口区, 已立案)."""
    project = Project.create(path, crs=CRS.from_user_input(METRIC), name="测试主库")
    rows = [{"uid": f"B{i}", "name": f"{i}号楼", "floors": i, "district": "黄浦区" if i <= 3 else "虹口区",
             "geometry": box(20 * i, 0, 20 * i + 10, 10)} for i in range(1, buildings + 1)]
    project.add_features("buildings", gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC), kind="buildings",
                         source={"path": "hand-made"})
    cases = [{"uid": "L1", "case_no": "L1", "status": "待核查", "found_on": "2024-05-01", "district": "黄浦区",
              "notes": "", "geometry": box(22, 2, 26, 6)},
             {"uid": "L2", "case_no": "L2", "status": "已立案", "found_on": "2024-05-02", "district": "虹口区",
              "notes": "", "geometry": Point(95, 5)}]
    project.add_features("ledger", gpd.GeoDataFrame(cases, geometry="geometry", crs=METRIC), kind="ledger",
                         source={"path": "hand-made"})
    return project


def edit(path, layer: str, *edits: FeatureEdit, who: str = "外业") -> None:
    Project(path).commit_edits(layer, list(edits), who=who)


def attrs(uid: str, **values) -> FeatureEdit:
    return FeatureEdit("attributes", uid, None, values)


def moved(uid: str, geometry) -> FeatureEdit:
    return FeatureEdit("geometry", uid, None, geometry=geometry)


def deleted(uid: str) -> FeatureEdit:
    return FeatureEdit("delete", uid, None)


def added(uid: str, geometry, **values) -> FeatureEdit:
    return FeatureEdit("add", uid, None, values, geometry)


def table(path, layer: str) -> dict:
    """uid → {column: value} of a layer, straight from SQLite (no geometry)."""
    with sqlite3.connect(path) as db:
        cursor = db.execute(f'SELECT * FROM "{layer}" ORDER BY fid')
        names = [d[0] for d in cursor.description]
        return {row[names.index("uid")]: {n: v for n, v in zip(names, row) if n not in ("fid", "geom")}
                for row in cursor}


def geometries(path, layer: str) -> dict:
    frame = Project(path).read_layer(layer)
    return dict(zip(frame["uid"], frame.geometry))


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
