"""Makes the test photos from the real 2010 aerial photo of Swellendam (../shared/realdata); run by hand.

The pixels are real (a window of the QGIS training data's aerial GeoTIFF 3420B); the EXIF is
written here with Pillow (no real camera photo with GPS EXIF is in ../shared/realdata):

- site_gps.jpg   640 x 480, EXIF: Make Xiaomi, Model Redmi Note 12, DateTimeOriginal 2024:05:03 10:21:07,
                 OffsetTimeOriginal +02:00, GPS 34° 2' 13.20" S, 20° 30' 42.84" E (= -34.037, 20.5119, the
                 window's own place), GPSImgDirection 12345/100 = 123.45° (true north)
- site_nogps.jpg 480 x 360, EXIF: Make/Model HUAWEI P40, DateTimeOriginal 2024:05:04 09:00:00, no GPS
- site_rotated.jpg 320 x 240 stored, EXIF Orientation 6 (shown 240 x 320), GPS as site_gps, no direction
"""

from pathlib import Path

import numpy as np
import rasterio
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[3] / "shared" / "realdata" / "swellendam-qgis-training" / "raster" / "3420B_2010_328_RGB_LATLNG.tif"


def window(col: int, row: int, width: int, height: int) -> Image.Image:
    with rasterio.open(SOURCE) as ds:
        rgb = ds.read((1, 2, 3), window=((row, row + height), (col, col + width)))
    return Image.fromarray(np.moveaxis(rgb, 0, -1))


def exif(make, model, taken, offset=None, gps=True, direction=True, orientation=None):
    e = Image.Exif()
    e[0x010F], e[0x0110] = make, model
    if orientation:
        e[0x0112] = orientation
    sub = {0x9003: taken}
    if offset:
        sub[0x9011] = offset
    e[0x8769] = sub
    if gps:
        g = {0: b"\x02\x03\x00\x00", 1: "S", 2: (IFDRational(34, 1), IFDRational(2, 1), IFDRational(1320, 100)),
             3: "E", 4: (IFDRational(20, 1), IFDRational(30, 1), IFDRational(4284, 100))}
        if direction:
            g[16], g[17] = "T", IFDRational(12345, 100)
        e[0x8825] = g
    return e


window(200, 1200, 640, 480).save(HERE / "site_gps.jpg", quality=80,
                                 exif=exif("Xiaomi", "Redmi Note 12", "2024:05:03 10:21:07", "+02:00"))
window(300, 1800, 480, 360).save(HERE / "site_nogps.jpg", quality=80,
                                 exif=exif("HUAWEI", "HUAWEI P40", "2024:05:04 09:00:00", gps=False))
window(500, 2200, 320, 240).save(HERE / "site_rotated.jpg", quality=80,
                                 exif=exif("Xiaomi", "Redmi Note 12", "2024:05:05 16:30:00", "+02:00", direction=False,
                                           orientation=6))
