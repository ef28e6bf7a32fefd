"""Scoring a batch of photos into an output folder.

Layout of ``OUT`` (every path written into the outputs is relative to ``OUT``):

* ``results.csv``: one row per input photo, failures included (see :data:`vitiscore.batch.rows.COLUMNS`).
* ``results.jsonl``: the run's journal, one line per finished photo, fsynced as each photo finishes; a killed
  run loses no finished row, ``--skip-existing`` resumes from it, and ``results.csv`` is rebuilt from it.
* ``run.json``: arguments, options, versions, model id and SHA-256, timing, counts.
* ``masks/<id>_facial_area.png`` and ``masks/<id>_depigmented.png`` (1-bit black and white: 0/255 to 8-bit
  readers), ``masks/<id>_units.png`` (unit labels 1-7, see run.json; a 4-bit palette of grey levels, so every
  reader sees the label values): lossless, photo-sized, upright.
* ``overlays/<id>.jpg``: the analysis frame (the face crop the model saw) with outlines and the depigmentation
  fill, for looking.
* ``crops/<id>.jpg``: the face crop the model saw (the analysis frame, ``crop_box`` and ``crop_scale`` in the row).
* ``probability/<id>.png``: the model's probability map on that frame, 8-bit, so that a threshold can be changed
  later without the model (review).
* ``triangles/<id>.csv``: the per-triangle surface table of the photo (:func:`vitiscore.measure.surface.write_table`),
  from which views are fused and visits compared.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from vitiscore import engines
from vitiscore import files as files_mod
from vitiscore.batch import lock, run_folder
from vitiscore.batch.manifest import read_manifest
from vitiscore.batch.outputs import write_images
from vitiscore.batch.rows import ABOUT_COLUMNS, COLUMNS, FILE_COLUMNS, BatchResult, num, result_row
from vitiscore.batch.run_record import package_versions, status_counts
from vitiscore.batch.views import fuse_rows, write_fused
from vitiscore.batch.workers import default_workers
from vitiscore.errors import UsageError
from vitiscore.face import require_mediapipe
from vitiscore.face.facial_area import UNIT_LABELS
from vitiscore.files import marks as marks_mod
from vitiscore.files.masks import MaskSet, mask_set, read_mask
from vitiscore.files.photos import resolved_path
from vitiscore.measure.scale import HandUnit
from vitiscore.pipeline import STAGES, FaceScore, ScoreOptions, score_image
from vitiscore.progress import progress_bar
from vitiscore.segment import Segmenter, load_segmenter
from vitiscore.segment.learned import resolve_device
from vitiscore.segment.refine import RefineSettings, can_refine
from vitiscore.version import __version__, tool_header

log = logging.getLogger(__name__)


def settings_sha256(options: ScoreOptions, segmenter: Segmenter | MaskSet) -> str:
    """Hash of everything that changes a result: options, model hash and tool version. Masks drawn elsewhere count
    as one setting (``external``): each row is checked against its own mask's SHA-256 when reused."""
    model = "external" if isinstance(segmenter, MaskSet) else segmenter.sha256
    return run_folder.settings_sha256(options.as_dict(), model, __version__)


REQUIRED_FILES = ("mask_facial_area", "mask_units", "mask_depigmented", "triangles", "landmarks", "crop")


def _mask_sha(masks: MaskSet, image_id: str) -> str | None:
    return masks.file_sha256(image_id) if image_id in masks.files else None


@dataclass(frozen=True)
class PhotoTask:
    """One photo to score: what a worker needs besides the run's settings. ``position`` is the photo's place
    in the run (the order of ``results.csv``); ``path`` is absolute, ``relative`` is relative to ``OUT``."""

    position: int
    image_id: str
    path: str
    relative: str
    about: dict
    hand: HandUnit | None
    marks: list
    marks_sha256: str | None
    photo_sha256: str | None


