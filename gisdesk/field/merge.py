"""`gisdesk merge`: a field package's edits back into the master, three-way, losing nothing.

Three states of every feature are compared by their VALUES (snapshot.py), never by gisdesk's own
edit log, so edits made in the package by QGIS, ogr2ogr or pyogrio merge like gisdesk's:

- base: the package's snapshot (gisdesk_field_base), or, for a feature an earlier merge of the
  same package settled, its state then (the master's gisdesk_field_merged: the base moves on, so
  a package merged, edited further and merged again is compared with what was merged);
- field: the package now;
- master: the project now.

Per feature and per field (each attribute column and the geometry):

- changed on one side only: the master keeps its own change; a change made only in the package is
  written to the master (Project.commit_edits: versions, hashes and the edit log kept right);
- changed on both sides to the same value: nothing to do, not a conflict;
- changed on both sides differently (an attribute: type `field`; the geometry: `geometry`):
  a conflict, listed with the base, master and field values; the master keeps its value;
- deleted on one side, changed on the other: a conflict, never resolved silently. The type names
  the PACKAGE's action first, then the master's: `delete-edit` = deleted in the package, edited in
  the master; `edit-delete` = edited in the package, deleted in the master. The feature stays as
  the master has it (present or deleted) until a person decides;
- added in the package: added to the master under its uid; a feature the package holds without a
  uid (added by another tool), or with a uid an earlier row already has (a copy made in QGIS), or
  whose uid the master meanwhile gave another feature, gets a new uid (kind-NNNNNN), and the
  master remembers which, so merging the package again finds it;
- deleted in the package and unchanged in the master: deleted;
- a ledger case's status changed in the package moves along the workflow (layers/ledger.py
  TRANSITIONS) with a history event, as in gisdesk: a change the package's history records
  (gisdesk moved it there: those rows are carried) is written; one legal step made by another tool
  (QGIS) is written with the history event it lacks (who: the merging user, note: the package);
  any other status (a jump, an unknown word) is not written but listed as skipped, reason
  `status-not-allowed`, for a person to move the case on (it is listed again by the next merge).

Attachments (gisdesk_attachments) are sets per feature keyed by attachment_id, compared three-way
the same way (added, removed, changed: any column, the bytes by sha256). Every blob carried is
verified: one whose bytes do not give its sha256 is skipped and reported. Ledger history rows the
package added (event_id above what it was given) are carried over with new event_ids and their
other columns unchanged (the evidence chain names predecessors by hash); a row the master already
has (all columns but event_id equal) is not carried twice.

The report: lists `applied`, `conflicts` and `skipped` (and `resolved`, for decisions given), each
entry a dict with `layer`, `uid` (the master's uid), `field` (the column, "geometry",
"attachment:ID", "history", or null for a whole feature: an add or a delete), `base`, `master`
and `field_value` (the package's value; geometries as WKT, whole features as their values with the
geometry under "geometry", attachments as {attachment_id, name, kind, sha256, size}), `action`;
conflicts also `type`, `field_action` and `master_action`; skipped entries `reason` (a code) and
`message`. Added features also name their `field_uid` (the package's uid, "fid:N" for none).

A real merge takes the master's write lock, copies the master byte for byte to
PROJECT.gpkg.bak-YYYYMMDD-HHMMSS beside it (before anything changes; -2, -3 ... when taken), and
writes everything in ONE transaction (Project.batch). A merge that has nothing to write writes
nothing, not even a backup, so merging the same package twice changes nothing. `dry_run` writes
nothing at all and reports the same. The package itself is never written. No Qt.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import shapely

from gisdesk import attachments as attachment_store
from gisdesk import gpkg
from gisdesk.errors import InputError, ProjectError
from gisdesk.field.pack import master_key
from gisdesk.field.snapshot import (ATTACHMENT_LAYER, ATTACHMENTS, HISTORY, MERGED, MERGES, PACKAGE_HISTORY_MAX,
                                    PACKAGE_ID, PACKAGE_MASTER_KEY, Feature, Settled, create_merged_tables,
                                    read_base, read_features, read_fids, read_merged, row_hashes, same_geometry,
                                    same_value, shown, value_columns, values_json, whole, wkt)
from gisdesk.i18n import tr
from gisdesk.jobs import Feedback
from gisdesk.layers.ledger import TRANSITIONS
from gisdesk.project import Project
from gisdesk.store import FeatureEdit, current_user, local_now

FIELD, GEOMETRY, DELETE_EDIT, EDIT_DELETE = "field", "geometry", "delete-edit", "edit-delete"
CONFLICT_TYPES = (FIELD, GEOMETRY, DELETE_EDIT, EDIT_DELETE)
MASTER, PACKAGE = "master", "field"  # the two choices a person has for a conflict
ATTACHMENT_FIELD = "attachment:"


@dataclass
class MergeReport:
    master: str
    package: str
    package_id: str
    dry_run: bool
    backup: str | None = None
    applied: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    resolved: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def written(self) -> bool:
        return self.backup is not None

    def as_json(self) -> dict:
        return {"master": self.master, "package": self.package, "package_id": self.package_id,
                "dry_run": self.dry_run, "backup": self.backup,
                "summary": {"applied": len(self.applied), "conflicts": len(self.conflicts),
                            "skipped": len(self.skipped), "resolved": len(self.resolved)},
                "applied": self.applied, "conflicts": self.conflicts, "skipped": self.skipped,
                "resolved": self.resolved}

    def write_json(self, path) -> Path:
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(self.as_json(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InputError("无法写出合并报告 {path}：{why}", "cannot write the merge report {path}: {why}", path=path,
                             why=exc.strerror or exc) from exc
        return path


def conflict_key(entry: dict) -> tuple:
    """What a decision on a conflict is keyed by: (layer, uid, field)."""
    return entry["layer"], entry["uid"], entry["field"]


def merge(project_path, package_path, *, dry_run: bool = False, decisions: dict | None = None, who: str | None = None,
          feedback: Feedback | None = None) -> MergeReport:
    """Merge a field package into its master (see the module's text). `decisions`: conflict_key → "master"
    or "field", a person's choice for conflicts listed by an earlier run; those are settled as chosen."""
    feedback = feedback or Feedback()
    started = time.perf_counter()
    master_path, package_path = Path(project_path), Path(package_path)
    master = _open_master(master_path)
    package_settings = _check_package(package_path, master)
    decisions = {tuple(k): v for k, v in (decisions or {}).items()}
    for choice in decisions.values():
        if choice not in (MASTER, PACKAGE):
            raise InputError("冲突的选择应为 master 或 field，而不是 {choice}",
                             "a conflict's choice must be master or field, not {choice}", choice=choice)
    who = who or current_user()
    feedback.set_stage(tr("比较外业包与主库", "comparing the package with the master"))
    if dry_run:
        plan = _Plan(master, package_path, package_settings, decisions, feedback)
        plan.report.dry_run = True
        plan.report.seconds = time.perf_counter() - started
        feedback.finish()
        return plan.report
    try:
        with master.batch() as db:
            plan = _Plan(master, package_path, package_settings, decisions, feedback)
            if plan.has_writes():
                feedback.set_stage(tr("备份主库", "backing up the master"))
                plan.report.backup = str(_backup(master_path))
                feedback.set_stage(tr("写入主库", "writing the master"))
                plan.write(db, who)
    except OSError as exc:
        raise ProjectError("无法备份或写入主库 {path}：{why}；主库未改动", "cannot back up or write the master {path}: "
                           "{why}; the master is unchanged", path=master_path.name, why=exc.strerror or exc) from exc
    plan.report.seconds = time.perf_counter() - started
    feedback.finish()
    return plan.report


def _open_master(path: Path) -> Project:
    """The master as it is (no repair: a dry run writes nothing, and a merge writes only after its backup)."""
    if not path.is_file():
        raise InputError("项目文件不存在：{path}", "project file not found: {path}", path=path)
    try:
        with gpkg.connect(path, readonly=True) as db:
            ok = gpkg.has_table(db, "gisdesk_settings")
    except Exception as exc:  # not an SQLite file
        raise InputError("无法打开项目 {path}：{why}", "cannot open the project {path}: {why}", path=path,
                         why=gpkg.error_reason(exc)) from exc
    if not ok:
        raise InputError("{path} 不是 gisdesk 项目", "{path} is not a gisdesk project", path=path)
    return Project(path)


def _check_package(path: Path, master: Project) -> dict:
    if not path.is_file():
        raise InputError("外业包不存在：{path}", "field package not found: {path}", path=path)
    if path.resolve() == master.path.resolve():
        raise InputError("外业包与主库是同一个文件：{path}", "the package and the master are the same file: {path}",
                         path=path)
    try:
        with gpkg.connect(path, readonly=True) as db:
            ok = gpkg.has_table(db, "gisdesk_settings") and gpkg.has_table(db, "gisdesk_field_base")
            settings = dict(db.execute("SELECT key, value FROM gisdesk_settings")) if ok else {}
    except Exception as exc:
        raise InputError("无法打开外业包 {path}：{why}", "cannot open the field package {path}: {why}", path=path,
                         why=gpkg.error_reason(exc)) from exc
    if not ok or not settings.get(PACKAGE_ID):
        raise InputError("{path} 不是外业包（没有 gisdesk_field_base 基础快照，请用 gisdesk pack 生成）",
                         "{path} is not a field package (no base snapshot gisdesk_field_base; make one with gisdesk pack)",
                         path=path)
    if settings.get(PACKAGE_MASTER_KEY) and settings[PACKAGE_MASTER_KEY] != master_key(master.settings()):
        raise InputError("外业包 {path} 不是由项目 {master} 生成的（它来自 {other}），未合并",
                         "the package {path} was not made from the project {master} (it comes from {other}); "
                         "nothing merged", path=path.name, master=master.path.name,
                         other=Path(settings.get("field:master", "?")).name)
    return settings


def _backup(path: Path) -> Path:
    """A byte-for-byte copy of the master beside it, taken under the merge's write lock (nothing written yet)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bak-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.bak-{stamp}-{n}")
    shutil.copyfile(path, target)
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())
    return target


def _entry(layer, uid, column, base, master, field_value, action, **extra) -> dict:
    return {"layer": layer, "uid": uid, "field": column, "base": base, "master": master, "field_value": field_value,
            "action": action, **extra}


def _value(column: str, feature: Feature | None, present: bool = True):
    """A field's value for the report (geometries as WKT)."""
    if feature is None or not present:
        return None
    if column == "geometry":
        return wkt(feature.wkb)
    return shown(feature.values.get(column))


def _descriptor(record: dict | None) -> dict | None:
    if record is None:
        return None
    return {k: record.get(k) for k in ("attachment_id", "name", "kind", "sha256", "size")}


class _Plan:
    """The comparison of one package with the master, and what it would write."""

    def __init__(self, master: Project, package_path: Path, settings: dict, decisions: dict, feedback: Feedback):
        self.master, self.package_path, self.decisions = master, package_path, decisions
        self.package_id = settings[PACKAGE_ID]
        self.history_max = int(settings.get(PACKAGE_HISTORY_MAX) or 0)
        self.report = MergeReport(str(master.path), str(package_path), self.package_id, False)
        self.edits: dict[str, list[FeatureEdit]] = {}
        self.settle: list[tuple] = []  # (layer, field_uid, master_uid, Feature | None)
        self.attachment_ops: list[tuple] = []  # ("add" | "remove" | "change", record, data)
        self.history_rows: list[dict] = []
        self.status_events: dict[str, list[tuple]] = {}  # layer → (case uid, from, to) steps made by other tools
        self.uid_maps: dict[str, dict[str, str]] = {}  # layer → field uid → master uid
        self.master_uids_after: dict[str, set[str]] = {}
        with gpkg.connect(package_path, readonly=True) as pdb, gpkg.connect(master.path, readonly=True) as mdb:
            base = read_base(pdb)
            self.settled = read_merged(mdb, self.package_id)
            self.field_moves = _status_moves(pdb, self.history_max)
            infos = {info.id: info for info in master.layers()}
            package_layers = {r[0] for r in pdb.execute("SELECT table_name FROM gisdesk_layers WHERE kind != 'basemap'")}
            layers = [layer for layer in base if layer != ATTACHMENT_LAYER] + \
                sorted(package_layers - set(base) - {ATTACHMENT_LAYER})
            for i, layer in enumerate(layers):
                feedback.set_progress(0.8 * i / max(len(layers), 1))
                if not gpkg.has_table(pdb, layer):
                    self._skip(layer, None, None, "layer-missing-in-package",
                               tr("外业包中没有图层 {layer}（被其他软件删除？），其要素未比较",
                                  "the package has no layer {layer} (deleted by another tool?): its features were "
                                  "not compared", layer=layer))
                    continue
                if layer not in infos:
                    self._layer_not_in_master(pdb, layer)
                    continue
                self._compare_layer(pdb, mdb, layer, infos[layer].kind, base.get(layer, {}))
            feedback.set_progress(0.85)
            self._compare_attachments(pdb, mdb, base.get(ATTACHMENT_LAYER, {}))
            self._carry_history(pdb, mdb, infos)

    def has_writes(self) -> bool:
        return bool(any(self.edits.values()) or self.settle or self.attachment_ops or self.history_rows)

    # --- reporting --------------------------------------------------------------------------

    def _skip(self, layer, uid, column, reason, message, **values) -> None:
        self.report.skipped.append(_entry(layer, uid, column, values.get("base"), values.get("master"),
                                          values.get("field_value"), values.get("action", "skip"), reason=reason,
                                          message=message))

    def _conflict(self, entry: dict, kind: str, field_action: str, master_action: str) -> str | None:
        """List a conflict; returns the person's decision on it when one was given."""
        entry = {**entry, "type": kind, "field_action": field_action, "master_action": master_action}
        choice = self.decisions.get(conflict_key(entry))
        if choice is None:
            self.report.conflicts.append(entry)
        else:
            self.report.resolved.append({**entry, "resolution": choice})
        return choice

    # --- features ---------------------------------------------------------------------------

    def _layer_not_in_master(self, pdb, layer: str) -> None:
        features, loose = read_features(pdb, layer)
        for key, feature in {**features, **loose}.items():
            self._skip(layer, key, None, "layer-missing-in-master",
                       tr("主库中没有图层 {layer}，外业包中的要素 {uid} 未合并",
                          "the master has no layer {layer}: the package's feature {uid} was not merged", layer=layer,
                          uid=key), field_value=whole(feature), action="add")

    def _compare_layer(self, pdb, mdb, layer: str, kind: str, base: dict[str, Feature]) -> None:
        settled: dict[str, Settled] = self.settled.get(layer, {})
        if not any(name.lower() == "uid" for name, _ in gpkg.columns_of(pdb, layer)):
            self._skip(layer, None, "uid", "uid-column-missing-in-package",
                       tr("外业包的图层 {layer} 没有 uid 字段（被其他软件重写时丢失？）：无法认出其要素，该图层未合并",
                          "the package's layer {layer} has no uid column (lost when another tool rewrote it?): its "
                          "features cannot be told apart, the layer was not merged", layer=layer))
            return
        # a feature whose content hash is its base's is unchanged in the package: the master's own
        # changes of it stand, nothing to compare (most of a big package)
        hashes, loose_fids = row_hashes(pdb, layer)
        unchanged = {u for u, digest in hashes.items() if u in base and u not in settled and base[u].hash
                     and digest == base[u].hash}
        field_features, _ = read_features(pdb, layer, set(hashes) - unchanged)
        loose = read_fids(pdb, layer, loose_fids)
        for uid in [u for u in field_features if u not in base and u not in settled]:
            fid_key = f"fid:{field_features[uid].fid}"
            if fid_key in settled:  # a row without a uid that an earlier merge took, given one since (gisdesk opened it)
                loose[fid_key] = field_features.pop(uid)
        field_features.update(loose)
        renumbered = _find_renumbered(field_features, settled, base)
        master_all = {str(r[0]).strip() for r in mdb.execute(f'SELECT uid FROM "{layer}" WHERE uid IS NOT NULL')}
        wanted = ((set(base) - unchanged) | {s.master_uid for s in settled.values()} | set(field_features)) & master_all
        master_features, _ = read_features(mdb, layer, wanted)  # only those: a master may hold a million
        versions = {}
        some = sorted(wanted)
        for start in range(0, len(some), 900):
            chunk = some[start:start + 900]
            versions.update(mdb.execute(f"SELECT uid, version FROM gisdesk_features WHERE layer = ? AND uid IN "
                                        f"({','.join('?' * len(chunk))})", (layer, *chunk)))
        field_columns = set(value_columns(pdb, layer))
        master_columns = {c.lower(): c for c in value_columns(mdb, layer)}
        declared = mdb.execute("SELECT geometry_type_name FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
                               (layer,)).fetchone()
        multi = bool(declared) and str(declared[0]).upper() == "MULTIPOLYGON"
        base_columns = set().union(*(f.values for f in base.values())) if base else set()
        for column in sorted(base_columns - field_columns):
            self._skip(layer, None, column, "column-missing-in-package",
                       tr("外业包的图层 {layer} 中没有字段 {field}（被其他软件删除？）：该字段未比较",
                          "the package's layer {layer} has no field {field} (dropped by another tool?): it was not "
                          "compared", layer=layer, field=column))
        taken = master_all | {str(s.master_uid) for s in settled.values()} | set(base) | \
            {u for u in field_features if not u.startswith("fid:")}
        fresh = _UidMaker(kind, taken)
        uid_map = self.uid_maps.setdefault(layer, {})
        edits = self.edits.setdefault(layer, [])
        keys = list(dict.fromkeys([*(k for k in base if k not in unchanged), *settled, *field_features]))
        for key in keys:
            if key in settled:
                b, master_uid = settled[key].feature, settled[key].master_uid
            else:
                b, master_uid = base.get(key), (None if key.startswith("fid:") else key)
            f = field_features.get(key)
            m = master_features.get(master_uid) if master_uid else None
            ctx = _FeatureContext(layer, key, master_uid, b, f, m, versions.get(master_uid) if master_uid else None,
                                  field_columns, master_columns, multi, kind)
            if b is None and f is None:
                continue
            if b is None:
                self._field_add(ctx, fresh, edits, uid_map)
            elif f is None:
                self._field_delete(ctx, edits)
            elif m is None:
                self._master_deleted(ctx, edits)
            else:
                self._both_present(ctx, edits)
            if ctx.master_uid:
                uid_map[key] = ctx.master_uid
        for old, new in renumbered.items():  # settled under its new key from now on, the old one gone
            master_uid = settled[old].master_uid
            uid_map[new] = master_uid
            ours = [entry for entry in self.settle if entry[0] == layer and entry[1] == old]
            state = ours[-1][3] if ours else settled[old].feature
            self.settle = [entry for entry in self.settle if not (entry[0] == layer and entry[1] == old)]
            self.settle += [(layer, old, master_uid, None), (layer, new, master_uid, state)]
        self.master_uids_after[layer] = set(master_all)
        for edit in edits:
            if edit.action == "add":
                self.master_uids_after[layer].add(edit.uid)
            elif edit.action == "delete":
                self.master_uids_after[layer].discard(edit.uid)

    def _field_add(self, ctx: "_FeatureContext", fresh: "_UidMaker", edits, uid_map) -> None:
        f, m = ctx.f, ctx.m
        if m is not None and f.same(m, ctx.common_columns()):
            self.settle.append((ctx.layer, ctx.key, ctx.master_uid, f))  # added alike on both sides
            return
        field_uid = ctx.key
        if m is not None or ctx.master_uid is None:  # no uid, a copy's, or one the master gave another feature
            ctx.master_uid = fresh.next()
        values, dropped = ctx.addable_values()
        edits.append(FeatureEdit("add", ctx.master_uid, None, values, ctx.fit(shapely.from_wkb(f.wkb) if f.wkb else None)))
        extra = {"field_uid": field_uid} if field_uid != ctx.master_uid else {}
        self.report.applied.append(_entry(ctx.layer, ctx.master_uid, None, None, None, whole(f), "add", **extra))
        for column in dropped:
            self._skip(ctx.layer, ctx.master_uid, column, "column-missing-in-master",
                       tr("主库图层 {layer} 中没有字段 {field}：新要素 {uid} 的该值未写入",
                          "the master's layer {layer} has no field {field}: that value of the new feature {uid} was "
                          "not written", layer=ctx.layer, field=column, uid=ctx.master_uid),
                       field_value=shown(f.values.get(column)), action="add")
        self.settle.append((ctx.layer, field_uid, ctx.master_uid, f))

    def _field_delete(self, ctx: "_FeatureContext", edits) -> None:
        b, m = ctx.b, ctx.m
        if m is None:
            return  # deleted on both sides
        if m.same(b, ctx.master_compared()):
            edits.append(FeatureEdit("delete", ctx.master_uid, ctx.version))
            self.report.applied.append(_entry(ctx.layer, ctx.master_uid, None, whole(b), whole(m), None, "delete"))
            self.settle.append((ctx.layer, ctx.key, ctx.master_uid, None))
            return
        choice = self._conflict(_entry(ctx.layer, ctx.master_uid, None, whole(b), whole(m), None, "delete"),
                                DELETE_EDIT, "delete", "edit")
        if choice == PACKAGE:
            edits.append(FeatureEdit("delete", ctx.master_uid, ctx.version))
            self.report.applied.append(_entry(ctx.layer, ctx.master_uid, None, whole(b), whole(m), None, "delete",
                                              resolution=PACKAGE))
        if choice is not None:
            self.settle.append((ctx.layer, ctx.key, ctx.master_uid, None))

    def _master_deleted(self, ctx: "_FeatureContext", edits) -> None:
        b, f = ctx.b, ctx.f
        if f.same(b, ctx.field_compared()):
            return  # the master's delete stands
        choice = self._conflict(_entry(ctx.layer, ctx.master_uid, None, whole(b), None, whole(f), "edit"),
                                EDIT_DELETE, "edit", "delete")
        if choice == PACKAGE:
            values, _ = ctx.addable_values()
            edits.append(FeatureEdit("add", ctx.master_uid, None, values, ctx.fit(shapely.from_wkb(f.wkb) if f.wkb else None)))
            self.report.applied.append(_entry(ctx.layer, ctx.master_uid, None, whole(b), None, whole(f), "add",
                                              resolution=PACKAGE))
        if choice is not None:
            self.settle.append((ctx.layer, ctx.key, ctx.master_uid, f))

    def _both_present(self, ctx: "_FeatureContext", edits) -> None:
        b, f, m = ctx.b, ctx.f, ctx.m
        changes: dict = {}
        geometry, new_geometry = None, False
        open_conflicts = skipped = False
        columns = sorted(set(b.values) | ctx.field_columns | set(ctx.master_columns.values()), key=str.lower)
        for column in [*columns, "geometry"]:
            if column == "geometry":
                bv, fv, mv = b.wkb, f.wkb, m.wkb
                field_changed, master_changed = not same_geometry(fv, bv), not same_geometry(mv, bv)
                alike = same_geometry(fv, mv)
            else:
                bv = b.values.get(column)
                fv = f.values.get(column) if column in ctx.field_columns else bv
                in_master = column.lower() in ctx.master_columns
                mv = m.values.get(ctx.master_columns.get(column.lower(), column)) if in_master else bv
                field_changed, master_changed = not same_value(fv, bv), not same_value(mv, bv)
                alike = same_value(fv, mv)
                if field_changed and not in_master:
                    self._skip(ctx.layer, ctx.master_uid, column, "column-missing-in-master",
                               tr("主库图层 {layer} 中没有字段 {field}：要素 {uid} 在外业中的修改未写入",
                                  "the master's layer {layer} has no field {field}: the package's change of feature "
                                  "{uid} was not written", layer=ctx.layer, field=column, uid=ctx.master_uid),
                               base=shown(bv), field_value=shown(fv), action="edit")
                    skipped = True
                    continue
            if not field_changed:
                continue
            entry = _entry(ctx.layer, ctx.master_uid, column, _value(column, b), _value(column, m), _value(column, f),
                           "edit")
            if not master_changed:
                self.report.applied.append(entry)
            elif alike:
                continue  # the same change on both sides
            else:
                choice = self._conflict(entry, GEOMETRY if column == "geometry" else FIELD, "edit", "edit")
                if choice is None:
                    open_conflicts = True
                    continue
                if choice == MASTER:
                    continue
                self.report.applied.append({**entry, "resolution": PACKAGE})
            if ctx.kind == "ledger" and column.lower() == "status" and not self._status_move(ctx, column, mv, fv):
                self.report.applied.pop()  # (the entry just added: the move is listed as skipped instead)
                skipped = True
                continue
            if column == "geometry":
                geometry, new_geometry = (shapely.from_wkb(fv) if fv is not None else None), True
            else:
                changes[ctx.master_columns[column.lower()]] = fv
        if changes:
            edits.append(FeatureEdit("attributes", ctx.master_uid, ctx.version, changes))
        if new_geometry:
            edits.append(FeatureEdit("geometry", ctx.master_uid, None if changes else ctx.version,
                                     geometry=ctx.fit(geometry)))
        if not open_conflicts and not skipped and not f.same(b, ctx.field_compared()):
            self.settle.append((ctx.layer, ctx.key, ctx.master_uid, f))

    def _status_move(self, ctx: "_FeatureContext", column: str, old, new) -> bool:
        """Whether a case's status may go from `old` (the master's) to `new` (the package's) in the
        master: recorded by the package's history, or one legal step (its event is then added)."""
        if same_value(old, ctx.b.values.get(column)) and _reaches(self.field_moves.get(ctx.key, []), old, new):
            return True
        if isinstance(old, str) and new in TRANSITIONS.get(old, ()):
            self.status_events.setdefault(ctx.layer, []).append((ctx.master_uid, old, new))
            self.report.applied.append(_entry(ctx.layer, ctx.master_uid, "history", None, None,
                                              {"case_uid": ctx.master_uid, "from_status": old, "to_status": new,
                                               "note": self._status_note()}, "history"))
            return True
        allowed = "、".join(TRANSITIONS.get(old, ())) if isinstance(old, str) else ""
        self._skip(ctx.layer, ctx.master_uid, column, "status-not-allowed",
                   tr("案件 {uid}（图层 {layer}）在外业包中的状态「{new}」不能从「{old}」一步到达（可改为：{allowed}），也没有"
                      "其案件历史：未写入，请在 gisdesk 中按流程办理",
                      "case {uid} (layer {layer}): its status '{new}' in the package cannot follow '{old}' in one step "
                      "(allowed: {allowed}) and the package has no history of it: not written; move the case on in "
                      "gisdesk along its workflow", uid=ctx.master_uid, layer=ctx.layer, new=new, old=old,
                      allowed=allowed or "—"),
                   base=shown(ctx.b.values.get(column)), master=shown(old), field_value=shown(new), action="edit")
        return False

    def _status_note(self) -> str:
        return tr("由外业包 {id} 合并（状态在其他软件中修改）", "merged from the field package {id} (status changed in "
                  "another tool)", id=self.package_id)

    # --- attachments ------------------------------------------------------------------------

    def _compare_attachments(self, pdb, mdb, base_rows: dict[str, Feature]) -> None:
        settled = self.settled.get(ATTACHMENT_LAYER, {})
        base = {k: s.feature.values if s.feature else None for k, s in settled.items()}
        base.update({k: f.values for k, f in base_rows.items() if k not in settled})
        field_rows = _attachment_rows(pdb)
        master_rows = _attachment_rows(mdb)
        for attachment_id in dict.fromkeys([*base, *field_rows]):
            b, f = self._mapped(base.get(attachment_id)), self._mapped(field_rows.get(attachment_id))
            m = master_rows.get(attachment_id)
            if b is None and f is None:
                continue
            owner = f or b
            layer, uid, column = owner["layer"], owner["uid"], ATTACHMENT_FIELD + attachment_id
            entry = _entry(layer, uid, column, _descriptor(b), _descriptor(m), _descriptor(f), "attachment",
                           attachment_id=attachment_id)
            if b is None:
                if m is not None:
                    if not _same_record(f, m):
                        self._attachment_conflict(entry, FIELD, "add", "add", f, pdb)
                    continue
                self._attachment_write(entry, "add", f, pdb)
            elif f is None:
                if m is None:
                    continue
                if _same_record(m, b):
                    self.attachment_ops.append(("remove", m, None))
                    self.report.applied.append({**entry, "action": "attachment-remove"})
                    self.settle.append((ATTACHMENT_LAYER, attachment_id, attachment_id, None))
                else:
                    self._attachment_conflict(entry, DELETE_EDIT, "delete", "edit", None, pdb)
            elif _same_record(f, b):
                continue  # unchanged in the package: the master's own change (or removal) stands
            elif m is None:
                self._attachment_conflict(entry, EDIT_DELETE, "edit", "delete", f, pdb)
            elif _same_record(m, b):
                self._attachment_write(entry, "change", f, pdb)
            elif not _same_record(m, f):
                self._attachment_conflict(entry, FIELD, "edit", "edit", f, pdb)

    def _mapped(self, record: dict | None) -> dict | None:
        """An attachment row of the package with its feature under the master's uid."""
        if record is None:
            return None
        return {**record, "uid": self.uid_maps.get(record["layer"], {}).get(record["uid"], record["uid"])}

    def _attachment_write(self, entry: dict, op: str, record: dict, pdb) -> None:
        data = _attachment_data(pdb, record["attachment_id"])
        if data is None or attachment_store.sha256_hex(data) != record.get("sha256"):
            self._skip(entry["layer"], entry["uid"], entry["field"], "sha256-mismatch",
                       tr("附件 {name}（{id}）的内容与其 sha256 不符（被改动或损坏），未带入主库",
                          "the attachment {name} ({id}) does not match its sha256 (changed or damaged): not carried "
                          "into the master", name=record.get("name"), id=record["attachment_id"]),
                       base=entry["base"], master=entry["master"], field_value=entry["field_value"], action="attachment")
            return
        if record["uid"] not in self.master_uids_after.get(record["layer"], set()):
            self._skip(entry["layer"], entry["uid"], entry["field"], "feature-not-in-master",
                       tr("附件 {name} 所属的要素 {uid}（图层 {layer}）不在主库中，未带入",
                          "the feature {uid} (layer {layer}) of the attachment {name} is not in the master: not carried",
                          name=record.get("name"), uid=record["uid"], layer=record["layer"]),
                       base=entry["base"], master=entry["master"], field_value=entry["field_value"], action="attachment")
            return
        self.attachment_ops.append((op, record, data))
        self.report.applied.append({**entry, "action": f"attachment-{op}"})
        self.settle.append((ATTACHMENT_LAYER, record["attachment_id"], record["attachment_id"], Feature(record, None)))

    def _attachment_conflict(self, entry, kind, field_action, master_action, record, pdb) -> None:
        choice = self._conflict({**entry, "action": "attachment"}, kind, field_action, master_action)
        if choice is None:
            return
        attachment_id = entry["attachment_id"]
        if choice == PACKAGE:
            if record is None:
                self.attachment_ops.append(("remove", {"attachment_id": attachment_id}, None))
                self.report.applied.append({**entry, "action": "attachment-remove", "resolution": PACKAGE})
            else:
                op = "change" if entry["master"] is not None else "add"
                before = len(self.report.applied)
                self._attachment_write(entry, op, record, pdb)
                if len(self.report.applied) > before:
                    self.report.applied[-1]["resolution"] = PACKAGE
                return
        self.settle.append((ATTACHMENT_LAYER, attachment_id, attachment_id,
                            Feature(record, None) if record is not None else None))

    # --- the ledger's history ---------------------------------------------------------------

    def _carry_history(self, pdb, mdb, infos) -> None:
        if not gpkg.has_table(pdb, HISTORY):
            return
        field_columns = [name for name, _ in gpkg.columns_of(pdb, HISTORY)]
        master_columns = {name for name, _ in gpkg.columns_of(mdb, HISTORY)} if gpkg.has_table(mdb, HISTORY) else set()
        columns = [c for c in field_columns if c != "event_id"]
        rows = pdb.execute(f"SELECT {', '.join(columns)} FROM {HISTORY} WHERE event_id > ? ORDER BY event_id",
                           (self.history_max,)).fetchall()
        if not rows:
            return
        ledgers = [layer for layer, info in infos.items() if info.kind == "ledger"]
        common = [c for c in columns if c in master_columns]
        have = set()
        if common:
            have = {tuple(r) for r in mdb.execute(f"SELECT {', '.join(common)} FROM {HISTORY}")}
        for row in rows:
            record = dict(zip(columns, row))
            case = record.get("case_uid")
            mapped = next((self.uid_maps[layer][case] for layer in ledgers if case in self.uid_maps.get(layer, {})),
                          case)
            record["case_uid"] = mapped
            layer = next((layer for layer in ledgers if mapped in self.master_uids_after.get(layer, set())),
                         ledgers[0] if ledgers else HISTORY)
            if tuple(record.get(c) for c in common) in have:
                continue
            have.add(tuple(record.get(c) for c in common))
            self.history_rows.append(record)
            self.report.applied.append(_entry(layer, mapped, "history", None, None, {k: shown(v) for k, v in record.items()},
                                              "history"))

    # --- writing ------------------------------------------------------------------------------

    def write(self, db, who: str) -> None:
        now = local_now()
        for layer, edits in self.edits.items():
            if edits:
                # deletes first: an add may take a uid a delete frees
                order = sorted(edits, key=lambda e: {"delete": 0, "add": 1}.get(e.action, 2))
                history = [(uid, now, who, old, new, self._status_note())
                           for uid, old, new in self.status_events.get(layer, [])]
                self.master.commit_edits(layer, order, who=who, history=history or None)
        if self.attachment_ops:
            attachment_store.ensure_schema(db)
            columns = [c for c in attachment_store.COLUMNS if c != "fid"]
            for op, record, data in self.attachment_ops:
                if op == "remove":
                    db.execute(f"DELETE FROM {ATTACHMENTS} WHERE attachment_id = ?", (record["attachment_id"],))
                    continue
                values = [record.get(c) for c in columns] + [data]
                if op == "change":
                    db.execute(f"UPDATE {ATTACHMENTS} SET {', '.join(f'{c} = ?' for c in columns)}, data = ? "
                               f"WHERE attachment_id = ?", (*values, record["attachment_id"]))
                else:
                    db.execute(f"INSERT INTO {ATTACHMENTS} ({', '.join(columns)}, data) "
                               f"VALUES ({', '.join('?' * (len(columns) + 1))})", values)
            gpkg.touch_contents(db, ATTACHMENTS)
        if self.history_rows:
            if any(k in self.history_rows[0] for k in attachment_store.CHAIN_COLUMNS):
                attachment_store.ensure_schema(db)  # the chain's columns, in a master that has none yet
            present = {name for name, _ in gpkg.columns_of(db, HISTORY)}
            for record in self.history_rows:
                names = [k for k in record if k in present]
                db.execute(f"INSERT INTO {HISTORY} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                           [record[k] for k in names])
        create_merged_tables(db)
        db.executemany(f'INSERT OR REPLACE INTO {MERGED} (package_id, layer, field_uid, master_uid, present, "values", '
                       f'geometry, merged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
                       [(self.package_id, layer, key, master_uid, int(f is not None),
                         values_json(f.values) if f is not None else None, f.wkb if f is not None else None, now)
                        for layer, key, master_uid, f in self.settle])
        report = self.report
        db.execute(f"INSERT INTO {MERGES} (package_id, package, merged_at, who, applied, conflicts, skipped, backup, "
                   f"report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (self.package_id, str(self.package_path), now, who, len(report.applied), len(report.conflicts),
                    len(report.skipped), report.backup,
                    json.dumps(report.as_json(), ensure_ascii=False, default=str)))


@dataclass
class _FeatureContext:
    layer: str
    key: str  # the package's uid ("fid:N" for a row without one)
    master_uid: str | None
    b: Feature | None
    f: Feature | None
    m: Feature | None
    version: int | None
    field_columns: set[str]
    master_columns: dict[str, str]  # lower → name
    multi: bool = False  # the master's layer holds MultiPolygons (a Polygon another tool wrote is made one)
    kind: str = ""  # the layer's kind ("ledger": its status moves along the workflow)

    def fit(self, geometry):
        if self.multi and geometry is not None and geometry.geom_type == "Polygon":
            return shapely.MultiPolygon([geometry]) if not geometry.is_empty else shapely.MultiPolygon()
        return geometry

    def common_columns(self) -> list[str]:
        return [c for c in self.field_columns if c.lower() in self.master_columns]

    def field_compared(self) -> list[str]:
        """The columns a package's change is looked for in: those it still has (one another tool
        dropped is not a change of every feature to NULL)."""
        return sorted(self.field_columns)

    def master_compared(self) -> list[str]:
        return sorted(self.master_columns.values())

    def addable_values(self) -> tuple[dict, list[str]]:
        """The package feature's values the master can take, and the (non-empty) columns it lacks."""
        values, dropped = {}, []
        for column, value in self.f.values.items():
            if column.lower() in self.master_columns:
                values[self.master_columns[column.lower()]] = value
            elif value is not None:
                dropped.append(column)
        return values, dropped


class _UidMaker:
    """New uids kind-NNNNNN, after the largest of that form in use (as the store numbers them)."""

    def __init__(self, kind: str, taken: set[str]):
        self.kind, self.taken = kind, set(taken)
        numbers = [int(m.group(1)) for u in taken if (m := re.fullmatch(rf"{re.escape(kind)}-(\d+)", str(u)))]
        self.n = max(numbers, default=0)

    def next(self) -> str:
        while True:
            self.n += 1
            uid = f"{self.kind}-{self.n:06d}"
            if uid not in self.taken:
                self.taken.add(uid)
                return uid


def _find_renumbered(field_features: dict[str, Feature], settled: dict[str, Settled], base: dict) -> dict[str, str]:
    """A row without a uid is known by its fid ("fid:N"), which a tool rewriting the layer renumbers
    (ogr2ogr -overwrite): one an earlier merge took whose fid is gone is found again by its values
    and geometry among the rows no merge took and the base does not hold (without a uid, or with
    one gisdesk gave it since, opening the package), and keyed as before (else it would be taken as
    deleted, and its master copy deleted, and added again). One changed as well is not found: it
    stays a delete and an add, both applied or listed, nothing lost. Returns old key → new key: the
    merge settles the feature under its new key (so an edit made after the rewrite is found too)."""
    gone = [k for k, s in settled.items() if k.startswith("fid:") and k not in field_features and s.feature is not None]
    free = [k for k in field_features if k not in base and (k not in settled or settled[k].feature is None)] \
        if gone else []
    found = {}
    for key in gone:
        match = next((k for k in free if field_features[k].same(settled[key].feature)), None)
        if match is not None:
            free.remove(match)
            field_features[key] = field_features.pop(match)
            found[key] = match
    return found


def _status_moves(db, history_max: int) -> dict[str, list[tuple]]:
    """case uid → its (from, to) status steps the package's history added since it was packed."""
    if not gpkg.has_table(db, HISTORY):
        return {}
    moves: dict[str, list[tuple]] = {}
    for case, old, new in db.execute(f"SELECT case_uid, from_status, to_status FROM {HISTORY} WHERE event_id > ? "
                                     f"ORDER BY event_id", (history_max,)):
        moves.setdefault(str(case), []).append((old, new))
    return moves


def _reaches(moves: list[tuple], old, new) -> bool:
    """Whether the steps, taken in order from `old`, lead to `new`."""
    at = old
    for step_from, step_to in moves:
        if step_from == at:
            at = step_to
    return at == new and at != old


def _attachment_rows(db) -> dict[str, dict]:
    if not gpkg.has_table(db, ATTACHMENTS):
        return {}
    columns = [name for name, _ in gpkg.columns_of(db, ATTACHMENTS) if name.lower() not in ("fid", "data")]
    return {row[columns.index("attachment_id")]: dict(zip(columns, row))
            for row in db.execute(f"SELECT {', '.join(columns)} FROM {ATTACHMENTS}")}


def _attachment_data(db, attachment_id: str) -> bytes | None:
    row = db.execute(f"SELECT data FROM {ATTACHMENTS} WHERE attachment_id = ?", (attachment_id,)).fetchone()
    return None if row is None or row[0] is None else bytes(row[0])


def _same_record(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return all(same_value(a.get(k), b.get(k)) for k in set(a) | set(b) if k not in ("fid", "data"))


def summary_lines(report: MergeReport, *, limit: int = 20) -> list[str]:
    """The merge told in words (the CLI prints them; the app shows them)."""
    lines = [tr("合并外业包 {package} → {master}{dry}", "merging the field package {package} into {master}{dry}",
                package=Path(report.package).name, master=Path(report.master).name,
                dry=tr("（试运行：未写入任何内容）", " (dry run: nothing written)") if report.dry_run else "")]
    lines.append(tr("  已应用 {a} 处修改，冲突 {c} 处（待人工处理，未自动解决），跳过 {s} 处",
                    "  {a} changes applied, {c} conflicts (left for a person to decide, none resolved silently), "
                    "{s} skipped", a=len(report.applied), c=len(report.conflicts), s=len(report.skipped)))
    if report.resolved:
        lines.append(tr("  按所选处理冲突 {n} 处", "  {n} conflicts settled as chosen", n=len(report.resolved)))
    if report.backup:
        lines.append(tr("  主库备份：{path}", "  backup of the master: {path}", path=report.backup))
    elif not report.dry_run:
        lines.append(tr("  主库已包含外业包的全部修改，未写入（无需备份）",
                        "  the master already holds every change of the package: nothing written (no backup needed)"))
    for entry in report.conflicts[:limit]:
        lines.append(tr("  冲突 [{type}] {layer}/{uid} {field}：基础 {base} | 主库 {master} | 外业 {value}",
                        "  conflict [{type}] {layer}/{uid} {field}: base {base} | master {master} | field {value}",
                        type=entry["type"], layer=entry["layer"], uid=entry["uid"], field=entry["field"] or "",
                        base=_short(entry["base"]), master=_short(entry["master"]), value=_short(entry["field_value"])))
    if len(report.conflicts) > limit:
        lines.append(tr("  …… 另有 {n} 处冲突（见报告）", "  ... {n} more conflicts (see the report)",
                        n=len(report.conflicts) - limit))
    for entry in report.skipped[:limit]:
        lines.append(tr("  跳过 {layer}/{uid}：{message}", "  skipped {layer}/{uid}: {message}", layer=entry["layer"],
                        uid=entry["uid"] or "", message=entry["message"]))
    return lines


def _short(value, width: int = 40) -> str:
    if value is None:
        return tr("（无）", "(none)")
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= width else text[:width - 1] + "…"

