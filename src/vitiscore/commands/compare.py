"""``vitiscore compare``: visits into per-subject change and the cohort's F-VASI25/50/75/90 response rates."""

from __future__ import annotations

import sys

from vitiscore.commands import EXIT_OK
from vitiscore.commands.run_record import status_counts
from vitiscore.report.tables import cohort_text
from vitiscore.visits.responders import compare, write_comparison


def run(args) -> int:
    """``vitiscore compare``."""
    comparison = compare(
        args.scores,
        args.baseline,
        args.followup,
        score_col=args.score_col,
        min_baseline=args.min_baseline,
        missing=args.missing,
        ci_method=args.ci,
        strata=args.strata,
        covariates=args.covariates,
        id_pattern=args.id_pattern,
        use_fused=not args.no_fused,
    )
    write_comparison(
        comparison, args.out, plots=not args.no_plots, maps=not args.no_maps, progress=False if args.quiet else None
    )
    if not args.quiet:
        sys.stdout.write(f"scores: {comparison.table.source} ({comparison.table.score_col})\n")
        sys.stdout.write(cohort_text(comparison) + "\n")
        counts = ", ".join(f"{n} {status}" for status, n in sorted(status_counts(comparison.per_subject).items()))
        sys.stdout.write(f"\nsubject rows: {counts}. Tables and plots in {args.out}/\n")
    return EXIT_OK
