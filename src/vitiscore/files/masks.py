"""The one mask reader, and how mask files are named and found.

A mask is a single-channel (or colour) image of the photo's size. By default a pixel is lesion when any of its
channels is not zero, so that 0/255, 0/1 and label masks (1, 2, ...) and colour tracings (a red fill) all read
as drawn; :func:`read_mask` takes a higher ``threshold`` for anti-aliased exports. Masks must be lossless
(PNG, TIFF, BMP): JPEG's compression noise would turn into lesion pixels, so ``.jpg`` masks are refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vitiscore.errors import MissingInputError, UsageError
from vitiscore.files.storage import file_sha256

MASK_SUFFIXES = (".png", ".tif", ".tiff", ".bmp")
LOSSY_SUFFIXES = (".jpg", ".jpeg", ".webp")
ID_TAILS = ("_depigmented", "_mask", "_gt", "_ref", "_label")


def mask_id(path) -> str:
    """The image id of a mask file: its name without extension and without a trailing ``_depigmented``,
    ``_mask``, ``_gt``, ``_ref`` or ``_label`` (so ``vitiscore segment`` masks pair with ``<id>.png``)."""
    stem = Path(path).stem
    for tail in ID_TAILS:
        if stem.endswith(tail) and len(stem) > len(tail):
            return stem[: -len(tail)]
    return stem


def masks_in(folder) -> dict:
    """Image id -> mask file for every mask in ``folder`` (:func:`mask_id` names them).

    Raises:
        FileNotFoundError: ``folder`` does not exist.
        ValueError: two masks share an image id, the folder holds lossy (JPEG) masks, or it holds no mask.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingInputError(f"mask folder does not exist: {folder}")
    lossy = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in LOSSY_SUFFIXES)
    if lossy:
        raise UsageError(
            f"{folder} holds {len(lossy)} lossy mask file(s) (e.g. {lossy[0]}): JPEG noise would be "
            f"read as lesion; export the masks as PNG ({', '.join(MASK_SUFFIXES)})"
        )
    found: dict = {}
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in MASK_SUFFIXES)
    lesion_stems = {p.stem for p in paths if p.stem.endswith("_depigmented")}
    for path in paths:
        if _run_mask_beside_lesion_mask(path.stem, lesion_stems):
            continue
        key = mask_id(path)
        if key in found:
            raise UsageError(f"{folder} has two masks for image {key}: {found[key].name} and {path.name}")
        found[key] = path
    if not found:
        raise UsageError(f"{folder} holds no masks ({', '.join(MASK_SUFFIXES)})")
    return found


# The other masks a vitiscore run writes beside each ``<id>_depigmented.png`` (facial area, units, skin).
RUN_MASK_TAILS = ("_facial_area", "_units", "_skin")


def _run_mask_beside_lesion_mask(stem: str, lesion_stems: set[str]) -> bool:
    """Whether ``stem`` is a vitiscore run's facial-area, units or skin mask of a photo whose depigmentation mask
    is in the same folder (a ``masks/`` folder of a run); such a file is not a lesion mask."""
    return any(stem.endswith(t) and stem[: -len(t)] + "_depigmented" in lesion_stems for t in RUN_MASK_TAILS)


@dataclass(frozen=True)
class MaskSet:
    """Masks drawn elsewhere, to be scored instead of the model's (``vitiscore score --masks MASK_DIR``).

    Attributes:
        folder: the mask folder.
        files: image id -> mask file (``<id>.png`` or ``<id>_depigmented.png``, also TIFF and BMP).
        sha256: SHA-256 of the sorted ``name:file SHA-256`` lines of every mask: it changes when any mask does.
    """

    folder: Path
    files: dict
    sha256: str
    model_id: str = "external"

    def file_sha256(self, image_id: str) -> str:
        return file_sha256(self.files[image_id])


def mask_set(folder) -> MaskSet:
    """The masks of ``folder`` (see :func:`masks_in` for naming and what is refused)."""
    files = masks_in(folder)
    lines = "".join(f"{path.name}:{file_sha256(path)}\n" for _, path in sorted(files.items()))
    return MaskSet(Path(folder), files, hashlib.sha256(lines.encode("utf-8")).hexdigest())


def read_mask(path, threshold: int = 1) -> np.ndarray:
    """A mask file as an (H, W) bool array: a pixel is lesion when any channel is ``threshold`` or more (1: any
    non-zero value; 128 for anti-aliased 0/255 exports). Alpha is ignored; 16-bit masks are read as they are. An
    all-zero file gives an all-False mask."""
    from PIL import Image

    with Image.open(path) as image:
        if image.mode in ("P", "PA"):
            image = image.convert("RGB")  # palette indices are not levels
        elif image.mode == "1":
            image = image.convert("L")  # a 1-bit mask's white is 255, whatever the threshold
        values = np.asarray(image)
    if values.ndim == 3:
        channels = values.shape[2]
        values = values[..., : 3 if channels >= 3 else 1].max(axis=2)
    return values >= threshold


def read_labels(path) -> np.ndarray:
    """A label image (facial units 0-7) as its raw (H, W) uint8 values: the palette index of a palette image (the
    units file), the grey level of any other."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image if image.mode == "P" else image.convert("L"))
