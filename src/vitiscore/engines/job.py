"""What an engine runs (a job, see :mod:`vitiscore.engines`) and how many of them a machine takes."""

from __future__ import annotations

import os
from typing import Any, Protocol

from vitiscore.errors import UsageError


class Job(Protocol):
    def setup(self) -> None: ...

    def __call__(self, task: Any) -> Any: ...

    def crashed(self, task: Any, reason: str) -> Any: ...


def available_cores() -> int:
    """The CPU cores this process may run on (the affinity mask, so a container's or a scheduler's limit counts)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no affinity mask
        return max(1, os.cpu_count() or 1)


def check_workers(workers: int | None) -> int:
    """``workers`` as a count: None is every core (:func:`available_cores`).

    Raises:
        ValueError: ``workers`` is not a whole number of at least 1.
    """
    if workers is None:
        return available_cores()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(f"workers must be a whole number of at least 1, got {workers!r}")
    return workers


def limit_threads(threads: int) -> None:
    """Let the network (torch) and OpenCV use ``threads`` threads in this process, so that the workers of a run
    share the cores instead of each taking all of them."""
    import cv2
    import torch

    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
