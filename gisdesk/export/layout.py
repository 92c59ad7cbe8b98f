"""Page layouts: what a printed page holds and where, in millimetres. No Qt.

A layout is a page (A4, A3 or A1, portrait or landscape) and its items, each a box on the page
in mm from the top left corner: the title, subtitle, date and organisation lines, the map frame
(at a chosen scale 1:N or fitted to the project's layers), its legend, scale bar, north arrow and
CRS note, an overview inset, the totals table of the last check, notes and a logo. Text items
hold a template: {name} (the project's name), {date} (today, or the `date` of the layout),
{organisation} (the project's setting of that name), {crs} (the project CRS), {scale} (the map
frame's 1:N) are filled in when the page is drawn (gisdesk.export.pages).

Layouts are plain JSON (`Layout.to_dict` / `Layout.from_dict`): the templates of the common
meeting pages ship as resources/layouts/*.json (their file name is the template's id, e.g.
meeting-a3-landscape); a project keeps its own layouts in its settings (Project.layouts()),
under their names. `find_layout(project, name)` looks in the project first, then the templates.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from gisdesk.errors import InputError
from gisdesk.i18n import tr

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "resources" / "layouts"
DEFAULT_TEMPLATE = "meeting-a3-landscape"

PAGE_SIZES = {"A4": (210.0, 297.0), "A3": (297.0, 420.0), "A1": (594.0, 841.0)}  # portrait width, height (mm)
ORIENTATIONS = ("portrait", "landscape")

TITLE, SUBTITLE, DATE, ORGANISATION, TEXT = "title", "subtitle", "date", "organisation", "text"
MAP, LEGEND, SCALE_BAR, NORTH_ARROW, CRS_NOTE = "map", "legend", "scale_bar", "north_arrow", "crs_note"
OVERVIEW, TOTALS, LOGO = "overview", "totals", "logo"
# the atlas's own boxes (gisdesk.export.atlas draws them; a single page leaves them empty): the page's
# feature as a table, the earlier and later base maps side by side, the feature's photos
FEATURE_TABLE, BEFORE_AFTER, PHOTOS = "feature_table", "before_after", "photos"
ATLAS_KINDS = (FEATURE_TABLE, BEFORE_AFTER, PHOTOS)
TEXT_KINDS = (TITLE, SUBTITLE, DATE, ORGANISATION, TEXT, CRS_NOTE)
KINDS = (*TEXT_KINDS, MAP, LEGEND, SCALE_BAR, NORTH_ARROW, OVERVIEW, TOTALS, LOGO, *ATLAS_KINDS)
ALIGNS = ("left", "center", "right")
# {feature} (the page's conflict, case or district), {page}, {pages} and {atlas} (its kind) are an atlas page's
PLACEHOLDERS = ("name", "date", "organisation", "crs", "scale", "feature", "page", "pages", "atlas")

# the text a text item shows when its layout gives none
DEFAULT_TEXT = {TITLE: "{name}", SUBTITLE: "", DATE: "{date}", ORGANISATION: "{organisation}", TEXT: "",
                CRS_NOTE: "坐标系：{crs}　比例尺 {scale}"}
DEFAULT_SIZE_PT = {TITLE: 24.0, SUBTITLE: 14.0, DATE: 10.0, ORGANISATION: 11.0, TEXT: 9.0, CRS_NOTE: 8.0}


@dataclass(frozen=True)
class Item:
    """One box of the page. `x`, `y` (top left), `w`, `h` in mm. Text items: `text` (a template,
    see the module), `size_pt`, `bold`, `align`. The map frame: `scale` (N of 1:N; None: fitted to
    the layers), `center` ([x, y] in the project CRS; None: the layers' centre), `symbol_scale` (2: its
    lines, symbols and labels twice their size, as on an A3 page enlarged to A1). The logo: `path`
    (an image file, relative to the project's folder, or "project:NAME", an image kept in the project). The legend and the totals table: `title`."""
    kind: str
    x: float
    y: float
    w: float
    h: float
    text: str | None = None
    size_pt: float | None = None
    bold: bool = False
    align: str = "left"
    scale: float | None = None
    center: tuple[float, float] | None = None
    path: str | None = None
    title: str | None = None
    symbol_scale: float = 1.0  # the map's line widths, symbols and labels (and the scale bar's) this many times

    @property
    def rect(self) -> tuple[float, float, float, float]:
        return self.x, self.y, self.w, self.h

    def template(self) -> str:
        return self.text if self.text is not None else DEFAULT_TEXT.get(self.kind, "")

    def font_pt(self) -> float:
        return self.size_pt if self.size_pt is not None else DEFAULT_SIZE_PT.get(self.kind, 9.0)


@dataclass(frozen=True)
class Layout:
    name: str
    page: str = "A3"
    orientation: str = "landscape"
    items: tuple[Item, ...] = ()
    margin_mm: float = 10.0  # the frame drawn round the page's content
    date: str | None = None  # the {date} shown (None: the day of the export)
    template: str = ""  # the template it was made from (its file name), "" for a project's own

    @property
    def size_mm(self) -> tuple[float, float]:
        """(width, height) of the page in mm, as it is turned."""
        w, h = PAGE_SIZES[self.page]
        return (h, w) if self.orientation == "landscape" else (w, h)

    def items_of(self, kind: str) -> list[Item]:
        return [item for item in self.items if item.kind == kind]

    def map_item(self) -> Item | None:
        return next(iter(self.items_of(MAP)), None)

    def to_dict(self) -> dict:
        out = {"name": self.name, "page": self.page, "orientation": self.orientation, "margin_mm": self.margin_mm}
        if self.date is not None:
            out["date"] = self.date
        items = []
        for item in self.items:
            values = asdict(item)
            defaults = asdict(Item(item.kind, 0, 0, 0, 0))
            items.append({k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()
                          if k in ("kind", "x", "y", "w", "h") or v != defaults[k]})
        out["items"] = items
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_dict(cls, data: dict, *, source: str = "", template: str = "") -> Layout:
        """A layout from its JSON object; InputError naming `source` and the problem when it is not one."""
        def bad(problem_zh: str, problem_en: str, **values):
            return InputError("版式 {source} 有误：" + problem_zh, "layout {source} is wrong: " + problem_en,
                              source=source or data.get("name", "?") if isinstance(data, dict) else source, **values)
        if not isinstance(data, dict):
            raise bad("不是 JSON 对象", "not a JSON object")
        name = str(data.get("name") or template or "").strip()
        if not name:
            raise bad("缺少名称（name）", "it has no name")
        page = str(data.get("page", "A3")).upper()
        if page not in PAGE_SIZES:
            raise bad("纸张 {page} 不可用（可用 A4、A3、A1）", "page {page} is not one of A4, A3, A1", page=page)
        orientation = str(data.get("orientation", "landscape")).lower()
        if orientation not in ORIENTATIONS:
            raise bad("方向 {o} 不可用（portrait 纵向或 landscape 横向）", "orientation {o} is not portrait or landscape",
                      o=orientation)
        items = []
        for number, raw in enumerate(data.get("items") or [], start=1):
            if not isinstance(raw, dict) or raw.get("kind") not in KINDS:
                raise bad("第 {n} 项的类型 {kind} 未知（可用：{kinds}）", "item {n} has an unknown kind {kind} (known: "
                          "{kinds})", n=number, kind=raw.get("kind") if isinstance(raw, dict) else raw,
                          kinds=", ".join(KINDS))
            unknown = set(raw) - set(Item.__dataclass_fields__)
            if unknown:
                raise bad("第 {n} 项有未知的键 {keys}", "item {n} has unknown keys {keys}", n=number,
                          keys=", ".join(sorted(unknown)))
            try:
                values = dict(raw)
                for key in ("x", "y", "w", "h"):
                    values[key] = float(values[key])
                for key in ("size_pt", "scale", "symbol_scale"):
                    if values.get(key) is not None:
                        values[key] = float(values[key])
                if values.get("center") is not None:
                    cx, cy = values["center"]
                    values["center"] = (float(cx), float(cy))
            except (KeyError, TypeError, ValueError):
                raise bad("第 {n} 项（{kind}）的位置或数值有误（x、y、w、h 为毫米数）",
                          "item {n} ({kind}) has a wrong position or number (x, y, w, h are mm)",
                          n=number, kind=raw["kind"]) from None
            item = Item(**values)
            if item.w <= 0 or item.h <= 0:
                raise bad("第 {n} 项（{kind}）的宽或高不是正数", "item {n} ({kind}) has no width or height",
                          n=number, kind=item.kind)
            if item.align not in ALIGNS:
                raise bad("第 {n} 项的对齐方式 {a} 不可用（left、center、right）", "item {n}: align {a} is not left, "
                          "center or right", n=number, a=item.align)
            if not 0.1 <= item.symbol_scale <= 10:
                raise bad("第 {n} 项的 symbol_scale 须在 0.1 到 10 之间", "item {n}: symbol_scale must be within 0.1 "
                          "and 10", n=number)
            if item.scale is not None and item.scale <= 0:
                raise bad("第 {n} 项的比例尺分母须为正数", "item {n}: the scale must be positive", n=number)
            items.append(item)
        layout = cls(name, page, orientation, tuple(items), float(data.get("margin_mm", 10.0)),
                     str(data["date"]) if data.get("date") else None, template)
        page_w, page_h = layout.size_mm
        for number, item in enumerate(layout.items, start=1):
            if item.x < 0 or item.y < 0 or item.x + item.w > page_w + 0.01 or item.y + item.h > page_h + 0.01:
                raise bad("第 {n} 项（{kind}）超出 {page} 纸面（{w}×{h} 毫米）", "item {n} ({kind}) goes off the "
                          "{page} page ({w}×{h} mm)", n=number, kind=item.kind, page=page, w=page_w, h=page_h)
        return layout

    @classmethod
    def from_json(cls, text: str, *, source: str = "", template: str = "") -> Layout:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError("版式 {source} 不是有效的 JSON：{why}", "layout {source} is not valid JSON: {why}",
                             source=source, why=str(exc)) from exc
        return cls.from_dict(data, source=source, template=template)

    def resized(self, page: str, orientation: str | None = None) -> Layout:
        """The same layout on another page: boxes scaled with the page, text with the smaller ratio."""
        orientation = orientation or self.orientation
        if page not in PAGE_SIZES or orientation not in ORIENTATIONS:
            raise ValueError(f"no page {page} {orientation}")
        target = replace(self, page=page, orientation=orientation)
        (w0, h0), (w1, h1) = self.size_mm, target.size_mm
        fx, fy = w1 / w0, h1 / h0
        ft = min(fx, fy)
        items = tuple(replace(item, x=round(item.x * fx, 1), y=round(item.y * fy, 1), w=round(item.w * fx, 1),
                              h=round(item.h * fy, 1),
                              size_pt=round(item.font_pt() * ft, 1) if item.kind in (*TEXT_KINDS, LEGEND, TOTALS)
                              else None, symbol_scale=round(item.symbol_scale * ft, 3) if item.kind == MAP
                              else item.symbol_scale)
                      for item in self.items)
        return replace(target, items=items, margin_mm=round(self.margin_mm * ft, 1))


@dataclass(frozen=True)
class TemplateInfo:
    id: str
    name: str
    page: str
    orientation: str
    path: Path = field(compare=False, default=Path())


def templates() -> list[TemplateInfo]:
    """The shipped templates, by id (their file names)."""
    out = []
    for path in sorted(TEMPLATES.glob("*.json")):
        layout = load_template(path.stem)
        out.append(TemplateInfo(path.stem, layout.name, layout.page, layout.orientation, path))
    return out


def load_template(template_id: str) -> Layout:
    path = TEMPLATES / f"{template_id}.json"
    if not path.is_file():
        raise InputError("没有名为 {name} 的版式模板（{folder}）", "no layout template named {name} ({folder})",
                         name=template_id, folder=TEMPLATES)
    return Layout.from_json(path.read_text(encoding="utf-8"), source=str(path), template=template_id)


def project_layouts(project) -> dict[str, Layout]:
    """The layouts a project keeps (Project.layouts(): name → JSON text), by name."""
    return {name: Layout.from_json(text, source=tr("项目中的“{n}”", "'{n}' of the project", n=name))
            for name, text in project.layouts().items()}


def save_layout(project, layout: Layout) -> None:
    """Keep `layout` in the project under its name (replacing one of the same name)."""
    project.save_layout(layout.name, layout.to_json())


def find_layout(project, name: str) -> Layout:
    """The layout called `name`: the project's own of that name, else the template of that id or name."""
    own = project_layouts(project) if project is not None else {}
    if name in own:
        return own[name]
    shipped = templates()
    for info in shipped:
        if name in (info.id, info.name):
            return load_template(info.id)
    known = list(own) + [info.id for info in shipped]
    raise InputError("没有名为 {name} 的版式（可用：{known}）", "no layout named {name} (known: {known})",
                     name=name, known=tr("、", ", ").join(known) or tr("无", "none"))


def default_layout(project=None) -> Layout:
    """The default meeting page: the project's setting default_layout when it names a layout, else
    the A3 landscape template."""
    wanted = project.setting("default_layout") if project is not None else ""
    return find_layout(project, wanted) if wanted else load_template(DEFAULT_TEMPLATE)


NICE_SCALES = (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10)


def nice_scale(denominator: float) -> float:
    """The smallest round scale denominator (1, 1.25, 1.5, 2, 2.5, 3, 4, 5 ... × 10^k) not below `denominator`:
    a fitted map is drawn at 1:10 000, not 1:9 387 (so that it still holds everything)."""
    if denominator <= 0:
        return denominator
    power = 10.0 ** int(f"{denominator:e}".split("e")[1])
    for step in NICE_SCALES:
        if step * power >= denominator * (1 - 1e-9):
            return step * power
    return 10 * power


def format_scale(denominator: float) -> str:
    """1:10 000 — thousands set off by a thin space, as Chinese maps print them."""
    return "1:" + f"{round(denominator):,}".replace(",", " ")


# --- the designer's edits (gisdesk.ui.layout_designer): new layouts from old, no Qt -----------

GRID_MM = 1.0  # the designer's default snapping grid
MIN_ITEM_MM = 2.0  # no box gets narrower or lower than this
HANDLES = ("nw", "n", "ne", "e", "se", "s", "sw", "w")  # a box's resize handles, by the sides they move
# A logo kept in the project itself (not a file beside it): Item.path "project:NAME", its bytes in the
# project's setting "image:NAME" (base64), so the project file carries its logo wherever it is copied.
PROJECT_IMAGE = "project:"
IMAGE_KEY = "image:"
# the size (mm) of an item added by the designer
NEW_ITEM_MM = {TITLE: (150, 14), SUBTITLE: (150, 8), DATE: (70, 7), ORGANISATION: (90, 8), TEXT: (80, 20),
               CRS_NOTE: (150, 6), MAP: (160, 110), LEGEND: (70, 70), SCALE_BAR: (70, 14), NORTH_ARROW: (20, 28),
               OVERVIEW: (60, 45), TOTALS: (90, 60), LOGO: (30, 30)}


def snap(value: float, grid: float) -> float:
    """`value` (mm) on the nearest line of a `grid` mm grid (no grid when it is 0), to 0.01 mm."""
    return round(round(value / grid) * grid if grid > 0 else value, 2)


def _clamp(value: float, low: float, high: float) -> float:
    return round(min(max(value, low), high), 2)


def with_item(layout: Layout, index: int, item: Item) -> Layout:
    """The layout with item `index` replaced by `item`."""
    items = list(layout.items)
    items[index] = item
    return replace(layout, items=tuple(items))


def without_item(layout: Layout, index: int) -> Layout:
    return replace(layout, items=layout.items[:index] + layout.items[index + 1:])


def new_item(layout: Layout, kind: str) -> Item:
    """An item of `kind` in the middle of the page, at its NEW_ITEM_MM size (smaller when the page is)."""
    if kind not in KINDS:
        raise ValueError(f"no item kind {kind}")
    page_w, page_h = layout.size_mm
    size = NEW_ITEM_MM.get(kind, (80.0, 50.0))
    w, h = (float(min(v, limit - 2 * layout.margin_mm)) for v, limit in zip(size, (page_w, page_h)))
    return Item(kind, snap((page_w - w) / 2, GRID_MM), snap((page_h - h) / 2, GRID_MM), w, h)


def moved(layout: Layout, index: int, dx: float, dy: float, grid: float = GRID_MM) -> Layout:
    """Item `index` moved by (dx, dy) mm: its top left corner on the grid, the box kept on the page."""
    item = layout.items[index]
    page_w, page_h = layout.size_mm
    x = _clamp(snap(item.x + dx, grid), 0.0, page_w - item.w)
    y = _clamp(snap(item.y + dy, grid), 0.0, page_h - item.h)
    return with_item(layout, index, replace(item, x=x, y=y))


def resized_item(layout: Layout, index: int, handle: str, dx: float, dy: float, grid: float = GRID_MM) -> Layout:
    """Item `index` with the sides of `handle` (one of HANDLES) moved by (dx, dy) mm onto the grid; the
    other sides stay; no side passes the opposite one (MIN_ITEM_MM apart) nor leaves the page."""
    if handle not in HANDLES:
        raise ValueError(f"no handle {handle}")
    item = layout.items[index]
    page_w, page_h = layout.size_mm
    x0, y0, x1, y1 = item.x, item.y, item.x + item.w, item.y + item.h
    if "w" in handle:
        x0 = _clamp(snap(x0 + dx, grid), 0.0, x1 - MIN_ITEM_MM)
    if "e" in handle:
        x1 = _clamp(snap(x1 + dx, grid), x0 + MIN_ITEM_MM, page_w)
    if "n" in handle:
        y0 = _clamp(snap(y0 + dy, grid), 0.0, y1 - MIN_ITEM_MM)
    if "s" in handle:
        y1 = _clamp(snap(y1 + dy, grid), y0 + MIN_ITEM_MM, page_h)
    return with_item(layout, index, replace(item, x=x0, y=y0, w=round(x1 - x0, 2), h=round(y1 - y0, 2)))


def project_images(project) -> dict[str, bytes]:
    """The images a project keeps for its layouts' logos (settings image:NAME, base64), by NAME."""
    import base64
    import binascii

    out = {}
    for key, value in project.settings().items():
        if key.startswith(IMAGE_KEY) and value:
            try:
                out[key[len(IMAGE_KEY):]] = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):  # a damaged entry: the logo is left out and said so when drawn
                continue
    return out


def image_setting(data: bytes) -> tuple[str, str, str]:
    """(NAME, settings key, value) to keep an image in a project: NAME from its sha256, so the same
    picture is kept once."""
    import base64
    import hashlib

    name = hashlib.sha256(data).hexdigest()[:16]
    return name, IMAGE_KEY + name, base64.b64encode(data).decode("ascii")
