"""The ``vitiscore`` command: a thin layer over the Python API."""

from __future__ import annotations

import logging
import math
import sys

from vitiscore.parser import build_parser

EXIT_OK, EXIT_USAGE, EXIT_SOME_FAILED = 0, 2, 3
log = logging.getLogger("vitiscore")


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("vitiscore: %(levelname)s: %(message)s"))
    root = logging.getLogger("vitiscore")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _fmt(value, spec):
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def summary_table(rows: list[dict], limit: int = 40) -> str:
    """A plain-text table of the rows (the first ``limit``) for the terminal."""
    header = (f"{'image_id':<28} {'status':<10} {'depig %':>8} {'F-VASI':>7} {'surface':>7} {'clinical':>8} "
              f"{'ITA band':<13} flags")
    lines = [header, "-" * len(header)]
    for row in rows[:limit]:
        fraction = row.get("depigmented_fraction")
        lines.append(
            f"{str(row['image_id'])[:28]:<28} {row['status']:<10} "
            f"{_fmt(None if fraction is None else 100 * fraction, '8.1f'):>8} {_fmt(row.get('fvasi'), '7.2f'):>7} "
            f"{_fmt(row.get('fvasi_surface'), '7.2f'):>7} {_fmt(row.get('fvasi_clinical'), '8.2f'):>8} "
            f"{row.get('ita_band') or '':<13} {row.get('flags') or row.get('error') or ''}"
        )
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more rows in results.csv")
    return "\n".join(lines)


def _score(args) -> int:
    from vitiscore.batch import score_folder
    from vitiscore.pipeline import ScoreOptions

    options = ScoreOptions(
        model=args.model, eyelids=args.eyelids, face_hand_units=args.face_hand_units,
        max_pixels=int(args.max_megapixels * 1e6), min_eye_distance_px=args.min_eye_distance,
        max_pose_deg=args.max_pose, hairline_max=args.hairline_max,
    )
    if not args.inputs and not args.manifest:
        raise ValueError("give photos to score: INPUT paths or --manifest CSV")
    arguments = {k: v for k, v in vars(args).items() if k != "func"}
    result = score_folder(args.inputs, args.out, options, skip_existing=args.skip_existing,
                          overlays=not args.no_overlays, recursive=not args.no_recursive,
                          progress=False if args.quiet else None, arguments=arguments, manifest=args.manifest)
    if not args.quiet:
        sys.stdout.write(summary_table(result.rows) + "\n")
        counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts.items()))
        sys.stdout.write(f"\n{len(result.rows)} photos: {counts}. Results in {args.out}/results.csv\n")
        if result.fused is not None:
            sys.stdout.write(f"{len(result.fused)} subject-visits fused into {args.out}/fused.csv\n")
    return EXIT_OK if result.all_ok else EXIT_SOME_FAILED


def _segment(args) -> int:
    from vitiscore.segment_photos import segment_folder

    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {args.batch_size}")
    arguments = {k: v for k, v in vars(args).items() if k != "func"}
    result = segment_folder(args.inputs, args.out, model=args.model, recursive=not args.no_recursive,
                            batch_size=args.batch_size, max_pixels=int(args.max_megapixels * 1e6),
                            progress=False if args.quiet else None, arguments=arguments)
    if not args.quiet:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts.items()))
        sys.stdout.write(f"{len(result.rows)} photos: {counts}. Results in {args.out}/results.csv\n")
    return EXIT_OK if result.all_ok else EXIT_SOME_FAILED


def _compare(args) -> int:
    from vitiscore.visits import cohort_text, compare, write_comparison

    comparison = compare(args.scores, args.baseline, args.followup, score_col=args.score_col,
                         min_baseline=args.min_baseline, missing=args.missing, ci_method=args.ci,
                         strata=args.strata, covariates=args.covariates, id_pattern=args.id_pattern,
                         use_fused=not args.no_fused)
    write_comparison(comparison, args.out, plots=not args.no_plots, maps=not args.no_maps,
                     progress=False if args.quiet else None)
    if not args.quiet:
        sys.stdout.write(f"scores: {comparison.table.source} ({comparison.table.score_col})\n")
        sys.stdout.write(cohort_text(comparison) + "\n")
        statuses = {}
        for row in comparison.per_subject:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
        sys.stdout.write(f"\nsubject rows: {counts}. Tables and plots in {args.out}/\n")
    return EXIT_OK


def _validate(args) -> int:
    from vitiscore.validation import report_text, validate, write_validation

    report, pairs = validate(args.pred, args.ref, args.on, pred_col=args.pred_col,
                             ref_cols=args.ref_col or [args.pred_col], subject_col=args.subject_col,
                             strata=args.strata, categorical=args.categorical, loa_sd=args.loa_sd)
    write_validation(report, pairs, args.out, plots=not args.no_plots)
    if not args.quiet:
        sys.stdout.write(report_text(report) + f"\n\nTables and plots in {args.out}/\n")
    return EXIT_OK


def _validate_masks(args) -> int:
    from vitiscore.mask_agreement import SUMMARY_METRICS, folder_agreement, read_groups, write_folder_agreement

    groups = read_groups(args.groups) if args.groups else None
    rows, summary, unmatched = folder_agreement(args.pred_dir, args.ref_dir, groups)
    write_folder_agreement(args.out, rows, summary, unmatched, prediction=args.pred_dir, reference=args.ref_dir)
    if not args.quiet:
        lines = [f"{summary['n_pairs']} mask pairs ({summary['n_both_empty']} both empty, {summary['n_one_empty']} "
                 f"one empty); {summary['n_failed']} could not be compared; {summary['n_unmatched']} unmatched"]
        for metric in SUMMARY_METRICS:
            s = summary[metric]
            lines.append(f"{metric:<5} mean {s['mean']:.3f} (95 % CI {s['ci_low']:.3f} to {s['ci_high']:.3f}), "
                         f"median {s['median']:.3f}")
        sys.stdout.write("\n".join(lines) + f"\nTables in {args.out}/\n")
    return EXIT_OK if summary["n_failed"] == 0 else EXIT_SOME_FAILED


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        if args.command == "score":
            return _score(args)
        if args.command == "segment":
            return _segment(args)
        if args.command == "compare":
            return _compare(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "validate-masks":
            return _validate_masks(args)
    except (ValueError, FileNotFoundError) as exc:
        # Bad arguments found after parsing (unknown model, missing input, empty folder): a usage error.
        parser.exit(EXIT_USAGE, f"vitiscore: error: {exc}\n")
    except KeyboardInterrupt:
        log.error("interrupted; finished photos are kept (resume with --skip-existing)")
        return 130
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
