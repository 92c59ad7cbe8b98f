#!/usr/bin/env python
"""Build the demo city project data/demo.gpkg: Shanghai, The Bund and Lujiazui.

Usage (from the repo root, with the venv that has gisdesk installed):

    python data/make_demo.py [REALDATA_DIR] [OUTPUT.gpkg]

REALDATA_DIR defaults to ../shared/realdata (relative to the repo root); the script
reads REALDATA_DIR/shanghai-huangpu-nextzen-osm (OpenStreetMap data cut into Nextzen
vector tiles, EPSG:4326; see its README.txt). OUTPUT defaults to data/demo.gpkg and is
never overwritten: delete it first to rebuild.

What is real and what is not (data/README.md says the same at more length):
- buildings, roads, rivers, parks, parking places and district borders come from OSM;
- control lines are *derived* from them (they are not the city's legal lines), and their
  effective_on dates are made up;
- buildings' `protection` is *derived* (the buildings in the purple zone; the tiles have no
  heritage tags) and their `built_year` is *synthetic* (seeded);
- the ledger cases, the parking census figures, the old-estate records, the street and
  community subdivisions and the yellow-line facilities are *fictional*.

How it is built: every layer is first written to a GeoPackage in a temp folder, in
EPSG:4326 like the OSM source, and then imported with gisdesk's own importer
(`import_layer`, with an id field giving stable uids), exactly as a user's import
would be. The ledger's status history goes in through `Project.append_history`.
Random choices use a fixed seed and a fixed "today" (AS_OF), so two runs give the same
features. Runs in about 15 seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sqlite3
import sys
import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import shapely.ops
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, Point, box

from gisdesk.io.importer import import_layer
from gisdesk.layers.kinds import LEDGER_STATUSES, VIOLATION_CODES
from gisdesk.layers.ledger import check_transition, path_to
from gisdesk.project import Project
from gisdesk.rules import load_rules

REPO = Path(__file__).resolve().parent.parent
DATASET = "shanghai-huangpu-nextzen-osm"
SEED = 20251121
AS_OF = dt.date(2026, 11, 15)  # the demo's "today": deadlines before it are overdue
WGS84 = "EPSG:4326"
METRIC = "EPSG:32651"  # UTM 51N: metres for the derivation (gisdesk picks its own CGCS2000 GK zone on import)

PROJECT_NAME = "示例城市：上海外滩—陆家嘴（演示）"
ATTRIBUTION = ("© OpenStreetMap contributors (ODbL); tiles Nextzen/Tilezen. Control lines derived; "
               "ledger, parking census, old estates and admin subdivisions are fictional.")

# Vector tiles repeat a feature's properties in each tile; the same OSM id then comes in
# several pieces. GDAL warns about the duplicate `id`s when reading: expected here.
warnings.filterwarnings("ignore", message="Several features with id")


# --- reading ----------------------------------------------------------------------------

def read(folder: Path, layer: str) -> gpd.GeoDataFrame:
    frame = pyogrio.read_dataframe(folder / f"shanghai_{layer}.geojson")
    return frame.set_crs(WGS84, allow_override=True).to_crs(METRIC)


def osm_uid(osm_id) -> str:
    """uid of a feature derived from one OSM object. Tilezen gives relations negative ids."""
    osm_id = int(osm_id)
    return f"osm-r{-osm_id}" if osm_id < 0 else f"osm-{osm_id}"


def first_valid(series: pd.Series):
    values = series.dropna()
    return values.iloc[0] if len(values) else None


def merge_polygons_by_id(frame: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    """One polygon per OSM id: the union of the pieces the tiles cut it into.

    Tile coordinates are quantised, so the two sides of a cut do not always coincide
    exactly; closing by 5 cm (buffer out, then in) welds them without changing the shape.
    """
    frame = frame[frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    rows = []
    for osm_id, group in frame.groupby("id", sort=True):
        geom = shapely.union_all(group.geometry.values)
        if len(group) > 1:
            geom = geom.buffer(0.05, join_style="mitre").buffer(-0.05, join_style="mitre")
        rows.append({"osm_id": int(osm_id), **{c: first_valid(group[c]) for c in columns if c in group},
                     "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=frame.crs)


def merge_lines_by_id(frame: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    """One (multi)line per OSM id: the pieces cut at tile edges, merged end to end."""
    rows = []
    for osm_id, group in frame.groupby("id", sort=True):
        geom = shapely.line_merge(shapely.union_all(group.geometry.values))
        rows.append({"osm_id": int(osm_id), **{c: first_valid(group[c]) for c in columns if c in group},
                     "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=frame.crs)


# --- admin: districts from OSM, streets and communities fictional ----------------------

# Fictional street offices (街道): names made up from local place names, none is a real
# street office; seeds for a Voronoi split of each district (lon, lat).
STREETS = {
    "黄浦区": [("外滩源街道", 121.487, 31.240), ("十六铺街道", 121.488, 31.230)],
    "浦东新区": [("陆家嘴滨江街道", 121.500, 31.240), ("东昌街道", 121.506, 31.230),
                ("浦东大道街道", 121.514, 31.243)],
    "虹口区": [("北外滩滨江街道", 121.495, 31.249)],
    "杨浦区": [("杨浦滨江街道", 121.516, 31.250)],
}
COMMUNITY_SPACING = 500.0  # m between community seeds (a grid)


def districts(folder: Path, extent) -> gpd.GeoDataFrame:
    """District polygons from the real county borders (lines with name:left / name:right).

    The borders are cut to the tile extent; with the extent's outline they polygonize
    into faces, and each face takes the name on its side of the nearest border line.
    """
    lines = read(folder, "boundaries")
    frame = box(*extent)
    # lengthen each border a little past its ends so that it meets the frame
    longer = [_extend(g, 50.0) for g in shapely.get_parts(lines.geometry.values)]
    noded = shapely.union_all([*longer, frame.exterior])
    faces = [f for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
             if f.intersection(frame).area > 1.0]
    names = []
    for face in faces:
        p = face.representative_point()
        i = int(np.argmin(lines.distance(p).to_numpy()))
        line = shapely.line_merge(lines.geometry.iloc[i])
        line = min(shapely.get_parts(line), key=lambda g: g.distance(p))
        names.append(lines["name:left"].iloc[i] if _left_of(line, p) else lines["name:right"].iloc[i])
    out = gpd.GeoDataFrame({"district": names}, geometry=[f.intersection(frame) for f in faces], crs=lines.crs)
    return out.dissolve("district", as_index=False)


def _extend(line, by: float):
    coords = np.asarray(line.coords)
    if len(coords) < 2:
        return line
    start = coords[0] + (coords[0] - coords[1]) / max(np.linalg.norm(coords[0] - coords[1]), 1e-9) * by
    end = coords[-1] + (coords[-1] - coords[-2]) / max(np.linalg.norm(coords[-1] - coords[-2]), 1e-9) * by
    return LineString([start, *coords, end])


def _left_of(line, p) -> bool:
    d = line.project(p)
    a, b = line.interpolate(max(d - 1.0, 0.0)), line.interpolate(min(d + 1.0, line.length))
    return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) > 0


def subdivisions(district_frame: gpd.GeoDataFrame, named_roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fictional streets (Voronoi of STREETS seeds) and communities (a grid) per district.

    A community is named after the named road with the most length in it (many real
    neighbourhood committees are named after a road), so the names read plausibly.
    """
    rows = []
    used = set()
    for _, d in district_frame.iterrows():
        seeds = STREETS.get(d.district, [(d.district.removesuffix("区") + "街道", None, None)])
        if seeds[0][1] is None:
            street_parts = [(seeds[0][0], d.geometry)]
        else:
            pts = gpd.GeoSeries([Point(x, y) for _, x, y in seeds], crs=WGS84).to_crs(METRIC)
            cells = _voronoi(list(pts), d.geometry)
            street_parts = [(name, cell) for (name, _, _), cell in zip(seeds, cells) if not cell.is_empty]
        for street, area in street_parts:
            xmin, ymin, xmax, ymax = area.bounds
            grid = [Point(x, y) for x in np.arange(xmin + COMMUNITY_SPACING / 2, xmax, COMMUNITY_SPACING)
                    for y in np.arange(ymin + COMMUNITY_SPACING / 2, ymax, COMMUNITY_SPACING)
                    if area.contains(Point(x, y))] or [area.representative_point()]
            for n, cell in enumerate(_voronoi(grid, area), start=1):
                if cell.is_empty or cell.area < 1.0:
                    continue
                name = _community_name(cell, named_roads, used) or f"{street.removesuffix('街道')}第{n}社区"
                used.add(name)
                rows.append({"district": d.district, "street": street, "community": name, "geometry": cell})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC)


