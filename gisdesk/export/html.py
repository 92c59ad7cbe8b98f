"""The interactive HTML map (folium / Leaflet): one self-contained file that opens from a USB stick.

`export_html(project, out, layout_name=..., with_personal_data=..., feedback=...)` writes the
project's visible layers as the map draws them — the same fills, outlines, opacities and
per-category colours (the styles the renderer reads: layers.styles, render.style), control lines
as their zones (layers.zones, what the check tests against; the zones of a layer are drawn as
one filled area, so where two roads' zones overlap the colour is not doubled, as on the map) —
reprojected to EPSG:4326, with:
- popups holding each feature's attributes under their names (the schema's, with units:
  违建面积（m²）) and coded values by name (未批先建), as the attribute table shows them
  (gisdesk.layers.display); a link `PAGE.html#LAYER/UID` (conflicts: `#conflicts/N`, N by
  severity) opens the page on that feature's popup;
- labels placed by the renderer's rules (label field, colour, size, scale and area limits, largest
  first, top layers first, no overlaps), placed again at every move;
- a layer switcher (Leaflet's), the legend (the map's legend entries, render.legend), the conflicts
  of the last check (overlaps shaded as on the map, setback shortfalls as their shortest segment;
  the exempt ones in a group ticked off, as the app's list hides them), the annotations
  (gisdesk.annotations: text, arrows, callouts following their feature, rectangles, ellipses,
  freehand, sizes in mm and pt as on paper), the title, subtitle, date and organisation lines of
  the page layout, a metric scale bar;
- the project's MBTiles base maps for the extent, as data URIs, from their coarsest zoom down to
  the deepest that keeps all of them within BASEMAP_BUDGET bytes (Leaflet enlarges the deepest
  one beyond it); a GeoTIFF base map is not included (the page says so);
- personal data (当事人, 证件号, 电话, and their values quoted in notes) masked by the one policy
  (gisdesk.layers.personal) unless `with_personal_data`.

Self-contained: Leaflet's JS and CSS (resources/web/leaflet, vendored from npm) are inlined, the
CSS's images as data URIs, folium's CDN links left out (only Leaflet is used: no jQuery, Bootstrap
or icon fonts), no tile URL: the page makes no request to the network or to any other file. The
only http(s) strings left are inside Leaflet's code (the SVG namespace, its attribution link and
two bug-tracker links in comments), none of them loaded.

Coordinates are simplified by SIMPLIFY_M (in the project CRS) and rounded to COORD_DECIMALS
decimals of a degree (1e-6° ≈ 0.1 m), which keeps the demo's page small.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from gisdesk.errors import InputError, ProjectError
from gisdesk.i18n import tr
from gisdesk.jobs import Feedback
from gisdesk.layers.display import display_columns, display_value
from gisdesk.layers.kinds import kind_of
from gisdesk.layers.layer import Layer
from gisdesk.layers.names import kind_name
from gisdesk.layers.styles import PX96_MM, default_style, fit_label_field
from gisdesk.layers.zones import control_zones
from gisdesk.render import conflict_marks as cm
from gisdesk.render.legend import LINE, POINT, POLYGON_POINT, ZONE, LegendEntry, Symbol, legend_entries
from gisdesk.render.style import style_size

ARROW_HEAD_MM, CALLOUT_DOT_MM, CALLOUT_PAD_MM = 3.2, 0.9, 1.6  # render.annotations' sizes
WEB = Path(__file__).resolve().parent.parent.parent / "resources" / "web" / "leaflet"
COORD_DECIMALS = 6  # of a degree: 0.11 m of latitude, 0.09 m of longitude at Shanghai
SIMPLIFY_M = 0.05  # vertices closer than this to the line through their neighbours are dropped
LARGE_PAGE = 60_000_000  # bytes beyond which the export warns: a browser takes long to open such a page
BASEMAP_BUDGET = 8_000_000  # bytes of tiles (before base64) all base maps together may take
ENCROACH, SETBACK, EXEMPT = "encroach", "setback", "exempt"  # the conflict groups
BACKGROUND = "#f7f5f0"  # the canvas's (render.renderer.render_image)
OTHER_COLOR = "#999999"
BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
FONTS = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif"


@dataclass
class HtmlResult:
    path: Path
    size_bytes: int
    seconds: float
    layout: str
    features: dict[str, int] = field(default_factory=dict)  # layer title → features written
    conflicts: int = 0  # conflicts of the last check drawn
    annotations: int = 0
    basemap_tiles: int = 0
    basemaps: list[str] = field(default_factory=list)  # "title (date): zooms 13–16, n tiles"
    notes: list[str] = field(default_factory=list)  # what the page says about what it leaves out
    masked: list[str] = field(default_factory=list)  # "layer：field" masked
    warnings: list[str] = field(default_factory=list)


def px96(mm: float) -> float:
    """Pixels of a length in mm on the page (CSS pixels are 1/96 inch)."""
    return round(mm / PX96_MM, 2)


# --- geometry ------------------------------------------------------------------------------

class _ToLonLat:
    def __init__(self, crs):
        from pyproj import CRS, Transformer

        self.transformer = Transformer.from_crs(CRS.from_user_input(crs), CRS.from_epsg(4326), always_xy=True)

    def __call__(self, coords: np.ndarray) -> np.ndarray:
        lon, lat = self.transformer.transform(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([lon, lat]), COORD_DECIMALS)


def _lonlat(geoms: np.ndarray, to_lonlat: _ToLonLat) -> np.ndarray:
    geoms = shapely.simplify(np.asarray(geoms, dtype=object), SIMPLIFY_M, preserve_topology=True)
    return shapely.transform(geoms, to_lonlat)


def _geojson(geom) -> dict | None:
    if geom is None or shapely.is_empty(geom):
        return None
    return json.loads(shapely.to_geojson(geom))


# --- styles --------------------------------------------------------------------------------

def _feature_style(style: dict, color: str, opacity: float, geom_type: int) -> dict:
    """Leaflet's path options for one feature drawn as the renderer draws it (render.renderer)."""
    width = px96(style_size(style, "width_mm"))
    if geom_type in (0, 4):  # points: a dot with a white ring
        return {"radius": px96(style_size(style, "point_size_mm")) / 2, "color": "#ffffff",
                "weight": px96(PX96_MM), "opacity": opacity, "fillColor": color, "fillOpacity": opacity}
    if geom_type in (1, 2, 5):  # lines: 1.5 times the outline width, in the colour
        return {"color": color, "weight": round(width * 1.5, 2), "opacity": opacity, "fill": False,
                **({"dashArray": "6 4"} if style.get("dash") else {})}
    return {"color": style.get("stroke", color), "weight": width, "opacity": opacity, "fillColor": color,
            "fillOpacity": round(float(style.get("fill_alpha", 1.0)) * opacity, 4),
            **({"dashArray": "6 4"} if style.get("dash") else {})}


