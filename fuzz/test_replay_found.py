"""Replay every input the fuzz run kept in fuzz/found/ (each folder: the input files and case.json):
each must now read or be refused with a GisdeskError. `bash scripts/fuzz.sh` runs this first;
one case: GISDESK_FUZZ=1 .venv/bin/python -m pytest fuzz/test_replay_found.py -k NAME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzz.harness import FOUND, Case, run_case
from fuzz.test_fuzz_readers import check_import, check_read, check_rules

CHECKS = {"shapefile": check_read, "gpkg": check_read, "geojson": check_read, "tables": check_read,
          "rules": check_rules, "import": check_import}
CASES = sorted(p for p in FOUND.iterdir() if (p / "case.json").exists()) if FOUND.exists() else []


def load_case(folder: Path) -> tuple[str, Case]:
    meta = json.loads((folder / "case.json").read_text("utf-8"))
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "case.json"}
    return meta["target"], Case(files, meta["source"], meta["options"], meta.get("note", ""))


@pytest.mark.parametrize("folder", CASES, ids=[p.name for p in CASES])
def test_a_kept_input_now_reads_or_is_refused(folder):
    target, case = load_case(folder)
    run_case(f"replay-{target}", case, CHECKS[target.removeprefix("replay-")])  # (a failure is kept as found/replay-<target>-...)
