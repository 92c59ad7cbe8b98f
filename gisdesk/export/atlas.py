"""Atlases: one page per conflict, per ledger case or per district, in one PDF (or numbered PNG/SVG files).

`gisdesk export PROJECT --layout NAME|--default --atlas conflicts|cases|districts --pdf OUT`.
Each page is a page layout (gisdesk.export.layout; --default: resources/layouts/atlas-a4-landscape.json)
drawn by the single-page code (export.pages.draw_page), with its map frame zoomed to the page's
feature and these boxes of the atlas's own:
- feature_table: the conflict's rule result (the line, 压线 / 退线不足, overlap area and depth or
  distance, requirement and shortfall, period 新增 / 既有, exemption, decision), the case's
  attributes (case number, status, 当事人 masked unless --with-personal-data, dates, areas, its
  conflicts), or the district's totals (per control line, and the ledger's cases by status);
- overview: the whole project, drawn once into one image that every page shows (the PDF holds it
  once), with the page's map frame and feature in red;
- before_after: the earliest and the latest dated base maps of the project side by side over the
  same ground, the feature outlined on both (a note when the project has no two dates);
- photos: the feature's photos (gisdesk.attachments, kind 'photo') as thumbnails.
Text items may use {feature}, {page}, {pages} and {atlas} besides the page's placeholders.

Which pages, in which order:
- conflicts: the last check's conflicts that count — exempt ones (a protected building in its
  purple line) are left out, as the totals leave them out — by district, then most severe first
  (encroachments by depth, then shortfalls; analysis.conflict_list);
- cases: every case of every ledger layer, by district, then case number; a case without a
  location still has its page (its table; the map says it has no location);
- districts: the values of the district field of the subject layers (buildings, ledger ...), sorted;
  the map fits the district's features.
A title page comes first, with the table of contents (page number, case or conflict, district); the
page numbers it gives are the PDF's (and the numbered files').

A conflict's or case's page is zoomed to its feature with a margin (a quarter of its size, at least
MIN_PAD_M) at the next round scale, never closer than 1:MIN_SCALE, so a 20 m² shed is not a blur of
pixels; a district's at the round scale that holds it. The feature is outlined in HIGHLIGHT_COLOR; a
conflict's overlap and setback marks are the map's (render.conflict_marks).

What is reused between pages: one PageData (layers, styles, masked labels, opened base maps), one
Scene of snapshots (the renderer's derived arrays are kept per data generation), one font, one
painter on one QPdfWriter, and the overview image. Every page is a step of the job
(feedback.set_progress), and a cancel leaves no file: the PDF is written to a temporary file and
renamed at the end; PNG and SVG pages go to temporary files renamed only when all are done.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPen

from gisdesk.errors import Cancelled, GisdeskError, InputError
from gisdesk.export import layout as lay
from gisdesk.export import pages
from gisdesk.export.layout import Item, Layout
from gisdesk.export.pages import FRAME, GREY, INK, PageData, px
from gisdesk.i18n import tr
from gisdesk.jobs import Feedback
from gisdesk.layers.data import rings_of
from gisdesk.layers.kinds import KINDS, SUBJECT_KINDS
from gisdesk.layers.names import field_header, kind_name, value_name
from gisdesk.render.conflict_marks import ConflictMarks
from gisdesk.render.context import RenderContext
from gisdesk.render.paths import path_from_arrays
from gisdesk.render.raster import raster_image
from gisdesk.render.renderer import render
from gisdesk.render.snapshot import HIGHLIGHT_COLOR, Scene
from gisdesk.render.view import MapView

ATLASES = ("conflicts", "cases", "districts")
ATLAS_NAMES = {"conflicts": ("冲突图集", "conflict atlas"), "cases": ("违法建设案件图集", "case atlas"),
               "districts": ("分区图集", "district atlas")}
DEFAULT_TEMPLATE = "atlas-a4-landscape"
MIN_SCALE = 500.0  # a feature's page is drawn at 1:500 or smaller
MIN_PAD_M = 15.0  # ground left around a feature at least (m)
PAD_SHARE = 0.25  # ... or this share of its size
OUTLINE_MM = 0.6  # the feature's outline on the maps
OVERVIEW_COLOR = "#d7191c"
NUMBER_DIGITS = 3  # OUT_001.png: at least this many digits
OVERSAMPLE = 1.5  # a base map is read at most this many times finer than its file's own pixels
MIN_IMAGE_DPI = 96.0  # ... but never coarser than this on the page


# --- the pages -----------------------------------------------------------------------------

@dataclass
class AtlasEntry:
    """One page of the atlas: what it shows and where."""
    key: str  # the TOC's 编号: the case number, the conflict's number, the district
    title: str  # {feature}: the page's heading
    summary: str  # the TOC's line
    district: str
    rows: list[tuple[str, str]]  # the feature table
    table_title: str = ""
    geometry: object = None  # the feature outlined (None: none, or no location)
    extent: tuple[float, float, float, float] | None = None  # what the map frame fits (None: no location)
    marks: object = None  # ConflictMarks, or the arguments of analysis.conflict_view.conflict_geometry
    photos: list[tuple[str, bytes]] = field(default_factory=list)
    fitted: bool = False  # a district: fitted at its round scale, no minimum
    layer_id: str = ""
    uid: str = ""


def _texts(values) -> list[str]:
    series = pd.Series(list(values), dtype=object)
    text = series.where(series.notna(), "").astype(str).str.strip()
    return text.mask(text.isin(("nan", "None", "<NA>", "NaT")), "").tolist()


def _text(value) -> str:
    """One value as text: '' for a missing one."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    text = str(value).strip()
    return "" if text in ("nan", "None", "<NA>", "NaT") else text


def _num(value, decimals: int = 1) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if not np.isfinite(number):
        return ""
    return f"{number:,.{decimals}f}"


def _bounds(geom) -> tuple[float, float, float, float] | None:
    if geom is None or shapely.is_empty(geom):
        return None
    return tuple(float(v) for v in shapely.bounds(geom))


def _padded(extent, pad_m: float | None = None):
    xmin, ymin, xmax, ymax = extent
    pad = pad_m if pad_m is not None else max(MIN_PAD_M, PAD_SHARE * max(xmax - xmin, ymax - ymin))
    return xmin - pad, ymin - pad, xmax + pad, ymax + pad


