"""``vitiscore validate-masks``: agreement of predicted masks with reference masks."""

from __future__ import annotations

import sys

from vitiscore.agreement.masks import SUMMARY_METRICS, folder_agreement, read_groups, write_folder_agreement
from vitiscore.commands import EXIT_OK, EXIT_SOME_FAILED


def run(args) -> int:
    """``vitiscore validate-masks``."""
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
