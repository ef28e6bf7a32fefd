"""``vitiscore validate``: agreement of the tool's scores with clinicians' scores."""

from __future__ import annotations

import sys

from vitiscore.commands import EXIT_OK
from vitiscore.commands.arguments import Extend, positive_float, verbosity
from vitiscore.errors import UsageError

# The line `vitiscore --help` lists for this command.
HELP = "agreement of the tool's scores with clinicians' scores (ICC, CCC, Bland-Altman, kappa...)"
DESCRIPTION = (
    "Join PRED and REF on the key column(s), report unmatched rows, and write OUT/agreement.json, "
    "OUT/agreement.csv, OUT/pairs.csv, OUT/unmatched.csv, a Bland-Altman plot and a scatter plot. "
    "Differences are PRED minus REF. Exit code 0: done; 2: usage error (bad columns, fewer than 3 "
    "matched pairs)."
)


def add_arguments(validate) -> None:
    validate.add_argument("pred", metavar="PRED", help="CSV of the tool's scores (e.g. results.csv)")
    validate.add_argument("ref", metavar="REF", help="CSV of the reference (clinicians') scores")
    validate.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")
    validate.add_argument(
        "--on",
        nargs="+",
        action=Extend,
        default=["image_id"],
        metavar="COLUMN",
        help="key column(s) present in both tables, e.g. subject_id visit",
    )
    validate.add_argument("--pred-col", default="fvasi", help="score column of PRED")
    validate.add_argument(
        "--ref-col",
        nargs="+",
        action=Extend,
        metavar="COLUMN",
        help="score column(s) of REF, one per rater (default: the same name as --pred-col)",
    )
    validate.add_argument(
        "--subject-col",
        metavar="COLUMN",
        help="subject column: with several rows per subject the CIs resample subjects",
    )
    validate.add_argument(
        "--strata",
        nargs="+",
        action=Extend,
        default=[],
        metavar="COLUMN",
        help="also report per value of these columns (e.g. ita_band, site)",
    )
    validate.add_argument(
        "--categorical",
        action="store_true",
        help="the scores are categories (seven-degree scores, 0/1 responder calls): add Cohen's "
        "kappa (unweighted, linear, quadratic), and sensitivity/specificity for 0/1 calls",
    )
    validate.add_argument(
        "--loa-sd", type=positive_float, default=1.96, help="limits of agreement at bias -/+ this many SD"
    )
    validate.add_argument(
        "--no-fused",
        action="store_true",
        help="joined on subject and visit, compare PRED's per-photo column even where its run wrote a fused.csv "
        "(by default the fused score is the endpoint, as in compare)",
    )
    validate.add_argument("--no-plots", action="store_true", help="do not draw the plots")
    verbosity(validate)


def run(args) -> int:
    """``vitiscore validate``."""
    from vitiscore.agreement.scores import TooFewPairs, validate
    from vitiscore.report.tables import report_text
    from vitiscore.report.validation import write_unmatched, write_validation

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
            use_fused=not args.no_fused,
        )
    except TooFewPairs as exc:
        write_unmatched(exc.pairs, args.out)  # what did not match is what the user must look at
        raise UsageError(f"{exc}; see {args.out}/unmatched.csv") from None
    write_validation(report, pairs, args.out, plots=not args.no_plots)
    if not args.quiet:
        sys.stdout.write(report_text(report) + f"\n\nTables and plots in {args.out}/\n")
    return EXIT_OK
