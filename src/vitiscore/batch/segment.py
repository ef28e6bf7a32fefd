"""Segmenting a batch of whole photos, face or not, into an output folder (``vitiscore segment``).

For close-ups (a cheek, a hand) and for evaluation against hand-drawn masks: no face is looked for, the whole
photo is the region, and the mask is written at the photo's own size. Learned models see several photos per
network batch.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vitiscore import engines, schema
from vitiscore import files as files_mod
from vitiscore.batch import lock, run_folder
from vitiscore.batch.run_record import package_versions, status_counts
from vitiscore.errors import UsageError
from vitiscore.files import image_ids
from vitiscore.files import marks as marks_mod
from vitiscore.files.photos import resolved_path
from vitiscore.progress import progress_bar
from vitiscore.segment import DEFAULT_MODEL, load_segmenter
from vitiscore.segment.learned import resolve_device
from vitiscore.segment.refine import RefineSettings, can_refine, refine
from vitiscore.version import __version__, tool_header

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


@dataclass(frozen=True)
class SegmentTask:
    """One photo of a segment run: its place in the run, absolute path, id and marks."""

    position: int
    path: str
    image_id: str
    marks: list


@dataclass
class SegmentJob:
    """Segmenting a batch of photos into ``OUT`` (the job of :mod:`vitiscore.engines`): read each photo, run the
    model on the readable ones as one network batch, write the masks. Returns ``(position, row update)`` pairs."""

    model: str
    out_dir: str
    max_pixels: int
    refinement: RefineSettings
    device: str = "cpu"
    segmenter: object = field(default=None, repr=False)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "segmenter": None}

    def setup(self) -> None:
        if self.segmenter is None:
            self.segmenter = load_segmenter(self.model, self.device)

    def __call__(self, batch: list[SegmentTask]) -> list[tuple[int, dict]]:
        out, readable, images = [], [], []
        for task in batch:
            try:
                photo = files_mod.load_photo(task.path, max_pixels=self.max_pixels)
            except files_mod.PhotoError as exc:
                out.append((task.position, {"status": exc.status, "error": str(exc)}))
                continue
            readable.append(task)
            images.append(photo.rgb)
        segmentations = _segment_many(self.segmenter, images, [t.marks for t in readable], self.refinement)
        for task, rgb, seg in zip(readable, images, segmentations):
            out.append((task.position, self._write(task, rgb, seg)))
        return out

    def crashed(self, batch: list[SegmentTask], reason: str) -> list[tuple[int, dict]]:
        return [(task.position, {"status": "failed", "error": reason}) for task in batch]

    def _write(self, task: SegmentTask, rgb: np.ndarray, seg) -> dict:
        out_dir = Path(self.out_dir)
        update = dict(width=rgb.shape[1], height=rgb.shape[0])
        relative = f"masks/{task.image_id}_depigmented.png"
        # With a skin head only skin counts, so that walls, sheets and teeth are never depigmentation.
        mask = seg.mask if seg.skin is None else seg.mask & seg.skin
        skin_relative = f"masks/{task.image_id}_skin.png" if seg.skin is not None else ""
        try:
            files_mod.write_png(out_dir / relative, mask.astype(bool, copy=False))
            if skin_relative:
                files_mod.write_png(out_dir / skin_relative, seg.skin.astype(bool, copy=False))
        except OSError as exc:
            return {**update, "status": "failed", "error": f"cannot write outputs: {exc}"}
        refined = bool(task.marks) and self.refinement.steps > 0
        update.update(
            status="ok",
            error="",
            depigmented_px=int(mask.sum()),
            depigmented_fraction=round(float(mask.mean()), 6),
            mask_depigmented=relative,
            mask_skin=skin_relative,
            mask_source="marks" if refined else "model",
            n_marks=len(task.marks) if refined else None,
        )
        if seg.skin is not None:
            skin_px = int(seg.skin.sum())
            update.update(skin_px=skin_px)
            if skin_px:
                update.update(depigmented_fraction_of_skin=round(int(mask.sum()) / skin_px, 6))
        return update


# Columns naming a file that a reused row needs on disk (mask_skin too, with a skin head).
REQUIRED_FILES = ("mask_depigmented",)


def segment_folder(
    inputs,
    out_dir,
    model: str = DEFAULT_MODEL,
    recursive: bool = True,
    batch_size: int = 4,
    max_pixels: int = files_mod.DEFAULT_MAX_PIXELS,
    progress: bool | None = None,
    arguments: dict | None = None,
    marks: str | Path | None = None,
    refinement: RefineSettings | None = None,
    workers: int = 1,
    device: str = "cpu",
    skip_existing: bool = False,
    overwrite: bool = False,
) -> SegmentResult:
    """Segment depigmented skin in every photo of ``inputs`` (files and/or folders) into ``out_dir``.

    Writes ``masks/<image_id>_depigmented.png`` (1-bit black and white, 0/255 to 8-bit readers; the photo's
    size), ``results.csv`` (one row per photo; ``depigmented_fraction`` is the share, 0-1, of the whole photo's
    pixels; unreadable photos get a status and an error instead), the journal ``results.jsonl`` (one line per
    finished photo, fsynced as it finishes) and ``run.json``. With a model that has a skin head, only depigmented
    *skin* counts, and ``masks/<image_id>_skin.png``, ``skin_px`` and ``depigmented_fraction_of_skin`` are
    written too (no skin seen: that fraction is left empty).

    ``out_dir`` is claimed as by ``vitiscore score`` (:mod:`vitiscore.batch.run_folder`): a folder holding a
    run with other settings, or a scoring run, is refused unless ``overwrite`` (its files are removed first) or
    ``skip_existing``; ``skip_existing`` reuses the journal's finished rows with the same settings, photo
    (SHA-256) and marks, and segments the rest.

    ``marks`` (a MARKS.csv, :mod:`vitiscore.files.marks`) adapts the model to each marked photo
    (:mod:`vitiscore.segment.refine`, with ``refinement``); its row says ``mask_source`` = ``marks``.
    ``workers`` batches are segmented at once, each in a worker process (1: in this process; the results do not
    depend on it); ``device`` is where the network runs ("cpu", "cuda", "auto").

    Raises:
        FileNotFoundError: an input does not exist.
        ValueError: no photos found, unknown model, ``batch_size`` < 1, marks for a model that cannot be
            adapted, or ``out_dir`` holds a run with other settings (see above).
        vitiscore.files.marks.MarksError: a line of ``marks`` is bad, names an unknown photo or lies outside it.
    """
    if batch_size < 1:
        raise UsageError(f"batch_size must be at least 1, got {batch_size}")
    workers = engines.check_workers(workers)
    refinement = refinement or RefineSettings()
    marks_by_id = marks_mod.read_marks(marks) if marks is not None else {}
    segmenter = load_segmenter(model, device)
    if marks_by_id and not can_refine(segmenter):
        raise UsageError(f"--marks adapts a learned model; the model {segmenter.model_id!r} cannot be adapted")
    paths = files_mod.discover_photos(list(inputs), recursive=recursive, exclude=[out_dir])
    if not paths:
        raise UsageError("no photos found in the inputs (looked for " + ", ".join(files_mod.PHOTO_SUFFIXES) + ")")
    ids = image_ids(paths)
    marks_mod.check_photos(marks_by_id, dict(zip(ids, paths)), marks)
    out_dir = files_mod.output_folder(out_dir)
    with lock.held(out_dir, "segment"):
        device = resolve_device(device)
        options = {"max_pixels": int(max_pixels)}
        settings = run_folder.settings_sha256({"command": "segment", **options}, segmenter.sha256, __version__)
        run_folder.claim(
            out_dir,
            settings,
            options,
            segmenter.sha256,
            __version__,
            overwrite,
            skip_existing,
            command="segment",
            inputs={"--marks": marks},
            photos={os.path.relpath(resolved_path(p), out_dir.resolve()) for p in paths},
        )
        has_skin = bool(getattr(segmenter, "has_skin_head", False))
        required = REQUIRED_FILES + (("mask_skin",) if has_skin else ())
        reuse = run_folder.begin(out_dir, settings, skip_existing, required, required, set(ids))
        journal = out_dir / "results.jsonl"
        model_record = {
            "id": segmenter.model_id,
            "sha256": segmenter.sha256,
            "threshold": getattr(segmenter, "threshold", None),
        }
        run = {
            **tool_header("segment"),
            "status": "running",
            "options": options,
            "model": model_record,
            "settings_sha256": settings,
        }
        # Written now as well as at the end: a stopped run still says whose files these are.
        files_mod.write_json(out_dir / "run.json", run)
        started = time.time()
        rows, photos = [], []
        for k, (path, image_id) in enumerate(zip(paths, ids)):
            relative = os.path.relpath(resolved_path(path), out_dir.resolve())
            photo_marks = marks_by_id.get(image_id, [])
            marks_sha = marks_mod.fingerprint(photo_marks, **refinement.as_dict()) if photo_marks else None
            fingerprint = run_folder.photo_sha256(path)
            old = reuse.get(image_id)
            if old and old.get("path") == relative and old.get("photo_sha256") == fingerprint:
                if (old.get("marks_sha256") or None) == marks_sha:
                    rows.append(old)
                    continue
            # A row is "ok" only once its mask is written, so an interrupted run never reports unfinished photos.
            rows.append(
                dict(
                    image_id=image_id,
                    path=relative,
                    status="not_processed",
                    error="the run stopped before this photo was segmented",
                    marks_sha256=marks_sha,
                    settings_sha256=settings,
                    photo_sha256=fingerprint,
                    model_id=segmenter.model_id,
                    model_sha256=segmenter.sha256,
                    tool_version=__version__,
                )
            )
            photos.append(SegmentTask(k, str(resolved_path(path)), image_id, photo_marks))
        batches = [photos[k : k + batch_size] for k in range(0, len(photos), batch_size)]
        job = SegmentJob(model, str(out_dir.resolve()), max_pixels, refinement, device)
        job.segmenter = segmenter
        bar = progress_bar(len(paths), progress)
        bar.update(len(paths) - len(photos))
        try:
            for _index, results in engines.run(job, batches, workers):
                for position, update in results:
                    rows[position].update(update)
                    files_mod.append_jsonl(journal, rows[position])
                    if update["status"] != "ok":
                        log.warning("%s: %s (%s)", rows[position]["path"], update["status"], update["error"])
                    bar.update(1)
        finally:
            bar.close()
            files_mod.write_csv(out_dir / "results.csv", rows, COLUMNS)
        counts = status_counts(rows)
        run.update(
            status="finished",
            arguments=arguments or {},
            marks=None
            if marks is None
            else {
                "file": str(marks),
                "sha256": files_mod.file_sha256(marks),
                "marked_photos": len(marks_by_id),
                "refinement": refinement.as_dict(),
            },
            region="whole photo (no face detection)"
            + ("; only skin counts (the model's skin head)" if has_skin else ""),
            engine={"name": "local", "workers": workers, "device": device},
            started=dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
            elapsed_s=round(time.time() - started, 3),
            photos=len(rows),
            segmented_this_run=len(photos),
            reused=len(rows) - len(photos),
            counts=counts,
            versions=package_versions(),
        )
        files_mod.write_json(out_dir / "run.json", run)
        return SegmentResult(rows, counts, run)
