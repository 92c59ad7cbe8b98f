"""The fast paths of a large import store exactly what the plain ones stored.

- GDAL's Arrow write (project.add_features takes it for the column types `_arrow_writes_alike`
  accepts) writes the same table as the feature-by-feature write: declared types, values and
  their SQLite types, NULLs, the geometry blobs, the extent;
- `_to_multi` in one call gives the geometries `MultiPolygon([g])` gave one by one;
- `gpkg.hash_sql` (the geometry's header cut off in Python, 0x1f a literal) gives the hashes of
  `gpkg.hash_sql_reference`, the definition as first written, on random values and on an import.
"""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS

from gisdesk import gpkg
from gisdesk.project import _arrow_writes_alike, _to_multi


def _columns() -> dict:
    n = 6
    return {
        "text": pd.Series(["a", None, "", "名称", "𠀀x", " t "], dtype=object),
        "string": pd.Series(["a", None, "", "名称", "x", "y"], dtype="string"),
        "none": pd.Series([None] * n, dtype=object),
        "int64": np.arange(n, dtype=np.int64) - 2,
        "Int64": pd.array([1, None, 3, 2 ** 40, -5, 0], dtype="Int64"),
        "float": np.array([0.1, np.nan, 1e20, -0.0, 3.0, 123.4]),
        "int32": np.arange(n, dtype=np.int32),
        "bool": np.array([True, False] * 3),
        "mixed": pd.Series([1, "a", 2.5, None, "b", 3], dtype=object),
        "date_text": pd.Series(["2024-01-02", None, "2023-12-31", "2020-02-29", "", "1999-01-01"], dtype=object),
        "datetime": pd.to_datetime(["2024-01-02 10:00", None, "2023-12-31 00:00", "2020-02-29 01:30",
                                    "2021-01-01 00:00", "1999-01-01 00:00"]),
        "float32": np.arange(n, dtype=np.float32) / 3,
    }


def _table(path, column: str):
    with sqlite3.connect(path) as db:
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 't'").fetchone()[0]
        rows = db.execute(f'SELECT fid, "{column}", typeof("{column}"), geom FROM t ORDER BY fid').fetchall()
        extent = db.execute("SELECT min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents WHERE table_name = 't'"
                            ).fetchall()
    return sql, rows, extent


@pytest.mark.parametrize("column", list(_columns()))
def test_the_arrow_write_stores_what_the_feature_by_feature_write_stores(tmp_path, column):
    geoms = np.array([shapely.MultiPolygon([shapely.box(i, 0, i + 1, 1)]) for i in range(6)], dtype=object)
    geoms[2] = None
    frame = gpd.GeoDataFrame({column: _columns()[column]}, geometry=geoms, crs="EPSG:4549")
    assert _arrow_writes_alike(frame)
    tables = []
    for arrow in (False, True):
        path = tmp_path / f"{arrow}.gpkg"
        pyogrio.write_dataframe(frame, path, layer="t", driver="GPKG", geometry_type="MultiPolygon",
                                promote_to_multi=True, dataset_options={"VERSION": "1.2"}, use_arrow=arrow)
        tables.append(_table(path, column))
    assert tables[0] == tables[1]
    assert tables[0][1][2][3] is None and tables[0][1][0][3] is not None  # the NULL geometry stays NULL


def test_columns_the_arrow_write_was_not_compared_on_take_the_feature_by_feature_write():
    geometry = [shapely.box(0, 0, 1, 1)]
    aware = gpd.GeoDataFrame({"t": pd.to_datetime(["2024-01-02 10:00"]).tz_localize("Asia/Shanghai")},
                             geometry=geometry, crs="EPSG:4549")
    category = gpd.GeoDataFrame({"c": pd.Categorical(["a"])}, geometry=geometry, crs="EPSG:4549")
    assert not _arrow_writes_alike(aware) and not _arrow_writes_alike(category)


def test_to_multi_in_one_call_is_multipolygon_of_each():
    z = shapely.Polygon([(0, 0, 1), (2, 0, 1), (2, 2, 1)])
    holed = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (1, 2), (2, 2), (1, 1)]])
    geoms = np.array([shapely.box(0, 0, 1, 1), z, None, shapely.MultiPolygon([shapely.box(5, 5, 6, 6)]),
                      shapely.Polygon(), holed, shapely.MultiPolygon()], dtype=object)
    expected = [shapely.MultiPolygon([g]) if shapely.get_type_id(g) == 3 else g for g in geoms]
    got = _to_multi(geoms)
    for a, b in zip(got, expected):
        assert (a is None and b is None) or shapely.to_wkb(a, flavor="iso") == shapely.to_wkb(b, flavor="iso")
    assert got[4].wkt == "MULTIPOLYGON EMPTY" and shapely.has_z(got[1])


