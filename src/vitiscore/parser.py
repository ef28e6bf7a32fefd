"""Command-line arguments of ``vitiscore`` (parsing only; cli.py runs the commands)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from vitiscore.face.facial_area import DEFAULT_HAIRLINE_MAX, EYELID_CHOICES
from vitiscore.io import DEFAULT_MAX_PIXELS
from vitiscore.measure.area import DEFAULT_FACE_HAND_UNITS
from vitiscore.segment import finetuning
from vitiscore.segment.refine import REFINE_SEED, REFINE_STEPS
from vitiscore.segment.registry import DEFAULT_MODEL
from vitiscore.version import __version__


def _finite_float(allow_zero: bool):
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


class _Extend(argparse.Action):
    """A list option that collects every use (``--ref-col a --ref-col b`` gives ``[a, b]``; the plain argparse
    action keeps only the last); the default is replaced by what is given, not extended."""

    def __call__(self, parser, namespace, values, option_string=None):
        current = getattr(namespace, self.dest, None)
        if current is None or current is self.default:
            current = []
        setattr(namespace, self.dest, [*current, *values])


_positive_float = _finite_float(allow_zero=False)
_non_negative_float = _finite_float(allow_zero=True)


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vitiscore",
        description="Measure facial vitiligo from clinical photographs: facial area, depigmented skin, "
        "hand units and an approximate F-VASI. Photos never leave this machine.",
    )
    parser.add_argument("--version", action="version", version=f"vitiscore {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    score = commands.add_parser(
        "score",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="score photos into an output folder",
        description="Score every photo (files, or folders searched recursively) and write OUT/results.csv "
        "(one row per photo, failures included), OUT/run.json, lossless masks and overlays. "
        "Exit code 0: all photos scored; 3: some could not be scored (their rows say why); "
        "2: usage error.",
    )
    score.add_argument("inputs", nargs="*", metavar="INPUT", help="photo files or folders of photos")
    score.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")
    score.add_argument(
        "--manifest",
        metavar="CSV",
        help="photos listed with path, subject_id, visit, view (optional hand_area_cm2, height_cm, "
        "weight_kg) instead of INPUT; also writes OUT/fused.csv, one row per subject and visit "
        "with the views fused",
    )

    area = score.add_argument_group("facial area")
    area.add_argument(
        "--eyelids",
        choices=EYELID_CHOICES,
        default="exclude",
        help="score the eyelid skin or leave it out (recorded in every output row)",
    )
    area.add_argument(
        "--hairline-max",
        type=_positive_float,
        default=DEFAULT_HAIRLINE_MAX,
        help="highest plausible hairline, as a multiple of the nasion-chin distance above the nasion (0.3-1.5)",
    )
    area.add_argument(
        "--face-hand-units",
        type=_positive_float,
        default=DEFAULT_FACE_HAND_UNITS,
        help="size of the whole face in hand units (HU) when the patient's hand size is not known "
        "(manifest hand_area_cm2 or height/weight); 3.0 puts F-VASI on the trials' 0-3 scale",
    )

    model = score.add_argument_group("model")
    _model_argument(model)
    model.add_argument(
        "--masks",
        metavar="MASK_DIR",
        help="score masks drawn elsewhere instead of running the model: MASK_DIR/<image_id>.png or "
        "<image_id>_depigmented.png (also .tif/.bmp), any non-zero pixel is lesion, the photo's size after its "
        "EXIF orientation; photos without a mask get status no_mask (model_id is 'external')",
    )
    _marks_arguments(model)

    quality = score.add_argument_group("quality checks")
    quality.add_argument(
        "--min-eye-distance",
        type=_non_negative_float,
        default=80.0,
        metavar="PX",
        help="flag low_resolution when the iris centres are closer than this (photo pixels)",
    )
    quality.add_argument(
        "--no-turn-upright",
        action="store_true",
        help="score a photo whose face is sideways or upside down as it is, instead of turning it upright first",
    )
    quality.add_argument(
        "--min-face-eye-distance",
        type=_non_negative_float,
        default=40.0,
        metavar="PX",
        help="do not score a face whose iris centres are closer than this (status face_too_small; photo pixels)",
    )
    quality.add_argument(
        "--max-pose",
        type=_positive_float,
        default=25.0,
        metavar="DEG",
        help="flag pose when head turn, tilt or in-plane rotation exceeds this (degrees)",
    )
    quality.add_argument(
        "--max-megapixels",
        type=_positive_float,
        default=DEFAULT_MAX_PIXELS / 1e6,
        metavar="MP",
        help="refuse photos larger than this before decoding them",
    )

    run = score.add_argument_group("run")
    _resume_arguments(run)
    run.add_argument("--no-overlays", action="store_true", help="do not write overlay pictures")
    run.add_argument("--no-recursive", action="store_true", help="do not search sub-folders of INPUT folders")
    _scale_arguments(run)
    run.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local: worker processes on this machine; ray: actors of a Ray cluster (extra vitiscore[ray]), "
        "--workers of them",
    )
    run.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="the Ray cluster to join (e.g. ray://head:10001 or auto; default $RAY_ADDRESS, else a local Ray on "
        "this machine); photos, model and OUT must be on storage every node sees at the same paths",
    )
    _verbosity(run)

    segment = commands.add_parser(
        "segment",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="segment depigmented skin in whole photos (no face needed)",
        description="Run the depigmentation model on every photo as a whole (close-ups of a cheek or a hand "
        "too; no face is looked for) and write OUT/masks/<image_id>_depigmented.png (1-bit black and white, the "
        "photo's size), OUT/results.csv (depigmented_fraction of the whole photo), OUT/results.jsonl (the journal "
        "that --skip-existing resumes from) and OUT/run.json. "
        "Exit code 0: all photos segmented; 3: some could not be read; 2: usage error.",
    )
    _inputs_and_out(segment)
    _model_argument(segment)
    _marks_arguments(segment)
    segment.add_argument("--batch-size", type=int, default=4, help="photos per network batch")
    segment.add_argument(
        "--max-megapixels",
        type=_positive_float,
        default=DEFAULT_MAX_PIXELS / 1e6,
        metavar="MP",
        help="refuse photos larger than this before decoding them",
    )
    segment.add_argument("--no-recursive", action="store_true", help="do not search sub-folders of INPUT folders")
    _resume_arguments(segment)
    _scale_arguments(segment)
    _verbosity(segment)
    _compare_parser(commands)
    _validate_parsers(commands)
    _review_parsers(commands)
    _finetune_parser(commands)
    return parser


def _finetune_parser(commands) -> None:
    finetune = commands.add_parser(
        "finetune",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="fine-tune the model on a study's reviewed or given masks, checked by group cross-validation",
        description="Fine-tune a model on one study's photos and masks: PHOTOS with --masks MASK_DIR, or the raters' "
        "reviewed masks of review runs (--reviewed OUT...; excluded and unreviewed photos are left out). Face "
        "photos train on the face crop the scorer uses, others on the whole photo; a share of every batch is the "
        "project's synthetic pairs, so that clear skin stays clear. Group cross-validation first reports the Dice "
        "of the base model and of the fine-tuned one on held-out photos; a model worse than its base is not "
        "written unless --force. MODEL_DIR then holds a complete model folder (config, SHA-256-checked weights, "
        "threshold, a generated model card) for --model MODEL_DIR in every command. Exit code 0: written; "
        "3: refused (worse than its base); 2: usage error.",
    )
    finetune.add_argument("inputs", nargs="*", metavar="PHOTOS", help="photo files or folders (with --masks)")
    finetune.add_argument("--masks", metavar="MASK_DIR", help="their masks, as for `vitiscore score --masks`")
    finetune.add_argument("--reviewed", nargs="+", metavar="OUT", help="output folders of reviewed score runs")
    finetune.add_argument("-o", "--out", required=True, metavar="MODEL_DIR", help="folder for the new model")
    finetune.add_argument("--base", default=DEFAULT_MODEL, help="the model to start from: an id or a model folder")
    finetune.add_argument(
        "--groups", metavar="CSV", help="image_id, group: the subject of each photo, kept on one side of every split"
    )
    finetune.add_argument(
        "--steps", type=_positive_int, default=finetuning.DEFAULT_STEPS, help="training steps per model"
    )
    finetune.add_argument(
        "--folds", type=_positive_int, default=finetuning.DEFAULT_FOLDS, help="cross-validation folds (>= 2)"
    )
    finetune.add_argument(
        "--learning-rate",
        type=_positive_float,
        default=finetuning.DEFAULT_LEARNING_RATE,
        help="peak learning rate (one-cycle)",
    )
    finetune.add_argument(
        "--synthetic-share",
        type=_non_negative_float,
        default=finetuning.DEFAULT_SYNTHETIC_SHARE,
        help="share (0-1) of every batch that is the project's synthetic pairs",
    )
    finetune.add_argument(
        "--train-encoder",
        action=argparse.BooleanOptionalAction,
        default=finetuning.DEFAULT_TRAIN_ENCODER,
        help="train the encoder too; --no-train-encoder keeps it as in the base model and trains the decoder only",
    )
    finetune.add_argument(
        "--threshold-rule",
        choices=finetuning.THRESHOLD_RULES,
        default=finetuning.DEFAULT_THRESHOLD_RULE,
        help="how the new model's threshold is chosen: best (highest out-of-fold Dice), one-se (the highest cut "
        "within one standard error of it) or clear-faces (the highest Dice among cuts that mark at most 3 %% of "
        "the skin of the project's clear synthetic faces)",
    )
    finetune.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="where to train")
    finetune.add_argument("--seed", type=int, default=0, help="random seed (splits, batches)")
    finetune.add_argument("--force", action="store_true", help="write the model even if it is worse than its base")
    _verbosity(finetune)


def _resume_arguments(group) -> None:
    group.add_argument(
        "--skip-existing",
        action="store_true",
        help="resume: keep finished rows of an earlier run with the same settings in OUT, of photos whose content "
        "has not changed",
    )
    group.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an earlier run in OUT made with other settings (its files are removed first; a rerun with the "
        "same settings always replaces its own files)",
    )


def _scale_arguments(group) -> None:
    group.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        metavar="N",
        help="photos worked on at once, each worker a process that loads the model once (default: every core; "
        "1: in this process); results do not depend on N",
    )
    group.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="cpu",
        help="where the network runs (auto: the GPU when torch sees one); masks agree with the CPU's to within "
        "pixels at the threshold",
    )


def _marks_arguments(group) -> None:
    group.add_argument(
        "--marks",
        metavar="CSV",
        help="a rater's marks: columns image_id, x, y, label (1 depigmented, 0 normal skin), optional radius "
        "(pixels of the photo as shown); each marked photo's mask comes from the model adapted to its marks "
        "(mask_source 'marks'), other photos are scored as usual",
    )
    _refine_arguments(group)


def _refine_arguments(group) -> None:
    group.add_argument(
        "--refine-steps",
        type=_non_negative_int,
        default=REFINE_STEPS,
        metavar="N",
        help="training steps of the model on each marked photo (0: ignore the marks)",
    )
    group.add_argument("--seed", type=int, default=REFINE_SEED, help="random seed of the adaptation to marks")


def _review_parsers(commands) -> None:
    report = commands.add_parser(
        "report",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="write OUT/report.html: the run, every photo's overlay, failures, and the visits compared",
        description="Write one self-contained page, OUT/report.html, that opens from disk with no network: the "
        "run (model, settings, counts by status and flag), a sortable, filterable table of every photo, each "
        "photo's face-cropped overlay beside the plain crop, failures with their reasons and, when OUT/compare "
        "exists (or --compare), each subject's visits side by side with the repigmentation map and the cohort "
        "table and plots. Thumbnails go to OUT/report_files/. Exit code 0: written; 2: usage error.",
    )
    report.add_argument("out_dir", metavar="OUT", help="output folder of `vitiscore score`")
    report.add_argument("--compare", metavar="DIR", help="output folder of `vitiscore compare` (default: OUT/compare)")
    _verbosity(report)

    review = commands.add_parser(
        "review",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="serve a local page where a rater checks and corrects every photo's mask",
        description="Serve the review page of a scoring run on 127.0.0.1 and print its URL (with a random "
        "token; requests without it are refused). Per photo: the face crop with its mask, a threshold slider, "
        "brush and eraser, undo, accept, exclude with a reason, keyboard shortcuts. Every save writes "
        "OUT/reviewed/<image_id>_depigmented.png and a row of OUT/reviewed/review.csv. Stop with Ctrl-C; run "
        "`vitiscore rescore OUT` to score the reviewed masks.",
    )
    review.add_argument("out_dir", metavar="OUT", help="output folder of `vitiscore score`")
    review.add_argument(
        "--rater", help="the rater's name, recorded with every save (default: the login name of this account)"
    )
    review.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    _refine_arguments(review)
    review.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")
    _verbosity(review)

    rescore = commands.add_parser(
        "rescore",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="recompute a run's scores from the raters' reviewed masks (no model, no photos needed)",
        description="Recompute every score of a scoring run from OUT/reviewed/ where a rater saved a mask, and "
        "from the model's masks elsewhere: flat, surface and clinical F-VASI, cm², fused.csv. Photos a rater "
        "excluded get status excluded with the reason. Rewrites OUT/results.csv (mask_source, reviewed_by, "
        "reviewed_at), keeps the model's rows in OUT/results_model.csv and records the review in OUT/run.json. "
        "Exit code 0: done; 2: usage error.",
    )
    rescore.add_argument("out_dir", metavar="OUT", help="output folder of `vitiscore score`")
    _verbosity(rescore)


def _validate_parsers(commands) -> None:
    validate = commands.add_parser(
        "validate",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="agreement of the tool's scores with clinicians' scores (ICC, CCC, Bland-Altman, kappa...)",
        description="Join PRED and REF on the key column(s), report unmatched rows, and write OUT/agreement.json, "
        "OUT/agreement.csv, OUT/pairs.csv, OUT/unmatched.csv, a Bland-Altman plot and a scatter plot. "
        "Differences are PRED minus REF. Exit code 0: done; 2: usage error (bad columns, fewer than 3 "
        "matched pairs).",
    )
    validate.add_argument("pred", metavar="PRED", help="CSV of the tool's scores (e.g. results.csv)")
    validate.add_argument("ref", metavar="REF", help="CSV of the reference (clinicians') scores")
    validate.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")
    validate.add_argument(
        "--on",
        nargs="+",
        action=_Extend,
        default=["image_id"],
        metavar="COLUMN",
        help="key column(s) present in both tables, e.g. subject_id visit",
    )
    validate.add_argument("--pred-col", default="fvasi", help="score column of PRED")
    validate.add_argument(
        "--ref-col",
        nargs="+",
        action=_Extend,
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
        action=_Extend,
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
        "--loa-sd", type=_positive_float, default=1.96, help="limits of agreement at bias -/+ this many SD"
    )
    validate.add_argument("--no-plots", action="store_true", help="do not draw the plots")
    _verbosity(validate)

    masks = commands.add_parser(
        "validate-masks",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="agreement of predicted masks with reference masks (Dice, IoU, HD95, ASD)",
        description="Pair the masks of PRED_DIR and REF_DIR by image id (file name without extension and without "
        "a trailing _depigmented, _mask, _gt, _ref or _label) and write OUT/mask_agreement.csv (per "
        "image), OUT/mask_agreement.json (means with bootstrap 95 % CIs) and OUT/unmatched.csv. "
        "Both empty: Dice 1, distances 0; one empty: Dice 0, distances = image diagonal. "
        "Exit code 0: all pairs compared; 3: some pairs could not be; 2: usage error.",
    )
    masks.add_argument(
        "pred_dir",
        metavar="PRED_DIR",
        help="folder of predicted masks (PNG, TIFF or BMP; any non-zero pixel is lesion)",
    )
    masks.add_argument("ref_dir", metavar="REF_DIR", help="folder of reference masks")
    masks.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")
    masks.add_argument(
        "--groups",
        metavar="CSV",
        help="CSV with image_id and group (subject or source picture): the CIs resample groups",
    )
    _verbosity(masks)


def _compare_parser(commands) -> None:
    from vitiscore.visits.responders import CI_METHODS, MISSING_RULES

    compare = commands.add_parser(
        "compare",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="turn scores of two or more visits into per-subject change and F-VASI25/50/75/90 response rates",
        description="Compare each subject's baseline score with one or more follow-up visits and write "
        "OUT/per_subject.csv (change, % change, responder flags, why a subject is not evaluable), "
        "OUT/cohort.csv and OUT/cohort.json (n, responders, rate and 95 % CI per endpoint and "
        "stratum), plots, and repigmentation maps per subject when SCORES is a vitiscore "
        "results.csv. A fused.csv beside results.csv (score --manifest) is used in its place. "
        "Exit code 0: done; 2: usage error.",
    )
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
        "--followup", required=True, nargs="+", action=_Extend, metavar="VISIT", help="follow-up visit(s)"
    )
    compare.add_argument("--score-col", default="fvasi", help="score column (F-VASI or any non-negative score)")
    rules = compare.add_argument_group("responder rules")
    rules.add_argument(
        "--min-baseline",
        type=_non_negative_float,
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
        action=_Extend,
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
    _verbosity(output)


def _inputs_and_out(command) -> None:
    command.add_argument("inputs", nargs="+", metavar="INPUT", help="photo files or folders of photos")
    command.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")


def _model_argument(group) -> None:
    group.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help="depigmentation model: an id (a shipped model, a model folder found under $VITISCORE_MODELS, or "
        "'classical' for the colour-statistics baseline) or the path of a model folder",
    )


def _verbosity(group) -> None:
    verbosity = group.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="log details (debug level)")
    verbosity.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar, summary or warnings; errors only"
    )


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
            "Generated from `src/vitiscore/parser.py` by `python scripts/make_docs.py`; do not edit by hand.",
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
