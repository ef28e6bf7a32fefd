"""A study's photos and masks as fine-tuning examples: from a folder of masks drawn elsewhere or from the
raters' reviewed masks of score runs, each on the frame the model sees (the face crop, or the whole photo), with
the subject group that keeps it on one side of every split."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vitiscore import files as files_mod
from vitiscore.errors import UsageError
from vitiscore.face.facial_area import crop_to_frame
from vitiscore.files.masks import mask_set, read_labels, read_mask
from vitiscore.measure.mask_score import frame_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Example:
    """One training photo: ``rgb`` the frame the model trains on ((h, w, 3) uint8: the face crop, or the whole
    photo), ``mask`` its depigmented pixels ((h, w) bool), ``area`` where the mask is scored and compared ((h, w)
    bool: the facial area of a face crop, all of a whole photo), ``group`` the subject, ``face`` whether the frame
    is a face crop, ``mask_sha256`` the hash of the mask file it came from."""

    image_id: str
    rgb: np.ndarray
    mask: np.ndarray
    area: np.ndarray
    group: str
    face: bool
    mask_sha256: str


def read_groups(path: str | Path) -> dict[str, str]:
    """image id -> group from a CSV with the columns ``image_id`` and ``group``.

    Raises:
        FileNotFoundError: no such file.
        ValueError: a column is missing, a cell is empty, or an image id is listed twice with different groups.
    """
    columns, rows = files_mod.read_table_csv(path, "groups")
    files_mod.require_columns(columns, ("image_id", "group"), f"groups file {path}")
    groups: dict[str, str] = {}
    for line, row in enumerate(rows, start=2):
        image_id, group = row.get("image_id", ""), row.get("group", "")
        if not image_id or not group:
            raise UsageError(f"groups file {path} line {line}: empty image_id or group")
        if groups.setdefault(image_id, group) != group:
            raise UsageError(f"groups file {path} line {line}: {image_id!r} is already in group {groups[image_id]!r}")
    return groups


def _group_of(image_id: str, groups: dict[str, str] | None) -> str:
    if groups is None:
        return image_id
    if image_id not in groups:
        raise UsageError(f"the groups file has no row for the photo {image_id!r}: every photo needs its subject")
    return groups[image_id]


def face_frame(rgb: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(frame, its mask, its scored area, whether it is a face crop): the face-aligned crop the scorer would cut
    from ``rgb`` (after turning it upright) with its facial area, or the whole photo when no face is found."""
    from vitiscore import face as face_mod

    turns = face_mod.upright_turns(rgb)
    if turns:
        rgb, mask = np.ascontiguousarray(np.rot90(rgb, turns)), np.ascontiguousarray(np.rot90(mask, turns))
    try:
        landmarks = face_mod.locate(rgb)
        facial = face_mod.region(rgb, landmarks)
    except (face_mod.NoFaceError, ValueError):
        return rgb, mask, np.ones(mask.shape, bool), False
    frame_mask = crop_to_frame(mask.astype(np.uint8), facial.box, facial.scale, interpolation=cv2.INTER_NEAREST)
    return facial.crop, frame_mask > 0, facial.mask, True


def examples_from_masks(
    inputs, mask_dir, groups: dict[str, str] | None = None, max_pixels: int = files_mod.DEFAULT_MAX_PIXELS
) -> list[Example]:
    """The photos of ``inputs`` that have a mask in ``mask_dir`` (as for ``vitiscore score --masks``).

    Raises:
        ValueError: no photo has a mask, a mask is not its photo's size, or a photo is missing from ``groups``.
        FileNotFoundError: an input or ``mask_dir`` does not exist.
    """
    masks = mask_set(mask_dir)
    paths = files_mod.discover_photos(list(inputs), exclude=[mask_dir])
    ids = files_mod.image_ids(paths)
    missing = [i for i in ids if i not in masks.files]
    if missing:
        log.warning("%d photos have no mask in %s and are left out (e.g. %s)", len(missing), mask_dir, missing[0])
    out = []
    for path, image_id in zip(paths, ids):
        if image_id not in masks.files:
            continue
        rgb = files_mod.load_photo(path, max_pixels).rgb
        mask = read_mask(masks.files[image_id])
        if mask.shape != rgb.shape[:2]:
            raise UsageError(
                f"the mask of {image_id} is {mask.shape[1]}x{mask.shape[0]} px and the photo {rgb.shape[1]}x"
                f"{rgb.shape[0]} px (after its EXIF orientation)"
            )
        frame, frame_mask, area, face = face_frame(rgb, mask)
        group = _group_of(image_id, groups)
        out.append(Example(image_id, frame, frame_mask, area, group, face, masks.file_sha256(image_id)))
    if not out:
        raise UsageError(f"no photo of the inputs has a mask in {mask_dir}")
    return out


def examples_from_reviewed(out_dirs, groups: dict[str, str] | None = None) -> list[Example]:
    """The photos a rater reviewed (saved a mask for) in the review runs ``out_dirs``, on the run's own face crop;
    excluded, unreviewed and invalid reviews are left out.

    Raises:
        ValueError: a folder holds no finished score run, or no photo was reviewed.
    """
    from vitiscore.face.facial_area import frame_labels
    from vitiscore.review import log as review_log
    from vitiscore.review.refine import analysis_frame

    out = []
    for out_dir in map(Path, out_dirs):
        rows = [r for r in review_log.model_rows(out_dir) if r.get("status") == "ok"]
        states = review_log.reviews(out_dir, rows)
        left = {}
        for row in rows:
            state = states.get(row["image_id"])
            name = state.state if state else "unreviewed"
            if name != "reviewed":
                left[name] = left.get(name, 0) + 1
                continue
            mask = read_mask(state.mask)
            box, scale = frame_of(row)
            frame = analysis_frame(out_dir, row)
            frame_mask = crop_to_frame(mask.astype(np.uint8), box, scale, interpolation=cv2.INTER_NEAREST) > 0
            area = frame_labels(read_labels(out_dir / row["mask_units"]), box, scale) > 0
            if not frame_mask.shape == area.shape == frame.shape[:2]:
                raise UsageError(f"{out_dir}: the reviewed mask of {row['image_id']} does not fit its crop")
            group = _group_of(row["image_id"], groups)
            sha = files_mod.file_sha256(state.mask)
            out.append(Example(row["image_id"], frame, frame_mask, area, group, True, sha))
        for state, n in left.items():
            log.info("%s: %d %s photos left out", out_dir, n, state)
    if not out:
        raise UsageError("no reviewed photo in " + ", ".join(map(str, out_dirs)) + " (review them first)")
    return out


def masks_sha256(examples: list[Example]) -> str:
    """One hash over every training mask (by image id), for the model card."""
    text = "\n".join(f"{e.image_id} {e.mask_sha256}" for e in sorted(examples, key=lambda e: e.image_id))
    return hashlib.sha256(text.encode()).hexdigest()
