"""The members of a scored photo whose spread gives its interval (``vitiscore score --uncertainty``): the model's
masks of the face crop mirrored, darker and brighter (one network batch), and the facial areas found on the photo
taken again as a second photograph of the same visit might take it (zoomed, turned, shifted and exposed a little
differently). The interval itself is :func:`vitiscore.measure.uncertainty.member_interval`.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from vitiscore import face as face_mod
from vitiscore.face.facial_area import frame_size
from vitiscore.measure.uncertainty import AREA_RESIDUAL, member_interval, widen
from vitiscore.segment.protocol import Segmenter

# The darker and brighter copies' sRGB values scaled by these: about -10 % and +10 % of linear light, by which two
# visits' photos differ.
EXPOSURES = (0.955, 1.045)
# The photo taken again as a second photograph of the same visit might take it: (zoom, turn in degrees, shift as
# shares of the width and height, exposure as above); the differences between two visits' photos.
REFRAMINGS = (
    (0.97, -1.5, 0.02, 0.01, EXPOSURES[0]),
    (1.03, 1.5, -0.02, -0.01, EXPOSURES[1]),
    (0.98, 1.0, -0.01, 0.02, EXPOSURES[1]),
    (1.02, -1.0, 0.01, -0.02, EXPOSURES[0]),
)


def model_members(segmenter: Segmenter, crop: np.ndarray, area: np.ndarray) -> list:
    """The model's :class:`~vitiscore.segment.protocol.Segmentation` of the analysis ``crop`` mirrored, darker and
    brighter (one network batch), each brought back to the crop's own orientation, masks inside ``area``."""
    mirrored_area = np.ascontiguousarray(area[:, ::-1])
    images = [np.ascontiguousarray(crop[:, ::-1])] + [cv2.convertScaleAbs(crop, alpha=g) for g in EXPOSURES]
    answers = segmenter.predict_batch(images, [mirrored_area, area, area])
    mirrored = answers[0]
    answers[0] = replace(mirrored, probability=mirrored.probability[:, ::-1], mask=mirrored.mask[:, ::-1])
    return [replace(a, mask=a.mask & area) for a in answers]


def unsure_map(probabilities: list[np.ndarray], area: np.ndarray) -> np.ndarray:
    """Where the model is unsure: twice the standard deviation of each pixel's probability over ``probabilities``
    (the model's own map and its members', each (h, w), 0-1), so 0 (all agree) to 1 (half say 0, half 1); 0
    outside ``area``."""
    spread = 2.0 * np.std(np.stack(probabilities), axis=0)
    return np.where(area, np.clip(spread, 0.0, 1.0), 0.0).astype(np.float32)


def reframed_areas(rgb: np.ndarray, box, scale: float, eyelids: str, hairline_max: float) -> list[np.ndarray]:
    """The facial areas ((h, w) bool, in the analysis frame ``box``/``scale`` of the photo) found on ``rgb`` taken
    again as :data:`REFRAMINGS` say, each brought back onto the photo; a reframing on which no face is found adds
    none. The photo is reframed at the analysis frame's resolution (``scale``): the frame is all that is measured,
    and a 12 MP photo would otherwise cost seconds."""
    x0, y0 = box[:2]
    frame_width, frame_height = frame_size(box, scale)
    small = rgb if scale >= 1 else cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    height, width = small.shape[:2]
    top, left = round(y0 * scale), round(x0 * scale)
    areas = []
    for zoom, angle, shift_x, shift_y, exposure in REFRAMINGS:
        move = cv2.getRotationMatrix2D((width / 2, height / 2), angle, zoom)
        move[:, 2] += (shift_x * width, shift_y * height)
        again = cv2.warpAffine(small, move, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        again = cv2.convertScaleAbs(again, alpha=exposure)
        try:
            landmarks = face_mod.locate(again)
        except face_mod.NoFaceError:
            continue
        facial = face_mod.region(again, landmarks, eyelids=eyelids, hairline_max=hairline_max)
        inside = (facial.photo_labels(again.shape) > 0).astype(np.uint8)
        back = cv2.warpAffine(inside, move, (width, height), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
        crop = back[top : top + frame_height, left : left + frame_width]
        areas.append(cv2.resize(crop, (frame_width, frame_height), interpolation=cv2.INTER_NEAREST) > 0)
    return areas


def _share(mask: np.ndarray, area: np.ndarray) -> float:
    n = np.count_nonzero(area)
    return np.count_nonzero(mask & area) / n if n else float("nan")


def fraction_interval(
    fraction: float,
    scored: np.ndarray,
    area: np.ndarray,
    model: np.ndarray | None = None,
    model_members: list[np.ndarray] = (),
    area_members: list[np.ndarray] = (),
) -> tuple[float, float]:
    """The interval (low, high; 0-1) of the photo's depigmented ``fraction`` from its members, all (h, w) bool
    in the analysis frame: ``scored`` is the mask that was scored and ``area`` the facial area it was scored in;
    ``model`` is the model's own mask and ``model_members`` its masks of the augmented crops (none for a mask drawn
    elsewhere); ``area_members`` are the facial areas of the reframed photo. A member's fraction is ``fraction``
    moved by what its facial area changes in the scored mask's share plus what its mask changes in the model's
    share within that area. Without members the interval is (fraction, fraction)."""
    members = []
    for other in [area, *area_members]:
        moved_area = _share(scored, other) - _share(scored, area)
        members += [fraction + moved_area]
        if model is not None:
            own = _share(model, other)
            members += [fraction + moved_area + _share(m, other) - own for m in model_members]
    return member_interval(members, fraction)


def photo_interval(
    rgb: np.ndarray,
    facial,
    scored: np.ndarray,
    fraction: float,
    eyelids: str,
    hairline_max: float,
    segmenter: Segmenter | None = None,
    model: np.ndarray | None = None,
    probability: np.ndarray | None = None,
) -> tuple[float, float, np.ndarray | None]:
    """The interval (low, high; 0-1) of a scored photo's depigmented ``fraction``: ``facial`` is its
    :class:`~vitiscore.face.FacialArea`, ``scored`` the scored mask in its analysis frame; ``segmenter`` the model
    that drew it (None for a mask drawn elsewhere) and ``model`` its own mask there (None also for a mask adapted to
    marks: then the model is not run on the augmented crops). The members' interval is widened by the residual
    errors they do not see: the facial area's (:data:`~vitiscore.measure.uncertainty.AREA_RESIDUAL`) and the
    model's (its ``residual_error``; none for a model without one). Returns (low, high, the map of
    :func:`unsure_map` from ``probability``, the model's own map, and its members'; None without them)."""
    members = model_members(segmenter, facial.crop, facial.mask) if model is not None else []
    areas = reframed_areas(rgb, facial.box, facial.scale, eyelids, hairline_max)
    low, high = fraction_interval(fraction, scored, facial.mask, model, [m.mask for m in members], areas)
    residuals = [AREA_RESIDUAL] + ([getattr(segmenter, "residual_error", (0.0, 0.0))] if segmenter else [])
    unsure = None
    if members and probability is not None:
        unsure = unsure_map([probability] + [m.probability for m in members], facial.mask)
    return (*widen(fraction, low, high, residuals), unsure)
