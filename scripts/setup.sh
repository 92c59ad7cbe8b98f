#!/usr/bin/env bash
# Idempotent set-up for a Debian 12 machine: system packages, .venv, and the
# project installed editable with its test extras. Safe to re-run; a re-run
# with nothing to do takes well under a second.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Debian packages the project needs. Packages they pull in as dependencies
# (libx11-6, libxcb1, libxcb-image0, libxcb-render-util0, libxcb-xkb1,
# libfreetype6, ...) are not repeated here.
PACKAGES=(
  # PySide6's QtCore/QtGui link these directly, so even QT_QPA_PLATFORM=offscreen
  # cannot import QtGui without them.
  libglib2.0-0 libgl1 libegl1 libfontconfig1 libxkbcommon0 libdbus-1-3
  # QtNetwork and QtPdf link Kerberos; without it 'import PySide6.QtPdf' fails.
  libgssapi-krb5-2
  # Qt's xcb platform plugin (a real X display or Xvfb); Qt refuses to start
  # with "could not load the Qt platform plugin xcb" if any is missing.
  libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-randr0 libxcb-shape0 libxcb-sync1 libxcb-xfixes0
  # Virtual X server for GUI tests/demo on machines without a display;
  # xvfb-run needs xauth, which xvfb only recommends.
  xvfb xauth
  # Chinese labels and layer names must render as glyphs, not boxes;
  # fontconfig adds fc-list/fc-match to see which font Qt will pick.
  fonts-noto-cjk fontconfig
  # Exported PDF pages are drawn in WenQuanYi Micro Hei (TrueType, 5 MB): with Noto CJK (CFF) Qt's
  # PDF writer maps 280 common ideographs (面, 黄, 一 ...) to Kangxi radicals in the ToUnicode table,
  # so the PDF's text copies and searches wrong (gisdesk/export/pages.py, tests/test_export_pages.py).
  fonts-wqy-microhei
  # pdftoppm/pdffonts let tests rasterise exported PDFs and check embedded fonts.
  poppler-utils
  # Other GeoPackage tools must read and write projects (tests/test_gpkg_interop.py), tried
  # with what Debian 12 / QGIS 3.22 users have: GDAL 3.6's ogrinfo and ogr2ogr, and its
  # GeoPackage validator, which python3-gdal ships (osgeo_utils/samples/validate_gpkg.py).
  # 45 packages, 130 MB, about 20 s to install.
  gdal-bin python3-gdal
  # QGIS 3.22 itself, driven with the system python3 by the same tests: 170 packages,
  # 930 MB, about 80 s to install.
  python3-qgis
  # Exported HTML maps must open with no network: tests load them in headless Chromium and
  # check that every asset is inlined (tests/test_export_html.py).
  chromium
)

# Not 'dpkg -s | grep -q': under pipefail an early grep exit can fail the check.
installed() { [[ $(dpkg -s "$1" 2>/dev/null) == *"Status: install ok installed"* ]]; }

if command -v dpkg >/dev/null; then
  missing=()
  for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
  if ((${#missing[@]})); then
    if ((EUID != 0)); then
      echo "setup.sh: missing Debian packages. As root, run:" >&2
      echo "  apt-get update && apt-get install --no-install-recommends ${missing[*]}" >&2
      exit 1
    fi
    echo "setup.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive   # no prompts (CI has no stdin)
    apt-get update -qq
    # Dpkg::Use-Pty=0 drops dpkg's progress bars from CI logs.
    apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 \
      "${missing[@]}" </dev/null
  fi
else
  echo "setup.sh: not a Debian system; skipping system packages (${PACKAGES[*]})" >&2
fi

# The virtualenv keeps the project's pins away from the shared interpreter.
# PYTHON=/path/to/python3 picks another interpreter.
[[ -x .venv/bin/python ]] || "${PYTHON:-python3}" -m venv .venv

# pip is slow even when nothing changes, so only run it when pyproject.toml
# (the dependency list) differs from what was last installed successfully.
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ ! -e $stamp ]]; then
  .venv/bin/python -m pip install -e ".[test]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The UI's Chinese catalogue: compiled from its source on every set-up (it takes milliseconds).
bash scripts/translations.sh build
