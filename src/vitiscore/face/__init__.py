"""Face landmarks and the F-VASI facial area: ``locate`` finds the face, ``region`` draws the area and units."""

from vitiscore.face.landmarks import FaceLandmarks, NoFaceError, locate
from vitiscore.face.facial_area import EYELID_CHOICES, UNIT_LABELS, UNITS, FacialArea, region, to_photo

__all__ = ["EYELID_CHOICES", "UNITS", "UNIT_LABELS", "FaceLandmarks", "FacialArea", "NoFaceError", "locate",
           "region", "to_photo"]
