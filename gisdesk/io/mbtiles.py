"""Raster MBTiles caches, read with sqlite3 and pillow (no GDAL driver needed).

The tiles are Web Mercator (EPSG:3857) 256 px tiles (other sizes are read too) stored with the
TMS row order: tile_row = 2^z - 1 - y of the XYZ scheme (unless the metadata says scheme =
xyz). `tiles` is a table, or in the older TileMill files a view over `map` and `images`. A tile
is decoded by its bytes (PNG, JPEG, WebP, GIF), whatever the metadata's `format` says. read()
picks the zoom whose resolution is the coarsest still as fine as the view's (the deepest zoom
there is when the view wants more: over-zoom), pastes the tiles under the view into a mosaic
(missing tiles stay transparent), averages it down to the view's resolution when it is finer
and warps it to the view's CRS. Decoded tiles are kept in an LRU cache bounded in MB, so a pan
decodes only the tiles it brings in.
"""

from __future__ import annotations

import io
import math
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from pyproj import CRS

from gisdesk.errors import InputError
from gisdesk.io.raster_common import RasterSource, downsample, empty_rgba, parse_date, to_pyproj, warp_rgba

ORIGIN = math.pi * 6378137.0  # half the width of the Web Mercator world, metres
MAX_MERCATOR_LAT = 85.0511287798066
DEFAULT_CACHE_MB = 64
DOWNSAMPLE_ABOVE = 1.2  # tiles more than this much finer than the view are averaged down before the warp
MAX_TILES_PER_READ = 4096  # a view needing more (a zoom far below the file's least) reads the least zoom decimated

_MAGICS = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF87a", "gif"), (b"GIF89a", "gif"))


def tile_format(data: bytes) -> str | None:
    """'png', 'jpg', 'webp', 'gif' by the bytes' signature; 'pbf' for gzipped/zlib vector tiles; else None."""
    head = bytes(data[:16])
    for magic, name in _MAGICS:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:2] == b"\x1f\x8b" or head[:1] == b"\x78":
        return "pbf"
    return None


def zoom_resolution(z: int, tile_size: int = 256) -> float:
    """Metres of Web Mercator per pixel at zoom z."""
    return 2 * ORIGIN / (tile_size * 2 ** z)


class TileCache:
    """Decoded tiles by key, least recently used dropped first once over `max_mb`. Thread safe."""

    def __init__(self, max_mb: float = DEFAULT_CACHE_MB):
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.bytes = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return True, self._items[key]
            self.misses += 1
            return False, None

    def put(self, key, tile) -> None:
        size = tile.nbytes if tile is not None else 64
        with self._lock:
            if key in self._items:
                old = self._items.pop(key)
                self.bytes -= old.nbytes if old is not None else 64
            self._items[key] = tile
            self.bytes += size
            while self.bytes > self.max_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self.bytes -= dropped.nbytes if dropped is not None else 64

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0


