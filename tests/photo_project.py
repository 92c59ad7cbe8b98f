"""A small project for the attachment tests: two ledger cases where the test photos were taken.

The photos (tests/data/photos, see make_photos.py there) are windows of the real 2010 aerial photo
of Swellendam with EXIF written by us: site_gps.jpg says 34° 2' 13.20" S, 20° 30' 42.84" E.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
from pyproj import Transformer
from shapely.geometry import box

from gisdesk.cli import main

PHOTOS = Path(__file__).parent / "data" / "photos"
GPS_PHOTO, NOGPS_PHOTO, ROTATED_PHOTO = PHOTOS / "site_gps.jpg", PHOTOS / "site_nogps.jpg", PHOTOS / "site_rotated.jpg"
CRS = "EPSG:32734"  # UTM 34S
# what site_gps.jpg's EXIF holds, by hand: 34 + 2/60 + 13.20/3600 = 34.037 (S), 20 + 30/60 + 42.84/3600 = 20.5119 (E)
GPS_LAT, GPS_LON, GPS_AZIMUTH = -34.037, 20.5119, 123.45
CASE_1, CASE_2 = "WJ-2024-001", "WJ-2024-002"


def make_project(folder: Path) -> Path:
    """gisdesk new + import of two ledger cases: CASE_1 a 20 m square on the photo's position, CASE_2 a
    20 m square 110 m east of it."""
    x, y = Transformer.from_crs(4326, CRS, always_xy=True).transform(GPS_LON, GPS_LAT)
    ledger = folder / "ledger_src.gpkg"
    gpd.GeoDataFrame([{"case_no": CASE_1, "found_on": "2024-05-01", "status": "待核查",
                       "geometry": box(x - 10, y - 10, x + 10, y + 10)},
                      {"case_no": CASE_2, "found_on": "2024-05-02", "status": "已立案",
                       "geometry": box(x + 100, y - 10, x + 120, y + 10)}], crs=CRS).to_file(ledger)
    project = folder / "photos.gpkg"
    assert main(["new", str(project), "--crs", CRS]) == 0
    assert main(["import", str(project), str(ledger), "--as", "ledger"]) == 0
    return project


def copy_of(template: Path, folder: Path) -> Path:
    """A copy of the module's project (made once: an import takes a second)."""
    target = folder / template.name
    shutil.copyfile(template, target)
    return target
