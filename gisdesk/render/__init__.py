"""The one map renderer (QPainter) for the canvas and for every export. QtGui only."""
