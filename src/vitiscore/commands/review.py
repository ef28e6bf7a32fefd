"""``vitiscore review OUT``: serve the review page (:mod:`vitiscore.review.server`) until Ctrl-C."""

from __future__ import annotations

import getpass
import logging
import sys

from vitiscore.commands import EXIT_OK
from vitiscore.review.server import make_server
from vitiscore.segment.refine import RefineSettings

log = logging.getLogger(__name__)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "rater"


def run(args) -> int:
    """``vitiscore review``."""
    refinement = RefineSettings(steps=args.refine_steps, seed=args.seed)
    server, url = make_server(args.out_dir, args.rater or _login_name(), args.port, refinement=refinement)
    sys.stdout.write(
        f"Review page of {args.out_dir} for {server.RequestHandlerClass.session.rater}:\n\n    {url}\n\n"
        "Open it in a browser on this machine. Every save is written at once; stop with Ctrl-C, then run "
        f"`vitiscore rescore {args.out_dir}`.\n"
    )
    sys.stdout.flush()
    if not args.no_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("review stopped; every save is on disk")
    finally:
        server.server_close()
    return EXIT_OK