def _union(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _layer_titles(project) -> dict[str, str]:
    return {info.id: info.title if info.title != KINDS[info.kind].name_zh else kind_name(info.kind)
            for info in project.layers() if info.kind in KINDS}


class _Frames:
    """The page data's layers by id, their uid → row, and control zones made once."""

    def __init__(self, page: PageData):
        self.layers = {layer.id: layer for layer in page.layers}
        self._rows: dict[str, dict[str, int]] = {}
        self._zones: dict[str, np.ndarray] = {}
        self._geoms: dict[str, np.ndarray] = {}
        self._values: dict[tuple[str, str], list[str]] = {}

    def row(self, layer_id: str, uid: str) -> int | None:
        layer = self.layers.get(layer_id)
        if layer is None:
            return None
        if layer_id not in self._rows:
            uids = _texts(layer.frame["uid"]) if "uid" in layer.frame.columns else []
            self._rows[layer_id] = {u: i for i, u in enumerate(uids)}
        return self._rows[layer_id].get(str(uid))

    def geometry(self, layer_id: str, uid: str):
        row = self.row(layer_id, uid)
        if row is None:
            return None
        if layer_id not in self._geoms:
            self._geoms[layer_id] = np.asarray(self.layers[layer_id].frame.geometry.values, dtype=object)
        geom = self._geoms[layer_id][row]
        return None if geom is None or geom.is_empty else geom

    def zone(self, layer_id: str, uid: str):
        from gisdesk.layers.zones import control_zones

        row = self.row(layer_id, uid)
        if row is None:
            return None
        if layer_id not in self._zones:
            layer = self.layers[layer_id]
            try:
                self._zones[layer_id], _ = control_zones(layer.frame, layer.kind)
            except GisdeskError:  # a line without a width: the check found no conflict with it either
                self._zones[layer_id] = np.full(len(layer.frame), None, dtype=object)
        zone = self._zones[layer_id][row]
        return None if zone is None or shapely.is_empty(zone) else zone

    def value(self, layer_id: str, uid: str, column: str) -> str:
        row = self.row(layer_id, uid)
        layer = self.layers.get(layer_id)
        if row is None or layer is None or column not in layer.frame.columns:
            return ""
        if (layer_id, column) not in self._values:
            self._values[layer_id, column] = _texts(layer.frame[column])
        return self._values[layer_id, column][row]


def _masker(page: PageData, with_personal_data: bool):
    """A Masker that knows every ledger's personal values (None when personal data is kept)."""
    if with_personal_data:
        return None
    from gisdesk.layers.personal import Masker

    masker = Masker()
    for layer in page.layers:
        if layer.kind == "ledger":
            masker.add(pd.DataFrame(layer.frame.drop(columns=layer.frame.geometry.name)), "ledger")
    return masker


def conflict_entries(project, page: PageData, *, with_personal_data: bool = False,
                     masked: list[str] | None = None) -> list[AtlasEntry]:
    """A page per conflict of the last check that counts (exempt ones left out), by district, then by severity."""
    from gisdesk.analysis.conflict_view import load_conflict_list
    from gisdesk.export.xlsx import CONFLICT_HEADERS, DECISION_NAMES, PERIOD_NAMES, RELATION_NAMES

    if not project.last_run():
        raise InputError("项目 {path} 还没有运行过冲突检查（gisdesk check），无法出冲突图集",
                         "the project {path} has no conflict check yet (gisdesk check): there is no conflict atlas",
                         path=project.path.name)
    frame = load_conflict_list(project)
    if "exemption" in frame:
        frame = frame[np.array([not v for v in _texts(frame["exemption"])], dtype=bool)]
    districts = _texts(frame["district"])
    order = np.argsort(np.array([d or "\uffff" for d in districts], dtype=object), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    masker = _masker(page, with_personal_data)
    if masker is not None:
        frame, columns = masker.mask(frame, None, name="conflicts")
        if masked is not None:
            masked += [tr(*CONFLICT_HEADERS[c]) if c in CONFLICT_HEADERS else str(c) for c in columns
                       if c in frame.columns]
    frames = _Frames(page)
    titles = _layer_titles(project)
    header = {c: tr(*CONFLICT_HEADERS[c]) for c in CONFLICT_HEADERS}
    out = []
    texts = {c: _texts(frame[c]) for c in frame.columns}
    for number, row in enumerate(frame.to_dict("records"), start=1):
        text = {c: texts[c][number - 1] for c in frame.columns}
        subject_table = text.get("subject_table") or text["subject_layer"]
        control_table = text.get("control_table") or text["control_kind"]
        relation = tr(*RELATION_NAMES.get(text["relation"], (text["relation"], text["relation"])))
        line = kind_name(text["control_kind"])
        line_name = frames.value(control_table, text["control_id"], "name")
        subject = f"{titles.get(subject_table, subject_table)} {text['subject_id']}"
        name = text.get("subject_name", "")
        rows = [(tr("序号", "No."), f"{number}"),
                (header["subject_table"], subject),
                (header["subject_name"], name if name != text["subject_id"] else "")]
        place = "　".join(v for v in (text.get("district", ""), text.get("street", "")) if v)
        rows.append((tr("区／街道", "District / street"), place))
        if text.get("address") and text.get("address") != name:
            rows.append((header["address"], text["address"]))
        rows.append((header["control_kind"], f"{line} {line_name}".strip() + f"（{text['control_id']}）"))
        rows.append((header["relation"], relation))
        label = ""
        if text["relation"] == "encroach":
            rows += [(header["overlap_m2"], _num(row.get("overlap_m2"), 2)),
                     (header["depth_m"], _num(row.get("depth_m"), 2))]
            label = tr("压线 {a} m² · 深 {d} m", "overlap {a} m² · depth {d} m", a=_num(row.get("overlap_m2"), 1),
                       d=_num(row.get("depth_m"), 1))
        else:
            rows += [(header["distance_m"], _num(row.get("distance_m"), 2)),
                     (header["required_m"], _num(row.get("required_m"), 1)),
                     (header["shortfall_m"], _num(row.get("shortfall_m"), 2))]
            label = tr("距离 {d} m / 要求 {r} m", "distance {d} m / required {r} m", d=_num(row.get("distance_m"), 1),
                       r=_num(row.get("required_m"), 1))
        period = text.get("period", "")
        rows.append((header["period"], tr(*PERIOD_NAMES[period]) if period in PERIOD_NAMES else period))
        rows.append((header["exemption"], text.get("exemption") or tr("无", "none")))
        decision = text.get("decision", "")
        verdict = tr(*DECISION_NAMES.get(decision, (decision, decision)))
        if text.get("note"):
            verdict += tr("：", ": ") + text["note"]
        rows.append((header["decision"], verdict))
        geom = frames.geometry(subject_table, text["subject_id"])
        zone = frames.zone(control_table, text["control_id"])
        marks, extent = None, None
        if geom is not None:
            required = pd.to_numeric(pd.Series([row.get("required_m")]), errors="coerce").iloc[0]
            required = float(required) if pd.notna(required) else 0.0
            # the ground within the requirement of the building holds the zone's near part (it falls short)
            b = shapely.bounds(geom)
            extent = _padded(_bounds(geom), max(MIN_PAD_M, 1.2 * required, PAD_SHARE * max(b[2] - b[0], b[3] - b[1])))
            if zone is not None:
                marks = (geom, zone, text["relation"], required, label)  # made when the page is drawn
        title = f"{relation}：{subject}" + (f"（{name}）" if name and name != text["subject_id"] else "") + \
            f" — {line} {line_name}".rstrip()
        summary = f"{relation} {line} {line_name}".strip() + f"｜{subject}" + (f" {name}" if name and name !=
                                                                              text["subject_id"] else "")
        out.append(AtlasEntry(f"{number}", title, summary, text.get("district", ""), rows,
                              tr("冲突", "Conflict"), geom, extent, marks, layer_id=subject_table,
                              uid=text["subject_id"]))
    return out


CASE_FIELDS = ("case_no", "status", "party", "id_no", "phone", "address", "stock", "violation", "building_use",
               "structure", "illegal_area_m2", "floor_area_m2", "floors", "height_m", "started_on", "found_on",
               "source", "deadline", "closed_on", "demolished_m2", "unit", "notes")


def case_entries(project, page: PageData, *, with_personal_data: bool = False,
                 masked: list[str] | None = None) -> list[AtlasEntry]:
    """A page per case of every ledger layer, by district, then case number; each with its conflicts."""
    from gisdesk.layers.personal import masked_labels

    schema = KINDS["ledger"].schema
    masker = _masker(page, with_personal_data)
    conflicts = None
    if project.last_run():
        from gisdesk.analysis.totals import stored_conflicts

        conflicts = pd.DataFrame(stored_conflicts(project).drop(columns="overlap", errors="ignore"))
    frames = _Frames(page)
    out = []
    for info in project.layers_of("ledger"):
        layer = frames.layers.get(info.id)
        if layer is None:
            continue
        frame = layer.frame
        attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        if masker is not None:
            attributes, columns = masker.mask(attributes, "ledger", name=info.id)
            if masked is not None:
                masked += [m for m in masked_labels(columns, "ledger") if m not in masked]
        case_nos = _texts(attributes["case_no"] if "case_no" in attributes else attributes["uid"])
        districts = _texts(attributes["district"]) if "district" in attributes else [""] * len(attributes)
        order = sorted(range(len(attributes)), key=lambda i: (districts[i] or "\uffff", case_nos[i]))
        mine = conflicts[conflicts["subject_table"] == info.id] if conflicts is not None and \
            "subject_table" in conflicts else None
        texts = {c: _texts(attributes[c]) for c in attributes.columns}
        for i in order:
            values = {c: texts[c][i] for c in attributes.columns}
            uid = values.get("uid", case_nos[i])
            rows = []
            for name in CASE_FIELDS:
                if name not in attributes.columns or name not in schema.names:
                    continue
                f = schema[name]
                value = values[name]
                if value and f.type in ("enum", "codes") or name == "violation":
                    value = value_name(f, value) if value else ""
                if name.endswith("_m2") and value:
                    value = _num(value, 1)
                if name in ("party", "id_no", "phone") or value:
                    rows.append((field_header(f), value))
            place = "　".join(values.get(c, "") for c in ("district", "street", "community") if values.get(c))
            after = next((k + 1 for k, (key, _) in enumerate(rows) if key == field_header(schema["address"])),
                         min(2, len(rows))) if "address" in schema.names else min(2, len(rows))
            rows.insert(after, (tr("区／街道／社区", "District / street / community"), place))
            if mine is not None:
                case = mine[mine["subject_id"].astype(str) == uid]
                if "exemption" in case:
                    case = case[np.array([not v for v in _texts(case["exemption"])], dtype=bool)]
                for c in case.to_dict("records"):
                    line = kind_name(str(c["control_kind"]))
                    if c["relation"] == "encroach":
                        what = tr("压线 {a} m²", "encroaching {a} m²", a=_num(c.get("overlap_m2"), 1))
                    else:
                        what = tr("退线不足 {s} m", "setback short by {s} m", s=_num(c.get("shortfall_m"), 1))
                    rows.append((tr("冲突", "Conflict"), f"{line} {what}"))
            geom = frame.geometry.iloc[i]
            geom = None if geom is None or geom.is_empty else geom
            extent = _padded(_bounds(geom)) if geom is not None else None
            status = values.get("status", "")
            address = values.get("address", "")
            title = tr("案件 {no}", "Case {no}", no=case_nos[i]) + (f"　{address}" if address else "") + \
                (f"（{status}）" if status else "")
            summary = "　".join(v for v in (address, status) if v)
            out.append(AtlasEntry(case_nos[i], title, summary, districts[i], rows, tr("案件信息", "Case"), geom,
                                  extent, layer_id=info.id, uid=uid))
    return out


def district_entries(project, page: PageData, *, with_personal_data: bool = False,
                     masked: list[str] | None = None) -> list[AtlasEntry]:
    """A page per district (the district field of the subject layers): its extent, its totals."""
    from gisdesk.analysis.totals import ALL, project_totals, read_subjects, stored_conflicts

    extents: dict[str, tuple] = {}
    counts: dict[str, dict[str, int]] = {}
    status: dict[str, dict[str, int]] = {}
    titles = _layer_titles(project)
    for layer in page.layers:
        if layer.kind not in SUBJECT_KINDS or "district" not in layer.frame.columns:
            continue
        frame = layer.frame
        districts = np.array(_texts(frame["district"]), dtype=object)
        bounds = shapely.bounds(np.asarray(frame.geometry.values, dtype=object))
        for name in pd.unique(districts):
            if not name:
                continue
            mine = (districts == name) & np.isfinite(bounds[:, 0])
            counts.setdefault(name, {})[layer.id] = int((districts == name).sum())
            if mine.any():
                b = bounds[mine]
                extents[name] = _union(extents.get(name), (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(),
                                                           b[:, 3].max()))
            if layer.kind == "ledger" and "status" in frame.columns:
                for value, n in pd.Series(_texts(frame["status"]))[districts == name].value_counts().items():
                    mine_status = status.setdefault(name, {})
                    mine_status[value or "—"] = mine_status.get(value or "—", 0) + int(n)
    totals = None
    if project.last_run():
        totals = project_totals(project, read_subjects(project), stored_conflicts(project), by="district")
    out = []
    for name in sorted(extents, key=lambda d: d):
        rows = [(titles.get(layer_id, layer_id), tr("{n} 个", "{n}", n=f"{n:,}"))
                for layer_id, n in counts[name].items()]
        if totals is not None:
            for layer_id, part in totals[totals["group"] == name].groupby("subject_table", sort=False):
                for r in part.itertuples():
                    if r.control_kind == ALL:
                        line = tr("{layer}·全部控制线", "{layer} · all lines", layer=titles.get(layer_id, layer_id))
                    elif r.encroach_count or r.setback_count:
                        line = f"{titles.get(layer_id, layer_id)}·{kind_name(r.control_kind)}"
                    else:
                        continue
                    rows.append((line, tr("压线 {e} 处 {a} m²，退线不足 {s} 处", "{e} encroaching ({a} m²), {s} setback "
                                          "short", e=int(r.encroach_count), a=_num(r.overlap_m2, 0),
                                          s=int(r.setback_count))))
        if status.get(name):
            rows.append((tr("台账案件状态", "Cases by status"), tr("、", ", ").join(
                f"{k} {v}" for k, v in sorted(status[name].items(), key=lambda kv: -kv[1]))))
        summary = tr("、", ", ").join(f"{titles.get(k, k)} {v}" for k, v in counts[name].items())
        out.append(AtlasEntry(name, name, summary, name, rows, tr("分区统计", "District totals"),
                              None, _padded(extents[name], 0.0), fitted=True))
    return out


ENTRIES = {"conflicts": conflict_entries, "cases": case_entries, "districts": district_entries}


def attach_photos(project, entries: list[AtlasEntry], limit: int = 4) -> None:
    """The photos (gisdesk.attachments, images of kind 'photo' or 'evidence') of each entry's feature."""
    try:
        from gisdesk import attachments
    except ImportError:  # the attachment store is not part of this installation: no photos to draw
        return
    try:
        found = attachments.list_attachments(project)
    except GisdeskError:
        return
    by_feature: dict[tuple[str, str], list] = {}
    for a in found:
        if a.is_image and a.kind in ("photo", "evidence"):
            by_feature.setdefault((a.layer, a.uid), []).append(a)
    for entry in entries:
        for a in by_feature.get((entry.layer_id, entry.uid), [])[:limit]:
            try:
                entry.photos.append((a.name, attachments.read(project, a.attachment_id)))
            except GisdeskError as exc:  # a photo whose bytes fail their sha256: named, not drawn
                entry.photos.append((f"{a.name}: {exc}", b""))


# --- drawing -------------------------------------------------------------------------------

@dataclass
class _Shared:
    """What every page reuses: the base scene, the font, the overview image, the dated base maps."""
    page: PageData
    family: str
    dpi: float
    image_dpi: float
    atlas: str
    pages: int
    overview: dict = field(default_factory=dict)  # (w, h) → QImage
    dated: tuple = ()  # (earlier, later) RasterSnapshots, or ()


def _escaped(value: str) -> str:
    return value.replace("{", "{{").replace("}", "}}")


def page_layout(layout: Layout, entry: AtlasEntry, number: int, shared: _Shared) -> Layout:
    """The layout of one page: its map frame at the entry's centre and scale, its atlas placeholders filled."""
    values = {"feature": entry.title, "page": str(number), "pages": str(shared.pages),
              "atlas": tr(*ATLAS_NAMES[shared.atlas])}
    items = []
    for item in layout.items:
        if item.kind in lay.TEXT_KINDS:
            text = item.template()
            for key, value in values.items():
                text = text.replace("{" + key + "}", _escaped(value))
            item = replace(item, text=text)
        elif item.kind == lay.MAP and entry.extent is not None:
            item = replace(item, center=((entry.extent[0] + entry.extent[2]) / 2,
                                         (entry.extent[1] + entry.extent[3]) / 2), scale=map_scale(item, entry))
        items.append(item)
    return replace(layout, items=tuple(items))


def map_scale(item: Item, entry: AtlasEntry) -> float:
    """N of 1:N of the entry's map frame: the round scale holding its extent, at least MIN_SCALE for a feature."""
    dpi = 96.0  # the scale does not depend on the dpi the page is drawn at
    w, h = max(1, round(px(item.w, dpi))), max(1, round(px(item.h, dpi)))
    fitted = MapView.fit(entry.extent, w, h, margin=0.0).scale_denominator(dpi)
    scale = lay.nice_scale(fitted)
    return scale if entry.fitted else max(MIN_SCALE, scale)


def draw_atlas_page(painter: QPainter, layout: Layout, entry: AtlasEntry, number: int, shared: _Shared, *,
                    cancelled: Callable[[], bool] = lambda: False) -> pages.PageGeometry:
    """One page of the atlas onto `painter` (a device of the page's pixels at shared.dpi)."""
    this = page_layout(layout, entry, number, shared)
    own = [item for item in this.items if item.kind in (*lay.ATLAS_KINDS, lay.OVERVIEW)]
    base = replace(this, items=tuple(i for i in this.items if i.kind not in (*lay.ATLAS_KINDS, lay.OVERVIEW)))
    data = shared.page
    if entry.extent is None:  # no location: the map frame shows nothing of the project
        data = replace(data, _scene=replace(data.scene, layers=(), basemaps=(), marks=None))
    else:
        data = replace(data, _scene=replace(data.scene, marks=conflict_marks(entry)))
    dpi = shared.dpi
    image_dpi = shared.image_dpi
    map_item = this.map_item()
    if map_item is not None and entry.extent is not None:
        resolution = map_item.scale * 0.0254 / dpi  # metres a device pixel
        image_dpi = image_dpi_for(resolution, dpi, shared.image_dpi, data.scene.basemaps)
    geometry = pages.draw_page(painter, base, data, dpi, family=shared.family, image_dpi=image_dpi,
                               cancelled=cancelled)
    if map_item is not None:
        rect = _rect(map_item, dpi)
        if entry.extent is None:
            _note(painter, rect, tr("该案件没有位置（无图形），地图未画", "this case has no location (no geometry): no map"),
                  shared.family, 9, dpi)
        elif entry.geometry is not None and geometry.map_view is not None:
            painter.save()
            painter.translate(rect.topLeft())
            painter.setClipRect(QRectF(0, 0, geometry.map_view.width, geometry.map_view.height))
            _outline(painter, entry.geometry, geometry.map_view, px(OUTLINE_MM, dpi))
            painter.restore()
    for item in own:
        if cancelled():
            raise Cancelled()
        rect = _rect(item, dpi)
        painter.save()
        try:
            if item.kind == lay.FEATURE_TABLE:
                _draw_table(painter, rect, entry.table_title if item.title is None else item.title, entry.rows,
                            item.font_pt(), dpi, shared.family)
            elif item.kind == lay.OVERVIEW:
                _draw_overview(painter, rect, entry, geometry, shared)
            elif item.kind == lay.BEFORE_AFTER:
                _draw_before_after(painter, rect, item, entry, geometry, shared, cancelled)
            elif item.kind == lay.PHOTOS:
                _draw_photos(painter, rect, item, entry, shared)
        finally:
            painter.restore()
    return geometry


def conflict_marks(entry: AtlasEntry) -> ConflictMarks | None:
    """The entry's conflict drawn over the map: its overlap, setback line and distance (render.conflict_marks)."""
    if entry.marks is None or isinstance(entry.marks, ConflictMarks):
        return entry.marks
    from gisdesk.analysis.conflict_view import conflict_geometry

    geom, zone, relation, required, label = entry.marks
    found = conflict_geometry(geom, zone, relation, required, label=label)
    return ConflictMarks(found.overlap, found.setback_line, found.shortest, found.label, found.anchor)


def _rect(item: Item, dpi: float) -> QRectF:
    return QRectF(px(item.x, dpi), px(item.y, dpi), px(item.w, dpi), px(item.h, dpi))


def _note(painter: QPainter, rect: QRectF, text: str, family: str, size_pt: float, dpi: float) -> None:
    painter.save()
    painter.setPen(QColor(GREY))
    painter.setFont(pages._font(family, size_pt, dpi))
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap), text)
    painter.restore()


