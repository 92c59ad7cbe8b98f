"""Array geometry helpers under every floor: element-wise shapely calls over threads, and
polygon repair. The conflict engine and the control zones (gisdesk.layers.zones) share them."""

from __future__ import annotations

import ctypes
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

_POLYGONAL = (3, 6)  # shapely type ids of Polygon, MultiPolygon

WORKERS = os.cpu_count() or 1
_MIN_CHUNK = 64  # elements per chunk at least: a chunk's hand-over costs tens of µs, a GEOS call µs or more
_pool: ThreadPoolExecutor | None = None


def parallel(func, *args, keys: np.ndarray | None = None, **kwargs) -> np.ndarray:
    """func(*args, **kwargs) for an element-wise shapely function, in chunks over threads.

    Shapely 2 releases the GIL inside GEOS, so chunks of one vectorised call run on all
    cores, with the same result as one call. Array arguments of the first one's length
    are split, others passed whole. With `keys` (sorted), equal keys stay in one chunk:
    GEOS prepared geometries are not thread-safe (libgeos/geos#825), so a prepared zone
    must not be used by two threads at once.
    """
    n = len(args[0])
    chunks = min(4 * WORKERS, n // _MIN_CHUNK)  # a few chunks per thread even out their costs
    if WORKERS < 2 or chunks < 2:
        return func(*args, **kwargs)
    edges = np.linspace(0, n, chunks + 1).astype(int)
    if keys is not None:  # move each inner edge forward to where the key changes
        edges[1:-1] = np.searchsorted(keys, keys[edges[1:-1] - 1], side="right")
    edges = np.unique(edges)

    def part(a, i):
        return a[edges[i]:edges[i + 1]] if isinstance(a, np.ndarray) and a.ndim == 1 and len(a) == n else a

    def run(i):
        return func(*(part(a, i) for a in args), **{k: part(v, i) for k, v in kwargs.items()})

    return np.concatenate(list(thread_pool().map(run, range(len(edges) - 1))))


def release_freed_memory() -> None:
    """Give the pages of freed heap blocks back to the system (glibc's malloc_trim). The allocator
    otherwise keeps what a stage freed (a million buildings' spatial index, a slice's eroded zones)
    resident, in the arena of the thread that freed it, and the next stage grows elsewhere: the
    ring city's 1 M check peaked ~200 MB higher. A few ms a call."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL("libc.so.6")
            _libc.malloc_trim  # noqa: B018  (not glibc: no such function)
        except (OSError, AttributeError):
            _libc = False
    if _libc:
        _libc.malloc_trim(0)


_libc = None


def keep_heap_small(arenas: int = 2, mmap_threshold: int = 4 * 1024 * 1024) -> None:
    """For a batch process (gisdesk check): at most `arenas` malloc arenas and blocks from
    `mmap_threshold` bytes up mapped on their own (glibc mallopt; elsewhere nothing happens).

    With an arena per thread and glibc's sliding mmap threshold, what one thread's GEOS calls
    freed stays resident in its arena while another thread's grow, and large blocks, once one
    was freed, come from the heap and stay there: the ring city's 1 M check peaked at 2.22 GiB,
    with these settings at 1.92-1.95 GiB. On one version of the check: 4 MiB and 128 KiB gave the
    same peak, no fixed threshold 80 MB more; one arena 35 MB less, but the two threads' GEOS calls
    wait on its lock (grid city 100 k in process: 1.65-1.71 s against 1.17-1.25 s with two), and
    128 KiB maps and faults in every mid-sized array (1.33-1.44 s). Call it before the threads
    start: an arena a thread already has stays."""
    global _libc
    release_freed_memory()  # (finds the C library)
    if _libc:
        _libc.mallopt(_M_ARENA_MAX, arenas)
        _libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)


_M_ARENA_MAX, _M_MMAP_THRESHOLD = -8, -3  # glibc's malloc.h


def thread_pool() -> ThreadPoolExecutor:
    """One pool for the process: starting threads for every call would cost more than small calls gain.
    Its tasks must not wait on tasks of their own (call shapely in them, not `parallel`)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="geometry")
    return _pool


def polygonal(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Repair invalid polygons with make_valid and keep only their polygonal parts.

    Returns the geometries, a mask of the usable ones (non-empty polygons) and the number
    repaired. Lines and points (e.g. ledger cases known only by address) are not usable.
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    present = ~shapely.is_missing(geoms)
    types = np.where(present, shapely.get_type_id(geoms), -1)
    collection = types == 7
    broken = present & np.isin(types, _POLYGONAL) & ~parallel(shapely.is_valid, geoms)
    todo = np.flatnonzero(broken | collection)
    if len(todo):
        made = shapely.make_valid(geoms[todo])
        geoms[todo] = polygonal_parts(made)
    usable = present & np.isin(shapely.get_type_id(geoms), _POLYGONAL) & ~shapely.is_empty(geoms)
    return geoms, usable, int(broken.sum())


def polygonal_parts(geoms: np.ndarray) -> np.ndarray:
    """The polygons inside each geometry (e.g. a GeometryCollection from make_valid) as one MultiPolygon."""
    out = geoms.copy()
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)
    for i in mixed:  # collections are rare: a plain loop is clear enough
        polys = [p for p in shapely.get_parts(shapely.get_parts(geoms[i])) if shapely.get_type_id(p) == 3]
        out[i] = shapely.multipolygons(polys) if polys else shapely.Polygon()
    return out


# --- distances of points and segments in numpy (the last axis is x, y) --------------------------

def point_segment_distance(q, s0, s1):
    """Distance of points q to segments s0–s1 (broadcasting; the last axis is x, y)."""
    ux, uy = s1[..., 0] - s0[..., 0], s1[..., 1] - s0[..., 1]
    wx, wy = q[..., 0] - s0[..., 0], q[..., 1] - s0[..., 1]
    uu = ux * ux + uy * uy
    t = np.clip((wx * ux + wy * uy) / np.where(uu > 0, uu, 1.0), 0.0, 1.0)
    ex, ey = wx - t * ux, wy - t * uy
    return np.sqrt(ex * ex + ey * ey)


def point_box_distance(q, boxes):
    """Distance of points q to boxes (xmin, ymin, xmax, ymax), row by row: 0 inside."""
    return np.hypot(np.maximum(np.maximum(boxes[:, 0] - q[:, 0], q[:, 0] - boxes[:, 2]), 0),
                    np.maximum(np.maximum(boxes[:, 1] - q[:, 1], q[:, 1] - boxes[:, 3]), 0))


def side(p, q, r):
    """Twice the signed area of each triangle p, q, r: > 0 where r lies left of p → q."""
    return (q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1]) - (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0])


def segment_distance(a0, a1, b0, b1):
    """Distance between the segments a0–a1 and b0–b1, row by row: 0 where they cross."""
    ends = np.minimum(np.minimum(point_segment_distance(a0, b0, b1), point_segment_distance(a1, b0, b1)),
                      np.minimum(point_segment_distance(b0, a0, a1), point_segment_distance(b1, a0, a1)))
    cross = (side(a0, a1, b0) * side(a0, a1, b1) < 0) & (side(b0, b1, a0) * side(b0, b1, a1) < 0)
    return np.where(cross, 0.0, ends)