def _colors(layer: Layer) -> np.ndarray:
    """The fill colour of each feature: the category's, OTHER_COLOR for values without one, else the layer's."""
    style, frame = layer.style, layer.frame
    field_name, categories = style.get("category_field"), dict(style.get("categories") or {})
    if not field_name or not categories or field_name not in frame.columns:
        return np.full(len(frame), style.get("fill", "#888888"), dtype=object)
    values = frame[field_name].astype(object).where(frame[field_name].notna(), "").astype(str)
    return values.map(lambda v: categories.get(v, OTHER_COLOR)).to_numpy(dtype=object)


# --- swatches (render.legend.draw_swatch, as SVG) ------------------------------------------

def swatch_svg(symbol: Symbol, width: int = 16, height: int = 11) -> str:
    """One legend swatch as an inline SVG, drawn as render.legend.draw_swatch draws it."""
    e = html.escape
    body = ""
    if symbol.shape == POINT:
        r = min(width, height) / 2 - 0.5
        body = f'<circle cx="{width / 2}" cy="{height / 2}" r="{r}" fill="{e(symbol.color)}" stroke="#ffffff"/>'
    elif symbol.shape == LINE:
        dash = ' stroke-dasharray="4 3"' if symbol.dash else ""
        body = (f'<path d="M0 {height * 0.75} C{width / 2} 0 {width / 2} {height} {width} {height * 0.25}" fill="none" '
                f'stroke="{e(symbol.color)}" stroke-width="3"{dash}/>')
    else:
        stroke_w = 1.5 * 1.2 if symbol.shape == ZONE else 1.2
        inset = stroke_w / 2
        dash = ' stroke-dasharray="3 2"' if symbol.dash else ""
        body = (f'<rect x="{inset}" y="{inset}" width="{width - 2 * inset}" height="{height - 2 * inset}" '
                f'fill="{e(symbol.color)}" fill-opacity="{symbol.fill_alpha:g}" stroke="{e(symbol.stroke or symbol.color)}" '
                f'stroke-width="{stroke_w:g}"{dash}/>')
        if symbol.shape == POLYGON_POINT:
            body += (f'<circle cx="{width / 2}" cy="{height / 2}" r="{(height - 2 * inset) * 0.32:.2f}" '
                     f'fill="{e(symbol.color)}" stroke="#ffffff"/>')
    return (f'<svg class="gd-swatch" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'opacity="{symbol.opacity:g}">{body}</svg>')


def legend_html(entries: list[LegendEntry], title: str) -> str:
    e = html.escape
    rows = [f'<div class="gd-legend-title">{e(title)}</div>']
    for entry in entries:
        if entry.symbol is not None:
            rows.append(f'<div class="gd-row">{swatch_svg(entry.symbol)}<span>{e(entry.title)}</span></div>')
            continue
        rows.append(f'<div class="gd-row gd-head">{e(entry.title)}</div>')
        children = "".join(f'<div class="gd-row gd-child">{swatch_svg(c.symbol)}<span>{e(c.title)}</span></div>'
                           for c in entry.children)
        columns = " gd-two" if len(entry.children) > 4 else ""  # as the app's dock lays out the ledger's 12
        rows.append(f'<div class="gd-children{columns}">{children}</div>')
    return "".join(rows)


# --- the page's assets ---------------------------------------------------------------------

def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def leaflet_assets() -> tuple[str, str]:
    """(leaflet.js, leaflet.css with its images as data URIs), from resources/web/leaflet."""
    js = (WEB / "leaflet.js").read_text(encoding="utf-8")
    css = (WEB / "leaflet.css").read_text(encoding="utf-8")
    for image in sorted((WEB / "images").glob("*.png")):
        css = css.replace(f"url(images/{image.name})", f"url({_data_uri(image, 'image/png')})")
    if "url(images/" in css:
        raise InputError("Leaflet 样式引用了未随附的图片：{css}", "Leaflet's CSS refers to images not shipped: {css}",
                         css=WEB / "leaflet.css")
    return js, css


def _script(text: str) -> str:
    """Text safe inside a <script> element."""
    return text.replace("</", "<\\/")


def _fill(template: str, **values: str) -> str:
    """`template` with each of the words `values` names replaced, in one pass (what is put in is not
    searched again)."""
    return re.sub("|".join(rf"\b{key}\b" for key in values), lambda m: values[m.group(0)], template)


def _json(value) -> str:
    return _script(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


# --- what the page shows -------------------------------------------------------------------

@dataclass
class _LayerData:
    layer: Layer
    frame: object  # the frame as exported (masked)
    key: str


def _read_layers(project, with_personal_data: bool, feedback: Feedback):
    from gisdesk.layers.personal import Masker, masked_labels

    layers, raw = [], {}
    for info in project.layers():
        feedback.check_cancelled()
        frame = project.read_layer(info.id)
        style = info.style or fit_label_field(default_style(info.kind), frame)
        title = None if info.title == kind_of(info.kind).name_zh else info.title
        layer = Layer(info.kind, frame, layer_id=info.id, title=title, style=style, visible=info.visible,
                      opacity=info.opacity)
        layers.append(layer)
        raw[info.id] = frame
    masker, masked = Masker(), []
    if not with_personal_data:
        for layer in layers:
            masker.add(raw[layer.id], layer.kind)
    out = []
    for layer in layers:
        frame = raw[layer.id]
        if not with_personal_data:
            frame, columns = masker.mask(frame, layer.kind, name=layer.id)
            masked += [f"{layer.title}：{label}" for label in masked_labels(columns, layer.kind)]
        out.append(_LayerData(layer, frame, layer.id))
    return out, masker, masked


def _popup_columns(layer: Layer, frame) -> list[tuple[str, str]]:
    geometry = frame.geometry.name if hasattr(frame, "geometry") else None
    return display_columns(layer.info.schema, frame.columns, geometry=geometry)


def _layer_features(item: _LayerData, to_lonlat: _ToLonLat) -> tuple[list[dict], dict | None, int]:
    """(features with their style, the layer's drawn outline for control zones, count) of one layer."""
    layer, frame = item.layer, item.frame
    columns = _popup_columns(layer, frame)
    values = [[display_value(layer.info.schema, c, v) for v in frame[c].to_numpy(dtype=object)] for c, _ in columns]
    uids = frame["uid"].astype(str).to_numpy() if "uid" in frame.columns else np.arange(len(frame)).astype(str)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if layer.info.is_control:
        geoms, _ = control_zones(frame, layer.kind)
    colors = _colors(layer)
    opacity = float(layer.opacity)
    lonlat = _lonlat(geoms, to_lonlat)
    types = shapely.get_type_id(lonlat)
    features = []
    for i, geom in enumerate(lonlat):
        geometry = _geojson(geom)
        if geometry is None:
            continue
        if layer.info.is_control:  # the zone is drawn by the layer's outline; the feature only answers clicks
            style = {"stroke": False, "fillOpacity": 0.0, "fillColor": colors[i]}
        else:
            style = _feature_style(layer.style, colors[i], opacity, int(types[i]))
        features.append({"type": "Feature", "id": f"{item.key}/{uids[i]}", "geometry": geometry,
                         "properties": {"v": [column[i] for column in values]}, "_style": style})
    drawn = None
    if layer.info.is_control and len(geoms):
        style = _feature_style(layer.style, colors[0], opacity, 3)
        union = shapely.union_all(shapely.make_valid(np.asarray(geoms, dtype=object)))
        geometry = _geojson(_lonlat(np.array([union], dtype=object), to_lonlat)[0])
        if geometry is not None:
            drawn = {"type": "Feature", "id": f"{item.key}/*", "geometry": geometry, "properties": {}, "_style": style}
    return features, drawn, len(features)


def _labels(item: _LayerData, to_lonlat: _ToLonLat) -> dict | None:
    """The layer's labels as the page's script places them (render.renderer._draw_labels' rules: the
    style's label field, colour, size, largest features first, none beyond label_max_scale or on
    features smaller than label_min_area_mm2; a label overlapping one already placed is dropped,
    and the top layers place theirs first). The texts are the exported (masked) frame's."""
    layer, frame = item.layer, item.frame
    field_name = layer.style.get("label_field")
    if not field_name or field_name not in frame.columns or not len(frame):
        return None
    texts = frame[field_name].to_numpy(dtype=object)
    keep = np.array([isinstance(t, str) and t.strip() != "" for t in texts])
    if not keep.any():
        return None
    rows = np.flatnonzero(keep)
    points = to_lonlat(np.asarray(layer.data.label_points[rows], dtype=float))
    bounds = layer.data.bounds[rows]
    sizes = np.round((bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1]), 1)
    order = np.argsort(-sizes, kind="stable")
    style = layer.style
    return {"color": style.get("label_color", "#333333"), "fontPx": round(style_size(style, "label_size_pt") * 96 / 72, 2),
            "maxScale": style.get("label_max_scale"),
            "minAreaPx": round(style_size(style, "label_min_area_mm2") / PX96_MM ** 2, 1),
            "labels": [[float(points[i, 1]), float(points[i, 0]), str(texts[rows[i]]).strip(), float(sizes[i])]
                       for i in order]}


def _conflict_features(project, items: list[_LayerData], masker, to_lonlat: _ToLonLat, titles: dict[str, str]):
    """(popup labels, {ENCROACH | SETBACK | EXEMPT: features}) of the last check's conflicts, most
    severe first; None when there is no check. Exempt ones (a protected building in its purple line)
    are a group of their own, hidden at first, as the app's list hides them."""
    from gisdesk import reviews
    from gisdesk.analysis.conflict_list import severity_sorted, subject_names
    from gisdesk.analysis.conflict_view import conflict_geometry
    from gisdesk.export.xlsx import CONFLICT_HEADERS, DECISION_NAMES, PERIOD_NAMES, RELATION_NAMES
    from gisdesk.layers.display import format_value

    try:
        frame = reviews.reviewed_conflicts(project)
    except ProjectError:
        return None
    geometry_name = frame.geometry.name
    overlaps = np.asarray(frame.geometry.values, dtype=object)
    frame = frame.assign(overlap_geom=overlaps)
    frame = severity_sorted(frame.drop(columns=geometry_name))
    frame["subject_name"] = subject_names(project, frame) if len(frame) else []
    by_layer = {item.key: item for item in items}
    zones_of, geoms_of = {}, {}

    def lookup(layer_id: str, uid: str, zone: bool):
        item = by_layer.get(layer_id)
        if item is None:
            return None
        cache = zones_of if zone else geoms_of
        if layer_id not in cache:
            f = item.frame
            geoms = control_zones(f, item.layer.kind)[0] if zone else np.asarray(f.geometry.values, dtype=object)
            cache[layer_id] = dict(zip(f["uid"].astype(str), geoms))
        return cache[layer_id].get(uid)

    shown = ["subject_name", "subject_table", "subject_id", "control_kind", "control_id", "relation", "period",
             "overlap_m2", "depth_m", "distance_m", "required_m", "shortfall_m", "exemption", "decision", "note"]
    shown = [c for c in shown if c in frame.columns]
    labels = [tr(*CONFLICT_HEADERS[c]) for c in shown]
    groups, found = {ENCROACH: [], SETBACK: [], EXEMPT: []}, []
    for number, row in enumerate(frame.itertuples(index=False)):
        row = row._asdict()
        relation = str(row.get("relation", ""))
        cells = []
        for column in shown:
            value = row.get(column)
            if column == "relation":
                text = tr(*RELATION_NAMES.get(str(value), (str(value), str(value))))
            elif column == "period":
                text = tr(*PERIOD_NAMES.get(str(value), (str(value), str(value)))) if format_value(value) else ""
            elif column == "decision":
                text = tr(*DECISION_NAMES.get(format_value(value), (format_value(value),) * 2))
            elif column == "control_kind":
                text = kind_name(str(value))
            elif column == "subject_table":
                text = titles.get(str(value), str(value))
            elif column in ("overlap_m2", "depth_m") and relation != "encroach" or \
                    column in ("distance_m", "required_m", "shortfall_m") and relation != "setback":
                text = ""
            else:
                text = format_value(value)
                if column in ("subject_name", "note", "exemption"):
                    text = masker.scrub(text)
            cells.append(text)
        props = {"v": cells}
        fid = f"conflicts/{number + 1}"
        exempt = bool(format_value(row.get("exemption")))
        if relation == "encroach":
            geom = row.get("overlap_geom")
            style = {"color": cm.SHADE_COLOR, "weight": px96(cm.OUTLINE_MM), "fillColor": cm.SHADE_COLOR,
                     "fillOpacity": cm.SHADE_ALPHA, **({"dashArray": "4 3", "fillOpacity": 0.2} if exempt else {})}
        else:
            subject = lookup(str(row.get("subject_table")), str(row.get("subject_id")), False)
            zone = lookup(str(row.get("control_table")), str(row.get("control_id")), True)
            marks = conflict_geometry(subject, zone, relation, row.get("required_m"))
            geom = marks.shortest if marks.shortest is not None else \
                shapely.Point(marks.anchor) if marks.anchor is not None else None
            style = {"color": cm.DISTANCE_COLOR, "weight": px96(cm.DISTANCE_MM), "opacity": 0.9,
                     "radius": 3, "fillColor": cm.SETBACK_LINE_COLOR, "fillOpacity": 1.0,
                     **({"dashArray": "4 3"} if exempt else {})}
        if geom is not None and not shapely.is_empty(geom):
            which = EXEMPT if exempt else ENCROACH if relation == "encroach" else SETBACK
            found.append((which, geom, {"type": "Feature", "id": fid, "properties": props, "_style": style}))
    geoms = _lonlat(np.array([g for _, g, _ in found], dtype=object), to_lonlat) if found else []
    for (which, _, feature), geom in zip(found, geoms):
        feature["geometry"] = _geojson(geom)
        if feature["geometry"] is not None:
            groups[which].append(feature)
    return labels, groups


def _annotations(project, items: list[_LayerData], to_lonlat: _ToLonLat) -> list[dict]:
    """The project's annotations (gisdesk.annotations) as the page's script draws them: kind, points as
    [lat, lon], text, and the style in CSS pixels; callouts on a feature point at where it is now."""
    from gisdesk.layers import annotations as an

    try:
        from gisdesk.annotations import load_annotations
    except ImportError:  # an older tree without the store: nothing to draw
        return []
    stored = load_annotations(project)
    if not stored:
        return []
    frames = {item.key: item.frame for item in items}
    bounds_cache: dict[str, dict] = {}

    def bounds_of(layer_id: str, uid: str):
        frame = frames.get(layer_id)
        if frame is None:
            return None
        if layer_id not in bounds_cache:
            bounds_cache[layer_id] = dict(zip(frame["uid"].astype(str), frame.geometry.bounds.to_numpy()))
        return bounds_cache[layer_id].get(str(uid))

    out = []
    for item in an.resolve_targets(stored, bounds_of):
        coords = shapely.get_coordinates(item.geometry)
        if not len(coords):
            continue
        lonlat = to_lonlat(np.asarray(coords, dtype=float))
        style = item.style
        out.append({"kind": item.kind, "points": [[float(lat), float(lon)] for lon, lat in lonlat],
                    "text": item.text, "color": style.color, "weight": max(0.5, px96(style.width_mm)),
                    "fill": style.fill, "fillOpacity": float(style.fill_alpha),
                    "fontPx": round(style.font_pt * 96 / 72, 2), "headPx": px96(ARROW_HEAD_MM),
                    "dotPx": px96(CALLOUT_DOT_MM), "padPx": px96(CALLOUT_PAD_MM)})
    return out


def _basemap_tiles(project, extent_lonlat, feedback: Feedback):
    """[(title, date, attribution, {"z/x/y": data URI}, (zmin, zmax))] of the visible MBTiles base maps, bottom first,
    and notes on what was left out."""
    from gisdesk.io.mbtiles import MBTilesSource
    from gisdesk.layers.raster import raster_layers

    notes, sources = [], []
    for basemap in raster_layers(project):
        if not basemap.visible or basemap.opacity <= 0:
            continue
        if basemap.provider != "mbtiles" or basemap.missing:
            why = tr("文件缺失", "the file is missing") if basemap.missing else \
                tr("仅 MBTiles 底图可嵌入网页", "only MBTiles base maps can go into the page")
            notes.append(tr("底图“{t}”未包含（{why}）", "base map '{t}' not included ({why})", t=basemap.label, why=why))
            continue
        try:
            sources.append((basemap, MBTilesSource(basemap.path)))
        except InputError as exc:
            notes.append(tr("底图“{t}”未包含（{why}）", "base map '{t}' not included ({why})", t=basemap.label,
                            why=str(exc)))
    if not sources or extent_lonlat is None:
        return [], notes
    w, s, e, n = extent_lonlat

    def tile_range(z):
        count = 2 ** z

        def tx(lon):
            return min(count - 1, max(0, int((lon + 180.0) / 360.0 * count)))

        def ty(lat):
            lat = max(min(lat, 85.0511287798), -85.0511287798)
            y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * count
            return min(count - 1, max(0, int(y)))
        return tx(w), ty(n), tx(e), ty(s)

    # zoom by zoom, the top base map first: each takes its next level while all stay within the budget
    chosen = {id(src): {} for _, src in sources}
    stopped: set[int] = set()
    total = 0
    zooms = sorted({z for _, src in sources for z in src.zooms if src.minzoom <= z <= src.maxzoom})
    for z in zooms:
        for _, src in reversed(sources):
            feedback.check_cancelled()
            if id(src) in stopped or not src.minzoom <= z <= src.maxzoom:
                continue
            x0, y0, x1, y1 = tile_range(z)
            level = {}
            for x in range(x0, x1 + 1):
                for y in range(y0, y1 + 1):
                    data = src.tile_bytes(z, x, y)
                    if data is not None:
                        level[f"{z}/{x}/{y}"] = data
            size = sum(len(d) for d in level.values())
            if chosen[id(src)] and total + size > BASEMAP_BUDGET:
                stopped.add(id(src))  # its deeper levels are bigger still
                continue
            total += size
            chosen[id(src)].update(level)
    if stopped:
        notes.append(tr("底图瓦片合计限 {mb:.0f} MB（网页大小所限）：部分底图只含较粗的级别，放大后为放大显示",
                        "the base map tiles are limited to {mb:.0f} MB in all (the page's size): some hold only their "
                        "coarser zooms, enlarged closer in", mb=BASEMAP_BUDGET / 1e6))
    out = []
    for basemap, src in sources:
        tiles = chosen[id(src)]
        src.close()
        if not tiles:
            continue
        levels = sorted({int(k.split("/")[0]) for k in tiles})
        mime = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}.get(src.format,
                                                                                                    "image/png")
        uris = {k: f"data:{mime};base64," + base64.b64encode(v).decode("ascii") for k, v in tiles.items()}
        out.append((basemap.title, basemap.date or (src.date.isoformat()[:7] if src.date else ""), src.attribution,
                    uris, (levels[0], levels[-1])))
    return out, notes


