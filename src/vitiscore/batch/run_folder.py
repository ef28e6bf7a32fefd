"""A run owns its output folder: what an earlier run left there is reused, replaced or refused.

``OUT`` of ``vitiscore score`` or ``vitiscore segment`` holds ``run.json`` (written when a run starts and again
when it ends, with the hash of its settings), the journal ``results.jsonl``, the tables and the per-photo folders
(:data:`RUN_FOLDERS`). Rules:

* An ``OUT`` whose ``run.json`` was written with other settings (or by the other command) is refused unless
  ``--overwrite`` (the earlier run's files are removed first) or ``--skip-existing`` (rows are reused only where
  settings and photo match).
* A rerun with the same settings replaces the earlier run's files, so nothing stale is left beside the new ones
  (masks of photos no longer scored, a ``fused.csv`` of an earlier ``--manifest`` run).
* ``--skip-existing`` keeps the files of the rows it reuses and removes the others.
* Files that no vitiscore run writes are never touched, and neither is ``reviewed/`` (a rater's work). A folder
  holding a results table or one of the run folders but no vitiscore ``run.json`` is refused: those files are
  someone else's, and a run would replace them. So is a ``--masks`` folder or ``--marks`` file inside the run's
  own files.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import shutil
import uuid
from pathlib import Path

from PIL import Image

from vitiscore.errors import DiskFullError, UsageError
from vitiscore.files.storage import file_sha256, read_jsonl, read_run_json, write_jsonl

log = logging.getLogger(__name__)

RUN_FILES = ("results.csv", "results.jsonl", "run.json", "fused.csv", "results_model.csv", "report.html")
# rescored/ is drawn from a run's masks by `vitiscore rescore`: a new run makes it stale.
RUN_FOLDERS = (
    "masks",
    "overlays",
    "triangles",
    "landmarks",
    "crops",
    "probability",
    "unsure",
    "report_files",
    "rescored",
)
# Never removed by a run: reviewed/, a rater's masks and review log (``vitiscore review``), is human work; each
# review records the photo's SHA-256, and ``vitiscore rescore`` ignores a review of a photo that has changed.


def new_run_id() -> str:
    """A run's id: 32 hex digits, unique per run."""
    return uuid.uuid4().hex


