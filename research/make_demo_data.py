"""Make the demo photos in data/samples/ from skimage.data.astronaut() (public domain).

Three skin tones (light: the original; tan and brown: melanin added) x two visits (baseline, week24), as small
JPEGs. Each "subject" takes a different course to week 24 (:data:`COURSES`), so that ``vitiscore compare`` has a
responder and non-responders to find: the light face clears (100 % less), the tan face partly repigments (68 %
less: an F-VASI50 but not an F-VASI75 responder), the brown face spreads (27 % more). Also writes truth.csv (the
painted lesion area and the true depigmented fraction of the facial area drawn by vitiscore on the unpainted
photo, default options) and manifest.csv (path, subject_id, visit, view) for ``vitiscore score --manifest``.

    python -m research.make_demo_data [-o data/samples] [--seed 1]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from PIL import Image

from vitiscore.face import locate, region
from vitiscore.training import synth

COURSES = {"light": "cleared", "tan": "partial", "brown": "spreading"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--out", default="data/samples", help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="seed of the lesion shapes")
    parser.add_argument("--quality", type=int, default=90, help="JPEG quality (1-95)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for tone in synth.TONE_SHIFTS:
        base = synth.retone(synth.astronaut_face(), tone)
        landmarks = locate(base)
        facial = region(base, landmarks)
        area = facial.photo_labels(base.shape) > 0
        for visit in ("baseline", "week24"):
            truth = synth.demo_lesions(
                base.shape[:2], landmarks.points, area, visit, seed=args.seed, course=COURSES[tone]
            )
            photo = synth.paint_depigmentation(base, truth)
            name = f"{tone}_{visit}.jpg"
            Image.fromarray(photo).save(out / name, quality=args.quality)
            rows.append(
                {
                    "image": name,
                    "subject_id": f"astronaut_{tone}",
                    "visit": visit,
                    "skin_tone": tone,
                    "course": COURSES[tone],
                    "lesion_px": int(truth.sum()),
                    "facial_area_px": int(area.sum()),
                    "true_depigmented_fraction": round(float((truth & area).sum() / area.sum()), 6),
                    "true_fvasi": round(float((truth & area).sum() / area.sum()) * 3.0, 6),
                }
            )
            print(f"{name}: true depigmented fraction {rows[-1]['true_depigmented_fraction']:.4f}")
    with open(out / "truth.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with open(out / "manifest.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "subject_id", "visit", "view"])
        writer.writeheader()
        writer.writerows(
            {"path": r["image"], "subject_id": r["subject_id"], "visit": r["visit"], "view": "frontal"} for r in rows
        )


if __name__ == "__main__":
    main()
