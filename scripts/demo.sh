#!/usr/bin/env bash
# Set up if needed, then run gisdesk on the demo city project. Extra arguments go
# to the gisdesk command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

# The desktop window is not built yet: until it is, the demo runs headless (copy the
# demo project, check it, write conflicts/totals/indicators) and prints where its
# output went. When the window lands, a machine with a display opens it here instead.
exec .venv/bin/gisdesk demo "$@"
