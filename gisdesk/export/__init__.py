"""Exports: what leaves the project as files for other programs and other machines.

basemap: offline base maps, raster MBTiles caches made from a GeoTIFF or drawn from the
project's own vector layers through the one renderer (gisdesk.render).
"""
