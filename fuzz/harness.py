"""What every fuzz target shares: the property, the time budget, the hang guard and the record of
the inputs that broke it (fuzz/found/, replayed by test_replay_found.py).

The property: an input either reads (imports) or is refused with a GisdeskError; anything else
— another exception, a hang — is a bug in gisdesk. A refused import leaves the project file
byte-identical and nothing beside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

from gisdesk.errors import GisdeskError

HERE = Path(__file__).resolve().parent
FOUND = HERE / "found"
WORK = Path(os.environ.get("GISDESK_FUZZ_WORK", HERE / ".work"))
HANG_SECONDS = 30  # an example still running after this is a hang (SIGALRM interrupts it)
DEADLINE = timedelta(seconds=15)  # hypothesis' per-example deadline (the machine is shared: generous)
BATCH = 50  # examples per hypothesis run (small: a run goes on generating after the time is up); runs repeat until the target's time is spent
SHRINK_SECONDS = 30  # how long hypothesis may shrink one failure before the run goes on


def seconds_per_target() -> float:
    return float(os.environ.get("GISDESK_FUZZ_SECONDS", "20"))


_ENGLISH = re.compile(r"[A-Za-z]{3,}(?:[ ,:'\"()._/-]+[A-Za-z]{2,}){3,}")  # four English words in a row


class Hang(Exception):
    """An example ran longer than HANG_SECONDS."""


@dataclass
class Case:
    """One input: its files (name -> bytes), the file the reader is given, and the call's options."""
    files: dict[str, bytes]
    source: str
    options: dict = field(default_factory=dict)
    note: str = ""  # what was done to the seed, for the record

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
        return folder / self.source

    def size(self) -> int:
        return sum(len(d) for d in self.files.values())


@dataclass
class Tally:
    target: str
    examples: int = 0
    refused: int = 0
    accepted: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # failure key -> times seen (shrinking included)
    bug_at: float = 0.0  # when the current hypothesis run first failed
    english: dict[str, int] = field(default_factory=dict)  # refusals with library text in them -> times
    started: float = field(default_factory=time.monotonic)

    def note_message(self, message: str, source: str) -> None:
        """Keep a few refusals that still carry library text (a run of English words in a Chinese message)."""
        text = message.replace(source, "").replace(Path(source).stem, "")
        text = re.sub(r"EPSG:\d+[^：；（）]*", "", re.sub(r"/\S+", "", text))  # no paths, no CRS names
        if _ENGLISH.search(text) and len(self.english) < 40:
            self.english.setdefault(re.sub(r"\d+", "N", message)[:200], 0)
            self.english[re.sub(r"\d+", "N", message)[:200]] += 1

    def save(self) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        data = {"target": self.target, "examples": self.examples, "refused": self.refused,
                "accepted": self.accepted, "failures": self.failures, "english": self.english,
                "seconds": round(time.monotonic() - self.started, 1)}
        (WORK / f"tally-{self.target}-{os.getpid()}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1))


@contextlib.contextmanager
def hang_guard(seconds: float = HANG_SECONDS):
    def alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def failure_key(target: str, exc: BaseException) -> str:
    """The kind of failure: exception type and the innermost frame in gisdesk (else the innermost)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/gisdesk/" in f.filename] or frames
    where = f"{Path(ours[-1].filename).stem}:{ours[-1].lineno}" if ours else "?"
    return f"{target}-{type(exc).__name__}-{where}"


def record(target: str, case: Case, exc: BaseException) -> str:
    """Keep the smallest input of each kind of failure in fuzz/found/<key>/ with case.json."""
    key = failure_key(target, exc)
    folder = FOUND / key.replace(":", "-")
    meta = folder / "case.json"
    if meta.exists():
        with contextlib.suppress(ValueError, OSError):
            if json.loads(meta.read_text("utf-8"))["size"] <= case.size():
                return key
    shutil.rmtree(folder, ignore_errors=True)
    case.write(folder)
    meta.write_text(json.dumps({
        "target": target, "source": case.source, "options": case.options, "note": case.note, "size": case.size(),
        "error": f"{type(exc).__name__}: {exc}"[:2000],
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-6000:],
        "replay": f"GISDESK_FUZZ=1 .venv/bin/python -m pytest fuzz/test_replay_found.py -k '{folder.name}'",
    }, ensure_ascii=False, indent=1), encoding="utf-8")
    return key


class Bug(AssertionError):
    """The property failed for an input (the cause is chained)."""


def run_case(target: str, case: Case, check, tally: Tally | None = None) -> str:
    """Write the case into a fresh folder, run `check(path, case)` under the hang guard: "refused",
    "accepted", or Bug (recorded in fuzz/found/) when it raised anything but a GisdeskError.
    While it runs, WORK/running-<target>/ holds the input, so a crash of the interpreter (a
    segfault in a C library) leaves it for scripts/fuzz.sh to keep."""
    running = WORK / f"running-{target}"
    shutil.rmtree(running, ignore_errors=True)
    path = case.write(running / "input")
    (running / "case.json").write_text(json.dumps({"target": target, "source": case.source, "options": case.options,
                                                   "note": case.note, "size": case.size()}, ensure_ascii=False))
    scratch = Path(tempfile.mkdtemp(prefix=f"fuzz-{target}-", dir=WORK))
    try:
        with hang_guard():
            outcome = check(path, case, scratch)
    except GisdeskError as exc:
        outcome = "refused"
        if tally is not None:
            tally.note_message(str(exc), case.source)
    except Exception as exc:  # noqa: BLE001 (anything else is what we are looking for)
        key = record(target, case, exc)
        if tally is not None:
            tally.failures[key] = tally.failures.get(key, 0) + 1
            tally.bug_at = tally.bug_at or time.monotonic()
        raise Bug(f"{key}: {type(exc).__name__}: {exc}"[:500]) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(running, ignore_errors=True)
    if tally is not None:
        tally.examples += 1
        if outcome == "refused":
            tally.refused += 1
        else:
            tally.accepted += 1
    return outcome


def fuzz(target: str, strategy, check) -> Tally:
    """Run `check` on inputs from `strategy` for the target's share of the time, in batches of
    hypothesis runs; the failures found are recorded and the test fails at the end if any."""
    tally = Tally(target)
    stop = time.monotonic() + seconds_per_target()

    @settings(max_examples=BATCH, deadline=DEADLINE, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=(Phase.generate, Phase.shrink), report_multiple_bugs=False)
    @given(strategy)
    def one(case):
        now = time.monotonic()
        if now > stop or (tally.bug_at and now - tally.bug_at > SHRINK_SECONDS):
            return  # time is up, or this failure has been shrunk long enough (its smallest input is kept)
        run_case(target, case, check, tally)

    errors = []
    while time.monotonic() < stop:
        tally.bug_at = 0.0
        try:
            one()
        except Bug as exc:
            errors.append(str(exc))
        except Exception as exc:  # e.g. hypothesis' Flaky on a failure that did not repeat
            errors.append(f"{type(exc).__name__}: {exc}"[:500])
        tally.save()
    tally.save()
    assert not errors, "\n".join(dict.fromkeys(errors))
    return tally


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
