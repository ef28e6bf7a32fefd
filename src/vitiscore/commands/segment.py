"""``vitiscore segment``: the depigmentation model on whole photos, face or not.

For close-ups (a cheek, a hand) and for evaluation against hand-drawn masks: no face is looked for, the whole
photo is the region, and the mask is written at the photo's own size. Learned models see several photos per
network batch.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vitiscore import io as io_mod
from vitiscore import schema
from vitiscore.commands import EXIT_OK, EXIT_SOME_FAILED
from vitiscore.commands.run_record import package_versions, status_counts
from vitiscore.io import image_ids
from vitiscore.io import marks as marks_mod
from vitiscore.report.progress import progress_bar
from vitiscore.segment import DEFAULT_MODEL, load_segmenter
from vitiscore.segment.refine import RefineSettings, can_refine, refine
from vitiscore.version import __version__

log = logging.getLogger(__name__)

COLUMNS = schema.SEGMENT_RESULTS.names


@dataclass(frozen=True)
class SegmentResult:
    rows: list[dict]
    counts: dict[str, int]
    run: dict

    @property
    def all_ok(self) -> bool:
        return set(self.counts) <= {"ok"}


def _segment_many(segmenter, images: list[np.ndarray], marks: list[list], refinement: RefineSettings):
    """Every image as a whole (its area is all of it): the unmarked ones through the protocol's batch prediction,
    each marked one by the model adapted to its marks."""
    plain = [i for i, m in enumerate(marks) if not m]
    out = dict(zip(plain, segmenter.predict_batch([images[i] for i in plain], [_whole(images[i]) for i in plain])))
    for i, photo_marks in enumerate(marks):
        if photo_marks:
            out[i] = refine(segmenter, images[i], _whole(images[i]), photo_marks, refinement)
    return [out[i] for i in range(len(images))]


def _whole(rgb: np.ndarray) -> np.ndarray:
    return np.ones(rgb.shape[:2], bool)


def segment_folder(
    inputs,
    out_dir,
    model: str = DEFAULT_MODEL,
    recursive: bool = True,
    batch_size: int = 4,
    max_pixels: int = io_mod.DEFAULT_MAX_PIXELS,
    progress: bool | None = None,
    arguments: dict | None = None,
    marks: str | Path | None = None,
    refinement: RefineSettings | None = None,
) -> SegmentResult:
    """Segment depigmented skin in every photo of ``inputs`` (files and/or folders) into ``out_dir``.

    Writes ``masks/<image_id>_depigmented.png`` (0/255, the photo's size), ``results.csv`` (one row per photo;
    ``depigmented_fraction`` is the share, 0-1, of the whole photo's pixels; unreadable photos get a status and
    an error instead) and ``run.json``. With a model that has a skin head, only depigmented *skin* counts, and
    ``masks/<image_id>_skin.png``, ``skin_px`` and ``depigmented_fraction_of_skin`` are written too (no skin
    seen: that fraction is left empty). ``marks`` (a MARKS.csv, :mod:`vitiscore.io.marks`) adapts the model to each
    marked photo (:mod:`vitiscore.segment.refine`, with ``refinement``); its row says ``mask_source`` = ``marks``.

    Raises:
        FileNotFoundError: an input does not exist.
        ValueError: no photos found, unknown model, ``batch_size`` < 1, or marks for a model that cannot be
            adapted.
        vitiscore.io.marks.MarksError: a line of ``marks`` is bad, names an unknown photo or lies outside it.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    refinement = refinement or RefineSettings()
    marks_by_id = marks_mod.read_marks(marks) if marks is not None else {}
    segmenter = load_segmenter(model)
    if marks_by_id and not can_refine(segmenter):
        raise ValueError(f"--marks adapts a learned model; the model {segmenter.model_id!r} cannot be adapted")
    paths = io_mod.discover_photos(list(inputs), recursive=recursive)
    if not paths:
        raise ValueError("no photos found in the inputs (looked for " + ", ".join(io_mod.PHOTO_SUFFIXES) + ")")
    ids = image_ids(paths)
    marks_mod.check_photos(marks_by_id, dict(zip(ids, paths)), marks)
    out_dir = io_mod.output_folder(out_dir)
    started = time.time()
    rows: list[dict] = []
    bar = progress_bar(len(paths), progress)

    def base_row(image_id: str, path: Path) -> dict:
        # A row is "ok" only once its mask is written, so an interrupted run never reports unfinished photos.
        return dict(
            image_id=image_id,
            path=os.path.relpath(path.resolve(), out_dir.resolve()),
            status="not_processed",
            error="the run stopped before this photo was segmented",
            model_id=segmenter.model_id,
            model_sha256=segmenter.sha256,
            tool_version=__version__,
        )

    pending: list[tuple[dict, np.ndarray]] = []

    def flush() -> None:
        if not pending:
            return
        images = [rgb for _, rgb in pending]
        photo_marks = [marks_by_id.get(row["image_id"], []) for row, _ in pending]
        for (row, _rgb), seg, used in zip(
            pending, _segment_many(segmenter, images, photo_marks, refinement), photo_marks
        ):
            relative = f"masks/{row['image_id']}_depigmented.png"
            # With a skin head only skin counts, so that walls, sheets and teeth are never depigmentation.
            mask = seg.mask if seg.skin is None else seg.mask & seg.skin
            skin_relative = f"masks/{row['image_id']}_skin.png" if seg.skin is not None else ""
            try:
                io_mod.write_png(out_dir / relative, mask.astype(np.uint8) * 255)
                if skin_relative:
                    io_mod.write_png(out_dir / skin_relative, seg.skin.astype(np.uint8) * 255)
            except OSError as exc:
                row.update(status="failed", error=f"cannot write outputs: {exc}")
            else:
                row.update(
                    status="ok",
                    error="",
                    depigmented_px=int(mask.sum()),
                    depigmented_fraction=round(float(mask.mean()), 6),
                    mask_depigmented=relative,
                    mask_skin=skin_relative,
                    mask_source="marks" if used and refinement.steps else "model",
                    n_marks=len(used) if used and refinement.steps else None,
                )
                if seg.skin is not None:
                    skin_px = int(seg.skin.sum())
                    row.update(skin_px=skin_px)
                    if skin_px:
                        row.update(depigmented_fraction_of_skin=round(int(mask.sum()) / skin_px, 6))
            bar.update(1)
        pending.clear()

    try:
        for path, image_id in zip(paths, ids):
            row = base_row(image_id, path)
            rows.append(row)
            try:
                photo = io_mod.load_photo(path, max_pixels=max_pixels)
            except io_mod.PhotoError as exc:
                row.update(status=exc.status, error=str(exc))
                log.warning("%s: %s (%s)", path, exc.status, exc)
                bar.update(1)
                continue
            row.update(width=photo.rgb.shape[1], height=photo.rgb.shape[0])
            pending.append((row, photo.rgb))
            if len(pending) >= batch_size:
                flush()
        flush()
    finally:
        bar.close()
        io_mod.write_csv(out_dir / "results.csv", rows, COLUMNS)
    counts = status_counts(rows)
    run = {
        "tool": "vitiscore",
        "command": "segment",
        "tool_version": __version__,
        "arguments": arguments or {},
        "model": {
            "id": segmenter.model_id,
            "sha256": segmenter.sha256,
            "threshold": getattr(segmenter, "threshold", None),
        },
        "marks": None
        if marks is None
        else {
            "file": str(marks),
            "sha256": io_mod.file_sha256(marks),
            "marked_photos": len(marks_by_id),
            "refinement": refinement.as_dict(),
        },
        "region": "whole photo (no face detection)"
        + ("; only skin counts (the model's skin head)" if getattr(segmenter, "has_skin_head", False) else ""),
        "started": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
        "elapsed_s": round(time.time() - started, 3),
        "photos": len(rows),
        "counts": counts,
        "versions": package_versions(),
    }
    io_mod.write_json(out_dir / "run.json", run)
    return SegmentResult(rows, counts, run)


def run(args) -> int:
    """``vitiscore segment``."""
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
    arguments = {k: v for k, v in vars(args).items() if k != "func"}
    result = segment_folder(
        args.inputs,
        args.out,
        model=args.model,
        recursive=not args.no_recursive,
        batch_size=args.batch_size,
        max_pixels=int(args.max_megapixels * 1e6),
        progress=False if args.quiet else None,
        arguments=arguments,
        marks=args.marks,
        refinement=RefineSettings(steps=args.refine_steps, seed=args.seed),
    )
    if not args.quiet:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts.items()))
        sys.stdout.write(f"{len(result.rows)} photos: {counts}. Results in {args.out}/results.csv\n")
    return EXIT_OK if result.all_ok else EXIT_SOME_FAILED