@dataclass
class ScoreJob:
    """Scoring one photo into ``OUT``, as a worker does it (the job of :mod:`vitiscore.engines`): score, build
    the row, write the photo's masks and pictures. Returns ``(row, seconds by stage)``; the command writes the
    journal and the tables."""

    options: ScoreOptions
    out_dir: str
    settings: str
    run_id: str
    refinement: RefineSettings
    masks: str | None = None
    overlays: bool = True
    device: str = "cpu"
    segmenter: Segmenter | MaskSet | None = field(default=None, repr=False)

    def __getstate__(self) -> dict:
        # Workers load their own model (setup); a loaded network is not sent to them.
        return {**self.__dict__, "segmenter": None}

    def setup(self) -> None:
        if self.segmenter is None:
            self.segmenter = (
                mask_set(self.masks) if self.masks is not None else load_segmenter(self.options.model, self.device)
            )

    def __call__(self, task: PhotoTask) -> tuple[dict, dict]:
        segmenter = self.segmenter
        if self.masks is None:
            score = score_image(
                task.path, self.options, segmenter, hand=task.hand, marks=task.marks, refinement=self.refinement
            )
        elif task.image_id not in segmenter.files:
            score = FaceScore(
                status="no_mask",
                error=f"no mask {task.image_id}.png or {task.image_id}_depigmented.png (or .tif) in {segmenter.folder}",
            )
        else:
            score = score_image(task.path, self.options, hand=task.hand, mask=read_mask(segmenter.files[task.image_id]))
        row = self._row(task, score)
        tick = time.perf_counter()
        if score.ok:
            try:
                write_images(Path(self.out_dir), task.image_id, score, row, overlays=self.overlays)
            except OSError as exc:
                row.update(status="failed", error=f"cannot write outputs: {exc}")
        score.timings["writing"] = time.perf_counter() - tick
        return row, score.timings

    def crashed(self, task: PhotoTask, reason: str) -> tuple[dict, dict]:
        return self._row(task, FaceScore(status="failed", error=reason)), {}

    def _row(self, task: PhotoTask, score: FaceScore) -> dict:
        row = result_row(task.image_id, task.relative, score, self.options, self.segmenter, self.settings)
        row.update(task.about, photo_sha256=task.photo_sha256, run_id=self.run_id, marks_sha256=task.marks_sha256)
        return row


