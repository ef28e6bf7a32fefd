"""Synthetic training photos with known depigmentation masks, painted on photos of normal skin.

One call to :func:`synthesize` turns a base photo (with a mask of the skin where lesions may go) into a training
pair. What varies, and why:

- **Skin tone**: the base is re-toned, because facial vitiligo must be found on every skin type. With
  ``skin_ita_range`` the normal skin is moved to a target ITA drawn from that range (:func:`retone_to_ita`),
  which reaches every Chardon band from dark to very light whatever the base photo's exposure; without it, to a
  target lightness by adding or taking away melanin (:func:`retone_to`, how the earliest models were trained:
  dim base photos such as FASSEG's then never get lighter than about L* 60, i.e. ITA below about 35 degrees).
- **Lesions**: one to five outlines from the Fourier shape model of real lesion boundaries (or random low
  harmonics without one), placed preferably near the eyes and mouth (periorbital and perioral vitiligo is
  common) or anywhere on the skin, sometimes overlapping into one patch. Each is painted as melanin loss
  (:func:`vitiscore.training.synth.paint_depigmentation`: lighter, less yellow, redness partly kept, texture kept) at a
  degree from hypopigmented (strength 0.5) to complete, with a sharp or feathered border, and about a third of
  them with perifollicular repigmentation islands, which are not part of the mask.
- **Hard negatives**: about one image in six has no lesion but carries the look-alikes the model must not call
  depigmented: specular shine (white light added), light make-up (a faint, broad lightening), pale linear scars
  and overexposure. Positive images carry some of these too.
- **Pale scenery** (optional, ``pale_scenery_rate``): the scene behind the person (``BaseImage.scenery``) is
  replaced by a plain pale backdrop (white, grey, beige, pale blue or pink walls and sheets, with gradients,
  blotches and edges), because clinical photos are often taken against one and a model that has only seen
  darker scenery calls a pale wall depigmented.
- **Light hair** (optional, ``light_hair_rate``): the hair (``BaseImage.hair``) turns blond or grey, because
  most base photos have dark hair, and models trained on them have called a fair forehead under a blond fringe
  depigmented.
- **Capture**: illumination gradient, white balance, gamma, blur, sensor noise, JPEG quality and in-plane
  rotation. Head pose comes from the base photos themselves (FASSEG multipose).

The mask marks the pixels painted at strength >= 0.5 inside the skin, islands excluded: the same definition of
"depigmented" as the demo truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vitiscore.training import appearance as appearances
from vitiscore.training import augment, synth
from vitiscore.training.contrast import paint_contrast_lesions
from vitiscore.training.lesion_shapes import FourierShapeModel
from vitiscore.training.scenery import lighten_hair, look_alikes, replace_scenery
from vitiscore.training.skin_tones import SKIN_B_RANGE, SKIN_LIGHTNESS_RANGE, retone_to, retone_to_ita

NEGATIVE_RATE = 1 / 6
# Label-map values of a training pair's mask (see vitiscore.training.loop): a skin head learns skin from the first
# three and ignores the fourth (real photos: only their lesions are known to be skin).
NOT_SKIN, SKIN, LESION, SKIN_UNKNOWN = 0, 1, 2, 255


@dataclass(frozen=True)
class BaseImage:
    """A photo of normal skin to paint on.

    Attributes:
        rgb: (h, w, 3) uint8.
        skin: (h, w) bool, where lesions may be painted.
        sites: (k, 2) float preferred lesion centres (x, y pixels), e.g. the eyes and the mouth; may be empty.
        name: where it came from, for logs.
        scenery: (h, w) bool, the scene behind the person (not skin, hair, eyes, lips or clothes on the
            body), which pale-scenery synthesis may replace; None when unknown.
        hair: (h, w) bool, head hair and eyebrows, which light-hair synthesis may recolour; None when unknown.
    """

    rgb: np.ndarray
    skin: np.ndarray
    sites: np.ndarray
    name: str = ""
    scenery: np.ndarray | None = None
    hair: np.ndarray | None = None

    def __post_init__(self):
        if self.rgb.ndim != 3 or self.rgb.shape[2] != 3 or self.rgb.dtype != np.uint8:
            raise ValueError("rgb must be an (h, w, 3) uint8 array")
        if self.skin.shape != self.rgb.shape[:2]:
            raise ValueError(f"skin must have shape {self.rgb.shape[:2]}, got {self.skin.shape}")
        if self.sites.ndim != 2 or self.sites.shape[1] != 2:
            raise ValueError("sites must be a (k, 2) array of (x, y) pixels")
        for name, mask in (("scenery", self.scenery), ("hair", self.hair)):
            if mask is not None and mask.shape != self.skin.shape:
                raise ValueError(f"{name} must have shape {self.skin.shape}, got {mask.shape}")


def resized_base(base: BaseImage, long_side: int) -> BaseImage:
    """``base`` scaled so that its longer side is ``long_side`` pixels."""
    h, w = base.skin.shape
    f = long_side / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    rgb = cv2.resize(base.rgb, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)

    def nearest(mask):
        return cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)

    scenery = None if base.scenery is None else nearest(base.scenery)
    hair = None if base.hair is None else nearest(base.hair)
    return BaseImage(rgb, nearest(base.skin), base.sites * f, base.name, scenery, hair)


def _outline(rng, shapes: FourierShapeModel | None, centre, radius) -> np.ndarray:
    if shapes is not None:
        return shapes.sample_outline(rng, centre, radius)
    return synth.lesion_outline(rng, centre, radius, roughness=0.35)


def lesion_outlines(rng: np.random.Generator, base: BaseImage, shapes: FourierShapeModel | None):
    """Yield (mask, strength, feather_px) for each lesion of one image."""
    shape = base.skin.shape
    ys, xs = np.nonzero(base.skin)
    scale = float(np.sqrt(xs.size))
    n_lesions = int(min(5, rng.geometric(0.45)))
    for _ in range(n_lesions):
        if base.sites.size and rng.random() < 0.5:
            site = base.sites[rng.integers(len(base.sites))]
            centre = site + rng.normal(0, 0.08 * scale, 2)
        else:
            i = rng.integers(xs.size)
            centre = np.array([xs[i], ys[i]], float)
        radius = scale * float(np.exp(rng.uniform(np.log(0.04), np.log(0.25))))
        lesion = synth.fill_outline(shape, _outline(rng, shapes, tuple(centre), radius))
        if rng.random() < 0.3:  # a neighbour that merges with it into one irregular patch
            offset = rng.normal(0, 1, 2)
            offset *= radius * rng.uniform(0.6, 1.2) / max(np.linalg.norm(offset), 1e-6)
            lesion |= synth.fill_outline(
                shape, _outline(rng, shapes, tuple(centre + offset), radius * rng.uniform(0.4, 0.9))
            )
        # Remove the thin spikes that self-crossing outlines leave.
        k = max(1, int(round(radius * 0.12)))
        lesion = cv2.morphologyEx(
            lesion.astype(np.uint8),
            cv2.MORPH_OPEN,
            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1)),
        )
        lesion = lesion.astype(bool) & base.skin
        if rng.random() < 0.35:
            island_radius = max(1.0, 0.012 * scale * rng.uniform(0.5, 1.5))
            lesion &= ~synth.repigmentation_islands(rng, lesion, rng.uniform(0.08, 0.35), island_radius)
        if lesion.sum() < 12:
            continue
        strength = rng.uniform(0.8, 1.0) if rng.random() < 0.75 else rng.uniform(0.5, 0.8)
        feather = rng.uniform(0.3, 1.0) if rng.random() < 0.5 else rng.uniform(1.0, 3.5)
        yield lesion, strength, feather


def _capture(rgb: np.ndarray, mask: np.ndarray, rng: np.random.Generator, robust: bool = False):
    """Camera and lighting variety; geometric changes are applied to the mask (bool or a label map) as well.
    With ``robust``, also what the robustness suite varies (:func:`robust_capture`), drawn after the rest so
    that the draws without it are those of earlier models."""
    h, w = mask.shape
    img = rgb.astype(np.float32) / 255.0
    if rng.random() < 0.15:  # overexposure: clipped highlights
        img *= rng.uniform(1.2, 1.6)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    direction = rng.normal(0, 1, 2)
    ramp = (xx / w - 0.5) * direction[0] + (yy / h - 0.5) * direction[1]
    img *= (1.0 + rng.uniform(0, 0.5) * ramp)[..., None]
    img *= rng.uniform(0.88, 1.12, 3)[None, None, :]
    img = np.clip(img, 0, 1) ** rng.uniform(0.8, 1.25)
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.3))
    img += rng.normal(0, rng.uniform(0, 0.015), img.shape).astype(np.float32)
    out = np.clip(np.round(img * 255), 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        angle = rng.uniform(-20, 20)
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, rng.uniform(0.9, 1.1))
        out = cv2.warpAffine(out, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
        mask = cv2.warpAffine(
            mask.astype(np.uint8), matrix, (w, h), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REFLECT_101
        ).astype(mask.dtype)
    if robust:
        out = robust_capture(out, rng)
    if rng.random() < 0.7:
        out = jpeg_roundtrip(out, int(rng.integers(35, 96)))
    return out, mask


def robust_capture(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What the robustness suite (:mod:`vitiscore.training.augment`) varies, as a training augmentation:
    colour temperature within +-1,500 K of 6,500 K, exposure within +-1 EV, and a photo taken at 0.25-1 times
    the resolution (scaled down and back up), each half of the time; the mask is unchanged by all three."""
    if rng.random() < 0.5:
        rgb = augment.white_balance(rgb, float(rng.uniform(-1500, 1500)))
    if rng.random() < 0.5:
        rgb = augment.exposure(rgb, float(rng.uniform(-1.0, 1.0)))
    if rng.random() < 0.5:
        rgb = augment.rescaled(rgb, float(rng.uniform(0.25, 1.0)), back=True)
    return rgb


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    """``rgb`` (uint8) as it comes back from a JPEG file saved at ``quality`` (1-100)."""
    _, buffer = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buffer, cv2.IMREAD_COLOR)[..., ::-1].copy()


