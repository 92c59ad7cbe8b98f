"""Updating a layer from a newer export of the same source (`gisdesk import ... --update`).

A monthly ledger export holds the cases already in the project and new ones. Features are
matched by uid: changed attributes and geometries are written, new uids added, unchanged ones
counted. A ledger status change must be a step of the workflow and goes into the case history.
Everything is one transaction of the store: the whole update is written or none of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd

from gisdesk.layers.edits import geometries_equal, values_equal
from gisdesk.layers.ledger import check_transition
from gisdesk.store import FeatureEdit, ProjectStore, current_user, local_now


@dataclass
class UpdateReport:
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # uid → the fields (and "geometry") that changed
    unchanged: int = 0
    ignored_fields: list[str] = field(default_factory=list)  # fields of the source the layer does not have


def update_layer(project: ProjectStore, layer_id: str, kind: str, frame: gpd.GeoDataFrame, *, source: str,
                 who: str | None = None) -> UpdateReport:
    """Write the differences between `frame` (conformed, in the project CRS, with uids) and the layer."""
    who = who or current_user()
    stored = project.read_layer(layer_id)
    stored = stored.set_index(stored["uid"].astype(str))
    versions = project.versions(layer_id, hashes=False).set_index("uid")["version"]
    geometry = frame.geometry.name
    columns = [c for c in frame.columns if c not in ("uid", geometry) and c in stored.columns]
    report = UpdateReport(ignored_fields=[c for c in frame.columns
                                          if c not in ("uid", geometry) and c not in stored.columns])
    edits, history, now = [], [], local_now()
    for row in frame.itertuples(index=False):
        values = row._asdict()
        uid = str(values["uid"])
        new_geometry = values[geometry]
        if uid not in stored.index:
            edits.append(FeatureEdit("add", uid, None, {c: values[c] for c in columns}, new_geometry))
            report.added.append(uid)
            continue
        old = stored.loc[uid]
        changed = {c: values[c] for c in columns if not values_equal(values[c], old[c])}
        moved = not geometries_equal(new_geometry, old.geometry)
        if kind == "ledger" and "status" in changed:
            check_transition(uid, old["status"], changed["status"])
            history.append((uid, now, who, old["status"], changed["status"],
                            f"导入更新 / import update: {source}"))
        version = int(versions.get(uid)) if uid in versions.index else None
        if changed:
            edits.append(FeatureEdit("attributes", uid, version, changed))
        if moved:
            edits.append(FeatureEdit("geometry", uid, None if changed else version, geometry=new_geometry))
        if changed or moved:
            report.changed[uid] = [*changed, *(["geometry"] if moved else [])]
        else:
            report.unchanged += 1
    if edits:
        project.commit_edits(layer_id, edits, who=who, history=history)
    return report

