"""The files a scored photo leaves in ``OUT``: lossless masks, landmarks, the triangle table, the face crop, the
probability map and the overlay; their paths, relative to ``OUT``, go into the photo's row."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vitiscore import files as files_mod
from vitiscore.measure.surface import write_table
from vitiscore.pipeline import FaceScore
from vitiscore.report import overlay
from vitiscore.review.masks import probability_png

# The face crop is for looking (review page, report, maps without the photo); 90 keeps skin texture visible.
CROP_JPEG_QUALITY = 90


def write_images(out_dir: Path, image_id: str, score: FaceScore, row: dict, overlays: bool = True) -> None:
    """Write the masks (and overlay) of a scored photo and record their relative paths in ``row``."""
    labels = score.labels.astype(np.uint8, copy=False)
    names = {
        "mask_facial_area": (f"masks/{image_id}_facial_area.png", labels > 0),
        "mask_units": (f"masks/{image_id}_units.png", labels),
        "mask_depigmented": (f"masks/{image_id}_depigmented.png", score.depigmented.astype(bool, copy=False)),
    }
    for column, (relative, array) in names.items():
        files_mod.write_png(out_dir / relative, array, labels=column == "mask_units")
        row[column] = relative
    relative = f"landmarks/{image_id}.csv"
    files_mod.write_points(out_dir / relative, score.landmarks.points)
    row["landmarks"] = relative
    if score.elements is not None:
        relative = f"triangles/{image_id}.csv"
        write_table(out_dir / relative, score.elements)
        row["triangles"] = relative
    relative = f"crops/{image_id}.jpg"
    files_mod.write_jpeg(out_dir / relative, score.crop, quality=CROP_JPEG_QUALITY)
    row["crop"] = relative
    if score.probability is not None:
        relative = f"probability/{image_id}.png"
        files_mod.write_png(out_dir / relative, probability_png(score.probability))
        row["probability"] = relative
    if score.unsure is not None:
        relative = f"unsure/{image_id}.png"
        files_mod.write_png(out_dir / relative, probability_png(score.unsure))
        row["unsure_map"] = relative
    if overlays:
        caption = (
            f"{image_id}  F-VASI {score.fvasi:.2f}  depigmented {100 * score.depigmented_fraction:.1f}% "
            f"of facial area  [{row['model_id']}, eyelids {row['eyelids']}]"
        )
        if score.flags:
            caption += "  flags: " + ",".join(score.flags)
        relative = f"overlays/{image_id}.jpg"
        # On the analysis frame, as the review page and rescore draw it: the face at the resolution it was scored
        # at, a tenth of the pixels of a 12 MP photo to draw and compress.
        overlay.save(out_dir / relative, score.crop, score.frame_units, score.frame_depigmented, caption)
        row["overlay"] = relative
