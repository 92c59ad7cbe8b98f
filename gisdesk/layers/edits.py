"""The edit session of a layer: undoable commands on its features, committed as one transaction.

Commands change the layer in memory at once (views follow its events) and go on the undo
stack. `commit()` compares every feature touched since the last commit with how it was
stored then, and hands the store the net change of each (add, delete, attributes, geometry)
with the version it was made against: the store writes all of it in one transaction or
refuses all of it, naming a feature someone else changed meanwhile. Undo and redo work
across commits: undoing a committed edit is a new change, which the next commit writes.
No Qt (the QGIS edit buffer, keyed by uid instead of row).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisdesk.errors import ProjectError
from gisdesk.layers.layer import Event, Layer
from gisdesk.store import FeatureEdit, ProjectStore

_NOT_ATTRIBUTES = {"uid", "fid"}
_SERIAL = itertools.count(1)  # orders commands of all sessions: which edit was the last one


@dataclass
class _Command:
    """One user action: `rows_before`/`rows_after` are the layer's features (uid → row) it replaces."""
    text: str
    before: dict[str, object]  # uid → a one-row frame, or None where the feature did not exist
    after: dict[str, object] = field(default_factory=dict)
    serial: int = 0  # when it was done, undone or redone last
    journal_id: int = 0  # its number in the autosave journal (gisdesk.layers.journal), given when first journaled


