#!/usr/bin/env bash
# The UI's Chinese catalogue. Source strings are English, written with tr() in gisdesk/ui;
# translations live in resources/translations/gisdesk_zh_CN.ts (edit it with pyside6-linguist).
#   scripts/translations.sh update   add new source strings to the .ts (as unfinished)
#   scripts/translations.sh build    compile the .ts into the .qm the app loads (setup.sh does this)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin="${VENV:-.venv}/bin"
ts=resources/translations/gisdesk_zh_CN.ts

case "${1:-build}" in
  update) "$bin/pyside6-lupdate" gisdesk/ui/*.py -ts "$ts" -no-obsolete -locations relative ;;
  build)  "$bin/pyside6-lrelease" -silent "$ts" -qm "${ts%.ts}.qm" ;;
  *) echo "usage: $0 update|build" >&2; exit 2 ;;
esac
