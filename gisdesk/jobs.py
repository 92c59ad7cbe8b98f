"""Long work is a plain function taking `feedback`: it reports progress and raises on cancel.

The CLI passes a terminal progress bar, the UI a Qt adaptor, tests a bare Feedback().
`run_in_process` runs such a function in a child process and relays its progress, cancel,
result and errors, as if it had run in the caller's thread: in a fresh (spawned) child, or in
a `WarmWorker`, a child started ahead of time with the heavy imports done that runs one job
after another (the app's jobs: a fresh interpreter costs a second or two before a job's
own code runs).
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import io
import itertools
import multiprocessing
import os
import pickle
import queue as queues
import sys
import threading
import time
import traceback

from gisdesk.errors import Cancelled

JOB_NICENESS = 10  # added to a job process's niceness
RELAY_INTERVAL_S = 0.1  # a child sends progress at most this often (and always its 100 %)
CANCEL_GRACE_S = 2.0  # a warm worker's job that has not stopped this long after a cancel is killed
RECYCLE_RSS = 768 * 1024 ** 2  # a warm worker this big after a job exits and a fresh one is started


class Feedback:
    """Progress in [0, 1] with a stage name, and a cancel flag checked at each report of progress."""

    def __init__(self):
        self.cancelled = False
        self.stage = ""
        self.progress = 0.0
        self.timings: dict[str, float] = {}
        self._stage_started = time.perf_counter()

    def set_stage(self, stage: str) -> None:
        self._close_stage()
        self.stage = stage
        self.check_cancelled()
        self.report()

    def set_progress(self, fraction: float) -> None:
        self.progress = min(max(fraction, 0.0), 1.0)
        self.check_cancelled()
        self.report()

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled()

    def cancel(self) -> None:
        self.cancelled = True

    def finish(self) -> None:
        """The job is done. No cancel check here: what it saved is saved and must be reported so."""
        self._close_stage()
        self.stage = ""
        self.report()

    def report(self) -> None:
        """Show progress; subclasses draw it."""

    def _close_stage(self) -> None:
        now = time.perf_counter()
        if self.stage:
            self.timings[self.stage] = self.timings.get(self.stage, 0.0) + now - self._stage_started
        self._stage_started = now


class TerminalFeedback(Feedback):
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    WIDTH = 30

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last_drawn = 0.0

    def report(self) -> None:
        now = time.perf_counter()
        if not self.enabled or (now - self._last_drawn < 0.1 and 0 < self.progress < 1):
            return
        self._last_drawn = now
        done = int(self.progress * self.WIDTH)
        bar = "█" * done + "·" * (self.WIDTH - done)
        self.stream.write(f"\r[{bar}] {self.progress * 100:5.1f}% {self.stage:<24}")
        if not self.stage:
            self.stream.write("\r" + " " * (self.WIDTH + 40) + "\r")
        self.stream.flush()


# --- a job in a child process ----------------------------------------------------------------

def run_in_process(fn, args, feedback: Feedback, worker: WarmWorker | None = None):
    """Run `fn(*args, feedback=...)` in a fresh (spawned) process, or in `worker`, and return its result.

    The child's progress reaches `feedback.report()` here; `feedback.cancel()` from any thread
    is passed on to the child, whose job then raises Cancelled, raised here too; an exception
    in the child (a GisdeskError with both its languages) is raised here. `fn` must be a
    module-level function and `args` picklable. A spawned child copies no state of the caller
    (no Qt objects, no open handles), and a long GEOS/GDAL call in it holds no GIL of ours.
    """
    if worker is not None:
        return worker.run(fn, args, feedback)
    context = multiprocessing.get_context("spawn")
    up, cancel = context.Queue(), context.Event()
    child = context.Process(target=_child_main, args=(fn, args, up, cancel), daemon=True)
    child.start()
    try:
        while True:
            try:
                message = up.get(timeout=0.1)
            except queues.Empty:
                if feedback.cancelled:
                    cancel.set()
                if child.is_alive():
                    continue
                try:  # the child may have exited just after sending its last message: read it
                    message = up.get(timeout=1.0)
                except queues.Empty:
                    raise RuntimeError(f"the job's process ended unexpectedly (exit code {child.exitcode})") from None
            if message[0] == "progress":
                feedback.stage, feedback.progress = message[1], message[2]
                feedback.report()
            elif message[0] == "done":
                return message[1]
            elif message[0] == "cancelled":
                raise Cancelled()
            else:
                raise message[1]
    finally:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()


class _RelayFeedback(Feedback):
    """The child process's feedback: progress goes up a queue (a few times a second), cancel comes down an event."""

    def __init__(self, up, cancel):
        super().__init__()
        self.up, self.cancel_event, self._sent = up, cancel, 0.0

    def check_cancelled(self) -> None:
        self.cancelled = self.cancelled or self.cancel_event.is_set()
        super().check_cancelled()

    def report(self) -> None:
        now = time.monotonic()
        if now - self._sent > RELAY_INTERVAL_S or self.progress >= 1.0:
            self._sent = now
            self.up.put(("progress", self.stage, self.progress))


