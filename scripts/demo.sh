#!/usr/bin/env bash
# Set up if needed, then show the app on the demo project. Extra arguments go
# to the gisdesk command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  # A desktop session: open the main window.
  exec .venv/bin/gisdesk open data/demo.gpkg "$@"
else
  # No display (ssh, CI): run the headless demo; it prints where its output went.
  exec .venv/bin/gisdesk demo "$@"
fi
