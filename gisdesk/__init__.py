"""gisdesk — an offline desktop GIS for city inspectors and planners."""

__version__ = "0.1.0"
