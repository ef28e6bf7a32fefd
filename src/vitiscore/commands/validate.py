"""``vitiscore validate``: agreement of the tool's scores with clinicians' scores."""

from __future__ import annotations

import sys

from vitiscore.agreement.scores import TooFewPairs, validate, write_unmatched, write_validation
from vitiscore.commands import EXIT_OK
from vitiscore.errors import UsageError
from vitiscore.report.tables import report_text


def run(args) -> int:
    """``vitiscore validate``."""
    try:
        report, pairs = validate(
            args.pred,
            args.ref,
            args.on,
            pred_col=args.pred_col,
            ref_cols=args.ref_col or [args.pred_col],
            subject_col=args.subject_col,
            strata=args.strata,
            categorical=args.categorical,
            loa_sd=args.loa_sd,
        )
    except TooFewPairs as exc:
        write_unmatched(exc.pairs, args.out)  # what did not match is what the user must look at
        raise UsageError(f"{exc}; see {args.out}/unmatched.csv") from None
    write_validation(report, pairs, args.out, plots=not args.no_plots)
    if not args.quiet:
        sys.stdout.write(report_text(report) + f"\n\nTables and plots in {args.out}/\n")
    return EXIT_OK
