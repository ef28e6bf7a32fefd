"""Each subject's change in one frame (:mod:`vitiscore.measure.change`), from the triangle tables that a
``vitiscore score`` run keeps beside its results."""

from __future__ import annotations

import logging
from pathlib import Path

from vitiscore.measure.change import OneFrameChange, one_frame_change
from vitiscore.measure.surface import read_table

log = logging.getLogger(__name__)


def _tables(results_dir: Path, photos: list[dict]) -> list:
    return [read_table(results_dir / p["triangles"]) for p in photos if p.get("status") == "ok" and p.get("triangles")]


def subject_change(
    results_dir: Path | None, base_photos: list[dict], follow_photos: list[dict]
) -> OneFrameChange | None:
    """The one-frame change between a subject's baseline and follow-up photos (every scored view of each), or
    None when the run kept no triangle table for one of the visits (scores from another tool, a moved folder)."""
    if results_dir is None:
        return None
    try:
        base, follow = _tables(results_dir, base_photos), _tables(results_dir, follow_photos)
        if not base or not follow:
            return None
        return one_frame_change(base, follow)
    except (OSError, ValueError) as exc:
        log.warning("no one-frame change for %s: %s", base_photos[0].get("subject_id", "?"), exc)
        return None
