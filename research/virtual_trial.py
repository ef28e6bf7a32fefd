"""The virtual trial: a cohort's baseline and week-24 photos made from faces the model never saw, with a known
truth, scored and compared as a study would, by the model and by the true masks.

    python -m research.virtual_trial DATA_DIR -o OUT [--patients 111] [--appearances realistic chalk]
        [--modes model masks] [--seed 0] [--workers 2] [--itas -70 -45]

DATA_DIR holds ``faces_fasseg/``: the base faces are the FASSEG frontal test faces of the synthetic-test half
(never trained on, never used to choose the threshold). Each patient is one face re-toned to one of the six ITA
bands (:data:`vitiscore.training.skin_tones.BAND_ITA_EXAMPLES`, dark to very light), with depigmentation painted
on 10-35 % of the facial area at baseline and repigmentation at week 24 from the lesion margins, around hair
follicles, or both, or spreading (some patients get worse); the improvements follow the motivating study's
responder rates (F-VASI50 64.9 %, F-VASI75 49.5 %, F-VASI90 17.1 %), each drawn at least two points away from the
thresholds so that the true call is unambiguous. Two appearances the model was not trained on:

* ``realistic``: melanin loss as measured on real lesions (DESIGN.md): lightness up by more on darker skin (the
  gap falls from about 35 L* units on skin of L* 38 to about 6 on skin of L* 68), b* down in proportion, a* and
  the skin's texture kept.
* ``chalk``: chalk-white patches (L* about 92, redness and yellowness lost, texture faint), which a clinician
  marks at a glance.

Each visit is photographed a little differently (shift and zoom up to 3 %, tilt up to 2 degrees, exposure
+-10 %, white balance +-4 % per channel, JPEG quality 85-95), and each true mask is captured with its photo.
``vitiscore score --manifest`` then ``vitiscore compare`` (through the Python API, with the defaults a user gets)
run once with the model and once with the true masks (``--masks``: the pipeline alone). Reported, overall and by
ITA band: photos scored, the improvement error (measured minus true, as a fraction: bias, median and 90th
percentile of its absolute value), kappa and accuracy of the F-VASI50/75/90 calls (a patient the tool cannot
evaluate is a non-responder, as trials impute), and the cohort rates with their exact 95 % intervals against the
truth; with the model also, from the masks, the share of each photo's painted area it marked (per visit, median
over photos), the share of clear facial skin it marked, and the recall of lesions by size (equivalent diameter in
mm on the iris scale, pooled over lesions). Writes ``OUT/benchmark.csv`` (long format) and ``OUT/benchmark.json``.
``--model`` scores with another model, ``--photos-from`` reuses an earlier run's cohort, ``--evaluate-only``
evaluates the runs already in OUT again.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from vitiscore.agreement.stats import cohen_kappa, proportion_ci
from vitiscore.colour import lab_to_rgb, rgb_to_lab
from vitiscore.measure.scale import IRIS_DIAMETER_MM
from vitiscore.measure.skin_tone import ita_band
from vitiscore.training.appearance import milky_shape
from vitiscore.training.augment import to_linear, to_srgb8
from vitiscore.visits.uncertainty import rate_interval

log = logging.getLogger("research.virtual_trial")

# The motivating real-world study at week 24 (111 patients).
STUDY_RATES = {"F-VASI50": 0.649, "F-VASI75": 0.495, "F-VASI90": 0.171}
THRESHOLDS = {"F-VASI50": 0.50, "F-VASI75": 0.75, "F-VASI90": 0.90}
# True improvements are drawn at least this far (as a fraction) from every responder threshold.
CLEARANCE = 0.02
WORSE_SHARE = 0.08
APPEARANCES = ("realistic", "chalk")
MODES = ("model", "masks")
PATTERNS = ("margin", "perifollicular", "mixed")


@dataclass(frozen=True)
class Patient:
    """One virtual patient: the base face, the target ITA (degrees), the true improvement (fraction of the
    baseline lesion area that repigments; negative: the patient got worse) and the repigmentation pattern."""

    subject_id: str
    face: int
    ita: float
    improvement: float
    pattern: str


def improvements(n: int, rng: np.random.Generator, rates: dict[str, float] = STUDY_RATES) -> np.ndarray:
    """``n`` true improvements (fractions, shuffled) whose responder shares are the ``rates`` rounded to whole
    patients: round(n x rate90) of at least 0.90, and so on down; WORSE_SHARE of the non-responders get worse."""
    n90 = round(n * rates["F-VASI90"])
    n75 = round(n * rates["F-VASI75"]) - n90
    n50 = round(n * rates["F-VASI50"]) - n75 - n90
    rest = n - n90 - n75 - n50
    if min(n90, n75, n50, rest) < 0:
        raise ValueError(f"rates must fall from F-VASI50 to F-VASI90, got {rates}")
    c = CLEARANCE
    worse = round(rest * WORSE_SHARE / (1 - rates["F-VASI50"])) if rest else 0
    worse = min(worse, rest)
    values = np.concatenate(
        [
            rng.uniform(0.90 + c, 1.0, n90),
            rng.uniform(0.75 + c, 0.90 - c, n75),
            rng.uniform(0.50 + c, 0.75 - c, n50),
            rng.uniform(-0.4, -0.05, worse),
            rng.uniform(0.0, 0.50 - c, rest - worse),
        ]
    )
    return rng.permutation(values)


def lesion_mask(allowed: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Patches inside ``allowed`` (bool) covering about ``share`` (0-1) of it: smooth blobs and confetti
    (:func:`vitiscore.training.appearance.milky_shape`) added until the share is reached."""
    ys, xs = np.nonzero(allowed)
    if not xs.size:
        raise ValueError("allowed: no pixel to paint on")
    scale = float(np.sqrt(xs.size))
    mask = np.zeros(allowed.shape, bool)
    for _ in range(200):
        if mask.sum() >= share * xs.size:
            break
        i = int(rng.integers(xs.size))
        mask |= milky_shape(rng, allowed.shape, (xs[i], ys[i]), scale * rng.uniform(0.06, 0.16)) & allowed
    return mask


