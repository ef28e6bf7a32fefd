"""``vitiscore report OUT``: the run's self-contained HTML report (:mod:`vitiscore.report.html`)."""

from __future__ import annotations

import sys

from vitiscore.commands import EXIT_OK
from vitiscore.report.html import write_report


def run(args) -> int:
    """``vitiscore report``."""
    path = write_report(args.out_dir, args.compare)
    if not args.quiet:
        size = path.stat().st_size + sum(p.stat().st_size for p in (path.parent / "report_files").glob("*"))
        sys.stdout.write(f"wrote {path} ({size / 1e6:.2f} MB with its thumbnails); open it in a browser\n")
    return EXIT_OK