def paint_lesions(
    rgb: np.ndarray, base: BaseImage, rng: np.random.Generator, shapes: FourierShapeModel | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Paint one to five lesions on ``rgb`` (the base photo, possibly re-toned) inside ``base.skin``; return the
    new image and the mask of depigmented pixels (islands of repigmentation excluded)."""
    mask = np.zeros(base.skin.shape, bool)
    for lesion, strength, feather in lesion_outlines(rng, base, shapes):
        rgb = synth.paint_depigmentation(rgb, lesion, strength=strength, feather_px=feather)
        mask |= lesion
    return rgb, mask


def paint_appearance(
    appearance: str, rgb: np.ndarray, base: BaseImage, rng: np.random.Generator, shapes=None, bank=None, contrast=None
):
    """Paint lesions of ``appearance`` (:data:`vitiscore.training.appearance.APPEARANCES`, or "contrast") on
    ``rgb`` inside ``base.skin``; (rgb, mask). "melanin" uses ``shapes`` (the Fourier shape model, or random
    harmonics without it), "transplant" the real lesions of ``bank``, "contrast" the outlines of "melanin" coloured
    by ``contrast`` (:class:`vitiscore.training.contrast.ContrastModel`, fitted on real lesions).

    Raises:
        ValueError: unknown ``appearance``, "transplant" without a ``bank`` or "contrast" without ``contrast``.
    """
    if appearance == "melanin":
        return paint_lesions(rgb, base, rng, shapes)
    if appearance == "milky":
        return appearances.paint_milky_lesions(rgb, base, rng)
    if appearance == "transplant":
        return appearances.paint_transplants(rgb, base, rng, bank)
    if appearance == "contrast":
        if contrast is None:
            raise ValueError("the contrast appearance needs a contrast model fitted on real lesions")
        return paint_contrast_lesions(rgb, base, rng, contrast, lesion_outlines(rng, base, shapes))
    raise ValueError(f"appearance must be one of {', '.join(appearances.APPEARANCES)}, got {appearance!r}")


def synthesize(
    base: BaseImage,
    rng: np.random.Generator,
    shapes: FourierShapeModel | None = None,
    negative_rate: float = NEGATIVE_RATE,
    pale_scenery_rate: float = 0.0,
    skin_ita_range: tuple[float, float] | None = None,
    light_hair_rate: float = 0.0,
    appearance: str = "melanin",
    bank=None,
    labels: bool = False,
    robust: bool = False,
    contrast=None,
) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic training pair from ``base``: (rgb (h, w, 3) uint8, mask (h, w) bool of depigmented skin), or
    with ``labels`` a uint8 label map instead of the mask (NOT_SKIN, SKIN, LESION: ``base.skin`` is the skin).

    Deterministic for a given generator state. ``negative_rate`` (0-1) is the share of images with no lesion (an
    all-False mask) but with look-alikes. ``pale_scenery_rate`` (0-1) is the share of images whose scenery (where
    the base knows it) becomes a pale backdrop; at 0 no random number is drawn for it, so pairs made before the
    option existed are made again unchanged. ``skin_ita_range`` (low, high degrees): re-tone the skin to an ITA
    drawn from it (:func:`retone_to_ita`, e.g. SKIN_ITA_RANGE); None re-tones by lightness as the earliest models
    were trained. ``light_hair_rate`` (0-1) is the share of images whose hair (where the base knows it) turns blond
    or grey (:func:`lighten_hair`); like the scenery, no draw at 0. ``appearance`` names how lesions look and are
    shaped (:data:`vitiscore.training.appearance.APPEARANCES`; "transplant" needs a ``bank`` of real lesions,
    "contrast" a ``contrast`` model). ``robust`` adds :func:`robust_capture`. A base with no skin pixels gives the
    re-captured photo and an empty mask.
    """
    for name, rate in (
        ("negative_rate", negative_rate),
        ("pale_scenery_rate", pale_scenery_rate),
        ("light_hair_rate", light_hair_rate),
    ):
        if not 0 <= rate <= 1:
            raise ValueError(f"{name} must be in [0, 1], got {rate}")
    if skin_ita_range is None:
        rgb = retone_to(base.rgb, base.skin, rng.uniform(*SKIN_LIGHTNESS_RANGE), rng)
    else:
        low, high = skin_ita_range
        if not -90 < low <= high < 90:
            raise ValueError(f"skin_ita_range must be (low, high) within (-90, 90), got {skin_ita_range}")
        rgb = retone_to_ita(base.rgb, base.skin, rng.uniform(low, high), rng.uniform(*SKIN_B_RANGE))
    if pale_scenery_rate > 0 and base.scenery is not None and rng.random() < pale_scenery_rate:
        rgb = replace_scenery(rgb, base.scenery, rng)
    if light_hair_rate > 0 and base.hair is not None and rng.random() < light_hair_rate:
        rgb = lighten_hair(rgb, base.hair, rng)
    mask = np.zeros(base.skin.shape, bool)

    def captured(rgb, mask):
        if not labels:
            return _capture(rgb, mask, rng, robust)
        label_map = np.where(mask, LESION, np.where(base.skin, SKIN, NOT_SKIN)).astype(np.uint8)
        return _capture(rgb, label_map, rng, robust)

    if not base.skin.any():
        return captured(rgb, mask)
    negative = rng.random() < negative_rate
    if not negative:
        rgb, mask = paint_appearance(appearance, rgb, base, rng, shapes, bank, contrast)
    n_look_alikes = int(rng.integers(1, 4)) if negative else int(rng.random() < 0.3)
    if n_look_alikes:
        before = rgb
        rgb = look_alikes(rgb, base.skin, rng, n_look_alikes)
        # A look-alike painted over a lesion would change its truth; keep the lesion as painted.
        rgb = np.where(mask[..., None], before, rgb)
    return captured(rgb, mask)