def _outline(painter: QPainter, geom, view: MapView, width: float, color: str = HIGHLIGHT_COLOR) -> None:
    """The feature's outline (a ring round a point) in `color` over a map of `view`."""
    painter.setBrush(Qt.BrushStyle.NoBrush)
    halo = QPen(QColor(255, 255, 255, 200), width * 2.2)
    pen = QPen(QColor(color), width)
    kind = shapely.get_type_id(geom)
    if kind in (0, 4):  # points
        xy = shapely.get_coordinates(geom)
        x, y = view.to_pixels(xy[:, 0], xy[:, 1])
        for p in (halo, pen):
            painter.setPen(p)
            for a, b in zip(x, y):
                painter.drawEllipse(QPointF(float(a), float(b)), width * 6, width * 6)
        return
    rings = rings_of(np.array([geom], dtype=object), polygons=kind in (3, 6))
    if not len(rings.coords):
        return
    x, y = view.to_pixels(rings.coords[:, 0], rings.coords[:, 1])
    path = path_from_arrays(x, y, rings.starts)
    for p in (halo, pen):
        p.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(p)
        painter.drawPath(path)


def _draw_table(painter: QPainter, rect: QRectF, title: str, rows: list[tuple[str, str]], size_pt: float,
                dpi: float, family: str) -> None:
    """The feature's table: a title, then a name column and a value column (values wrap), smaller
    until it fits the box (to 60 % of its size; what does not fit then is cut off at the box)."""
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter) | int(Qt.TextFlag.TextWordWrap)
    size = size_pt
    for _ in range(8):
        font, bold = pages._font(family, size, dpi), pages._font(family, size, dpi, True)
        metrics, bold_metrics = QFontMetricsF(font), QFontMetricsF(bold)
        pad = metrics.height() * 0.35
        key_w = min(rect.width() * 0.42, max([bold_metrics.horizontalAdvance(k) for k, _ in rows] + [0]) + 2 * pad)
        value_w = rect.width() - key_w
        heights = []
        for key, value in rows:
            h_key = bold_metrics.boundingRect(QRectF(0, 0, key_w - 2 * pad, 1e6), flags, key).height()
            h_value = metrics.boundingRect(QRectF(0, 0, value_w - 2 * pad, 1e6), flags, value or "—").height()
            heights.append(max(h_key, h_value, metrics.height()) + pad)
        title_h = metrics.height() * 1.5
        if title_h + sum(heights) <= rect.height() or size <= size_pt * 0.6:
            break
        size *= 0.92
    painter.setClipRect(rect)
    painter.setPen(QColor(INK))
    painter.setFont(pages._font(family, size * 1.1, dpi, True))
    painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), title_h),
                     int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title)
    y = rect.top() + title_h
    thin, strong = QPen(QColor("#9a9a9a"), px(0.15, dpi)), QPen(QColor(INK), px(0.35, dpi))
    painter.setPen(strong)
    painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
    for (key, value), h in zip(rows, heights):
        painter.fillRect(QRectF(rect.left(), y, key_w, h), QColor("#f0f0f0"))
        painter.setPen(QColor(INK))
        painter.setFont(bold)
        painter.drawText(QRectF(rect.left() + pad, y, key_w - 2 * pad, h), flags, key)
        painter.setFont(font)
        painter.setPen(QColor(INK if value else GREY))
        painter.drawText(QRectF(rect.left() + key_w + pad, y, value_w - 2 * pad, h), flags, value or "—")
        y += h
        painter.setPen(thin)
        painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
    painter.setPen(strong)
    painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))


