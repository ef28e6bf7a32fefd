"""The arguments several commands share (types that name the bad value, resume, workers and device, model, marks,
verbosity); each command declares its own in its module (``add_arguments``)."""

from __future__ import annotations

import argparse
import math


def finite_float(allow_zero: bool):
    """An argparse type: a finite number > 0 (or >= 0 with ``allow_zero``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            raise argparse.ArgumentTypeError(
                f"must be {'zero or more' if allow_zero else 'a positive number'}, got {text}"
            )
        return value

    return parse


class Extend(argparse.Action):
    """A list option that collects every use (``--ref-col a --ref-col b`` gives ``[a, b]``; the plain argparse
    action keeps only the last); the default is replaced by what is given, not extended."""

    def __call__(self, parser, namespace, values, option_string=None):
        current = getattr(namespace, self.dest, None)
        if current is None or current is self.default:
            current = []
        setattr(namespace, self.dest, [*current, *values])


positive_float = finite_float(allow_zero=False)
non_negative_float = finite_float(allow_zero=True)


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {text}")
    return value


def resume_arguments(group) -> None:
    group.add_argument(
        "--skip-existing",
        action="store_true",
        help="resume: keep finished rows of an earlier run with the same settings in OUT, of photos whose content "
        "has not changed",
    )
    group.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an earlier run in OUT made with other settings or of photos this run leaves out (its files are "
        "removed first; a rerun of the same photos with the same settings always replaces its own files)",
    )


def scale_arguments(group) -> None:
    group.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        metavar="N",
        help="photos worked on at once, each worker a process that loads the model once (default for score: one "
        "per core when the batch would take one worker over about 10 s, else 1, in this process; for segment: "
        "every core); results do not depend on N",
    )
    group.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="cpu",
        help="where the network runs (auto: the GPU when torch sees one); masks agree with the CPU's to within "
        "pixels at the threshold",
    )


def marks_arguments(group) -> None:
    group.add_argument(
        "--marks",
        metavar="CSV",
        help="a rater's marks: columns image_id, x, y, label (1 depigmented, 0 normal skin), optional radius "
        "(pixels of the photo as shown); each marked photo's mask comes from the model adapted to its marks "
        "(mask_source 'marks'), other photos are scored as usual",
    )
    refine_arguments(group)


def refine_arguments(group) -> None:
    from vitiscore.segment.refine import REFINE_SEED, REFINE_STEPS  # here: `vitiscore --help` stays light

    group.add_argument(
        "--refine-steps",
        type=non_negative_int,
        default=REFINE_STEPS,
        metavar="N",
        help="training steps of the model on each marked photo (0: ignore the marks)",
    )
    group.add_argument("--seed", type=int, default=REFINE_SEED, help="random seed of the adaptation to marks")


def inputs_and_out(command) -> None:
    command.add_argument("inputs", nargs="+", metavar="INPUT", help="photo files or folders of photos")
    command.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")


def model_argument(group) -> None:
    from vitiscore.segment.registry import DEFAULT_MODEL

    group.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help="depigmentation model: an id (a shipped model, a model folder found under $VITISCORE_MODELS, or "
        "'classical' for the colour-statistics baseline) or the path of a model folder",
    )


def verbosity(group) -> None:
    verbosity = group.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="log details (debug level)")
    verbosity.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar, summary or warnings; errors only"
    )