# --- the page ------------------------------------------------------------------------------

CSS = """
html,body{margin:0;padding:0;width:100%;height:100%;font-family:FONTS;}
.leaflet-container{background:BACKGROUND;font-family:FONTS;font-size:13px;}
#gd-header{position:absolute;top:10px;left:56px;z-index:1000;background:rgba(255,255,255,.92);padding:6px 12px;
  border:1px solid #b0b0b0;border-radius:3px;max-width:60%;color:#1f1f1f;pointer-events:auto;}
#gd-header .gd-title{font-size:20px;font-weight:bold;}
#gd-header .gd-subtitle{font-size:14px;}
#gd-header .gd-meta{font-size:12px;color:#555;}
.gd-legend{background:rgba(255,255,255,.92);border:1px solid #b0b0b0;padding:6px 8px;max-height:60vh;overflow:auto;
  color:#222;font-size:12px;line-height:18px;}
.gd-legend summary{font-weight:bold;cursor:pointer;}
.gd-legend-title{display:none;}
.gd-row{white-space:nowrap;}
.gd-row .gd-swatch{vertical-align:middle;margin-right:4px;}
.gd-head{font-weight:bold;}
.gd-child{padding-left:8px;}
.gd-two{columns:2;column-gap:10px;}
.gd-two .gd-row{break-inside:avoid;}
.gd-notes{font-size:11px;color:#555;max-width:300px;white-space:normal;margin-top:4px;}
.gd-popup table{border-collapse:collapse;font-size:12px;}
.gd-popup th{text-align:left;font-weight:normal;color:#555;padding:1px 8px 1px 0;vertical-align:top;white-space:nowrap;}
.gd-popup td{padding:1px 0;}
.gd-popup .gd-popup-title{font-weight:bold;margin-bottom:4px;}
.gd-annot{background:none;border:none;}
.gd-annot-text{position:absolute;transform:translate(-50%,-50%);white-space:pre;line-height:1.25;}
.gd-label{position:absolute;transform:translate(-50%,-50%);white-space:nowrap;line-height:1.25;}
.gd-halo{text-shadow:-1px -1px 0 #fff,1px -1px 0 #fff,-1px 1px 0 #fff,1px 1px 0 #fff,0 0 3px #fff;}
""".replace("FONTS", FONTS).replace("BACKGROUND", BACKGROUND)

