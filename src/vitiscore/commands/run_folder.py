"""A scoring run owns its output folder: what an earlier run left there is reused, replaced or refused.

``OUT`` of ``vitiscore score`` holds ``run.json`` (written when a run starts and again when it ends, with the
run's ``run_id``), the tables and the per-photo folders (:data:`RUN_FOLDERS`). Rules:

* An ``OUT`` whose ``run.json`` was written with other settings is refused unless ``--overwrite`` (the earlier
  run's files are removed first) or ``--skip-existing`` (rows are reused only where settings and photo match).
* A rerun with the same settings replaces the earlier run's files, so nothing stale is left beside the new ones
  (masks of photos no longer scored, a ``fused.csv`` of an earlier ``--manifest`` run).
* ``--skip-existing`` keeps the files of the rows it reuses and removes the others.
* Files that no vitiscore run writes are never touched, and neither is ``reviewed/`` (a rater's work).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from vitiscore.io.files import read_run_json

RUN_FILES = ("results.csv", "results.jsonl", "run.json", "fused.csv", "results_model.csv", "report.html")
# rescored/ is drawn from a run's masks by `vitiscore rescore`: a new run makes it stale.
RUN_FOLDERS = ("masks", "overlays", "triangles", "landmarks", "crops", "probability", "report_files", "rescored")
# Never removed by a run: reviewed/, a rater's masks and review log (``vitiscore review``), is human work; each
# review records the photo's SHA-256, and ``vitiscore rescore`` ignores a review of a photo that has changed.


def new_run_id() -> str:
    """A run's id: 32 hex digits, unique per run."""
    return uuid.uuid4().hex


def earlier_run(out_dir: Path) -> dict | None:
    """The ``run.json`` of the scoring run that last wrote ``out_dir``, or None."""
    run = read_run_json(out_dir)
    return run if run and "settings_sha256" in run else None


def _differences(earlier: dict, options: dict, model_sha256: str, version: str) -> list[str]:
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
    out_dir: Path, settings: str, options: dict, model_sha256: str, version: str, overwrite: bool, skip_existing: bool
) -> dict | None:
    """Check that this run may write into ``out_dir``; return the earlier run's ``run.json`` (or None).

    Raises:
        ValueError: ``out_dir`` holds a run with other settings and neither ``overwrite`` nor ``skip_existing``
            is given (the message names what differs), or both are given.
    """
    if overwrite and skip_existing:
        raise ValueError("--overwrite and --skip-existing exclude each other")
    earlier = earlier_run(out_dir)
    if earlier and earlier["settings_sha256"] != settings and not (overwrite or skip_existing):
        what = "; ".join(_differences(earlier, options, model_sha256, version))
        raise ValueError(
            f"{out_dir} holds an earlier run with other settings ({what}): give --overwrite to "
            "replace it, --skip-existing to reuse what still fits, or another output folder"
        )
    return earlier


def clear(out_dir: Path, keep: set[str] = frozenset()) -> int:
    """Remove the files an earlier run wrote in ``out_dir`` except those in ``keep`` (paths relative to it);
    return how many were removed."""
    out_dir = Path(out_dir)
    removed = 0
    for name in RUN_FILES:
        if name not in keep and (out_dir / name).is_file():
            (out_dir / name).unlink()
            removed += 1
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
