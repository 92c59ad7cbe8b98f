#!/usr/bin/env bash
# The fuzz run of the readers behind `gisdesk import` (issue 7): bash scripts/fuzz.sh [MINUTES]
# (default 10), niced, on one core. Replays the inputs kept in fuzz/found/ first, then gives each
# target (shapefile gpkg geojson tables rules import) MINUTES/6 of hypothesis examples. Each target
# runs in its own interpreter: a crash (a segfault in GDAL) or a hang that SIGALRM cannot break
# keeps the input it was reading in fuzz/found/crash-<target>-<time>/ and that target goes on.
# Figures: fuzz/.work/summary.txt. GISDESK_FUZZ_TARGETS=a,b runs only those targets.
set -u
cd "$(dirname "$0")/.."
MINUTES=${1:-10}
TARGETS=${GISDESK_FUZZ_TARGETS:-shapefile,gpkg,geojson,tables,rules,import}
PY=.venv/bin/python
WORK=fuzz/.work
rm -rf "$WORK" && mkdir -p "$WORK" fuzz/found
export GISDESK_FUZZ=1 QT_QPA_PLATFORM=offscreen PYTHONWARNINGS=ignore PYTHONHASHSEED=0
ulimit -v 8000000  # a runaway allocation becomes a MemoryError (a finding), not a swapping machine
IFS=, read -ra LIST <<<"$TARGETS"
share=$(( MINUTES * 60 / ${#LIST[@]} ))
echo "fuzz: ${MINUTES} min, ${#LIST[@]} targets, ${share} s each; replaying fuzz/found/ first"
nice -n 15 $PY -m pytest -q -p no:cacheprovider -p no:warnings fuzz/test_replay_found.py | tail -3
status=0
for target in "${LIST[@]}"; do
  end=$(( $(date +%s) + share ))
  while left=$(( end - $(date +%s) )); (( left > 5 )); do
    GISDESK_FUZZ_TARGETS=$target GISDESK_FUZZ_SECONDS=$left timeout -s KILL $(( left + 180 )) \
      nice -n 15 $PY -m pytest -q -p no:cacheprovider -p no:warnings "fuzz/test_fuzz_readers.py" -k "$target" \
      >"$WORK/pytest-$target.log" 2>&1
    rc=$?
    tail -n 4 "$WORK/pytest-$target.log" | grep -E "passed|failed|Error" | sed "s/^/  $target: /"
    if (( rc == 0 )); then break; fi
    status=1
    if [ -d "$WORK/running-$target" ]; then  # the interpreter died (or was killed) inside an example
      kept="fuzz/found/crash-$target-$(date +%H%M%S)"
      mv "$WORK/running-$target/input" "$kept" && mv "$WORK/running-$target/case.json" "$kept/"
      echo "  $target: the interpreter ended with $rc inside an example: kept $kept"
      continue  # the rest of the target's time
    fi
    break  # failures found and recorded (fuzz/found/): the target is done
  done
done
$PY - "$WORK" <<'PYEOF' | tee "$WORK/summary.txt"
import json, sys
from collections import defaultdict
from pathlib import Path
work = Path(sys.argv[1])
totals = defaultdict(lambda: {"examples": 0, "refused": 0, "accepted": 0, "seconds": 0.0, "failures": {}})
for path in sorted(work.glob("tally-*.json")):
    t = json.loads(path.read_text())
    s = totals[t["target"]]
    for key in ("examples", "refused", "accepted", "seconds"):
        s[key] += t[key]
    for key, n in t["failures"].items():
        s["failures"][key] = s["failures"].get(key, 0) + n
print(f"{'target':10} {'examples':>9} {'refused':>8} {'read':>6} {'seconds':>8}  failures (kinds)")
for target, s in totals.items():
    print(f"{target:10} {s['examples']:9d} {s['refused']:8d} {s['accepted']:6d} {s['seconds']:8.0f}  "
          f"{len(s['failures'])} {', '.join(s['failures'])}")
print(f"{'all':10} {sum(s['examples'] for s in totals.values()):9d}")
PYEOF
exit $status
