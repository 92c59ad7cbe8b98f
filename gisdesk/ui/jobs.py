"""Running jobs from the UI: off the UI thread, with a progress bar and a Cancel button.

A job is a plain function `fn(*args, feedback=...)` (see gisdesk.jobs). `run_job` runs it
in a worker thread of the window's job pool with a QtFeedback, whose report() sends the
stage and progress to the GUI thread as a queued signal (one at a time, never a flood) and whose
cancel() sets the flag the function checks. The result goes to `on_done` on the GUI
thread. A GisdeskError becomes a message in the user's language in the Jobs dock and the
status bar; a cancelled job says so and calls nothing. The UI thread never waits for a job.

The Jobs dock is hidden while nothing goes wrong: a running job shows in the status bar (its
title, stage, a progress bar and Cancel; JobsIndicator), which is empty again when it is over.
The dock opens for a failure (its message stays there) or from View › Panels.

Jobs run one after another (one worker thread): they read and write the same project file.
A heavy job (the conflict check) runs with `in_process=True` in a child process instead
(gisdesk.jobs.run_in_process): long GEOS/GDAL calls that build Python objects hold the GIL,
and in a thread of the UI's process they would stall the window for seconds. The worker
thread then only relays the child's progress and passes the cancel on. That child is the
app's warm worker (`warm_worker()`, one per app, started with the first window, at a lower
priority, with the jobs' modules imported), so a job starts working at once; a job that
does not stop on Cancel, or a worker that crashes, costs a fresh worker, not a hang.
"""

from __future__ import annotations

import collections
import itertools
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QApplication, QDockWidget, QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QScrollArea, QToolButton, QVBoxLayout, QWidget)

from gisdesk import i18n
from gisdesk.errors import Cancelled, GisdeskError
from gisdesk.jobs import Feedback, WarmWorker, run_in_process

HOLD_LIMIT_MS = 15_000  # the longest a project's jobs wait for its first map
# What the app's jobs in a child process run: imported by the warm worker before its first job.
WORKER_PRELOAD = ("gisdesk.ui.conflicts_panel", "gisdesk.ui.totals_panel", "gisdesk.analysis.check",
                  "gisdesk.analysis.totals", "gisdesk.analysis.indicators", "gisdesk.io.importer")
_worker: WarmWorker | None = None
_worker_lock = threading.Lock()


def warm_worker() -> WarmWorker:
    """The app's worker process for jobs `in_process` (made, not started, when first asked for)."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = WarmWorker(WORKER_PRELOAD)
        return _worker


def stage_label(stage: str) -> str:
    """The stage name in the user's language (translated when shown, the catalogue may load late)."""
    labels = {
        "load": QCoreApplication.translate("jobs", "Reading layers"),
        "zones": QCoreApplication.translate("jobs", "Building control zones"),
        "buildings": QCoreApplication.translate("jobs", "Checking buildings"),
        "ledger": QCoreApplication.translate("jobs", "Checking ledger cases"),
        "save": QCoreApplication.translate("jobs", "Saving results"),
        "totals": QCoreApplication.translate("jobs", "Computing totals"),
        "indicators": QCoreApplication.translate("jobs", "Computing indicators"),
        "read": QCoreApplication.translate("jobs", "Reading the source"),  # the stages of an import
        "geometry": QCoreApplication.translate("jobs", "Checking geometries"),
        "transform": QCoreApplication.translate("jobs", "Transforming coordinates"),
        "write": QCoreApplication.translate("jobs", "Writing into the project"),
    }
    return labels.get(stage, stage)


class _JobSignals(QObject):
    progress = Signal()  # take the latest stage and fraction from the feedback
    finished = Signal(object)  # the function's result
    failed = Signal(object, str)  # the exception, its traceback
    cancelled = Signal()


class QtFeedback(Feedback):
    """Feedback that reports through a Qt signal (queued to the GUI thread) and is cancelled from it.

    At most one progress signal is on its way at any time: the worker keeps the latest stage
    and fraction, the GUI takes them when the signal arrives. So the GUI is never flooded and
    always ends up showing the latest state, even when the worker then blocks for a while.
    """

    def __init__(self, signals: _JobSignals):
        super().__init__()
        self._signals = signals
        self._lock = threading.Lock()
        self._latest = ("", 0.0)
        self._pending = False

    def report(self) -> None:
        super().report()
        with self._lock:
            self._latest = (self.stage, self.progress)
            pending, self._pending = self._pending, True
        if not pending:
            self._signals.progress.emit()

    def take(self) -> tuple[str, float]:
        """The latest stage and fraction (GUI thread); the next report sends a signal again."""
        with self._lock:
            self._pending = False
            return self._latest


