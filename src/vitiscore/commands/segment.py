"""``vitiscore segment``: the depigmentation model on whole photos, face or not
(:func:`vitiscore.batch.segment.segment_folder`)."""

from __future__ import annotations

import sys

from vitiscore.commands import EXIT_OK, EXIT_SOME_FAILED
from vitiscore.commands.arguments import (
    inputs_and_out,
    marks_arguments,
    model_argument,
    positive_float,
    resume_arguments,
    scale_arguments,
    verbosity,
)
from vitiscore.errors import UsageError

# The line `vitiscore --help` lists for this command.
HELP = "segment depigmented skin in whole photos (no face needed)"
DESCRIPTION = (
    "Run the depigmentation model on every photo as a whole (close-ups of a cheek or a hand "
    "too; no face is looked for) and write OUT/masks/<image_id>_depigmented.png (1-bit black and white, the "
    "photo's size), OUT/results.csv (depigmented_fraction of the whole photo), OUT/results.jsonl (the journal "
    "that --skip-existing resumes from) and OUT/run.json. "
    "Exit code 0: all photos segmented; 3: some could not be read; 2: usage error."
)


def add_arguments(segment) -> None:
    from vitiscore.files import DEFAULT_MAX_PIXELS  # here: `vitiscore --help` stays light

    inputs_and_out(segment)
    model_argument(segment)
    marks_arguments(segment)
    segment.add_argument("--batch-size", type=int, default=4, help="photos per network batch")
    segment.add_argument(
        "--max-megapixels",
        type=positive_float,
        default=DEFAULT_MAX_PIXELS / 1e6,
        metavar="MP",
        help="refuse photos larger than this before decoding them",
    )
    segment.add_argument("--no-recursive", action="store_true", help="do not search sub-folders of INPUT folders")
    resume_arguments(segment)
    scale_arguments(segment)
    verbosity(segment)


def run(args) -> int:
    """``vitiscore segment``."""
    from vitiscore.batch.segment import segment_folder
    from vitiscore.report.tables import counts_text
    from vitiscore.segment.refine import RefineSettings

    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {args.batch_size}")
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
        workers=args.workers,
        device=args.device,
        skip_existing=args.skip_existing,
        overwrite=args.overwrite,
    )
    if not args.quiet:
        counts = counts_text(result.counts)
        sys.stdout.write(f"{len(result.rows)} photos: {counts}. Results in {args.out}/results.csv\n")
    return EXIT_OK if result.all_ok else EXIT_SOME_FAILED
