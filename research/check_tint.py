"""The experiment of docs/experiments/2026-12-07-tinted-photos.md: the facial area's colour spread at equal
lightness (CIELAB units) and median a*, b* on every face of the evaluation data, in colour and in four tints.

    python -m research.check_tint ../shared/data data/samples tint.csv
"""

import csv
import sys
from pathlib import Path

import cv2
import numpy as np

from vitiscore import face as face_mod
from vitiscore import files as files_mod
from vitiscore.colour import rgb_to_lab
from vitiscore.face.facial_area import crop_to_frame
from vitiscore.face.landmarks import NoFaceError, locate


def spread_at_lightness(pixels: np.ndarray, width: float = 4.0, min_count: int = 50) -> float:
    """Pixel-weighted median over L* bins (``width`` wide, at least ``min_count`` pixels) of sqrt(var a* + var b*)
    within the bin; NaN when no bin is full enough."""
    lab = rgb_to_lab(pixels.reshape(-1, 1, 3)).reshape(-1, 3).astype(np.float64)
    bins = np.floor(lab[:, 0] / width).astype(int)
    spreads, weights = [], []
    for b in np.unique(bins):
        sel = bins == b
        n = int(sel.sum())
        if n < min_count:
            continue
        spreads.append(np.sqrt(lab[sel, 1].var() + lab[sel, 2].var()))
        weights.append(n)
    if not spreads:
        return float("nan")
    order = np.argsort(spreads)
    cum = np.cumsum(np.array(weights)[order])
    return float(np.array(spreads)[order][np.searchsorted(cum, cum[-1] / 2)])


def grey(rgb):
    return rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255.0


def ramp(g, dark, light):
    dark, light = np.array(dark, float), np.array(light, float)
    return np.clip(dark + g[..., None] * (light - dark), 0, 255).astype(np.uint8)


def tints(rgb):
    g = grey(rgb)
    sepia = np.clip(
        rgb.astype(np.float64) @ np.array([[0.393, 0.349, 0.272], [0.769, 0.686, 0.534], [0.189, 0.168, 0.131]]),
        0,
        255,
    ).astype(np.uint8)
    wood_rgb = np.where(
        (g > 0.75)[..., None],
        ramp((g - 0.75) / 0.25, (120, 95, 230), (215, 225, 255)),
        ramp(g / 0.75, (15, 5, 45), (120, 95, 230)),
    )
    return {
        "sepia": sepia,
        "duotone": ramp(g, (40, 20, 10), (250, 235, 200)),
        "cyanotype": ramp(g, (10, 30, 80), (235, 245, 255)),
        "wood": wood_rgb.astype(np.uint8),
    }


def jpeg(rgb, quality=90):
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def photos(data: Path, samples: Path):
    fas = data / "faces_fasseg"
    for p in sorted(fas.glob("frontal/*/rgb/*.png")) + sorted(fas.glob("multipose/train/rgb/*/*.png")):
        yield "fasseg", p
    for p in sorted((data / "skin_pratheepan" / "images").rglob("*")):
        if p.suffix.lower() in (".jpg", ".jpeg", ".png"):
            yield "pratheepan", p
    with open(data / "vitiligo_real" / "index.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["shows_face"] == "1":
                yield "vitiligo_real", data / "vitiligo_real" / row["image"]
    for p in sorted(samples.glob("*.jpg")):
        yield "demo", p


def main():
    data, samples, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    rows = []
    for source, path in photos(data, samples):
        try:
            rgb = files_mod.load_photo(path).rgb
            landmarks = locate(rgb)
        except (NoFaceError, files_mod.PhotoError):
            continue
        facial = face_mod.region(rgb, landmarks)
        for name, version in {"colour": rgb, **tints(rgb)}.items():
            coded = jpeg(version) if name != "colour" else version
            crop = crop_to_frame(coded, facial.box, facial.scale)
            pixels = crop[facial.mask]
            lab = rgb_to_lab(pixels.reshape(-1, 1, 3)).reshape(-1, 3)
            rows.append(
                dict(
                    source=source,
                    photo=path.name,
                    version=name,
                    n=len(pixels),
                    spread=round(spread_at_lightness(pixels), 3),
                    median_b=round(float(np.median(lab[:, 2])), 2),
                    median_a=round(float(np.median(lab[:, 1])), 2),
                )
            )
        print(source, path.name, [r["spread"] for r in rows[-5:]], flush=True)  # colour, then the four tints
    with open(out, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
