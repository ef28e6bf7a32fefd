"""How many worker processes a batch gets when the user does not say (``--workers`` left out).

A worker is a process that imports torch and MediaPipe and loads the model before its first photo: about 3.5-4.5 s
on a 2-core machine, after which two workers score a photo in about half of one worker's time (``docs/scale.md``).
Measured there, two workers overtake one at about 5-7 s of one worker's time (20-25 photos); a batch that one worker
would take longer than :data:`MIN_SECONDS_FOR_WORKERS` over gets one worker per core, a shorter one stays in this
process.
"""

from __future__ import annotations

from vitiscore.files import shown_size

# One worker's time per photo on 2 cores, as a fixed part (face models, network, writing) plus a part that grows
# with the photo's size (decoding, shrinking, masks at photo size): about 0.23 s at 2.5 MP and 0.31 s at 12 MP.
SECONDS_PER_PHOTO = 0.21
SECONDS_PER_MEGAPIXEL = 0.008
# The intervals (score --uncertainty) run the model on three more copies and find the face on four reframings.
UNCERTAINTY_COST = 2.3
# Workers start when one worker would take longer than this: 1.5-2 times the measured break-even, so that a
# batch just over the line is already faster with them (by about 1.15x).
MIN_SECONDS_FOR_WORKERS = 10.0


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
