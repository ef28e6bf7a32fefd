"""``vitiscore score``: photos into an output folder of masks, overlays and ``results.csv``
(:func:`vitiscore.batch.score.score_folder`)."""

from __future__ import annotations

import sys

from vitiscore.commands import EXIT_OK, EXIT_SOME_FAILED
from vitiscore.commands.arguments import (
    marks_arguments,
    model_argument,
    non_negative_float,
    positive_float,
    resume_arguments,
    scale_arguments,
    verbosity,
)
from vitiscore.errors import UsageError

# The line `vitiscore --help` lists for this command.
HELP = "score photos into an output folder"
DESCRIPTION = (
    "Score every photo (files, or folders searched recursively) and write OUT/results.csv "
    "(one row per photo, failures included), OUT/run.json, lossless masks and overlays. "
    "Exit code 0: all photos scored; 3: some could not be scored (their rows say why); "
    "2: usage error."
)


def add_arguments(score) -> None:
    # Imported here, not above: `vitiscore --help` imports every command module and should not load OpenCV.
    from vitiscore.face.facial_area import DEFAULT_HAIRLINE_MAX, EYELID_CHOICES
    from vitiscore.files import DEFAULT_MAX_PIXELS
    from vitiscore.measure.area import DEFAULT_FACE_HAND_UNITS

    score.add_argument("inputs", nargs="*", metavar="INPUT", help="photo files or folders of photos")
    score.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")
    score.add_argument(
        "--manifest",
        metavar="CSV",
        help="photos listed with path, subject_id, visit, view (optional hand_area_cm2, height_cm, "
        "weight_kg) instead of INPUT; also writes OUT/fused.csv, one row per subject and visit "
        "with the views fused",
    )

    area = score.add_argument_group("facial area")
    area.add_argument(
        "--eyelids",
        choices=EYELID_CHOICES,
        default="exclude",
        help="score the eyelid skin or leave it out (recorded in every output row)",
    )
    area.add_argument(
        "--hairline-max",
        type=positive_float,
        default=DEFAULT_HAIRLINE_MAX,
        help="highest plausible hairline, as a multiple of the nasion-chin distance above the nasion (0.3-1.5)",
    )
    area.add_argument(
        "--face-hand-units",
        type=positive_float,
        default=DEFAULT_FACE_HAND_UNITS,
        help="size of the whole face in hand units (HU) when the patient's hand size is not known "
        "(manifest hand_area_cm2 or height/weight); 3.0 puts F-VASI on the trials' 0-3 scale",
    )

    model = score.add_argument_group("model")
    model_argument(model)
    model.add_argument(
        "--uncertainty",
        action="store_true",
        help="give every score a 90 %% interval (results.csv *_low/*_high; compare then gives each subject the "
        "probability of each response and flags the calls that could go either way): the model also segments the "
        "face mirrored, darker and brighter, and the face is found again on the photo reframed",
    )
    model.add_argument(
        "--masks",
        metavar="MASK_DIR",
        help="score masks drawn elsewhere instead of running the model: MASK_DIR/<image_id>.png or "
        "<image_id>_depigmented.png (also .tif/.bmp), any non-zero pixel is lesion, the photo's size after its "
        "EXIF orientation; photos without a mask get status no_mask (model_id is 'external')",
    )
    marks_arguments(model)

    quality = score.add_argument_group("quality checks")
    quality.add_argument(
        "--min-eye-distance",
        type=non_negative_float,
        default=80.0,
        metavar="PX",
        help="flag low_resolution when the iris centres are closer than this (photo pixels)",
    )
    quality.add_argument(
        "--no-turn-upright",
        action="store_true",
        help="score a photo whose face is sideways or upside down as it is, instead of turning it upright first",
    )
    quality.add_argument(
        "--min-face-eye-distance",
        type=non_negative_float,
        default=40.0,
        metavar="PX",
        help="do not score a face whose iris centres are closer than this (status face_too_small; photo pixels)",
    )
    quality.add_argument(
        "--max-pose",
        type=positive_float,
        default=25.0,
        metavar="DEG",
        help="flag pose when head turn, tilt or in-plane rotation exceeds this (degrees)",
    )
    quality.add_argument(
        "--max-megapixels",
        type=positive_float,
        default=DEFAULT_MAX_PIXELS / 1e6,
        metavar="MP",
        help="refuse photos larger than this before decoding them",
    )

    run = score.add_argument_group("run")
    resume_arguments(run)
    run.add_argument("--no-overlays", action="store_true", help="do not write overlay pictures")
    run.add_argument("--no-recursive", action="store_true", help="do not search sub-folders of INPUT folders")
    scale_arguments(run)
    run.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local: worker processes on this machine; ray: actors of a Ray cluster (extra vitiscore[ray]), "
        "--workers of them",
    )
    run.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="the Ray cluster to join (e.g. ray://head:10001 or auto; default $RAY_ADDRESS, else a local Ray on "
        "this machine); photos, model and OUT must be on storage every node sees at the same paths",
    )
    verbosity(run)


def run(args) -> int:
    """``vitiscore score``."""
    from vitiscore.batch.score import score_folder
    from vitiscore.pipeline import ScoreOptions
    from vitiscore.report.tables import counts_text, summary_table
    from vitiscore.segment.refine import RefineSettings

    options = ScoreOptions(
        model=args.model,
        eyelids=args.eyelids,
        face_hand_units=args.face_hand_units,
        max_pixels=int(args.max_megapixels * 1e6),
        min_eye_distance_px=args.min_eye_distance,
        min_face_eye_distance_px=args.min_face_eye_distance,
        turn_upright=not args.no_turn_upright,
        max_pose_deg=args.max_pose,
        hairline_max=args.hairline_max,
        uncertainty=args.uncertainty,
    )
    if not args.inputs and not args.manifest:
        raise UsageError("give photos to score: INPUT paths or --manifest CSV")
    arguments = {k: v for k, v in vars(args).items() if k != "func"}
    result = score_folder(
        args.inputs,
        args.out,
        options,
        skip_existing=args.skip_existing,
        overwrite=args.overwrite,
        overlays=not args.no_overlays,
        recursive=not args.no_recursive,
        progress=False if args.quiet else None,
        arguments=arguments,
        manifest=args.manifest,
        masks=args.masks,
        marks=args.marks,
        refinement=RefineSettings(steps=args.refine_steps, seed=args.seed),
        workers=args.workers,
        engine=args.engine,
        ray_address=args.ray_address,
        device=args.device,
    )
    if not args.quiet:
        sys.stdout.write(summary_table(result.rows) + "\n")
        counts = counts_text(result.counts)
        sys.stdout.write(f"\n{len(result.rows)} photos: {counts}. Results in {args.out}/results.csv\n")
        if result.fused is not None:
            sys.stdout.write(f"{len(result.fused)} subject-visits fused into {args.out}/fused.csv\n")
        endpoint = "fvasi_fused in fused.csv" if result.fused is not None else "fvasi_surface in results.csv"
        sys.stdout.write(f"The F-VASI to report: {endpoint} (the report says why)\n")
    return EXIT_OK if result.all_ok else EXIT_SOME_FAILED
