"""``vitiscore validate-masks``: agreement of predicted masks with reference masks."""

from __future__ import annotations

import sys

from vitiscore.commands import EXIT_OK, EXIT_SOME_FAILED
from vitiscore.commands.arguments import verbosity

# The line `vitiscore --help` lists for this command.
HELP = "agreement of predicted masks with reference masks (Dice, IoU, HD95, ASD)"
DESCRIPTION = (
    "Pair the masks of PRED_DIR and REF_DIR by image id (file name without extension and without "
    "a trailing _depigmented, _mask, _gt, _ref or _label) and write OUT/mask_agreement.csv (per "
    "image), OUT/mask_agreement.json (means with bootstrap 95 % CIs) and OUT/unmatched.csv. "
    "Both empty: Dice 1, distances 0; one empty: Dice 0, distances = image diagonal. "
    "Exit code 0: all pairs compared; 3: some pairs could not be; 2: usage error."
)


def add_arguments(masks) -> None:
    masks.add_argument(
        "pred_dir",
        metavar="PRED_DIR",
        help="folder of predicted masks (PNG, TIFF or BMP; any non-zero pixel is lesion)",
    )
    masks.add_argument("ref_dir", metavar="REF_DIR", help="folder of reference masks")
    masks.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")
    masks.add_argument(
        "--groups",
        metavar="CSV",
        help="CSV with image_id and group (subject or source picture): the CIs resample groups",
    )
    verbosity(masks)


def run(args) -> int:
    """``vitiscore validate-masks``."""
    from vitiscore.agreement.masks import SUMMARY_METRICS, folder_agreement, read_groups, write_folder_agreement

    groups = read_groups(args.groups) if args.groups else None
    rows, summary, unmatched = folder_agreement(args.pred_dir, args.ref_dir, groups)
    write_folder_agreement(args.out, rows, summary, unmatched, prediction=args.pred_dir, reference=args.ref_dir)
    if not args.quiet:
        lines = [
            f"{summary['n_pairs']} mask pairs ({summary['n_both_empty']} both empty, {summary['n_one_empty']} "
            f"one empty); {summary['n_failed']} could not be compared; {summary['n_unmatched']} unmatched"
        ]
        for metric in SUMMARY_METRICS:
            s = summary[metric]
            lines.append(
                f"{metric:<5} mean {s['mean']:.3f} (95 % CI {s['ci_low']:.3f} to {s['ci_high']:.3f}), "
                f"median {s['median']:.3f}"
            )
        sys.stdout.write("\n".join(lines) + f"\nTables in {args.out}/\n")
    return EXIT_OK if summary["n_failed"] == 0 else EXIT_SOME_FAILED
