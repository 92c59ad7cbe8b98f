"""Annotations on the map: text, arrows, callouts, rectangles, ellipses and freehand outlines. No Qt.

Like QGIS's annotation layer, an annotation's geometry is in map units (the project CRS), so
it stays on the ground when the map is zoomed or printed at another scale, while its text
size and line width are on paper: points and millimetres, which the renderer turns into
pixels at the picture's dpi (gisdesk.render.annotations), so a 12 pt label is 12 pt on the
screen, on an A3 page and in a PNG alike.

Geometry by kind (what the store writes to the gisdesk_annotations feature table, so QGIS
shows the shapes too):
- text       Point: the centre of the text
- arrow      LineString: tail first, the head at the last point
- callout    LineString of two points: the anchor (the point it points at) and the centre of
             its text box. A callout made on a feature names it (`target` = layer id, uid) and
             keeps the anchor's offset from the feature's bounding-box centre: when the
             feature moves, the anchor and the box move with it (resolve_targets).
- rectangle  Polygon (axis-parallel in the project CRS)
- ellipse    Polygon: 72 points on the ellipse inscribed in the rectangle it was drawn in
             (drawn as that ellipse, `ellipse_box`)
- freehand   LineString: the outline as the mouse went; filled (closed) when its style has a fill

`AnnotationSet` holds a document's annotations with their undo history; its commands take
their order from the feature edits' counter (gisdesk.layers.edits), so the app's one Undo
takes back whichever was done last, an annotation or a feature edit.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import shapely
from shapely.affinity import translate

from gisdesk.layers import edits
from gisdesk.layers.layer import Event

TEXT, ARROW, CALLOUT, RECTANGLE, ELLIPSE, FREEHAND = "text", "arrow", "callout", "rectangle", "ellipse", "freehand"
KINDS = (TEXT, ARROW, CALLOUT, RECTANGLE, ELLIPSE, FREEHAND)
ELLIPSE_POINTS = 72


@dataclass(frozen=True)
class AnnotationStyle:
    """Colour of lines and text, line width in mm, fill colour and its opacity (0: no fill), text in pt."""
    color: str = "#d32f2f"
    width_mm: float = 0.6
    fill: str = "#ffffff"
    fill_alpha: float = 0.0
    font_pt: float = 12.0

    def to_dict(self) -> dict:
        return {"color": self.color, "width_mm": self.width_mm, "fill": self.fill, "fill_alpha": self.fill_alpha,
                "font_pt": self.font_pt}

    @classmethod
    def from_dict(cls, values: Mapping | None) -> AnnotationStyle:
        values = dict(values or {})
        base = cls()
        return cls(str(values.get("color", base.color)), float(values.get("width_mm", base.width_mm)),
                   str(values.get("fill", base.fill)),
                   min(1.0, max(0.0, float(values.get("fill_alpha", base.fill_alpha)))),
                   max(1.0, float(values.get("font_pt", base.font_pt))))


# the style a new annotation of a kind starts with. Planning maps are full of red (road red lines,
# violations) and every control-line colour, so shapes are a deep blue, wide enough to stand out;
# a text is dark red on a white halo; a callout black in a white box.
MARK_COLOR = "#0b3d91"
DEFAULT_STYLES = {
    TEXT: AnnotationStyle(color="#b71c1c", font_pt=14.0),
    ARROW: AnnotationStyle(color=MARK_COLOR, width_mm=0.9),
    CALLOUT: AnnotationStyle(color="#1a1a1a", width_mm=0.35, fill="#ffffff", fill_alpha=0.92, font_pt=11.0),
    RECTANGLE: AnnotationStyle(color=MARK_COLOR, width_mm=0.8, fill=MARK_COLOR, fill_alpha=0.10),
    ELLIPSE: AnnotationStyle(color=MARK_COLOR, width_mm=0.8, fill=MARK_COLOR, fill_alpha=0.10),
    FREEHAND: AnnotationStyle(color="#6a1b9a", width_mm=0.8),
}


@dataclass(frozen=True, eq=False)
class Annotation:
    """One annotation; immutable (an edit makes a new one with the same id)."""
    id: str
    kind: str
    geometry: object  # shapely, in the project CRS (see the module for each kind)
    text: str = ""
    style: AnnotationStyle = field(default_factory=AnnotationStyle)
    target: tuple[str, str] | None = None  # a callout's feature: (layer id, uid)
    target_offset: tuple[float, float] = (0.0, 0.0)  # anchor − the feature's bounding-box centre, map units
    created_at: str = ""
    created_by: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"annotation kind must be one of {KINDS}, not {self.kind!r}")

    @property
    def anchor(self) -> tuple[float, float] | None:
        """A callout's anchor (the point it points at); None for other kinds."""
        if self.kind != CALLOUT:
            return None
        x, y = shapely.get_coordinates(self.geometry)[0]
        return float(x), float(y)

    @property
    def box_centre(self) -> tuple[float, float] | None:
        if self.kind != CALLOUT:
            return None
        x, y = shapely.get_coordinates(self.geometry)[-1]
        return float(x), float(y)

    def moved(self, dx: float, dy: float) -> Annotation:
        """Moved by (dx, dy) map units. A callout on a feature keeps pointing at it: only its box moves."""
        if self.kind == CALLOUT and self.target is not None:
            (ax, ay), (bx, by) = self.anchor, self.box_centre
            return replace(self, geometry=shapely.LineString([(ax, ay), (bx + dx, by + dy)]))
        return replace(self, geometry=translate(self.geometry, dx, dy))

    def same_as(self, other: Annotation | None) -> bool:
        return other is not None and self.id == other.id and self.kind == other.kind and self.text == other.text \
            and self.style == other.style and self.target == other.target \
            and self.target_offset == other.target_offset \
            and bool(shapely.equals_exact(self.geometry, other.geometry, tolerance=1e-9))


