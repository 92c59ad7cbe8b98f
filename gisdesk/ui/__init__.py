"""The desktop app: windows, panels and tools (QtWidgets). It shows what the core computes; only gisdesk.cli opens it."""
