"""A Ray cluster (extra ``vitiscore[ray]``): a Ray Data pipeline of the run's tasks through a pool of actors.

tasks -> ``map_batches`` over an actor pool (each actor sets the job up once: the model is loaded once per actor,
on a GPU when ``gpus_per_worker`` > 0) -> results streamed back to the driver, which writes the tables. Each task
is its own block of one row, so a failure costs one photo, never a batch.

Without an address a local Ray is started on this machine with ``workers`` CPUs and stopped at the end; with one
(``--ray-address``, or ``RAY_ADDRESS`` in the environment) the run joins that cluster and leaves it running.
Photos, the model folder and ``OUT`` must then be at the same paths on every node (shared storage): actors read
the photos and write the masks themselves; only the rows travel back.

A task whose actor dies is tried again (Ray restarts the actor) up to :data:`TASK_RETRIES` times; then the
driver records the job's ``crashed`` result for it and the run goes on.
"""

from __future__ import annotations

import logging
import os
import pickle
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from vitiscore.engines.job import Job, limit_threads
from vitiscore.errors import MissingDependencyError

log = logging.getLogger(__name__)

TASK_RETRIES = 2
CRASH_REASON = (
    f"the Ray actor scoring this photo stopped {TASK_RETRIES + 1} times (a crash in a native library or memory "
    "exhausted); see the Ray logs"
)


class MissingRayError(MissingDependencyError):
    """Ray is not installed (the ``vitiscore[ray]`` extra)."""


def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data needs pandas and pyarrow too; fail here, not inside a task
    except ImportError as exc:
        raise MissingRayError(
            f"--engine ray needs Ray Data ({exc}); install it with: pip install 'vitiscore[ray]'"
        ) from exc
    return ray


class _Actor:
    """One Ray actor: the job, set up once; each call scores one task (a batch of one row)."""

    def __init__(self, job: Job, threads: int):
        limit_threads(threads)
        job.setup()
        self.job = job

    def __call__(self, batch: dict) -> dict:
        results = [pickle.dumps(self.job(pickle.loads(task))) for task in batch["task"]]
        return {"index": batch["index"], "result": results}


def run_ray(
    job: Job, tasks: Sequence, workers: int, address: str | None = None, gpus_per_worker: float = 0.0
) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, job(task))`` for every task from ``workers`` Ray actors (see the module's docstring)."""
    ray = _import_ray()
    if not tasks:
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    started_here = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, num_gpus=None, include_dashboard=False, log_to_driver=False)
            started_here = True
    try:
        context = ray.data.DataContext.get_current()
        context.max_errored_blocks = -1  # a photo whose actor keeps dying is recorded as such, not the run's end
        context.enable_progress_bars = False
        items = [{"index": i, "task": pickle.dumps(task)} for i, task in enumerate(tasks)]
        with warnings.catch_warnings():
            # Ray 2.60 names max_restarts and max_task_retries only as "ray_remote_args" (deprecated in 2.64).
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
                _Actor,
                fn_constructor_args=(job, 1),
                batch_size=1,
                # One task at a time per actor: a task queued behind one that kills the actor would fail with it,
                # and after the retries a healthy photo would be recorded as crashed.
                compute=ray.data.ActorPoolStrategy(size=min(workers, len(items)), max_tasks_in_flight_per_actor=1),
                num_cpus=1,
                num_gpus=gpus_per_worker or None,
                max_restarts=-1,
                max_task_retries=TASK_RETRIES,
            )
        seen = set()
        for row in dataset.iter_rows():
            index = int(row["index"])
            seen.add(index)
            yield index, pickle.loads(row["result"])
        for index, task in enumerate(tasks):
            if index not in seen:
                yield index, job.crashed(task, CRASH_REASON)
    finally:
        if started_here:
            ray.shutdown()
