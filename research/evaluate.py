"""Evaluate depigmentation models on real photos with hand-drawn masks, and on synthetic faces of known truth.

    python -m research.evaluate DATA_DIR -o OUT [--models unet-mobilenetv2-v4 classical] [--groups validation]
        [--synthetic-faces FASSEG_DIR --lesion-shapes MAT [--synthetic-portraits PRATHEEPAN_DIR]
         [--lesion-draws K]]

DATA_DIR is laid out like vitiligo_real (images/, masks/, index.csv with source_group and shows_face). Every
model segments each whole photo (as ``vitiscore segment`` does) and is compared with the mask: Dice, IoU, 95 %
Hausdorff and average surface distance (pixels) per image (vitiscore.agreement.masks, empty-mask rules there).
Means come with a 95 % bootstrap CI that resamples source groups (copies of one picture are not independent),
for all images, for the face subset, per skin-tone band (the ITA of each photo's skin-coloured pixels away
from its drawn lesions, written per image; uncalibrated photos make it a rough guide) and per group of lesion
contrast (how far the drawn lesions stand out from the skin-coloured skin around them, over that skin's own
variation, keeping clear of the coarse outlines; per image as well), plus the paired difference between the first
model (the reference) and each of the others.
``--groups validation`` keeps only the groups that training held out (datasets.split_real); use ``all`` for a
folder the models never saw.

With --synthetic-faces (the faces_fasseg folder), lesions are painted on the skin inside the facial area of the
FASSEG frontal test faces of the test half (never used in training nor to choose the threshold), each re-toned to
an ITA inside each of the six skin-tone bands (``vitiscore.training.skin_tones.BAND_ITA_EXAMPLES``), and each model
scores them through the whole pipeline: the error is measured minus true depigmented fraction of the facial area, by
ITA band of the measured normal skin and by target tone; each face is also scored at the same tone without lesions,
where every marked pixel is a false positive. The error is also measured against the visible part of the lesions alone
(pixels the painting changed by at least the CIELAB ΔE of a just noticeable difference, 2.3), which shows how
much of the error comes from lesions too faint to see; it is also summarised by how far the lesions stand out
from the skin around them (their CIELAB difference from a ring of normal skin, over that skin's own variation).
Each MAE comes with a 95 % bootstrap CI over faces, and the paired difference in MAE between the first model and
each other model with its CI.
--synthetic-portraits adds the held-out Pratheepan single portraits (other cameras and light than FASSEG's
studio; also never trained on), summarised by source as well;
--lesion-draws K paints K independent sets of lesions on each face and tone (narrowing the lesion part of the
noise only: the bootstrap still resamples faces).

Outputs: OUT/per_image.csv, OUT/summary.csv, OUT/summary.json, and with synthetic faces OUT/synthetic.csv (one
row per case) and OUT/synthetic_summary.csv (the summary, also in summary.json).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import cv2
import numpy as np

from vitiscore.agreement.masks import agreement
from vitiscore.agreement.stats import cluster_bootstrap_ci
from vitiscore.colour import rgb_to_lab, skin_coloured
from vitiscore.files import write_csv, write_json
from vitiscore.measure.skin_tone import ita_band, normal_skin_ita
from vitiscore.pipeline import ScoreOptions, score_image
from vitiscore.segment import DEFAULT_MODEL, load_segmenter
from vitiscore.training import datasets
from vitiscore.training.data import BaseImage, jpeg_roundtrip, paint_lesions
from vitiscore.training.lesion_shapes import load_shape_model
from vitiscore.training.skin_tones import BAND_B_STAR, BAND_ITA_EXAMPLES, retone_to_ita

METRICS = ("dice", "iou", "hd95", "asd")


# Normal skin of a labelled photo starts this share of the photo's longer side away from the drawn lesions: the
# polygons are coarse, and depigmented skin just outside them would make the skin look lighter than it is.
LESION_MARGIN = 0.01
# Below this share of the photo, the "normal skin" left is a few stray pixels (a photo that is nearly all lesion,
# or a close-up of something else) and its colour says little about the person's skin.
MIN_NORMAL_SKIN_SHARE = 0.01


def lesion_margin(reference: np.ndarray) -> int:
    """LESION_MARGIN of the longer side of ``reference``, in pixels (at least 1)."""
    return max(1, round(LESION_MARGIN * max(reference.shape)))


def labelled_skin_tone(rgb: np.ndarray, reference: np.ndarray) -> tuple[float, str, float]:
    """(ITA in degrees, its band, share 0-1 of the photo used) of the normal skin of a photo whose depigmented
    skin is ``reference`` (bool): the :func:`skin_coloured` pixels at least LESION_MARGIN of the longer side
    away from it. (nan, "", share) when they are under MIN_NORMAL_SKIN_SHARE of the photo. The photos are not
    colour-calibrated, so the band is a rough guide to the skin type."""
    margin = lesion_margin(reference)
    near = cv2.dilate(reference.astype(np.uint8), np.ones((2 * margin + 1,) * 2, np.uint8)).astype(bool)
    normal = skin_coloured(rgb) & ~near
    share = float(normal.mean())
    if share < MIN_NORMAL_SKIN_SHARE:
        return float("nan"), "", share
    ita = normal_skin_ita(rgb, normal)[2]
    return ita, ita_band(ita), share


def evaluate_real(data_dir: Path, segmenters: list, groups: str) -> list[dict]:
    records = datasets.read_real_index(data_dir)
    if groups != "all":
        train, val = datasets.split_real(records)
        records = val if groups == "validation" else train
    rows = []
    for record in records:
        rgb, ref = datasets.load_real(record)
        ita, band, share = labelled_skin_tone(rgb, ref)
        contrast = lesion_contrast(rgb, ref, skin_coloured(rgb), lesion_margin(ref))
        whole = np.ones(ref.shape, bool)
        for segmenter in segmenters:
            pred = segmenter.predict(rgb, whole).mask
            a = agreement(pred, ref)
            rows.append(
                dict(
                    model=segmenter.model_id,
                    image=record.image.name,
                    source_group=record.source_group,
                    shows_face=int(record.shows_face),
                    normal_skin_ita=ita,
                    ita_band=band,
                    normal_skin_share=share,
                    lesion_contrast=contrast,
                    dice=a.dice,
                    iou=a.iou,
                    hd95=a.hd95,
                    asd=a.asd,
                    pred_fraction=a.pred_px / ref.size,
                    ref_fraction=a.ref_px / ref.size,
                )
            )
    return rows


def _bootstrap_row(model: str, subset: str, metric: str, values, groups, n_resamples: int) -> dict:
    """One summary row: the mean of ``values`` with its group-bootstrap 95 % interval."""
    low, high = cluster_bootstrap_ci(values, groups, n_resamples=n_resamples)
    return dict(
        model=model,
        subset=subset,
        metric=metric,
        n_images=len(values),
        n_groups=len(set(groups)),
        mean=float(np.mean(values)),
        ci_low=low,
        ci_high=high,
    )


def summarise(rows: list[dict], models: list[str], n_resamples: int) -> list[dict]:
    """Mean of each metric per model with a 95 % CI resampling source groups (none with one group), and the paired
    difference between the first model and each of the others, for subsets "all", "face" (photos showing a face)
    and "ita:<band>" per band of the normal skin ("ita:unmeasured" where too little normal skin was found), and
    "contrast:<group>" per CONTRAST_GROUPS of the photos' ``lesion_contrast`` (photos where it could not be
    measured, NaN, in none)."""
    out = []
    subsets = [("all", rows), ("face", [r for r in rows if r["shows_face"]])]
    if any("ita_band" in r for r in rows):
        subsets += [
            (f"ita:{band or 'unmeasured'}", [r for r in rows if r["ita_band"] == band])
            for band in sorted({r["ita_band"] for r in rows})
        ]
    subsets += [
        (f"contrast:{name}", chosen)
        for name, low, high in CONTRAST_GROUPS
        if (chosen := [r for r in rows if low <= r.get("lesion_contrast", np.nan) < high])
    ]
    for subset, chosen in subsets:
        for model in models:
            mine = [r for r in chosen if r["model"] == model]
            if not mine:
                continue
            groups = [r["source_group"] for r in mine]
            for metric in METRICS:
                out.append(_bootstrap_row(model, subset, metric, [r[metric] for r in mine], groups, n_resamples))
        first = {r["image"]: r for r in chosen if r["model"] == models[0]}
        for other in models[1:]:
            second = {r["image"]: r for r in chosen if r["model"] == other}
            common = sorted(set(first) & set(second))
            if len(common) < 2:
                continue
            groups = [first[i]["source_group"] for i in common]
            for metric in METRICS:
                diff = [first[i][metric] - second[i][metric] for i in common]
                out.append(_bootstrap_row(f"{models[0]} minus {other}", subset, metric, diff, groups, n_resamples))
    return out


def synthetic_test_faces(fasseg_dir: Path, portraits_dir: Path | None = None) -> list[tuple[str, BaseImage]]:
    """(source, face) of every face of the synthetic test: the FASSEG frontal test faces of the test half and, with
    ``portraits_dir`` (the skin_pratheepan folder), the held-out Pratheepan single portraits (FacePhoto; the group
    photos' faces are too small to score). None of them is used in training or to choose the threshold."""
    faces = [("fasseg", f) for f in datasets.fasseg_frontal_test_halves(fasseg_dir)[1]]
    if portraits_dir is not None:
        faces += [("pratheepan", f) for f in datasets.pratheepan(portraits_dir)[1] if "/FacePhoto/" in f.name]
    return faces


# The smallest colour difference most observers notice between two patches side by side: CIELAB ΔE*ab (1976)
# about 2.3 (Sharma, Digital Color Imaging Handbook, 2003). Painted lesion pixels changed by less are, to an eye,
# not there.
VISIBLE_DELTA_E = 2.3


def visible_lesion(
    painted: np.ndarray, unpainted: np.ndarray, lesion: np.ndarray, min_delta_e: float = VISIBLE_DELTA_E
) -> np.ndarray:
    """The pixels of ``lesion`` (bool, (h, w)) whose colour the painting changed by at least ``min_delta_e``
    (CIELAB ΔE*ab, 1976) between ``unpainted`` and ``painted`` (both (h, w, 3) uint8 RGB, before any JPEG)."""
    change = np.linalg.norm(rgb_to_lab(painted) - rgb_to_lab(unpainted), axis=-1)
    return lesion & (change >= min_delta_e)


# The normal skin a lesion is compared with: a ring this share of the image's longer side wide around it (about
# 7 px on the network's 320 px input), near enough that lighting is much the same.
CONTRAST_RING = 0.02
# Lesions smaller than this (pixels) have too few pixels for a mean colour that means anything.
MIN_CONTRAST_PIXELS = 20
# Groups of photos or cases by lesion contrast: within the skin's own variation, up to twice it, and beyond.
CONTRAST_GROUPS = (("under 1", 0.0, 1.0), ("1 to 2", 1.0, 2.0), ("2 or more", 2.0, np.inf))


def lesion_contrast(rgb: np.ndarray, lesion: np.ndarray, skin: np.ndarray, margin: int = 0) -> float:
    """How far the lesions stand out from the normal skin around them, in units of that skin's own variation:
    for each lesion (connected part of ``lesion``), the CIELAB ΔE*ab between its mean colour and the mean of a
    ring of ``skin`` around it (CONTRAST_RING of the longer side wide, other lesions left out), divided by the
    ring's RMS ΔE from its own mean; the mean over lesions weighted by their area. Dimensionless, >= 0: under 1,
    a lesion differs from its surround less than the surround varies in itself (shading, pores, shine).
    ``margin`` (pixels) keeps both the lesion's core and the ring that far from its outline, for coarse drawn
    masks whose edges are neither lesion nor normal skin. ``rgb`` (h, w, 3) uint8; ``lesion``, ``skin`` (h, w)
    bool. NaN when no lesion has a core and a ring of at least MIN_CONTRAST_PIXELS each."""
    lab = rgb_to_lab(rgb)

    def disc(radius):
        return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))

    radius = max(2, round(CONTRAST_RING * max(lesion.shape)))
    near = cv2.dilate(lesion.astype(np.uint8), disc(margin)).astype(bool) if margin else lesion
    n, parts = cv2.connectedComponents(lesion.astype(np.uint8))
    ratios, weights = [], []
    for j in range(1, n):
        part = (parts == j).astype(np.uint8)
        core = (cv2.erode(part, disc(margin)) if margin else part).astype(bool)
        ring = (cv2.dilate(part, disc(margin + radius)) > 0) & skin & ~near
        if core.sum() < MIN_CONTRAST_PIXELS or ring.sum() < MIN_CONTRAST_PIXELS:
            continue
        around = lab[ring].mean(axis=0)
        spread = np.sqrt(((lab[ring] - around) ** 2).sum(axis=1).mean())
        ratios.append(np.linalg.norm(lab[core].mean(axis=0) - around) / max(spread, 1e-6))
        weights.append(core.sum())
    return float(np.average(ratios, weights=weights)) if ratios else float("nan")


