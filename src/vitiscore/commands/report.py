"""``vitiscore report OUT``: the run's self-contained HTML report (:mod:`vitiscore.report.html`)."""

from __future__ import annotations

import sys

from vitiscore.commands import EXIT_OK
from vitiscore.commands.arguments import verbosity

# The line `vitiscore --help` lists for this command.
HELP = "write OUT/report.html: the run, every photo's overlay, failures, and the visits compared"
DESCRIPTION = (
    "Write one self-contained page, OUT/report.html, that opens from disk with no network: the "
    "run (model, settings, counts by status and flag), a sortable, filterable table of every photo, each "
    "photo's face-cropped overlay beside the plain crop, failures with their reasons and, when OUT/compare "
    "exists (or --compare), each subject's visits side by side with the repigmentation map and the cohort "
    "table and plots. Thumbnails go to OUT/report_files/. Exit code 0: written; 2: usage error."
)


def add_arguments(report) -> None:
    report.add_argument("out_dir", metavar="OUT", help="output folder of `vitiscore score`")
    report.add_argument("--compare", metavar="DIR", help="output folder of `vitiscore compare` (default: OUT/compare)")
    verbosity(report)


def run(args) -> int:
    """``vitiscore report``."""
    from vitiscore.report.html import write_report

    path = write_report(args.out_dir, args.compare)
    if not args.quiet:
        size = path.stat().st_size + sum(p.stat().st_size for p in (path.parent / "report_files").glob("*"))
        sys.stdout.write(f"wrote {path} ({size / 1e6:.2f} MB with its thumbnails); open it in a browser\n")
    return EXIT_OK