def new_id() -> str:
    return uuid.uuid4().hex


def ellipse_polygon(xmin: float, ymin: float, xmax: float, ymax: float, points: int = ELLIPSE_POINTS):
    """The ellipse inscribed in the box, as a polygon of `points` vertices (what QGIS shows)."""
    t = np.linspace(0, 2 * math.pi, points, endpoint=False)
    cx, cy, rx, ry = (xmin + xmax) / 2, (ymin + ymax) / 2, (xmax - xmin) / 2, (ymax - ymin) / 2
    return shapely.Polygon(np.column_stack([cx + rx * np.cos(t), cy + ry * np.sin(t)]))


def ellipse_box(geometry) -> tuple[float, float, float, float]:
    """The box of an ellipse annotation's polygon (its vertices lie on the ellipse, so its bounds are the box
    up to the sampling: with 72 points, the extreme vertices are exactly at 0°, 90°, 180°, 270°)."""
    return tuple(float(v) for v in shapely.bounds(geometry))


def make(kind: str, geometry, *, text: str = "", style: AnnotationStyle | None = None,
         target: tuple[str, str] | None = None, target_offset: tuple[float, float] = (0.0, 0.0),
         created_at: str = "", created_by: str = "") -> Annotation:
    """A new annotation of `kind` with a fresh id, in the kind's default style unless given one."""
    return Annotation(new_id(), kind, geometry, text, style or DEFAULT_STYLES[kind], target, target_offset,
                      created_at, created_by)


def rectangle(x0: float, y0: float, x1: float, y1: float):
    return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


# --- callouts on features ---------------------------------------------------------------

def reference_point(bounds) -> tuple[float, float]:
    """The point of a feature a callout's anchor keeps its offset from: its bounding-box centre
    (moves exactly as the feature does)."""
    xmin, ymin, xmax, ymax = bounds
    return (float(xmin) + float(xmax)) / 2, (float(ymin) + float(ymax)) / 2


def resolve_targets(annotations: Iterable[Annotation],
                    bounds_of: Callable[[str, str], Sequence[float] | None]) -> tuple[Annotation, ...]:
    """The annotations as they are drawn now: a callout whose feature `bounds_of(layer id, uid)` finds
    (its bounding box) points at it, its box moved along; one whose feature is gone or not in view of
    the caller stays where it was stored."""
    out = []
    for item in annotations:
        if item.kind == CALLOUT and item.target is not None:
            bounds = bounds_of(*item.target)
            if bounds is not None and all(np.isfinite(bounds)):
                rx, ry = reference_point(bounds)
                ax, ay = rx + item.target_offset[0], ry + item.target_offset[1]
                (ox, oy), (bx, by) = item.anchor, item.box_centre
                if (ax, ay) != (ox, oy):
                    item = replace(item, geometry=shapely.LineString([(ax, ay), (bx + ax - ox, by + ay - oy)]))
        out.append(item)
    return tuple(out)


# --- picking ------------------------------------------------------------------------------

def hit(item: Annotation, x: float, y: float, tolerance: float, *, text_box=None) -> bool:
    """Whether the map point (x, y) picks `item` within `tolerance` map units: on its line or outline,
    inside a rectangle or ellipse, or inside its text box (`text_box`: map bounds of the text as drawn,
    which only the renderer knows)."""
    point = shapely.Point(x, y)
    if text_box is not None:
        xmin, ymin, xmax, ymax = text_box
        if xmin - tolerance <= x <= xmax + tolerance and ymin - tolerance <= y <= ymax + tolerance:
            return True
    geometry = item.geometry
    if item.kind in (RECTANGLE, ELLIPSE):
        return bool(shapely.intersects(geometry, point.buffer(tolerance)))
    if item.kind == FREEHAND and item.style.fill_alpha > 0 and len(shapely.get_coordinates(geometry)) >= 3:
        if shapely.Polygon(shapely.get_coordinates(geometry)).buffer(0).contains(point):
            return True
    return bool(shapely.distance(geometry, point) <= tolerance)


# --- the set, with undo -------------------------------------------------------------------

@dataclass
class _Change:
    text: str
    before: dict[str, Annotation | None]  # id → as it was (None: did not exist)
    after: dict[str, Annotation | None]
    serial: int = 0
    positions: dict[str, int] = field(default_factory=dict)  # where deleted ones were in the drawing order


