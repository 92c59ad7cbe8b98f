"""What QGIS makes of a gisdesk project: run by tests/test_gpkg_interop.py with the SYSTEM python
(/usr/bin/python3, where Debian's python3-qgis lives), never imported by the suite's own python.

    python3 tests/qgis_probe.py inspect PROJECT
        every layer QGIS offers for the file (split by geometry type, as QGIS's browser does):
        valid, read-only, editing capabilities, the default style QGIS loads from layer_styles,
        its renderer and symbols, and what a render of the layer alone draws.
    python3 tests/qgis_probe.py edit PROJECT LAYER UID FIELD VALUE TITLE
        in one QGIS edit session of LAYER: set FIELD of the feature UID to VALUE (JSON), and add a
        copy of that feature 5 m east without a uid; then set the layer's title in gisdesk_layers.

Prints one JSON document on stdout.
"""

from __future__ import annotations

import collections
import json
import sys

from qgis.core import (Qgis, QgsApplication, QgsFeature, QgsFeatureRequest, QgsMapRendererSequentialJob,
                       QgsMapSettings, QgsProviderRegistry, QgsRenderContext, QgsVectorDataProvider,
                       QgsVectorLayer, QgsWkbTypes)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

SYMBOL_TYPES = {Qgis.SymbolType.Marker: "marker", Qgis.SymbolType.Line: "line", Qgis.SymbolType.Fill: "fill"}


def color(c: QColor) -> list:
    return [c.name(), c.alpha()]


def symbol_info(symbol) -> dict:
    layer = symbol.symbolLayer(0)
    info = {"type": SYMBOL_TYPES.get(symbol.type(), str(symbol.type())), "color": color(symbol.color()),
            "layer_class": layer.layerType()}
    if symbol.type() == Qgis.SymbolType.Fill:
        info["stroke"] = color(layer.strokeColor())
    return info


def renderer_info(layer) -> dict:
    renderer = layer.renderer()
    info = {"type": renderer.type()}
    if renderer.type() == "singleSymbol":
        info["symbol"] = symbol_info(renderer.symbol())
    elif renderer.type() == "categorizedSymbol":
        info["attribute"] = renderer.classAttribute()
        info["categories"] = {str(c.value()): symbol_info(c.symbol()) for c in renderer.categories()}
    elif renderer.type() == "RuleRenderer":
        info["rules"] = [{"label": r.label(), "filter": r.filterExpression(),
                          "symbol": symbol_info(r.symbol()) if r.symbol() else None,
                          "children": len(r.children())} for r in renderer.rootRule().children()]
    context = QgsRenderContext()
    info["symbol_types"] = sorted({SYMBOL_TYPES.get(s.type(), "?") for s in renderer.symbols(context)})
    return info


def render(layer) -> dict:
    """Draw the layer alone on white; what pixels it drew, by colour."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    extent = layer.extent()
    extent.grow(max(extent.width(), extent.height(), 1.0) * 0.05)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(160, 160))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    counts = collections.Counter(QColor(image.pixel(x, y)).name() for x in range(image.width())
                                 for y in range(image.height()))
    counts.pop("#ffffff", None)
    return {"drawn": sum(counts.values()), "colors": dict(counts.most_common(8))}


def inspect(path: str) -> dict:
    out = []
    for sub in QgsProviderRegistry.instance().querySublayers(path, Qgis.SublayerQueryFlag.ResolveGeometryType):
        layer = QgsVectorLayer(sub.uri(), sub.name(), "ogr")
        caps = layer.dataProvider().capabilities() if layer.isValid() else 0
        info = {"name": sub.name(), "uri": sub.uri(), "valid": layer.isValid(), "read_only": layer.readOnly(),
                "can_add": bool(caps & QgsVectorDataProvider.AddFeatures),
                "can_change": bool(caps & QgsVectorDataProvider.ChangeAttributeValues),
                "geometry": QgsWkbTypes.geometryDisplayString(layer.geometryType()) if layer.isSpatial() else None,
                "features": layer.featureCount()}
        if layer.isValid() and layer.isSpatial():
            message, loaded = layer.loadDefaultStyle()
            related, ids, names, descriptions, error = layer.listStylesInDatabase()  # this layer's come first
            info.update(style_loaded=loaded, style_message=message, styles_in_database=list(names[:related]),
                        opacity=layer.opacity(), renderer=renderer_info(layer), render=render(layer))
        out.append(info)
    return {"qgis": Qgis.QGIS_VERSION, "layers": out}


def edit(path: str, layer_id: str, uid: str, field: str, value, title: str) -> dict:
    layer = QgsVectorLayer(f"{path}|layername={layer_id}", layer_id, "ogr")
    result = {"valid": layer.isValid()}
    request = QgsFeatureRequest().setFilterExpression(f"\"uid\" = '{uid}'")
    feature = next(layer.getFeatures(request))
    layer.startEditing()
    result["changed"] = layer.changeAttributeValue(feature.id(), layer.fields().indexOf(field), value)
    added = QgsFeature(layer.fields())  # every attribute NULL: no uid, no fid (the file gives one)
    geometry = feature.geometry()
    geometry.translate(5.0, 0.0)
    added.setGeometry(geometry)
    added.setAttribute(field, value)
    result["added"] = layer.addFeature(added)
    result["committed"] = layer.commitChanges()
    result["errors"] = layer.commitErrors()

    layers = QgsVectorLayer(f"{path}|layername=gisdesk_layers", "gisdesk_layers", "ogr")
    row = next(layers.getFeatures(QgsFeatureRequest().setFilterExpression(f"\"table_name\" = '{layer_id}'")))
    layers.startEditing()
    result["title_changed"] = layers.changeAttributeValue(row.id(), layers.fields().indexOf("title"), title)
    result["title_committed"] = layers.commitChanges()
    result["title_errors"] = layers.commitErrors()
    return result


def main(argv: list[str]) -> int:
    app = QgsApplication([], False)
    app.initQgis()
    try:
        if argv[1] == "inspect":
            result = inspect(argv[2])
        else:
            path, layer_id, uid, field, value, title = argv[2:8]
            result = edit(path, layer_id, uid, field, json.loads(value), title)
    finally:
        app.exitQgis()
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
