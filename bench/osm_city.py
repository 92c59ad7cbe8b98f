"""A city of real shapes for the check benchmark: OpenStreetMap's Snezhinsk, tiled.

    python -m bench.osm_city N [--out PATH]     # bench/out/osm-N.gpkg

The generated cities (bench/city.py, bench/grid_city.py) are made of rectangles and straight or
smoothly drawn lines. Mapped streets are not: a street is a polyline of a few short segments
that bends a little at every vertex, service roads end at buildings or loop round a yard, and
buildings are traced outlines standing close to the street. This city takes the whole of
Snezhinsk from `bench/data/snezhinsk.gpkg` (6,471 buildings, 1,930 roads, land use and water;
© OpenStreetMap contributors, ODbL 1.0, see bench/data/README.md) and lays copies of it side
by side on a grid until there are N buildings, in the metric CRS of the other cities:

- red lines: the roads for vehicles, with half widths by class (trunk 20 m, secondary 15 m,
  tertiary 12 m, residential and unclassified 8 m, service 5 m ...); footways and tracks are left out;
- green lines: grass, wood, parks, forest, recreation grounds and cemeteries as polygons;
- yellow lines: industrial land; blue lines: the water polygons;
- buildings: the footprints, with district (the copy's row), community (the copy) and street.

Roads reach past the buildings' extent, so neighbouring copies overlap. Nothing is placed in
conflict on purpose: the conflicts are those of real buildings against these widths, about
half of the buildings at 8 m for a residential street.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from bench.city import CRS_, ORIGIN, write_frames

SOURCE = Path(__file__).resolve().parent / "data" / "snezhinsk.gpkg"
OUT = Path(__file__).resolve().parent / "out"
UTM_41N = 32641  # Snezhinsk's metric zone
HALF_WIDTH = {"trunk": 20.0, "trunk_link": 12.0, "secondary": 15.0, "tertiary": 12.0, "tertiary_link": 8.0,
              "unclassified": 8.0, "residential": 8.0, "living_street": 6.0, "road": 6.0, "service": 5.0}
ROAD_CLASS = {"trunk": "expressway", "trunk_link": "trunk", "secondary": "trunk", "tertiary": "secondary"}  # else branch
GREEN = {"grass", "natural_wood", "leisure_park", "forest", "recreation_ground", "village_green", "cemetery",
         "natural_scrub"}


def _read(layer: str) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():  # (the source's ids repeat: GDAL says so once per layer)
        warnings.simplefilter("ignore", RuntimeWarning)
        return pyogrio.read_dataframe(SOURCE, layer=layer).to_crs(UTM_41N)


def make_osm(n: int) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, int]]:
    buildings, roads, landuse, water = (_read(name) for name in ("buildings", "roads", "landuse", "water"))
    roads = roads[roads["highway"].isin(HALF_WIDTH)]
    x0, y0, x1, y1 = buildings.total_bounds
    copies = -(-n // len(buildings))
    side = int(np.ceil(np.sqrt(copies)))

    def tiled(frame: gpd.GeoDataFrame, columns: list[str]) -> pd.DataFrame:
        parts = []
        for k in range(copies):
            dx = ORIGIN[0] + (k % side) * (x1 - x0) - (x0 + x1) / 2
            dy = ORIGIN[1] + (k // side) * (y1 - y0) - (y0 + y1) / 2
            moved = shapely.transform(frame.geometry.values, lambda xy, dx=dx, dy=dy: xy + [dx, dy])
            parts.append(pd.DataFrame({"copy": k, **{c: frame[c].to_numpy() for c in columns}, "geometry": moved}))
        return pd.concat(parts, ignore_index=True)

    def layer(frame: pd.DataFrame, prefix: str, **columns) -> gpd.GeoDataFrame:
        uid = pd.Series(np.arange(len(frame))).map((prefix + "{:07d}").format)
        return gpd.GeoDataFrame({"uid": uid, **columns}, geometry=frame["geometry"].to_numpy(), crs=CRS_)

    b = tiled(buildings, ["street"]).iloc[:n]
    r = tiled(roads, ["highway"])
    frames = {
        "buildings": layer(b, "B", district=("D" + (b["copy"] // side).astype(str)).to_numpy(),
                           street=b["street"].fillna("").to_numpy(), community=("C" + b["copy"].astype(str)).to_numpy()),
        "red": layer(r, "R", half_width_m=r["highway"].map(HALF_WIDTH).to_numpy(),
                     road_class=r["highway"].map(ROAD_CLASS).fillna("branch").to_numpy()),
        "green": layer(tiled(landuse[landuse["landuse"].isin(GREEN)], []), "G"),
        "yellow": layer(tiled(landuse[landuse["landuse"] == "industrial"], []), "Y"),
        "blue": layer(tiled(water, []), "W"),
    }
    return frames, {"copies": copies}


def write_city(path: Path, n: int) -> dict[str, int]:
    frames, counts = make_osm(n)
    return {**write_frames(path, frames, name=f"bench osm city {n}", source="bench/osm_city.py", seed=0), **counts}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="number of buildings")
    parser.add_argument("--out", type=Path, help="project to write (default bench/out/osm-N.gpkg)")
    args = parser.parse_args(argv)
    path = args.out or OUT / f"osm-{args.n}.gpkg"
    start = time.perf_counter()
    counts = write_city(path, args.n)
    print(f"{path}: written in {time.perf_counter() - start:.1f} s")
    print("features: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
