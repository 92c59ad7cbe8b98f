#!/usr/bin/env python
"""Render the demo's two dated base maps from its vectors and add them to data/demo.gpkg.

Usage (from the repo root, with the venv that has gisdesk installed; after make_demo.py):

    python data/make_basemaps.py [PROJECT.gpkg] [--dates 2016-06 2024-06] [--zooms 13-17]

No real imagery of the demo's place (The Bund and Lujiazui, Shanghai) is public, so each
base map is an "as it stood" picture *rendered from the project's own vectors*, drawn in an
aerial photo's palette (grey ground, dark asphalt, river water, tree green, roofs with
their shadows), not in the map's styles, and without the control lines:
- ground: the picture's background; green (parks): the green-line polygons; water: the
  blue-line polygons (the rivers); roads: the red lines' zones (centre line ± half width),
  as the check sees them, in asphalt; nothing of the purple or yellow lines;
- buildings standing at the date: built_year before the date's year (a building of the
  date's own year may still be a building site), and those of unknown year; roof tones by a
  stable hash of the uid (tiles, concrete, metal), red-brown tiles for buildings before
  1950; a shadow to the north-west ~0.35 × their height (floors × 3.5 m when no height,
  12 m when neither; at most 60 m), the ledger cases' too;
- ledger cases built at the date, drawn as roofs on top: polygons started on or before it
  (found on, when no start is recorded) and not demolished by then (已拆除 with closed_on on
  or before it), in the colour of their structure: 彩钢板/铁皮 the blue of steel-sheet sheds,
  钢结构 blue-grey, 简易 grey, 砖混 brick, 钢混 concrete.

Each date becomes data/demo_imagery_<date>.mbtiles, written by gisdesk's own exporter
(gisdesk.export.basemap: LayerTiles through the one renderer, build_mbtiles), PNG tiles
(flat colours), metadata `date` and a description saying it is rendered from the
project's vectors, not real imagery. Then each is added to the project as a base map by a
path relative to it (gisdesk.io.basemaps.add_basemap), replacing one of the same id.
The pictures are deterministic: the same vectors give the same tiles.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisdesk.export.basemap import LayerTiles, build_mbtiles, extent_to_lonlat, parse_zooms
from gisdesk.jobs import TerminalFeedback
from gisdesk.layers.layer import Layer
from gisdesk.project import Project

REPO = Path(__file__).resolve().parent.parent
DATES = ("2016-06", "2024-06")
ZOOMS = "13-17"

GROUND = "#948f84"  # mixed paving and bare ground of a dense city
ASPHALT = "#57585a"
WATER = "#4d5c57"  # the Huangpu's grey-green
TREES = "#4f6a3c"
SHADOW = "#26282a"
ROOFS = ("#b8b4aa", "#a19d95", "#c9c0ae", "#8d8f8f", "#d6d4cd", "#9a8c7c")  # concrete, tar, light metal, ...
OLD_ROOFS = ("#8c5b45", "#9a6a52", "#7d5546")  # the red-brown tiles of 1900-1950 lilong and villas
CASE_ROOFS = {"彩钢板/铁皮": "#3f78b5", "钢结构": "#7d97aa", "简易": "#a9a79e", "砖混": "#a8785c", "钢混": "#c2bfb6"}
CASE_ROOF_OTHER = "#6f86a0"
SHADOW_PER_M = 0.35  # shadow length per metre of height
SHADOW_MAX_M = 60.0
SHADOW_DIRECTION = np.array([-0.6, 0.8])  # north-west (a morning sun in the south-east)
DEFAULT_HEIGHT_M = 12.0


def date_end(date: str) -> dt.date:
    """The last day of '2016-06' (or the day itself of '2016-06-15'; the year's end of '2016')."""
    parts = [int(p) for p in date.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    if len(parts) == 1:
        return dt.date(parts[0], 12, 31)
    year, month = parts
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def standing_buildings(buildings: gpd.GeoDataFrame, date: str) -> gpd.GeoDataFrame:
    year = date_end(date).year
    built = pd.to_numeric(buildings["built_year"], errors="coerce")
    return buildings[built.isna() | (built < year)]


def built_cases(ledger: gpd.GeoDataFrame, date: str) -> gpd.GeoDataFrame:
    """The ledger's polygons standing at the date: started by it and not demolished by it."""
    end = pd.Timestamp(date_end(date))
    started = pd.to_datetime(ledger["started_on"], errors="coerce").fillna(pd.to_datetime(ledger["found_on"],
                                                                                          errors="coerce"))
    closed = pd.to_datetime(ledger["closed_on"], errors="coerce")
    demolished = (ledger["status"] == "已拆除") & closed.notna() & (closed <= end)
    polygons = shapely.get_type_id(ledger.geometry.values) >= 3
    return ledger[polygons & started.notna() & (started <= end) & ~demolished]


def _tone(uids, palette) -> list[str]:
    return [palette[zlib.crc32(str(u).encode()) % len(palette)] for u in uids]


def _heights(buildings: gpd.GeoDataFrame) -> np.ndarray:
    height = pd.to_numeric(buildings.get("height_m"), errors="coerce")
    floors = pd.to_numeric(buildings.get("floors"), errors="coerce") * 3.5
    height = height.where(height > 0, floors).fillna(DEFAULT_HEIGHT_M)
    return np.minimum(height.to_numpy(dtype=float) * SHADOW_PER_M, SHADOW_MAX_M)


def shadows(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each footprint swept toward SHADOW_DIRECTION by its shadow's length (the hull of it and its copy)."""
    lengths = _heights(buildings)
    geoms = buildings.geometry.values
    offsets = SHADOW_DIRECTION[None, :] * lengths[:, None]
    _, index = shapely.get_coordinates(geoms, return_index=True)
    moved = shapely.transform(geoms, lambda c: c + offsets[index])
    swept = shapely.convex_hull(shapely.union(shapely.make_valid(geoms), shapely.make_valid(moved)))
    return gpd.GeoDataFrame({"uid": buildings["uid"].to_numpy()}, geometry=swept, crs=buildings.crs)


def _flat(fill: str) -> dict:
    return {"fill": fill, "fill_alpha": 1.0, "stroke": fill, "width_mm": 0.0}


def imagery_as_of(project: Project, date: str) -> list[Layer]:
    """The layers of the picture of `date`, bottom first, in an aerial photo's palette."""
    def read(layer_id):
        return project.read_layer(layer_id)

    layers = [Layer("green", read("green_lines"), layer_id="green", style=_flat(TREES)),
              Layer("blue", read("blue_lines"), layer_id="blue", style=_flat(WATER)),
              Layer("red", read("red_lines"), layer_id="red", style=_flat(ASPHALT))]
    buildings = standing_buildings(read("buildings"), date).copy()
    cases = built_cases(read("ledger"), date).copy()
    casting = pd.concat([buildings[["uid", "height_m", "floors", "geometry"]],
                         cases[["uid", "height_m", "floors", "geometry"]]], ignore_index=True)
    layers.append(Layer("buildings", shadows(gpd.GeoDataFrame(casting, geometry="geometry", crs=buildings.crs)),
                        layer_id="shadows", style={"fill": SHADOW, "fill_alpha": 0.55, "stroke": SHADOW,
                                                   "width_mm": 0.0}))
    old = pd.to_numeric(buildings["built_year"], errors="coerce") < 1950
    buildings["roof"] = np.where(old, _tone(buildings["uid"], OLD_ROOFS), _tone(buildings["uid"], ROOFS))
    roofs = {c: c for c in (*ROOFS, *OLD_ROOFS)}
    layers.append(Layer("buildings", buildings, layer_id="roofs",
                        style={"category_field": "roof", "categories": roofs, "fill_alpha": 1.0,
                               "stroke": "#6f6b64", "width_mm": 0.12}))
    if len(cases):
        cases["roof"] = cases["structure"].map(CASE_ROOFS).fillna(CASE_ROOF_OTHER)
        layers.append(Layer("buildings", cases, layer_id="case_roofs",
                            style={"category_field": "roof", "categories": {c: c for c in (*CASE_ROOFS.values(),
                                                                                             CASE_ROOF_OTHER)},
                                   "fill_alpha": 1.0, "stroke": "#3c4650", "width_mm": 0.12}))
    return layers


def project_extent(project: Project) -> tuple[float, float, float, float]:
    boxes = [project.read_layer(info.id).total_bounds for info in project.layers()]
    boxes = np.array([b for b in boxes if np.isfinite(b).all()])
    return boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()


def basemap_path(project_path: Path, date: str) -> Path:
    return project_path.with_name(f"demo_imagery_{date}.mbtiles")


def make(project_path: Path, date: str, zooms: tuple[int, int]):
    project = Project.open(project_path)
    layers = imagery_as_of(project, date)
    out = basemap_path(project_path, date)
    description = (f"示例影像 {date}（由项目矢量数据绘制，不是真实影像）：该日期已建成的建筑（built_year 早于 {date[:4]} 年）"
                   f"及已开工且未拆除的违法建设台账图斑，按航片色调绘制。"
                   f" Demo imagery as of {date}, rendered from the project's vectors (OSM buildings, roads, water, "
                   f"parks; fictional ledger cases), NOT real imagery: buildings built before {date[:4]} and the "
                   f"ledger cases started and not demolished by then, drawn in an aerial photo's palette.")
    metadata = {"name": f"示例影像 {date}（矢量绘制）", "date": date, "description": description,
                "attribution": "© OpenStreetMap contributors (ODbL); rendered by gisdesk from data/demo.gpkg "
                               "(not real imagery; ledger cases fictional)"}
    lonlat = extent_to_lonlat(project_extent(project), project.crs)
    result = build_mbtiles(out, LayerTiles(layers, project.crs, background=GROUND), lonlat=lonlat, zooms=zooms,
                           metadata=metadata, tile_format="png", block=4, feedback=TerminalFeedback())
    cases = sum(len(layer.data) for layer in layers if layer.id == "case_roofs")
    buildings = next(len(layer.data) for layer in layers if layer.id == "roofs")
    print(f"{out.name}: {result.tiles} tiles {result.per_zoom}, {result.size / 1e6:.2f} MB, {result.seconds:.1f} s; "
          f"{buildings} buildings, {cases} ledger cases")
    return out


def register(project_path: Path, path: Path, date: str) -> None:
    """Add (or re-add) the base map to the project, by a path relative to it."""
    from gisdesk.io.basemaps import add_basemap

    project = Project.open(project_path)
    layer_id = f"imagery_{date.replace('-', '_')}"
    if any(info.id == layer_id for info in project.basemaps()):
        project.remove_basemap(layer_id)
    add_basemap(project, path, layer_id=layer_id, title="示例影像", date=date)
    # The store also notes where the file was when added (style "absolute", sources, the edit log), to
    # find it again from a copy of the project elsewhere. The committed demo must not carry the path of
    # the machine that built it: its base maps are found beside it, by their relative source, or not at all.
    with sqlite3.connect(project_path) as db:
        style = json.loads(db.execute("SELECT style FROM gisdesk_layers WHERE table_name = ?", (layer_id,)).fetchone()[0])
        style.pop("absolute", None)
        db.execute("UPDATE gisdesk_layers SET style = ? WHERE table_name = ?", (json.dumps(style, ensure_ascii=False),
                                                                               layer_id))
        sources = json.loads(db.execute("SELECT sources FROM gisdesk_layers WHERE table_name = ?",
                                        (layer_id,)).fetchone()[0])
        for entry in sources:
            entry["path"] = Path(entry.get("path", path)).name
        db.execute("UPDATE gisdesk_layers SET sources = ? WHERE table_name = ?", (json.dumps(sources, ensure_ascii=False),
                                                                                 layer_id))
        # the build's log: one add_basemap per base map (not every rebuild's remove and add), by file name
        last = db.execute("SELECT max(fid) FROM gisdesk_edit_log WHERE layer = ? AND action = 'add_basemap'",
                          (layer_id,)).fetchone()[0]
        db.execute("DELETE FROM gisdesk_edit_log WHERE layer = ? AND action IN ('add_basemap', 'remove_basemap') "
                   "AND fid <> ?", (layer_id, last))
        changes = json.loads(db.execute("SELECT changes FROM gisdesk_edit_log WHERE fid = ?", (last,)).fetchone()[0])
        changes["path"] = path.name
        db.execute("UPDATE gisdesk_edit_log SET changes = ? WHERE fid = ?", (json.dumps(changes, ensure_ascii=False),
                                                                           last))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", nargs="?", default=str(REPO / "data" / "demo.gpkg"))
    parser.add_argument("--dates", nargs="+", default=list(DATES))
    parser.add_argument("--zooms", default=ZOOMS)
    parser.add_argument("--no-register", action="store_true", help="write the files only")
    args = parser.parse_args(argv)
    project_path = Path(args.project).resolve()
    zooms = parse_zooms(args.zooms)
    for date in args.dates:
        out = make(project_path, date, zooms)
        if not args.no_register:
            register(project_path, out, date)
    return 0


if __name__ == "__main__":
    sys.exit(main())
