"""What every project store offers: the CLI, the jobs, reviews and the UI use this and nothing else.

The GeoPackage file (gisdesk/project.py) is the store today; a PostGIS master will be another
implementation of the same protocol. No SQL and no private store methods outside a store.
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from gisdesk.errors import InputError

# A layer id is a table name every SQL database and QGIS take without quoting trouble.
LAYER_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
RESERVED_PREFIXES = ("gpkg_", "rtree_", "gisdesk_", "sqlite_", "layer_styles")


def current_user() -> str:
    """Who an edit, a review or a status change is recorded as."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still record something
        return "unknown"


def local_now(precise: bool = False) -> str:
    """When it happened: local time with its UTC offset (to the millisecond when `precise`)."""
    return dt.datetime.now().astimezone().isoformat(timespec="milliseconds" if precise else "seconds")


def check_layer_id(layer_id: str) -> str:
    if not LAYER_ID.fullmatch(layer_id or "") or layer_id.lower().startswith(RESERVED_PREFIXES):
        raise InputError("图层标识 {id} 无效：应以字母开头，只含字母、数字和下划线（最多 63 个），且不以 gpkg_/gisdesk_/rtree_ 开头",
                         "invalid layer id {id}: it must start with a letter and hold only letters, digits and "
                         "underscores (at most 63), and not start with gpkg_/gisdesk_/rtree_", id=layer_id)
    return layer_id


@dataclass(frozen=True)
class LayerInfo:
    """A layer of a project: `id` is its table name; `provider` and `source` say where its data live."""
    id: str
    kind: str
    title: str
    provider: str = "gpkg"
    source: str = ""
    geometry_type: str = ""
    z_order: int = 0
    visible: bool = True
    opacity: float = 1.0
    style: dict = field(default_factory=dict)
    sources: list = field(default_factory=list)  # the imports that filled it

    @property
    def table(self) -> str:
        return self.id


@dataclass(frozen=True)
class RunRecord:
    """What a check ran with and found, stored beside its conflicts."""
    rules: str  # the rule file's TOML text
    rules_digest: str
    overlap_m2: float
    width_m: float
    summary: dict


def stored_defaults(conflicts: pd.DataFrame) -> pd.DataFrame:
    """Conflicts as a store keeps them: with `period` (unknown where missing) and `exemption` ("" where
    missing), as results of a check by an older gisdesk read (gisdesk.analysis.periods sets them)."""
    for column, default in (("period", "unknown"), ("exemption", "")):
        if column not in conflicts:
            conflicts[column] = default
        conflicts[column] = conflicts[column].astype(object).where(conflicts[column].notna(), default)
    return conflicts


@dataclass(frozen=True)
class FeatureEdit:
    """One change to one feature, as the edit session commits it.

    `action` is add, delete, attributes or geometry; `version` is the version the edit was
    made against (None for add): a store refuses the edit when the feature moved on since.
    """
    action: str
    uid: str
    version: int | None = None
    values: dict = field(default_factory=dict)  # attributes: {column: new value}; add: all of them
    geometry: object = None  # shapely geometry for add and geometry


class ProjectStore(Protocol):
    path: Path
    notices: list[str]  # what opening the project repaired, to tell the user

    def repair(self) -> list[str]: ...  # give features other tools added a uid; what was repaired

    # settings
    def settings(self) -> dict[str, str]: ...
    def setting(self, key: str, default: str = "") -> str: ...
    def set_settings(self, **values: str) -> None: ...
    @property
    def crs(self) -> CRS | None: ...

    # layers
    def layers(self) -> list[LayerInfo]: ...
    def layer_info(self, layer_id: str) -> LayerInfo: ...
    def layers_of(self, kind: str) -> list[LayerInfo]: ...
    def import_target(self, kind: str, layer_id: str | None) -> tuple[str, bool]: ...
    def read_layer(self, layer_id: str, columns: list[str] | None = None) -> gpd.GeoDataFrame: ...
    def uids(self, layer_id: str, among: Iterable[str] | None = None) -> set[str]: ...
    def add_features(self, layer_id: str, frame: gpd.GeoDataFrame, *, kind: str | None = None,
                     source: dict, title: str | None = None) -> None: ...
    def save_layer_states(self, states: list[dict]) -> None: ...
    def rename_layer(self, layer_id: str, title: str) -> None: ...

    # base maps: image files (GeoTIFF, MBTiles) by reference; layers() never lists them
    def basemaps(self) -> list[LayerInfo]: ...  # bottom first; kind "basemap", provider gdal/mbtiles, style["date"]
    def basemap_info(self, layer_id: str) -> LayerInfo: ...
    def add_basemap(self, path, *, layer_id: str | None = None, title: str | None = None, date: str | None = None,
                    provider: str | None = None) -> LayerInfo: ...
    def relocate_basemap(self, layer_id: str, new_path) -> LayerInfo: ...
    def remove_basemap(self, layer_id: str) -> None: ...
    def basemap_path(self, info: LayerInfo) -> Path: ...  # where the file is (or first looked for, when missing)
    def basemap_candidates(self, info: LayerInfo) -> list[Path]: ...  # every place it is looked for, in order

    # features: identity, versions, edits
    def versions(self, layer_id: str, uids: Iterable[str] | None = None, *, hashes: bool = True) -> pd.DataFrame: ...
    def commit_edits(self, layer_id: str, edits: list[FeatureEdit], *, who: str,
                     history: list[tuple] | None = None) -> dict[str, int]: ...
    def update_attributes(self, layer_id: str, uid: str, values: dict) -> None: ...
    def batch(self): ...  # a context manager: the store's writes inside it are one transaction (a field merge)
    def edit_log(self, layer_id: str | None = None) -> pd.DataFrame: ...

    # check results
    def save_check(self, conflicts: pd.DataFrame, run: RunRecord) -> int: ...  # with period and exemption
    def conflicts(self) -> gpd.GeoDataFrame: ...  # stored_defaults where an older check stored no periods
    def last_run(self) -> dict | None: ...
    def stale_layers(self) -> list[str]: ...

    # reviews
    def save_decisions(self, keys: list[tuple], decision: str, *, note: str, who: str, at: str) -> None: ...
    def clear_decisions(self, keys: list[tuple]) -> None: ...
    def decisions(self) -> pd.DataFrame: ...
    def feature_names(self, layer_id: str, uids: Iterable[str]) -> pd.Series: ...

    # the ledger's history
    def change_status(self, case_uid: str, new_status: str, *, who: str, note: str = "", at: str | None = None,
                      layer_id: str | None = None) -> None: ...
    def append_history(self, events: list[tuple]) -> None: ...
    def history(self, case_uid: str | None = None) -> pd.DataFrame: ...

    # topology found on import: overlaps, slivers and gaps within a layer
    def save_topology(self, layer_id: str, frame: gpd.GeoDataFrame) -> None: ...
    def topology(self, layer_id: str | None = None) -> gpd.GeoDataFrame: ...
    def read_layer_in(self, layer_id: str, bbox: tuple[float, float, float, float],
                      columns: list[str] | None = None) -> gpd.GeoDataFrame: ...