def repigmented(
    mask: np.ndarray, improvement: float, pattern: str, allowed: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The week-24 lesion: ``mask`` (bool) with round(area x ``improvement``) pixels repigmented, exactly, from the
    margins (``margin``), around follicles (``perifollicular``: islands growing from scattered points) or both
    (``mixed``); a negative improvement spreads the lesion into ``allowed`` instead, nearest pixels first."""
    area = int(mask.sum())
    target = max(0, round(area * (1 - improvement)))
    if improvement < 0:
        outside = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 5)
        candidates = np.flatnonzero((allowed & ~mask).ravel())
        grow = candidates[np.argsort(outside.ravel()[candidates], kind="stable")][: target - area]
        out = mask.copy().ravel()
        out[grow] = True
        return out.reshape(mask.shape)
    depth = cv2.distanceTransform(np.pad(mask, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    if pattern == "margin":
        keep_score = depth
    else:
        follicles = np.ones(mask.shape, np.uint8)
        inside = np.flatnonzero(mask.ravel())
        points = rng.choice(inside, size=max(1, inside.size // 150), replace=False)
        follicles.ravel()[points] = 0
        from_follicle = cv2.distanceTransform(follicles, cv2.DIST_L2, 5)
        keep_score = from_follicle if pattern == "perifollicular" else np.minimum(depth, from_follicle)
    pixels = np.flatnonzero(mask.ravel())
    # Pixels repigment in order of their score, lowest first; a little noise breaks the distance map's ties.
    order = pixels[np.argsort(keep_score.ravel()[pixels] + rng.uniform(0, 0.5, pixels.size), kind="stable")]
    out = np.zeros(mask.size, bool)
    out[order[area - target :]] = True
    return out.reshape(mask.shape)


def _feathered(mask: np.ndarray) -> np.ndarray:
    """A soft edge (0-1) about the mask's outline, half-way at the outline, so that the painted area matches it."""
    return cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.2)[..., None]


def _skin_lightness(lab: np.ndarray, skin: np.ndarray, lesion: np.ndarray) -> float:
    normal = skin & ~lesion
    return float(np.median(lab[..., 0][normal])) if normal.any() else 60.0