class AnnotationSet:
    """A document's annotations in drawing order (bottom first) and their undo history.

    Commands change the set at once and go on the undo stack; `events["changed"]` follows every
    change. The set is saved with the project (`saver`, given by whoever opened it: the store
    sits above this floor); `unsaved` says whether it changed since it was read or saved.
    """

    def __init__(self, items: Iterable[Annotation] = (), *, saver: Callable[[list[Annotation]], None] | None = None):
        self._items: dict[str, Annotation] = {}
        for item in items:
            self._items[item.id] = item
        self.saver = saver
        self.unsaved = False
        self._undo: list[_Change] = []
        self._redo: list[_Change] = []
        self.events = {"changed": Event()}

    def load(self, items: Iterable[Annotation], *, saver=None) -> None:
        """Replace the set by what the project holds (no history, nothing unsaved)."""
        self._items = {item.id: item for item in items}
        self.saver = saver
        self.unsaved = False
        self._undo.clear()
        self._redo.clear()
        self.events["changed"].emit(self)

    @property
    def items(self) -> list[Annotation]:
        return list(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(list(self._items.values()))

    def get(self, annotation_id: str) -> Annotation | None:
        return self._items.get(annotation_id)

    # --- commands --------------------------------------------------------------------------

    def add(self, item: Annotation, *, text: str = "add") -> None:
        if item.id in self._items:
            raise ValueError(f"annotation {item.id} exists")
        self._do(_Change(text, {item.id: None}, {item.id: item}))

    def delete(self, ids: Iterable[str], *, text: str = "delete") -> None:
        ids = [i for i in ids if i in self._items]
        if ids:
            order = list(self._items)
            self._do(_Change(text, {i: self._items[i] for i in ids}, {i: None for i in ids},
                             positions={i: order.index(i) for i in ids}))

    def move(self, ids: Iterable[str], dx: float, dy: float, *, text: str = "move") -> None:
        ids = [i for i in ids if i in self._items]
        if ids and (dx or dy):
            self._do(_Change(text, {i: self._items[i] for i in ids}, {i: self._items[i].moved(dx, dy) for i in ids}))

    def restyle(self, ids: Iterable[str], style: AnnotationStyle, *, text: str = "style") -> None:
        ids = [i for i in ids if i in self._items and self._items[i].style != style]
        if ids:
            self._do(_Change(text, {i: self._items[i] for i in ids},
                             {i: replace(self._items[i], style=style) for i in ids}))

    def set_text(self, annotation_id: str, value: str, *, text: str = "text") -> None:
        item = self._items.get(annotation_id)
        if item is not None and item.text != value:
            self._do(_Change(text, {item.id: item}, {item.id: replace(item, text=value)}))

    def replace(self, item: Annotation, *, text: str = "edit") -> None:
        """Put `item` in the place of the annotation of its id (its geometry reshaped, say)."""
        old = self._items.get(item.id)
        if old is not None and not old.same_as(item):
            self._do(_Change(text, {item.id: old}, {item.id: item}))

    # --- undo, redo (the document's Undo picks the latest of these and the feature edits) ------

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def last_done(self) -> int:
        return self._undo[-1].serial if self._undo else 0

    @property
    def last_undone(self) -> int:
        return self._redo[-1].serial if self._redo else 0

    def undo(self) -> None:
        if self._undo:
            change = self._undo.pop()
            self._apply(change.before, change.positions)
            change.serial = next(edits._SERIAL)
            self._redo.append(change)
            self._changed()

    def redo(self) -> None:
        if self._redo:
            change = self._redo.pop()
            self._apply(change.after)
            change.serial = next(edits._SERIAL)
            self._undo.append(change)
            self._changed()

    # --- saving ----------------------------------------------------------------------------

    def save(self) -> None:
        """Write the set through its saver (one transaction of the store); nothing unsaved after."""
        if self.saver is not None and self.unsaved:
            self.saver(self.items)
        self.unsaved = False

    # --- plumbing --------------------------------------------------------------------------

    def _do(self, change: _Change) -> None:
        self._apply(change.after)
        change.serial = next(edits._SERIAL)
        self._undo.append(change)
        self._redo.clear()
        self._changed()

    def _apply(self, state: dict[str, Annotation | None], positions: Mapping[str, int] | None = None) -> None:
        """Put `state` in: changed ones keep their place in the drawing order, new ones go on top,
        deleted ones coming back (an undone delete) go back to their `positions`."""
        items = list(self._items.items())
        for annotation_id, item in state.items():
            at = next((n for n, (key, _) in enumerate(items) if key == annotation_id), None)
            if item is None:
                if at is not None:
                    del items[at]
            elif at is not None:
                items[at] = (annotation_id, item)
            else:
                items.append((annotation_id, item))
        if positions:
            for annotation_id, index in sorted(positions.items(), key=lambda p: p[1]):
                at = next((n for n, (key, _) in enumerate(items) if key == annotation_id), None)
                if at is not None:
                    items.insert(min(index, len(items) - 1), items.pop(at))
        self._items = dict(items)

    def _changed(self) -> None:
        self.unsaved = True
        self.events["changed"].emit(self)
