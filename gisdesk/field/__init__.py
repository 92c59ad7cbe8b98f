"""Field packages (pack.py) and the three-way merge of their edits back into the master (merge.py).

A field package is a gisdesk project of its own (Project.open works on it) with a base snapshot of
every feature it was given (gisdesk_field_base, snapshot.py), so the merge compares base, package
and master by their values and needs nothing else: edits made in the package by any GeoPackage
editor (QGIS, ogr2ogr, pyogrio) merge like gisdesk's own. No Qt.
"""