PAGE_JS = """
var GISDESK = {labels: LABELS, titles: TITLES, data: DATA, features: {}};
function gisdeskPopup(key, feature) {
  var div = document.createElement('div'); div.className = 'gd-popup';
  var head = document.createElement('div'); head.className = 'gd-popup-title';
  head.textContent = GISDESK.titles[key]; div.appendChild(head);
  var table = document.createElement('table');
  var labels = GISDESK.labels[key], values = feature.properties.v || [];
  for (var i = 0; i < labels.length; i++) {
    if (values[i] === '' || values[i] === null || values[i] === undefined) continue;
    var tr = document.createElement('tr'), th = document.createElement('th'), td = document.createElement('td');
    th.textContent = labels[i]; td.textContent = values[i]; tr.appendChild(th); tr.appendChild(td); table.appendChild(tr);
  }
  div.appendChild(table);
  return div;
}
function gisdeskBind(key) {
  return function (feature, layer) {
    layer.bindPopup(function () { return gisdeskPopup(key, feature); },
                    {maxWidth: 420, maxHeight: 380, autoPanPaddingTopLeft: [60, 130]});  // clear of the title box
    GISDESK.features[feature.id] = layer;
  };
}
GISDESK.tileLayer = L.TileLayer.extend({
  getTileUrl: function (c) { return this.options.tiles[c.z + '/' + c.x + '/' + c.y] || BLANK; }
});
L.Icon.Default.imagePath = '';

GISDESK.escape = function (text) {
  var d = document.createElement('div'); d.textContent = text; return d.innerHTML;
};
GISDESK.rgba = function (hex, alpha) {
  var n = parseInt(hex.replace('#', ''), 16);
  return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + alpha + ')';
};
GISDESK.textIcon = function (a, boxed) {
  var css = 'color:' + a.color + ';font-size:' + a.fontPx + 'px;';
  if (boxed) {
    css += 'background:' + GISDESK.rgba(a.fill, a.fillOpacity) + ';border:' + Math.max(1, a.weight) + 'px solid ' +
      a.color + ';padding:' + a.padPx + 'px;';
  } else if (a.fillOpacity > 0) {
    css += 'background:' + GISDESK.rgba(a.fill, a.fillOpacity) + ';padding:' + (a.padPx / 2) + 'px;';
  }
  var halo = a.fillOpacity < 0.5 ? ' gd-halo' : '';
  return L.divIcon({className: 'gd-annot', iconSize: null,
    html: '<div class="gd-annot-text' + halo + '" style="' + css + '">' + GISDESK.escape(a.text) + '</div>'});
};
GISDESK.arrowHead = function (map, a) {
  var n = a.points.length, tip = map.latLngToLayerPoint(a.points[n - 1]), from = map.latLngToLayerPoint(a.points[n - 2]);
  var angle = Math.atan2(tip.y - from.y, tip.x - from.x), len = Math.max(a.headPx, 4 * a.weight), half = 24 * Math.PI / 180;
  return [tip, L.point(tip.x - len * Math.cos(angle - half), tip.y - len * Math.sin(angle - half)),
          L.point(tip.x - len * Math.cos(angle + half), tip.y - len * Math.sin(angle + half))].map(function (p) {
    return map.layerPointToLatLng(p); });
};
GISDESK.measure = document.createElement('canvas').getContext('2d');
GISDESK.placeLabels = function (map, group, layers) {
  group.clearLayers();
  if (!map.hasLayer(group)) return;
  var size = map.getSize(), bounds = map.getBounds(), centre = map.getCenter();
  var res = 40075016.686 * Math.cos(centre.lat * Math.PI / 180) / Math.pow(2, map.getZoom() + 8);  // m a pixel
  var scale = res * 96 / 0.0254, placed = [], count = 0, origin = map.getContainer().getBoundingClientRect();
  document.querySelectorAll('#gd-header, .gd-legend, .leaflet-control').forEach(function (e) {  // not under boxes
    var r = e.getBoundingClientRect();
    if (r.width && r.height) placed.push([r.left - origin.left, r.top - origin.top, r.right - origin.left, r.bottom - origin.top]);
  });
  layers.forEach(function (layer) {
    if (layer.maxScale && scale > layer.maxScale) return;
    GISDESK.measure.font = layer.fontPx + 'px ' + FONT_LIST;
    for (var i = 0; i < layer.labels.length && count < 400; i++) {
      var l = layer.labels[i];
      if (l[3] / (res * res) < layer.minAreaPx || !bounds.contains([l[0], l[1]])) continue;
      var p = map.latLngToContainerPoint([l[0], l[1]]), w = GISDESK.measure.measureText(l[2]).width;
      var h = layer.fontPx * 1.25, box = [p.x - w / 2 - 3, p.y - h / 2 - 2, p.x + w / 2 + 3, p.y + h / 2 + 2];
      if (box[0] < 0 || box[1] < 0 || box[2] > size.x || box[3] > size.y) continue;
      if (placed.some(function (o) { return box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]; })) continue;
      placed.push(box); count++;
      L.marker([l[0], l[1]], {interactive: false, keyboard: false, icon: L.divIcon({className: 'gd-annot', iconSize: null,
        html: '<div class="gd-label gd-halo" style="color:' + layer.color + ';font-size:' + layer.fontPx + 'px">' +
          GISDESK.escape(l[2]) + '</div>'})}).addTo(group);
    }
  });
};
GISDESK.drawAnnotations = function (map, group, items) {
  items.forEach(function (a) {
    var line = {color: a.color, weight: a.weight, opacity: 1, interactive: false, className: 'gd-annotation'};
    var fill = {fill: a.fillOpacity > 0, fillColor: a.fill, fillOpacity: a.fillOpacity};
    if (a.kind === 'text') {
      L.marker(a.points[0], {icon: GISDESK.textIcon(a, false), interactive: false, keyboard: false}).addTo(group);
    } else if (a.kind === 'callout') {
      L.polyline(a.points, line).addTo(group);
      L.circleMarker(a.points[0], Object.assign({}, line, {radius: a.dotPx, fill: true, fillColor: a.color,
        fillOpacity: 1})).addTo(group);
      L.marker(a.points[a.points.length - 1], {icon: GISDESK.textIcon(a, true), interactive: false,
        keyboard: false}).addTo(group);
    } else if (a.kind === 'arrow') {
      L.polyline(a.points, line).addTo(group);
      var head = L.polygon(GISDESK.arrowHead(map, a), Object.assign({}, line, {weight: Math.max(a.weight * 0.5, 0.5),
        fill: true, fillColor: a.color, fillOpacity: 1})).addTo(group);
      map.on('zoomend', function () { head.setLatLngs(GISDESK.arrowHead(map, a)); });
    } else if (a.kind === 'freehand' && a.fillOpacity <= 0) {
      L.polyline(a.points, line).addTo(group);
    } else {
      L.polygon(a.points, Object.assign({}, line, fill)).addTo(group);
    }
  });
};
"""

