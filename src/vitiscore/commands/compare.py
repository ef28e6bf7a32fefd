"""``vitiscore compare``: visits into per-subject change and the cohort's F-VASI25/50/75/90 response rates."""

from __future__ import annotations

import sys

from vitiscore.commands import EXIT_OK
from vitiscore.commands.arguments import Extend, non_negative_float, verbosity

# The line `vitiscore --help` lists for this command.
HELP = "turn scores of two or more visits into per-subject change and F-VASI25/50/75/90 response rates"
DESCRIPTION = (
    "Compare each subject's baseline score with one or more follow-up visits and write "
    "OUT/per_subject.csv (change, % change, responder flags, why a subject is not evaluable), "
    "OUT/cohort.csv and OUT/cohort.json (n, responders, rate and 95 % CI per endpoint and "
    "stratum), plots, and repigmentation maps per subject when SCORES is a vitiscore "
    "results.csv. A fused.csv beside results.csv (score --manifest) is used in its place. "
    "Exit code 0: done; 2: usage error."
)


def add_arguments(compare) -> None:
    from vitiscore.visits.responders import CI_METHODS, MISSING_RULES

    compare.add_argument(
        "scores",
        metavar="SCORES",
        help="CSV with subject_id, visit and the score column (results.csv, fused.csv, or clinicians' scores)",
    )
    compare.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")
    compare.add_argument(
        "--baseline", required=True, metavar="VISIT", help="the baseline visit, as in the visit column"
    )
    compare.add_argument(
        "--followup", required=True, nargs="+", action=Extend, metavar="VISIT", help="follow-up visit(s)"
    )
    compare.add_argument("--score-col", default="fvasi", help="score column (F-VASI or any non-negative score)")
    rules = compare.add_argument_group("responder rules")
    rules.add_argument(
        "--min-baseline",
        type=non_negative_float,
        default=0.0,
        help="baselines below this are not evaluable (trials used F-VASI 0.5); a baseline of 0 never is",
    )
    rules.add_argument(
        "--missing",
        choices=MISSING_RULES,
        default="nri",
        help="missing follow-up: nri = non-responder imputation (as trials count it), exclude = left out",
    )
    rules.add_argument("--ci", choices=CI_METHODS, default="clopper-pearson", help="95 %% interval of the rates")
    cohort = compare.add_argument_group("subjects")
    cohort.add_argument(
        "--strata",
        nargs="+",
        action=Extend,
        default=[],
        metavar="COLUMN",
        help="also report the rates per value of these columns (e.g. ita_band, site)",
    )
    cohort.add_argument(
        "--covariates", metavar="CSV", help="per-subject columns (subject_id, site, arm...) to stratify by"
    )
    cohort.add_argument(
        "--id-pattern",
        metavar="REGEX",
        help="read subject and visit from image ids where those columns are empty, e.g. "
        "'(?P<subject_id>.+)_(?P<visit>baseline|week24)'",
    )
    cohort.add_argument("--no-fused", action="store_true", help="use the per-photo rows even if fused.csv exists")
    output = compare.add_argument_group("output")
    output.add_argument("--no-plots", action="store_true", help="do not draw the plots")
    output.add_argument("--no-maps", action="store_true", help="do not draw repigmentation maps")
    verbosity(output)


def run(args) -> int:
    """``vitiscore compare``."""
    from vitiscore.batch.run_record import status_counts
    from vitiscore.report.comparison import write_comparison
    from vitiscore.report.tables import cohort_text, counts_text
    from vitiscore.visits.responders import compare

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
        counts = counts_text(status_counts(comparison.per_subject))
        sys.stdout.write(f"\nsubject rows: {counts}. Tables and plots in {args.out}/\n")
    return EXIT_OK
