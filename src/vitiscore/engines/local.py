"""Worker processes on this machine.

With one worker the job runs in this process, as before there were workers. With more, each worker is a fresh
(spawned) process that sets the job up once and then takes one task at a time; no more tasks are handed out
than there are workers, so that when a worker dies the tasks it may have been working on are known. Those are
then run again one at a time, each in a process of its own: the one that kills its process again becomes the
job's ``crashed`` result, and the others finish normally.

Why not ``multiprocessing.Pool``: a worker that dies there leaves its task waiting forever;
``concurrent.futures.ProcessPoolExecutor`` reports it (``BrokenProcessPool``), which is what the retry needs.

Ctrl-C: workers ignore SIGINT, so the parent alone decides; it stops them at once and raises
``KeyboardInterrupt`` to the command, which has already kept every finished result. A parent that is killed
(SIGKILL, SIGTERM) takes its workers with it: each asks the kernel for SIGKILL when its parent dies (Linux), or
else watches its parent and leaves when it is gone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from vitiscore.engines.job import Job, available_cores, limit_threads

CRASH_REASON = (
    "the worker process stopped while scoring this photo (a crash in a native library or memory exhausted); "
    "it was tried again alone and stopped again"
)

_job: Job | None = None
_setup_error: BaseException | None = None


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """End this worker when the process ``parent`` (its parent's pid) ends, however it ends."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:  # pragma: no cover - other systems: watch the parent

        def watch():
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _start_worker(job: Job, threads: int, parent: int) -> None:
    """Runs once in each worker: die with the parent, ignore Ctrl-C, share the cores, set the job up."""
    global _job, _setup_error
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_threads(threads)
    try:
        job.setup()
        _job = job
    except BaseException as exc:  # noqa: BLE001 - reported with the first task, where the parent sees it
        _setup_error = exc


def _work(task: Any) -> Any:
    if _job is None:
        raise RuntimeError(f"a worker could not set up: {type(_setup_error).__name__}: {_setup_error}")
    return _job(task)


def _pool(job: Job, workers: int, threads: int) -> ProcessPoolExecutor:
    # spawn: a forked copy of a parent that has loaded torch, mediapipe or a Ray client is not safe.
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(job, threads, os.getpid()),
    )


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's workers now, not after their current task."""
    # The executor has no public way to end running tasks; its process table is the only handle.
    for process in list(getattr(pool, "_processes", {}).values()):
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def run_local(job: Job, tasks: Sequence, workers: int) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, job(task))`` for every task, from ``workers`` processes (1: this process, in order)."""
    if workers == 1 or len(tasks) <= 1:
        job.setup()
        for index, task in enumerate(tasks):
            yield index, job(task)
        return
    workers = min(workers, len(tasks))
    threads = max(1, available_cores() // workers)
    queue = deque(enumerate(tasks))
    suspects: list[tuple[int, Any]] = []
    while queue:
        pool = _pool(job, workers, threads)
        running: dict = {}
        try:
            while queue or running:
                while queue and len(running) < workers:
                    index, task = queue.popleft()
                    running[pool.submit(_work, task)] = (index, task)
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    result = future.result()  # BrokenProcessPool when a worker died
                    index, _task = running.pop(future)
                    yield index, result
        except BrokenProcessPool:
            suspects.extend(running.values())
        finally:
            _stop(pool)
        for index, task in suspects:
            yield index, _alone(job, task, threads)
        suspects.clear()


def _alone(job: Job, task: Any, threads: int) -> Any:
    """``job(task)`` in a process of its own; ``job.crashed`` when that process dies too."""
    pool = _pool(job, 1, threads)
    try:
        return pool.submit(_work, task).result()
    except BrokenProcessPool:
        return job.crashed(task, CRASH_REASON)
    finally:
        _stop(pool)
