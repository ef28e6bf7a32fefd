"""The settings of a scoring run (:class:`ScoreOptions`), checked when they are made."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from vitiscore import files as files_mod
from vitiscore.errors import UsageError
from vitiscore.face.facial_area import DEFAULT_HAIRLINE_MAX, EYELID_CHOICES
from vitiscore.measure import fvasi as fvasi_mod
from vitiscore.segment import DEFAULT_MODEL


@dataclass(frozen=True)
class ScoreOptions:
    """Settings of a scoring run; every one is recorded in the outputs.

    Attributes:
        model: depigmentation model id (see ``vitiscore.segment.available_models()``).
        eyelids: "exclude" (default) or "include" the eyelid skin in the facial area.
        face_hand_units: size of the whole face in hand units (HU), > 0; 3.0 puts F-VASI on the 0-3 scale.
        max_pixels: photos with more pixels are refused before decoding.
        turn_upright: a photo saved sideways or upside down without an orientation tag is turned upright before
            it is scored (``turned_deg`` says by how much); the landmark model finds only upright faces, and on an
            upside-down face it fits a mesh that looks plausible and is wrong.
        min_face_eye_distance_px: below this distance between the iris centres (photo pixels) the photo is not
            scored (status ``face_too_small``): lesions of a few millimetres cannot be told from noise there.
        min_eye_distance_px: below this distance between the iris centres (photo pixels) the face is flagged
            ``low_resolution``.
        max_pose_deg: a head turn (yaw) or tilt (pitch) beyond this many degrees is flagged ``pose``.
        hairline_max: band limit of the forehead, as a multiple of the nasion-to-chin distance above the nasion.
        uncertainty: also give each photo an interval of its depigmented fraction (:mod:`vitiscore.intervals`;
            the model runs on three more copies of the crop and the face is found on two reframings).
    """

    model: str = DEFAULT_MODEL
    eyelids: str = "exclude"
    face_hand_units: float = fvasi_mod.DEFAULT_FACE_HAND_UNITS
    max_pixels: int = files_mod.DEFAULT_MAX_PIXELS
    min_eye_distance_px: float = 80.0
    min_face_eye_distance_px: float = 40.0
    turn_upright: bool = True
    max_pose_deg: float = 25.0
    hairline_max: float = DEFAULT_HAIRLINE_MAX
    uncertainty: bool = False

    def __post_init__(self):
        if self.eyelids not in EYELID_CHOICES:
            raise UsageError(f"eyelids must be one of {EYELID_CHOICES}, got {self.eyelids!r}")
        _positive("face_hand_units", self.face_hand_units)
        _positive("max_pixels", self.max_pixels)
        for name in ("min_eye_distance_px", "min_face_eye_distance_px"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise UsageError(f"{name} must be >= 0 pixels, got {value}")
        if not 0 < self.max_pose_deg <= 90:
            raise UsageError(f"max_pose_deg must be in (0, 90] degrees, got {self.max_pose_deg}")
        if not 0.3 <= self.hairline_max <= 1.5:
            raise UsageError(f"hairline_max must be in [0.3, 1.5], got {self.hairline_max}")

    def as_dict(self) -> dict:
        return asdict(self)


def _positive(name: str, value) -> None:
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise UsageError(f"{name} must be a positive number, got {value!r}")
