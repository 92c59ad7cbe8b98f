"""The child-process job runner (gisdesk.jobs.run_in_process), headless: progress, result, errors, cancel."""

from __future__ import annotations

import os
import threading
import time

import pytest

from gisdesk import i18n
from gisdesk.errors import Cancelled, ProjectError
from gisdesk.jobs import RELAY_INTERVAL_S, Feedback, run_in_process


class Recording(Feedback):
    """What the caller's feedback hears, and from which thread; can cancel at the first report."""

    def __init__(self, cancel_at_first_report: bool = False):
        super().__init__()
        self.reports: list[tuple[str, float]] = []
        self.threads: set[str] = set()
        self.cancel_at_first_report = cancel_at_first_report

    def report(self) -> None:
        self.reports.append((self.stage, self.progress))
        self.threads.add(threading.current_thread().name)
        if self.cancel_at_first_report:
            self.cancel()


# --- jobs (module level: the spawned child imports them by name) -------------------------------

def doubled_in_steps(n, *, feedback):
    feedback.set_stage("load")
    time.sleep(RELAY_INTERVAL_S * 1.5)  # past the relay's interval, so 0.5 is sent too
    feedback.set_progress(0.5)
    feedback.set_progress(1.0)
    return {"doubled": 2 * n, "pid": os.getpid()}


def no_control_lines(path, *, feedback):
    raise ProjectError("项目 {path} 中没有控制线图层", "project {path} has no control-line layer", path=path)


def divide_by_zero(*, feedback):
    return 1 / 0


def until_cancelled(*, feedback):
    feedback.set_stage("buildings")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        feedback.set_progress(0.25)  # raises Cancelled once the parent's cancel arrives
        time.sleep(0.01)
    return "never cancelled"


def dies(*, feedback):
    os._exit(3)


# --- tests ---------------------------------------------------------------------------------------

def test_progress_and_the_result_come_back_from_the_child():
    feedback = Recording()
    result = run_in_process(doubled_in_steps, (21,), feedback)
    assert result["doubled"] == 42
    assert result["pid"] != os.getpid()  # it did run in another process
    assert feedback.reports == [("load", 0.0), ("load", 0.5), ("load", 1.0)]
    assert feedback.threads == {threading.current_thread().name}  # reported in the caller's thread


def test_a_gisdesk_error_in_the_child_is_raised_with_both_languages():
    with pytest.raises(ProjectError) as raised:
        run_in_process(no_control_lines, ("x.gpkg",), Recording())
    assert str(raised.value) == "项目 x.gpkg 中没有控制线图层"
    i18n.set_language("en")
    assert str(raised.value) == "project x.gpkg has no control-line layer"


def test_a_bug_in_the_child_keeps_its_type():
    with pytest.raises(ZeroDivisionError):
        run_in_process(divide_by_zero, (), Recording())


def test_a_cancel_reaches_the_child_and_comes_back_as_cancelled():
    feedback = Recording(cancel_at_first_report=True)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run_in_process(until_cancelled, (), feedback)
    assert feedback.reports[0] == ("buildings", 0.0)
    assert time.monotonic() - started < 15  # well before the job's own 20 s deadline


def test_a_child_that_dies_without_a_word_is_an_error_with_its_exit_code():
    with pytest.raises(RuntimeError, match="exit code 3"):
        run_in_process(dies, (), Recording())


# --- the warm worker: one child process, started ahead, running job after job --------------------

def reports_pid(*, feedback):
    feedback.set_stage("load")
    return os.getpid()


def stuck_in_a_long_call(*, feedback):
    feedback.set_stage("buildings")
    time.sleep(60)  # like a long GEOS call: no report, so no cooperative cancel
    return "not stopped"


def pid_then_dies(*, feedback):
    os._exit(7)


@pytest.fixture
def worker():
    from gisdesk.jobs import WarmWorker

    worker = WarmWorker(preload=("gisdesk.analysis.check",))
    worker.start()
    yield worker
    worker.stop()


def test_the_warm_worker_runs_jobs_one_after_another_in_the_same_process(worker):
    feedback = Recording()
    first = run_in_process(doubled_in_steps, (21,), feedback, worker)
    second = run_in_process(doubled_in_steps, (5,), Recording(), worker)
    assert (first["doubled"], second["doubled"]) == (42, 10)
    assert first["pid"] == second["pid"] == worker.pid != os.getpid()
    assert feedback.reports == [("load", 0.0), ("load", 0.5), ("load", 1.0)]
    assert feedback.threads == {threading.current_thread().name}
    assert worker.started == 1


def test_the_warm_worker_relays_errors_in_both_languages_and_bugs_with_their_type(worker):
    with pytest.raises(ProjectError) as raised:
        run_in_process(no_control_lines, ("x.gpkg",), Recording(), worker)
    i18n.set_language("zh")
    assert str(raised.value) == "项目 x.gpkg 中没有控制线图层"
    with pytest.raises(ZeroDivisionError):
        run_in_process(divide_by_zero, (), Recording(), worker)
    assert run_in_process(reports_pid, (), Recording(), worker) == worker.pid  # still the same process
    assert worker.started == 1


def test_a_cooperative_cancel_stops_the_job_and_keeps_the_worker(worker):
    pid = run_in_process(reports_pid, (), Recording(), worker)
    with pytest.raises(Cancelled):
        run_in_process(until_cancelled, (), Recording(cancel_at_first_report=True), worker)
    assert run_in_process(reports_pid, (), Recording(), worker) == pid
    assert worker.started == 1


def test_a_job_that_ignores_cancel_is_killed_and_the_next_job_gets_a_fresh_worker(worker):
    pid = run_in_process(reports_pid, (), Recording(), worker)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run_in_process(stuck_in_a_long_call, (), Recording(cancel_at_first_report=True), worker)
    assert time.monotonic() - started < 30  # not the job's 60 s
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the stuck process is gone, not left running
    second = run_in_process(reports_pid, (), Recording(), worker)
    assert second != pid and worker.started == 2


def test_a_crash_in_the_warm_worker_is_an_error_and_the_next_job_works(worker):
    with pytest.raises(RuntimeError, match="exit code 7"):
        run_in_process(pid_then_dies, (), Recording(), worker)
    assert run_in_process(doubled_in_steps, (1,), Recording(), worker)["doubled"] == 2
    assert worker.started == 2


def test_an_unpicklable_job_fails_in_the_caller_and_the_worker_lives_on(worker):
    with pytest.raises(Exception):
        run_in_process(lambda *, feedback: 1, (), Recording(), worker)
    assert run_in_process(reports_pid, (), Recording(), worker) == worker.pid


def test_a_worker_grown_too_big_retires_and_the_next_job_runs_in_a_fresh_one():
    from gisdesk.jobs import WarmWorker

    worker = WarmWorker(recycle_rss=1)  # every process is too big: each retires after its job
    try:
        pids = []
        for _ in range(3):
            pids.append(run_in_process(reports_pid, (), Recording(), worker))
            process = worker._process
            process.join(timeout=20)  # it retires when no job is waiting
            assert not process.is_alive()
        assert len(set(pids)) == 3 and worker.started == 3
        with pytest.raises(ZeroDivisionError):
            run_in_process(divide_by_zero, (), Recording(), worker)
    finally:
        worker.stop()
