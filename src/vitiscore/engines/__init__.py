"""Where the photos of a run are worked on: this process, worker processes on this machine, or a Ray cluster.

A command describes its work as a *job* and a list of *tasks*; an engine runs the job on every task and hands
each result back to the command as it finishes, in any order, tagged with the task's index. The command alone
writes its journal and tables, so resuming, atomic writes and the order of ``results.csv`` do not depend on the
engine.

A job is a picklable object with three methods:

* ``setup()``: load what every task needs (the model) once per process or Ray actor;
* ``job(task)``: the result of one task; it must not raise for a bad photo (the result says what went wrong),
  and an exception it does raise stops the run as it would in one process;
* ``job.crashed(task, reason)``: the result to record for a task whose process died while working on it (a
  crash in a native library, memory exhausted); the run goes on with the other tasks.

Engines: :func:`vitiscore.engines.local.run_local` (``workers`` processes, 1 = this process) and
:func:`vitiscore.engines.ray.run_ray` (Ray Data actors, extra ``vitiscore[ray]``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from vitiscore.engines.job import Job, available_cores, check_workers, limit_threads
from vitiscore.engines.local import run_local
from vitiscore.errors import UsageError

ENGINES = ("local", "ray")
__all__ = ["ENGINES", "Job", "available_cores", "check_workers", "limit_threads", "run"]


def run(
    job: Job,
    tasks: Sequence,
    workers: int = 1,
    engine: str = "local",
    ray_address: str | None = None,
    gpus_per_worker: float = 0.0,
) -> Iterator[tuple[int, Any]]:
    """Run ``job`` on every task; yield ``(index in tasks, result)`` as each finishes.

    Raises:
        ValueError: unknown ``engine``, bad ``workers``, or ``ray_address`` without the Ray engine.
        vitiscore.engines.ray.MissingRayError: ``engine="ray"`` without the ``vitiscore[ray]`` extra.
    """
    workers = check_workers(workers)
    if engine not in ENGINES:
        raise UsageError(f"engine must be one of {ENGINES}, got {engine!r}")
    if ray_address and engine != "ray":
        raise UsageError("--ray-address is for --engine ray")
    if engine == "ray":
        from vitiscore.engines.ray import run_ray

        return run_ray(job, tasks, workers, ray_address, gpus_per_worker)
    return run_local(job, tasks, workers)
