"""gisdesk's layer styles written as QGIS styles (QML), so QGIS opens a project in gisdesk's colours.

The store puts the QML into the GeoPackage's `layer_styles` table as each layer's default
style. Symbol properties are written as `<prop k= v=>` elements, which QGIS 3.22 (Debian 12)
reads and later versions still read. No Qt: plain XML text.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

SCREEN_DPI = 96.0
MM_PER_PX = 25.4 / SCREEN_DPI


def qml_for(kind: str, style: dict, opacity: float = 1.0) -> str:
    """The QML document of a layer of `kind` with gisdesk `style` (as stored in gisdesk_layers)."""
    field = style.get("category_field")
    categories = style.get("categories") or {}
    if field and categories:
        symbols = "".join(_fill_symbol(str(i), color, style) for i, color in enumerate(categories.values()))
        rows = "".join(f"<category value={quoteattr(str(v))} symbol=\"{i}\" label={quoteattr(str(v))} render=\"true\"/>"
                       for i, v in enumerate(categories))
        renderer = (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0" '
                    f'enableorderby="0" forceraster="0"><categories>{rows}</categories><symbols>{symbols}</symbols>'
                    f'<source-symbol>{_fill_symbol("0", "#888888", style)}</source-symbol></renderer-v2>')
    else:
        renderer = (f'<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0"><symbols>'
                    f'{_fill_symbol("0", style.get("fill", "#888888"), style)}</symbols></renderer-v2>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="3.22.0" styleCategories="Symbology">{renderer}'
            f"<layerOpacity>{float(opacity):g}</layerOpacity></qgis>\n")


def _fill_symbol(name: str, fill: str, style: dict) -> str:
    alpha = float(style.get("fill_alpha", 1.0))
    stroke = style.get("stroke", fill)
    width_mm = style.get("width_mm", float(style.get("width", 1.0)) * MM_PER_PX)
    props = {
        "color": _rgba(fill, alpha), "style": "solid",
        "outline_color": _rgba(stroke, 1.0), "outline_style": "dash" if style.get("dash") else "solid",
        "outline_width": f"{width_mm:.3f}", "outline_width_unit": "MM", "joinstyle": "round",
    }
    body = "".join(f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in props.items())
    return (f'<symbol type="fill" name={quoteattr(name)} alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleFill" pass="0" locked="0" enabled="1">{body}</layer></symbol>')


def _rgba(color: str, alpha: float) -> str:
    """'#rrggbb' and an alpha in 0..1 as QGIS writes colours: 'r,g,b,a' with a in 0..255."""
    text = str(color).lstrip("#")
    if len(text) != 6:
        text = "888888"
    r, g, b = (int(text[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(max(0.0, min(alpha, 1.0)) * 255)}"
