"""How a depigmentation model does on what it did not train on: lesion appearances, capture and whole photos.

    python -m research.generalisation appearances DATA_DIR -o OUT --models MODEL...
    python -m research.generalisation whole-photos DATA_DIR -o OUT --models MODEL...
    python -m research.generalisation robustness PHOTO_DIR -o OUT --models MODEL...

``appearances`` paints each lesion appearance of :mod:`vitiscore.training.appearance` on faces no model trained
on (the synthetic-test half of the FASSEG frontal test faces and the held-out 20 % of Pratheepan), each re-toned
to one ITA per Chardon band and saved as JPEG q92; transplanted lesions come from the *validation* photos of
``vitiligo_real``, which no training run transplants. The same faces without lesions are the clear cases. Per
model and appearance it reports the recall of lesion area (pooled over the cases), the Dice by case, and the
mean absolute error of the depigmented fraction of the skin per ITA band; per model, the share of the clear
faces' skin that it marks. Run it on models each trained without one appearance for the leave-one-out matrix.

``whole-photos`` runs each model on whole photos, vitiligo (the validation groups of ``vitiligo_real``) and
normal (the held-out Pratheepan photos), and reports the ROC AUC of the depigmented fraction (of the skin, for
a model with a skin head; of the photo otherwise).

``robustness`` scores every photo of PHOTO_DIR under each condition of
:data:`research.robustness.CONDITIONS` with the face pipeline and reports how far each moves the
facial depigmented fraction from the lossless original.

Each writes CSV tables and a ``summary.json`` into OUT.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

from vitiscore.files import write_csv
from vitiscore.training import datasets
from vitiscore.training.appearance import APPEARANCES, lesion_bank
from vitiscore.training.data import jpeg_roundtrip, paint_appearance, resized_base
from vitiscore.training.lesion_shapes import load_shape_model
from vitiscore.training.skin_tones import BAND_B_STAR, BAND_ITA_EXAMPLES, retone_to_ita

log = logging.getLogger(__name__)

BAND_NAMES = ("dark", "brown", "tan", "intermediate", "light", "very_light")
CASE_LONG_SIDE = 400


def held_out_bases(data_dir: Path) -> list:
    """Faces and photos of normal skin that no training run paints on: the synthetic-test half of the FASSEG
    frontal test faces and the held-out Pratheepan photos, scaled to a longer side of CASE_LONG_SIDE px."""
    faces = datasets.fasseg_frontal_test_halves(data_dir / "faces_fasseg")[1]
    photos = datasets.pratheepan(data_dir / "skin_pratheepan")[1]
    return [resized_base(b, CASE_LONG_SIDE) for b in faces + photos]


def appearance_cases(bases, appearance: str | None, shapes, bank, seed: int = 0) -> list[dict]:
    """One case per base and ITA band: the base re-toned to the band's example ITA, painted with
    ``appearance`` (None: clear), saved as JPEG q92. Each case: rgb, truth (bool), skin (bool), band."""
    cases = []
    for i, base in enumerate(bases):
        for band, ita in zip(BAND_NAMES, BAND_ITA_EXAMPLES):
            rng = np.random.default_rng([seed, i, int(ita) + 100])
            rgb = retone_to_ita(base.rgb, base.skin, ita, BAND_B_STAR)
            truth = np.zeros(base.skin.shape, bool)
            if appearance is not None:
                rgb, truth = paint_appearance(appearance, rgb, base, rng, shapes, bank)
            cases.append({"rgb": jpeg_roundtrip(rgb, 92), "truth": truth, "skin": base.skin, "band": band})
    return cases


def _masks(segmenter, images: list[np.ndarray], batch: int = 8) -> list[np.ndarray]:
    out = []
    for i in range(0, len(images), batch):
        chunk = images[i : i + batch]
        out += [s.mask for s in segmenter.predict_batch(chunk, [np.ones(im.shape[:2], bool) for im in chunk])]
    return out


def appearance_scores(masks: list[np.ndarray], cases: list[dict]) -> dict:
    """Recall of lesion area pooled over ``cases``, mean Dice, and the fraction MAE (of the skin) by band."""
    hit = sum(int((m & c["truth"]).sum()) for m, c in zip(masks, cases))
    total = sum(int(c["truth"].sum()) for c in cases)
    dice, errors = [], {b: [] for b in BAND_NAMES}
    for m, c in zip(masks, cases):
        marked, truth, skin = m & c["skin"], c["truth"], c["skin"]
        dice.append(2 * (marked & truth).sum() / max(int(marked.sum() + truth.sum()), 1))
        errors[c["band"]].append(abs(marked.sum() - truth.sum()) / max(int(skin.sum()), 1))
    return {
        "recall": round(hit / total, 4) if total else None,
        "dice": round(float(np.mean(dice)), 4),
        "fraction_mae": round(float(np.mean([e for v in errors.values() for e in v])), 4),
        **{f"mae_{b}": round(float(np.mean(v)), 4) for b, v in errors.items() if v},
    }


def clear_marked(masks: list[np.ndarray], cases: list[dict]) -> dict:
    """Mean share (0-1) of the clear cases' skin marked, overall and by band."""
    shares = {b: [] for b in BAND_NAMES}
    for m, c in zip(masks, cases):
        shares[c["band"]].append((m & c["skin"]).sum() / max(int(c["skin"].sum()), 1))
    return {
        "clear_marked": round(float(np.mean([s for v in shares.values() for s in v])), 4),
        **{f"clear_marked_{b}": round(float(np.mean(v)), 4) for b, v in shares.items() if v},
    }