def _run(job: Job) -> None:
    """The worker side of a job: call the function, send the outcome to the GUI thread."""
    try:
        job.feedback.check_cancelled()  # cancelled while waiting in the queue
        if job.in_process:
            result = run_in_process(job.fn, job.args, job.feedback, warm_worker())
        else:
            result = _call(job.fn, job.args, job.feedback)
    except Cancelled:
        job.signals.cancelled.emit()
    except BaseException as error:  # noqa: BLE001 - every failure must reach the user, not kill the worker
        job.signals.failed.emit(error, traceback.format_exc())
    else:
        job.signals.finished.emit(result)


def _call(fn, args, feedback):
    return fn(*args, feedback=feedback)


class Job(QObject):
    """One run of a function; `done` is emitted on the GUI thread with 'finished', 'failed' or 'cancelled'."""

    done = Signal(str)
    progressed = Signal(str, float)

    _ids = itertools.count(1)

    def __init__(self, panel: JobsPanel, title: str, fn, args, on_done, on_error, in_process: bool = False):
        super().__init__(panel)
        self.panel = panel
        self.id = next(self._ids)
        self.title, self.fn, self.args, self.on_done, self.on_error = title, fn, args, on_done, on_error
        self.in_process = in_process
        self.signals = _JobSignals()  # emitted in the worker, received by this object's slots in the GUI thread
        self.signals.progress.connect(self._progress)
        self.signals.finished.connect(self._finished)
        self.signals.failed.connect(self._failed)
        self.signals.cancelled.connect(self._cancelled)
        self.feedback = QtFeedback(self.signals)
        self.state = "waiting"  # running, finished, failed, cancelled
        self.stage, self.progress = "", 0.0
        self.result = None
        self.error: BaseException | None = None

    def cancel(self) -> None:
        self.feedback.cancel()

    @property
    def running(self) -> bool:
        return self.state in ("waiting", "running")

    # Slots of a QObject of the GUI thread: the worker's signals are queued to them.
    def _progress(self) -> None:
        self.panel._on_progress(self, *self.feedback.take())

    def _finished(self, result) -> None:
        self.panel._on_finished(self, result)

    def _failed(self, error, tb: str) -> None:
        self.panel._on_failed(self, error, tb)

    def _cancelled(self) -> None:
        self.panel._on_cancelled(self)


class _JobRow(QFrame):
    """Title, stage, progress bar and Cancel button of one job."""

    def __init__(self, job: Job, parent=None):
        super().__init__(parent)
        self.job = job
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(job.title)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.stage = QLabel(self.tr("Waiting…"))
        self.stage.setStyleSheet("color: #555;")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFormat("%p%")
        self.bar.setMinimumWidth(120)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self._cancel)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.stage, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.bar, 1)
        bottom.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addLayout(bottom)

    def show_progress(self, stage: str, fraction: float) -> None:
        self.stage.setText(stage_label(stage) if stage else self.tr("Running…"))
        self.bar.setValue(int(round(fraction * 1000)))

    def _cancel(self) -> None:
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        self.stage.setText(self.tr("Cancelling…"))
        self.job.panel._indicate()


