"""Independent models of how depigmentation looks, each with its own shapes, borders and colour.

A network trained on one way of painting lesions learns that way, not vitiligo. Three models that share nothing
but the skin they are painted on let a model be tested on an appearance it never saw (leave one appearance out):

- ``melanin``: the physical model of :func:`vitiscore.training.synth.paint_depigmentation` (melanin loss in
  CIELAB, texture kept at reduced contrast) on outlines from the Fourier shape model of real lesion boundaries,
  with perifollicular islands (:func:`vitiscore.training.data.paint_lesions`, which lives with the synthesis it
  was first written for).
- ``milky``: milky-white patches (L* 80-93, nearly neutral) that keep the skin's full texture, shaped as
  clusters of overlapping smooth blobs or as confetti (many small macules), with borders from sharp to a broad
  gradient.
- ``transplant``: lesions cut from real photos (:class:`LesionBank`): the outline of a real lesion, its colour
  and its texture, moved onto the face and merged with Laplacian-pyramid blending, which gives a broad, diffuse
  border (the colour ramps over about 30 px either side of the outline, half-way at the outline itself).

:func:`vitiscore.training.data.paint_appearance` paints any of them by name. Every painter returns (rgb, mask):
the mask is the hard outline inside ``base.skin``; the borders are blended about it, so the painted area matches
the mask's.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vitiscore.colour import lab_to_rgb, rgb_to_lab
from vitiscore.training import synth

APPEARANCES = ("melanin", "milky", "transplant")


def _skin_scale(skin: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    ys, xs = np.nonzero(skin)
    return xs, ys, float(np.sqrt(xs.size))


def _centre(rng: np.random.Generator, base, xs, ys, scale: float) -> np.ndarray:
    if base.sites.size and rng.random() < 0.4:
        return base.sites[rng.integers(len(base.sites))] + rng.normal(0, 0.08 * scale, 2)
    i = rng.integers(xs.size)
    return np.array([xs[i], ys[i]], float)


# --- milky ------------------------------------------------------------------------------------------------------


def milky_shape(rng: np.random.Generator, shape: tuple[int, int], centre, radius: float) -> np.ndarray:
    """A milky patch's outline as a bool mask: a cluster of 1-4 smooth overlapping blobs (two in three), or
    confetti: 8-40 macules of 6-25 % of ``radius`` scattered within ``radius`` of ``centre``."""
    mask = np.zeros(shape, np.uint8)
    if rng.random() < 2 / 3:
        for _ in range(int(rng.integers(1, 5))):
            offset = rng.normal(0, 0.5 * radius, 2)
            outline = synth.lesion_outline(
                rng, tuple(np.asarray(centre) + offset), radius * rng.uniform(0.4, 1.0), 0.12
            )
            mask |= synth.fill_outline(shape, outline).astype(np.uint8)
        return mask.astype(bool)
    for _ in range(int(rng.integers(8, 41))):
        r = radius * rng.uniform(0.06, 0.25)
        angle, dist = rng.uniform(0, 2 * np.pi), radius * np.sqrt(rng.uniform(0, 1))
        c = (int(centre[0] + dist * np.cos(angle)), int(centre[1] + dist * np.sin(angle)))
        cv2.ellipse(
            mask, c, (max(1, int(r)), max(1, int(r * rng.uniform(0.6, 1.0)))), rng.uniform(0, 180), 0, 360, 1, -1
        )
    return mask.astype(bool)


def paint_milky(rgb: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paint a milky-white patch inside ``mask``: the local colour moves to L* 80-93 (at least 12 above the
    skin), a* 1-7, b* 2-9, at a degree of 0.7-1; the skin's texture is kept in full. The border is sharp
    (feather 0.5 px) or a gradient of up to 6 px, half the time each."""
    lab = rgb_to_lab(rgb)
    local = cv2.GaussianBlur(lab, (0, 0), 5.0)
    target = np.empty_like(lab)
    target[..., 0] = np.maximum(rng.uniform(80, 93), local[..., 0] + 12.0)
    target[..., 1] = rng.uniform(1, 7)
    target[..., 2] = rng.uniform(2, 9)
    feather = rng.uniform(0.3, 0.8) if rng.random() < 0.5 else rng.uniform(2.0, 6.0)
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), feather) * rng.uniform(0.7, 1.0)
    painted = lab + alpha[..., None] * (target - local)
    return lab_to_rgb(painted)


