"""The ``vitiscore`` command: parse (:mod:`vitiscore.parser`), configure logging, run one command module."""

from __future__ import annotations

import logging
import sys

from vitiscore.commands import EXIT_USAGE
from vitiscore.errors import MissingDependencyError, UsageError
from vitiscore.parser import build_parser, chosen_command, command_module, parse_arguments

log = logging.getLogger("vitiscore")


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("vitiscore: %(levelname)s: %(message)s"))
    root = logging.getLogger("vitiscore")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def main(argv: list[str] | None = None) -> int:
    chosen = chosen_command(argv)
    parser = build_parser(declare=() if chosen is None else (chosen,))
    args = parse_arguments(parser, argv)
    _configure_logging(args.verbose, args.quiet)
    command = command_module(args.command)
    try:
        return command.run(args)
    except (UsageError, MissingDependencyError) as exc:
        # Bad arguments found after parsing (unknown model, missing input, empty folder) or a package missing
        # from the installation, told in one message; any other exception is a bug and shows its traceback.
        parser.exit(EXIT_USAGE, f"vitiscore: error: {exc}\n")
    except KeyboardInterrupt:
        log.error("interrupted; finished photos are kept (resume with --skip-existing)")
        return 130
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
