"""Writing outputs atomically and reading tables.

Outputs are written to a temporary file in the same folder and renamed into place, so a killed run
never leaves a half-written file under its final name. Nothing read from a photo's metadata is ever written out:
images are saved from pixel arrays alone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import struct
import tempfile
import unicodedata
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from vitiscore.errors import MissingInputError, UsageError


def output_folder(path: str | os.PathLike) -> Path:
    """``path`` as an output folder, created (with its parents) when missing.

    Raises:
        ValueError: ``path`` (or a folder above it) is a file, or the folder cannot be created; the message
            names the path and the reason.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"output folder {path} is a file; name a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {path}: {exc.strerror or exc}") from None
    return path


def _file_mode() -> int:
    """The mode an ordinary new file gets under the process's umask (0o644 under the usual 022)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _atomic_write(path: Path, write) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); the output is as readable as any file the user writes.
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def png_bytes(array: np.ndarray, labels: bool = False) -> bytes:
    """``array`` encoded as a lossless PNG with no metadata, with zlib level 1 (masks are long runs and compress
    well at any level; level 6 costs several times the time on a 12 MP photo):

    * uint8 (H, W) or (H, W, 3): 8-bit grey or RGB;
    * bool (H, W): 1-bit black and white (8-bit readers see 0 and 255), an eighth of the data;
    * uint8 (H, W) with ``labels=True``, values 0-15: 4-bit palette whose entry i is the grey level i, so that
      palette-aware readers see the index and others the same value as grey.
    """
    if array.ndim != 2 and (array.ndim != 3 or array.shape[2] != 3) or 0 in array.shape:
        raise UsageError(f"array must be (H, W) or (H, W, 3) and not empty, got {array.shape}")
    if labels:
        if array.dtype != np.uint8 or array.ndim != 2 or array.max() > 15:
            raise UsageError("labels must be a (H, W) uint8 array of values 0-15")
        width = array.shape[1]
        padded = np.pad(array, ((0, 0), (0, width % 2)))  # two pixels a byte; an odd row ends in a 0 nibble
        packed = (padded[:, 0::2] << 4) | padded[:, 1::2]
        return _unfiltered_png(width, packed, 4, 3, np.repeat(np.arange(16), 3))
    if array.dtype == bool and array.ndim == 2:
        return _unfiltered_png(array.shape[1], np.packbits(array, axis=1), 1, 0)
    if array.dtype != np.uint8:
        raise UsageError(f"array must be uint8 (or a 2-D bool mask), got {array.dtype}")
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _unfiltered_png(width: int, rows: np.ndarray, bit_depth: int, colour_type: int, palette=None) -> bytes:
    """A PNG of ``rows`` ((H, bytes per row) uint8, already packed), every row stored with filter 0 (none).

    Written here because Pillow and OpenCV try a filter per row, which on a 12 MP mask of long runs costs about
    five times the compression itself; the file is a plain PNG that both read back.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = np.zeros((rows.shape[0], rows.shape[1] + 1), np.uint8)  # a leading 0 per row: filter "none"
    raw[:, 1:] = rows
    header = struct.pack(">IIBBBBB", width, rows.shape[0], bit_depth, colour_type, 0, 0, 0)
    parts = [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", header)]
    if palette is not None:
        parts.append(chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes()))
    parts += [chunk(b"IDAT", zlib.compress(raw.tobytes(), 1)), chunk(b"IEND", b"")]
    return b"".join(parts)


def write_png(path: str | os.PathLike, array: np.ndarray, labels: bool = False) -> None:
    """Write ``array`` as a lossless PNG (:func:`png_bytes`), atomically."""
    data = png_bytes(array, labels=labels)
    _atomic_write(Path(path), lambda handle: handle.write(data))


def write_jpeg(path: str | os.PathLike, array: np.ndarray, quality: int = 90) -> None:
    """Write a uint8 (H, W, 3) RGB array as a JPEG, atomically, with no metadata (pictures to look at only)."""
    if array.dtype != np.uint8 or array.ndim != 3:
        raise UsageError(f"array must be (H, W, 3) uint8, got {array.shape} {array.dtype}")
    image = Image.fromarray(array)
    _atomic_write(Path(path), lambda handle: image.save(handle, format="JPEG", quality=quality))


# Path separators, and what Windows file names cannot hold, so that OUT can be copied to any machine.
_UNSAFE = re.compile(r'[/\\<>:"|?*]+')