OPEN_JS = """
GISDESK.map = MAP;
GISDESK.openFromHash = function () {
  var id = decodeURIComponent((location.hash || '').replace(/^#/, ''));
  var layer = GISDESK.features[id];
  if (!layer) return;
  var map = GISDESK.map;
  if (!layer._map) {  // in a group ticked off (the exempt conflicts): tick it on
    Object.values(GISDESK.overlays || {}).forEach(function (group) {
      group.eachLayer(function (part) { if (part.hasLayer && part.hasLayer(layer)) map.addLayer(group); });
    });
  }
  if (layer.getBounds) { map.fitBounds(layer.getBounds(), {maxZoom: 18, animate: false}); }
  else { map.setView(layer.getLatLng(), 18, {animate: false}); }
  layer.openPopup();
};
window.addEventListener('hashchange', GISDESK.openFromHash);
GISDESK.openFromHash();
"""


def export_html(project, out, *, layout_name: str | None = None, with_personal_data: bool = False,
                feedback: Feedback | None = None) -> HtmlResult:
    """Write the project's interactive map to `out` (one .html file, nothing beside it; see the module).
    `project`: an opened Project or the path of one. The file appears whole or not at all."""
    import folium
    from folium.utilities import JsCode

    from gisdesk.crs import crs_label
    from gisdesk.export import layout as lay
    from gisdesk.export.pages import PageData, PageGeometry, fill_text
    from gisdesk.project import Project

    started = time.perf_counter()
    feedback = feedback or Feedback()
    out = Path(out)
    if isinstance(project, (str, os.PathLike)):
        if not Path(project).is_file():
            raise InputError("项目文件不存在：{path}", "project file not found: {path}", path=project)
        if Path(project).resolve() == out.resolve():
            raise InputError("输出文件 {out} 就是项目文件", "the output {out} is the project file", out=out)
        project = Project.open(project)
    if not out.parent.is_dir():
        raise InputError("输出目录不存在：{folder}", "the output folder does not exist: {folder}", folder=out.parent)
    layout = lay.find_layout(project, layout_name) if layout_name else lay.default_layout(project)
    crs = project.crs
    if crs is None:
        raise InputError("项目 {path} 没有坐标系：无法换算为经纬度", "the project {path} has no CRS: it cannot be turned "
                         "into longitude and latitude", path=project.path.name)
    result = HtmlResult(out, 0, 0.0, layout.name)
    feedback.set_stage(tr("读取图层", "reading the layers"))
    items, masker, result.masked = _read_layers(project, with_personal_data, feedback)
    visible = [item for item in items if item.layer.visible]
    titles = {item.key: item.layer.title for item in items}
    to_lonlat = _ToLonLat(crs)

    # the page's texts, as the layout's text items have them
    page = PageData(name=project.setting("name", project.path.stem), crs_text=crs_label(crs),
                    organisation=project.setting("organisation"), layers=[item.layer for item in items])
    geometry = PageGeometry(96.0, 0, 0, None, None)
    texts = {}
    for kind in (lay.TITLE, lay.SUBTITLE, lay.DATE, lay.ORGANISATION):
        found = layout.items_of(kind)
        if found:
            texts[kind] = fill_text(found[0].template(), layout, page, geometry)
    if lay.TITLE not in texts:
        texts[lay.TITLE] = page.name

    boxes = [item.layer.extent() for item in visible]
    boxes = [b for b in boxes if b is not None]
    extent = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
              max(b[3] for b in boxes)) if boxes else None
    extent_lonlat = None
    if extent is not None:
        corners = to_lonlat(np.array([[extent[0], extent[1]], [extent[2], extent[1]], [extent[0], extent[3]],
                                      [extent[2], extent[3]]], dtype=float))
        extent_lonlat = (corners[:, 0].min(), corners[:, 1].min(), corners[:, 0].max(), corners[:, 1].max())

    fmap = folium.Map(location=[31.2, 121.5] if extent_lonlat is None else
                      [(extent_lonlat[1] + extent_lonlat[3]) / 2, (extent_lonlat[0] + extent_lonlat[2]) / 2],
                      zoom_start=15, tiles=None, control_scale=False, max_zoom=21, prefer_canvas=False,
                      zoom_snap=0.25, zoom_delta=0.5)
    fmap.default_js, fmap.default_css = [], []  # folium's CDN links: Leaflet is inlined instead (see the module)
    fmap.get_root().header.add_child(_text_element(f"<title>{html.escape(texts[lay.TITLE])}</title>"),
                                     name="title")

    # base maps
    feedback.set_stage(tr("读取底图", "reading the base maps"))
    basemaps, notes = _basemap_tiles(project, extent_lonlat, feedback)
    result.notes += notes
    base_layers = []
    for title, date, attribution, tiles, (z0, z1) in basemaps:
        label = f"{title} · {date}" if date else title
        base_layers.append((label, tiles, z0, z1, attribution))
        result.basemap_tiles += len(tiles)
        result.basemaps.append(tr("{t}：第 {z0}–{z1} 级，{n} 个瓦片", "{t}: zooms {z0}–{z1}, {n} tiles", t=label, z0=z0,
                                  z1=z1, n=len(tiles)))
    if not basemaps and not notes:
        result.notes.append(tr("项目没有可见的底图：网页不含底图", "the project has no visible base map: the page has none"))

    # layers, bottom first
    labels_js, titles_js, data = {}, {}, {}
    groups = []
    for number, item in enumerate(visible):
        feedback.set_stage(tr("写图层 {t}", "writing the layer {t}", t=item.layer.title))
        feedback.set_progress(number / max(1, len(visible)))
        features, drawn, count = _layer_features(item, to_lonlat)
        result.features[item.layer.title] = count
        labels_js[item.key] = [header for _, header in _popup_columns(item.layer, item.frame)]
        titles_js[item.key] = item.layer.title
        group = folium.FeatureGroup(name=html.escape(item.layer.title), show=True)
        if drawn is not None:
            _add_geojson(folium, group, [drawn], None, data, interactive=False)
        if features:
            _add_geojson(folium, group, features, JsCode(f"gisdeskBind({json.dumps(item.key)})"), data)
        groups.append(group)

    # conflicts of the last check
    feedback.set_stage(tr("写冲突", "writing the conflicts"))
    conflicts = _conflict_features(project, items, masker, to_lonlat, titles)
    conflict_groups = []
    if conflicts is None:
        result.notes.append(tr("尚未运行冲突检查：网页不含冲突", "no conflict check run yet: the page shows no conflicts"))
    else:
        labels, by_group = conflicts
        labels_js["conflicts"] = labels
        titles_js["conflicts"] = tr("冲突（上次检查）", "Conflict (last check)")
        result.conflicts = sum(len(f) for f in by_group.values())
        for which, name in ((ENCROACH, tr("冲突：压线", "Conflicts: encroachment")),
                            (SETBACK, tr("冲突：退线不足", "Conflicts: setback shortfall")),
                            (EXEMPT, tr("冲突：豁免（如保护建筑）", "Conflicts: exempt (e.g. protected buildings)"))):
            features = by_group[which]
            if features:
                group = folium.FeatureGroup(name=html.escape(name), show=which != EXEMPT)
                _add_geojson(folium, group, features, JsCode('gisdeskBind("conflicts")'), data)
                conflict_groups.append(group)

    # labels of the visible layers, the top layer's first (render draws labels after every layer)
    label_layers = [entry for entry in (_labels(item, to_lonlat) for item in reversed(visible)) if entry is not None]
    label_group = None
    if label_layers:
        label_group = folium.FeatureGroup(name=html.escape(tr("名称注记", "Labels")), show=True)

    # annotations, over everything (as render draws them last)
    annotations = _annotations(project, items, to_lonlat)
    result.annotations = len(annotations)
    if annotations:
        group = folium.FeatureGroup(name=html.escape(tr("批注", "Annotations")), show=True)
        conflict_groups.append(group)

    root = fmap.get_root()
    js, css = leaflet_assets()
    root.header.add_child(_text_element(f"<style>{css}</style>"), name="leaflet_css_inline")
    root.header.add_child(_text_element(f"<script>{_script(js)}</script>"), name="leaflet_js_inline")
    root.header.add_child(_text_element(f"<style>{CSS}</style>"), name="gisdesk_css")
    page_js = _fill(PAGE_JS, LABELS=_json(labels_js), TITLES=_json(titles_js), BLANK=json.dumps(BLANK_TILE),
                    FONT_LIST=json.dumps(FONTS),
                    DATA=_json(data))
    root.header.add_child(_text_element(f"<script>{page_js}</script>"), name="gisdesk_js")

    map_name = fmap.get_name()
    bases = []  # (label, element), bottom first: the top one is shown, the others offered
    for label, tiles, z0, z1, attribution in base_layers:
        base = _Raw(lambda name, tiles=tiles, z0=z0, z1=z1, attribution=attribution: (
            f"var {name} = new GISDESK.tileLayer('', {{tiles: {_json(tiles)}, minNativeZoom: {z0}, "
            f"maxNativeZoom: {z1}, maxZoom: 21, attribution: {_json(html.escape(attribution))}}});"))
        fmap.add_child(base)
        bases.append((label, base))
    for group in groups + conflict_groups:
        fmap.add_child(group)
    if label_group is not None:
        fmap.add_child(label_group)
        fmap.add_child(_Raw(lambda name: (
            f"GISDESK.labelLayers = {_json(label_layers)}; GISDESK.labelGroup = {label_group.get_name()};\n"
            f"GISDESK.relabel = function () {{ GISDESK.placeLabels({map_name}, {label_group.get_name()}, "
            f"GISDESK.labelLayers); }};\n"
            f"{map_name}.on('moveend zoomend overlayadd', function (e) {{ if (!e.layer || e.layer === "
            f"{label_group.get_name()}) GISDESK.relabel(); }});")))
    if annotations:
        fmap.add_child(_Raw(lambda name: f"GISDESK.drawAnnotations({map_name}, {conflict_groups[-1].get_name()}, "
                                         f"{_json(annotations)});"))

    # the legend: the map's entries, the conflicts' marks and the base maps
    entries = legend_entries([item.layer for item in visible])
    if conflict_groups:
        children = []
        if conflicts[1][ENCROACH]:
            children.append(LegendEntry(tr("冲突重叠部分", "Conflict overlap"),
                                        Symbol("polygon", cm.SHADE_COLOR, cm.SHADE_ALPHA, cm.SHADE_COLOR)))
        if conflicts[1][SETBACK]:
            children.append(LegendEntry(tr("退线不足（最短距离）", "Setback shortfall (shortest distance)"),
                                        Symbol(LINE, cm.DISTANCE_COLOR)))
        entries.append(LegendEntry(tr("上次检查的冲突", "Conflicts of the last check"), None, tuple(children)))
    if base_layers:
        entries.append(LegendEntry(tr("底图：", "Base map: ") + "、".join(label for label, *_ in base_layers),
                                   Symbol("polygon", "#c8c8c8")))
    notes_html = "".join(f"<div>{html.escape(n)}</div>" for n in result.notes)
    if result.masked:
        from gisdesk.layers.personal import masked_note
        notes_html += f"<div>{html.escape(masked_note([m.split('：', 1)[1] for m in result.masked]))}</div>"
    elif with_personal_data:
        notes_html += "<div>" + html.escape(tr("含个人信息（未隐去），请按规定保管", "holds personal data (not masked): "
                                                 "keep it as the rules require")) + "</div>"
    legend_title = tr("图例", "Legend")
    legend = (f'<details open class="gd-legend" id="gd-legend"><summary>{html.escape(legend_title)}</summary>'
              f'{legend_html(entries, legend_title)}<div class="gd-notes">{notes_html}</div></details>')

    header = "".join(f'<div class="gd-{cls}">{html.escape(texts[kind])}</div>'
                     for kind, cls in ((lay.TITLE, "title"), (lay.SUBTITLE, "subtitle")) if texts.get(kind))
    meta = "　".join(texts[kind] for kind in (lay.ORGANISATION, lay.DATE) if texts.get(kind))
    if meta:
        header += f'<div class="gd-meta">{html.escape(meta)}</div>'
    header += f'<div class="gd-meta">{html.escape(tr("坐标系：", "CRS: ") + crs_label(crs))}' \
              f'{html.escape(tr("（网页显示为 WGS 84 经纬度）", " (shown in WGS 84 longitude and latitude)"))}</div>'
    root.html.add_child(_text_element(f'<div id="gd-header">{header}</div>'), name="gd_header")

    controls_js = ["var gdBase = {};"]
    for label, base in reversed(bases):
        controls_js.append(f"gdBase[{_json(label)}] = {base.get_name()};")
    if bases:
        controls_js.append(f"gdBase[{_json(tr('无底图', 'No base map'))}] = L.layerGroup();")
        controls_js.append(f"{bases[-1][1].get_name()}.addTo({map_name});")
    controls_js.append("var gdOver = {};")
    for group in groups + conflict_groups + ([label_group] if label_group is not None else []):
        controls_js.append(f"gdOver[{_json(html.unescape(group.layer_name))}] = {group.get_name()};")
    controls_js.append("GISDESK.overlays = gdOver;")
    controls_js.append(f"L.control.layers(gdBase, gdOver, {{collapsed: true, sortLayers: false}}).addTo({map_name});")
    controls_js.append(f"L.control.scale({{imperial: false, maxWidth: 160}}).addTo({map_name});")
    controls_js.append("var gdLegend = L.control({position: 'bottomright'});")
    controls_js.append(f"gdLegend.onAdd = function () {{ var d = L.DomUtil.create('div'); d.innerHTML = "
                       f"{_json(legend)}; L.DomEvent.disableClickPropagation(d); "
                       f"L.DomEvent.disableScrollPropagation(d); return d; }};")
    controls_js.append(f"gdLegend.addTo({map_name});")
    if extent_lonlat is not None:
        w, s, e, n = extent_lonlat
        controls_js.append(f"{map_name}.fitBounds([[{s:.6f},{w:.6f}],[{n:.6f},{e:.6f}]], {{padding: [8, 8]}});")
    controls_js.append(_fill(OPEN_JS, MAP=map_name))
    fmap.add_child(_Raw(lambda name: "\n".join(controls_js)))

    feedback.set_stage(tr("写网页", "writing the page"))
    text = root.render()
    feedback.set_progress(1.0)  # a cancel during the rendering: no file
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    result.size_bytes = out.stat().st_size
    if result.size_bytes > LARGE_PAGE:
        result.warnings.append(tr("网页有 {mb:.0f} MB（{n:,} 个要素）：浏览器打开和缩放会较慢，可隐藏不需要的图层后再导出",
                                  "the page is {mb:.0f} MB ({n:,} features): browsers open and zoom it slowly; hide "
                                  "the layers not needed and export again", mb=result.size_bytes / 1e6,
                                  n=sum(result.features.values())))
    result.seconds = time.perf_counter() - started
    return result