def _voronoi(points, area):
    if len(points) == 1:
        return [area]
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(points), extend_to=area.envelope.buffer(1000)))
    # voronoi_polygons does not keep the order of the points: match each cell to its seed
    ordered = [next(c for c in cells if c.contains(p)) for p in points]
    return [c.intersection(area) for c in ordered]


def _community_name(cell, roads, used) -> str | None:
    inside = roads.clip(cell)
    if inside.empty:
        return None
    length = inside.assign(length=inside.length).groupby("name")["length"].sum().sort_values(ascending=False)
    for road in length.index:
        name = f"{road}社区"
        if name not in used and "隧道" not in road and "桥" not in road:
            return name
    return None


def assign_admin(frame: gpd.GeoDataFrame, admin: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """district / street / community of each feature by the cell holding its centroid.

    Centroids outside every cell (a few buildings stick out of the tile extent) take the
    nearest cell.
    """
    points = gpd.GeoDataFrame(geometry=frame.geometry.representative_point(), crs=frame.crs)
    joined = gpd.sjoin_nearest(points, admin[["district", "street", "community", "geometry"]], how="left")
    joined = joined[~joined.index.duplicated(keep="first")]
    out = frame.copy()
    for col in ("district", "street", "community"):
        out[col] = joined[col].reindex(frame.index).to_numpy()
    return out


# --- buildings ---------------------------------------------------------------------------

# OSM building / kind_detail values in Chinese (those not listed stay empty).
BUILDING_USE = {
    "commercial": "商业", "retail": "商业", "mall": "商业", "shop": "商业", "hotel": "酒店",
    "apartments": "住宅", "residential": "住宅", "house": "住宅", "office": "办公", "company": "办公",
    "bank": "金融", "embassy": "外事", "government": "办公", "restaurant": "餐饮", "fast_food": "餐饮",
    "cafe": "餐饮", "attraction": "旅游景点", "museum": "文化", "arts_centre": "文化", "cinema": "文化",
    "transportation": "交通", "tower": "塔", "communications_tower": "通信塔", "place_of_worship": "宗教",
    "school": "教育", "construction": "在建", "shed": "附属用房", "gate": "门楼", "post_office": "邮政",
    "computer": "商业",
}
LAND_USE = {"residential": "住宅", "retail": "商业", "commercial": "商业", "hospital": "医疗", "school": "教育",
            "place_of_worship": "宗教", "attraction": "旅游景点"}
FLOOR_HEIGHT = 3.5  # m per storey, to estimate floors from an OSM height


def buildings(folder: Path) -> gpd.GeoDataFrame:
    raw = read(folder, "buildings")
    raw = raw[raw["kind"].isin(["building", "building_part"])]  # skips label points (address, entrance)
    raw = raw.assign(name=raw["name:zh"].fillna(raw["name"]) if "name:zh" in raw else raw["name"])  # Chinese name first
    cols = ["kind", "name", "kind_detail", "landuse_kind", "height", "addr_street", "addr_housenumber"]
    merged = merge_polygons_by_id(raw, cols)
    merged = merged[merged.area > 1.0].copy()
    merged["uid"] = merged["osm_id"].map(osm_uid)
    # the building's own use, else the use of the land it stands on (Tilezen's landuse_kind)
    merged["building_use"] = merged["kind_detail"].map(BUILDING_USE).fillna(merged["landuse_kind"].map(LAND_USE))
    merged["height_m"] = pd.to_numeric(merged["height"], errors="coerce").round(1)
    merged["floors"] = (merged["height_m"] / FLOOR_HEIGHT).round().clip(lower=1).astype("Int64")
    merged["address"] = _addresses(merged, folder)
    return merged


def _addresses(frame: gpd.GeoDataFrame, folder: Path) -> pd.Series:
    """The building's own addr:* tags, else an OSM address point inside it."""
    own = frame["addr_street"].fillna("") + frame["addr_housenumber"].fillna("").map(
        lambda n: f"{n}号" if n and not str(n).endswith("号") else n)
    points = read(folder, "buildings")
    points = points[(points["kind"] == "address") & points.geom_type.eq("Point")]
    points = points.assign(text=points["addr_street"].fillna("") + points["addr_housenumber"].fillna("").map(
        lambda n: f"{n}号" if n else ""))
    inside = gpd.sjoin(points[["text", "geometry"]], frame[["geometry"]], predicate="within")
    by_building = inside.groupby("index_right")["text"].first()
    out = own.where(own != "", by_building.reindex(frame.index))
    return out.replace("", None)


# --- control lines ------------------------------------------------------------------------

# Road red lines as centre lines with a half width, by OSM highway class. Chinese OSM
# practice maps 城市快速路 as trunk (here 延安高架路), 主干路 as primary, 次干路 as
# secondary and 支路 as tertiary/residential. Real red lines here are about 50-60 m wide
# (快速路), 40-50 m (主干路), 30-40 m (次干路) and 16-24 m (支路), but:
# - OSM draws dual carriageways (世纪大道, 中山东一路 ...) as two one-way centre lines,
#   each of which gets its own zone, so one-way ways get 60 % of the half width;
# - the historic street fronts of the Bund, 南京东路 and 老城厢 stand at the street edge.
# With half widths of about half the real widths (trunk 20, primary 16, secondary 12,
# tertiary 9, residential 6) the check found over 200 encroachments and close to 800
# setback shortfalls; these narrower values keep the zone near the kerb-to-building-line
# space and give about 120 encroachments.
RED_LINE = {  # kind_detail: (road_class, half width m)
    "trunk": ("expressway", 18.0),
    "primary": ("trunk", 12.0),
    "secondary": ("secondary", 8.0),
    "tertiary": ("branch", 6.0),
    "residential": ("branch", 4.0),
    "unclassified": ("branch", 4.0),
    "living_street": ("branch", 3.0),
}
ONE_WAY_FACTOR = 0.6
# West of the Huangpu (the Bund, 南京东路, 老城厢, 北外滩) the area is historic fabric whose
# buildings keep the old building line (贴线) rather than the setbacks of the rule file,
# which are meant for new buildings: the branch and secondary roads there carry
# setback_m = 0 (gisdesk's per-feature override). Without this, every street-front
# building of the old town showed as a setback shortfall (about 750).
HISTORIC_DISTRICTS = ("黄浦区", "虹口区")
HISTORIC_NO_SETBACK = ("secondary", "branch")


def red_lines(folder: Path, district_frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    roads = read(folder, "roads")
    roads = roads[roads["kind"].isin(["major_road", "minor_road"]) & roads["kind_detail"].isin(list(RED_LINE))]
    # Tunnels (外滩隧道, 延安东路隧道 ...) run under buildings and the river: no surface red line.
    roads = roads[roads["is_tunnel"].fillna(0).astype(float) != 1]
    # Unnamed residential ways are lanes inside estates (弄堂), not planned roads.
    roads = roads[~(roads["kind_detail"].isin(["residential", "unclassified", "living_street"]) & roads["name"].isna())]
    merged = merge_lines_by_id(roads, ["name", "kind_detail", "oneway"])
    merged["uid"] = merged["osm_id"].map(osm_uid)
    merged["road_class"] = merged["kind_detail"].map(lambda k: RED_LINE[k][0])
    half = merged["kind_detail"].map(lambda k: RED_LINE[k][1])
    one_way = merged["oneway"].astype(str).isin(["yes", "1", "True", "true"])
    merged["half_width_m"] = np.where(one_way, half * ONE_WAY_FACTOR, half).round(1)
    historic = district_frame[district_frame["district"].isin(HISTORIC_DISTRICTS)].union_all()
    in_old_town = merged.geometry.representative_point().within(historic) & \
        merged["road_class"].isin(HISTORIC_NO_SETBACK)
    merged["setback_m"] = np.where(in_old_town, 0.0, np.nan)
    merged["note"] = np.where(in_old_town, "派生：OSM 道路中心线，半宽按道路等级设定（非法定红线）；历史风貌区沿街贴线，不另退线",
                              "派生：OSM 道路中心线，半宽按道路等级设定（非法定红线）")
    return merged


def blue_lines(folder: Path) -> gpd.GeoDataFrame:
    """The Huangpu River and Suzhou Creek: their water polygons dissolved per river."""
    water = read(folder, "water")
    water = water[water.geom_type.isin(["Polygon", "MultiPolygon"])]
    rows = []
    for uid, name in (("blue-huangpujiang", "黄浦江"), ("blue-suzhouhe", "苏州河")):
        pieces = water[water["name"] == name].geometry.values
        geom = shapely.union_all(pieces).buffer(0.05, join_style="mitre").buffer(-0.05, join_style="mitre")
        rows.append({"uid": uid, "name": name, "note": "派生：OSM 水域面按河流合并（非法定蓝线）", "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC)


def green_lines(folder: Path, buildings_frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    landuse = read(folder, "landuse")
    parks = merge_polygons_by_id(landuse[landuse["kind"].isin(["park", "garden"])], ["kind", "name"])
    # An OSM "garden" can be the grounds of a compound, full of buildings: not green space.
    built = shapely.union_all(buildings_frame[buildings_frame["kind"] == "building"].geometry.values)
    covered = shapely.area(shapely.intersection(parks.geometry.values, built)) / parks.area
    parks = parks[(parks["kind"] == "park") | (covered < 0.10)].copy()
    parks["uid"] = parks["osm_id"].map(osm_uid)
    parks["name"] = parks["name"].fillna(parks["kind"].map({"park": "公园绿地", "garden": "附属绿地"}))
    parks["note"] = "派生：OSM 公园/花园用地（非法定绿线）"
    return parks


def purple_line(buildings_frame: gpd.GeoDataFrame, red: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """外滩历史文化风貌区核心保护范围, derived: the named buildings west of 中山东一路
    between Suzhou Creek and 延安东路, their hull, widened by 10 m."""
    bund_road = shapely.union_all(red[red["name"] == "中山东一路"].geometry.values)
    window = gpd.GeoSeries([box(121.484, 31.232, 121.492, 31.243)], crs=WGS84).to_crs(METRIC).iloc[0]
    named = buildings_frame[buildings_frame["name"].notna() & buildings_frame.centroid.within(window)]
    near = named[named.distance(bund_road) < 120.0]
    west = near[[_west_of(g.centroid, bund_road) for g in near.geometry]]
    hull = shapely.concave_hull(MultiPoint(shapely.get_coordinates(west.geometry.values)), ratio=0.15)
    zone = hull.buffer(10.0, join_style="mitre").simplify(1.0)
    return gpd.GeoDataFrame([{
        "uid": "purple-bund-core", "name": "外滩历史文化风貌区核心保护范围（派生）",
        "note": f"派生：中山东一路西侧 {len(west)} 栋有名称的历史建筑的包络外扩 10 m，仅供演示，非法定紫线",
        "geometry": zone}], geometry="geometry", crs=METRIC)


# --- when things were built, what is protected, when the lines took effect (issue 9) ----------

# The tiles carry no OSM heritage / historic / start_date tags, so all of this is derived or
# synthetic (data/README.md says so): the dates each kind of line took effect in the demo ...
EFFECTIVE_ON = {"red": "2010-03-01", "green": "2006-06-01", "blue": "2007-10-01", "purple": "2005-01-01",
                "yellow": "2012-05-01"}
# ... the protection of the buildings inside the purple zone (the Bund's historic buildings the
# zone is drawn around: 外滩三号, 外滩五号, 中山东一路10-12号 ...): the first row on 中山东一路
# (外滩建筑群, a national 文物保护单位 since 1996), Shanghai's 优秀历史建筑 among the named ones
# behind it, 历史建筑 for the rest; and every building's built_year, drawn from its own
# generator so that the other layers' random draws stay as they were.
YEAR_SEED = SEED + 9


def protection_and_years(bldg: gpd.GeoDataFrame, purple: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """`protection` for every building whose inner point lies in the purple zone (the Bund's blocks
    of historic buildings the zone is drawn around): 文物保护单位 for those addressed on 中山东一路,
    优秀历史建筑 for the others OSM names or addresses, 历史建筑 for the unnamed ones behind them;
    `built_year`: those 1906-1937, 浦东 1990-2020 (towers over 100 m from 1995), the rest of 浦西
    1920-2020; 12 % of the buildings outside the zone have no year."""
    rng = np.random.default_rng(YEAR_SEED)
    out = bldg.copy()
    inside = out.geometry.representative_point().within(purple.geometry.union_all()).to_numpy()
    known = (out["name"].notna() | out["address"].notna()).to_numpy()
    bund = out["address"].fillna("").str.startswith("中山东一路").to_numpy()
    out["protection"] = np.where(inside, np.where(bund, "文物保护单位", np.where(known, "优秀历史建筑", "历史建筑")),
                                 None)
    n = len(out)
    pudong = (out["district"] == "浦东新区").to_numpy()
    tall = (out["height_m"].fillna(0) > 100).to_numpy()
    year = np.where(inside, rng.integers(1906, 1938, n),
                    np.where(pudong, np.where(tall, rng.integers(1995, 2019, n), rng.integers(1990, 2021, n)),
                             rng.integers(1920, 2021, n)))
    missing = (rng.random(n) < 0.12) & ~inside
    out["built_year"] = pd.array(np.where(missing, -1, year), dtype="Int64")
    out.loc[missing, "built_year"] = pd.NA
    return out


def _west_of(p, line) -> bool:
    return line.interpolate(line.project(p)).x > p.x


# Fictional infrastructure zones (黄线): name, size (m), where.
YELLOW = [
    ("110千伏变电站（虚构）", 45.0, 35.0),
    ("轨道交通通风井（虚构）", 30.0, 20.0),
    ("天然气调压站（虚构）", 25.0, 20.0),
    ("雨水排放泵站（虚构）", 50.0, 30.0),  # the last one sits on the Huangpu bank
]


def yellow_lines(folder: Path, buildings_frame, blue) -> gpd.GeoDataFrame:
    """Rectangles on real open land (OSM grass with no building) and one on the river bank."""
    landuse = read(folder, "landuse")
    grass = merge_polygons_by_id(landuse[landuse["kind"] == "grass"], ["kind"])
    built = shapely.union_all(buildings_frame.geometry.values)
    grass = grass[(grass.area > 1500) & ~grass.intersects(built)]
    grass = grass.assign(size=-grass.area.round(0)).sort_values(["size", "osm_id"])  # largest first
    picked = []
    for geom in grass.geometry:
        if all(geom.distance(p) > 400 for p in picked):
            picked.append(geom)
        if len(picked) == len(YELLOW) - 1:
            break
    rows = []
    for (name, w, h), parcel in zip(YELLOW, picked):
        rows.append((name, _rect_in(parcel, w, h)))
    # the pumping station: the point of the Huangpu bank farthest from any building,
    # away from the other facilities, half on land and half over the water (its outfall)
    river = blue[blue["name"] == "黄浦江"].geometry.iloc[0]
    bank = max(shapely.get_parts(river.boundary), key=lambda g: g.length)
    samples = [bank.interpolate(d) for d in np.arange(0, bank.length, 25.0)]
    frame_box = box(*buildings_frame.total_bounds).buffer(-150)
    samples = [p for p in samples if frame_box.contains(p) and all(p.distance(q) > 400 for q in picked)]
    spot = max(samples, key=lambda p: p.distance(built))
    d = bank.project(spot)
    a, b = bank.interpolate(d - 5), bank.interpolate(d + 5)
    angle = math.degrees(math.atan2(b.y - a.y, b.x - a.x))
    name, w, h = YELLOW[-1]
    rows.append((name, affinity.rotate(box(spot.x - w / 2, spot.y - h / 2, spot.x + w / 2, spot.y + h / 2), angle)))
    return gpd.GeoDataFrame(
        [{"uid": f"yellow-{n:02d}", "name": name, "note": "虚构：演示用市政设施用地，非真实黄线",
          "geometry": g} for n, (name, g) in enumerate(rows, start=1)], geometry="geometry", crs=METRIC)


def _rect_in(parcel, w, h):
    """A w × h rectangle at the parcel's inner point, turned like the parcel, kept inside it."""
    c = parcel.representative_point()
    mrr = parcel.minimum_rotated_rectangle
    xy = np.asarray(mrr.exterior.coords)
    angle = math.degrees(math.atan2(xy[1, 1] - xy[0, 1], xy[1, 0] - xy[0, 0]))
    for scale in (1.0, 0.8, 0.6, 0.45):
        r = affinity.rotate(box(c.x - w * scale / 2, c.y - h * scale / 2, c.x + w * scale / 2, c.y + h * scale / 2),
                            angle, origin=c)
        if parcel.contains(r):
            return r
    return r.intersection(parcel)


# --- the ledger (fictional) ---------------------------------------------------------------

N_CASES = 170
N_NEAR_CONTROLS = 68  # about 40 %: pieces of real buildings near control lines
N_POINTS = 10  # cases known by address only
SURNAMES = "张王李赵刘陈杨黄周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
STRUCTURES = ("砖混", "钢混", "钢结构", "彩钢板/铁皮", "简易")
USES = ("住宅", "商业", "工业", "附属用房", "其他")
LANDS = ("国有", "集体", "宅基地", "耕地", "公共区域", "其他")
SOURCES = ("巡查发现", "群众举报", "卫片图斑", "数字城管", "街镇转办", "其他")
KIND_CODE = {"red": "YHX", "green": "ZLX", "blue": "ZLanX", "purple": "ZZX", "yellow": "ZHX"}
NEAR_TARGETS = {"red": 26, "green": 12, "blue": 10, "purple": 10, "yellow": 10}
WHO = ("执法队员A", "执法队员B", "执法队员C", "中队长D", "法制员E")
CLOSED = {"已拆除", "没收", "补办手续", "不予立案", "已结案"}


def control_zones(controls: dict[str, gpd.GeoDataFrame], rules) -> gpd.GeoDataFrame:
    """The zones the check will build (centre lines buffered by their half width), with setbacks."""
    rows = []
    for kind, frame in controls.items():
        for _, f in frame.iterrows():
            geom = f.geometry.buffer(f["half_width_m"]) if kind == "red" else f.geometry
            setback = rules.setback_by_road_class.get(f.get("road_class"), rules.setback[kind]) \
                if kind == "red" else rules.setback[kind]
            if pd.notna(f.get("setback_m", np.nan)):  # the feature's own setback overrides the rules
                setback = f["setback_m"]
            rows.append({"kind": kind, "uid": f["uid"], "setback": setback, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC)


def ledger(rng, bldg: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, roads_named: gpd.GeoDataFrame):
    """Fictional cases with real-looking footprints; returns (frame, history events)."""
    shapes = []  # (geometry, how, kind or None)
    whole = bldg[bldg["kind"] == "building"]
    # 1. pieces of real buildings near each kind of control line, moved so that some
    #    encroach and some fall short of the setback
    for kind, n in NEAR_TARGETS.items():
        kz = zones[zones["kind"] == kind]
        reach = 40.0 if kind != "yellow" else 150.0
        near = whole[whole.distance(shapely.union_all(kz.geometry.values)) < reach]
        picks = rng.choice(len(near), size=min(n, len(near)), replace=False)
        for i in sorted(picks):
            b = near.iloc[i]
            zone_row = kz.iloc[int(np.argmin(kz.distance(b.geometry).to_numpy()))]
            encroach = zone_row.setback == 0 or rng.random() < 0.55
            piece = _corner_piece(rng, b.geometry, zone_row.geometry)
            moved = _move_against(rng, piece, zone_row.geometry, zone_row.setback, encroach)
            shapes.append((moved, "encroach" if encroach else "setback", kind, b))
    # 2. small add-ons: rooftop structures on, and sheds beside, real buildings
    n_small = N_CASES - len(shapes) - N_POINTS
    candidates = whole[(whole.area > 80) & (whole.area < 6000)]
    tree = shapely.STRtree(whole.geometry.values)
    while n_small > 0:
        b = candidates.iloc[int(rng.integers(len(candidates)))]
        rooftop = rng.random() < 0.4
        geom = _rooftop(rng, b.geometry) if rooftop else _shed(rng, b.geometry, tree, whole.geometry.values)
        if geom is None:
            continue
        shapes.append((geom, "rooftop" if rooftop else "shed", None, b))
        n_small -= 1
    # 3. cases known only by an address: a point at a building
    for i in rng.choice(len(whole), size=N_POINTS, replace=False):
        b = whole.iloc[int(i)]
        shapes.append((b.geometry.representative_point(), "point", None, b))

    statuses = _statuses(rng, len(shapes))
    order = rng.permutation(len(shapes))
    rows, events = [], []
    numbers: dict[int, int] = {}
    cases = []
    for n, k in enumerate(order):
        geom, how, kind, b = shapes[k]
        cases.append(_case(rng, geom, how, kind, b, statuses[n], roads_named, n))
    cases.sort(key=lambda c: (c["found_on"], c["_seq"]))
    for case in cases:
        year = int(case["found_on"][:4])
        numbers[year] = numbers.get(year, 0) + 1
        case["case_no"] = f"HP{year}-{numbers[year]:04d}"
        events += [(case["case_no"], *e) for e in case.pop("_events")]
        case.pop("_seq")
        rows.append(case)
    _cover_codes(rows)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC)
    return frame, events


def _corner_piece(rng, building, zone):
    """The corner of the building nearest the zone: a square of 30-200 m² (or all of a small building)."""
    if building.area <= 200:
        return building
    corner = shapely.ops.nearest_points(building.exterior if building.geom_type == "Polygon"
                                        else building.boundary, zone)[0]
    side = math.sqrt(rng.uniform(40, 200))
    for grow in (1.0, 1.5, 2.0, 3.0):
        piece = building.intersection(corner.buffer(side * grow / 2, cap_style="square"))
        if piece.area >= 25:
            return _largest(piece)
    return _largest(piece)


def _largest(geom):
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return max(parts, key=lambda p: p.area) if parts else geom


def _move_against(rng, piece, zone, setback, encroach):
    """Slide the piece toward (or away from) the zone until it reaches a few metres in,
    or stops short of the setback (between 20 % and 80 % of it)."""
    p = piece.centroid
    q = shapely.ops.nearest_points(zone.boundary, p)[0]
    v = np.array([q.x - p.x, q.y - p.y])
    if np.linalg.norm(v) < 1e-6:
        v = np.array([1.0, 0.0])
    u = v / np.linalg.norm(v)
    inside = zone.contains(p)
    if inside:
        u = -u  # from inside, "toward" means deeper in
    reach = piece.distance(zone) + 40.0
    steps = np.arange(-reach, reach, 0.25)
    moved = np.array([affinity.translate(piece, *(t * u)) for t in steps], dtype=object)
    overlap = shapely.area(shapely.intersection(moved, zone))
    distance = shapely.distance(moved, zone)
    if encroach:
        want = rng.uniform(0.15, 0.6) * piece.area  # part of the piece inside
        score = np.abs(overlap - want)
    else:
        want = rng.uniform(0.2, 0.8) * max(setback, 1.0)
        score = np.where(overlap > 0, np.inf, np.abs(distance - want))
    return moved[int(np.argmin(score + np.abs(steps) * 1e-3))]


def _orientation(building) -> float:
    xy = np.asarray(building.minimum_rotated_rectangle.exterior.coords)
    return math.degrees(math.atan2(xy[1, 1] - xy[0, 1], xy[1, 0] - xy[0, 0]))


def _rooftop(rng, building):
    """A 20-150 m² structure on the roof: a rectangle inside the footprint."""
    c = building.representative_point()
    area = rng.uniform(20, min(150, building.area * 0.5))
    w = math.sqrt(area * rng.uniform(1.0, 2.0))
    h = area / w
    r = affinity.rotate(box(c.x - w / 2, c.y - h / 2, c.x + w / 2, c.y + h / 2), _orientation(building), origin=c)
    piece = _largest(r.intersection(building))
    return piece if piece.area >= 20 else None


def _shed(rng, building, tree, geoms):
    """A 20-200 m² shed against one side of the building, not on any other building."""
    mrr = building.minimum_rotated_rectangle
    xy = np.asarray(mrr.exterior.coords)[:4]
    edge = int(rng.integers(4))
    a, b = xy[edge], xy[(edge + 1) % 4]
    length = float(np.linalg.norm(b - a))
    if length < 4:
        return None
    along = (b - a) / length
    out = np.array([along[1], -along[0]])  # the exterior side of a counter-clockwise ring
    if shapely.Point(*(a + b) / 2 + out * 2).within(building):
        out = -out
    w = min(length * rng.uniform(0.3, 0.8), rng.uniform(5, 18))
    d = rng.uniform(3, 11)
    if not 20 <= w * d <= 200:
        d = float(np.clip(d, 20 / w, 200 / w))
    start = a + along * rng.uniform(0, length - w) + out * 0.2
    shed = shapely.Polygon([start, start + along * w, start + along * w + out * d, start + out * d])
    hits = tree.query(shed, predicate="intersects")
    if len(hits) or not 20 <= shed.area <= 200:
        return None
    return shed


def _statuses(rng, n):
    """Every status at least 6 times; the rest weighted like a real backlog."""
    weights = {"待核查": 8, "已立案": 8, "责令停止": 6, "限期整改": 9, "限期拆除": 10, "催告": 6, "强拆公告": 4,
               "已拆除": 18, "没收": 3, "补办手续": 7, "不予立案": 5, "已结案": 16}
    out = [s for s in LEDGER_STATUSES for _ in range(6)]
    p = np.array([weights[s] for s in LEDGER_STATUSES], dtype=float)
    out += list(rng.choice(LEDGER_STATUSES, size=n - len(out), p=p / p.sum()))
    return out


def _path(rng, status, demolition):
    """The statuses a case went through to reach `status` (every step a legal move)."""
    if status == "已结案":
        outcome = rng.choice(["已拆除", "已拆除", "已拆除", "没收", "补办手续", "不予立案"])
        path = _path(rng, outcome, demolition) + ["已结案"]
    elif status == "已拆除" and demolition == "强拆":
        path = ["待核查", "已立案", "责令停止", "限期拆除", "催告", "强拆公告", "已拆除"]
    elif status == "已拆除" and rng.random() < 0.3:
        path = path_to("限期拆除") + ["已拆除"]  # ordered to demolish, and did so
    else:
        path = path_to(status)
    for old, new in zip(path, path[1:]):
        check_transition("?", old, new)
    return path


# Days after the previous step at which each status is reached.
STEP_DAYS = {"已立案": (3, 15), "不予立案": (5, 20), "责令停止": (1, 5), "限期整改": (3, 12), "限期拆除": (3, 12),
             "没收": (20, 60), "补办手续": (20, 90), "催告": (10, 30), "强拆公告": (10, 20), "已拆除": (7, 45),
             "已结案": (5, 20)}
NOTES = {"待核查": "登记线索，待现场核查", "已立案": "现场核查属实，予以立案", "不予立案": "经核查举报不实，不予立案",
         "责令停止": "下达责令停止违法行为通知书", "限期整改": "下达限期整改通知书", "限期拆除": "下达限期拆除决定书",
         "催告": "逾期未履行，依法催告（行政强制法第三十五条）", "强拆公告": "发布强制拆除公告（行政强制法第四十四条）",
         "已拆除": "违法建设已拆除，现场复核", "没收": "依法没收实物", "补办手续": "符合规划，责令补办规划许可手续",
         "已结案": "材料归档，结案"}


def _case(rng, geom, how, kind, b, status, roads_named, n):
    metric_area = 0.0 if geom.geom_type == "Point" else geom.area
    demolition = None
    if status in ("已拆除", "已结案"):
        demolition = "强拆" if rng.random() < 0.3 else "自拆"
    path = _path(rng, status, demolition)
    if "已拆除" not in path:
        demolition = None
    gaps = [int(rng.integers(*STEP_DAYS[s])) for s in path[1:]]
    stock = "存量" if rng.random() < 0.5 else "新增"
    first = dt.date(2024, 1, 2)
    last = AS_OF - dt.timedelta(days=sum(gaps) + 1)
    if status not in CLOSED and rng.random() < 0.6:  # a live backlog: recent cases, deadlines ahead
        found = last - dt.timedelta(days=int(rng.integers(0, 30)))
    else:
        found = first + dt.timedelta(days=int(rng.integers(0, max((last - first).days, 1))))
    started = found - dt.timedelta(days=int(rng.integers(400, 3000) if stock == "存量" else rng.integers(10, 120)))
    dates, day = [found], found
    for g in gaps:
        day = day + dt.timedelta(days=g)
        dates.append(day)
    events = [(d.isoformat(), str(rng.choice(WHO)), old, new, NOTES[new])
              for d, old, new in zip(dates, [None, *path[:-1]], path)]
    deadline = None
    for s, d in zip(path, dates):
        if s in ("责令停止", "限期整改", "限期拆除", "催告", "强拆公告"):
            deadline = d + dt.timedelta(days=int(rng.integers(15, 61)))
    closed_on = dates[-1] if status in CLOSED else None
    if status == "已结案" and path[-2] in CLOSED:
        closed_on = dates[-2]

    floors = 1 if how in ("rooftop", "shed") else int(rng.choice([1, 1, 2, 2, 3]))
    structure = str(rng.choice(["彩钢板/铁皮", "简易", "钢结构"] if how in ("rooftop", "shed") else list(STRUCTURES)))
    use = str(rng.choice(USES, p=[0.3, 0.3, 0.05, 0.25, 0.1]))
    land = str(rng.choice(LANDS, p=[0.7, 0.03, 0.02, 0.01, 0.2, 0.04]))  # a city centre: mostly state land
    footprint = round(metric_area, 1) if metric_area else round(float(rng.uniform(20, 120)), 1)
    floor_area = round(footprint * floors, 1)
    base_height = b["height_m"] if how == "rooftop" and pd.notna(b["height_m"]) else 0.0
    height = round(base_height + floors * rng.uniform(2.6, 3.4), 1)
    codes = _codes(rng, how, kind, structure, stock)
    demolished = None
    if demolition:
        demolished = round(floor_area * (1.0 if rng.random() < 0.8 else rng.uniform(0.5, 0.95)), 1)
    party = (f"{SURNAMES[int(rng.integers(len(SURNAMES)))]}某" if use in ("住宅", "附属用房", "其他")
             else f"上海某{rng.choice(['贸易', '餐饮', '物业', '实业', '酒店管理'])}有限公司")
    own = isinstance(b["address"], str) and geom.distance(b.geometry) < 5.0  # still at the source building
    address = b["address"] if own else _near_address(rng, geom, roads_named)
    if how in ("rooftop", "shed"):
        address = f"{address}{'楼顶' if how == 'rooftop' else '旁'}"
    return {
        "_seq": n, "_events": events,
        "address": address, "party": party,
        "id_no": f"3101{rng.integers(1, 20):02d}********{rng.integers(0, 10000):04d}",
        "phone": f"1{rng.choice([35, 38, 39, 58, 86])}****{n + 1:04d}",
        "building_use": use, "structure": structure, "land_type": land,
        "footprint_m2": footprint, "floor_area_m2": floor_area, "illegal_area_m2": floor_area,
        "floors": floors, "height_m": height,
        "started_on": started.isoformat(), "found_on": found.isoformat(),
        "source": str(rng.choice(SOURCES, p=[0.35, 0.25, 0.12, 0.12, 0.12, 0.04])),
        "stock": stock, "violation": ",".join(codes), "status": status, "demolition": demolition,
        "deadline": deadline.isoformat() if deadline else None,
        "closed_on": closed_on.isoformat() if closed_on else None,
        "demolished_m2": demolished,
        "notes": "虚构案例：" + {"encroach": f"由真实建筑局部平移，压{_KIND_ZH.get(kind, '')}",
                               "setback": f"由真实建筑局部平移，距{_KIND_ZH.get(kind, '')}不足退线距离",
                               "rooftop": "屋顶加建", "shed": "贴建棚房", "point": "仅有地址，未测绘"}[how],
        "geometry": geom,
    }


_KIND_ZH = {"red": "道路红线", "green": "绿线", "blue": "蓝线", "purple": "紫线", "yellow": "黄线"}


def _codes(rng, how, kind, structure, stock):
    codes = []
    if kind:
        codes.append(KIND_CODE[kind])
    if how == "rooftop":
        codes.append(str(rng.choice(["SDLJ", "CG", "WPXJ"])))
    elif how == "shed":
        codes.append("CQLJ" if structure == "简易" and stock == "存量" else str(rng.choice(["SDLJ", "WPXJ"])))
    else:
        codes.append(str(rng.choice(["WPXJ", "CMJ", "SDLJ"])))
    if rng.random() < 0.06:
        codes.append("ZYGX")
    return [c for c in VIOLATION_CODES if c in codes]


def _cover_codes(rows):
    """Make sure every violation code and land type occurs (a demo should show them all)."""
    seen_land = {r["land_type"] for r in rows}
    for i, land in enumerate(x for x in LANDS if x not in seen_land):
        rows[(11 * i + 5) % len(rows)]["land_type"] = land
    seen = {c for r in rows for c in r["violation"].split(",")}
    for i, code in enumerate(c for c in VIOLATION_CODES if c not in seen):
        row = rows[(7 * i + 3) % len(rows)]
        row["violation"] = ",".join(c for c in VIOLATION_CODES if c in {*row["violation"].split(","), code})


def _near_address(rng, geom, roads_named) -> str:
    streets = roads_named[~roads_named["name"].str.contains("环岛|隧道|地道|桥")]
    i = int(np.argmin(streets.distance(geom.centroid).to_numpy()))
    roads_named = streets
    return f"{roads_named['name'].iloc[i]}{int(rng.integers(1, 400))}号"


# --- parking (census fictional, places real) ------------------------------------------------

N_GARAGES = 15


def parking(rng, folder: Path, bldg, roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = []
    landuse = read(folder, "landuse")
    lots = merge_polygons_by_id(landuse[landuse["kind"] == "parking"], ["name"])
    for _, lot in lots.iterrows():  # OSM parking areas: big surface lots are public, small ones a building's
        public = lot.geometry.area > 1500
        spaces = max(int(lot.geometry.area / 28), 8)
        rows.append(_parking_row(rng, lot.geometry, "路外公共" if public else "配建", lot["name"], "地面", spaces, bldg))
    pois = read(folder, "pois")
    pois = pois[pois["kind"] == "parking"]
    hosts = []
    for _, p in pois.iterrows():  # OSM parking points: a garage of the building it is in (or named after), else public
        inside = bldg[bldg.contains(p.geometry)]
        name = p.get("name")
        attached = len(inside) > 0 or (isinstance(name, str) and "停车" not in name)
        hosts += list(inside.index)
        capacity = pd.to_numeric(pd.Series([p.get("capacity")]), errors="coerce").iloc[0]
        spaces = int(capacity) if pd.notna(capacity) else int(rng.integers(150, 600) if attached else rng.integers(40, 300))
        form = str(rng.choice(["地下", "地下", "地上立体", "机械"]))
        rows.append(_parking_row(rng, p.geometry, "配建" if attached else "路外公共", name, form, spaces, bldg))
    # The garages of the largest named buildings (towers, hotels, malls), which OSM rarely maps:
    # underground, about 1.5 spaces per 25 m² of footprint (fictional census figures).
    big = bldg[bldg["name"].notna() & (bldg["kind"] == "building") & ~bldg.index.isin(hosts)]
    big = big.assign(size=-big.area.round(0)).sort_values(["size", "uid"]).head(N_GARAGES)
    for _, b in big.iterrows():
        spaces = int(min(b.geometry.area / 25 * 1.5, 1500))
        rows.append(_parking_row(rng, b.geometry.representative_point(), "配建", f"{b['name']}地下车库", "地下",
                                 spaces, bldg, host=HOST_USE.get(b["building_use"], "办公")))
    # On-street (路内) kerb segments: fictional, drawn 4 m off the centre of minor roads
    minor = roads[roads["kind_detail"].isin(["residential", "tertiary", "unclassified"]) & (roads.length > 80)]
    for i in rng.choice(len(minor), size=min(22, len(minor)), replace=False):
        road = minor.iloc[int(i)]
        line = max(shapely.get_parts(road.geometry), key=lambda g: g.length)
        length = min(line.length * 0.8, float(rng.uniform(40, 120)))
        start = float(rng.uniform(0, line.length - length))
        kerb = shapely.ops.substring(line, start, start + length).offset_curve(4.0 * rng.choice([-1, 1]))
        rows.append(_parking_row(rng, kerb, "路内", f"{road['name'] or '支路'}路内泊位", "地面",
                                 max(int(kerb.length / 6), 3), bldg))
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC)
    frame["survey_no"] = [f"TC-{n:04d}" for n in range(1, len(frame) + 1)]
    return frame


HOST_USE = {"住宅": "居住", "办公": "办公", "商业": "商业", "酒店": "商业", "金融": "办公", "交通": "枢纽",
            "教育": "学校"}


def _parking_row(rng, geom, category, name, form, spaces, bldg, host=None):
    if category == "配建" and host is None:
        i = int(np.argmin(bldg.distance(geom).to_numpy()))
        host = HOST_USE.get(bldg["building_use"].iloc[i], str(rng.choice(["商业", "办公", "居住", "单位大院"])))
    ev = int(spaces * rng.uniform(0.05, 0.2)) if category != "路内" else 0
    return {
        "category": category, "host_use": host,
        "name": name if isinstance(name, str) else {"配建": "配建停车场", "路外公共": "公共停车场", "路内": None}[category],
        "form": form, "spaces": int(spaces), "spaces_large": int(spaces * 0.03) if form == "地面" and category != "路内" else 0,
        "spaces_accessible": max(int(spaces * 0.02), 1) if category != "路内" else 0,
        "spaces_ev": ev, "chargers": ev,
        "opening": {"配建": str(rng.choice(["内部", "时段开放"])), "路外公共": "全天开放", "路内": "时段开放"}[category],
        "operator": {"配建": "物业公司（虚构）", "路外公共": "黄浦停车管理公司（虚构）", "路内": "道路停车收费管理所（虚构）"}[category],
        "fee": {"配建": "内部车辆免费", "路外公共": "首小时15元，之后10元/小时", "路内": "首小时10元，之后15元/半小时"}[category],
        "note": "虚构：普查数据为演示编造" + ("，位置取自 OSM" if category != "路内" else ""),
        "geometry": geom,
    }


# --- old estates (fictional records) --------------------------------------------------------

ESTATE_NAMES = ["福安里", "兴仁坊", "德润里", "春晖新村", "长乐坊", "永兴新村", "联谊小区", "曙光新村", "和顺里",
                "仁德坊", "滨江新村", "江宁小区", "宝元里", "同福坊", "安庆新村", "惠民小区", "嘉乐里", "瑞祥新村"]
WORKS = {"基础类": "屋面防水、外墙修缮、雨污分流、二次供水改造", "完善类": "加装电梯、增设停车位与充电桩、无障碍设施",
         "提升类": "社区服务中心、养老托育设施、智能安防"}


N_PARCEL_ESTATES = 11  # the first OSM residential parcels (all but one in Pudong) ...
CLUSTER_ESTATES = {"虹口区": 4, "黄浦区": 3}  # ... and clusters of small buildings west of the river


def _puxi_clusters(rng, bldg, parcels) -> gpd.GeoDataFrame:
    """Outlines of clusters of small unnamed buildings (lilong-like fabric) in Puxi."""
    small = bldg[(bldg["kind"] == "building") & bldg["name"].isna() & bldg.area.between(60, 1500)]
    rows, seeds = [], []
    for district, n in CLUSTER_ESTATES.items():
        pool = small[small["district"] == district]
        for i in rng.permutation(len(pool)):
            if n == 0:
                break
            seed = pool.geometry.iloc[int(i)].centroid
            if any(seed.distance(q) < 250 for q in seeds) or parcels.distance(seed).min() < 100:
                continue
            members = small[small.distance(seed) < 70]
            if len(members) < 8:
                continue
            hull = shapely.concave_hull(MultiPoint(shapely.get_coordinates(members.geometry.values)), ratio=0.3)
            rows.append({"osm_id": None, "name": None, "geometry": hull.buffer(3.0, join_style="mitre")})
            seeds.append(seed)
            n -= 1
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=bldg.crs)


def old_estates(rng, folder: Path, bldg) -> gpd.GeoDataFrame:
    """Boundaries: OSM residential land parcels and hulls of small-building clusters; every record is fictional."""
    landuse = read(folder, "landuse")
    parcels = merge_polygons_by_id(landuse[landuse["kind"] == "residential"], ["name"])
    parcels = parcels[(parcels.area > 3000) & (parcels.area < 200000)].sort_values("osm_id")
    parcels = parcels.iloc[:N_PARCEL_ESTATES]
    parcels = pd.concat([parcels, _puxi_clusters(rng, bldg, parcels)], ignore_index=True)
    statuses = [("储备", "计划", "已开工", "已完工", "已验收")[i % 5] for i in range(len(parcels))]
    rng.shuffle(statuses)
    rows = []
    for n, (row, status) in enumerate(zip(parcels.itertuples(), statuses), start=1):
        inside = bldg[bldg.representative_point().within(row.geometry) & (bldg["kind"] == "building")]
        floors = inside["floors"].astype(float).fillna(6.0).clip(upper=7)  # old walk-ups: 6-7 storeys at most
        floor_area = float((inside.area * floors).sum()) or row.geometry.area * 1.2
        households = int(floor_area / rng.uniform(55, 75))
        # Many Pudong estates have no buildings in OSM: assume a 6-storey slab per 1800 m² of land
        n_buildings = len(inside) if len(inside) >= 3 else max(int(row.geometry.area / 1800), 2)
        classes = ["基础类"] + [c for c in ("完善类", "提升类") if rng.random() < 0.6]
        plan_year = int(rng.choice([2024, 2025, 2026]))
        started = dt.date(plan_year, int(rng.integers(3, 10)), int(rng.integers(1, 28)))
        finished = started + dt.timedelta(days=int(rng.integers(150, 360)))
        accepted = finished + dt.timedelta(days=int(rng.integers(20, 60)))
        if status in ("已完工", "已验收") and accepted > AS_OF:  # keep dates before "today"
            shift = (accepted - AS_OF).days + int(rng.integers(10, 60))
            started, finished, accepted = (d - dt.timedelta(days=shift) for d in (started, finished, accepted))
            plan_year = started.year
        lifts = int(rng.integers(0, 8)) if "完善类" in classes else 0
        rows.append({
            "estate_no": f"LJXQ-{n:03d}", "name": ESTATE_NAMES[n - 1], "built_year": int(rng.integers(1952, 2001)),
            "buildings": n_buildings, "entrances": n_buildings * int(rng.integers(2, 5)),
            "households": households, "floor_area_m2": round(floor_area, 0),
            "works_classes": ",".join(classes), "works_items": "；".join(WORKS[c] for c in classes),
            "investment_wan": round(floor_area * rng.uniform(0.05, 0.12), 1),
            "status": status, "plan_year": plan_year if status != "储备" else None,
            "started_on": started.isoformat() if status in ("已开工", "已完工", "已验收") else None,
            "finished_on": finished.isoformat() if status in ("已完工", "已验收") else None,
            "accepted_on": accepted.isoformat() if status == "已验收" else None,
            "new_parking": int(rng.integers(0, 40)), "lifts_added": lifts, "chargers": int(rng.integers(0, 20)),
            "note": "虚构：" + ("边界取自 OSM 居住用地" if pd.notna(row.osm_id) else "边界为 OSM 小型建筑群的包络") +
                    "，名称与改造数据均为演示编造",
            "geometry": row.geometry,
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC)


# --- writing and importing -------------------------------------------------------------------

def write_source(frame: gpd.GeoDataFrame, folder: Path, name: str, columns: list[str]) -> Path:
    """Write the columns of a layer to NAME.gpkg in EPSG:4326, like an OSM extract a user might import."""
    path = folder / f"{name}.gpkg"
    out = gpd.GeoDataFrame(frame[columns].reset_index(drop=True), geometry=frame.geometry.values,
                           crs=frame.crs).to_crs(WGS84)
    pyogrio.write_dataframe(out, path, layer=name, driver="GPKG", geometry_type="Unknown")
    return path


def build(realdata: Path, output: Path) -> None:
    folder = realdata / DATASET
    if not (folder / "README.txt").is_file():
        sys.exit(f"make_demo: no {DATASET} folder in {realdata}")
    if output.exists():
        sys.exit(f"make_demo: {output} exists; delete it first to rebuild")
    rng = np.random.default_rng(SEED)
    rules = load_rules()  # the default setbacks: used to place the ledger cases near (or on) the lines

    extent = read(folder, "earth").total_bounds  # the tiles' extent
    district_frame = districts(folder, extent)
    bldg = buildings(folder)
    red = red_lines(folder, district_frame)
    blue = blue_lines(folder)
    green = green_lines(folder, bldg)
    purple = purple_line(bldg, red)
    yellow = yellow_lines(folder, bldg, blue)

    roads = read(folder, "roads")
    roads = roads[roads["kind"].isin(["major_road", "minor_road"])]
    roads_named = merge_lines_by_id(roads[roads["name"].notna() & (roads["is_tunnel"].fillna(0).astype(float) != 1)],
                                    ["name", "kind_detail"])
    admin = subdivisions(district_frame, roads_named)
    bldg = assign_admin(bldg, admin)
    bldg = protection_and_years(bldg, purple)
    for kind, frame in (("red", red), ("green", green), ("blue", blue), ("purple", purple), ("yellow", yellow)):
        frame["effective_on"] = EFFECTIVE_ON[kind]

    zones = control_zones({"red": red, "green": green, "blue": blue, "purple": purple, "yellow": yellow}, rules)
    cases, events = ledger(rng, bldg, zones, roads_named)
    cases = assign_admin(cases, admin)
    cases["grid"] = cases["street"].str.removesuffix("街道") + "第" + \
        (cases["community"].rank(method="dense").astype(int) % 4 + 1).astype(str) + "网格"
    cases["unit"] = cases["district"] + "城管执法局" + cases["street"].str.removesuffix("街道") + "中队"
    minor = merge_lines_by_id(roads[roads["name"].notna()], ["name", "kind_detail"])
    park = assign_admin(parking(rng, folder, bldg, minor), admin)
    estates = assign_admin(old_estates(rng, folder, bldg), admin)

    with tempfile.TemporaryDirectory(prefix="gisdesk-demo-") as tmp:
        tmp = Path(tmp)
        admin_cols = ["district", "street", "community"]
        sources = [
            ("buildings", write_source(bldg, tmp, "buildings", ["uid", "name", "building_use", "floors", "height_m",
                                                                  *admin_cols, "address", "built_year", "protection"]),
             "uid", None),
            ("red", write_source(red, tmp, "red", ["uid", "name", "road_class", "half_width_m", "setback_m",
                                                    "note", "effective_on"]),
             "uid", "half_width_m"),
            ("green", write_source(green, tmp, "green", ["uid", "name", "note", "effective_on"]), "uid", None),
            ("blue", write_source(blue, tmp, "blue", ["uid", "name", "note", "effective_on"]), "uid", None),
            ("purple", write_source(purple, tmp, "purple", ["uid", "name", "note", "effective_on"]), "uid", None),
            ("yellow", write_source(yellow, tmp, "yellow", ["uid", "name", "note", "effective_on"]), "uid", None),
            ("ledger", write_source(cases, tmp, "ledger", [c for c in cases.columns if c != "geometry"]),
             "case_no", None),
            ("parking", write_source(park, tmp, "parking", [c for c in park.columns if c != "geometry"]),
             "survey_no", None),
            ("old_estates", write_source(estates, tmp, "old_estates", [c for c in estates.columns if c != "geometry"]),
             "estate_no", None),
        ]
        partial = output.with_name(output.stem + ".building.gpkg")
        partial.unlink(missing_ok=True)
        project = Project.create(partial, name=PROJECT_NAME)
        for kind, path, id_field, half_width_field in sources:
            report = import_layer(project, path, kind, id_field=id_field, half_width_field=half_width_field)
            extra = f" (repaired {report.repaired})" if report.repaired else ""
            extra += f" (skipped {report.skipped})" if report.skipped else ""
            print(f"  {kind:12s} {report.imported:5d} features{extra}")
        project.append_history(events)
        project.set_settings(name=PROJECT_NAME, attribution=ATTRIBUTION,
                             source="OpenStreetMap via Nextzen vector tiles (shanghai-huangpu-nextzen-osm)",
                             demo_as_of=AS_OF.isoformat())
    epsg = project.crs.to_epsg()
    db = sqlite3.connect(partial)
    db.execute("VACUUM")  # the imports rewrote the file several times: drop the free pages
    db.close()
    partial.rename(output)
    print(f"wrote {output} ({output.stat().st_size / 1e6:.1f} MB), CRS EPSG:{epsg}, "
          f"{len(events)} history events")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("realdata", nargs="?", default=str(REPO.parent / "shared" / "realdata"),
                        help="the realdata folder (default: ../shared/realdata from the repo root)")
    parser.add_argument("output", nargs="?", default=str(REPO / "data" / "demo.gpkg"),
                        help="the project to write (default: data/demo.gpkg)")
    args = parser.parse_args()
    build(Path(args.realdata), Path(args.output))


if __name__ == "__main__":
    main()