def paint_milky_lesions(rgb: np.ndarray, base, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One to four milky patches on the skin of ``base``; (rgb, mask)."""
    xs, ys, scale = _skin_scale(base.skin)
    mask = np.zeros(base.skin.shape, bool)
    for _ in range(int(min(4, rng.geometric(0.5)))):
        radius = scale * float(np.exp(rng.uniform(np.log(0.04), np.log(0.22))))
        lesion = milky_shape(rng, base.skin.shape, _centre(rng, base, xs, ys, scale), radius) & base.skin
        if lesion.sum() < 12:
            continue
        rgb = paint_milky(rgb, lesion, rng)
        mask |= lesion
    return rgb, mask


# --- transplant -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RealLesion:
    """One lesion cut from a real photo: ``rgb`` (h, w, 3) uint8 around it, ``mask`` (h, w) bool its outline."""

    rgb: np.ndarray
    mask: np.ndarray


@dataclass(frozen=True)
class LesionBank:
    """Real lesions to transplant (:func:`lesion_bank`)."""

    lesions: tuple[RealLesion, ...]

    def __post_init__(self):
        if not self.lesions:
            raise ValueError("a lesion bank needs at least one lesion")


def lesion_bank(pairs, min_area_px: int = 150, margin: float = 0.15) -> LesionBank:
    """Every connected lesion of at least ``min_area_px`` pixels in ``pairs`` ((rgb, mask bool) of real photos),
    cut out with ``margin`` (share of its size) around it. Built from training photos only: what a held-out
    test transplants comes from held-out photos."""
    lesions = []
    for rgb, mask in pairs:
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8))
        for i in range(1, n):
            x, y, w, h, area = stats[i]
            if area < min_area_px:
                continue
            m = int(round(margin * max(w, h)))
            y0, y1, x0, x1 = max(0, y - m), min(mask.shape[0], y + h + m), max(0, x - m), min(mask.shape[1], x + w + m)
            lesions.append(RealLesion(rgb[y0:y1, x0:x1].copy(), labels[y0:y1, x0:x1] == i))
    return LesionBank(tuple(lesions))


def laplacian_blend(back: np.ndarray, front: np.ndarray, alpha: np.ndarray, levels: int = 4) -> np.ndarray:
    """``front`` merged into ``back`` (float32 (h, w, c)) where ``alpha`` (h, w, 0-1): each band of a Laplacian
    pyramid is blended with the mask smoothed to that band's scale (Burt and Adelson, 1983), so coarse colour
    merges over a wide border (with 4 levels, about 30 px either side of a hard edge; at the edge itself, half of
    each) and fine texture over a narrow one. Written here because OpenCV and scikit-image
    build pyramids but do not blend them."""
    h, w = alpha.shape
    levels = max(1, min(levels, int(np.log2(max(1, min(h, w)))) - 2))
    gauss_a, gauss_b, gauss_m = [front], [back], [alpha[..., None]]
    for _ in range(levels):
        gauss_a.append(cv2.pyrDown(gauss_a[-1]))
        gauss_b.append(cv2.pyrDown(gauss_b[-1]))
        m = cv2.pyrDown(gauss_m[-1])
        gauss_m.append(m[..., None] if m.ndim == 2 else m)
    blended = gauss_m[-1] * gauss_a[-1] + (1 - gauss_m[-1]) * gauss_b[-1]
    for i in range(levels - 1, -1, -1):
        size = (gauss_a[i].shape[1], gauss_a[i].shape[0])
        lap_a = gauss_a[i] - cv2.pyrUp(gauss_a[i + 1], dstsize=size)
        lap_b = gauss_b[i] - cv2.pyrUp(gauss_b[i + 1], dstsize=size)
        up = cv2.pyrUp(blended, dstsize=size)
        up = up[..., None] if up.ndim == 2 else up
        blended = up + gauss_m[i] * lap_a + (1 - gauss_m[i]) * lap_b
    return blended


def _placed(lesion: RealLesion, rng, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """The lesion's (rgb, mask) scaled so its outline has the area of a disc of ``radius``, turned and flipped."""
    k = int(rng.integers(4))
    rgb, mask = np.rot90(lesion.rgb, k), np.rot90(lesion.mask, k)
    if rng.random() < 0.5:
        rgb, mask = rgb[:, ::-1], mask[:, ::-1]
    f = float(np.clip(radius * np.sqrt(np.pi / max(int(mask.sum()), 1)), 0.05, 8.0))
    size = (max(2, round(mask.shape[1] * f)), max(2, round(mask.shape[0] * f)))
    rgb = cv2.resize(np.ascontiguousarray(rgb), size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    mask = cv2.resize(np.ascontiguousarray(mask).astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    return rgb, mask


def transplant(rgb: np.ndarray, base_skin: np.ndarray, lesion: RealLesion, centre, radius: float, rng):
    """``rgb`` with ``lesion`` moved onto it at ``centre`` (x, y px) with the area of a disc of ``radius`` px;
    returns (rgb, its mask inside ``base_skin``). The lesion brings its outline, its mean colour and its own
    texture (its deviation from its local mean); its lightness is kept at least 12 L* above the skin it lands
    on, as depigmented skin is never darker than the skin around it."""
    src_rgb, src_mask = _placed(lesion, rng, radius)
    h, w = base_skin.shape
    sh, sw = src_mask.shape
    x0, y0 = int(round(centre[0] - sw / 2)), int(round(centre[1] - sh / 2))
    # The part of the cut that falls inside the photo.
    ax0, ay0, ax1, ay1 = max(0, x0), max(0, y0), min(w, x0 + sw), min(h, y0 + sh)
    mask = np.zeros((h, w), bool)
    if ax1 <= ax0 or ay1 <= ay0:
        return rgb, mask
    mask[ay0:ay1, ax0:ax1] = src_mask[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0]
    mask &= base_skin
    if mask.sum() < 12:
        return rgb, np.zeros((h, w), bool)
    src_lab = rgb_to_lab(src_rgb)
    colour = np.median(src_lab[src_mask], axis=0)
    texture = np.zeros((h, w, 3), np.float32)
    src_texture = src_lab - cv2.GaussianBlur(src_lab, (0, 0), 3.0)
    texture[ay0:ay1, ax0:ax1] = src_texture[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0]
    lab = rgb_to_lab(rgb)
    local = cv2.GaussianBlur(lab, (0, 0), 6.0)
    front = np.empty_like(lab)
    front[..., 0] = np.maximum(colour[0], local[..., 0] + 12.0)
    front[..., 1:] = colour[1:]
    # The lesion's own texture, and a little of the face's (fine shading that crosses the border).
    front += texture + 0.3 * (lab - local)
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), rng.uniform(0.5, 1.5))
    merged = laplacian_blend(lab.astype(np.float32), front.astype(np.float32), alpha)
    return lab_to_rgb(merged), mask


def paint_transplants(rgb: np.ndarray, base, rng: np.random.Generator, bank: LesionBank):
    """One to four real lesions from ``bank`` transplanted onto the skin of ``base``; (rgb, mask)."""
    if bank is None:
        raise ValueError("the transplant appearance needs a bank of real lesions (appearance.lesion_bank)")
    xs, ys, scale = _skin_scale(base.skin)
    mask = np.zeros(base.skin.shape, bool)
    for _ in range(int(min(4, rng.geometric(0.5)))):
        radius = scale * float(np.exp(rng.uniform(np.log(0.04), np.log(0.22))))
        lesion = bank.lesions[rng.integers(len(bank.lesions))]
        rgb, placed = transplant(rgb, base.skin, lesion, _centre(rng, base, xs, ys, scale), radius, rng)
        mask |= placed
    return rgb, mask