def paint_realistic(rgb: np.ndarray, lesion: np.ndarray, skin: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Melanin loss as measured on real lesions: L* up by 71.7 - 0.967 x (the skin's median L*) (5-45), x 0.8-1.2
    per patient, b* down by 4.2 for every 14.9 of L*, a* and texture kept."""
    lab = rgb_to_lab(rgb)
    gap = float(np.clip(71.7 - 0.967 * _skin_lightness(lab, skin, lesion), 5.0, 45.0)) * rng.uniform(0.8, 1.2)
    painted = lab.copy()
    painted[..., 0] = np.minimum(painted[..., 0] + gap, 97.0)
    painted[..., 2] -= 4.2 * gap / 14.9
    alpha = _feathered(lesion)
    return lab_to_rgb(lab * (1 - alpha) + painted * alpha)


def paint_chalk(rgb: np.ndarray, lesion: np.ndarray, skin: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Chalk-white depigmentation: L* about 92 with a third of the skin's texture, a* and b* near neutral."""
    lab = rgb_to_lab(rgb)
    mean_l = float(lab[..., 0][lesion].mean()) if lesion.any() else 60.0
    painted = lab.copy()
    painted[..., 0] = np.clip(rng.uniform(90.0, 94.0) + 0.3 * (lab[..., 0] - mean_l), 0, 99)
    painted[..., 1] = 1.0 + 0.1 * lab[..., 1]
    painted[..., 2] = 3.0 + 0.1 * lab[..., 2]
    alpha = _feathered(lesion)
    return lab_to_rgb(lab * (1 - alpha) + painted * alpha)


PAINTERS = {"realistic": paint_realistic, "chalk": paint_chalk}


def capture(rgb: np.ndarray, masks: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, list, int]:
    """One visit's photo as a camera would take it: shifted and zoomed up to 3 %, tilted up to 2 degrees, exposed
    +-10 %, white-balanced +-4 % per channel (linear light); the ``masks`` (bool) moved with it (nearest
    neighbour). Returns (rgb, masks, JPEG quality 85-95 to save it with)."""
    h, w = rgb.shape[:2]
    zoom = rng.uniform(0.97, 1.03)
    angle = rng.uniform(-2.0, 2.0)
    shift = rng.uniform(-0.03, 0.03, 2) * (w, h)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, zoom)
    matrix[:, 2] += shift
    moved = cv2.warpAffine(rgb, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    gains = rng.uniform(0.96, 1.04, 3) * rng.uniform(0.9, 1.1)
    photo = to_srgb8(to_linear(moved) * gains.astype(np.float32))
    moved_masks = [
        cv2.warpAffine(m.astype(np.uint8), matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0) > 0 for m in masks
    ]
    return photo, moved_masks, int(rng.integers(85, 96))


def facial_area_of(rgb: np.ndarray) -> np.ndarray | None:
    """The tool's F-VASI facial area (bool) of a clean photo, or None when no face is found."""
    from vitiscore.face import locate, region
    from vitiscore.face.landmarks import NoFaceError

    try:
        landmarks = locate(rgb)
    except NoFaceError:
        return None
    return region(rgb, landmarks).photo_labels(rgb.shape) > 0


def make_cohort(faces: list, n: int, seed: int, itas=None) -> list[Patient]:
    """``n`` patients over the base ``faces``: face i mod len(faces), tone i mod len(``itas``) (degrees; default one
    in each of the six ITA bands), improvement and pattern drawn."""
    from vitiscore.training.skin_tones import BAND_ITA_EXAMPLES

    itas = tuple(BAND_ITA_EXAMPLES if itas is None else itas)
    rng = np.random.default_rng(seed)
    gains = improvements(n, rng)
    return [
        Patient(
            subject_id=f"p{i + 1:03d}",
            face=i % len(faces),
            ita=float(itas[i % len(itas)]),
            improvement=float(gains[i]),
            pattern=PATTERNS[int(rng.integers(len(PATTERNS)))],
        )
        for i in range(n)
    ]


def write_trial(faces: list, patients: list[Patient], appearances, out: Path, seed: int) -> dict[str, dict]:
    """Paint and photograph every patient at both visits for each appearance into ``out/<appearance>/`` (photos,
    ``masks/``, ``manifest.csv``); returns {subject_id: truth} with the exact true improvement (1 - week-24 area /
    baseline area, in the painted face's pixels) and the target band."""
    from PIL import Image

    from vitiscore.training.skin_tones import BAND_B_STAR, retone_to_ita

    truth: dict[str, dict] = {}
    rows = {a: [] for a in appearances}
    for k, patient in enumerate(patients):
        rng = np.random.default_rng([seed, k])
        face = faces[patient.face]
        clean = retone_to_ita(face.rgb, face.skin, patient.ita, BAND_B_STAR)
        area = facial_area_of(clean)
        if area is None:
            log.warning("%s: no face on the clean re-toned photo; left out", patient.subject_id)
            continue
        allowed = area & face.skin
        baseline = lesion_mask(allowed, rng.uniform(0.10, 0.35), rng)
        week24 = repigmented(baseline, patient.improvement, patient.pattern, allowed, rng)
        truth[patient.subject_id] = {
            **asdict(patient),
            "band": ita_band(patient.ita),
            "baseline_px": int(baseline.sum()),
            "week24_px": int(week24.sum()),
            "true_improvement": 1 - week24.sum() / baseline.sum(),
        }
        for appearance in appearances:
            folder = out / appearance
            (folder / "masks").mkdir(parents=True, exist_ok=True)
            for visit, lesion in (("baseline", baseline), ("week24", week24)):
                painted = PAINTERS[appearance](clean, lesion, face.skin, rng)
                photo, (moved,), quality = capture(painted, [lesion], rng)
                image_id = f"{patient.subject_id}_{visit}"
                Image.fromarray(photo).save(folder / f"{image_id}.jpg", quality=quality)
                Image.fromarray(moved.astype(np.uint8) * 255).save(folder / "masks" / f"{image_id}.png")
                rows[appearance].append(
                    {"path": f"{image_id}.jpg", "subject_id": patient.subject_id, "visit": visit, "view": "frontal"}
                )
    for appearance, manifest_rows in rows.items():
        with open(out / appearance / "manifest.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["path", "subject_id", "visit", "view"])
            writer.writeheader()
            writer.writerows(manifest_rows)
    return truth


def _number(text) -> bool:
    try:
        return math.isfinite(float(text))
    except (TypeError, ValueError):
        return False


def _kappa(truth_calls: list[int], calls: list[int]) -> float:
    if len(truth_calls) < 2:
        return math.nan
    return cohen_kappa(truth_calls, calls, categories=[0, 1])["value"]


def evaluate(truth: dict[str, dict], results: list[dict], per_subject: list[dict]) -> list[dict]:
    """Long rows (group, metric, value, ci_low, ci_high, n) overall and per ITA band of the target tone."""
    photo_ok = {}
    for row in results:
        photo_ok.setdefault(row["subject_id"], []).append(row["status"] == "ok")
    by_subject = {row["subject_id"]: row for row in per_subject}
    groups = {"all": sorted(truth)}
    for subject, t in truth.items():
        groups.setdefault(t["band"], []).append(subject)
    out = []

    def add(group, metric, value, low=math.nan, high=math.nan, n=None):
        out.append({"group": group, "metric": metric, "value": value, "ci_low": low, "ci_high": high, "n": n})

    for group, subjects in groups.items():
        oks = [ok for s in subjects for ok in photo_ok.get(s, [False, False])]
        add(group, "photos_scored", float(np.mean(oks)), n=len(oks))
        evaluable = [s for s in subjects if by_subject.get(s, {}).get("status") == "evaluable"]
        add(group, "patients_evaluable", len(evaluable) / len(subjects), n=len(subjects))
        for prefix, column in (("", "pct_change"), ("one_frame_", "pct_change_one_frame")):
            measured = {s: -float(by_subject[s][column]) / 100 for s in evaluable if _number(by_subject[s].get(column))}
            errors = np.array([measured[s] - truth[s]["true_improvement"] for s in measured], float)
            if errors.size:
                add(group, f"{prefix}improvement_error_bias", float(errors.mean()), n=int(errors.size))
                add(
                    group, f"{prefix}improvement_error_median_abs", float(np.median(np.abs(errors))), n=int(errors.size)
                )
                add(
                    group,
                    f"{prefix}improvement_error_p90_abs",
                    float(np.quantile(np.abs(errors), 0.9)),
                    n=int(errors.size),
                )
            for endpoint, threshold in THRESHOLDS.items():
                true_calls = [int(truth[s]["true_improvement"] >= threshold) for s in subjects]
                if prefix:  # calls made from the one-frame change, as the tool rounds the reduction
                    calls = [int(s in measured and round(measured[s], 9) >= threshold) for s in subjects]
                else:
                    calls = [int(str(by_subject.get(s, {}).get(endpoint, "0")) == "1") for s in subjects]
                add(group, f"{prefix}{endpoint}_kappa", _kappa(true_calls, calls), n=len(subjects))
                add(group, f"{prefix}{endpoint}_accuracy", float(np.mean(np.equal(true_calls, calls))), n=len(subjects))
                low, high = proportion_ci(sum(calls), len(calls))
                add(group, f"{prefix}{endpoint}_rate", sum(calls) / len(calls), low, high, n=len(calls))
                if not prefix:
                    add(group, f"{endpoint}_true_rate", sum(true_calls) / len(true_calls), n=len(true_calls))
                    _call_uncertainty(add, group, endpoint, subjects, by_subject, true_calls, calls)
        covered = [
            -float(by_subject[s]["pct_change_high"]) / 100
            <= truth[s]["true_improvement"]
            <= -float(by_subject[s]["pct_change_low"]) / 100
            for s in evaluable
            if _number(by_subject[s].get("pct_change_low"))
        ]
        if covered:
            add(group, "improvement_interval_coverage", float(np.mean(covered)), n=len(covered))
    return out


def mask_agreement(truth: dict[str, dict], results: list[dict], out_dir: Path, mask_dir: Path) -> list[dict]:
    """Per group and visit: the median share of each photo's painted lesion area (inside the facial area it was
    scored in) that the run marked (``painted_recall``, photos with at least 50 such pixels), and the mean share
    of the facial area's lesion-free skin it marked (``clear_skin_marked``), from the masks ``score`` wrote and
    the true masks."""
    from vitiscore.files.masks import read_mask

    by_group: dict[tuple[str, str], dict[str, list]] = {}
    by_size: dict[str, list] = {}  # "group|size" -> [(pixels marked, pixels) per lesion]
    for row in results:
        if row["status"] != "ok" or not row.get("mask_depigmented"):
            continue
        true = read_mask(mask_dir / f"{row['image_id']}.png")
        area = read_mask(out_dir / row["mask_facial_area"])
        marked = read_mask(out_dir / row["mask_depigmented"])
        lesion, clear = true & area, area & ~true
        band = truth.get(row["subject_id"], {}).get("band", "")
        for group in ("all", band):
            cell = by_group.setdefault((group, row["visit"]), {"recall": [], "clear": []})
            if lesion.sum() >= 50:
                cell["recall"].append(float((marked & lesion).sum() / lesion.sum()))
            if clear.any():
                cell["clear"].append(float((marked & clear).sum() / clear.sum()))
        if _number(row.get("iris_diameter_px")):
            mm_per_px = IRIS_DIAMETER_MM / float(row["iris_diameter_px"])
            for size, recall in lesion_recalls(lesion, marked, mm_per_px):
                for group in ("all", band):
                    by_size.setdefault(f"{group}|{size}", []).append(recall)
    out = []
    for key, values in by_size.items():
        group, size = key.split("|")
        marked_px, pixels = np.sum(values, axis=0)
        out.append({"group": group, "metric": f"lesion_recall_{size}", "value": float(marked_px / pixels),
                    "ci_low": math.nan, "ci_high": math.nan, "n": len(values)})  # fmt: skip
    for (group, visit), cell in by_group.items():
        for metric, values, stat in (
            ("painted_recall", cell["recall"], np.median),
            ("clear_skin_marked", cell["clear"], np.mean),
        ):
            if values:
                name = f"{metric}_{visit}"
                out.append({"group": group, "metric": name, "value": float(stat(values)), "ci_low": math.nan,
                            "ci_high": math.nan, "n": len(values)})  # fmt: skip
    return out


# Lesion sizes (equivalent diameter, mm) whose recall is reported apart: a 5 mm macule is a few pixels of a face crop.
LESION_SIZES_MM = ((0, 5, "under_5mm"), (5, 10, "5_to_10mm"), (10, 20, "10_to_20mm"), (20, math.inf, "over_20mm"))


def lesion_recalls(lesion: np.ndarray, marked: np.ndarray, mm_per_px: float) -> list[tuple[str, float]]:
    """(size class, (pixels marked, pixels)) of each connected lesion of ``lesion`` (bool, photo pixels) at
    ``mm_per_px``; a size class's recall is its lesions' pixels marked over their pixels, pooled."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lesion.astype(np.uint8))
    out = []
    for i in range(1, n):
        pixels = int(stats[i, cv2.CC_STAT_AREA])
        diameter = 2 * math.sqrt(pixels / math.pi) * mm_per_px
        size = next(name for low, high, name in LESION_SIZES_MM if low <= diameter < high)
        x, y, w, h = stats[i, :4]
        box = labels[y : y + h, x : x + w] == i
        out.append((size, (int(marked[y : y + h, x : x + w][box].sum()), pixels)))
    return out


def _call_uncertainty(add, group, endpoint, subjects, by_subject, true_calls, calls) -> None:
    """What the calls' probabilities say: the expected rate, the share of patients whose call is flagged doubtful,
    and the share of the wrong calls among them (--uncertainty runs only)."""
    p = [by_subject.get(s, {}).get(f"p_{endpoint}") for s in subjects]
    if not any(_number(v) for v in p):
        return
    expected = [float(v) if _number(v) else c for v, c in zip(p, calls)]
    add(group, f"{endpoint}_rate_expected", float(np.mean(expected)), *rate_interval(expected), n=len(subjects))
    flagged = [endpoint in (by_subject.get(s, {}).get("doubtful_calls") or "").split(";") for s in subjects]
    add(group, f"{endpoint}_doubtful_share", float(np.mean(flagged)), n=len(subjects))
    wrong = [f for f, t, c in zip(flagged, true_calls, calls) if t != c]
    if wrong:
        add(group, f"{endpoint}_wrong_calls_flagged", float(np.mean(wrong)), n=len(wrong))


def photo_coverage(model_rows: list[dict], mask_rows: list[dict]) -> dict[str, float]:
    """Share of photos, overall and by ITA band of the target tone, whose fraction scored from the true mask lies
    inside the model run's interval (photos scored in both runs)."""
    truth = {
        r["image_id"]: float(r["depigmented_fraction"]) for r in mask_rows if _number(r.get("depigmented_fraction"))
    }
    inside: dict[str, list[bool]] = {}
    for row in model_rows:
        if row["image_id"] in truth and _number(row.get("depigmented_fraction_low")):
            ok = (
                float(row["depigmented_fraction_low"])
                <= truth[row["image_id"]]
                <= float(row["depigmented_fraction_high"])
            )
            for group in ("all", row.get("band", "")):
                inside.setdefault(group, []).append(ok)
    return {group: float(np.mean(v)) for group, v in inside.items() if group}


def run_mode(
    folder: Path,
    out_dir: Path,
    mode: str,
    workers: int,
    uncertainty: bool = False,
    model: str | None = None,
    rescore: bool = True,
) -> tuple[list[dict], list[dict], float]:
    """Score the trial photos in ``folder`` into ``out_dir`` with the model (``model``; None: the default) or the
    true masks (with intervals when ``uncertainty``), then compare the visits; returns (results rows, per-subject
    rows, seconds). Without ``rescore``, the run already in ``out_dir`` is compared and evaluated again."""
    from vitiscore import compare, score_folder
    from vitiscore.pipeline import ScoreOptions

    started = time.time()
    if not rescore:
        from vitiscore.files import read_table_csv

        comparison = compare(out_dir / "results.csv", "baseline", ["week24"])
        return read_table_csv(out_dir / "results.csv")[1], comparison.per_subject, math.nan
    result = score_folder(
        [],
        out_dir,
        manifest=folder / "manifest.csv",
        masks=folder / "masks" if mode == "masks" else None,
        options=ScoreOptions(uncertainty=uncertainty, **({"model": model} if model else {})),
        overlays=False,
        overwrite=True,
        progress=False,
        workers=workers,
    )
    comparison = compare(out_dir / "results.csv", "baseline", ["week24"])
    return result.rows, comparison.per_subject, time.time() - started


def read_truth(path: Path) -> dict[str, dict]:
    """The truth.csv of an earlier run, typed as :func:`write_trial` returns it."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    numeric = ("face", "ita", "improvement", "baseline_px", "week24_px", "true_improvement")
    return {r["subject_id"]: {k: (float(v) if k in numeric else v) for k, v in r.items()} for r in rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path, help="folder holding faces_fasseg/")
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--patients", type=int, default=111)
    parser.add_argument("--appearances", nargs="+", choices=APPEARANCES, default=list(APPEARANCES))
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--itas", type=float, nargs="+", help="target ITAs (degrees) the patients cycle through (default: one per band)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--uncertainty", action="store_true", help="score with intervals and check their calibration")
    parser.add_argument("--model", help="the model to score with (an id or a model folder; default: the shipped one)")
    parser.add_argument(
        "--photos-from",
        type=Path,
        help="score the photos and truth of an earlier benchmark's OUT (same seed, patients and appearances) "
        "instead of painting them again, e.g. to compare models on one cohort",
    )
    parser.add_argument(
        "--evaluate-only", action="store_true", help="evaluate the runs already in OUT again (no scoring)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from vitiscore.training import datasets

    photos = (args.photos_from or args.out) / "photos"
    if args.photos_from or args.evaluate_only:
        truth = read_truth((args.photos_from or args.out) / "truth.csv")
    else:
        faces = datasets.fasseg_frontal_test_halves(args.data_dir / "faces_fasseg")[1]
        patients = make_cohort(faces, args.patients, args.seed, args.itas)
        started = time.time()
        truth = write_trial(faces, patients, args.appearances, photos, args.seed)
        log.info("%d patients painted in %.0f s", len(truth), time.time() - started)
        with open(args.out / "truth.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(next(iter(truth.values()))))
            writer.writeheader()
            writer.writerows(truth.values())
    rows, summary = [], {"patients": len(truth), "seed": args.seed, "runs": {}}
    for appearance in args.appearances:
        scored = {}
        for mode in sorted(args.modes, key=lambda m: m != "masks"):  # the true masks first: photo coverage
            results, per_subject, seconds = run_mode(
                photos / appearance,
                args.out / "runs" / f"{appearance}-{mode}",
                mode,
                args.workers,
                args.uncertainty,
                args.model,
                not args.evaluate_only,
            )
            scored[mode] = results
            metrics = evaluate(truth, results, per_subject)
            run_dir = args.out / "runs" / f"{appearance}-{mode}"
            if mode == "model":
                metrics += mask_agreement(truth, results, run_dir, photos / appearance / "masks")
            if mode == "model" and "masks" in scored:
                bands = {s: t["band"] for s, t in truth.items()}
                model_rows = [dict(r, band=bands.get(r.get("subject_id"), "")) for r in results]
                for group, share in photo_coverage(model_rows, scored["masks"]).items():
                    metrics.append({"group": group, "metric": "photo_interval_coverage", "value": share})
            rows += [{"appearance": appearance, "mode": mode, **m} for m in metrics]
            summary["runs"][f"{appearance}-{mode}"] = {
                "seconds": round(seconds, 1),
                "photos_per_second": round(len(results) / seconds, 2),
                **{m["metric"]: m["value"] for m in metrics if m["group"] == "all"},
            }
            log.info("%s, %s: %s", appearance, mode, json.dumps(summary["runs"][f"{appearance}-{mode}"]))
    with open(args.out / "benchmark.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["appearance", "mode", "group", "metric", "value", "ci_low",
                                                    "ci_high", "n"])  # fmt: skip
        writer.writeheader()
        writer.writerows(rows)
    (args.out / "benchmark.json").write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
