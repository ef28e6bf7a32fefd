"""How many worker processes a batch gets when the user does not say (``--workers`` left out).

A worker is a process that imports torch and MediaPipe and loads the model before its first photo: about 6-7 s on
a 2-core machine, while two workers together score a photo in about 0.54 of one worker's time
(``docs/scale.md``). A short batch never wins that back, so it stays in this process; a batch that one worker
would take longer than :data:`MIN_SECONDS_FOR_WORKERS` over gets one worker per core.
"""

from __future__ import annotations

from vitiscore.files import shown_size

# One worker's time per photo on 2 cores, as a fixed part (face models, network, writing) plus a part that grows
# with the photo's size (decoding, shrinking, masks at photo size): about 0.17 s at 2.5 MP and 0.36 s at 12 MP.
SECONDS_PER_PHOTO = 0.12
SECONDS_PER_MEGAPIXEL = 0.02
# The intervals (score --uncertainty) run the model on three more copies and find the face on four reframings.
UNCERTAINTY_COST = 2.2
# Workers start when one worker would take longer than this: three times the start-up cost, so that a batch just
# over the line is already faster with them.
MIN_SECONDS_FOR_WORKERS = 20.0


def one_worker_seconds(paths, uncertainty: bool = False, stop_at: float = float("inf")) -> float:
    """Estimated seconds (on 2 cores) that one worker takes over the photos at ``paths``, from their sizes in
    their headers (an unreadable file counts as a photo of no pixels); the count stops once ``stop_at`` is passed,
    so that a folder of 100,000 photos is not read twice."""
    total = 0.0
    for path in paths:
        size = shown_size(path)
        megapixels = size[0] * size[1] / 1e6 if size else 0.0
        total += (SECONDS_PER_PHOTO + SECONDS_PER_MEGAPIXEL * megapixels) * (UNCERTAINTY_COST if uncertainty else 1)
        if total > stop_at:
            break
    return total


def default_workers(paths, cores: int, uncertainty: bool = False) -> int:
    """1 (this process) for a batch that one worker finishes within :data:`MIN_SECONDS_FOR_WORKERS`, else
    ``cores``."""
    if cores < 2:
        return 1
    return cores if one_worker_seconds(paths, uncertainty, MIN_SECONDS_FOR_WORKERS) > MIN_SECONDS_FOR_WORKERS else 1