class _PipeRelayFeedback(_RelayFeedback):
    """A warm worker's feedback: progress goes up its pipe, tagged with the job's number."""

    def __init__(self, up, cancel, job_id: int):
        super().__init__(up, cancel)
        self.job_id = job_id

    def report(self) -> None:
        now = time.monotonic()
        if now - self._sent > RELAY_INTERVAL_S or self.progress >= 1.0:
            self._sent = now
            self.up.send(("progress", self.job_id, self.stage, self.progress))


class _NotTaken(Exception):
    """The warm worker ended before it took the job."""


class WarmWorker:
    """A child process, started ahead of the jobs, that runs them one after another.

    `start()` spawns it (the caller does not wait: the child lowers its priority, imports the
    `preload` modules — those of the jobs' functions — and then waits for jobs), so that a
    job's own code starts within a fraction of a second instead of after a fresh interpreter's
    start and imports. `run()` is run_in_process for this process: progress, cancel, result
    and errors relayed alike. A job that does not stop within CANCEL_GRACE_S of its cancel
    (a long GEOS call that reports nothing) is stopped by killing the process; a process
    that dies is an error of its job, never a hang; either way the next job gets a fresh one.
    After a job the worker gives the memory it freed back to the system; one still past
    RECYCLE_RSS (a large check) exits, so the memory of one job is not held while the app
    idles, and the next job gets a fresh process (a job sent as it exited is sent again).
    Thread-safe: jobs take turns.
    """

    def __init__(self, preload: tuple[str, ...] = (), recycle_rss: int = RECYCLE_RSS):
        self.preload = tuple(preload)
        self.recycle_rss = recycle_rss
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.RLock()  # one job at a time; guards the process and its pipes
        self._process = None
        self._ids = itertools.count(1)
        self.started = 0  # processes started so far (a test sees a replacement)

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None else None

    def start(self) -> None:
        """Start the process unless one is alive (returns at once; the child warms up on its own)."""
        with self._lock:
            if self._process is not None and self._process.is_alive():
                return
            self._discard()
            jobs_out, jobs_in = self._context.Pipe(duplex=False)
            up_out, up_in = self._context.Pipe(duplex=False)
            cancel = self._context.Event()
            process = self._context.Process(target=_worker_main, args=(jobs_out, up_in, cancel, self.preload, self.recycle_rss),
                                            daemon=True, name="gisdesk-job-worker")
            process.start()
            jobs_out.close()  # the child's ends: closed here, so a dead child reads as EOF
            up_in.close()
            self._process, self._jobs, self._up, self._cancel = process, jobs_in, up_out, cancel
            self.started += 1

    def stop(self) -> None:
        """End the process (it finishes nothing: call when no job runs, e.g. on quit)."""
        with self._lock:
            if self._process is not None and self._process.is_alive():
                try:
                    self._jobs.send_bytes(b"")  # asks it to exit
                except OSError:
                    pass  # the pipe is already closed: the process is exiting anyway
                self._process.join(timeout=1)
            self._discard()

    def run(self, fn, args, feedback: Feedback):
        payload = pickle.dumps((fn, tuple(args)))  # an unpicklable job fails here, in the caller
        with self._lock:
            job_id = next(self._ids)
            request = pickle.dumps(job_id) + payload
            for attempt in range(2):
                self.start()
                self._cancel.clear()
                try:
                    self._jobs.send_bytes(request)
                    return self._relay(job_id, feedback)
                except _NotTaken:
                    # the process ended before it took the job (it retired after the last one, too
                    # big): the job is given once more, to a fresh process
                    self._died()
            raise RuntimeError("the job's process ended before it took the job")

    def _relay(self, job_id: int, feedback: Feedback):
        cancelled_at, taken = None, False
        while True:
            if feedback.cancelled and cancelled_at is None:
                self._cancel.set()
                cancelled_at = time.monotonic()
            if cancelled_at is not None and time.monotonic() - cancelled_at > CANCEL_GRACE_S:
                self._kill()  # it would not stop: stop it, and let the next job have a fresh process
                raise Cancelled()
            try:
                if not self._up.poll(0.05):
                    continue
                message = self._up.recv()
            except (EOFError, OSError):
                if not taken:
                    raise _NotTaken() from None
                code = self._died()
                raise RuntimeError(f"the job's process ended unexpectedly (exit code {code})") from None
            if message[1] != job_id:
                continue  # a word of an earlier job (cannot happen: one job at a time, in order)
            kind = message[0]
            if kind == "taken":
                taken = True
            elif kind == "progress":
                feedback.stage, feedback.progress = message[2], message[3]
                feedback.report()
            elif kind == "done":
                return message[2]
            elif kind == "cancelled":
                raise Cancelled()
            else:
                raise message[2]

    def _died(self) -> int | None:
        process = self._process
        if process is None:
            return None
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
        code = process.exitcode
        self._discard()
        return code

    def _kill(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)
        self._discard()

    def _discard(self) -> None:
        for name in ("_jobs", "_up"):
            connection = getattr(self, name, None)
            if connection is not None:
                connection.close()
            setattr(self, name, None)
        self._process = None


