"""Dissolved measures: the area (or length) of the union of many geometries, without a big union.

Overlaps of different buildings rarely touch each other, so the union is mostly the
sum of the parts. Only geometries that intersect one another (connected through the
spatial index) are unioned, group by group; the rest are measured as they are.
"""

from __future__ import annotations

import numpy as np
import shapely


def dissolved_area(geoms) -> float:
    return _dissolved(geoms, shapely.area)


def dissolved_length(geoms) -> float:
    return _dissolved(geoms, shapely.length)


def _dissolved(geoms, measure) -> float:
    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms)]
    geoms = geoms[~shapely.is_empty(geoms)]
    if len(geoms) == 0:
        return 0.0
    group = touching_groups(geoms)
    sizes = np.bincount(group)
    alone = sizes[group] == 1
    total = float(measure(geoms[alone]).sum())
    for g in np.flatnonzero(sizes > 1):
        total += float(measure(shapely.union_all(geoms[group == g])))
    return total


def touching_groups(geoms: np.ndarray) -> np.ndarray:
    """A group number per geometry: geometries that intersect, directly or in a chain, share one."""
    first, second = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = first != second
    first, second = first[pairs], second[pairs]
    label = np.arange(len(geoms))
    while True:  # propagate the smallest label along the pairs until nothing changes
        before = label.copy()
        np.minimum.at(label, first, label[second])
        np.minimum.at(label, second, label[first])
        label = label[label]  # jump to the label's own label: chains shorten fast
        if np.array_equal(label, before):
            break
    return np.unique(label, return_inverse=True)[1]
