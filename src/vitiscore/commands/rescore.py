"""``vitiscore rescore OUT``: a run's scores recomputed from the raters' reviewed masks
(:func:`vitiscore.batch.rescore.rescore_run`)."""

from __future__ import annotations

import sys

from vitiscore.commands import EXIT_OK
from vitiscore.commands.arguments import verbosity

# The line `vitiscore --help` lists for this command.
HELP = "recompute a run's scores from the raters' reviewed masks (no model, no photos needed)"
DESCRIPTION = (
    "Recompute every score of a scoring run from OUT/reviewed/ where a rater saved a mask, and "
    "from the model's masks elsewhere: flat, surface and clinical F-VASI, cm², fused.csv. Photos a rater "
    "excluded get status excluded with the reason. Rewrites OUT/results.csv (mask_source, reviewed_by, "
    "reviewed_at), keeps the model's rows in OUT/results_model.csv and records the review in OUT/run.json. "
    "Exit code 0: done; 2: usage error."
)


def add_arguments(rescore) -> None:
    rescore.add_argument("out_dir", metavar="OUT", help="output folder of `vitiscore score`")
    verbosity(rescore)


def run(args) -> int:
    """``vitiscore rescore``."""
    from vitiscore.batch.rescore import MODEL_RESULTS, rescore_run
    from vitiscore.report.tables import counts_text

    result = rescore_run(args.out_dir, progress=False if args.quiet else None)
    if not args.quiet:
        review = result.run["review"]
        counts = counts_text(result.counts)
        sys.stdout.write(
            f"{len(result.rows)} photos: {counts}. {review['reviewed']} scored from reviewed masks, "
            f"{review['excluded']} excluded, {len(review['not_applied'])} reviews not applied. "
            f"Results in {args.out_dir}/results.csv (the model's in {MODEL_RESULTS})\n"
        )
        for item in review["not_applied"]:
            sys.stdout.write(f"  not applied: {item['image_id']}: {item['problem']}\n")
    return EXIT_OK