def _rss() -> int:
    """The process's resident memory now, in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _worker_main(jobs, up, cancel, preload, recycle_rss: int = RECYCLE_RSS) -> None:
    """Runs in a warm worker: lower priority, the heavy imports, then jobs until told to stop."""
    os.nice(JOB_NICENESS)  # as a fresh job's process: the window gets the cores when it needs them
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001
            pass  # preloading is only a head start: a job of that module reports the problem itself
    while True:
        try:
            data = jobs.recv_bytes()
        except (EOFError, OSError):
            return  # the app is gone
        if not data:
            return
        job_id = None
        try:
            stream = io.BytesIO(data)
            job_id = pickle.load(stream)
            up.send(("taken", job_id))
            fn, args = pickle.load(stream)
            outcome = ("done", job_id, fn(*args, feedback=_PipeRelayFeedback(up, cancel, job_id)))
        except Cancelled:
            outcome = ("cancelled", job_id)
        except OSError:
            return  # the app is gone
        except BaseException as error:  # noqa: BLE001 - the parent reports it
            outcome = ("error", job_id, error, traceback.format_exc())
        try:
            try:
                up.send(outcome)
            except (pickle.PicklingError, TypeError, AttributeError) as error:  # a result that does not pickle
                up.send(("error", job_id, RuntimeError(f"the job's outcome could not be sent: {error!r}"), ""))
        except OSError:
            return  # the app is gone
        del outcome, data
        # What the job freed goes back to the system; a process still too big retires (unless
        # a job is waiting already), and the next job finds a fresh one.
        gc.collect()
        _trim_heap()
        if _rss() > recycle_rss and not jobs.poll():
            return


def _trim_heap() -> None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc (macOS, Windows): the memory goes back when the worker retires


def _child_main(fn, args, up, cancel) -> None:
    """Runs in the child process: the job, and its outcome sent up the queue."""
    # A job may keep every core busy (the check uses one thread a core): at a lower priority
    # it yields them to the window whenever the UI has something to do.
    os.nice(JOB_NICENESS)
    try:
        up.put(("done", fn(*args, feedback=_RelayFeedback(up, cancel))))
    except Cancelled:
        up.put(("cancelled",))
    except BaseException as error:  # noqa: BLE001 - the parent reports it
        up.put(("error", error, traceback.format_exc()))