def evaluate_synthetic(
    faces: list[tuple[str, BaseImage]], shapes_path: Path | None, segmenters: list, seed: int, draws: int = 1
) -> list[dict]:
    """One row per (face, target tone, lesion draw, model) for ``faces`` from :func:`synthetic_test_faces`;
    ``draws`` independent lesion paintings per face and tone (each face and tone is scored once without
    lesions, for every draw's ``unpainted_fraction``)."""
    if draws < 1:
        raise ValueError(f"draws must be at least 1, got {draws}")
    shapes = load_shape_model(shapes_path) if shapes_path else None
    rng = np.random.default_rng(seed)
    rows = []
    for (source, face), target_ita in ((f, t) for f in faces for t in BAND_ITA_EXAMPLES):
        case = dict(source=source, face=face.name, target_ita=target_ita)
        rgb = retone_to_ita(face.rgb, face.skin, target_ita, BAND_B_STAR)
        # Lesions may go on the face's labelled skin inside the facial area of the unpainted face: the area
        # alone can hold hair or a headdress, where painted "lesions" would be truth that no photo could show.
        plain = score_image(rgb, ScoreOptions(model="classical"))
        if not plain.ok:
            rows.append(dict(case, model="", status=plain.status))
            continue
        inner = cv2.erode((plain.labels > 0).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & face.skin
        paintings = [
            paint_lesions(rgb, BaseImage(rgb, inner, face.sites, face.name), rng, shapes) for _ in range(draws)
        ]
        paintings = [
            (
                jpeg_roundtrip(painted, 92),
                lesion,
                visible_lesion(painted, rgb, lesion),
                lesion_contrast(painted, lesion, inner),
            )
            for painted, lesion in paintings
        ]
        unpainted = jpeg_roundtrip(rgb, 92)
        for segmenter in segmenters:
            # The same face and tone without lesions: whatever is marked there is a false positive.
            clear = score_image(unpainted, ScoreOptions(model=segmenter.model_id), segmenter)
            for draw, (painted, lesion, visible, contrast) in enumerate(paintings):
                score = score_image(painted, ScoreOptions(model=segmenter.model_id), segmenter)
                row = dict(case, draw=draw, model=segmenter.model_id)
                if not score.ok or not clear.ok:
                    rows.append(dict(row, status=score.status if not score.ok else clear.status))
                    continue
                area = score.labels > 0
                truth = float((lesion & area).sum() / area.sum())
                seen = float((visible & area).sum() / area.sum())
                rows.append(
                    dict(
                        row,
                        status="ok",
                        ita_deg=score.ita_deg,
                        ita_band=score.ita_band,
                        flags=",".join(score.flags),
                        true_fraction=truth,
                        measured_fraction=score.depigmented_fraction,
                        error=score.depigmented_fraction - truth,
                        visible_fraction=seen,
                        visible_error=score.depigmented_fraction - seen,
                        lesion_contrast=contrast,
                        unpainted_fraction=clear.depigmented_fraction,
                    )
                )
    return rows


def summarise_synthetic(rows: list[dict], models: list[str], n_resamples: int = 2000) -> list[dict]:
    """Error and clear-face marking per model, for all cases, per ITA band as measured by the pipeline (which
    depends on what the model left as normal skin) and per re-toning target (the same faces for every model).

    ``mae_ci_low``/``mae_ci_high``: 95 % bootstrap CI of the MAE resampling faces (a face's six tones are not
    independent). A band with few cases has a wide interval: v4's very light band (9 cases of the 20 FASSEG faces)
    measured 0.046 with 0.018-0.087; the portraits and three lesion draws gave 41 cases and 0.047-0.098. With two
    or more models, rows "A minus B" give the paired difference in MAE between the first model A and each other
    model B over the cases both scored (a case: face, tone and lesion draw), for all cases and per target tone
    (bands are left out: a case's band can differ between models). Rows with a ``source`` (the face's data set)
    are also summarised per source when there are several, and rows with ``flags`` (the pipeline's
    comma-separated quality flags) per flag, a case counting under each of its flags, and "none" for the
    unflagged cases. Rows with a ``visible_error`` (measured minus the fraction of *visible* lesion,
    :func:`visible_lesion`) add ``mae_visible`` with its CI and ``bias_visible``: the error against what a photo
    can show. Rows with a ``lesion_contrast`` (:func:`lesion_contrast`) are also summarised per CONTRAST_GROUPS
    (by "contrast"; cases without a measurable lesion, NaN, in none)."""
    out = []
    ok = [r for r in rows if r["status"] == "ok"]

    def ci_by_face(values, faces):
        if len(set(faces)) < 2:  # nothing to resample
            return float("nan"), float("nan")
        return cluster_bootstrap_ci(values, faces, n_resamples=n_resamples)

    for model in models:
        mine = [r for r in ok if r["model"] == model]
        if not mine:  # every case failed for this model (its rows say why)
            continue
        groups = [("all", "all", mine)]
        groups += [
            ("ita_band", band, [r for r in mine if r["ita_band"] == band])
            for band in sorted({r["ita_band"] for r in mine})
        ]
        groups += [
            ("target_ita", f"{t:+.0f}", [r for r in mine if r["target_ita"] == t])
            for t in sorted({r["target_ita"] for r in mine})
        ]
        # The pipeline's quality flags say which scores a user should doubt; how wrong are those, and the rest?
        flags = {id(r): [f for f in r.get("flags", "").split(",") if f] for r in mine}
        names = sorted({f for listed in flags.values() for f in listed})
        groups += [("flag", name, [r for r in mine if name in flags[id(r)]]) for name in names]
        if names:
            groups.append(("flag", "none", [r for r in mine if not flags[id(r)]]))
        # Is the error where the lesions hardly stand out from the skin around them?
        groups += [
            ("contrast", name, chosen)
            for name, low, high in CONTRAST_GROUPS
            if (chosen := [r for r in mine if low <= r.get("lesion_contrast", np.nan) < high])
        ]
        sources = sorted({r.get("source", "") for r in mine})
        if len(sources) > 1:
            groups += [("source", source, [r for r in mine if r.get("source", "") == source]) for source in sources]
        for by, group, chosen in groups:
            errors = np.array([r["error"] for r in chosen])
            clear = np.array([r["unpainted_fraction"] for r in chosen])
            low, high = ci_by_face(np.abs(errors), [r["face"] for r in chosen])
            summary = dict(
                model=model,
                by=by,
                group=group,
                n=len(chosen),
                mae=float(np.abs(errors).mean()),
                mae_ci_low=low,
                mae_ci_high=high,
                bias=float(errors.mean()),
                max_abs=float(np.abs(errors).max()),
                unpainted_mean=float(clear.mean()),
                unpainted_median=float(np.median(clear)),
                unpainted_max=float(clear.max()),
            )
            if all("visible_error" in r for r in chosen):
                seen = np.array([r["visible_error"] for r in chosen])
                low, high = ci_by_face(np.abs(seen), [r["face"] for r in chosen])
                summary.update(
                    mae_visible=float(np.abs(seen).mean()),
                    mae_visible_ci_low=low,
                    mae_visible_ci_high=high,
                    bias_visible=float(seen.mean()),
                )
            out.append(summary)

    def keyed(model):
        return {(r["face"], r["target_ita"], r.get("draw", 0)): r for r in ok if r["model"] == model}

    first = keyed(models[0])
    for other in models[1:]:
        second = keyed(other)
        common = sorted(set(first) & set(second))
        targets = [("all", "all", common)] + [
            ("target_ita", f"{t:+.0f}", [k for k in common if k[1] == t]) for t in sorted({k[1] for k in common})
        ]
        for by, group, keys in targets:
            if not keys:
                continue
            diff = np.array([abs(first[k]["error"]) - abs(second[k]["error"]) for k in keys])
            low, high = ci_by_face(diff, [k[0] for k in keys])
            out.append(
                dict(
                    model=f"{models[0]} minus {other}",
                    by=by,
                    group=group,
                    n=len(keys),
                    mae=float(diff.mean()),
                    mae_ci_low=low,
                    mae_ci_high=high,
                )
            )
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path, help="folder laid out like vitiligo_real")
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument(
        "--models",
        nargs="+",
        default=[DEFAULT_MODEL, "classical"],
        help="model ids or folders; the first is compared pairwise with each of the others",
    )
    parser.add_argument(
        "--groups",
        choices=("all", "validation", "training"),
        default="all",
        help="which source groups of DATA_DIR to evaluate (see datasets.split_real)",
    )
    parser.add_argument("--synthetic-faces", type=Path, help="faces_fasseg folder: also run the synthetic test")
    parser.add_argument("--lesion-shapes", type=Path, help="Fourier shape model (.mat) for the synthetic lesions")
    parser.add_argument(
        "--synthetic-portraits",
        type=Path,
        help="skin_pratheepan folder: add its held-out single portraits to the synthetic test",
    )
    parser.add_argument(
        "--lesion-draws",
        type=int,
        default=1,
        help="independent lesion paintings per face and tone in the synthetic test (default 1)",
    )
    parser.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if args.lesion_draws < 1:
        parser.error(f"--lesion-draws must be at least 1, got {args.lesion_draws}")
    if args.synthetic_portraits and not args.synthetic_faces:
        parser.error("--synthetic-portraits adds to the synthetic test: give --synthetic-faces too")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    segmenters = [load_segmenter(m) for m in args.models]
    ids = [s.model_id for s in segmenters]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:  # rows are keyed by model id: two models under one id would be pooled and paired with themselves
        parser.error(
            f"--models {' '.join(args.models)}: the model id {', '.join(repeated)} comes more than once; "
            "give each model folder its own model_id (its config.json)"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    rows = evaluate_real(args.data_dir, segmenters, args.groups)
    summary = summarise(rows, ids, args.bootstrap)
    write_csv(args.out / "per_image.csv", rows, list(rows[0]))
    write_csv(args.out / "summary.csv", summary, list(summary[0]))
    report = {
        "data_dir": str(args.data_dir),
        "groups": args.groups,
        "models": {s.model_id: s.sha256 for s in segmenters},
        "real": summary,
    }
    for r in summary:
        if r["metric"] == "dice":
            logging.info(
                "%-40s %-17s n=%3d  Dice %.3f (95%% CI %.3f-%.3f)",
                r["model"],
                r["subset"],
                r["n_images"],
                r["mean"],
                r["ci_low"],
                r["ci_high"],
            )
    if args.synthetic_faces:
        faces = synthetic_test_faces(args.synthetic_faces, args.synthetic_portraits)
        synthetic = evaluate_synthetic(faces, args.lesion_shapes, segmenters, args.seed, args.lesion_draws)
        write_csv(args.out / "synthetic.csv", synthetic, sorted({k for r in synthetic for k in r}))
        report["synthetic"] = summarise_synthetic(synthetic, ids, args.bootstrap)
        columns = list(dict.fromkeys(k for r in report["synthetic"] for k in r))  # paired rows have fewer
        write_csv(args.out / "synthetic_summary.csv", report["synthetic"], columns)
        for r in report["synthetic"]:
            if "bias" not in r:  # a paired difference
                logging.info(
                    "%-50s %-10s %-6s n=%3d  MAE difference %+.4f (95%% CI %+.4f to %+.4f)",
                    r["model"],
                    r["by"],
                    r["group"],
                    r["n"],
                    r["mae"],
                    r["mae_ci_low"],
                    r["mae_ci_high"],
                )
                continue
            logging.info(
                "%-24s %-10s %-12s n=%3d  MAE %.4f (95%% CI %.4f-%.4f)  bias %+.4f  max %.4f  marked "
                "without lesions %.4f (median %.4f, max %.4f)  MAE against visible lesions %.4f",
                r["model"],
                r["by"],
                r["group"],
                r["n"],
                r["mae"],
                r["mae_ci_low"],
                r["mae_ci_high"],
                r["bias"],
                r["max_abs"],
                r["unpainted_mean"],
                r["unpainted_median"],
                r["unpainted_max"],
                r.get("mae_visible", float("nan")),
            )
    write_json(args.out / "summary.json", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
