"""The robustness suite: one photo as different cameras, settings and files would give it.

Each condition changes how the photo was captured or stored, never what is on the skin, so the depigmented
fraction of the facial area should not move. :func:`suite_files` writes every condition of one photo as a file
(JPEG, PNG or an EXIF-rotated JPEG), and :func:`run_suite` scores them with the pipeline and reports how far
each condition moves the fraction from the lossless original. The same changes (colour temperature, exposure,
resolution) are training augmentations (:mod:`vitiscore.training.augment`, which holds the transforms).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vitiscore.training.augment import (
    blurred,
    exposure,
    reframed,
    rescaled,
    sensor_noise,
    white_balance,
)


@dataclass(frozen=True)
class Condition:
    """One way of taking or storing a photo: ``name`` (e.g. ``jpeg_q75``), ``pixels`` (what happens to the
    pixels before saving), ``suffix`` (.png or .jpg), ``quality`` (JPEG 1-100) and ``exif_rotated`` (saved turned
    a quarter with orientation tag 6, so a reader that honours EXIF sees it upright)."""

    name: str
    pixels: object = None
    suffix: str = ".jpg"
    quality: int = 95
    exif_rotated: bool = False


REFERENCE = Condition("png", suffix=".png")
# The suite of issue 29: JPEG quality 40-95, scale 0.25-1, colour temperature +-1,500 K, exposure +-1 EV,
# sensor noise, mild blur, and an EXIF-rotated copy; and the framing of a retaken photo
# (docs/experiments/2026-12-07-framing.md). Each is stored as JPEG q95 unless it is about the storage.
CONDITIONS = (
    Condition("jpeg_q95", quality=95),
    Condition("jpeg_q75", quality=75),
    Condition("jpeg_q40", quality=40),
    Condition("scale_0.5", lambda rgb: rescaled(rgb, 0.5), suffix=".png"),
    Condition("scale_0.25", lambda rgb: rescaled(rgb, 0.25), suffix=".png"),
    Condition("wb_-1500K", lambda rgb: white_balance(rgb, -1500)),
    Condition("wb_+1500K", lambda rgb: white_balance(rgb, 1500)),
    Condition("exposure_-1EV", lambda rgb: exposure(rgb, -1.0)),
    Condition("exposure_+1EV", lambda rgb: exposure(rgb, 1.0)),
    Condition("noise_sigma4", lambda rgb: sensor_noise(rgb, 4.0)),
    Condition("blur_1px", lambda rgb: blurred(rgb, 1.0)),
    Condition("exif_rotated_q95", quality=95, exif_rotated=True),
    Condition("frame_shift_1pct", lambda rgb: reframed(rgb, left=0.01, top=0.01), suffix=".png"),
    Condition("frame_zoom_2pct", lambda rgb: reframed(rgb, 0.01, 0.01, 0.01, 0.01, back=True), suffix=".png"),
)


def write_condition(rgb: np.ndarray, condition: Condition, path_stem: Path) -> Path:
    """Write ``rgb`` (upright, uint8) as ``condition`` makes it, to ``path_stem`` + the condition's suffix."""
    from PIL import Image

    pixels = condition.pixels(rgb) if condition.pixels else rgb
    path = Path(f"{path_stem}{condition.suffix}")
    if condition.suffix == ".png":
        Image.fromarray(pixels).save(path)
        return path
    exif = Image.Exif()
    if condition.exif_rotated:
        # Stored turned a quarter anticlockwise; tag 6 tells a reader to turn it a quarter clockwise.
        pixels = np.ascontiguousarray(np.rot90(pixels, k=1))
        exif[0x0112] = 6
    Image.fromarray(pixels).save(path, quality=condition.quality, exif=exif)
    return path


def suite_files(rgb: np.ndarray, out_dir: Path, stem: str, conditions=CONDITIONS) -> dict[str, Path]:
    """Write ``rgb`` under the reference condition and each of ``conditions`` into ``out_dir``; return each
    condition's name and file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return {c.name: write_condition(rgb, c, out_dir / f"{stem}__{c.name}") for c in (REFERENCE, *conditions)}


def shift_table(fractions: dict[str, dict[str, float | None]]) -> list[dict]:
    """Per condition, how far it moved the fraction from each photo's reference (``png``): one row per condition
    with ``photos`` (scored under both), ``mean_abs_shift`` and ``max_abs_shift`` (0-1) and ``failed`` (photos
    with a reference fraction but none under the condition). ``fractions`` maps photo to condition to fraction
    (None: not scored)."""
    names = [c for c in next(iter(fractions.values()), {}) if c != REFERENCE.name]
    rows = []
    for name in names:
        shifts, failed = [], 0
        for by_condition in fractions.values():
            ref, value = by_condition.get(REFERENCE.name), by_condition.get(name)
            if ref is None:
                continue
            if value is None:
                failed += 1
            else:
                shifts.append(abs(value - ref))
        rows.append(
            {
                "condition": name,
                "photos": len(shifts),
                "mean_abs_shift": round(float(np.mean(shifts)), 5) if shifts else None,
                "max_abs_shift": round(float(np.max(shifts)), 5) if shifts else None,
                "failed": failed,
            }
        )
    return rows


def run_suite(photos: dict[str, np.ndarray], work_dir: Path, model: str, conditions=CONDITIONS) -> tuple[dict, list]:
    """Score every photo of ``photos`` (name to upright RGB uint8) under the reference and each condition with
    the face pipeline and ``model``; return (fractions: photo to condition to depigmented fraction of the
    facial area or None when the photo was not scored, :func:`shift_table` of them)."""
    from vitiscore.pipeline import ScoreOptions, score_image
    from vitiscore.segment import load_segmenter

    segmenter = load_segmenter(model)
    options = ScoreOptions(model=model)
    fractions: dict[str, dict[str, float | None]] = {}
    for name, rgb in photos.items():
        fractions[name] = {}
        for condition, path in suite_files(rgb, work_dir, name, conditions).items():
            result = score_image(path, options, segmenter=segmenter)
            ok = result.status == "ok"
            fractions[name][condition] = float(result.depigmented_fraction) if ok else None
    return fractions, shift_table(fractions)