def _text_element(text: str):
    """A branca element that renders as `text`, as written: not compiled as a Jinja template (branca
    would: megabytes of tiles took seconds, and a '{{' in them would be read as template code)."""
    from branca.element import Element

    class Text(Element):
        def render(self, **kwargs):
            return text

    element = Text()
    element._name = "GisdeskText"
    return element


def _Raw(make_js):
    """A folium element whose script is `make_js(its variable name)`, as written (no template in it)."""
    from branca.element import MacroElement

    class Script(MacroElement):
        def render(self, **kwargs):
            self.get_root().script.add_child(_text_element(js), name=self.get_name())

    element = Script()
    element._name = "GisdeskScript"
    js = make_js(element.get_name())
    return element


_DATA_CALL = "{{ this.get_name() }}_add({{ this.data|tojson }});"
_GEOJSON_CLASS = None


def _geojson_class():
    """folium.GeoJson whose features are not written into its script but read from GISDESK.data[key]
    (written once by the page as plain JSON, see export_html): UTF-8 text instead of \\u escapes, and no
    megabytes through Jinja's lexer a second time (branca compiles every script it renders as a
    template: a '{{' in a feature's name would have been run as template code). Falls back to folium's
    own when its template changes shape."""
    global _GEOJSON_CLASS
    if _GEOJSON_CLASS is None:
        import inspect
        import folium
        from folium.template import Template

        source = inspect.getsource(folium.features.GeoJson)
        start = source.find('_template = Template(\n        """')
        end = source.find('"""\n    )', start)
        body = source[start:end].split('"""', 1)[1] if start >= 0 and end > start else ""
        if body.count(_DATA_CALL) != 1:
            _GEOJSON_CLASS = folium.GeoJson
        else:
            body = body.replace(_DATA_CALL, "{{ this.get_name() }}_add(GISDESK.data[{{ this.data_key|tojson }}]);")
            _GEOJSON_CLASS = type("GisdeskGeoJson", (folium.GeoJson,), {"_template": Template(body)})
    return _GEOJSON_CLASS


def _add_geojson(folium, group, features: list[dict], on_each_feature, data: dict, *,
                 interactive: bool = True) -> None:
    """One GeoJson layer of `features`, each drawn in its own `_style` (one style per feature; the
    commonest is folium's default, the others are looked up by the feature's id). Its features go
    into `data` under a key of their own (the page writes them as GISDESK.data)."""
    styles = {f["id"]: f.pop("_style") for f in features}
    points = [f for f in features if f["geometry"]["type"] in ("Point", "MultiPoint")]
    marker = None
    if points:
        radius = styles[points[0]["id"]].get("radius", 4)
        marker = folium.CircleMarker(radius=radius)
    kwargs = {} if interactive else {"interactive": False}
    cls = _geojson_class()
    collection = {"type": "FeatureCollection", "features": features}
    layer = cls(collection, style_function=lambda feature: styles[feature["id"]], on_each_feature=on_each_feature,
                marker=marker, **kwargs)
    if cls is not folium.GeoJson:
        layer.data_key = f"d{len(data)}"
        data[layer.data_key] = collection
    layer.add_to(group)