def settings_sha256(options: dict, model_sha256: str, version: str) -> str:
    """Hash of everything that changes a run's results: its options, the model's hash and the tool version."""
    payload = json.dumps({"options": options, "model_sha256": model_sha256, "version": version}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def finished_rows(
    out_dir: Path, settings: str, required_files: tuple[str, ...], file_columns: tuple[str, ...] = ()
) -> dict[str, dict]:
    """Rows of the journal of ``out_dir`` that a run with ``settings`` can reuse, by image id: status ok, the same
    settings, a ``photo_sha256``, the files named by the columns ``required_files`` still on disk and whole
    (:func:`whole_file`), and so is every other file a column of ``file_columns`` names. A later line of the same
    photo replaces an earlier one. Whether the photo is still the same one is for the caller to check against
    ``photo_sha256``."""
    done = {}
    for record in read_jsonl(Path(out_dir) / "results.jsonl"):
        if record.get("status") != "ok" or record.get("settings_sha256") != settings:
            done.pop(record.get("image_id"), None)
            continue
        named = [record.get(c) for c in file_columns if c not in required_files and record.get(c)]
        files = [record.get(c) for c in required_files] + named
        if all(f and whole_file(Path(out_dir) / f) for f in files) and record.get("photo_sha256"):
            done[record["image_id"]] = record
    return done


def whole_file(path: Path) -> bool:
    """Whether an output file can be used again: a regular file, not empty, and, for a picture, one that reads to
    its end (a truncated mask or an emptied probability map is redone, not reused)."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        return True
    try:
        with Image.open(path) as image:
            image.load()  # decodes every row: a file cut short raises here
    except (OSError, SyntaxError, ValueError):
        return False
    return True


def raise_if_disk_full(out_dir: Path, error: OSError) -> None:
    """Raise :class:`~vitiscore.errors.DiskFullError` for ``error`` when it is a full disk: where, how much is free
    and how to go on, instead of a traceback (the journal and the last results.csv stay as they were)."""
    if error.errno == errno.ENOSPC:
        free = shutil.disk_usage(out_dir).free / 1e6
        raise DiskFullError(
            f"the disk holding {out_dir} is full ({free:.0f} MB free): the photos finished so far are kept "
            "(results.jsonl, and results.csv as it last was); free some space and run the same command with "
            "--skip-existing to go on"
        ) from error


def journal_rows(journal: Path, image_ids: list[str]) -> list[dict]:
    """The journal's rows of ``image_ids``, in that order (a later line of a photo replaces an earlier one)."""
    by_id = {row.get("image_id"): row for row in read_jsonl(journal)}
    return [by_id[i] for i in image_ids if i in by_id]


def photo_sha256(path: Path) -> str | None:
    """The photo's SHA-256, or None when the file cannot be read (its row then says why). Only a regular file is
    read: a pipe or a device (a link to /dev/zero) would be read forever."""
    if not path.is_file():
        return None
    try:
        return file_sha256(path)
    except OSError:
        return None


def _differences(earlier: dict, options: dict, model_sha256: str, version: str, command: str) -> list[str]:
    if earlier.get("command", "score") != command:
        return [f"written by `vitiscore {earlier.get('command', 'score')}`"]
    changed = [
        f"{k} {earlier.get('options', {}).get(k)!r} -> {v!r}"
        for k, v in options.items()
        if earlier.get("options", {}).get(k) != v
    ]
    if (earlier.get("model") or {}).get("sha256") != model_sha256:
        changed.append("model weights")
    if earlier.get("tool_version") != version:
        changed.append(f"tool version {earlier.get('tool_version')} -> {version}")
    return changed or ["settings"]


def claim(
    out_dir: Path,
    settings: str,
    options: dict,
    model_sha256: str,
    version: str,
    overwrite: bool,
    skip_existing: bool,
    command: str = "score",
    inputs: dict | None = None,
    photos: set[str] | None = None,
) -> dict | None:
    """Check that this run may write into ``out_dir``; return the earlier run's ``run.json`` (or None).
    ``inputs`` maps an argument's name (``--masks``) to the path it gives, or None; ``photos`` are this run's
    photos as its rows name them (paths relative to ``out_dir``).

    Raises:
        ValueError: ``out_dir`` holds a run with other settings, or of photos this run leaves out, and neither
            ``overwrite`` nor ``skip_existing`` is given (the message names what differs), or both are given;
            ``out_dir`` holds files of :data:`RUN_FILES` or :data:`RUN_FOLDERS` without a vitiscore ``run.json``;
            an input lies among them.
    """
    if overwrite and skip_existing:
        raise UsageError("--overwrite and --skip-existing exclude each other")
    out_dir = Path(out_dir)
    run = read_run_json(out_dir)
    if run is None:
        foreign = [name for name in (*RUN_FILES, *RUN_FOLDERS) if (out_dir / name).exists()]
        if foreign:
            raise UsageError(
                f"{out_dir} holds {', '.join(foreign)} but no run.json of a vitiscore run: a run would replace "
                "them; name another output folder, or move them away"
            )
    run_paths = [(out_dir / name).resolve() for name in (*RUN_FILES, *RUN_FOLDERS)]
    for argument, path in (inputs or {}).items():
        resolved = Path(path).resolve() if path is not None else None
        if resolved is not None and any(resolved == p or p in resolved.parents for p in run_paths):
            raise UsageError(
                f"{argument} {path} lies among the files a run writes in {out_dir}, which the run replaces; "
                "move it out of there first"
            )
    earlier = run if run and "settings_sha256" in run else None
    if earlier and earlier["settings_sha256"] != settings and not (overwrite or skip_existing):
        what = "; ".join(_differences(earlier, options, model_sha256, version, command))
        raise UsageError(
            f"{out_dir} holds an earlier run with other settings ({what}): give --overwrite to "
            "replace it, --skip-existing to reuse what still fits, or another output folder"
        )
    if earlier and photos is not None and not (overwrite or skip_existing):
        # Other photos are other inputs: a run of a folder must not quietly replace a manifest run beside its
        # comparison. A run of more photos (an interrupted run started again) replaces nothing it leaves out.
        left_out = {row.get("path") for row in read_jsonl(out_dir / "results.jsonl")} - photos - {None}
        if left_out:
            raise UsageError(
                f"{out_dir} holds an earlier run of {len(left_out)} photo(s) this run leaves out (e.g. "
                f"{sorted(left_out)[0]}): give --overwrite to replace it, --skip-existing to keep what fits, or "
                "another output folder"
            )
    return earlier


def clear(out_dir: Path, keep: set[str] = frozenset()) -> int:
    """Remove the files an earlier run wrote in ``out_dir`` except those in ``keep`` (paths relative to it);
    return how many per-photo files (in :data:`RUN_FOLDERS`) were removed. The tables are not counted: every run
    writes its own."""
    out_dir = Path(out_dir)
    removed = 0
    for name in RUN_FILES:
        if name not in keep and (out_dir / name).is_file():
            (out_dir / name).unlink()
    for folder in RUN_FOLDERS:
        if not (out_dir / folder).is_dir():
            continue
        if not any(k.startswith(folder + "/") for k in keep):
            removed += sum(1 for p in (out_dir / folder).rglob("*") if p.is_file())
            shutil.rmtree(out_dir / folder)
            continue
        for path in (out_dir / folder).rglob("*"):
            if path.is_file() and path.relative_to(out_dir).as_posix() not in keep:
                path.unlink()
                removed += 1
    return removed


def begin(
    out_dir: Path,
    settings: str,
    skip_existing: bool,
    required_files: tuple[str, ...],
    file_columns: tuple[str, ...],
    image_ids: set[str],
) -> dict[str, dict]:
    """Start a run of the photos ``image_ids`` in a claimed ``out_dir``: with ``skip_existing``, the journal's
    reusable rows (:func:`finished_rows`) of those photos by image id, else none; every file of the earlier run
    that those rows do not name (in ``file_columns``) is removed, and the journal is rewritten to hold just those
    rows, so that it stays the record of this run (a photo left out of this run leaves no row or file behind)."""
    reuse = finished_rows(out_dir, settings, required_files, file_columns) if skip_existing else {}
    reuse = {image_id: row for image_id, row in reuse.items() if image_id in image_ids}
    keep = {r[c] for r in reuse.values() for c in file_columns if r.get(c)}
    removed = clear(out_dir, keep)
    if removed:
        log.info("removed %d files of photos the earlier run in %s wrote and this run does not reuse", removed, out_dir)
    write_jsonl(Path(out_dir) / "results.jsonl", list(reuse.values()))
    return reuse