class JobsPanel(QWidget):
    """The running jobs, one row each, and a line with the last outcome."""

    def __init__(self, window):
        super().__init__()
        self.window = window
        # A Python thread, not a QThreadPool: Qt's pool threads lose their Python thread state
        # between runs, and with it pyproj's per-thread PROJ context (a crash on the next job).
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gisdesk-job")
        self.jobs: dict[int, Job] = {}
        self._done: collections.deque[Job] = collections.deque(maxlen=16)  # kept a while, then freed
        self.rows: dict[int, _JobRow] = {}
        self._held: list[Job] | None = None  # jobs waiting for the first map of a project
        self._shut = False  # shutdown() was called: no more jobs start
        self.indicator: JobsIndicator | None = None  # the running jobs in the status bar (install)
        window.documentChanged.connect(self._hold_for_first_map)
        window.canvas.rendered.connect(self._release_held)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.idle = QLabel(self.tr("No job is running."))
        self.idle.setStyleSheet("color: #777;")
        container = QWidget()
        self.rows_layout = QVBoxLayout(container)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.addWidget(self.idle)
        self.rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(container)
        outer.addWidget(self.message)
        outer.addWidget(scroll, 1)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
            app.aboutToQuit.connect(warm_worker().stop)
        self.pool.submit(warm_worker().start)  # warms up in the background; the first job will find it ready
        pool = self.pool  # the panel is gone when destroyed fires: let its worker thread end
        self.destroyed.connect(lambda *_: pool.shutdown(wait=False, cancel_futures=True))

    # --- running ---------------------------------------------------------------------

    def start(self, title: str, fn, args, on_done=None, on_error=None, in_process: bool = False) -> Job:
        job = Job(self, title, fn, args, on_done, on_error, in_process)
        row = _JobRow(job)
        self.jobs[job.id], self.rows[job.id] = job, row
        self.rows_layout.insertWidget(self.rows_layout.count() - 1, row)
        self.idle.hide()
        self._set_message("")
        self.window.statusBar().clearMessage()  # the last job's "done" would show beside the running one
        self._indicate()
        if self._held is not None:
            self._held.append(job)
        else:
            self._submit(job)
        return job

    def _submit(self, job: Job) -> None:
        if self._shut:
            return  # the app is quitting (or the panel's window closed): the job is not run
        self.pool.submit(_run, job)

    def _hold_for_first_map(self, document) -> None:
        """Jobs the panels start for a newly opened project wait until its first map is drawn:
        on two cores, a job's process reading the project would halve the render's speed."""
        if document is not None and self._held is None:
            self._held = []
            QTimer.singleShot(HOLD_LIMIT_MS, self._release_held)  # should no picture come

    def _release_held(self, *_) -> None:
        held, self._held = self._held or [], None
        for job in held:
            self._submit(job)

    def running(self) -> list[Job]:
        return [job for job in self.jobs.values() if job.running]

    def cancel_all(self) -> None:
        for job in self.running():
            job.cancel()

    def shutdown(self) -> None:
        """On quit: cancel what runs and wait for the worker to stop."""
        self._shut = True
        self.cancel_all()
        self.pool.shutdown(wait=True, cancel_futures=True)

    # --- results, on the GUI thread ----------------------------------------------------

    def _on_progress(self, job: Job, stage: str, fraction: float) -> None:
        if not job.running:
            return
        job.state, job.stage, job.progress = "running", stage, fraction
        if job.feedback.cancelled:
            return  # keep saying "Cancelling…"
        self.rows[job.id].show_progress(stage, fraction)
        self._indicate()
        job.progressed.emit(stage, fraction)

    def _on_finished(self, job: Job, result) -> None:
        job.state, job.result = "finished", result
        self._remove(job)
        try:
            if job.on_done is not None:
                job.on_done(result)
        except Exception as error:  # noqa: BLE001 - applying a result must not kill the window
            self._report_error(job, error, traceback.format_exc())
            job.state, job.error = "failed", error
        else:
            self.window.statusBar().showMessage(self.tr("%1: done").replace("%1", job.title), 5000)
        job.done.emit(job.state)
        job.on_done = job.on_error = None  # a finished job kept a while holds no panel's document

    def _on_failed(self, job: Job, error: BaseException, tb: str) -> None:
        job.state, job.error = "failed", error
        self._remove(job)
        self._report_error(job, error, tb)
        if job.on_error is not None:
            job.on_error(error)
        job.done.emit(job.state)
        job.on_done = job.on_error = None  # a finished job kept a while holds no panel's document

    def _on_cancelled(self, job: Job) -> None:
        job.state = "cancelled"
        self._remove(job)
        text = self.tr("%1: cancelled; nothing was changed.").replace("%1", job.title)
        self._set_message(text, "#555")
        self.window.statusBar().showMessage(text, 8000)
        if job.on_error is not None:
            job.on_error(Cancelled())
        job.done.emit(job.state)
        job.on_done = job.on_error = None  # a finished job kept a while holds no panel's document

    def _report_error(self, job: Job, error: BaseException, tb: str) -> None:
        if isinstance(error, GisdeskError):
            why = str(error)  # already in the user's language
        else:  # a bug in gisdesk: say so, keep the details for the report
            print(tb, flush=True)
            why = i18n.bilingual("内部错误：{kind}: {error}（请把此信息报告给开发者）",
                                 "internal error: {kind}: {error} (please report this to the developers)",
                                 kind=type(error).__name__, error=error)
        text = self.tr("%1 failed: %2").replace("%1", job.title).replace("%2", why)
        self._set_message(text, "#b00020")
        self.window.statusBar().showMessage(text, 15000)
        dock = getattr(self.window, "jobs_dock", None)
        if dock is not None:
            dock.show()
            dock.raise_()

    def _remove(self, job: Job) -> None:
        row = self.rows.pop(job.id, None)
        self.jobs.pop(job.id, None)
        job.setParent(None)
        job.fn, job.args = None, ()
        self._done.append(job)
        if row is not None:
            self.rows_layout.removeWidget(row)
            row.deleteLater()
        if not self.rows:
            self.idle.show()
        self._indicate()

    def _indicate(self) -> None:
        indicator = getattr(self, "indicator", None)
        if indicator is not None:
            indicator.refresh()

    def _set_message(self, text: str, color: str = "#222") -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {color}; padding: 2px;")
        self.message.setVisible(bool(text))