class EditSession:
    def __init__(self, store: ProjectStore, layer: Layer, *, who: str):
        self.store, self.layer, self.who = store, layer, who
        self._undo: list[_Command] = []
        self._redo: list[_Command] = []
        self._stored: dict[str, object] = {}  # uid → its row as stored at the last commit (None: not stored)
        self._versions: dict[str, int] = {}
        self.events = {"changed": Event()}  # after every command, undo, redo and commit
        # the autosave journal (gisdesk.layers.journal.Journal) or None: each command is written
        # to it before it is applied (a command it cannot write is refused), cleared at commit
        self.journal = None

    # --- commands ------------------------------------------------------------------------

    def set_attributes(self, uid: str, values: dict, *, text: str = "") -> None:
        """Change attribute values ({column: value}) of the feature `uid`."""
        bad = [c for c in values if c in _NOT_ATTRIBUTES or c == self._geometry_name]
        if bad:
            raise ProjectError("{field} 不是可修改的属性字段", "{field} is not an editable attribute field", field=bad[0])
        row = self._row(uid)
        new = row.copy()
        for column, value in values.items():
            if column not in new.columns:
                new[column] = None
            new[column] = new[column].astype(object)
            new.iat[0, new.columns.get_loc(column)] = value
        self._do(_Command(text or "attributes", {uid: row}, {uid: new}))

    def set_geometry(self, uid: str, geometry, *, text: str = "") -> None:
        row = self._row(uid)
        new = row.copy()
        new = new.set_geometry(gpd.GeoSeries([geometry], index=new.index, crs=row.crs), crs=row.crs)
        self._do(_Command(text or "geometry", {uid: row}, {uid: new}))

    def add(self, uid: str, geometry, values: dict | None = None, *, text: str = "") -> None:
        uid = str(uid)
        if uid in set(self.layer.uid_rows.uids):
            raise ProjectError("图层 {layer} 中已有要素 {uid}", "layer {layer} already has a feature {uid}",
                               layer=self.layer.id, uid=uid)
        frame = self.layer.frame
        row = {c: None for c in frame.columns if c != frame.geometry.name}
        row.update(values or {})
        row["uid"] = uid
        new = gpd.GeoDataFrame([row], geometry=gpd.GeoSeries([geometry], crs=frame.crs), crs=frame.crs)
        new = new.rename_geometry(frame.geometry.name) if frame.geometry.name != "geometry" else new
        self._do(_Command(text or "add", {uid: None}, {uid: new[list(frame.columns)]}))

    def delete(self, uids, *, text: str = "") -> None:
        uids = [str(u) for u in ([uids] if isinstance(uids, str) else uids)]
        self._do(_Command(text or "delete", {u: self._row(u) for u in uids}, {u: None for u in uids}))

    # --- undo, redo ------------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def last_done(self) -> int:
        """When the command that undo() would take back was done (0: none), across all sessions."""
        return self._undo[-1].serial if self._undo else 0

    @property
    def last_undone(self) -> int:
        return self._redo[-1].serial if self._redo else 0

    def undo(self) -> None:
        if self._undo:
            self._journal("undo", self._undo[-1])
            command = self._undo.pop()
            self._apply(command.after, command.before)
            command.serial = next(_SERIAL)
            self._redo.append(command)
            self.events["changed"].emit(self)

    def redo(self) -> None:
        if self._redo:
            self._journal("redo", self._redo[-1])
            command = self._redo.pop()
            self._apply(command.before, command.after)
            command.serial = next(_SERIAL)
            self._undo.append(command)
            self.events["changed"].emit(self)

    def revert(self) -> None:
        """Take the last command back for good (undo with no redo), e.g. when its commit was refused."""
        if self._undo:
            self.undo()
            command = self._redo.pop()
            if self.journal is not None:  # (nor can a restore redo it)
                self.journal.forget(self, command)

    # --- commit ----------------------------------------------------------------------------

    @property
    def pending(self) -> list[FeatureEdit]:
        """The net change of every feature touched since the last commit, as the store takes it."""
        edits = []
        for uid, stored in self._stored.items():
            now = self._current(uid)
            version = self._versions.get(uid)
            if stored is None and now is not None:
                edits.append(FeatureEdit("add", uid, None, _attributes(now), _geometry(now)))
            elif stored is not None and now is None:
                edits.append(FeatureEdit("delete", uid, version))
            elif stored is not None:
                changed = {c: v for c, v in _attributes(now).items() if not values_equal(v, _attributes(stored).get(c))}
                if changed:
                    edits.append(FeatureEdit("attributes", uid, version, changed))
                if not geometries_equal(_geometry(now), _geometry(stored)):
                    # the attribute edit (if any) already moved the version on, in the same transaction
                    edits.append(FeatureEdit("geometry", uid, None if changed else version, geometry=_geometry(now)))
        return edits

    def commit(self) -> dict[str, int]:
        """Write the pending changes in one transaction; the store refuses them all if one is stale."""
        edits = self.pending
        versions = self.store.commit_edits(self.layer.id, edits, who=self.who) if edits else {}
        self._versions.update(versions)
        self._stored.clear()
        if self.journal is not None:  # (a crash before this: restoring skips what the versions say is saved)
            self.journal.clear(self)
        self.events["changed"].emit(self)
        return versions

    def discard(self) -> None:
        """Forget the pending changes: the features go back to how they are stored."""
        stored = dict(self._stored)
        self._apply({uid: self._current(uid) for uid in stored}, stored)
        self._stored.clear()
        self._undo.clear()
        self._redo.clear()
        if self.journal is not None:
            self.journal.clear(self)
        self.events["changed"].emit(self)

    def replace(self, rows: dict, *, text: str = "") -> None:
        """One command putting features into given states: uid → a one-row frame of the layer's
        columns (added when the feature is not there), or None (deleted). What a restored
        journal replays."""
        self._do(_Command(text or "edit", {str(uid): self._current(str(uid)) for uid in rows},
                          {str(uid): row for uid, row in rows.items()}))

    def refresh_versions(self, uids) -> None:
        """Read the stored versions of `uids` again (after a write that did not go through this session)."""
        for uid in uids:
            self._versions.pop(str(uid), None)

    # --- plumbing --------------------------------------------------------------------------

    @property
    def _geometry_name(self) -> str:
        return self.layer.frame.geometry.name

    def _row(self, uid: str):
        rows = self.layer.uid_rows.rows_of([str(uid)])
        if len(rows) == 0:
            raise ProjectError("图层 {layer} 中没有要素 {uid}", "layer {layer} has no feature {uid}",
                               layer=self.layer.id, uid=uid)
        return self.layer.frame.iloc[[int(rows[0])]]

    def _current(self, uid: str):
        rows = self.layer.uid_rows.rows_of([uid])
        return self.layer.frame.iloc[[int(rows[0])]] if len(rows) else None

    def _do(self, command: _Command) -> None:
        for uid in command.before:
            if uid not in self._stored:  # its stored state: as it is now, before this first change
                self._stored[uid] = command.before[uid]
                if uid not in self._versions and command.before[uid] is not None:
                    found = self.store.versions(self.layer.id, [uid])
                    if len(found):
                        self._versions[uid] = int(found["version"].iloc[0])
        self._journal("do", command)
        self._apply(command.before, command.after)
        command.serial = next(_SERIAL)
        self._undo.append(command)
        self._redo.clear()
        self.events["changed"].emit(self)

    def _journal(self, op: str, command: _Command) -> None:
        if self.journal is not None:
            self.journal.record(self, op, command)

    def _apply(self, old: dict, new: dict) -> None:
        """Replace features: `old` (uid → row or None) by `new`. Changed features keep their rows
        (the layer's set_values / set_geometries); deleted ones leave, added ones come last."""
        for uid in new:
            if uid not in self._stored:  # an undo or redo after a commit touches the feature again
                self._stored[uid] = self._current(uid)
        for uid, row in new.items():
            if row is None or old.get(uid) is None:
                continue
            at = self.layer.uid_rows.rows_of([uid])
            was = _attributes(old[uid])
            for column, value in _attributes(row).items():
                if values_equal(value, was.get(column)):
                    continue  # not this command's change: a later write outside it (a status move) stays
                if not values_equal(value, self.layer.frame[column].iat[int(at[0])] if column in self.layer.frame else None):
                    self.layer.set_values(at, column, [value])
            if (not geometries_equal(_geometry(row), _geometry(old[uid]))
                    and not geometries_equal(_geometry(row), self.layer.geometries[int(at[0])])):
                self.layer.set_geometries(at, [_geometry(row)])
        gone = [uid for uid, row in new.items() if row is None and old.get(uid) is not None]
        added = [row for uid, row in new.items() if row is not None and old.get(uid) is None]
        if gone or added:
            frame = self.layer.frame
            frame = frame[~frame["uid"].astype(str).isin(gone)]
            if added:
                frame = pd.concat([frame, *added], ignore_index=True)
            self.layer.set_frame(gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=self._geometry_name,
                                                  crs=self.layer.frame.crs))


def _attributes(row) -> dict:
    return {c: row[c].iloc[0] for c in row.columns if c not in _NOT_ATTRIBUTES and c != row.geometry.name}


def _geometry(row):
    return row.geometry.iloc[0]


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and np.isnan(value)


def values_equal(a, b) -> bool:
    """Whether two attribute values are the same (missing values of any kind are one)."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def geometries_equal(a, b) -> bool:
    """Whether two geometries have the same coordinates (to a millimetre)."""
    if a is None or b is None:
        return a is None and b is None
    return bool(shapely.equals_exact(a, b, tolerance=0.001))
