"""``vitiscore review OUT``: serve the review page (:mod:`vitiscore.review.server`) until Ctrl-C."""

from __future__ import annotations

import getpass
import logging
import sys
from pathlib import Path

from vitiscore.commands import EXIT_OK
from vitiscore.commands.arguments import refine_arguments, verbosity

# The line `vitiscore --help` lists for this command.
HELP = "serve a local page where a rater checks and corrects every photo's mask"
DESCRIPTION = (
    "Serve the review page of a scoring run on 127.0.0.1 and print its URL (with a random "
    "token; requests without it are refused). Per photo: the face crop with its mask, a threshold slider, "
    "brush and eraser, undo, accept, exclude with a reason, keyboard shortcuts. Every save writes "
    "OUT/reviewed/<image_id>_depigmented.png and a row of OUT/reviewed/review.csv. Stop with Ctrl-C; run "
    "`vitiscore rescore OUT` to score the reviewed masks."
)


def add_arguments(review) -> None:
    review.add_argument("out_dir", metavar="OUT", help="output folder of `vitiscore score`")
    review.add_argument(
        "--rater", help="the rater's name, recorded with every save (default: the login name of this account)"
    )
    review.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    refine_arguments(review)
    review.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")
    verbosity(review)


log = logging.getLogger(__name__)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "rater"


def run(args) -> int:
    """``vitiscore review``."""
    from vitiscore.batch import lock
    from vitiscore.review.server import make_server
    from vitiscore.segment.refine import RefineSettings

    refinement = RefineSettings(steps=args.refine_steps, seed=args.seed)
    server, url = make_server(args.out_dir, args.rater or _login_name(), args.port, refinement=refinement)
    try:
        # A second review server, or a run, on the same folder would replace masks under this rater.
        with lock.held(Path(args.out_dir), "review"):
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
