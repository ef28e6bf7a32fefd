"""The progress bar of long work, on stderr so that the tables on stdout stay clean."""

from __future__ import annotations

import sys


def progress_bar(total: int, progress: bool | None, unit: str = "photo", desc: str | None = None, iterable=None):
    """A tqdm bar over ``total`` items (iterating ``iterable`` when given); ``progress`` None shows it only on a
    terminal, False never."""
    from tqdm import tqdm

    disable = (not progress) if progress is not None else None
    return tqdm(iterable, total=total, unit=unit, desc=desc, file=sys.stderr, dynamic_ncols=True, disable=disable)