def safe_name(text: str, empty: str = "photo") -> str:
    """``text`` made safe as (part of) a file name, keeping every letter of every script (a clinician's sheet
    keyed by file name must still join): normalised to Unicode NFC, runs of path separators, control characters
    and ``<>:"|?*`` become ``_``, and leading or trailing dots and spaces are dropped (no hidden files); ``empty``
    when nothing is left."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join("_" if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return _UNSAFE.sub("_", text).strip(". ") or empty


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


TABLE_DELIMITERS = ",;\t"


def table_delimiter(header: str) -> str:
    """The delimiter of a table from its header line: comma, semicolon (as spreadsheets write in many locales)
    or tab, as :class:`csv.Sniffer` finds it; a comma when the header has a single column."""
    try:
        return csv.Sniffer().sniff(header, delimiters=TABLE_DELIMITERS).delimiter
    except csv.Error:
        return ","


MAX_CELL_CHARS = 64 * 2**20


def read_table_csv(path: str | os.PathLike, role: str = "table") -> tuple[list[str], list[dict]]:
    """Read a CSV someone else wrote (a spreadsheet export): the delimiter detected (:func:`table_delimiter`),
    column names and cells stripped of spaces, a byte-order mark ignored. Returns (columns, rows).

    Raises:
        FileNotFoundError: no such file (``role`` names it in the message).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"{role} file does not exist: {path}")
    # A cell longer than the csv module's default limit (128 KiB, e.g. a pasted-in text) must not make the table
    # unreadable: the limit is raised while this file is read.
    limit = csv.field_size_limit(MAX_CELL_CHARS)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            delimiter = table_delimiter(handle.readline())
            handle.seek(0)
            reader = csv.DictReader(handle, delimiter=delimiter)
            columns = [(c or "").strip() for c in reader.fieldnames or []]
            rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    finally:
        csv.field_size_limit(limit)
    return columns, rows


def require_columns(columns: list[str], required, what: str, optional=(), error: type[ValueError] = UsageError) -> None:
    """Raise ``error`` naming ``what`` (e.g. "manifest x.csv"), the ``required`` columns it lacks, the ``optional``
    ones and the columns it has, unless every required column is among ``columns``."""
    missing = [c for c in required if c not in columns]
    if missing:
        wants = f"needs {', '.join(required)}" + (f"; optional {', '.join(optional)}" if optional else "")
        raise error(f"{what} lacks the column(s) {', '.join(missing)} ({wants}; it has: {', '.join(columns)})")


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write bytes (an encoded picture) atomically."""
    _atomic_write(Path(path), lambda handle: handle.write(data))


def write_csv(path: str | os.PathLike, rows: list[dict], columns: list[str]) -> None:
    """Write rows as CSV atomically; missing keys become empty cells, extra keys are an error."""

    def write(handle):
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, fieldnames=columns, extrasaction="raise", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _csv_cell(value) for key, value in row.items()})
        handle.write(text.getvalue().encode("utf-8"))

    _atomic_write(Path(path), write)


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP's CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    """A CSV cell: numbers (numpy's too) as plain decimals rounded to 6 places, NaN, infinity and None empty; text
    that a spreadsheet would run as a formula (a subject id ``=HYPERLINK(...)``) prefixed with ``'``, as OWASP
    advises, unless it is a number (``-0.5``)."""
    if isinstance(value, (float, np.floating)):
        return "" if not np.isfinite(value) else repr(round(float(value), 6))
    if isinstance(value, np.integer):
        return int(value)
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_run_json(folder: str | os.PathLike) -> dict | None:
    """The ``run.json`` of the vitiscore run that last wrote ``folder``, or None (none, unreadable, or not
    written by vitiscore)."""
    try:
        run = json.loads((Path(folder) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return run if isinstance(run, dict) and run.get("tool") == "vitiscore" else None


def read_score_run(folder: str | os.PathLike) -> dict | None:
    """The ``run.json`` of the ``vitiscore score`` run in ``folder``, or None (no run, or another command's)."""
    run = read_run_json(folder)
    # Runs written before run.json named its command were all score runs.
    return run if run and "settings_sha256" in run and run.get("command", "score") == "score" else None


def write_points(path: str | os.PathLike, points: np.ndarray) -> None:
    """Write landmarks ((n, 3): x, y in photo pixels, z relative depth in pixels) as CSV with full precision, so
    that :func:`read_points` gives back the same floats."""
    points = np.asarray(points, dtype=np.float64)
    lines = ["point,x,y,z"] + [f"{i},{x!r},{y!r},{z!r}" for i, (x, y, z) in enumerate(points.tolist())]
    write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


def read_points(path: str | os.PathLike) -> np.ndarray:
    """Landmarks written by :func:`write_points`, as an (n, 3) float64 array.

    Raises:
        ValueError: the file is not such a table.
    """
    _, rows = read_table_csv(path, "landmarks")
    try:
        return np.array([[float(r["x"]), float(r["y"]), float(r["z"])] for r in rows], dtype=np.float64)
    except (KeyError, ValueError):
        raise UsageError(f"{path} is not a landmarks table (columns point, x, y, z)") from None


def write_jsonl(path: str | os.PathLike, records: list[dict]) -> None:
    """Write records as JSON lines, atomically (the file is replaced whole, as by :func:`write_csv`)."""
    data = "".join(json.dumps(record, ensure_ascii=False, default=str) + "\n" for record in records).encode("utf-8")
    _atomic_write(Path(path), lambda handle: handle.write(data))


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