def score_folder(
    inputs,
    out_dir,
    options: ScoreOptions | None = None,
    skip_existing: bool = False,
    overlays: bool = True,
    overwrite: bool = False,
    recursive: bool = True,
    progress: bool | None = None,
    arguments: dict | None = None,
    manifest: str | Path | None = None,
    masks: str | Path | None = None,
    marks: str | Path | None = None,
    refinement: RefineSettings | None = None,
    workers: int = 1,
    engine: str = "local",
    ray_address: str | None = None,
    device: str = "cpu",
) -> BatchResult:
    """Score every photo in ``inputs`` (files and/or folders) into ``out_dir``.

    Args:
        inputs: paths of photos or folders (folders are searched for .jpg/.jpeg/.png/.tif/.tiff/.bmp/.webp).
        out_dir: output folder, created if needed.
        options: scoring settings (defaults: the default model, eyelids excluded, face = 3.0 HU).
        skip_existing: reuse finished rows of an earlier run in ``out_dir`` made with the same settings, of
            photos whose content (SHA-256) is unchanged.
        overwrite: replace an earlier run in ``out_dir`` made with other settings (see
            :mod:`vitiscore.batch.run_folder` for what a run does with the folder it writes into).
        overlays: also write overlay pictures.
        progress: show a progress bar; None shows it only on a terminal.
        arguments: the command line, recorded in run.json.
        manifest: a manifest CSV (:mod:`vitiscore.batch.manifest`) naming the photos with subject, visit, view and
            hand size; ``inputs`` must then be empty. Also writes ``fused.csv`` (one row per subject and visit)
            and returns those rows in ``BatchResult.fused``.
        masks: a folder of masks drawn elsewhere (``<image_id>.png`` or ``<image_id>_depigmented.png``, also
            TIFF/BMP; any non-zero pixel is lesion) to score instead of running the model: every other measure is
            computed as usual. A photo without a mask gets status ``no_mask``, a mask of another size than the
            photo (after its EXIF orientation) ``mask_size_mismatch``.
        marks: a MARKS.csv (:mod:`vitiscore.files.marks`): each marked photo's mask comes from the model adapted to
            its marks (:mod:`vitiscore.segment.refine`, with ``refinement``; ``mask_source`` = ``marks``); other
            photos are scored as usual. Every line is checked before any photo is scored.
        workers: photos scored at once, each in a process that loads the model once (1: in this process; None:
            :func:`vitiscore.batch.workers.default_workers`); the results are the same for any number
            (:mod:`vitiscore.engines`). A photo whose worker dies is tried again alone, then recorded ``failed``.
        engine: "local" (this machine) or "ray" (a Ray cluster, :mod:`vitiscore.engines.ray`; ``workers`` is then
            the number of actors and ``ray_address`` the cluster, none: a local Ray).
        device: where the network runs: "cpu", "cuda" or "auto" (the GPU when torch sees one).

    Raises:
        FileNotFoundError: an input does not exist.
        ValueError: no photos found, bad options / unknown model, or ``out_dir`` holds a run with other settings
            and neither ``overwrite`` nor ``skip_existing`` is given; both ``masks`` and ``marks``, or marks for a
            model that cannot be adapted.
        vitiscore.files.marks.MarksError: a line of ``marks`` is bad, names an unknown photo or lies outside it.
        vitiscore.face.MissingDependencyError: mediapipe is not installed.
        vitiscore.engines.ray.MissingRayError: ``engine="ray"`` without the ``vitiscore[ray]`` extra.
    """
    options = options or ScoreOptions()
    workers = engines.check_workers(workers) if workers is not None or engine != "local" else None
    if engine not in engines.ENGINES:
        raise UsageError(f"engine must be one of {engines.ENGINES}, got {engine!r}")
    if engine == "ray" and device == "cuda" and (ray_address or os.environ.get("RAY_ADDRESS")):
        # On a cluster the GPUs are the workers', not necessarily this machine's: each actor asks Ray for one and
        # its model checks that it sees one; the model loaded here only names the run's model (run.json).
        driver_device = "cpu"
    else:
        device = driver_device = resolve_device(device)
    gpus = 1.0 if device == "cuda" and engine == "ray" else 0.0
    entries = None
    if manifest is not None:
        if list(inputs):
            raise UsageError("give photos either as INPUT paths or in --manifest, not both")
        entries = read_manifest(manifest)
    if masks is not None and marks is not None:
        raise UsageError("give --masks (masks drawn elsewhere) or --marks (marks to refine the model's), not both")
    refinement = refinement or RefineSettings()
    marks_by_id = marks_mod.read_marks(marks) if marks is not None else {}
    segmenter = mask_set(masks) if masks is not None else load_segmenter(options.model, driver_device)
    if marks_by_id and not can_refine(segmenter):
        raise UsageError(f"--marks adapts a learned model; the model {segmenter.model_id!r} cannot be adapted")
    require_mediapipe()  # before any row: without it no photo can be scored
    if entries:
        paths = [e.path for e in entries]
    else:
        paths = files_mod.discover_photos(
            list(inputs), recursive=recursive, exclude=[out_dir, *([masks] if masks is not None else [])]
        )
    if not paths:
        raise UsageError("no photos found in the inputs (looked for " + ", ".join(files_mod.PHOTO_SUFFIXES) + ")")
    ids = files_mod.image_ids(paths)
    marks_mod.check_photos(marks_by_id, dict(zip(ids, paths)), marks)
    out_dir = files_mod.output_folder(out_dir)
    with lock.held(out_dir, "score"):
        settings = settings_sha256(options, segmenter)
        run_folder.claim(
            out_dir,
            settings,
            options.as_dict(),
            segmenter.sha256,
            __version__,
            overwrite,
            skip_existing,
            inputs={"--masks": masks, "--marks": marks},
            photos={os.path.relpath(resolved_path(p), out_dir.resolve()) for p in paths},
        )
        journal = out_dir / "results.jsonl"
        # A run that writes overlays reuses only rows that have theirs (one of a --no-overlays run has none).
        required = REQUIRED_FILES + (("overlay",) if overlays else ())
        reuse = run_folder.begin(out_dir, settings, skip_existing, required, FILE_COLUMNS, set(ids))
        run_id = run_folder.new_run_id()
        model = {
            "id": segmenter.model_id,
            "sha256": segmenter.sha256,
            "parameters": getattr(segmenter, "parameters", None),
            "threshold": getattr(segmenter, "threshold", None),
        }
        if getattr(segmenter, "folder", None) is not None:
            # Absolute: the review page's refine loads it again from wherever `vitiscore review` is started.
            model["folder"] = str(segmenter.folder)
        if masks is not None:
            model.update(masks=os.path.relpath(Path(masks).resolve(), out_dir.resolve()), n_masks=len(segmenter.files))
        if marks is not None:
            model.update(
                marks=os.path.relpath(Path(marks).resolve(), out_dir.resolve()),
                marked_photos=len(marks_by_id),
                marks_sha256=files_mod.file_sha256(marks),
                refinement=refinement.as_dict(),
            )
        record = {
            **tool_header("score"),
            "run_id": run_id,
            "status": "running",
            "options": options.as_dict(),
            "model": model,
            "settings_sha256": settings,
        }
        # Written now as well as at the end: a run that is stopped still says whose files these are.
        files_mod.write_json(out_dir / "run.json", record)

        job = ScoreJob(
            options=options,
            out_dir=str(out_dir.resolve()),
            settings=settings,
            run_id=run_id,
            masks=str(Path(masks).resolve()) if masks is not None else None,
            refinement=refinement,
            overlays=overlays,
            device=device,
        )
        job.segmenter = segmenter  # the in-process engine reuses it; workers load their own
        started = time.time()
        stage_totals = {stage: 0.0 for stage in (*STAGES, "writing")}
        found: dict[int, dict] = {}
        tasks: list[PhotoTask] = []
        bar = progress_bar(len(paths), progress)
        for k, (path, image_id) in enumerate(zip(paths, ids)):
            relative = os.path.relpath(resolved_path(path), out_dir.resolve())
            entry = entries[k] if entries else None
            about = (
                {
                    "subject_id": entry.subject_id,
                    "visit": entry.visit,
                    "view": entry.view,
                    "hand_unit_cm2": num(entry.hand.cm2, 2),
                }
                if entry
                else {}
            )
            fingerprint = run_folder.photo_sha256(path)
            old = reuse.get(image_id)
            same_photo = old and old.get("path") == relative and old.get("photo_sha256") == fingerprint
            same_mask = masks is None or (old and old.get("model_sha256") == _mask_sha(segmenter, image_id))
            photo_marks = marks_by_id.get(image_id, [])
            marks_sha = marks_mod.fingerprint(photo_marks, **refinement.as_dict()) if photo_marks else None
            same_marks = old and (old.get("marks_sha256") or None) == marks_sha
            # Every manifest column is compared, also when this run has no manifest (then all are empty): a row
            # scored with a manifest's hand size must not be reused in a run at the default face size, or vice versa.
            same_about = old and all((old.get(c) or None) == (about.get(c) or None) for c in ABOUT_COLUMNS)
            if same_photo and same_mask and same_marks and same_about:
                found[k] = old
                bar.update(1)
                continue
            task = PhotoTask(
                position=k,
                image_id=image_id,
                path=str(resolved_path(path)),
                relative=relative,
                about=about,
                hand=entry.hand if entry else None,
                marks=photo_marks,
                marks_sha256=marks_sha,
                photo_sha256=fingerprint,
            )
            tasks.append(task)
        workers = workers or default_workers([t.path for t in tasks], engines.available_cores(), options.uncertainty)
        done, last_csv = 0, time.monotonic()

        def in_order() -> list[dict]:
            return [found[k] for k in sorted(found)]

        try:
            try:
                for index, (row, timings) in engines.run(job, tasks, workers, engine, ray_address, gpus):
                    for stage, seconds in timings.items():
                        stage_totals[stage] = stage_totals.get(stage, 0.0) + seconds
                    if row["status"] != "ok":
                        log.warning("%s: %s (%s)", row["path"], row["status"], row["error"])
                    files_mod.append_jsonl(journal, row)
                    found[tasks[index].position] = row
                    done += 1
                    bar.update(1)
                    if time.monotonic() - last_csv > 10:
                        files_mod.write_csv(out_dir / "results.csv", in_order(), COLUMNS)
                        last_csv = time.monotonic()
            except KeyboardInterrupt:
                kept = run_folder.journal_rows(journal, ids)
                interrupted = {**record, "status": "interrupted", "photos": len(paths), "finished": len(kept)}
                files_mod.write_json(out_dir / "run.json", {**interrupted, "counts": status_counts(kept)})
                raise
            finally:
                bar.close()
                # From the journal, the record of what is on disk: a Ctrl-C between a row's journal line and its
                # place in memory must not leave that row out of results.csv.
                files_mod.write_csv(out_dir / "results.csv", run_folder.journal_rows(journal, ids), COLUMNS)
        except OSError as exc:
            run_folder.raise_if_disk_full(out_dir, exc)
            raise
        rows = in_order()
        fused = None
        if entries:
            fused = fuse_rows(out_dir, rows, entries, options.face_hand_units)
            for fused_row in fused:
                fused_row["run_id"] = run_id
            write_fused(out_dir, fused)
        counts = status_counts(rows)
        elapsed = time.time() - started
        run = {
            **record,
            "status": "finished",
            "arguments": arguments or {},
            "engine": {"name": engine, "workers": workers, "device": device, "ray_address": ray_address},
            "unit_labels": UNIT_LABELS,
            "started": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
            "elapsed_s": round(elapsed, 3),
            "photos": len(rows),
            "scored_this_run": done,
            "reused": len(rows) - done,
            "counts": counts,
            "manifest": os.path.relpath(Path(manifest).resolve(), out_dir.resolve()) if manifest is not None else None,
            "seconds_by_stage": {k: round(v, 3) for k, v in stage_totals.items()},
            "photos_per_second": round(done / elapsed, 3) if elapsed > 0 and done else None,
            "versions": package_versions(),
        }
        files_mod.write_json(out_dir / "run.json", run)
        return BatchResult(rows=rows, counts=counts, run=run, fused=fused)