class MBTilesSource(RasterSource):
    """An MBTiles file of raster tiles; see the module's description."""

    provider = "mbtiles"

    def __init__(self, path, *, cache_mb: float = DEFAULT_CACHE_MB):
        self.path = Path(path)
        if not self.path.exists():
            raise InputError("找不到 MBTiles 文件 {path}", "MBTiles file not found: {path}", path=str(self.path))
        self.crs = CRS.from_epsg(3857)
        self.cache = TileCache(cache_mb)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        try:
            self._describe(self._connection())
        except sqlite3.DatabaseError as exc:
            self.close()
            raise InputError("MBTiles 文件 {path} 已损坏或不是 SQLite 数据库（{why}）",
                             "the MBTiles file {path} is damaged or not an SQLite database ({why})",
                             path=str(self.path), why=str(exc)) from exc
        except BaseException:
            self.close()
            raise

    def _connection(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            try:
                con = sqlite3.connect(uri, uri=True, check_same_thread=False)
            except sqlite3.Error as exc:
                raise InputError("无法打开 MBTiles 文件 {path}：{why}", "cannot open the MBTiles file {path}: {why}",
                                 path=str(self.path), why=str(exc)) from exc
            self._local.con = con
            with self._lock:
                self._connections.append(con)
        return con

    def _describe(self, con: sqlite3.Connection) -> None:
        names = {name: kind for kind, name in con.execute("SELECT type, name FROM sqlite_master")}
        if names.get("tiles") not in ("table", "view"):
            is_gpkg = "gpkg_contents" in names
            raise InputError("{path} 不是 MBTiles 文件（其中没有 tiles 表{gpkg_zh}）",
                             "{path} is not an MBTiles file (it has no tiles table{gpkg_en})", path=str(self.path),
                             gpkg_zh="；这是 GeoPackage" if is_gpkg else "", gpkg_en="; it is a GeoPackage" if is_gpkg else "")
        meta: dict[str, str] = {}
        if names.get("metadata") in ("table", "view"):
            for name, value in con.execute("SELECT name, value FROM metadata"):
                if name is not None and value is not None:
                    meta[str(name).strip().lower()] = str(value)
        self.metadata = meta
        self.name = meta.get("name", "").strip() or self.path.stem
        self.attribution = meta.get("attribution", "").strip()
        self.date = parse_date(meta["date"]) if meta.get("date") else None
        self.claimed_format = meta.get("format", "").strip().lower() or None
        self.xyz_rows = meta.get("scheme", "").strip().lower() == "xyz"
        if self.claimed_format == "pbf":
            raise InputError("{path} 是矢量瓦片 MBTiles（pbf），只能作为底图打开栅格瓦片（PNG、JPEG、WebP）",
                             "{path} holds vector tiles (pbf): only raster tiles (PNG, JPEG, WebP) can be a base map",
                             path=str(self.path))
        zooms = [int(z) for (z,) in con.execute("SELECT DISTINCT zoom_level FROM tiles") if z is not None]
        if not zooms:
            raise InputError("MBTiles 文件 {path} 中没有瓦片", "the MBTiles file {path} holds no tiles", path=str(self.path))
        self.zooms = sorted(zooms)
        self.minzoom = _int(meta.get("minzoom"), self.zooms[0])
        self.maxzoom = _int(meta.get("maxzoom"), self.zooms[-1])
        # the levels there are decide what is read; the metadata's claim only narrows them
        self.minzoom = max(min(self.minzoom, self.zooms[-1]), self.zooms[0])
        self.maxzoom = min(max(self.maxzoom, self.zooms[0]), self.zooms[-1])
        first = con.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? LIMIT 1", (self.maxzoom,)).fetchone()
        self.format = tile_format(first[0]) if first and first[0] is not None else None
        if self.format == "pbf":
            raise InputError("{path} 是矢量瓦片 MBTiles（pbf），只能作为底图打开栅格瓦片（PNG、JPEG、WebP）",
                             "{path} holds vector tiles (pbf): only raster tiles (PNG, JPEG, WebP) can be a base map",
                             path=str(self.path))
        if self.format is None:
            raise InputError("MBTiles 文件 {path} 的瓦片不是可识别的图片（PNG、JPEG、WebP）",
                             "the tiles of the MBTiles file {path} are not pictures it can read (PNG, JPEG, WebP)",
                             path=str(self.path))
        decoded = self._decode(first[0], (self.maxzoom, -1, -1))
        if decoded is None:
            raise InputError("MBTiles 文件 {path} 的瓦片无法解码（{format}）",
                             "the tiles of the MBTiles file {path} cannot be decoded ({format})",
                             path=str(self.path), format=self.format)
        self.tile_size = decoded.shape[0]
        self.lonlat_bounds = _bounds(meta.get("bounds")) or self._bounds_of_tiles(con)
        w, s, e, n = self.lonlat_bounds
        x0, y0 = _lonlat_to_mercator(w, s)
        x1, y1 = _lonlat_to_mercator(e, n)
        self.bounds = (x0, y0, x1, y1)

    def _bounds_of_tiles(self, con) -> tuple[float, float, float, float]:
        """The lon/lat box of the deepest zoom's tiles (for a file whose metadata has no bounds)."""
        z = self.maxzoom
        c0, c1, r0, r1 = con.execute("SELECT min(tile_column), max(tile_column), min(tile_row), max(tile_row) "
                                     "FROM tiles WHERE zoom_level = ?", (z,)).fetchone()
        n = 2 ** z
        y_top, y_bottom = (r0, r1) if self.xyz_rows else (n - 1 - r1, n - 1 - r0)  # TMS rows count from the south
        west, north = _tile_corner(c0, y_top, z)
        east, south = _tile_corner(c1 + 1, y_bottom + 1, z)
        return west, south, east, north

    # --- reading ----------------------------------------------------------------------------

    def zoom_for(self, resolution: float) -> int:
        """The zoom to read for `resolution` (Web Mercator metres per view pixel): the coarsest
        level there is whose pixels are not coarser; the deepest level past it (over-zoom)."""
        wanted = math.ceil(math.log2(2 * ORIGIN / (self.tile_size * resolution)) - 1e-9) if resolution > 0 else 99
        usable = [z for z in self.zooms if self.minzoom <= z <= self.maxzoom]
        deeper = [z for z in usable if z >= wanted]
        return deeper[0] if deeper else usable[-1]

    @property
    def last_read(self) -> dict | None:
        """This thread's last read: zoom, the tile range (x0, y0, x1, y1, XYZ) and tiles missing."""
        return getattr(self._local, "last_read", None)

    def read(self, extent, width: int, height: int, crs, *, cancelled=lambda: False) -> np.ndarray:
        from affine import Affine

        width, height = int(width), int(height)
        self._local.last_read = None
        if width <= 0 or height <= 0:
            return empty_rgba(max(width, 0), max(height, 0))
        dst_crs = to_pyproj(crs)
        found = self._view_box(_clip_lonlat(extent, dst_crs), width, height, dst_crs)
        if found is None:
            return empty_rgba(width, height)
        box, needed = found  # needed: Web Mercator metres per view pixel
        bx0, by0, bx1, by1 = self.bounds
        margin = zoom_resolution(self.maxzoom, self.tile_size)
        x0, y0 = max(box[0], bx0 - margin, -ORIGIN), max(box[1], by0 - margin, -ORIGIN)
        x1, y1 = min(box[2], bx1 + margin, ORIGIN), min(box[3], by1 + margin, ORIGIN)
        if x0 >= x1 or y0 >= y1:
            return empty_rgba(width, height)
        z = self.zoom_for(needed)
        n = 2 ** z
        tile_m = 2 * ORIGIN / n
        eps = 1e-6  # of a tile: a view edge on a tile edge does not bring in the next tile
        tx0 = _clamp(math.floor((x0 + ORIGIN) / tile_m + eps), n)
        tx1 = _clamp(math.ceil((x1 + ORIGIN) / tile_m - eps) - 1, n)
        ty0 = _clamp(math.floor((ORIGIN - y1) / tile_m + eps), n)
        ty1 = _clamp(math.ceil((ORIGIN - y0) / tile_m - eps) - 1, n)
        count = (tx1 - tx0 + 1) * (ty1 - ty0 + 1)
        if count > MAX_TILES_PER_READ:
            return empty_rgba(width, height)  # only with a view far coarser than the file's least zoom
        size = self.tile_size
        mosaic = np.zeros(((ty1 - ty0 + 1) * size, (tx1 - tx0 + 1) * size, 4), dtype=np.uint8)
        missing = 0
        for ty in range(ty0, ty1 + 1):
            if cancelled():
                return empty_rgba(width, height)
            for tx in range(tx0, tx1 + 1):
                tile = self.tile(z, tx, ty)
                if tile is None:
                    missing += 1
                    continue
                r, c = (ty - ty0) * size, (tx - tx0) * size
                mosaic[r:r + size, c:c + size] = tile
        self._local.last_read = {"zoom": z, "tiles": (tx0, ty0, tx1, ty1), "missing": missing,
                                 "overzoom": z < self._wanted_zoom(needed)}
        if missing == count:
            return empty_rgba(width, height)
        px = tile_m / size
        mh, mw = mosaic.shape[:2]
        if needed > px * DOWNSAMPLE_ABOVE:  # tiles finer than the view: averaged to its resolution first
            mosaic = downsample(mosaic, max(1, round(mw * px / needed)), max(1, round(mh * px / needed)))
        sx, sy = mw / mosaic.shape[1], mh / mosaic.shape[0]
        transform = Affine(px * sx, 0, -ORIGIN + tx0 * tile_m, 0, -px * sy, ORIGIN - ty0 * tile_m)
        if cancelled():
            return empty_rgba(width, height)
        return warp_rgba(mosaic, transform, 3857, extent, width, height, dst_crs)

    def _wanted_zoom(self, resolution: float) -> int:
        return math.ceil(math.log2(2 * ORIGIN / (self.tile_size * resolution)) - 1e-9) if resolution > 0 else 99

    def tile(self, z: int, x: int, y: int) -> np.ndarray | None:
        """The decoded (size, size, 4) RGBA tile at XYZ z/x/y (the TMS row is 2^z - 1 - y), or
        None when the file has none there; from the cache when it was decoded before."""
        key = (z, x, y)
        hit, tile = self.cache.get(key)
        if hit:
            return tile
        row = self._connection().execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, self._row(z, y))).fetchone()
        tile = self._decode(row[0], key) if row and row[0] is not None else None
        self.cache.put(key, tile)
        return tile

    def tile_bytes(self, z: int, x: int, y: int) -> bytes | None:
        row = self._connection().execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, self._row(z, y))).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def _row(self, z: int, y: int) -> int:
        """The stored tile_row of XYZ row y: TMS (2^z - 1 - y), or y itself in the files whose
        metadata says scheme = xyz (written so by some tools, against the specification)."""
        return y if self.xyz_rows else (2 ** z) - 1 - y

    def _decode(self, data: bytes, key) -> np.ndarray | None:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(bytes(data))) as image:
                rgba = np.asarray(image.convert("RGBA"))
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            # one damaged tile: shown as missing (transparent) rather than failing the whole view
            return None
        size = getattr(self, "tile_size", None)
        if size and rgba.shape[:2] != (size, size):
            with Image.fromarray(rgba) as image:
                rgba = np.asarray(image.resize((size, size), Image.Resampling.BILINEAR))
        return np.ascontiguousarray(rgba)

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for con in connections:
            try:
                con.close()
            except sqlite3.Error:  # closed already: nothing to free
                continue
        self._local = threading.local()
        self.cache.clear()


def _int(value, default: int) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _bounds(text) -> tuple[float, float, float, float] | None:
    try:
        w, s, e, n = (float(v) for v in str(text).split(","))
    except (TypeError, ValueError):
        return None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        return None
    return w, max(s, -MAX_MERCATOR_LAT), e, min(n, MAX_MERCATOR_LAT)


def _tile_corner(x: int, y: int, z: int) -> tuple[float, float]:
    """Lon/lat of the north-west corner of XYZ tile x, y."""
    n = 2 ** z
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lon, lat


def _lonlat_to_mercator(lon: float, lat: float) -> tuple[float, float]:
    lat = max(min(lat, MAX_MERCATOR_LAT), -MAX_MERCATOR_LAT)
    x = math.radians(lon) * 6378137.0
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0
    return x, y


def _clamp(v: int, n: int) -> int:
    return min(max(v, 0), n - 1)


def _clip_lonlat(extent, crs: CRS):
    """A geographic view's box kept inside Web Mercator's latitudes (beyond them it has no y)."""
    if crs.is_geographic:
        x0, y0, x1, y1 = extent
        return x0, max(y0, -MAX_MERCATOR_LAT), x1, min(y1, MAX_MERCATOR_LAT)
    return extent