def run_appearances(data_dir: Path, models: list[str], out: Path, seed: int = 0) -> list[dict]:
    from vitiscore.segment import load_segmenter

    _, val_records = datasets.split_real(datasets.read_real_index(data_dir / "vitiligo_real"))
    bank = lesion_bank(datasets.load_real(r) for r in val_records)
    shapes = load_shape_model(data_dir / "lesion_shapes" / "distribution-40-new.mat")
    bases = held_out_bases(data_dir)
    sets = {a: appearance_cases(bases, a, shapes, bank, seed) for a in APPEARANCES}
    clear = appearance_cases(bases, None, shapes, bank, seed)
    log.info("%d bases, %d cases per appearance", len(bases), len(clear))
    rows = []
    for model in models:
        segmenter = load_segmenter(model)
        marked = clear_marked(_masks(segmenter, [c["rgb"] for c in clear]), clear)
        for appearance, cases in sets.items():
            scores = appearance_scores(_masks(segmenter, [c["rgb"] for c in cases]), cases)
            rows.append({"model": segmenter.model_id, "appearance": appearance, **scores, **marked})
            log.info("%s %s %s", segmenter.model_id, appearance, scores)
    write_csv(out / "appearances.csv", rows, list(rows[0]))
    return rows


def roc_auc(positive: list[float], negative: list[float]) -> float:
    """Probability that a positive outscores a negative (ties count half): the Mann-Whitney U over n1 n2."""
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(positive, negative).statistic / (len(positive) * len(negative)))


def run_whole_photos(data_dir: Path, models: list[str], out: Path) -> list[dict]:
    from vitiscore.segment import load_segmenter

    _, val_records = datasets.split_real(datasets.read_real_index(data_dir / "vitiligo_real"))
    vitiligo = [datasets.load_real(r)[0] for r in val_records]
    normal = [b.rgb for b in datasets.pratheepan(data_dir / "skin_pratheepan")[1]]
    rows, per_photo = [], []
    for model in models:
        segmenter = load_segmenter(model)
        fractions = {}
        for label, images in (("vitiligo", vitiligo), ("normal", normal)):
            values = []
            for rgb in images:
                seg = segmenter.predict_batch([rgb], [np.ones(rgb.shape[:2], bool)])[0]
                if seg.skin is None:
                    values.append(float(seg.mask.mean()))
                else:
                    values.append(float((seg.mask & seg.skin).sum() / max(int(seg.skin.sum()), 1)))
                per_photo.append({"model": segmenter.model_id, "label": label, "fraction": round(values[-1], 5)})
            fractions[label] = values
        rows.append(
            {
                "model": segmenter.model_id,
                "counts": "skin" if getattr(segmenter, "has_skin_head", False) else "whole photo",
                "vitiligo_photos": len(vitiligo),
                "normal_photos": len(normal),
                "auc": round(roc_auc(fractions["vitiligo"], fractions["normal"]), 4),
                "median_vitiligo": round(float(np.median(fractions["vitiligo"])), 4),
                "median_normal": round(float(np.median(fractions["normal"])), 4),
            }
        )
        log.info("%s", rows[-1])
    write_csv(out / "whole_photos.csv", rows, list(rows[0]))
    write_csv(out / "whole_photos_by_photo.csv", per_photo, list(per_photo[0]))
    return rows


def run_robustness(photo_dir: Path, models: list[str], out: Path) -> list[dict]:
    from research.robustness import run_suite
    from vitiscore.files import discover_photos, load_photo

    photos = {p.stem: load_photo(p).rgb for p in discover_photos([photo_dir], recursive=False)}
    rows = []
    for model in models:
        fractions, table = run_suite(photos, out / "files" / Path(model).name, model)
        rows += [{"model": model, **r} for r in table]
        (out / f"robustness_{Path(model).name}.json").write_text(json.dumps(fractions, indent=2) + "\n")
    write_csv(out / "robustness.csv", rows, list(rows[0]))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("check", choices=("appearances", "whole-photos", "robustness"))
    parser.add_argument("data", type=Path, help="DATA_DIR (appearances, whole-photos) or PHOTO_DIR (robustness)")
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--models", nargs="+", required=True, help="model ids or model folders")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if not args.data.is_dir():
        parser.error(f"data: {args.data} is not a folder")
    args.out.mkdir(parents=True, exist_ok=True)
    run = {"appearances": run_appearances, "whole-photos": run_whole_photos, "robustness": run_robustness}
    rows = run[args.check](args.data, args.models, args.out)
    (args.out / f"summary_{args.check}.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
