#!/usr/bin/env bash
# Set up if needed, then open gisdesk on the demo city project.
# The demo job copies data/demo.gpkg to ./gisdesk-demo/, checks it and writes its tables there
# (the committed demo never changes). With a display, the window then opens on that copy;
# without one (ssh, CI) the headless job is the whole demo and it says where its output went.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
.venv/bin/gisdesk demo --out gisdesk-demo "$@"
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  exec .venv/bin/gisdesk open gisdesk-demo/demo.gpkg "$@"
fi
