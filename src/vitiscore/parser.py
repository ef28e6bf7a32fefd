"""Command-line arguments of ``vitiscore``: the top-level parser, one subparser per command made here from its
module's ``HELP`` and ``DESCRIPTION``, with the command's arguments declared by that module in
:mod:`vitiscore.commands` (``add_arguments``); cli.py runs the commands."""

from __future__ import annotations

import argparse
import difflib
import functools
import importlib
from argparse import ArgumentDefaultsHelpFormatter, ArgumentParser
from pathlib import Path

from vitiscore.version import __version__

# Command name -> module in vitiscore.commands, in the order of the help.
COMMANDS = {
    "score": "score",
    "segment": "segment",
    "compare": "compare",
    "validate": "validate",
    "validate-masks": "validate_masks",
    "report": "report",
    "review": "review",
    "rescore": "rescore",
    "finetune": "finetune",
}


def command_module(name: str):
    """The module of command ``name`` (``add_arguments`` and ``run``)."""
    return importlib.import_module(f"vitiscore.commands.{COMMANDS[name]}")


def parse_arguments(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """``parser``'s arguments; an unknown option is a usage error that names the closest option of its command."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[args.command]
        options = [o for action in sub._actions for o in action.option_strings]
        hints = [
            f"{given} (did you mean {close[0]}?)"
            if (close := difflib.get_close_matches(given.split("=")[0], options, 1))
            else given
            for given in unknown
        ]
        sub.error("unrecognized arguments: " + " ".join(hints))
    return args


def chosen_command(argv: list[str] | None) -> str | None:
    """The command named in ``argv`` (the first word that is not an option), or None."""
    import sys

    words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    return words[0] if words and words[0] in COMMANDS else None


def build_parser(declare=tuple(COMMANDS)) -> argparse.ArgumentParser:
    """The parser of ``vitiscore``; the commands in ``declare`` get all their arguments, the others only their line
    in the list of commands, so that ``vitiscore --help`` needs none of the modules the defaults come from."""
    parser = argparse.ArgumentParser(
        prog="vitiscore",
        allow_abbrev=False,
        description="Measure facial vitiligo from clinical photographs: facial area, depigmented skin, "
        "hand units and an approximate F-VASI. Photos never leave this machine.",
    )
    parser.add_argument("--version", action="version", version=f"vitiscore {__version__}")
    # No abbreviations: `--work 1` must not be taken for `--workers 1` (a mistyped flag is an error with a hint).
    commands = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        parser_class=functools.partial(ArgumentParser, allow_abbrev=False),
    )
    for name in COMMANDS:
        module = command_module(name)
        if name in declare:
            sub = commands.add_parser(
                name, help=module.HELP, description=module.DESCRIPTION, formatter_class=ArgumentDefaultsHelpFormatter
            )
            module.add_arguments(sub)
        else:
            commands.add_parser(name, help=module.HELP)
    return parser


CLI_DOC_PATH = Path("docs") / "cli.md"
_DOC_COLUMNS = "100"


def render_markdown() -> str:
    """``docs/cli.md``: the help of ``vitiscore`` and of each command, exactly as ``--help`` prints it (at 100
    columns), so that the reference cannot drift from the parser."""
    import os

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = _DOC_COLUMNS  # argparse wraps help to the terminal's width
    try:
        parser = build_parser()
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        lines = [
            "# Command-line reference",
            "",
            "Generated from each command's `add_arguments` (`src/vitiscore/commands/`) by "
            "`python scripts/make_docs.py`; do not edit by hand.",
            "",
            "```text",
            parser.format_help().rstrip(),
            "```",
            "",
        ]
        for name, sub in commands.choices.items():
            lines += [f"## `vitiscore {name}`", "", "```text", sub.format_help().rstrip(), "```", ""]
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved
    return "\n".join(lines)
