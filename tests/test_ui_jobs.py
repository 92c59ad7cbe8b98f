"""The UI job runner: progress reaches the bar, cancel changes nothing, errors become messages."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt  # noqa: E402

from gisdesk.errors import ProjectError  # noqa: E402
from gisdesk.project import Project  # noqa: E402
from gisdesk.ui.conflicts_panel import check_project  # noqa: E402
from gisdesk.ui.jobs import run_job  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo.gpkg"


@pytest.fixture
def window(qtbot, tmp_path):
    from gisdesk.ui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    yield window
    window.jobs_panel.shutdown()


@pytest.fixture
def demo(tmp_path):
    path = tmp_path / "demo.gpkg"
    shutil.copyfile(DEMO, path)
    return path


def idle(qtbot, window, timeout=30_000):
    qtbot.waitUntil(lambda: not window.jobs_panel.running(), timeout=timeout)


def test_progress_reaches_the_bar_and_the_result_comes_back_on_the_gui_thread(qtbot, window):
    go = threading.Event()
    results = []

    def work(n, *, feedback):
        feedback.set_stage("load")
        feedback.set_progress(0.4)
        assert go.wait(10)
        feedback.set_progress(1.0)
        return n * 2

    job = run_job(window, "测试任务", work, 21, on_done=lambda r: results.append((r, threading.current_thread())))
    row = window.jobs_panel.rows[job.id]
    qtbot.waitUntil(lambda: row.bar.value() == 400, timeout=5000)
    assert row.title.text() == "测试任务"
    assert row.stage.text() == "Reading layers"  # the English source until the catalogue is generated
    assert row.isVisibleTo(window.jobs_panel)
    go.set()
    with qtbot.waitSignal(job.done, timeout=5000) as done:
        pass
    assert done.args == ["finished"]
    assert results == [(42, threading.main_thread())]
    assert job.id not in window.jobs_panel.rows  # the row goes when the job is over


def test_cancel_leaves_the_project_byte_identical(qtbot, window, demo):
    window.open_project(demo)
    idle(qtbot, window)
    before = demo.read_bytes()
    reached, released = threading.Event(), threading.Event()
    applied = []

    def held_check(project, *, feedback):
        report = feedback.report

        def holding():
            if feedback.stage == "buildings" and not reached.is_set():
                reached.set()
                released.wait(10)
            report()
        feedback.report = holding
        return check_project(project, feedback=feedback)

    job = run_job(window, "检查", held_check, window.document.project, on_done=applied.append)
    assert reached.wait(10)  # the check is under way, in the worker
    row = window.jobs_panel.rows[job.id]
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert not row.cancel_button.isEnabled()
    released.set()
    with qtbot.waitSignal(job.done, timeout=10_000) as done:
        pass
    assert done.args == ["cancelled"]
    assert applied == []
    assert demo.read_bytes() == before
    assert "cancelled" in window.jobs_panel.message.text()
    assert window.document.project.last_run() is None or window.document.project.conflicts() is not None


def test_an_error_becomes_a_message_and_the_window_lives_on(qtbot, window):
    def broken(*, feedback):
        raise ProjectError("项目 {p} 中没有控制线图层", "project {p} has no control-line layer", p="x.gpkg")

    job = run_job(window, "检查", broken)
    with qtbot.waitSignal(job.done, timeout=5000) as done:
        pass
    assert done.args == ["failed"]
    assert "项目 x.gpkg 中没有控制线图层" in window.jobs_panel.message.text()
    assert window.jobs_dock.isVisible()

    def bug(*, feedback):
        return 1 / 0

    job = run_job(window, "另一个", bug)
    with qtbot.waitSignal(job.done, timeout=5000):
        pass
    assert "内部错误" in window.jobs_panel.message.text() and "ZeroDivisionError" in window.jobs_panel.message.text()

    def applying_fails(result):
        raise ProjectError("无法应用", "cannot apply")

    job = run_job(window, "第三个", lambda *, feedback: 1, on_done=applying_fails)
    with qtbot.waitSignal(job.done, timeout=5000) as done:
        pass
    assert done.args == ["failed"] and "无法应用" in window.jobs_panel.message.text()

    job = run_job(window, "之后", lambda *, feedback: "ok")  # the runner still works
    with qtbot.waitSignal(job.done, timeout=5000) as done:
        pass
    assert done.args == ["finished"] and window.isVisible()


def test_jobs_run_one_at_a_time_and_a_queued_job_can_be_cancelled(qtbot, window):
    go = threading.Event()
    first = run_job(window, "一", lambda *, feedback: go.wait(10))
    second = run_job(window, "二", lambda *, feedback: "never")
    second.cancel()
    go.set()
    with qtbot.waitSignal(second.done, timeout=5000) as done:
        pass
    assert done.args == ["cancelled"] and first.state == "finished"


def test_a_job_in_a_child_process_reports_progress_saves_and_can_fail_cleanly(qtbot, window, demo):
    """The check runs in its own process (no GIL shared with the window); errors still reach the user."""
    job = run_job(window, "检查", check_project, Project(demo), in_process=True)
    with qtbot.waitSignal(job.done, timeout=60_000) as done:
        pass
    assert done.args == ["finished"]
    assert Project(demo).last_run()["summary"]["encroach"] > 0  # the child wrote the results
    empty = Project.create(demo.with_name("empty.gpkg"))  # nothing to check: a user error, raised in the child
    failing = run_job(window, "检查", check_project, empty, in_process=True)
    with qtbot.waitSignal(failing.done, timeout=60_000) as done:
        pass
    assert done.args == ["failed"]
    assert "empty.gpkg" in window.jobs_panel.message.text()


# Jobs for the warm worker (module level: the worker imports them by name).
def _pid_with_progress(*, feedback):
    import os
    import time

    feedback.set_stage("load")
    time.sleep(0.15)  # past the relay's interval (RELAY_INTERVAL_S), so 0.5 is sent
    feedback.set_progress(0.5)
    return os.getpid()


def _crash(*, feedback):
    import os

    feedback.set_stage("load")
    os._exit(9)


def _run_to_end(qtbot, window, fn, timeout=60_000):
    progress = []
    job = run_job(window, "进程任务", fn, in_process=True)
    job.progressed.connect(lambda stage, fraction: progress.append((stage, fraction)))
    with qtbot.waitSignal(job.done, timeout=timeout) as done:
        pass  # the job runs already: only its end is awaited
    return job, done.args[0], progress


def test_jobs_in_a_process_run_in_the_app_s_warm_worker_and_a_crash_costs_only_that_job(qtbot, window):
    import os

    from gisdesk.ui.jobs import warm_worker

    first, state, progress = _run_to_end(qtbot, window, _pid_with_progress)
    assert state == "finished" and first.result != os.getpid()
    assert ("load", 0.5) in progress  # the child's progress reached the panel
    second, state, _ = _run_to_end(qtbot, window, _pid_with_progress)
    assert second.result == first.result == warm_worker().pid  # the same process, kept warm
    started = warm_worker().started

    crashed, state, _ = _run_to_end(qtbot, window, _crash)
    assert state == "failed"
    assert "exit code 9" in window.jobs_panel.message.text()  # reported, not a hang
    after, state, _ = _run_to_end(qtbot, window, _pid_with_progress)
    assert state == "finished" and after.result != first.result  # a fresh worker took over
    assert warm_worker().started == started + 1


def _until_cancelled(*, feedback):
    import time

    feedback.set_stage("buildings")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.02)
        feedback.set_progress(0.25)  # raises Cancelled once the cancel has reached the worker
    return "never cancelled"


def test_cancel_of_a_job_in_the_warm_worker_stops_it_and_the_worker_serves_the_next(qtbot, window):
    from gisdesk.ui.jobs import warm_worker

    before, state, _ = _run_to_end(qtbot, window, _pid_with_progress)
    job = run_job(window, "长任务", _until_cancelled, in_process=True)
    row = window.jobs_panel.rows[job.id]
    qtbot.waitUntil(lambda: job.state == "running", timeout=30_000)  # its first report arrived
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(job.done, timeout=30_000) as done:
        pass  # the click above cancelled it: only its end is awaited
    assert done.args == ["cancelled"] and "cancelled" in window.jobs_panel.message.text()
    after, state, _ = _run_to_end(qtbot, window, _pid_with_progress)
    assert state == "finished" and after.result == before.result == warm_worker().pid  # a cooperative cancel