def _overview_view(shared: _Shared, w: int, h: int) -> MapView:
    extent = shared.page.extent() or (0.0, 0.0, 1000.0, 1000.0)
    return MapView.fit(extent, w, h, margin=0.04)


def overview_image(shared: _Shared, w_mm: float, h_mm: float) -> QImage:
    """The whole project small — its control lines over the base map, no labels — drawn once at the
    image dpi for every page (one image object: the PDF embeds it once)."""
    key = (round(w_mm, 2), round(h_mm, 2))
    if key not in shared.overview:
        dpi = shared.image_dpi
        w, h = max(1, round(px(w_mm, dpi))), max(1, round(px(h_mm, dpi)))
        view = _overview_view(shared, w, h)
        layers = [layer for layer in shared.page.layers if layer.info.is_control]
        scene = Scene(tuple(pages._without_labels(s) for s in Scene.of(layers).layers),
                      basemaps=shared.page.scene.basemaps)
        image = QImage(w, h, QImage.Format.Format_RGB32)
        image.fill(QColor("#ffffff"))
        painter = QPainter(image)
        try:
            render(painter, scene, RenderContext.for_print(view, dpi, font_family=shared.family))
        finally:
            painter.end()
        shared.overview[key] = image
    return shared.overview[key]


def _draw_overview(painter: QPainter, rect: QRectF, entry: AtlasEntry, geometry: pages.PageGeometry,
                   shared: _Shared) -> None:
    dpi = shared.dpi
    w_mm, h_mm = rect.width() * 25.4 / dpi, rect.height() * 25.4 / dpi
    image = overview_image(shared, w_mm, h_mm)
    painter.drawImage(rect, image)
    view = _overview_view(shared, round(rect.width()), round(rect.height()))
    painter.translate(rect.topLeft())
    painter.setClipRect(QRectF(0, 0, rect.width(), rect.height()))
    if geometry.map_view is not None and entry.extent is not None:
        x0, y0, x1, y1 = geometry.map_view.extent
        (ax, bx), (ay, by) = view.to_pixels(np.array([x0, x1]), np.array([y1, y0]))
        painter.setPen(QPen(QColor(OVERVIEW_COLOR), px(0.5, dpi)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        box = QRectF(QPointF(ax, ay), QPointF(bx, by))
        painter.drawRect(box)
        if box.width() < px(3, dpi):  # a frame too small to see: a red dot where it is
            painter.setBrush(QColor(OVERVIEW_COLOR))
            painter.drawEllipse(box.center(), px(1.0, dpi), px(1.0, dpi))
    painter.setClipping(False)
    painter.setPen(QPen(QColor(FRAME), px(0.3, dpi)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(0, 0, rect.width(), rect.height()))


def dated_basemaps(page: PageData) -> tuple:
    """(earlier, later): the project's readable base maps of the earliest and the latest date, () without two dates."""
    snapshots = [s for s in Scene.of([], basemaps=page.basemaps).basemaps if s.source is not None and s.date]
    if len({s.date for s in snapshots}) < 2:
        return ()
    snapshots.sort(key=lambda s: str(s.date))
    return snapshots[0], snapshots[-1]


def before_after_frames(rect: QRectF, dpi: float, label_h: float) -> tuple[QRectF, QRectF]:
    """The two map frames of a before_after box (device pixels): side by side, under their labels."""
    gap = px(2.0, dpi)
    w = (rect.width() - gap) / 2
    top = rect.top() + label_h
    h = rect.height() - label_h
    return QRectF(rect.left(), top, w, h), QRectF(rect.left() + w + gap, top, w, h)


def before_after_view(frame: QRectF, entry: AtlasEntry, dpi: float) -> MapView:
    """The ground a before/after frame shows: the entry's extent fitted (device pixels)."""
    return MapView.fit(entry.extent, max(1, round(frame.width())), max(1, round(frame.height())), margin=0.02)


def native_ground_m(snapshot) -> float | None:
    """About how many metres of ground one pixel of the base map's file covers at its finest (MBTiles:
    its deepest zoom at the file's latitude; GeoTIFF: its pixel size when in metres); None: unknown."""
    source = getattr(snapshot, "source", None)
    if source is None:
        return None
    if hasattr(source, "maxzoom") and hasattr(source, "tile_size") and hasattr(source, "lonlat_bounds"):
        import math

        from gisdesk.io.mbtiles import zoom_resolution

        lat = (source.lonlat_bounds[1] + source.lonlat_bounds[3]) / 2
        return zoom_resolution(source.maxzoom, source.tile_size) * math.cos(math.radians(lat))
    resolution = getattr(source, "resolution", None)
    crs = getattr(source, "crs", None)
    if resolution and crs is not None and getattr(crs, "is_projected", False):
        return float(min(resolution))
    return None


def image_dpi_for(view_resolution_m: float, dpi: float, image_dpi: float, snapshots) -> float:
    """The dpi to read base maps at for a map of `view_resolution_m` metres per pixel at `dpi`: `image_dpi`,
    or less where that would only enlarge the file's pixels (more than OVERSAMPLE times): a 1:1000 map
    at 200 dpi asks 0.13 m a pixel of a 0.5 m image, megabytes a page of nothing new."""
    natives = [n for n in (native_ground_m(s) for s in snapshots) if n]
    if not natives:
        return image_dpi
    ground_per_inch = view_resolution_m * dpi  # metres of ground per inch of the page
    useful = ground_per_inch * OVERSAMPLE / min(natives)
    return max(min(image_dpi, useful), min(MIN_IMAGE_DPI, image_dpi))


def _draw_before_after(painter: QPainter, rect: QRectF, item: Item, entry: AtlasEntry, geometry, shared: _Shared,
                       cancelled) -> None:
    dpi = shared.dpi
    font = pages._font(shared.family, item.font_pt(), dpi)
    label_h = QFontMetricsF(font).height() * 1.3
    if not shared.dated or entry.extent is None:
        _note(painter, rect, tr("无两期底图，未作前后对比", "no base maps of two dates: no before/after")
              if not shared.dated else tr("无位置", "no location"), shared.family, item.font_pt(), dpi)
        return
    for frame, snapshot in zip(before_after_frames(rect, dpi, label_h), shared.dated):
        view = before_after_view(frame, entry, dpi)
        factor = min(1.0, image_dpi_for(view.resolution, dpi, shared.image_dpi, (snapshot,)) / dpi)
        low = MapView(view.cx, view.cy, view.resolution / factor, max(1, round(view.width * factor)),
                      max(1, round(view.height * factor)))
        image = raster_image(snapshot, RenderContext.for_print(low, shared.image_dpi, font_family=shared.family),
                             cancelled=cancelled)
        painter.save()
        painter.setPen(QColor(INK))
        painter.setFont(font)
        painter.drawText(QRectF(frame.left(), rect.top(), frame.width(), label_h),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         f"{snapshot.date}　{snapshot.title}")
        painter.translate(frame.topLeft())
        painter.setClipRect(QRectF(0, 0, view.width, view.height))
        painter.fillRect(QRectF(0, 0, view.width, view.height), QColor("#fbfaf7"))
        if image is not None:
            painter.drawImage(QRectF(0, 0, view.width, view.height), image)
        if entry.geometry is not None:
            _outline(painter, entry.geometry, view, px(OUTLINE_MM * 0.7, dpi))
        painter.setClipping(False)
        painter.setPen(QPen(QColor(FRAME), px(0.3, dpi)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(0, 0, view.width, view.height))
        painter.restore()


def _draw_photos(painter: QPainter, rect: QRectF, item: Item, entry: AtlasEntry, shared: _Shared) -> None:
    dpi = shared.dpi
    if not entry.photos:
        _note(painter, rect, tr("无现场照片", "no photos"), shared.family, item.font_pt(), dpi)
        return
    n = len(entry.photos)
    cols = 1 if n == 1 else 2
    rows = (n + cols - 1) // cols
    gap = px(1.5, dpi)
    font = pages._font(shared.family, item.font_pt(), dpi)
    caption_h = QFontMetricsF(font).height() * 1.1
    cell_w = (rect.width() - gap * (cols - 1)) / cols
    cell_h = (rect.height() - gap * (rows - 1)) / rows
    painter.setFont(font)
    for k, (name, data) in enumerate(entry.photos):
        r, c = divmod(k, cols)
        cell = QRectF(rect.left() + c * (cell_w + gap), rect.top() + r * (cell_h + gap), cell_w, cell_h)
        box = QRectF(cell.left(), cell.top(), cell.width(), cell.height() - caption_h)
        image = QImage.fromData(data) if data else QImage()
        if image.isNull():
            _note(painter, box, tr("照片无法读取", "photo cannot be read"), shared.family, item.font_pt(), dpi)
        else:  # a thumbnail of at most the image dpi (a phone's 12 MP would be megabytes a page)
            limit = QSize(max(1, round(box.width() * shared.image_dpi / dpi)),
                          max(1, round(box.height() * shared.image_dpi / dpi)))
            if image.width() > limit.width() or image.height() > limit.height():
                image = image.scaled(limit, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
            scale = min(box.width() / image.width(), box.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            painter.drawImage(QRectF(box.left() + (box.width() - w) / 2, box.top() + (box.height() - h) / 2, w, h),
                              image)
        painter.setPen(QColor(GREY))
        metrics = QFontMetricsF(font)
        painter.drawText(QRectF(cell.left(), cell.bottom() - caption_h, cell.width(), caption_h),
                         int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
                         metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, cell.width()))


# --- the title page and contents -----------------------------------------------------------

TOC_PT = 8.0


def _toc_metrics(layout: Layout, dpi: float, family: str):
    w_mm, h_mm = layout.size_mm
    m = max(layout.margin_mm, 5.0) + 5.0
    font = pages._font(family, TOC_PT, dpi)
    row_h = QFontMetricsF(font).height() * 1.35
    body = QRectF(px(m, dpi), px(m + 26, dpi), px(w_mm - 2 * m, dpi), px(h_mm - 2 * m - 26, dpi))
    columns = 2 if w_mm > h_mm else 1
    per_column = max(1, int(body.height() // row_h) - 1)  # less the header row
    return body, row_h, columns, per_column


def toc_pages(layout: Layout, entries: int, dpi: float, family: str) -> int:
    """How many pages the title page and contents take for `entries` entries."""
    _, _, columns, per_column = _toc_metrics(layout, dpi, family)
    return max(1, -(-entries // (columns * per_column)))


def _blank_page(painter: QPainter, layout: Layout, dpi: float) -> None:
    """A white page with the layout's frame at its margin, antialiased."""
    w_mm, h_mm = layout.size_mm
    width, height = px(w_mm, dpi), px(h_mm, dpi)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.fillRect(QRectF(0, 0, width, height), QColor("#ffffff"))
    if layout.margin_mm > 0:
        m = px(layout.margin_mm, dpi)
        painter.setPen(QPen(QColor(FRAME), px(0.5, dpi)))
        painter.drawRect(QRectF(m, m, width - 2 * m, height - 2 * m))


def draw_toc_page(painter: QPainter, layout: Layout, entries: list[AtlasEntry], first: int, sheet: int,
                  shared: _Shared) -> None:
    """Title page `sheet` (0-based) of the contents: entries from their position `first`, the page numbers
    following the contents' pages."""
    dpi, family = shared.dpi, shared.family
    _blank_page(painter, layout, dpi)
    body, row_h, columns, per_column = _toc_metrics(layout, dpi, family)
    n_toc = shared.pages - len(entries)  # the contents and the legend page
    page = shared.page
    left = body.left()
    painter.setPen(QColor(INK))
    painter.setFont(pages._font(family, 18 if sheet == 0 else 12, dpi, True))
    heading = f"{page.name}　{tr(*ATLAS_NAMES[shared.atlas])}"
    painter.drawText(QRectF(left, body.top() - px(24, dpi), body.width(), px(11, dpi)),
                     int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), heading)
    painter.setFont(pages._font(family, 9, dpi))
    info = tr("目录　共 {n} 页（目录 {t} 页，图例 1 页，图 {e} 页）", "Contents: {n} pages ({t} of contents, 1 of "
              "legend, {e} maps)", n=n_toc + len(entries), t=n_toc - 1, e=len(entries))
    if page.organisation:
        info = f"{page.organisation}　{info}"
    painter.drawText(QRectF(left, body.top() - px(12, dpi), body.width(), px(7, dpi)),
                     int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), info)
    painter.setFont(pages._font(family, 8, dpi))
    painter.drawText(QRectF(left, body.top() - px(12, dpi), body.width(), px(7, dpi)),
                     int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                     tr("制图日期：{d}", "Made on {d}", d=layout.date or pages._today()) +
                     tr("　第 {p} 页", "  page {p}", p=sheet + 1))
    gap = px(6, dpi)
    col_w = (body.width() - gap * (columns - 1)) / columns
    font, bold = pages._font(family, TOC_PT, dpi), pages._font(family, TOC_PT, dpi, True)
    metrics = QFontMetricsF(font)
    key_name = {"conflicts": tr("序号", "No."), "cases": tr("案件编号", "Case no."),
                "districts": tr("区", "District")}[shared.atlas]
    headers = [tr("页码", "Page"), key_name, tr("内容", "Content"), tr("区", "District")]
    widths = [metrics.horizontalAdvance("0000") + px(3, dpi),
              max([metrics.horizontalAdvance(e.key) for e in entries] + [metrics.horizontalAdvance(key_name)])
              + px(3, dpi), 0.0, max([metrics.horizontalAdvance(e.district) for e in entries] + [
                  metrics.horizontalAdvance(headers[3])]) + px(3, dpi)]
    widths[3] = min(widths[3], col_w * 0.22)
    widths[1] = min(widths[1], col_w * 0.25)
    widths[2] = max(px(10, dpi), col_w - widths[0] - widths[1] - widths[3])
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    thin, strong = QPen(QColor("#b0b0b0"), px(0.15, dpi)), QPen(QColor(INK), px(0.35, dpi))
    index = first
    for column in range(columns):
        x0 = body.left() + column * (col_w + gap)
        y = body.top()
        if index >= len(entries):
            break
        painter.fillRect(QRectF(x0, y, col_w, row_h), QColor("#eeeeee"))
        painter.setFont(bold)
        painter.setPen(QColor(INK))
        x = x0
        for text, w in zip(headers, widths):
            painter.drawText(QRectF(x + px(1, dpi), y, w - px(2, dpi), row_h), flags, text)
            x += w
        y += row_h
        painter.setPen(strong)
        painter.drawLine(QPointF(x0, y), QPointF(x0 + col_w, y))
        painter.setFont(font)
        for _ in range(per_column):
            if index >= len(entries):
                break
            entry = entries[index]
            cells = [str(n_toc + index + 1), entry.key, entry.summary or entry.title, entry.district]
            x = x0
            painter.setPen(QColor(INK))
            for text, w in zip(cells, widths):
                painter.drawText(QRectF(x + px(1, dpi), y, w - px(2, dpi), row_h), flags,
                                 metrics.elidedText(text, Qt.TextElideMode.ElideRight, w - px(2, dpi)))
                x += w
            y += row_h
            painter.setPen(thin)
            painter.drawLine(QPointF(x0, y), QPointF(x0 + col_w, y))
            index += 1


def _front_header(painter: QPainter, layout: Layout, shared: _Shared, title: str, number: int) -> QRectF:
    """The white page with its frame and a heading; the body's box below it (device pixels)."""
    dpi, family = shared.dpi, shared.family
    _blank_page(painter, layout, dpi)
    body, _, _, _ = _toc_metrics(layout, dpi, family)
    painter.setPen(QColor(INK))
    painter.setFont(pages._font(family, 12, dpi, True))
    painter.drawText(QRectF(body.left(), body.top() - px(24, dpi), body.width(), px(11, dpi)),
                     int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                     f"{shared.page.name}　{tr(*ATLAS_NAMES[shared.atlas])}　{title}")
    painter.setFont(pages._font(family, 8, dpi))
    painter.drawText(QRectF(body.left(), body.top() - px(12, dpi), body.width(), px(7, dpi)),
                     int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                     tr("第 {p} 页", "page {p}", p=number))
    return body


def draw_legend_page(painter: QPainter, layout: Layout, shared: _Shared, number: int) -> None:
    """The legend of the map frames (render.legend, as the single pages draw it) and the key of what the
    atlas adds: the page's feature, a conflict's overlap, setback line and distance, the overview's frame."""
    from gisdesk.render.conflict_marks import DISTANCE_COLOR, SETBACK_LINE_COLOR, SHADE_ALPHA, SHADE_COLOR

    dpi, family = shared.dpi, shared.family
    body = _front_header(painter, layout, shared, tr("图例", "Legend"), number)
    left = QRectF(body.left(), body.top(), body.width() * 0.62, body.height())
    item = Item(lay.LEGEND, 0, 0, 1, 1, size_pt=9.0, title=tr("图例", "Legend"))
    painter.save()
    pages._draw_legend(painter, item, shared.page, left, dpi, family)
    painter.restore()
    x = body.left() + body.width() * 0.66
    y = body.top()
    font, bold = pages._font(family, 9, dpi), pages._font(family, 9.9, dpi, True)
    row = QFontMetricsF(font).height() * 2.0
    painter.setPen(QColor(INK))
    painter.setFont(bold)
    painter.drawText(QRectF(x, y, body.right() - x, row),
                     int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), tr("图集标记", "Atlas marks"))
    y += row
    swatch = QRectF(0, 0, px(10, dpi), px(5, dpi))
    shade = QColor(SHADE_COLOR)
    shade.setAlphaF(SHADE_ALPHA)
    keys = [
        ("outline", HIGHLIGHT_COLOR, tr("本页要素（轮廓）", "the page's feature (outlined)")),
        ("fill", shade, tr("压线部分（与控制区重叠）", "the overlap with the control zone")),
        ("dash", SETBACK_LINE_COLOR, tr("要求的退线位置", "where the setback requires the building to stay behind")),
        ("line", DISTANCE_COLOR, tr("与控制区的最近距离", "the shortest distance to the control zone")),
        ("outline", OVERVIEW_COLOR, tr("鹰眼图中本页地图范围", "the page's map frame on the overview")),
    ]
    painter.setFont(font)
    for kind, color, text in keys:
        box = swatch.translated(x, y + (row - swatch.height()) / 2)
        painter.save()
        if kind == "fill":
            painter.setPen(QPen(QColor(SHADE_COLOR), px(0.3, dpi)))
            painter.setBrush(color)
            painter.drawRect(box)
        elif kind == "outline":
            painter.setPen(QPen(QColor(color), px(0.6, dpi)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box)
        else:
            pen = QPen(QColor(color), px(0.5, dpi))
            if kind == "dash":
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(QPointF(box.left(), box.center().y()), QPointF(box.right(), box.center().y()))
        painter.restore()
        painter.setPen(QColor(INK))
        painter.drawText(QRectF(box.right() + px(3, dpi), y, body.right() - box.right() - px(3, dpi), row),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        y += row
    dated = tr("、", ", ").join(f"{s.date}（{s.title}）" for s in shared.dated) if shared.dated else tr(
        "无（项目中没有两期底图）", "none (the project has no base maps of two dates)")
    painter.setFont(font)
    painter.drawText(QRectF(x, y + row * 0.5, body.right() - x, row * 3),
                     int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap),
                     tr("前后对比：{d}", "before / after: {d}", d=dated))


# --- export --------------------------------------------------------------------------------

@dataclass
class AtlasResult:
    path: Path  # the PDF, or the first numbered file
    paths: list[Path]
    format: str
    atlas: str
    layout: str
    features: int  # pages of features
    toc: int  # pages of the title and contents, and the legend page
    dpi: float
    size_bytes: int
    seconds: float
    font: str
    page: str = ""
    warnings: list[str] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return self.features + self.toc


def numbered(out: Path, number: int, total: int) -> Path:
    """OUT_001.png, OUT_002.png ... (at least NUMBER_DIGITS digits, more when there are more pages)."""
    digits = max(NUMBER_DIGITS, len(str(total)))
    return out.with_name(f"{out.stem}_{number:0{digits}d}{out.suffix}")


def export_atlas(project_path, out, *, atlas: str, layout_name: str | None = None, fmt: str | None = None,
                 dpi: float | None = None, with_personal_data: bool = False, limit: int | None = None,
                 keys=None, contents: bool = True, feedback: Feedback | None = None) -> AtlasResult:
    """Write the atlas of `atlas` (conflicts, cases, districts) of the project into `out`: one PDF of
    all the pages, or one PNG or SVG file per page (OUT_001.png ...). `layout_name` None: the atlas
    template. `limit`: the first N pages of features only; `keys`: only the entries of these keys (case
    numbers, conflict numbers, districts); `contents` False: no title page. The files appear whole or not at all."""
    from gisdesk.export.basemap import ensure_gui
    from gisdesk.project import Project

    started = time.perf_counter()
    feedback = feedback or Feedback()
    out = Path(out)
    if atlas not in ATLASES:
        raise InputError("图集 {a} 不可用（conflicts 冲突、cases 案件、districts 分区）",
                         "no atlas {a} (conflicts, cases or districts)", a=atlas)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in pages.FORMATS:
        raise InputError("不支持的导出格式 {f}（可用 pdf、png、svg）", "unknown export format {f} (pdf, png or svg)", f=fmt)
    if limit is not None and limit < 1:
        raise InputError("--limit 须为正整数，而不是 {n}", "--limit must be a positive number, not {n}", n=limit)
    dpi = pages.checked_output(project_path, out, fmt, dpi)
    project = Project.open(project_path)
    layout = lay.find_layout(project, layout_name) if layout_name else lay.load_template(DEFAULT_TEMPLATE)
    ensure_gui()
    family, warning = pages.page_font()
    feedback.set_stage(tr("读取图层", "reading the layers"))
    page = pages.read_page_data(project, with_personal_data=with_personal_data)
    if warning:
        page.warnings.append(warning)
    masked = list(page.masked)
    entries = ENTRIES[atlas](project, page, with_personal_data=with_personal_data, masked=masked)
    if keys is not None:
        wanted = {str(k) for k in keys}
        entries = [e for e in entries if e.key in wanted]
    if limit is not None:
        entries = entries[:limit]
    if not entries:
        raise InputError("{atlas}没有页面：项目中没有{what}", "the {atlas} has no pages: the project has no {what}",
                         atlas=tr(*ATLAS_NAMES[atlas]), what={
                             "conflicts": tr("计入统计的冲突", "conflicts that count"),
                             "cases": tr("违法建设台账案件", "ledger cases"),
                             "districts": tr("填了“区”的要素", "features with a district")}[atlas])
    attach_photos(project, entries)
    feedback.set_stage(tr("绘制图集", "drawing the atlas"))
    writer_dpi = round(max(pages.PDF_DPI, dpi)) if fmt == "pdf" else round(dpi)
    n_toc = toc_pages(layout, len(entries), writer_dpi, family) + 1 if contents else 0  # and the legend page
    shared = _Shared(page, family, writer_dpi, dpi, atlas, n_toc + len(entries))
    shared.dated = dated_basemaps(page)
    total = n_toc + len(entries)
    cancelled = pages._cancelled(feedback)

    def steps():
        """(draw(painter), number) of each page in order."""
        for sheet in range(n_toc - 1 if n_toc else 0):
            first = sheet * _per_page(layout, writer_dpi, family)
            yield (lambda p, s=sheet, f=first: draw_toc_page(p, layout, entries, f, s, shared)), sheet + 1
        if n_toc:
            yield (lambda p: draw_legend_page(p, layout, shared, n_toc)), n_toc
        for k, entry in enumerate(entries):
            number = n_toc + k + 1
            yield (lambda p, e=entry, n=number: draw_atlas_page(p, layout, e, n, shared, cancelled=cancelled)), number

    if fmt == "pdf":
        partial = out.with_name(f".{out.name}.{os.getpid()}.part")
        try:
            _write_pdf(partial, layout, page, writer_dpi, steps(), total, feedback)
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        paths = [out]
    else:
        targets = [numbered(out, n, total) for n in range(1, total + 1)]
        partials = [t.with_name(f".{t.name}.{os.getpid()}.part") for t in targets]
        try:
            for (draw, number), partial in zip(steps(), partials):
                if fmt == "png":
                    pages.write_png(partial, layout, writer_dpi, draw)
                else:
                    pages.write_svg(partial, layout, writer_dpi, draw, page.name)
                feedback.set_progress(number / total)
            for partial, target in zip(partials, targets):
                os.replace(partial, target)
        except BaseException:
            for partial in partials:
                partial.unlink(missing_ok=True)
            raise
        paths = targets
    for basemap in page.basemaps:
        close = getattr(basemap, "close", None)
        if close is not None:
            close()
    return AtlasResult(paths[0], paths, fmt, atlas, layout.name, len(entries), n_toc, dpi,
                       sum(p.stat().st_size for p in paths), time.perf_counter() - started, family,
                       pages._page_label(layout), page.warnings, masked)


def _per_page(layout: Layout, dpi: float, family: str) -> int:
    _, _, columns, per_column = _toc_metrics(layout, dpi, family)
    return columns * per_column


def _write_pdf(path: Path, layout: Layout, page: PageData, resolution: int, steps, total: int, feedback) -> None:
    writer = pages.pdf_writer(path, layout, resolution, page.name)
    painter = QPainter()
    if not painter.begin(writer):
        raise InputError("无法写入 {out}", "cannot write {out}", out=path)
    try:
        for draw, number in steps:
            if number > 1:
                writer.newPage()
            painter.save()
            draw(painter)
            painter.restore()
            feedback.set_progress(number / total)
    finally:
        painter.end()
