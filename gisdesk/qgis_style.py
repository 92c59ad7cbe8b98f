"""gisdesk's layer styles written as QGIS styles (QML), so QGIS opens a project in gisdesk's colours.

The store puts the QML into the GeoPackage's `layer_styles` table as each layer's default
style. Symbol properties are written as `<prop k= v=>` elements, which QGIS 3.22 (Debian 12)
reads and later versions still read. No Qt: plain XML text.

QGIS draws a feature only with a symbol of its geometry's type (a fill symbol draws no line
and no point), and it splits a table holding several geometry types into one layer per type,
all loading this one style. So each geometry family present gets a symbol drawn as gisdesk
draws it: polygons filled and outlined, lines in the fill colour 1.5 times the outline width,
points as dots with a white ring, and control centre lines as their zones (the buffer of
`half_width_m`, one-sided for a `side`). A layer of one family gets a single-symbol or
categorized renderer; a layer of several, a rule per geometry type (with the categories under it).
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

SCREEN_DPI = 96.0
MM_PER_PX = 25.4 / SCREEN_DPI
FAMILIES = ("polygon", "line", "point")
OTHER_COLOR = "#999999"  # what gisdesk draws category values without a colour of their own in
POINT_OUTLINE_MM = 1.0 * MM_PER_PX  # the white ring around gisdesk's point symbols
_QGIS_GEOMETRY = {"polygon": "Polygon", "line": "Line", "point": "Point"}  # QGIS's geometry_type() names
_ZONE = ("CASE WHEN \"side\" = 'left' THEN single_sided_buffer($geometry, \"half_width_m\") "
         "WHEN \"side\" = 'right' THEN single_sided_buffer($geometry, -\"half_width_m\") "
         "ELSE buffer($geometry, \"half_width_m\") END")


def qml_for(style: dict, opacity: float = 1.0, geometries=("polygon",), *, line_zones: bool = False) -> str:
    """The QML document of a layer with gisdesk `style` (complete: the store fills in the kind's
    defaults), whose features are of the geometry families `geometries` (polygon, line, point).
    `line_zones`: lines are control centre lines, drawn as their zones."""
    families = [f for f in FAMILIES if f in set(geometries)] or ["polygon"]
    symbols = _Symbols(style, line_zones)
    field = style.get("category_field")
    categories = {str(k): v for k, v in (style.get("categories") or {}).items()}
    if len(families) == 1 and field and categories:
        family = families[0]
        rows = "".join(f'<category value={quoteattr(v)} symbol="{symbols.add(family, c)}" label={quoteattr(v)} '
                       f'render="true"/>' for v, c in categories.items())
        rows += f'<category value="" symbol="{symbols.add(family, OTHER_COLOR)}" label="" render="true"/>'
        renderer = (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0" '
                    f'enableorderby="0" forceraster="0"><categories>{rows}</categories>{symbols.xml()}'
                    f'<source-symbol>{symbols.symbol(family, OTHER_COLOR, "0")}</source-symbol></renderer-v2>')
    elif len(families) == 1:
        symbols.add(families[0], style.get("fill", "#888888"))
        renderer = (f'<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
                    f'{symbols.xml()}</renderer-v2>')
    else:
        rules = "".join(_family_rule(i, family, field, categories, symbols, style) for i, family in enumerate(families))
        renderer = (f'<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" forceraster="0">'
                    f'<rules key="root">{rules}</rules>{symbols.xml()}</renderer-v2>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="3.22.0" styleCategories="Symbology">{renderer}'
            f"<layerOpacity>{float(opacity):g}</layerOpacity></qgis>\n")


def _family_rule(i: int, family: str, field, categories: dict, symbols: _Symbols, style: dict) -> str:
    test = f"geometry_type($geometry) = '{_QGIS_GEOMETRY[family]}'"
    if not (field and categories):
        return (f'<rule key="g{i}" filter={quoteattr(test)} label="{family}" '
                f'symbol="{symbols.add(family, style.get("fill", "#888888"))}"/>')
    column = '"' + field.replace('"', '""') + '"'
    children = "".join(f'<rule key="g{i}c{j}" filter={quoteattr(f"{column} = " + _sql_text(v))} label={quoteattr(v)} '
                       f'symbol="{symbols.add(family, c)}"/>' for j, (v, c) in enumerate(categories.items()))
    children += f'<rule key="g{i}e" filter="ELSE" label="" symbol="{symbols.add(family, OTHER_COLOR)}"/>'
    return f'<rule key="g{i}" filter={quoteattr(test)} label="{family}">{children}</rule>'


class _Symbols:
    """The numbered symbols of a renderer, made from one gisdesk style."""

    def __init__(self, style: dict, line_zones: bool):
        self.style, self.line_zones, self.made = style, line_zones, []

    def add(self, family: str, color: str) -> str:
        name = str(len(self.made))
        self.made.append(self.symbol(family, color, name))
        return name

    def xml(self) -> str:
        return f"<symbols>{''.join(self.made)}</symbols>"

    def symbol(self, family: str, color: str, name: str) -> str:
        style = self.style
        width_mm = float(style.get("width_mm", float(style.get("width", 1.0)) * MM_PER_PX))
        if family == "point":
            size_mm = float(style.get("point_size_mm", float(style.get("point_size", 6)) * MM_PER_PX))
            layer = _layer("SimpleMarker", {
                "name": "circle", "color": _rgba(color, 1.0), "size": f"{size_mm:.3f}", "size_unit": "MM",
                "outline_color": "255,255,255,255", "outline_style": "solid",
                "outline_width": f"{POINT_OUTLINE_MM:.3f}", "outline_width_unit": "MM"})
            return _symbol("marker", name, layer)
        if family == "line" and not self.line_zones:
            layer = _layer("SimpleLine", {
                "line_color": _rgba(color, 1.0), "line_style": "solid", "line_width": f"{width_mm * 1.5:.3f}",
                "line_width_unit": "MM", "capstyle": "round", "joinstyle": "round"})
            return _symbol("line", name, layer)
        fill = _symbol("fill", "@0@0" if family == "line" else name, _layer("SimpleFill", {
            "color": _rgba(color, float(style.get("fill_alpha", 1.0))), "style": "solid",
            "outline_color": _rgba(style.get("stroke", color), 1.0),
            "outline_style": "dash" if style.get("dash") else "solid",
            "outline_width": f"{width_mm:.3f}", "outline_width_unit": "MM", "joinstyle": "round"}))
        if family == "polygon":
            return fill
        zone = _layer("GeometryGenerator", {"SymbolType": "Fill", "geometryModifier": _ZONE, "units": "MapUnit"},
                      inner=fill)
        return _symbol("line", name, zone)


def _symbol(kind: str, name: str, layers: str) -> str:
    return f'<symbol type="{kind}" name={quoteattr(name)} alpha="1" clip_to_extent="1" force_rhr="0">{layers}</symbol>'


def _layer(cls: str, props: dict, inner: str = "") -> str:
    body = "".join(f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in props.items())
    return f'<layer class="{cls}" pass="0" locked="0" enabled="1">{body}{inner}</layer>'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _rgba(color: str, alpha: float) -> str:
    """'#rrggbb' and an alpha in 0..1 as QGIS writes colours: 'r,g,b,a' with a in 0..255."""
    text = str(color).lstrip("#")
    if len(text) != 6:
        text = "888888"
    r, g, b = (int(text[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(max(0.0, min(alpha, 1.0)) * 255)}"
