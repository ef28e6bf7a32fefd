"""Reading photos safely: every problem becomes a :class:`PhotoError` with a machine-readable ``status``.

A batch records the status and moves on. Nothing read from a photo's metadata is kept beyond its orientation:
outputs are saved from pixel arrays alone.
"""

from __future__ import annotations

import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from vitiscore.errors import MissingInputError, UsageError
from vitiscore.files.storage import read_run_json, safe_name

DEFAULT_MAX_PIXELS = 100_000_000
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")
# MPO is the multi-picture JPEG that many cameras write; its first frame is an ordinary JPEG.
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "TIFF", "BMP", "WEBP"}


class PhotoError(Exception):
    """A photo that cannot be used; ``status`` is one of the machine-readable statuses in results.csv."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Photo:
    """A decoded photo: ``rgb`` is an (H, W, 3) uint8 array, upright (EXIF orientation applied); ``pages`` is how
    many images the file holds (a multi-page TIFF; only the first is read)."""

    rgb: np.ndarray
    source_format: str
    source_mode: str
    exif_rotated: bool
    pages: int = 1

    @property
    def flags(self) -> list[str]:
        """``multi_page`` when the file holds more than one image: which one was meant is for the user to say.
        (A camera's multi-picture JPEG, MPO, holds one photo and its preview images: not flagged.)"""
        return ["multi_page"] if self.pages > 1 and self.source_format != "MPO" else []


def load_photo(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> Photo:
    """Read a JPEG, PNG, TIFF, BMP or WebP file as 8-bit RGB.

    The pixel count is checked from the header before the image is decoded, so a huge file is refused cheaply.
    Grayscale, RGBA (alpha dropped), palette, CMYK and 16-bit images are converted to 8-bit RGB.

    Raises:
        PhotoError: status ``empty_file``, ``unreadable`` (not an image or an unsupported format),
            ``truncated`` (the file ends early or is corrupt), ``too_large`` (over ``max_pixels``).
        ValueError: ``max_pixels`` is not a positive number.
    """
    if max_pixels is None or max_pixels <= 0:
        raise UsageError(f"max_pixels must be a positive number of pixels, got {max_pixels!r}")
    path = Path(path)
    try:
        status = path.stat()
    except OSError as exc:
        raise PhotoError("unreadable", f"cannot read file: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(status.st_mode):
        # A pipe or a device (a link to /dev/zero) would be read forever.
        raise PhotoError("unreadable", "not a regular file (a pipe, device or socket)")
    size = status.st_size
    if size == 0:
        raise PhotoError("empty_file", "the file is empty (0 bytes)")
    with warnings.catch_warnings():
        # Pillow's own decompression-bomb guard is replaced by the explicit max_pixels check below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
        except UnidentifiedImageError as exc:
            raise PhotoError("unreadable", "not an image file Pillow can identify") from exc
        except Image.DecompressionBombError as exc:
            raise PhotoError("too_large", str(exc)) from exc
        except OSError as exc:
            raise PhotoError("unreadable", f"cannot open image: {exc}") from exc
        with image:
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoError(
                    "unreadable",
                    f"unsupported image format {image.format}; use JPEG, PNG, TIFF, BMP or WebP",
                )
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoError(
                    "too_large",
                    f"{width}x{height} = {width * height / 1e6:.1f} MP exceeds the limit of "
                    f"{max_pixels / 1e6:.1f} MP (option --max-megapixels)",
                )
            source_format, source_mode = image.format, image.mode
            pages = int(getattr(image, "n_frames", 1) or 1)
            if source_format == "JPEG" and source_mode == "RGB" and _exif_orientation(image) in (None, 1):
                rgb = _decode_jpeg(path, width, height)
                if rgb is not None:
                    return Photo(rgb, source_format, source_mode, False)
            try:
                image.load()
                rotated = _exif_orientation(image) not in (None, 1)
                # exif_transpose copies even an upright photo (about 35 ms at 12 MP): call it only to turn one.
                upright = ImageOps.exif_transpose(image) if rotated else image
                rgb = _to_rgb8(upright)
            except Image.DecompressionBombError as exc:
                raise PhotoError("too_large", str(exc)) from exc
            except (OSError, SyntaxError, ValueError) as exc:
                message = str(exc)
                status = "truncated" if "truncated" in message or "broken" in message else "unreadable"
                raise PhotoError(status, f"cannot decode image: {message}") from exc
    if rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 1:
        raise PhotoError("unreadable", f"decoded image has an unusable shape {rgb.shape}")
    return Photo(np.ascontiguousarray(rgb), source_format, source_mode, rotated, pages)


def shown_size(path: str | os.PathLike) -> tuple[int, int] | None:
    """(width, height) in pixels of the photo as shown (after its EXIF orientation), read from the header without
    decoding; None when the file cannot be opened as an image (scoring it then says why)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:
                width, height = image.size
                # EXIF orientations 5-8 turn the photo by a quarter, swapping its sides.
                return (height, width) if _exif_orientation(image) in (5, 6, 7, 8) else (width, height)
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
            return None


def _decode_jpeg(path: Path, width: int, height: int) -> np.ndarray | None:
    """An upright colour JPEG decoded by OpenCV: the same pixels as Pillow (both use libjpeg-turbo's default
    decoder; the tests compare them), in half the time at 12 MP, because Pillow's array conversion copies the
    photo twice. None when the file is not one OpenCV reads whole, which Pillow then decodes or explains."""
    data = path.read_bytes()
    if not _jpeg_complete(data):
        return None  # a truncated file: libjpeg would fill the rest with grey and only warn
    rgb = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR_RGB | cv2.IMREAD_IGNORE_ORIENTATION)
    return rgb if rgb is not None and rgb.shape == (height, width, 3) else None


def _jpeg_complete(data: bytes) -> bool:
    """Whether a JPEG's main image ends with its end-of-image marker (FF D9). The segments before the first scan
    are walked by their lengths, so the marker of an EXIF thumbnail does not count; inside the scans FF D9 occurs
    only as that marker (JPEG stuffs every FF byte of coded data)."""
    if not data.startswith(b"\xff\xd8"):
        return False
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return False
        if data[pos + 1] == 0xFF:  # a fill byte before a marker
            pos += 1
        elif data[pos + 1] == 0xDA:  # the first scan
            return data.find(b"\xff\xd9", pos) != -1
        else:
            pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return False


def _exif_orientation(image: Image.Image) -> int | None:
    try:
        return image.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - a corrupt EXIF block only means "no orientation"
        return None


def _to_rgb8(image: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to (H, W, 3) uint8 RGB; wide integer modes are scaled, not clipped."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(image).astype(np.float64)
        top = 65535.0 if mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        gray = np.clip(np.round(values / top * 255.0), 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        # Alpha is dropped (composited onto black would darken skin at soft edges; the colour values are kept).
        return np.asarray(image.convert("RGBA"))[:, :, :3].copy()
    if mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(image).copy()


def _is_output_folder(folder: Path) -> bool:
    """Whether ``folder`` holds the ``run.json`` of a vitiscore run (its masks and overlays are not photos)."""
    return read_run_json(folder) is not None


def discover_photos(
    inputs: list[str | os.PathLike], recursive: bool = True, exclude: list[str | os.PathLike] = ()
) -> list[Path]:
    """Expand files and folders into a sorted, de-duplicated list of photo paths.

    A folder contributes the files whose suffix is one of :data:`PHOTO_SUFFIXES` (case-insensitive), searched
    recursively unless ``recursive`` is False. Hidden files and folders (a name starting with ``.``), the folders
    in ``exclude`` (the run's own output folder) and every folder holding a vitiscore ``run.json`` (an output
    folder of another run) are not searched. A file named explicitly is always taken, whatever its suffix, so
    that a bad file given by name is reported rather than ignored.

    Raises:
        FileNotFoundError: an input does not exist (names it).
        ValueError: an input folder is itself an output folder (of this run or another).
    """
    skip = {Path(e).resolve() for e in exclude}
    found: list[Path] = []
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            if path.resolve() in skip or _is_output_folder(path):
                raise UsageError(
                    f"input folder {item} is an output folder of vitiscore; keep photos and outputs in separate folders"
                )
            candidates = []
            for folder, subfolders, files in os.walk(path):
                here = Path(folder)
                subfolders[:] = [
                    name
                    for name in subfolders
                    if recursive
                    and not name.startswith(".")
                    and (here / name).resolve() not in skip
                    and not _is_output_folder(here / name)
                ]
                candidates += [
                    here / name
                    for name in files
                    if Path(name).suffix.lower() in PHOTO_SUFFIXES and not name.startswith(".")
                ]
            candidates.sort()
        elif path.is_file():
            candidates = [path]
        else:
            raise MissingInputError(f"input does not exist: {item}")
        for candidate in candidates:
            key = resolved_path(candidate)
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def resolved_path(path: Path) -> Path:
    """``path`` with its links followed; a link that loops stays as it is (its photo's row then says so)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def image_ids(paths: list[Path]) -> list[str]:
    """Unique, file-name-safe ids: the file name without extension, prefixed by parent folders only where two
    photos would otherwise share an id (``subject01__baseline``), never by folders above the lowest folder that
    holds them all (the user's own path stays out of every table); photos that still share one are numbered
    (``meta``, ``meta_2``)."""
    if not paths:
        return []
    absolute = [Path(os.path.abspath(p)) for p in paths]
    common = Path(os.path.commonpath([str(p.parent) for p in absolute]))
    parts = [list(p.with_suffix("").relative_to(common).parts) for p in absolute]
    depth = [1] * len(paths)
    while True:
        ids = [safe_name("__".join(part[-d:])) for part, d in zip(parts, depth)]
        seen: dict[str, list[int]] = {}
        for i, value in enumerate(ids):
            seen.setdefault(value, []).append(i)
        clashes = [idx for idx in seen.values() if len(idx) > 1]
        if not clashes:
            return ids
        grew = False
        for idx in clashes:
            for i in idx:
                if depth[i] < len(parts[i]):
                    depth[i] += 1
                    grew = True
        if not grew:  # identical relative paths from different roots: number them
            counter: dict[str, int] = {}
            out = []
            for value in ids:
                counter[value] = counter.get(value, 0) + 1
                out.append(value if counter[value] == 1 else f"{value}_{counter[value]}")
            return out
