"""One photo, end to end: load, find the face, draw the facial area, segment, measure.

``score_image`` never raises for a bad photo: the returned :class:`FaceScore` carries a machine-readable
``status`` and a human-readable ``error``. It raises ``ValueError`` only for bad options (a usage error).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field

import numpy as np

from vitiscore import face as face_mod
from vitiscore import files as files_mod
from vitiscore.errors import UsageError
from vitiscore.files import marks as marks_mod
from vitiscore.intervals import photo_interval
from vitiscore.measure import area as area_mod
from vitiscore.measure import quality
from vitiscore.measure import scale as scale_mod
from vitiscore.measure import surface as surface_mod
from vitiscore.measure.mask_score import photo_mask, score_mask
from vitiscore.measure.skin_tone import ita_band, normal_skin_ita
from vitiscore.score_options import ScoreOptions
from vitiscore.segment import Segmenter, load_segmenter
from vitiscore.segment.refine import RefineSettings, refine

log = logging.getLogger(__name__)

STAGES = ("decode", "landmarks", "facial_area", "segmentation", "scoring", "uncertainty")


@dataclass
class FaceScore:
    """The result for one photo.

    ``status`` is "ok" or the reason the photo was not scored (``empty_file``, ``unreadable``, ``truncated``,
    ``too_large``, ``no_face``, ``face_too_small``, ``no_colour``, ``mask_size_mismatch``, ``failed``). ``flags``
    are quality warnings on a scored photo:
    ``multiple_faces`` (the largest face was scored), ``low_resolution``, ``pose``, ``overexposed`` (over 5 % of
    the facial area clipped), ``hairline_not_found`` (the forehead stopped at the band limit, not at hair),
    ``light_skin`` (normal skin in the light or very light ITA band, over 41 degrees, where depigmentation is
    hardest to see and every model measured here errs most: review the overlay), ``multi_page`` (the file holds
    several images and the first was scored).
    Photo-sized arrays (``rgb``, ``labels``, ``depigmented``) are in photo pixels; ``labels`` uses
    ``vitiscore.face.UNIT_LABELS``. The analysis frame: ``crop`` (the face crop the model saw), ``crop_box``
    ((x0, y0, x1, y1) in photo pixels) and ``crop_scale`` (analysis pixels per photo pixel, 0-1];
    ``probability`` is the model's map on that frame (0-1; None for a mask drawn elsewhere) and ``threshold``
    the cut that made the mask; ``frame_units`` and ``frame_depigmented`` are ``labels`` and ``depigmented``
    brought back into that frame (:class:`vitiscore.measure.mask_score.MaskScore`). ``marks_used`` is the number
    of a rater's marks inside the analysis frame that the model was adapted to (0: the model's own mask).
    ``fraction_low`` and ``fraction_high`` bound the depigmented fraction's 90 % interval (0-1; NaN unless asked
    for with ``ScoreOptions.uncertainty``), and ``unsure`` maps where the model is unsure on the frame
    (:func:`vitiscore.intervals.unsure_map`; None without the interval or for a mask not the model's own).

    Surface-true measures (:mod:`vitiscore.measure.surface`): ``surface`` (fractions over the seen facial surface,
    units with their clinical degrees), ``elements`` (the per-triangle table, for fusing views and comparing
    visits), ``iris`` (mm per analysis pixel; None without a plausible iris), ``photo_mm_per_px``,
    ``facial_area_cm2`` and ``depigmented_area_cm2`` (NaN without a scale), ``face_hand_units`` and
    ``hu_source`` (what the hand unit came from, see :mod:`vitiscore.measure.scale`).
    """

    status: str
    error: str = ""
    flags: list[str] = field(default_factory=list)
    width: int = 0
    height: int = 0
    landmarks: face_mod.FaceLandmarks | None = None
    measure: area_mod.AreaMeasure | None = None
    skin_lightness: float = float("nan")
    skin_b: float = float("nan")
    ita_deg: float = float("nan")
    ita_band: str = ""
    forehead_hair_stop: float = float("nan")
    surface: surface_mod.SurfaceScore | None = None
    elements: surface_mod.ElementTable | None = field(default=None, repr=False)
    iris: scale_mod.IrisScale | None = None
    photo_mm_per_px: float = float("nan")
    hand: scale_mod.HandUnit | None = None
    face_hand_units: float = float("nan")
    hu_source: str = ""
    facial_area_cm2: float = float("nan")
    depigmented_area_cm2: float = float("nan")
    fvasi_surface: float = float("nan")
    fvasi_clinical: float = float("nan")
    rgb: np.ndarray | None = field(default=None, repr=False)
    labels: np.ndarray | None = field(default=None, repr=False)
    depigmented: np.ndarray | None = field(default=None, repr=False)
    timings: dict[str, float] = field(default_factory=dict)
    turned_deg: int = 0
    crop: np.ndarray | None = field(default=None, repr=False)
    crop_box: tuple[int, int, int, int] | None = None
    crop_scale: float = float("nan")
    probability: np.ndarray | None = field(default=None, repr=False)
    threshold: float = float("nan")
    frame_units: np.ndarray | None = field(default=None, repr=False)
    frame_depigmented: np.ndarray | None = field(default=None, repr=False)
    marks_used: int = 0
    unsure: np.ndarray | None = field(default=None, repr=False)
    fraction_low: float = float("nan")
    fraction_high: float = float("nan")

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def fvasi(self) -> float:
        return self.measure.fvasi if self.measure else float("nan")

    @property
    def depigmented_fraction(self) -> float:
        return self.measure.depigmented_fraction if self.measure else float("nan")


def score_image(
    source,
    options: ScoreOptions | None = None,
    segmenter: Segmenter | None = None,
    hand: scale_mod.HandUnit | None = None,
    mask: np.ndarray | None = None,
    marks: list[marks_mod.Mark] | None = None,
    refinement: RefineSettings | None = None,
) -> FaceScore:
    """Score one photo given as a path or an (H, W, 3) uint8 RGB array.

    ``hand`` is the patient's hand unit (:func:`vitiscore.measure.scale.hand_unit`); without it, or without an iris
    scale, the face counts as ``options.face_hand_units`` HU.

    ``mask`` is a depigmentation mask drawn elsewhere ((H, W) bool, the photo's size after its EXIF orientation):
    it is scored exactly as it is (its pixels inside the facial area are ``depigmented_px``) and no model runs.
    A mask of another size gives status ``mask_size_mismatch``.

    ``marks`` are a rater's marks on the photo (pixels of the photo after its EXIF orientation, like ``mask``):
    the model is adapted to those inside the analysis frame before it segments (:func:`vitiscore.segment.refine.
    refine`, with ``refinement``); they turn with the photo when it is turned upright.

    Raises:
        ValueError: bad ``options``, an array that is not (H, W, 3) uint8, both ``mask`` and ``marks``, or a mark
            outside the photo (:class:`vitiscore.files.marks.MarksError`, naming its line).
        vitiscore.face.MissingDependencyError: mediapipe is not installed (the message says how to install it).
    """
    options = options or ScoreOptions()
    if mask is not None and marks:
        raise UsageError("a photo is scored from a mask drawn elsewhere or from marks, not both")
    if mask is None:
        segmenter = segmenter or load_segmenter(options.model)
    timings: dict[str, float] = {}
    tick = time.perf_counter()
    source_flags: list[str] = []  # what the file says about itself (files.Photo.flags)
    if isinstance(source, np.ndarray):
        if source.ndim != 3 or source.shape[2] != 3 or source.dtype != np.uint8:
            raise UsageError("an array source must be (H, W, 3) uint8 RGB")
        rgb = np.ascontiguousarray(source)
    elif isinstance(source, (str, os.PathLike)):
        try:
            photo = files_mod.load_photo(source, options.max_pixels)
        except files_mod.PhotoError as exc:
            return FaceScore(status=exc.status, error=str(exc), timings=timings)
        rgb, source_flags = photo.rgb, photo.flags
    else:
        raise UsageError(f"source must be a path or an RGB array, got {type(source).__name__}")
    timings["decode"] = time.perf_counter() - tick
    if marks:
        marks_mod.check_inside(marks, rgb.shape[1], rgb.shape[0])
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != rgb.shape[:2]:
            return FaceScore(
                status="mask_size_mismatch",
                error=f"the mask is {mask.shape[1]}x{mask.shape[0]} px and the photo {rgb.shape[1]}x{rgb.shape[0]} "
                "px (width x height, after the photo's EXIF orientation): draw the mask on the photo as shown",
                width=rgb.shape[1],
                height=rgb.shape[0],
                timings=timings,
            )
    try:
        tick = time.perf_counter()
        small = face_mod.detector_input(rgb)  # once: the upright check and the landmarks both look at it
        turns = face_mod.upright_turns(rgb, small) if options.turn_upright else 0
        timings["landmarks"] = time.perf_counter() - tick
        hand = hand or scale_mod.hand_unit()
        if turns:
            turned_marks = marks_mod.turn(marks, turns, rgb.shape[1], rgb.shape[0]) if marks else marks
            turned = (
                face_mod.turn(rgb, turns),
                face_mod.turn(small, turns),
                face_mod.turn(mask, turns) if mask is not None else None,
            )
            refined = (turned_marks or [], refinement or RefineSettings())
            # The turn is the face detector's guess from a weak detection: a face found that way only on an
            # enhanced copy is less likely than one on the photo as it is, which is tried first then.
            result = _score_rgb(turned[0], turned[1], options, segmenter, timings, hand, turned[2], refined, False)
            if result.status != "no_face":
                result.turned_deg = 90 * turns
                return _with_source_flags(result, source_flags)
        refined = (marks or [], refinement or RefineSettings())
        return _with_source_flags(
            _score_rgb(rgb, small, options, segmenter, timings, hand, mask, refined), source_flags
        )
    except face_mod.MissingDependencyError:
        raise  # the installation, not the photo: no row can be scored
    except Exception as exc:  # noqa: BLE001 - one bad photo must not stop a batch; the row records why
        log.debug("scoring failed", exc_info=True)
        return FaceScore(
            status="failed",
            error=f"{type(exc).__name__}: {exc}",
            width=rgb.shape[1],
            height=rgb.shape[0],
            timings=timings,
        )


def _with_source_flags(result: FaceScore, source_flags: list[str]) -> FaceScore:
    if result.status == "ok":
        result.flags = source_flags + result.flags
    return result


def _score_rgb(
    rgb: np.ndarray,
    small: np.ndarray,
    options: ScoreOptions,
    segmenter: Segmenter | None,
    timings: dict,
    hand: scale_mod.HandUnit,
    mask: np.ndarray | None,
    refined: tuple[list[marks_mod.Mark], RefineSettings],
    enhanced: bool = True,
) -> FaceScore:
    height, width = rgb.shape[:2]
    tick = time.perf_counter()
    try:
        landmarks = face_mod.locate(rgb, shrunk=small, enhanced=enhanced)
    except face_mod.NoFaceError as exc:
        timings["landmarks"] += time.perf_counter() - tick
        return FaceScore(status="no_face", error=str(exc), width=width, height=height, timings=timings)
    timings["landmarks"] += time.perf_counter() - tick
    if landmarks.eye_distance_px < options.min_face_eye_distance_px:
        return FaceScore(
            status="face_too_small",
            error=f"the face is too small to score: {landmarks.eye_distance_px:.0f} px between the iris centres, "
            f"at least {options.min_face_eye_distance_px:g} needed (--min-face-eye-distance)",
            width=width,
            height=height,
            landmarks=landmarks,
            timings=timings,
        )

    tick = time.perf_counter()
    facial = face_mod.region(rgb, landmarks, eyelids=options.eyelids, hairline_max=options.hairline_max)
    crop = facial.crop
    timings["facial_area"] = time.perf_counter() - tick
    # The facial area's pixels ((n, 3)), once: the colour check and the exposure flags all look at them.
    area_pixels = crop[facial.mask]
    spread = quality.colour_spread(area_pixels if len(area_pixels) else crop.reshape(-1, 3))
    if spread < quality.NO_COLOUR_SPREAD:
        return FaceScore(
            status="no_colour",
            error=f"the facial area has no colour (median channel spread {spread:.1f} of 255): a grey photo shows "
            "no skin tone, and depigmentation is a change of colour",
            width=width,
            height=height,
            landmarks=landmarks,
            timings=timings,
        )

    tick = time.perf_counter()
    labels = facial.photo_labels(rgb.shape)
    if not (labels > 0).any():
        return FaceScore(
            status="failed",
            error="the facial area is empty (face hidden or outside the photo)",
            width=width,
            height=height,
            landmarks=landmarks,
            timings=timings,
        )
    probability, threshold, model_mask = None, float("nan"), None
    frame_marks = marks_mod.to_frame(refined[0], facial.box, facial.scale)
    if mask is None:
        seg = refine(segmenter, crop, facial.mask, frame_marks, refined[1])
        probability, threshold = seg.probability, seg.threshold
        model_mask = seg.mask & facial.mask if not (frame_marks and refined[1].steps) else None
        depigmented = photo_mask(seg.mask & facial.mask, facial.box, facial.scale, labels)
    else:
        depigmented = mask
    depigmented = depigmented & (labels > 0)
    timings["segmentation"] = time.perf_counter() - tick

    tick = time.perf_counter()
    scored = score_mask(labels, depigmented, landmarks.points, facial.box, facial.scale, hand, options.face_hand_units)
    normal_skin = facial.mask & ~scored.frame_depigmented
    lightness, b_star, ita = normal_skin_ita(crop, normal_skin)
    band = ita_band(ita)
    flags = quality.photo_flags(
        landmarks, area_pixels, facial.forehead_hair_stop, band, options.min_eye_distance_px, options.max_pose_deg
    )
    timings["scoring"] = time.perf_counter() - tick
    interval = (float("nan"), float("nan"), None)
    if options.uncertainty:
        tick = time.perf_counter()
        interval = photo_interval(
            rgb,
            facial,
            scored.frame_depigmented,
            scored.measure.depigmented_fraction,
            options.eyelids,
            options.hairline_max,
            segmenter if mask is None else None,
            model_mask,
            probability,
        )
        timings["uncertainty"] = time.perf_counter() - tick
    return FaceScore(
        status="ok",
        flags=flags,
        width=width,
        height=height,
        landmarks=landmarks,
        measure=scored.measure,
        skin_lightness=lightness,
        skin_b=b_star,
        ita_deg=ita,
        ita_band=band,
        forehead_hair_stop=facial.forehead_hair_stop,
        surface=scored.surface,
        elements=scored.elements,
        iris=scored.iris,
        photo_mm_per_px=scored.photo_mm_per_px,
        hand=hand,
        face_hand_units=scored.face_hand_units,
        hu_source=scored.hu_source,
        facial_area_cm2=scored.facial_area_cm2,
        depigmented_area_cm2=scored.depigmented_area_cm2,
        fvasi_surface=scored.fvasi_surface,
        fvasi_clinical=scored.fvasi_clinical,
        rgb=rgb,
        labels=labels,
        depigmented=depigmented,
        timings=timings,
        crop=crop,
        crop_box=facial.box,
        crop_scale=facial.scale,
        probability=probability,
        threshold=threshold,
        frame_units=scored.frame_units,
        frame_depigmented=scored.frame_depigmented,
        marks_used=len(frame_marks) if mask is None and refined[1].steps else 0,
        fraction_low=interval[0],
        fraction_high=interval[1],
        unsure=interval[2],
    )
