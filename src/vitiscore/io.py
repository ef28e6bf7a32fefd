"""Reading photos safely and writing outputs atomically.

Every reading problem becomes a :class:`PhotoError` with a machine-readable ``status`` so that a batch can record
it and move on. Outputs are written to a temporary file in the same folder and renamed into place, so a killed run
never leaves a half-written file under its final name. Nothing read from a photo's metadata is ever written out:
images are saved from pixel arrays alone.
"""

from __future__ import annotations

import csv
import io as stdio
import json
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

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
    """A decoded photo: ``rgb`` is an (H, W, 3) uint8 array, upright (EXIF orientation applied)."""

    rgb: np.ndarray
    source_format: str
    source_mode: str
    exif_rotated: bool


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
        raise ValueError(f"max_pixels must be a positive number of pixels, got {max_pixels!r}")
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PhotoError("unreadable", f"cannot read file: {exc.strerror or exc}") from exc
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
            try:
                image.load()
                upright = ImageOps.exif_transpose(image)
                rotated = upright is not image and _exif_orientation(image) not in (None, 1)
                rgb = _to_rgb8(upright)
            except Image.DecompressionBombError as exc:
                raise PhotoError("too_large", str(exc)) from exc
            except (OSError, SyntaxError, ValueError) as exc:
                message = str(exc)
                status = "truncated" if "truncated" in message or "broken" in message else "unreadable"
                raise PhotoError(status, f"cannot decode image: {message}") from exc
    if rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 1:
        raise PhotoError("unreadable", f"decoded image has an unusable shape {rgb.shape}")
    return Photo(np.ascontiguousarray(rgb), source_format, source_mode, rotated)


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


def discover_photos(inputs: list[str | os.PathLike], recursive: bool = True) -> list[Path]:
    """Expand files and folders into a sorted, de-duplicated list of photo paths.

    A folder contributes the files whose suffix is one of :data:`PHOTO_SUFFIXES` (case-insensitive), searched
    recursively unless ``recursive`` is False; a file named explicitly is always taken, whatever its suffix,
    so that a bad file given by name is reported rather than ignored.

    Raises:
        FileNotFoundError: an input does not exist (names it).
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            candidates = sorted(
                p for p in path.glob(pattern)
                if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith(".")
            )
        elif path.is_file():
            candidates = [path]
        else:
            raise FileNotFoundError(f"input does not exist: {item}")
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def _atomic_write(path: Path, write) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_png(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write a uint8 array (H, W) or (H, W, 3) as a lossless PNG, atomically, with no metadata.

    zlib level 1: masks are mostly runs of 0 and 255 and compress well at any level, and level 6 costs
    several times the time on a 12 MP photo."""
    if array.dtype != np.uint8:
        raise ValueError(f"array must be uint8, got {array.dtype}")
    image = Image.fromarray(array)
    _atomic_write(Path(path), lambda handle: image.save(handle, format="PNG", compress_level=1))


def safe_name(text: str, empty: str = "photo") -> str:
    """``text`` made safe as (part of) a file name: runs of anything but letters, digits, ``.``, ``_`` and ``-``
    become ``_``; ``empty`` when nothing is left."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(text)).strip("._") or empty


def _json_safe(value):
    """NaN and infinities to None (JSON has no NaN), numpy scalars to Python numbers, recursively."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_json(path: str | os.PathLike, payload: dict) -> None:
    """Write JSON atomically (UTF-8, indented, keys in insertion order); NaN and infinities become null."""
    data = (json.dumps(_json_safe(payload), indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    _atomic_write(Path(path), lambda handle: handle.write(data))


def read_table_csv(path: str | os.PathLike, role: str = "table") -> tuple[list[str], list[dict]]:
    """Read a CSV someone else wrote (a spreadsheet export): column names and cells stripped of spaces, a
    byte-order mark ignored. Returns (columns, rows).

    Raises:
        FileNotFoundError: no such file (``role`` names it in the message).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{role} file does not exist: {path}")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [(c or "").strip() for c in reader.fieldnames or []]
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    return columns, rows


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write bytes (an encoded picture) atomically."""
    _atomic_write(Path(path), lambda handle: handle.write(data))


def write_csv(path: str | os.PathLike, rows: list[dict], columns: list[str]) -> None:
    """Write rows as CSV atomically; missing keys become empty cells, extra keys are an error."""

    def write(handle):
        text = stdio.StringIO(newline="")
        writer = csv.DictWriter(text, fieldnames=columns, extrasaction="raise", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _csv_cell(value) for key, value in row.items()})
        handle.write(text.getvalue().encode("utf-8"))

    _atomic_write(Path(path), write)


def _csv_cell(value):
    if isinstance(value, float):
        return "" if not np.isfinite(value) else repr(round(value, 6))
    if value is None:
        return ""
    return value


def append_jsonl(path: str | os.PathLike, record: dict) -> None:
    """Append one JSON record as a line and fsync it, so a finished record survives a killed process.

    A process killed in the middle of the write leaves at most one torn last line, which
    :func:`read_jsonl` skips.
    """
    line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    with open(path, "ab") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    """Read the records of a JSON-lines file, skipping a torn or empty line; a missing file gives []."""
    records = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if not line:
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    except FileNotFoundError:
        return []
    return records
