"""What a photo holds beside skin, painted as hard negatives: pale scenery, blond and grey hair, and look-alikes
(white light, pale blobs) that are not depigmentation."""

from __future__ import annotations

import cv2
import numpy as np

from vitiscore.colour import lab_to_rgb, rgb_to_lab
from vitiscore.training import synth


def _add_white_light(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    out = rgb.astype(np.float32)
    out += alpha[..., None] * (255.0 - out)
    return np.clip(out, 0, 255).astype(np.uint8)


def _blob(shape, rng, centre, radii, angle) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.ellipse(
        mask,
        (int(centre[0]), int(centre[1])),
        (max(1, int(radii[0])), max(1, int(radii[1]))),
        float(angle),
        0,
        360,
        1,
        -1,
    )
    return mask.astype(np.float32)


def look_alikes(rgb: np.ndarray, skin: np.ndarray, rng: np.random.Generator, count: int) -> np.ndarray:
    """Paint ``count`` unlabelled look-alikes of depigmentation: shine, make-up or a pale scar."""
    shape = skin.shape
    ys, xs = np.nonzero(skin)
    scale = float(np.sqrt(xs.size))
    skin_weight = skin.astype(np.float32)
    for _ in range(count):
        i = rng.integers(xs.size)
        centre = (xs[i], ys[i])
        kind = rng.choice(["shine", "makeup", "scar"], p=[0.45, 0.3, 0.25])
        if kind == "shine":
            blob = _blob(shape, rng, centre, scale * rng.uniform(0.02, 0.08, 2), rng.uniform(0, 180))
            alpha = cv2.GaussianBlur(blob, (0, 0), scale * 0.02) * skin_weight * rng.uniform(0.3, 0.75)
            rgb = _add_white_light(rgb, alpha)
        elif kind == "makeup":
            blob = _blob(shape, rng, centre, scale * rng.uniform(0.1, 0.25, 2), rng.uniform(0, 180))
            soft = cv2.GaussianBlur(blob, (0, 0), scale * 0.06) * skin_weight
            painted = synth.paint_depigmentation(rgb, blob > 0, strength=1.0, feather_px=0)
            w = (soft * rng.uniform(0.08, 0.2))[..., None]
            rgb = np.clip(rgb * (1 - w) + painted * w, 0, 255).astype(np.uint8)
        else:
            length = scale * rng.uniform(0.05, 0.15)
            angle = rng.uniform(0, np.pi)
            end = (int(centre[0] + length * np.cos(angle)), int(centre[1] + length * np.sin(angle)))
            line = np.zeros(shape, np.uint8)
            cv2.line(line, (int(centre[0]), int(centre[1])), end, 1, int(rng.integers(1, 4)))
            rgb = synth.paint_depigmentation(
                rgb, line.astype(bool) & skin, strength=rng.uniform(0.3, 0.6), feather_px=0.7
            )
    return rgb


def pale_scenery(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A plain pale backdrop (h, w, 3) uint8: a wall, sheet or screen of grey level 165-250 with a slight tint
    (any hue: white, grey, beige, pale blue, pink), a lighting gradient, soft blotches, fine texture, and
    sometimes a few paler or darker panels with straight edges (door frames, furniture)."""
    h, w = shape
    colour = rng.uniform(165, 250) + rng.normal(0, 10, 3)
    img = np.empty((h, w, 3), np.float32)
    img[:] = colour
    for _ in range(int(rng.integers(0, 3)) if rng.random() < 0.35 else 0):
        x0, x1 = np.sort(rng.integers(0, w, 2))
        y0, y1 = np.sort(rng.integers(0, h, 2))
        img[y0 : y1 + 1, x0 : x1 + 1] = rng.uniform(150, 250) + rng.normal(0, 10, 3)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    direction = rng.normal(0, 1, 2)
    ramp = (xx / w - 0.5) * direction[0] + (yy / h - 0.5) * direction[1]
    img *= (1.0 + rng.uniform(0, 0.35) * ramp)[..., None]
    blotches = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), max(h, w) / 10)
    img += (blotches / max(float(np.abs(blotches).max()), 1e-6) * rng.uniform(0, 20))[..., None]
    img += rng.normal(0, rng.uniform(0, 5), img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def replace_scenery(rgb: np.ndarray, scenery: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # A one-pixel soft edge, as a real outline against a wall is never a hard pixel step.
    alpha = cv2.GaussianBlur(scenery.astype(np.float32), (0, 0), 1.0)[..., None]
    return np.clip(rgb * (1 - alpha) + pale_scenery(scenery.shape, rng) * alpha, 0, 255).astype(np.uint8)


# Light hair: blond (yellow) or grey to white, CIELAB (L*, b*) ranges chosen by eye on the rendered faces. What
# matters is that they overlap depigmented skin in lightness.
LIGHT_HAIR_SHADES = {"blond": ((55.0, 80.0), (14.0, 32.0)), "grey": ((58.0, 90.0), (0.0, 8.0))}


def lighten_hair(rgb: np.ndarray, hair: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``rgb`` with the ``hair`` pixels recoloured to a light shade (:data:`LIGHT_HAIR_SHADES`, blond or grey).

    Why: nearly every base photo has dark hair, and models trained on them have called a fair forehead under a
    blond fringe depigmented (the effect: docs/experiments/). Strands keep their texture:
    lightness is scaled about the hair's median (by at most 2, so that dark hair's specular streaks stay
    streaks, and by at most +15 L* so that they never blow out), and b* is shifted. Only the head hair changes:
    pieces under a fifth of the largest (eyebrows, which FASSEG labels as hair) keep their colour, since white
    brows would teach that a white patch above the eye is never a lesion. Within 2 px past the label, which
    often stops short of the hairline, pixels change as far as they are as dark as hair. Pixels farther from
    the head hair are unchanged.
    """
    if hair.shape != rgb.shape[:2]:
        raise ValueError(f"hair must have shape {rgb.shape[:2]}, got {hair.shape}")
    n, labels, stats, _ = cv2.connectedComponentsWithStats(hair.astype(np.uint8))
    if n < 2:
        return rgb.copy()
    areas = stats[1:, cv2.CC_STAT_AREA]
    hair = np.isin(labels, 1 + np.flatnonzero(areas >= 0.2 * areas.max()))
    (l_low, l_high), (b_low, b_high) = LIGHT_HAIR_SHADES[str(rng.choice(sorted(LIGHT_HAIR_SHADES)))]
    lab = rgb_to_lab(rgb)
    now_l, now_a, now_b = (float(np.median(lab[..., i][hair])) for i in range(3))
    target_l = rng.uniform(l_low, l_high)
    gain = min(target_l / max(now_l, 1.0), 2.0)
    light = lab.copy()
    light[..., 0] = np.clip(target_l + np.clip((lab[..., 0] - now_l) * gain, -30.0, 15.0), 0.0, 100.0)
    light[..., 1] = (lab[..., 1] - now_a) * 0.5 + rng.uniform(0.0, 6.0)
    light[..., 2] = lab[..., 2] - now_b + rng.uniform(b_low, b_high)
    # Past the label, only pixels as dark as hair change (the strands the label missed): a flat reach would
    # paint a pale halo on the skin at the hairline, an unlabelled look-alike of a lesion.
    reach = cv2.dilate(hair.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))).astype(bool)
    ring = reach & ~hair
    if ring.any():
        around = float(np.median(lab[..., 0][ring]))
        hair_like = np.clip((max(around, now_l + 1.0) - lab[..., 0]) / max(around - now_l, 1.0), 0.0, 1.0)
    else:
        hair_like = np.zeros(hair.shape, np.float32)
    alpha = np.where(hair, 1.0, np.where(ring, hair_like, 0.0)).astype(np.float32)
    alpha = np.maximum(cv2.GaussianBlur(alpha, (0, 0), 1.0), hair)[..., None]
    out = rgb.astype(np.float32) * (1 - alpha) + lab_to_rgb(light).astype(np.float32) * alpha
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