# --- the content hash: hash_sql (the header cut off in Python) is hash_sql_reference ---------------

_values = st.one_of(st.none(), st.text(max_size=12), st.integers(min_value=-2 ** 63, max_value=2 ** 63 - 1),
                    st.floats(allow_nan=False), st.binary(max_size=8), st.sampled_from(["", "3", "3.0", " 楼 "]))
_blobs = st.one_of(st.none(), st.binary(max_size=90), st.builds(
    lambda flags, wkb: b"GP\x00" + bytes([flags]) + b"\xc5\x11\x00\x00" + b"\x00" * 64 + wkb,
    st.integers(0, 255), st.binary(max_size=40)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_values, _values, _values, _values, _blobs), min_size=1, max_size=8))
def test_hash_sql_gives_the_hashes_of_its_reference_definition(tmp_path, rows):
    path = tmp_path / "h.sqlite"
    path.unlink(missing_ok=True)
    path.touch()
    columns = ["fid", "Name", "floors", "height", "raw", "geom"]
    with gpkg.connect(path) as db:
        db.execute("CREATE TABLE t (fid INTEGER PRIMARY KEY, Name TEXT, floors INTEGER, height REAL, raw, geom BLOB)")
        db.executemany("INSERT INTO t (Name, floors, height, raw, geom) VALUES (?, ?, ?, ?, ?)", rows)
        got = [r[0] for r in db.execute(f"SELECT {gpkg.hash_sql(columns, 'geom')} FROM t ORDER BY fid")]
        expected = [r[0] for r in db.execute(f"SELECT {gpkg.hash_sql_reference(columns, 'geom')} FROM t ORDER BY fid")]
    assert got == expected


def test_the_hashes_an_import_stores_are_those_of_the_reference_definition(tmp_path):
    from gisdesk.io.importer import import_layer
    from gisdesk.project import Project

    from bench.mixed_buildings import make_buildings

    source = tmp_path / "mixed.gpkg"
    pyogrio.write_dataframe(make_buildings(300, seed=3), source, layer="buildings", driver="GPKG")
    project = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    report = import_layer(project, source, "buildings")
    assert report.imported > 300 and report.split["features"] > 0  # multi-part buildings were split
    with gpkg.connect(project.path) as db:
        columns = [name for name, _ in gpkg.columns_of(db, "buildings")]
        expected = dict(db.execute(f"SELECT uid, {gpkg.hash_sql_reference(columns, 'geom')} FROM buildings"))
    stored = dict(project.versions("buildings")[["uid", "hash"]].itertuples(index=False))  # computed when asked for
    assert stored == expected and len(stored) == report.imported


def test_an_import_defers_its_hashes_until_asked_and_an_edit_by_another_tool_is_still_seen(tmp_path):
    from gisdesk.io.importer import import_layer
    from gisdesk.project import Project

    from bench.mixed_buildings import make_buildings

    source = tmp_path / "mixed.gpkg"
    pyogrio.write_dataframe(make_buildings(50, seed=4), source, layer="buildings", driver="GPKG")
    project = Project.create(tmp_path / "p.gpkg", crs=CRS.from_epsg(4549))
    import_layer(project, source, "buildings")
    with gpkg.connect(project.path) as db:
        assert {h for (h,) in db.execute("SELECT hash FROM gisdesk_features")} == {""}  # none computed yet
        first, other = [u for (u,) in db.execute("SELECT uid FROM buildings ORDER BY uid LIMIT 2")]
        db.execute("UPDATE buildings SET floors = 99 WHERE uid = ?", (first,))  # another tool, before any hash
        db.commit()
    asked = project.versions("buildings", [other])
    assert asked["hash"].str.fullmatch("[0-9a-f]{32}").all() and len(asked) == 1
    with gpkg.connect(project.path) as db:
        assert db.execute("SELECT count(*) FROM gisdesk_features WHERE hash = ''").fetchone()[0] == \
            db.execute("SELECT count(*) FROM buildings").fetchone()[0] - 2  # only `other` hashed; `first` changed
    reopened = Project.open(project.path)
    log = reopened.edit_log("buildings")
    assert set(log.loc[log["action"] == "external", "uid"]) == {first}  # the edit is seen, the deferred ones are not
    assert not reopened.versions("buildings")["hash"].eq("").any()
