"""The members of a scored photo whose spread gives its interval (``vitiscore score --uncertainty``): the model's
masks of the face crop mirrored, darker and brighter (one network batch), and the facial areas found when the photo
is reframed (cut by a few per cent at two opposite corners, as a second photograph of the same visit would frame
it). The interval itself is :func:`vitiscore.measure.uncertainty.member_interval`.
"""

from __future__ import annotations

import cv2
import numpy as np

from vitiscore import face as face_mod
from vitiscore.measure.mask_score import frame_mask
from vitiscore.measure.uncertainty import member_interval
from vitiscore.segment.protocol import Segmenter

# The darker and brighter copies' sRGB values scaled by these: about -10 % and +10 % of linear light, by which two
# visits' photos differ.
EXPOSURES = (0.955, 1.045)
# Share of the photo's width and height cut at each reframing: the shift between two visits' photos.
REFRAME_SHARE = 0.03


def model_masks(segmenter: Segmenter, crop: np.ndarray, area: np.ndarray) -> list[np.ndarray]:
    """The model's masks ((h, w) bool, inside ``area``) of the analysis ``crop`` mirrored, darker and brighter,
    each brought back to the crop's own orientation."""
    mirrored_area = np.ascontiguousarray(area[:, ::-1])
    images = [np.ascontiguousarray(crop[:, ::-1])] + [cv2.convertScaleAbs(crop, alpha=g) for g in EXPOSURES]
    answers = segmenter.predict_batch(images, [mirrored_area, area, area])
    return [answers[0].mask[:, ::-1] & area] + [a.mask & area for a in answers[1:]]


def reframed_areas(rgb: np.ndarray, box, scale: float, eyelids: str, hairline_max: float) -> list[np.ndarray]:
    """The facial areas ((h, w) bool, in the analysis frame ``box``/``scale`` of the photo) found on ``rgb`` cut by
    :data:`REFRAME_SHARE` at its top-left and at its bottom-right corner; a reframing on which no face is found
    adds none."""
    height, width = rgb.shape[:2]
    dy, dx = round(height * REFRAME_SHARE), round(width * REFRAME_SHARE)
    areas = []
    for y0, x0, y1, x1 in ((dy, dx, height, width), (0, 0, height - dy, width - dx)):
        part = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        try:
            landmarks = face_mod.locate(part)
        except face_mod.NoFaceError:
            continue
        facial = face_mod.region(part, landmarks, eyelids=eyelids, hairline_max=hairline_max)
        inside = np.zeros((height, width), bool)
        inside[y0:y1, x0:x1] = facial.photo_labels(part.shape) > 0
        areas.append(frame_mask(inside, box, scale))
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
    members = [fraction]
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
) -> tuple[float, float]:
    """The interval (low, high; 0-1) of a scored photo's depigmented ``fraction``: ``facial`` is its
    :class:`~vitiscore.face.FacialArea`, ``scored`` the scored mask in its analysis frame, ``model`` the model's mask
    there (None for a mask drawn elsewhere or adapted to marks: then only the facial area varies)."""
    members = model_masks(segmenter, facial.crop, facial.mask) if model is not None else []
    areas = reframed_areas(rgb, facial.box, facial.scale, eyelids, hairline_max)
    return fraction_interval(fraction, scored, facial.mask, model, members, areas)
