"""Readers for the research data sets used to train and evaluate the models, and the splits made from them.

Every reader takes the data set's folder as an argument: nothing here knows where the data lives, and the package
never ships any of it. Layouts are those described in the data sets' README (``vitiligo_real``,
``faces_fasseg``, ``skin_pratheepan``).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage

from vitiscore.errors import MissingInputError, UsageError
from vitiscore.files.masks import read_labels, read_mask
from vitiscore.training import synth
from vitiscore.training.data import BaseImage

# FASSEG labels_index values.
FASSEG_BACKGROUND, FASSEG_SKIN, FASSEG_HAIR, FASSEG_EYES, FASSEG_NOSE, FASSEG_MOUTH = 0, 1, 2, 3, 4, 5


def _read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise UsageError(f"cannot read image {path}")
    return bgr[..., ::-1].copy()


def held_out(name: str, fraction: float, salt: str = "vitiscore") -> bool:
    """Deterministic membership of ``name`` in a held-out share ``fraction`` (0-1), from a hash of the name:
    the same on every machine and in every run, and independent of the order of the files."""
    digest = hashlib.sha256(f"{salt}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


# --- vitiligo_real -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RealRecord:
    """One row of ``vitiligo_real/index.csv`` with absolute paths."""

    image: Path
    mask: Path
    source_group: str
    shows_face: bool


def read_real_index(data_dir: str | Path) -> list[RealRecord]:
    """The records of a folder laid out like ``vitiligo_real`` (``index.csv`` with image, mask, source_group,
    shows_face; paths relative to the folder).

    Raises:
        FileNotFoundError: no ``index.csv``.
        ValueError: a required column is missing.
    """
    data_dir = Path(data_dir)
    index = data_dir / "index.csv"
    if not index.is_file():
        raise MissingInputError(f"{index} not found: DATA_DIR must hold index.csv, images/ and masks/")
    with open(index, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    required = {"image", "mask", "source_group", "shows_face"}
    if rows and not required <= set(rows[0]):
        raise UsageError(f"{index} lacks columns {sorted(required - set(rows[0]))}")
    return [
        RealRecord(
            data_dir / r["image"],
            data_dir / r["mask"],
            r["source_group"],
            r["shows_face"].strip().lower() in ("1", "true", "yes"),
        )
        for r in rows
    ]


# The validation groups: a quarter of the source groups by hash. Copies of one picture share a group, so a
# group is never split between training and validation.
REAL_VALIDATION_FRACTION = 0.25


def split_real(
    records: list[RealRecord], fraction: float = REAL_VALIDATION_FRACTION
) -> tuple[list[RealRecord], list[RealRecord]]:
    """(training, validation) records, split by ``source_group`` (never at random)."""
    train = [r for r in records if not held_out(r.source_group, fraction)]
    val = [r for r in records if held_out(r.source_group, fraction)]
    return train, val


def load_real(record: RealRecord) -> tuple[np.ndarray, np.ndarray]:
    """(rgb uint8, mask bool) of one record, the mask resized to the image if their sizes differ."""
    rgb = _read_rgb(record.image)
    mask = read_mask(record.mask, threshold=128)
    if mask.shape != rgb.shape[:2]:
        mask = cv2.resize(mask.astype(np.uint8), rgb.shape[1::-1], interpolation=cv2.INTER_NEAREST) > 0
    return rgb, mask


# --- base photos of normal skin ---------------------------------------------------------------------------


def _fasseg_base(rgb_path: Path, label_path: Path) -> BaseImage:
    rgb = _read_rgb(rgb_path)
    labels = read_labels(label_path)
    skin = np.isin(labels, (FASSEG_SKIN, FASSEG_NOSE))
    skin = cv2.erode(skin.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    sites = []
    for value in (FASSEG_EYES, FASSEG_MOUTH):
        n, _, _, centroids = cv2.connectedComponentsWithStats((labels == value).astype(np.uint8))
        sites.extend(centroids[1:n])
    return BaseImage(
        rgb,
        skin,
        np.array(sites, float).reshape(-1, 2),
        f"fasseg/{rgb_path.parent.name}/{rgb_path.name}",
        scenery=labels == FASSEG_BACKGROUND,
        hair=labels == FASSEG_HAIR,
    )


def fasseg_frontal(fasseg_dir: str | Path, split: str) -> list[BaseImage]:
    """FASSEG frontal faces of ``split`` ("train" or "test") with their skin (including nose) as the paintable
    area and the eyes and mouth as preferred lesion sites."""
    if split not in ("train", "test"):
        raise UsageError(f"split must be 'train' or 'test', got {split!r}")
    folder = Path(fasseg_dir) / "frontal" / split
    return [_fasseg_base(p, folder / "labels_index" / p.name) for p in sorted((folder / "rgb").glob("*.png"))]


# FASSEG frontal test faces are never trained on. Half of them (by name hash) choose the model's threshold; the
# other half are the synthetic test set of research/evaluate.py.
FASSEG_THRESHOLD_SHARE = 0.5


def fasseg_frontal_test_halves(fasseg_dir: str | Path) -> tuple[list[BaseImage], list[BaseImage]]:
    """(threshold-validation faces, synthetic-test faces) from the FASSEG frontal test split."""
    faces = fasseg_frontal(fasseg_dir, "test")
    pick = [held_out(f.name, FASSEG_THRESHOLD_SHARE, salt="threshold") for f in faces]
    return [f for f, p in zip(faces, pick) if p], [f for f, p in zip(faces, pick) if not p]


def fasseg_multipose(fasseg_dir: str | Path) -> list[BaseImage]:
    """FASSEG multipose faces (yaw -90 to +90 degrees), as :func:`fasseg_frontal`."""
    folder = Path(fasseg_dir) / "multipose" / "train"
    return [
        _fasseg_base(p, folder / "labels_index" / p.relative_to(folder / "rgb"))
        for p in sorted((folder / "rgb").glob("*/*.png"))
    ]


def pratheepan(pratheepan_dir: str | Path, held_out_fraction: float = 0.2) -> tuple[list[BaseImage], list[BaseImage]]:
    """(training, held-out) Pratheepan photos with their skin masks; the split is by file name hash."""
    root = Path(pratheepan_dir)
    train, test = [], []
    for image in sorted((root / "images").glob("*/*.jpg")):
        truth = root / "ground_truth" / f"GroundT_{image.parent.name}" / f"{image.stem}.png"
        if not truth.is_file():
            continue
        skin = read_mask(truth, threshold=128)
        rgb = _read_rgb(image)
        if skin.shape != rgb.shape[:2]:
            skin = cv2.resize(skin.astype(np.uint8), rgb.shape[1::-1], interpolation=cv2.INTER_NEAREST) > 0
        # Only skin is labelled, so scenery is taken as what lies far from any skin (over 8 % of the image
        # size): hair and clothes next to the skin stay, and cut-out limbs floating on a wall are avoided.
        scenery = ndimage.distance_transform_edt(~skin) > 0.08 * max(skin.shape)
        base = BaseImage(rgb, skin, np.zeros((0, 2)), f"pratheepan/{image.parent.name}/{image.name}", scenery)
        (test if held_out(image.name, held_out_fraction) else train).append(base)
    return train, test


def astronaut_base() -> BaseImage:
    """The astronaut's face (public domain, ships with scikit-image) with its skin-coloured pixels as the
    paintable area: a base photo that needs no data set."""
    rgb = synth.astronaut_face()
    skin = cv2.erode((synth.skin_weight(rgb) > 0.6).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    return BaseImage(rgb, skin, np.zeros((0, 2)), "astronaut")
