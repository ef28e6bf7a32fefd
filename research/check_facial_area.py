"""Check the facial area against the FASSEG face-part labels (a folder laid out like faces_fasseg/frontal).

For each photo: the share of the facial area that lies on labelled hair, eyes, mouth or background (all should
be near 0), its precision on skin (the share on labelled skin or nose), the share of labelled nose covered, the
hairline error on the midline (the top of the facial area minus the labelled hairline above the nasion, in units
of the nasion-chin distance; negative = stops below the hairline) and the faces found. With ``--painted`` the
forehead's top band (the labelled skin within 0.15 nasion-chin distances below the hairline) is painted
chalk-white first (L* 92, a* and b* of the skin halved): white patches at the hairline. Writes
OUT/facial_area_check.csv and prints a summary, with the heads below 0.90 precision.

    python -m research.check_facial_area PATH/TO/faces_fasseg/frontal -o OUT [--painted]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from vitiscore.colour import lab_to_rgb, rgb_to_lab
from vitiscore.face import locate, region
from vitiscore.face.landmarks import NoFaceError
from vitiscore.files import load_photo

BACKGROUND, SKIN, HAIR, EYES, NOSE, MOUTH = range(6)


def paint_hairline_patch(rgb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``rgb`` with the labelled skin just below the hairline painted chalk-white (see the module's docstring)."""
    landmarks = locate(rgb)
    p = landmarks.points
    face_height = float(np.hypot(*(p[168, :2] - p[152, :2])))
    skin = labels == SKIN
    rows = np.nonzero(skin[:, int(round(p[168, 0]))])[0]
    top = rows.min() if rows.size else int(p[10, 1])
    band = skin.copy()
    band[:top, :] = False
    band[int(top + 0.15 * face_height) :, :] = False
    band[int(p[168, 1] - 0.2 * face_height) :, :] = False  # never down to the brows
    lab = rgb_to_lab(rgb)
    lab[band, 0] = 92.0
    lab[band, 1:] *= 0.5
    return lab_to_rgb(lab)


def check(rgb: np.ndarray, labels: np.ndarray) -> dict:
    landmarks = locate(rgb)
    facial = region(rgb, landmarks)
    area = facial.photo_labels(rgb.shape) > 0
    n = area.sum()
    p = landmarks.points
    x = int(round(p[168, 0]))
    face_height = float(np.hypot(*(p[168, :2] - p[152, :2])))
    column = labels[: int(p[168, 1]), x]
    hair_rows = np.nonzero(column == HAIR)[0]
    area_rows = np.nonzero(area[:, x])[0]
    hairline_error = float("nan")
    if hair_rows.size and area_rows.size:
        labelled = hair_rows.max() + 1  # first skin row below the hair on the midline
        hairline_error = (labelled - area_rows.min()) / face_height
    return {
        "precision_on_skin": (area & ((labels == SKIN) | (labels == NOSE))).sum() / n,
        "faces": landmarks.n_faces,
        "on_hair": (area & (labels == HAIR)).sum() / n,
        "on_eyes": (area & (labels == EYES)).sum() / n,
        "on_mouth": (area & (labels == MOUTH)).sum() / n,
        "on_background": (area & (labels == BACKGROUND)).sum() / n,
        "nose_covered": (area & (labels == NOSE)).sum() / max((labels == NOSE).sum(), 1),
        "hairline_error": hairline_error,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="folder with */rgb/*.png and */labels_index/*.png (FASSEG frontal)")
    parser.add_argument("-o", "--out", required=True, help="output folder")
    parser.add_argument("--painted", action="store_true", help="paint chalk-white patches at the hairline first")
    args = parser.parse_args()
    rows = []
    for path in sorted(Path(args.data).glob("*/rgb/*.png")):
        labels = np.asarray(load_photo(path.parent.parent / "labels_index" / path.name).rgb[:, :, 0])
        try:
            rgb = load_photo(path).rgb
            rgb = paint_hairline_patch(rgb, labels) if args.painted else rgb
            rows.append({"image": f"{path.parent.parent.name}/{path.name}", **check(rgb, labels)})
        except NoFaceError:
            rows.append({"image": f"{path.parent.parent.name}/{path.name}", "on_hair": "no_face"})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    keys = ["image", "precision_on_skin", "faces", "on_hair", "on_eyes", "on_mouth", "on_background", "nose_covered",
            "hairline_error"]  # fmt: skip
    with open(out / "facial_area_check.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)
    scored = [r for r in rows if r.get("on_hair") != "no_face"]
    print(f"{len(rows)} photos, {len(rows) - len(scored)} without a face found")
    print(
        "below 0.90 precision on skin:",
        ", ".join(f"{r['image']} {r['precision_on_skin']:.3f}" for r in scored if r["precision_on_skin"] < 0.90)
        or "none",
    )
    print("more than one face found:", ", ".join(r["image"] for r in scored if r["faces"] > 1) or "none")
    for key in keys[1:]:
        values = np.array([r[key] for r in scored], float)
        values = values[np.isfinite(values)]
        print(
            f"{key:>15}: median {np.median(values):+.3f}  mean {values.mean():+.3f}  "
            f"5-95 % {np.percentile(values, 5):+.3f} to {np.percentile(values, 95):+.3f}  (n={values.size})"
        )


if __name__ == "__main__":
    main()
