#!/usr/bin/env bash
# Set up if needed, then run the whole test suite headless.
# Extra arguments go to pytest, e.g. scripts/test.sh -k legend -x
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

# Always offscreen: no display needed, and a desktop's own QT_QPA_PLATFORM
# (e.g. wayland) must not leak into the tests.
export QT_QPA_PLATFORM=offscreen

# exec passes pytest's exit code through; every non-zero one fails the run,
# including 5 (no tests collected).
exec .venv/bin/python -m pytest "$@"
