"""A QGIS 3.22 user editing GeoPackages: run by tests/test_field_qgis.py with the SYSTEM python
(/usr/bin/python3, where Debian's python3-qgis lives), never imported by the suite's own python.

    python3 tests/qgis_field_edit.py EDITS.json

EDITS.json is a list of edits, each {"path", "layer", "op", ...}:

    {"op": "attribute", "uid": U, "field": F, "value": V}   changeAttributeValue
    {"op": "vertex", "uid": U, "index": I, "to": [X, Y]}     the geometry with vertex I moved, changeGeometry
    {"op": "add", "values": {...}, "wkt": W}                 addFeature (no uid unless the values give one)
    {"op": "delete", "uid": U}                                deleteFeature

They are made as a user makes them in QGIS: per file and layer, one edit session through the
layer's edit buffer (startEditing ... commitChanges), the features found by their uid attribute.
One JSON line goes to stdout: per session, whether each call and the commit succeeded.

Then the script waits for one line on stdin: a JSON {path: [layer, ...]} of files to open again
(the merged master); it answers with one JSON line of their feature counts as QGIS sees them,
and whether each layer is valid. (One QGIS process for all of it: it starts in seconds.)
"""

from __future__ import annotations

import json
import sys

from qgis.core import QgsApplication, QgsFeature, QgsFeatureRequest, QgsGeometry, QgsVectorLayer


def open_layer(path: str, name: str) -> QgsVectorLayer:
    return QgsVectorLayer(f"{path}|layername={name}", name, "ogr")


def by_uid(layer: QgsVectorLayer, uid: str) -> QgsFeature:
    request = QgsFeatureRequest().setFilterExpression(f"\"uid\" = '{uid}'")
    return next(layer.getFeatures(request))


def session(path: str, name: str, edits: list[dict]) -> dict:
    layer = open_layer(path, name)
    out = {"path": path, "layer": name, "valid": layer.isValid(), "calls": []}
    if not layer.isValid():
        return out
    out["started"] = layer.startEditing()
    for edit in edits:
        op = edit["op"]
        if op == "attribute":
            feature = by_uid(layer, edit["uid"])
            ok = layer.changeAttributeValue(feature.id(), layer.fields().indexOf(edit["field"]), edit["value"])
        elif op == "vertex":
            feature = by_uid(layer, edit["uid"])
            geometry = QgsGeometry(feature.geometry())
            x, y = edit["to"]
            ok = geometry.moveVertex(x, y, edit["index"]) and layer.changeGeometry(feature.id(), geometry)
        elif op == "add":
            feature = QgsFeature(layer.fields())  # every attribute NULL: no uid, and no fid (the file gives one)
            for field, value in edit["values"].items():
                feature.setAttribute(field, value)
            feature.setGeometry(QgsGeometry.fromWkt(edit["wkt"]))
            ok = layer.addFeature(feature)
        elif op == "delete":
            ok = layer.deleteFeature(by_uid(layer, edit["uid"]).id())
        else:
            raise ValueError(f"unknown edit {op!r}")
        out["calls"].append(bool(ok))
    out["committed"] = layer.commitChanges()
    out["errors"] = layer.commitErrors()
    return out


def counts(files: dict) -> dict:
    out = {}
    for path, names in files.items():
        for name in names:
            layer = open_layer(path, name)
            features = list(layer.getFeatures()) if layer.isValid() else []
            out[f"{path}|{name}"] = {"valid": layer.isValid(), "features": layer.featureCount(),
                                     "iterated": len(features),
                                     "uids": sorted(str(f["uid"]) for f in features)}
    return out


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as handle:
        edits = json.load(handle)
    app = QgsApplication([], False)
    app.initQgis()
    try:
        groups: dict[tuple, list] = {}
        for edit in edits:
            groups.setdefault((edit["path"], edit["layer"]), []).append(edit)
        print(json.dumps([session(path, name, group) for (path, name), group in groups.items()], ensure_ascii=False),
              flush=True)
        line = sys.stdin.readline()
        if line.strip():
            print(json.dumps(counts(json.loads(line)), ensure_ascii=False), flush=True)
    finally:
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
