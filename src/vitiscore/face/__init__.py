"""Face landmarks and the F-VASI facial area: ``locate`` finds the face, ``region`` draws the area and units."""

from vitiscore.face.facial_area import EYELID_CHOICES, UNIT_LABELS, UNITS, FacialArea, region, to_photo
from vitiscore.face.landmarks import (
    FaceLandmarks,
    MissingDependencyError,
    NoFaceError,
    detector_input,
    locate,
    require_mediapipe,
    turn,
    upright_turns,
)

__all__ = [
    "EYELID_CHOICES",
    "UNITS",
    "UNIT_LABELS",
    "FaceLandmarks",
    "FacialArea",
    "MissingDependencyError",
    "NoFaceError",
    "detector_input",
    "locate",
    "region",
    "require_mediapipe",
    "to_photo",
    "turn",
    "upright_turns",
]
