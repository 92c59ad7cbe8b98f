"""CAD drawings (DXF): entities as features, CAD layers mapped onto kinds, texts as labels.

Reading (`read_dxf`, reached through gisdesk.io.sources.read_vector for a `.dxf`):

- The model space is read with ezdxf; blocks (INSERT, also MINSERT arrays) are expanded with
  their transforms, nested ones too, and an entity on layer "0" inside a block takes the layer
  of its INSERT (as CAD draws it). Paper space is not read.
- Closed LWPOLYLINE/POLYLINE (the closed flag, or the first point within 1 mm of the last),
  CIRCLE, closed SPLINE and ELLIPSE, SOLID/TRACE/3DFACE and HATCH boundaries (rings combined
  even-odd, so islands are holes) become polygons; open polylines, LINE, ARC and open splines and
  ellipses lines; POINT points. Curves and bulges go through ezdxf's path tools and are
  flattened so that no chord is more than FLATTEN (0.05 drawing units, i.e. 5 cm in a drawing in
  metres) off the curve. Coordinates are taken as metres in the CRS the user names. Z is kept
  where the drawing has it, so that the importer drops it and counts it like any source's.
- Each row keeps `cad_layer`, `cad_handle` (inside a block: the INSERT's handle / the entity's
  handle in the block definition, nested blocks joined the same way; `[k]` numbers the copies of
  a MINSERT) and `cad_entity` (the DXF type). TEXT, MTEXT and block attributes (ATTRIB) are rows
  too, with their plain text in `cad_text` and their insertion point as geometry;
  `select_for_kind` turns them into labels. Other entities (DIMENSION, LEADER, IMAGE, 3DSOLID,
  meshes ...) are counted in `frame.attrs["cad_skipped"]`.
- Encodings: DXF R2007 and later are UTF-8. Older DXF name their code page in $DWGCODEPAGE
  (ANSI_936 is GBK), which ezdxf follows; when that code page is a one-byte one (ANSI_1252, or none)
  but the text of the file is valid GB18030 and not UTF-8, it is read as GB18030 (what Chinese CAD
  tools often write) and the report says so. `--encoding` overrides both for DXF before R2007.
  `\\U+XXXX` escapes in names and texts are decoded. Text that does not decode is refused, naming
  the entity.
- A file ezdxf cannot parse, one cut off before its EOF, or a model space without entities is
  refused in one line naming the file.

Choosing (`select_for_kind`, called by gisdesk.io.importer.import_layer with the kind):

- A CAD layer's kind is, first, what the user set for that layer of that file (`--cad-map
  LAYER=KIND`, remembered in the project setting `cad_layers:<file name>` as JSON {layer: kind or
  null}); else DEFAULT_CAD_MAP (layer names compared ignoring letter case and surrounding spaces);
  else none. `--cad-map LAYER=none` maps a layer to nothing.
- Imported as kind K: the entities of the layers mapped to K, or, with `--cad-layer NAME`
  (repeatable), exactly the named layers whatever they map to (for this import only; not
  remembered). Refused when no layer maps to K and none is named, listing the drawing's layers and
  their kinds. Layers left out are listed in the report: those mapped to another kind, and those
  mapped to nothing (never left out without a word).
- A shape drawn twice on one CAD layer (a HATCH over the closed polyline of its boundary, an entity
  copied onto itself: within 2·FLATTEN everywhere) is imported once (the polyline), and counted.
- Labels: the texts of the imported layers and of the layers mapped to nothing (the usual 文字 /
  注记 layers; texts of layers mapped to another kind label those) name features that have no
  `name`. A text inside one or more imported polygons labels the smallest of them; a text inside
  none labels the nearest imported line within LABEL_DISTANCE (5 m). A feature with several
  labelling texts takes the one of its own CAD layer first, then the one nearest its centre.
  Texts are not features, except when K takes points (ledger, parking): the texts of the imported
  layers that label nothing then become points named by their text.
- A DXF has no CRS: the import is refused until `--crs` names one, with a guess from the
  coordinates (gisdesk.crs.guess_crs: 8-digit eastings carry their Gauss-Krüger zone).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from gisdesk.crs import crs_label, guess_crs
from gisdesk.errors import InputError
from gisdesk.i18n import tr
from gisdesk.io.encodings import check_encoding

FLATTEN = 0.05  # largest distance of a chord from its curve, in drawing units (m)
CLOSE_GAP = 1e-3  # an open polyline whose ends are this close is closed
LABEL_DISTANCE = 5.0  # a text labels the nearest line up to this far
SETTING = "cad_layers:{name}"  # the project setting remembering the mapping of a drawing's layers
NO_KIND = ("none", "-", "无", "")  # --cad-map LAYER=none: the layer maps to nothing

DEFAULT_CAD_MAP: dict[str, str] = {
    **dict.fromkeys(("道路红线", "红线", "规划道路红线", "城市道路红线", "DLHX", "ROAD_RED", "ROADRED", "RED_LINE",
                     "REDLINE"), "red"),
    **dict.fromkeys(("绿线", "城市绿线", "规划绿线", "LX", "GREEN", "GREEN_LINE", "GREENLINE"), "green"),
    **dict.fromkeys(("蓝线", "城市蓝线", "规划蓝线", "BLUE", "BLUE_LINE", "BLUELINE"), "blue"),
    **dict.fromkeys(("紫线", "城市紫线", "PURPLE", "PURPLE_LINE", "PURPLELINE"), "purple"),
    **dict.fromkeys(("黄线", "城市黄线", "YELLOW", "YELLOW_LINE", "YELLOWLINE"), "yellow"),
    **dict.fromkeys(("建筑", "建筑物", "房屋", "JZ", "JZW", "BUILDING", "BUILDINGS", "BLDG"), "buildings"),
}

_TEXTS = ("TEXT", "MTEXT", "ATTRIB")
_CURVES = ("LWPOLYLINE", "POLYLINE", "SPLINE", "ELLIPSE", "CIRCLE", "ARC", "LINE", "SOLID", "TRACE", "3DFACE")
_MULTIBYTE = ("gbk", "gb2312", "gb18030", "cp936", "big5", "cp950", "cp932", "shift_jis", "cp949", "euc_kr",
              "cp1361", "johab", "utf-8", "utf8")


# --- reading ---------------------------------------------------------------------------------------

def read_dxf(path, *, layer: str | None = None, encoding: str | None = None) -> gpd.GeoDataFrame:
    """The model space of a DXF file as rows (see the module's docstring); no CRS. A drawing is one
    source: its CAD layers are chosen by the import (--cad-layer, --cad-map), `layer` is refused."""
    import ezdxf

    path = Path(path)
    if layer:
        raise InputError("{path}：DXF 图纸的 CAD 图层用 --cad-layer 或 --cad-map 选择，而不是 --layer（{layer}）",
                         "{path}: the CAD layers of a DXF drawing are chosen with --cad-layer or --cad-map, not --layer "
                         "({layer})", path=path.name, layer=layer)
    if encoding:
        check_encoding(encoding)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError("无法读取 {path}：{why}", "cannot read {path}: {why}", path=path.name,
                         why=exc.strerror or exc) from exc
    binary = raw.startswith(b"AutoCAD Binary DXF")
    if not binary and not raw.strip():
        raise InputError("{path}：文件为空，不是 DXF 图纸", "{path}: the file is empty, not a DXF drawing", path=path.name)
    found = None if (encoding or binary) else _sniff_encoding(raw)
    if not binary and raw.rstrip()[-3:] != b"EOF" and _looks_like_dxf(raw):
        raise InputError("{path}：DXF 文件不完整（缺少结尾的 EOF，可能被截断），未导入任何要素",
                         "{path}: the DXF is incomplete (no EOF at its end: cut off?); nothing imported", path=path.name)
    try:
        doc = ezdxf.readfile(path, encoding=encoding or found)
    except ezdxf.DXFStructureError as exc:
        raise InputError("{path}：DXF 结构损坏（{why}），未导入任何要素", "{path}: the DXF structure is damaged ({why}); "
                         "nothing imported", path=path.name, why=str(exc).replace("DXFStructureError: ", "")) from exc
    except (OSError, UnicodeError, LookupError, ValueError) as exc:
        if "not a DXF file" in str(exc):
            raise InputError("{path}：不是 DXF 图纸（内容无法识别）", "{path}: not a DXF drawing (unrecognised content)",
                             path=path.name) from exc
        raise InputError("{path}：DXF 已损坏，无法读取（ezdxf：{why}），未导入任何要素",
                         "{path}: the DXF is damaged and cannot be read (ezdxf: {why}); nothing imported",
                         path=path.name, why=exc) from exc
    except Exception as exc:  # ezdxf's loader fails on damage in many ways (StopIteration, IndexError ...)
        raise InputError("{path}：DXF 已损坏或不完整，无法读取（{why}），未导入任何要素",
                         "{path}: the DXF is damaged or incomplete and cannot be read ({why}); nothing imported",
                         path=path.name, why=type(exc).__name__) from exc
    rows: list[tuple] = []
    skipped: dict[str, int] = {}
    try:
        msp = doc.modelspace()
        if len(msp) == 0:
            raise InputError("{path}：图纸的模型空间中没有任何实体", "{path}: the drawing has no entities in model space",
                             path=path.name)
        for entity, layer, handle in _walk(msp, skipped):
            for kind_, geometry, text in _convert(entity, skipped):
                rows.append((_decoded(layer, path, handle, layer), handle, kind_, text, geometry))
    except InputError:
        raise
    except Exception as exc:  # what ezdxf loaded of a damaged drawing breaks when walked (no model space ...)
        raise InputError("{path}：DXF 已损坏，无法读取（{why}），未导入任何要素",
                         "{path}: the DXF is damaged and cannot be read ({why}); nothing imported",
                         path=path.name, why=f"{type(exc).__name__}: {exc}"[:120]) from exc
    if not rows:
        what = "，".join(f"{t} {n}" for t, n in skipped.items())
        raise InputError("{path}：图纸中没有可导入的实体（只有 {what}）", "{path}: the drawing holds no entity gisdesk "
                         "can import (only {what})", path=path.name, what=what or "-")
    layer_, handle_, type_, text_, geoms = zip(*rows)
    texts = [None if t is None else _decoded(t, path, h, l) for t, h, l in zip(text_, handle_, layer_)]
    frame = gpd.GeoDataFrame({"cad_layer": list(layer_), "cad_handle": list(handle_), "cad_entity": list(type_),
                              "cad_text": texts}, geometry=list(geoms), crs=None)
    frame.attrs["cad_skipped"] = skipped
    frame.attrs["encoding"] = _encoding_label(doc, encoding, found)
    return frame


def _looks_like_dxf(raw: bytes) -> bool:
    head = raw[:4096].lstrip()
    return head.startswith(b"0") or b"SECTION" in head or b"$ACADVER" in head


def _sniff_encoding(raw: bytes) -> str | None:
    """GB18030 for a DXF before R2007 whose $DWGCODEPAGE names a one-byte code page (or none) while its
    text is GB18030 and not UTF-8; None when ezdxf's own choice holds."""
    head = raw[:65536]
    version = re.search(rb"\$ACADVER\s*\r?\n\s*1\s*\r?\n\s*(\S+)", head)
    if version and version.group(1).upper() >= b"AC1021":  # R2007+: UTF-8 by the standard
        return None
    page = re.search(rb"\$DWGCODEPAGE\s*\r?\n\s*3\s*\r?\n\s*(\S+)", head)
    if page:
        from ezdxf.tools.codepage import toencoding

        if toencoding(page.group(1).decode("ascii", "replace")).lower() in _MULTIBYTE:
            return None
    if raw.isascii():
        return None
    try:
        raw.decode("utf-8")
        return "utf-8"  # some tools write UTF-8 into old DXF
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return "gb18030"


def _encoding_label(doc, given: str | None, found: str | None) -> str:
    if doc.dxfversion >= "AC1021":
        return "UTF-8 (DXF R2007+)"
    page = doc.header.get("$DWGCODEPAGE", "")
    if given:
        return f"{given} (--encoding)"
    if found:
        return tr("{enc}（按文字判断；$DWGCODEPAGE 为 {page}）", "{enc} (found from the text; $DWGCODEPAGE says {page})",
                  enc=found.upper(), page=page or "-")
    return f"{doc.encoding} ($DWGCODEPAGE {page})" if page else doc.encoding


def _decoded(text: str, path: Path, handle: str, layer: str) -> str:
    """`text` with DXF's \\U+XXXX and \\M+ escapes decoded; refused when it holds bytes the encoding
    could not decode (surrogate escapes)."""
    from ezdxf.lldxf.encoding import decode_dxf_unicode, decode_mif_to_unicode, has_dxf_unicode, has_mif_encoding

    try:
        if has_dxf_unicode(text):
            text = decode_dxf_unicode(text)
        if has_mif_encoding(text):
            text = decode_mif_to_unicode(text)
    except ValueError:  # a malformed escape stays as it is written
        pass
    if any("\udc80" <= c <= "\udcff" for c in text):
        raise InputError("{path}：实体 {handle}（图层 {layer}）的文字无法按图纸的编码解码：请用 --encoding 指定，例如 GBK",
                         "{path}: the text of entity {handle} (layer {layer}) cannot be decoded in the drawing's "
                         "encoding: name it with --encoding, e.g. GBK", path=path.name, handle=handle,
                         layer=layer.encode("utf-8", "replace").decode("utf-8", "replace"))
    return text


def _walk(entities, skipped: dict, parent_layer: str | None = None, prefix: str = "", depth: int = 0):
    """(entity, its CAD layer, its handle) of each entity, block references expanded."""
    for entity in entities:
        kind_ = entity.dxftype()
        if not entity.dxf.is_supported("layer"):  # no graphic entity (an unknown or damaged type): counted
            skipped[kind_] = skipped.get(kind_, 0) + 1
            continue
        layer = entity.dxf.get("layer", "0") or "0"
        if parent_layer is not None and layer == "0":
            layer = parent_layer
        own = entity.dxf.get("handle") or (entity.source_of_copy.dxf.get("handle") if entity.source_of_copy else None)
        handle = f"{prefix}/{own or '?'}" if prefix else (own or "?")
        if entity.dxf.get("invisible", 0):
            continue
        if kind_ != "INSERT":
            yield entity, layer, handle
            continue
        if depth > 32:  # a block that contains itself
            skipped["INSERT"] = skipped.get("INSERT", 0) + 1
            continue
        copies = list(entity.multi_insert()) if entity.mcount > 1 else [entity]
        for k, insert in enumerate(copies):
            here = handle if len(copies) == 1 else f"{handle}[{k + 1}]"
            for attrib in insert.attribs:
                if not attrib.dxf.get("invisible", 0) and not attrib.is_invisible:
                    yield attrib, (layer if attrib.dxf.get("layer", "0") == "0" else attrib.dxf.layer), \
                        f"{here}/{attrib.dxf.get('handle') or attrib.dxf.get('tag', '?')}"
            try:
                children = list(insert.virtual_entities())
            except Exception:  # a broken block reference: counted, the drawing read on
                skipped["INSERT"] = skipped.get("INSERT", 0) + 1
                continue
            yield from _walk(children, skipped, layer, here, depth + 1)


def _convert(entity, skipped: dict):
    """(DXF type, geometry, text or None) of one entity; nothing for those that give no feature."""
    from ezdxf import path as dxfpath

    kind_ = entity.dxftype()
    try:
        if kind_ in _TEXTS:
            text = _plain_text(entity)
            if text:
                yield kind_, shapely.Point(*_text_point(entity)[:2]), text
            return
        if kind_ == "POINT":
            yield kind_, _point(entity.dxf.location), None
            return
        if kind_ in ("HATCH", "MPOLYGON"):
            geometry = _hatch_polygon(entity)
            if geometry is not None:
                yield kind_, geometry, None
            return
        if kind_ not in _CURVES or (kind_ == "POLYLINE" and (entity.is_poly_face_mesh or entity.is_polygon_mesh)):
            skipped[kind_] = skipped.get(kind_, 0) + 1
            return
        if kind_ == "LINE":
            points = [tuple(entity.dxf.start), tuple(entity.dxf.end)]
        elif kind_ == "LWPOLYLINE" and not entity.has_arc and tuple(entity.dxf.extrusion) == (0, 0, 1):
            z = entity.dxf.elevation  # straight segments in a plain plane: the vertices as they are (fast)
            points = [(x, y, z) for x, y in entity.vertices()]
        else:
            path = dxfpath.make_path(entity)
            points = [tuple(v) for v in path.flattening(FLATTEN, segments=16)] or [tuple(path.start)]
    except Exception:  # an entity ezdxf cannot make a shape of: counted, not a refusal of the drawing
        skipped[kind_] = skipped.get(kind_, 0) + 1
        return
    geometry = _shape(points, closed=_is_closed(entity, points))
    if geometry is None:
        skipped[kind_] = skipped.get(kind_, 0) + 1
        return
    yield kind_, geometry, None


def _is_closed(entity, points) -> bool:
    kind_ = entity.dxftype()
    if kind_ in ("CIRCLE", "SOLID", "TRACE", "3DFACE"):
        return True
    if kind_ in ("LINE", "ARC"):
        return False
    if kind_ == "ELLIPSE":
        span = (entity.dxf.end_param - entity.dxf.start_param) % (2 * math.pi)
        return math.isclose(span, 0, abs_tol=1e-9) or math.isclose(span, 2 * math.pi, abs_tol=1e-9)
    if kind_ in ("LWPOLYLINE", "POLYLINE") and entity.is_closed:
        return True
    return len(points) > 2 and math.dist(points[0][:2], points[-1][:2]) <= CLOSE_GAP


def _shape(points, *, closed: bool):
    """A polygon (closed), or a line; None for fewer than two distinct points."""
    has_z = any(len(p) > 2 and p[2] for p in points)
    points = [p[:3] if has_z else p[:2] for p in points]
    distinct = {p[:2] for p in points}
    if len(distinct) < 2:
        return None
    if closed and len(distinct) >= 3:
        if points[0][:2] != points[-1][:2]:
            points.append(points[0])
        return shapely.Polygon(points)
    return shapely.LineString(points)


def _point(location):
    x, y, z = location
    return shapely.Point(x, y, z) if z else shapely.Point(x, y)


def _hatch_polygon(entity):
    """The polygon of a HATCH's boundary paths, combined even-odd (islands are holes); None without area."""
    from ezdxf import path as dxfpath

    area = None
    for boundary in dxfpath.from_hatch(entity):
        points = [tuple(v)[:2] for v in boundary.flattening(FLATTEN, segments=16)]
        if len({p for p in points}) < 3:
            continue
        ring = shapely.make_valid(shapely.Polygon(points))
        area = ring if area is None else shapely.symmetric_difference(area, ring)
    if area is None or area.is_empty:
        return None
    parts = [p for p in shapely.get_parts(area) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(parts) if parts else None


def _plain_text(entity) -> str:
    if entity.dxftype() == "MTEXT":
        text = entity.plain_text(split=False)
    else:
        text = entity.plain_text()
    return " ".join(str(text).split())


def _text_point(entity):
    """The WCS point of a text: MTEXT's insertion point; a TEXT's alignment point when it is
    aligned, else its insertion point (both in its OCS)."""
    if entity.dxftype() == "MTEXT":
        return tuple(entity.dxf.insert)
    point = entity.dxf.insert
    if (entity.dxf.get("halign", 0) or entity.dxf.get("valign", 0)) and entity.dxf.hasattr("align_point"):
        point = entity.dxf.align_point
    return tuple(entity.ocs().to_wcs(point))


# --- choosing the entities of a kind ----------------------------------------------------------------

@dataclass
class CadSummary:
    """What the import of a drawing took and left (printed by the CLI, shown by the wizard)."""
    layers: dict[str, int] = field(default_factory=dict)  # CAD layers imported → their entities
    other: dict[str, str] = field(default_factory=dict)  # CAD layers left for another kind → that kind
    unmapped: dict[str, int] = field(default_factory=dict)  # CAD layers mapped to nothing → their entities
    labels: int = 0  # features named by a text
    text_points: int = 0  # texts imported as points (kinds that take points)
    skipped: dict[str, int] = field(default_factory=dict)  # DXF entity types not imported → count
    remember: dict[str, str | None] = field(default_factory=dict)  # the mapping to remember for this file
    duplicates: int = 0  # shapes drawn twice on one layer (a hatch over its boundary, a copy) left out


def parse_cad_map(items) -> dict[str, str | None]:
    """--cad-map LAYER=KIND items (KIND `none` for no kind) → {layer: kind or None}."""
    from gisdesk.layers.kinds import KINDS

    out: dict[str, str | None] = {}
    for item in items or ():
        layer, sep, kind = str(item).rpartition("=")
        layer, kind = layer.strip(), kind.strip()
        if not sep or not layer:
            raise InputError("--cad-map 应写作 CAD图层=类型，例如 --cad-map 道路红线=red（{item}）",
                             "--cad-map takes CADLAYER=KIND, e.g. --cad-map ROAD=red ({item})", item=item)
        if kind.lower() not in NO_KIND and kind not in KINDS:
            raise InputError("--cad-map {item}：未知的图层类型 {kind}；可选：{known} 或 none",
                             "--cad-map {item}: unknown layer kind {kind}; one of: {known} or none",
                             item=item, kind=kind, known=" ".join(KINDS))
        out[layer] = None if kind.lower() in NO_KIND else kind
    return out


def remembered_cad_map(project, source_name: str) -> dict[str, str | None]:
    """The mapping the user set for the layers of the drawing `source_name` (the file's name)."""
    text = project.setting(SETTING.format(name=source_name), "")
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return {str(k): (v if isinstance(v, str) else None) for k, v in value.items()} if isinstance(value, dict) else {}


def cad_layer_kinds(layers, remembered: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """The kind (or None) of each CAD layer name: the remembered mapping first, then DEFAULT_CAD_MAP,
    both ignoring letter case and surrounding spaces."""
    remembered = {k.strip().casefold(): v for k, v in (remembered or {}).items()}
    defaults = {k.casefold(): v for k, v in DEFAULT_CAD_MAP.items()}
    out = {}
    for layer in layers:
        key = str(layer).strip().casefold()
        out[layer] = remembered[key] if key in remembered else defaults.get(key)
    return out


def remember_cad_map(project, source_name: str, edits: dict[str, str | None]) -> None:
    """Store `edits` over the mapping remembered for the drawing `source_name`."""
    if not edits:
        return
    merged = {**remembered_cad_map(project, source_name), **edits}
    project.set_settings(**{SETTING.format(name=source_name): json.dumps(merged, ensure_ascii=False, sort_keys=True)})


def select_for_kind(frame: gpd.GeoDataFrame, info, *, project, source: Path, cad_map=None, cad_layers=None,
                    crs: str | None = None) -> tuple[gpd.GeoDataFrame, CadSummary]:
    """The features of a drawing read by `read_dxf` to import as kind `info` (a LayerKind), named by
    their labels, and what was taken and left (module docstring). `cad_map` edits the mapping
    ({layer: kind or None}, remembered after the import: summary.remember); `cad_layers` names the
    layers to import this time. Refused when no layer is chosen, or without `crs` (with a guess)."""
    from gisdesk.layers.kinds import POINT

    name = source.name
    edits = dict(cad_map or {})
    counts = frame["cad_layer"].value_counts(sort=False).to_dict()
    layers = list(dict.fromkeys(frame["cad_layer"]))
    for layer in edits:
        if layer not in counts:
            raise InputError("{source}：--cad-map 中的 CAD 图层 {layer} 不在图纸中；图纸中的图层：{layers}",
                             "{source}: the CAD layer {layer} of --cad-map is not in the drawing; its layers: {layers}",
                             source=name, layer=layer, layers=", ".join(layers))
    kinds = cad_layer_kinds(layers, {**remembered_cad_map(project, name), **edits})
    if cad_layers:
        chosen = []
        for layer in cad_layers:
            match = layer if layer in counts else next((l for l in layers if l.strip().casefold() ==
                                                        str(layer).strip().casefold()), None)
            if match is None:
                raise InputError("{source}：没有 CAD 图层 {layer}；图纸中的图层：{layers}",
                                 "{source}: no CAD layer {layer}; the drawing's layers: {layers}",
                                 source=name, layer=layer, layers=", ".join(layers))
            chosen.append(match)
    else:
        chosen = [layer for layer in layers if kinds[layer] == info.code]
        if not chosen:
            listing = ", ".join(f"{layer} → {kinds[layer] or tr('无', 'none')}" for layer in layers)
            raise InputError("{source}：没有映射到{title}的 CAD 图层（图纸中的图层：{listing}），未导入任何要素；"
                             "用 --cad-map 图层={kind} 映射，或用 --cad-layer 图层 指定",
                             "{source}: no CAD layer maps to {title} (the drawing's layers: {listing}); nothing "
                             "imported; map one with --cad-map LAYER={kind} or name it with --cad-layer LAYER",
                             source=name, kind=info.code, title=info.title, listing=listing)
    chosen_set = set(chosen)
    summary = CadSummary(layers={l: int(counts[l]) for l in chosen}, remember=edits,
                         skipped=dict(frame.attrs.get("cad_skipped", {})))
    for layer in layers:
        if layer not in chosen_set:
            if kinds[layer]:
                summary.other[layer] = kinds[layer]
            else:
                summary.unmapped[layer] = int(counts[layer])
    is_text = frame["cad_text"].notna().to_numpy()
    in_chosen = frame["cad_layer"].isin(chosen_set).to_numpy()
    label_layers = chosen_set | set(summary.unmapped)
    features = frame[in_chosen & ~is_text].reset_index(drop=True)
    features, summary.duplicates = _without_duplicates(features)
    texts = frame[is_text & frame["cad_layer"].isin(label_layers).to_numpy()].reset_index(drop=True)
    names, used = _labels(features, texts)
    features["name"] = names
    summary.labels = int(sum(n is not None for n in names))
    if POINT in info.geometries:
        own = texts[~used & texts["cad_layer"].isin(chosen_set).to_numpy()].reset_index(drop=True)
        if len(own):
            own = own.assign(name=own["cad_text"])
            summary.text_points = len(own)
            features = gpd.GeoDataFrame(
                __import__("pandas").concat([features, own], ignore_index=True), geometry="geometry")
    features = features.drop(columns=["cad_text"])
    if crs is None:
        _refuse_without_crs(features if len(features) else frame, name, project.crs)
    return gpd.GeoDataFrame(features, geometry="geometry", crs=None), summary


def _without_duplicates(features: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """The features less the shapes drawn twice on one CAD layer: two polygons (or two lines) of a layer no
    more than 2·FLATTEN apart everywhere (Hausdorff distance) are one shape — a HATCH filling the boundary
    polyline drawn with it, or an entity copied onto itself. The HATCH goes, else the later entity."""
    if len(features) < 2:
        return features, 0
    geoms = np.asarray(features.geometry.values, dtype=object)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    layers = features["cad_layer"].to_numpy()
    same = (layers[a] == layers[b]) & (polygonal[a] == polygonal[b])
    a, b = a[same], b[same]
    if not len(a):
        return features, 0
    twice = shapely.hausdorff_distance(geoms[a], geoms[b]) <= 2 * FLATTEN
    hatch = (features["cad_entity"].to_numpy() == "HATCH")
    drop = set()
    for i, j in zip(a[twice], b[twice]):
        if i in drop or j in drop:
            continue
        drop.add(int(i) if hatch[i] and not hatch[j] else int(j))
    if not drop:
        return features, 0
    return features.drop(index=sorted(drop)).reset_index(drop=True), len(drop)


def _labels(features: gpd.GeoDataFrame, texts: gpd.GeoDataFrame) -> tuple[list, np.ndarray]:
    """The name each feature takes from the texts (None for none) and which texts labelled one."""
    names: list = [None] * len(features)
    used = np.zeros(len(texts), dtype=bool)
    if not len(features) or not len(texts):
        return names, used
    geoms = np.asarray(features.geometry.values, dtype=object)
    points = np.asarray(texts.geometry.values, dtype=object)
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, (3, 6))
    lines = np.isin(types, (1, 2, 5))
    owner = np.full(len(texts), -1)
    if polygonal.any():
        tree = shapely.STRtree(np.where(polygonal, geoms, None))
        text_i, feat_i = tree.query(points, predicate="within")
        if len(text_i):
            areas = shapely.area(geoms[feat_i])
            order = np.lexsort((areas, text_i))  # by text, smallest polygon first
            first = np.unique(text_i[order], return_index=True)[1]
            owner[text_i[order][first]] = feat_i[order][first]
    if lines.any():
        free = np.flatnonzero(owner == -1)
        if len(free):
            tree = shapely.STRtree(np.where(lines, geoms, None))
            text_i, feat_i = tree.query_nearest(points[free], max_distance=LABEL_DISTANCE, all_matches=False)
            owner[free[text_i]] = feat_i
    used = owner >= 0
    t = np.flatnonzero(used)
    if len(t):
        f = owner[t]
        other_layer = texts["cad_layer"].to_numpy()[t] != features["cad_layer"].to_numpy()[f]
        distance = shapely.distance(points[t], shapely.centroid(geoms[f]))
        order = np.lexsort((distance, other_layer, f))  # by feature: its own layer's texts first, then nearest
        first = np.unique(f[order], return_index=True)[1]
        words = texts["cad_text"].to_numpy()
        for i in order[first]:
            names[int(f[i])] = words[t[i]]
    return names, used


def _refuse_without_crs(frame: gpd.GeoDataFrame, name: str, hint) -> None:
    xmin, ymin, xmax, ymax = (float(v) for v in shapely.total_bounds(np.asarray(frame.geometry.values, dtype=object)))
    extent = f"x {xmin:.0f}–{xmax:.0f}, y {ymin:.0f}–{ymax:.0f}"
    guess = guess_crs(xmin, ymin, xmax, ymax, hint=hint)
    if guess is not None:
        epsg = guess.to_epsg()
        raise InputError("{source}：CAD 图纸没有坐标系，请用 --crs 指定；按坐标（{extent}）推测为 {guess}（--crs {code}）",
                         "{source}: a CAD drawing has no coordinate reference system: name it with --crs; from its "
                         "coordinates ({extent}) it looks like {guess} (--crs {code})",
                         source=name, extent=extent, guess=crs_label(guess), code=f"EPSG:{epsg}" if epsg else "...")
    raise InputError("{source}：CAD 图纸没有坐标系，请用 --crs 指定（坐标范围 {extent}，例如 --crs EPSG:4549）",
                     "{source}: a CAD drawing has no coordinate reference system: name it with --crs (coordinates "
                     "{extent}; e.g. --crs EPSG:4549)", source=name, extent=extent)


def cad_report_lines(summary: CadSummary | None) -> list[str]:
    """The lines of the import report about a drawing (the CLI prints them; the wizard may show them)."""
    if summary is None:
        return []

    def listing(counts: dict) -> str:
        return ", ".join(f"{k} ({v})" for k, v in counts.items())

    lines = [tr("  CAD 图层：{layers}", "  CAD layers: {layers}", layers=listing(summary.layers))]
    if summary.labels:
        lines.append(tr("  由图中文字得名的要素：{n} 个", "  features named by a text of the drawing: {n}", n=summary.labels))
    if summary.text_points:
        lines.append(tr("  文字导入为点：{n} 个", "  texts imported as points: {n}", n=summary.text_points))
    if summary.other:
        lines.append(tr("  映射到其他类型的 CAD 图层（未导入）：{layers}", "  CAD layers mapped to other kinds (not imported): "
                        "{layers}", layers=", ".join(f"{k} → {v}" for k, v in summary.other.items())))
    if summary.unmapped:
        lines.append(tr("  未映射的 CAD 图层（未导入，其文字可作标注）：{layers}；可用 --cad-map 图层=类型 映射",
                        "  CAD layers mapped to nothing (not imported; their texts may label): {layers}; map them "
                        "with --cad-map LAYER=KIND", layers=listing(summary.unmapped)))
    if summary.duplicates:
        lines.append(tr("  同一图层上重复的图形未导入：{n} 个（填充与其边界线重合，或实体画了两次）",
                        "  shapes drawn twice on one CAD layer left out: {n} (a hatch over its boundary line, or an "
                        "entity copied onto itself)", n=summary.duplicates))
    if summary.skipped:
        lines.append(tr("  未导入的 CAD 实体：{what}", "  CAD entities not imported: {what}",
                        what=", ".join(f"{k} {v}" for k, v in summary.skipped.items())))
    if summary.remember:
        lines.append(tr("  已在项目中记住 CAD 图层映射：{edits}", "  CAD layer mapping remembered in the project: {edits}",
                        edits=", ".join(f"{k} → {v or tr('无', 'none')}" for k, v in summary.remember.items())))
    return lines