class JobsIndicator(QWidget):
    """The running jobs in the status bar: the first one's title and stage, a bar, Cancel and the
    number of others; hidden when no job runs."""

    def __init__(self, panel: JobsPanel):
        super().__init__()
        self.panel = panel
        self.label = QLabel()
        self.label.setStyleSheet("color: #333;")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFormat("%p%")
        self.bar.setFixedWidth(120)
        self.bar.setMaximumHeight(16)
        self.cancel_button = QToolButton()
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.clicked.connect(self._cancel)
        self.details_button = QToolButton()
        self.details_button.setText(self.tr("Jobs…"))
        self.details_button.setToolTip(self.tr("Show the Jobs panel"))
        self.details_button.setAutoRaise(True)
        self.details_button.clicked.connect(self._details)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.details_button)
        self.setMaximumHeight(22)  # no taller than the status bar's other fields
        self.setAutoFillBackground(True)  # over a passing status message, not mixed with it
        self.hide()

    def refresh(self) -> None:
        running = self.panel.running()
        self.setVisible(bool(running))
        if not running:
            return
        job = running[0]
        row = self.panel.rows.get(job.id)
        stage = row.stage.text() if row is not None else ""
        text = f"{job.title}：{stage}" if stage else job.title
        if len(running) > 1:
            text += " " + self.tr("(+%1 more)").replace("%1", str(len(running) - 1))
        self.label.setText(text)
        self.bar.setValue(int(round(job.progress * 1000)))
        self.cancel_button.setEnabled(not job.feedback.cancelled)

    def _cancel(self) -> None:
        running = self.panel.running()
        if running:
            job = running[0]
            row = self.panel.rows.get(job.id)
            if row is not None:
                row._cancel()
            else:
                job.cancel()
        self.refresh()

    def _details(self) -> None:
        dock = getattr(self.panel.window, "jobs_dock", None)
        if dock is not None:
            dock.show()
            dock.raise_()


def install(window) -> None:
    panel = JobsPanel(window)
    dock = QDockWidget(QCoreApplication.translate("jobs", "Jobs"), window)
    dock.setObjectName("jobs_dock")
    dock.setWidget(panel)
    window.add_dock(dock, Qt.DockWidgetArea.BottomDockWidgetArea)
    dock.hide()  # the status bar shows what runs (JobsIndicator); the dock opens for a failure
    indicator = JobsIndicator(panel)
    window.statusBar().insertPermanentWidget(0, indicator)
    panel.indicator = indicator
    window.jobs_panel, window.jobs_dock, window.jobs_indicator = panel, dock, indicator


def run_job(window, title: str, fn, *args, on_done=None, on_error=None, in_process: bool = False) -> Job:
    """Run `fn(*args, feedback=...)` in the background; `on_done(result)` runs on the GUI thread.

    `on_error(exception)` (optional) hears of a failure or a cancel (a Cancelled instance)
    after the user was told. Returns the Job: `job.done` fires when it is over. With
    `in_process`, fn (a module-level function) and args must be picklable.
    """
    if getattr(window, "jobs_panel", None) is None:
        install(window)
    return window.jobs_panel.start(title, fn, args, on_done, on_error, in_process)
