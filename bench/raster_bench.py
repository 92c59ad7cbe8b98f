"""Benchmark of base map reading: re-renders of a 1366 x 768 view of a large GeoTIFF, with and
without overviews, and pan frames.

    python -m bench.raster_bench [--tif /tmp/gisdesk-bench-aerial.tif] [--rebuild] [--compress jpeg|deflate]
                                 [--repeat 5] [--mbtiles PATH]

1. Builds (once; --rebuild builds it again) a GeoTIFF of 20862 x 21273 px by tiling the real
   Swellendam aerial photo (../shared/realdata/swellendam-qgis-training/raster/
   3420B_2010_328_RGB_LATLNG.tif, 1098 x 3039 px, EPSG:4326) 19 x 7 times: tiled 512 px,
   JPEG (YCbCr, quality 85) or DEFLATE, RGB, no overviews. Not timed.
2. Re-render without overviews: RasterSource.read() of a 1366 x 768 view in EPSG:32734 (so
   every read is warped) at several scales (view metres per pixel: 1, 2.5 ≈ the file's own,
   10, 40 ≈ the whole image), at `--repeat` random places each: cold (the file opened afresh,
   nothing of it in GDAL's block cache) and after a pan (the view moved by a quarter of its
   width: what the canvas renders once a pan stops; part of it cached). Medians and maxima.
3. build_overviews() on the file (timed: each level, the whole), then the same re-renders.
4. Pan frame: the canvas draws its last picture moved while a pan goes on; timed here as
   QPainter drawing a 1366 x 768 ARGB32_Premultiplied QImage shifted onto another (offscreen),
   also at device pixel ratio 2 (2732 x 1536 device pixels).
5. With --mbtiles (default: the real Swellendam MBTiles when present): re-renders of the
   MBTiles at its zooms, cold (tiles decoded) and after a pan (tiles from the cache).

Goals (issue 10): under 30 ms per pan frame, under 300 ms per re-render with overviews.
Prints a table; the figures go into bench/README.md by hand.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "realdata" / "swellendam-qgis-training" / "raster" / "3420B_2010_328_RGB_LATLNG.tif"
MBTILES = ROOT.parent / "shared" / "realdata" / "mbtiles" / "swellendam_aerial_3420B.mbtiles"
VIEW = (1366, 768)
SCALES = (1.0, 2.5, 10.0, 40.0)  # view metres per pixel
GOALS = {"pan_frame_ms": 30.0, "rerender_ms": 300.0}
ACROSS, DOWN = 19, 7


def build_tif(path: Path, compress: str) -> None:
    import numpy as np
    import rasterio
    from rasterio.transform import Affine
    from rasterio.windows import Window

    with rasterio.open(SOURCE) as src:
        rgb = src.read([1, 2, 3])
        t = src.transform
        crs = src.crs
    h, w = rgb.shape[1:]
    width, height = w * ACROSS, h * DOWN
    profile = dict(driver="GTiff", width=width, height=height, count=3, dtype="uint8", crs=crs,
                   transform=Affine(t.a, 0, t.c, 0, t.e, t.f), tiled=True, blockxsize=512, blockysize=512,
                   BIGTIFF="IF_SAFER")
    if compress == "jpeg":
        profile.update(compress="JPEG", photometric="YCBCR", JPEG_QUALITY=85)
    else:
        profile.update(compress="DEFLATE", predictor=2, ZLEVEL=6)
    tmp = path.with_suffix(".part.tif")
    cols = np.arange(width) % w
    started = time.perf_counter()
    with rasterio.Env(GDAL_NUM_THREADS="ALL_CPUS"):
        with rasterio.open(tmp, "w", **profile) as out:
            for row0 in range(0, height, 512):
                rows = np.arange(row0, min(row0 + 512, height)) % h
                out.write(rgb[:, rows][:, :, cols], window=Window(0, row0, width, len(rows)))
                print(f"\r  building {path.name}: {min(row0 + 512, height) / height * 100:5.1f} %", end="", file=sys.stderr)
    os.replace(tmp, path)
    print(f"\r  built {path} ({width} x {height} px, {path.stat().st_size / 1e6:.0f} MB, {compress}) in "
          f"{time.perf_counter() - started:.0f} s", file=sys.stderr)


def _views(src, crs, scale: float, count: int, seed: int):
    """`count` view extents of VIEW pixels at `scale` m/px, at random places inside the image."""
    x0, y0, x1, y1 = src.extent_in(crs)
    vw, vh = VIEW[0] * scale, VIEW[1] * scale
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        if vw >= (x1 - x0) * 0.9:  # the whole image: centred
            cx, cy = (x0 + x1) / 2 + rnd.uniform(-1, 1) * scale * 50, (y0 + y1) / 2 + rnd.uniform(-1, 1) * scale * 50
        else:
            cx, cy = rnd.uniform(x0 + vw / 2, x1 - vw / 2), rnd.uniform(y0 + vh / 2, y1 - vh / 2)
        out.append((cx - vw / 2, cy - vh / 2, cx + vw / 2, cy + vh / 2))
    return out


def time_rerenders(path: Path, repeat: int, label: str, seed: int) -> dict:
    """At each scale, `repeat` places: the file opened afresh (GDAL's block cache holds nothing
    of it: a cold re-render, as the first after opening or after a jump), then the view moved by
    a quarter of its width (the re-render after a pan: part of its blocks cached)."""
    from pyproj import CRS

    from gisdesk.io.raster import open_raster

    crs = CRS.from_epsg(32734)
    results = {}
    with open_raster(path) as src:
        src.read(src.extent_in(crs), 64, 36, crs)  # imports, the first transformer
        places = {scale: _views(src, crs, scale, repeat, seed + int(scale * 10)) for scale in SCALES}
    for scale in SCALES:
        cold, panned, levels = [], [], set()
        for extent in places[scale]:
            with open_raster(path) as src:
                t0 = time.perf_counter()
                picture = src.read(extent, *VIEW, crs)
                cold.append(time.perf_counter() - t0)
                levels.add(src.last_read["level"] if src.last_read else None)
                shift = (extent[2] - extent[0]) / 4
                t0 = time.perf_counter()
                src.read((extent[0] + shift, extent[1], extent[2] + shift, extent[3]), *VIEW, crs)
                panned.append(time.perf_counter() - t0)
                assert picture.shape == (VIEW[1], VIEW[0], 4) and picture[..., 3].any()
        results[scale] = {"cold_ms": statistics.median(cold) * 1000, "cold_max_ms": max(cold) * 1000,
                          "pan_ms": statistics.median(panned) * 1000, "pan_max_ms": max(panned) * 1000,
                          "levels": sorted(levels, key=str)}
        r = results[scale]
        print(f"  {label:<18} {scale:5.1f} m/px  cold {r['cold_ms']:6.0f} ms (max {r['cold_max_ms']:5.0f})"
              f"  after a pan {r['pan_ms']:6.0f} ms (max {r['pan_max_ms']:5.0f})  level {r['levels']}", flush=True)
    return results


def time_pan_frames(frames: int = 200) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (QPainter needs it)
    out = {}
    for ratio in (1, 2):
        w, h = VIEW[0] * ratio, VIEW[1] * ratio
        last = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        last.fill(QColor(120, 140, 90))
        last.setDevicePixelRatio(ratio)
        target = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        target.setDevicePixelRatio(ratio)
        times = []
        for i in range(frames):
            dx, dy = (i * 7) % 300 - 150, (i * 3) % 120 - 60
            t0 = time.perf_counter()
            painter = QPainter(target)
            painter.fillRect(0, 0, VIEW[0], VIEW[1], QColor(255, 255, 255))
            painter.drawImage(dx, dy, last)
            painter.end()
            times.append(time.perf_counter() - t0)
        out[ratio] = {"median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000}
        print(f"  pan frame (DPR {ratio}, {w} x {h} device px): median {out[ratio]['median_ms']:.1f} ms, "
              f"max {out[ratio]['max_ms']:.1f} ms", flush=True)
    return out


def time_mbtiles(path: Path, repeat: int) -> dict:
    from pyproj import CRS

    from gisdesk.io.mbtiles import zoom_resolution
    from gisdesk.io.raster import open_raster

    crs = CRS.from_epsg(32734)
    out = {}
    with open_raster(path) as src:
        x0, y0, x1, y1 = src.extent_in(crs)
        for z in src.zooms + [src.maxzoom + 2]:
            scale = zoom_resolution(z) * 0.83  # ground metres per Web Mercator metre at 34 S
            vw, vh = VIEW[0] * scale, VIEW[1] * scale
            cold, warm = [], []
            for i in range(repeat):
                src.cache.clear()
                cx = x0 + (x1 - x0) * (0.3 + 0.4 * i / max(repeat - 1, 1))
                cy = y0 + (y1 - y0) * (0.3 + 0.4 * i / max(repeat - 1, 1))
                extent = (cx - vw / 2, cy - vh / 2, cx + vw / 2, cy + vh / 2)
                t0 = time.perf_counter()
                src.read(extent, *VIEW, crs)
                cold.append(time.perf_counter() - t0)
                shift = vw / 4
                t0 = time.perf_counter()
                src.read((extent[0] + shift, extent[1], extent[2] + shift, extent[3]), *VIEW, crs)
                warm.append(time.perf_counter() - t0)
            out[z] = {"cold_ms": statistics.median(cold) * 1000, "pan_ms": statistics.median(warm) * 1000,
                      "zoom": src.last_read["zoom"] if src.last_read else None}
            print(f"  mbtiles view at z{z:<2} (reads z{out[z]['zoom']})  cold {out[z]['cold_ms']:6.0f} ms  "
                  f"after a pan (cache) {out[z]['pan_ms']:6.0f} ms", flush=True)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tif", default="/tmp/gisdesk-bench-aerial.tif")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--compress", choices=("jpeg", "deflate"), default="jpeg")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mbtiles", default=str(MBTILES) if MBTILES.exists() else "")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args(argv)

    import rasterio

    from gisdesk.io.raster import build_overviews
    from gisdesk.jobs import Feedback

    path = Path(args.tif)
    if args.rebuild or not path.exists():
        if not SOURCE.exists():
            print(f"the source photo is missing: {SOURCE}", file=sys.stderr)
            return 2
        build_tif(path, args.compress)
    with rasterio.open(path) as ds:
        size, had = (ds.width, ds.height), ds.overviews(1)
    print(f"GeoTIFF {path}: {size[0]} x {size[1]} px, {path.stat().st_size / 1e6:.0f} MB; load "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    results = {}
    if had:
        print("  (the file has overviews already: --rebuild to time it without)")
    else:
        results["without"] = time_rerenders(path, args.repeat, "without overviews", args.seed)

        class Levels(Feedback):
            def __init__(self):
                super().__init__()
                self.marks = [time.perf_counter()]

            def set_progress(self, fraction):
                self.marks.append(time.perf_counter())
                super().set_progress(fraction)

        feedback = Levels()
        t0 = time.perf_counter()
        levels = build_overviews(path, feedback)
        total = time.perf_counter() - t0
        steps = [b - a for a, b in zip(feedback.marks[1:], feedback.marks[2:])]
        print(f"  build_overviews: {levels} levels in {total:.1f} s (by level: "
              f"{', '.join(f'{s:.1f}' for s in steps)} s); file now {path.stat().st_size / 1e6:.0f} MB", flush=True)
        results["build_s"] = total
    results["with"] = time_rerenders(path, args.repeat, "with overviews", args.seed + 1)
    results["pan"] = time_pan_frames()
    if args.mbtiles:
        results["mbtiles"] = time_mbtiles(Path(args.mbtiles), max(2, args.repeat // 2))
    worst = max(max(r["cold_ms"], r["pan_ms"]) for r in results["with"].values())
    frame = results["pan"][1]["median_ms"]
    print(f"goals: pan frame {frame:.1f} ms (< {GOALS['pan_frame_ms']:.0f}) "
          f"{'ok' if frame < GOALS['pan_frame_ms'] else 'MISSED'}; worst re-render with overviews {worst:.0f} ms "
          f"(< {GOALS['rerender_ms']:.0f}) {'ok' if worst < GOALS['rerender_ms'] else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
