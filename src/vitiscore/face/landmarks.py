"""Face landmarks from the MediaPipe face mesh bundled in the mediapipe 0.10.21 wheel (no download, no telemetry).

The mesh gives 478 points: 468 on the face surface and 10 on the irises. ``x`` and ``y`` are returned in photo
pixels; ``z`` is the mesh's relative depth, rescaled to the same pixel units as ``x`` (smaller = nearer the
camera), which is what the pose angles are computed from.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
from dataclasses import dataclass

import cv2
import numpy as np

from vitiscore.errors import MissingDependencyError
from vitiscore.face import indices as ix

log = logging.getLogger(__name__)

# The mesh's depth is compressed: the raw angle between the two preauricular points was 0.80 x the true head
# turn on the FASSEG multipose faces (Pointing'04, 14 people at 15-60 degrees; research/check_pose.py).
YAW_CALIBRATION = 1.25
# MediaPipe crops the face and resizes it to 192x192 internally, so a larger input only costs copying time.
_MESH_INPUT_MAX_SIDE = 1920


# The one mediapipe release that works here (pinned, with the reason, in pyproject.toml [tool.vitiscore]).
MEDIAPIPE = "mediapipe==0.10.21"


def require_mediapipe() -> None:
    """Raise :class:`MissingDependencyError` with the install command unless mediapipe's face mesh imports."""
    try:
        with _quiet_stderr():
            from mediapipe.python.solutions import face_detection, face_mesh  # noqa: F401
    except ImportError as error:
        raise MissingDependencyError(
            f"the face landmarks need {MEDIAPIPE}, which is not installed ({error}). Install it with:\n"
            f"    pip install --no-deps {MEDIAPIPE}"
        ) from None


class NoFaceError(Exception):
    """No face was found in the photo (status ``no_face``)."""


@dataclass(frozen=True)
class FaceLandmarks:
    """Landmarks of the face chosen for scoring.

    Attributes:
        points: (478, 3) float array; x, y in photo pixels, z relative depth in pixels.
        n_faces: number of faces found (the largest one is kept).
        yaw_deg: head turn, degrees; positive when the patient turns towards their own left.
        pitch_deg: head tilt, degrees; positive when the chin is further from the camera than the forehead.
        roll_deg: in-plane rotation of the eye line, degrees; positive clockwise in the image.
        eye_distance_px: distance between the two iris centres, photo pixels.
        iris_diameter_px: mean visible iris diameter of both eyes, photo pixels.
        found_on: the copy of the photo the face was found on: ``photo`` itself, or a contrast-normalised copy
            (``clahe``, ``gamma``; see :data:`ENHANCED_COPIES`) when the face models missed it on the photo.
    """

    points: np.ndarray
    n_faces: int
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    eye_distance_px: float
    iris_diameter_px: float
    found_on: str = "photo"


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the C++ start-up messages MediaPipe writes straight to file descriptor 2."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@functools.cache
def _mesh(max_faces: int):
    os.environ.setdefault("GLOG_minloglevel", "2")
    require_mediapipe()
    with _quiet_stderr():
        from mediapipe.python.solutions import face_mesh

        graph = face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=max_faces, refine_landmarks=True, min_detection_confidence=0.5
        )
        # The first calls load the TFLite delegates and warn about non-square inputs: that is when the
        # remaining chatter is printed.
        graph.process(np.zeros((64, 64, 3), np.uint8))
        graph.process(np.zeros((48, 64, 3), np.uint8))
    return graph


@functools.cache
def _detector():
    with _quiet_stderr():
        from mediapipe.python.solutions import face_detection

        graph = face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
        graph.process(np.zeros((64, 64, 3), np.uint8))
    return graph


def detector_input(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` as the face models see it: its long side at most _MESH_INPUT_MAX_SIDE (their results are in
    relative coordinates). At 12 MP this costs about as much as a detector pass: make it once per photo."""
    height, width = rgb.shape[:2]
    scale = min(1.0, _MESH_INPUT_MAX_SIDE / max(height, width))
    if scale == 1.0:
        return np.ascontiguousarray(rgb)
    # Area averaging, though bilinear takes 5 ms instead of 33 at 12 MP: any change of the face models' input
    # moves the facial area and F-VASI on some faces by more than a speed gain may (the face-model shrink
    # experiment in docs/experiments).
    return cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)


_TURNS = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_CLOCKWISE}


def turn(image: np.ndarray, turns: int) -> np.ndarray:
    """``image`` ((H, W) or (H, W, C), uint8 or bool) turned by ``turns`` quarter turns counter-clockwise, as
    ``np.rot90(image, turns)`` turns it, as a new contiguous array: OpenCV's turn is 3x faster than copying the
    numpy view (22 against 60 ms at 12 MP)."""
    turns %= 4
    if not turns:
        return np.ascontiguousarray(image)
    if image.dtype == bool:
        return cv2.rotate(np.ascontiguousarray(image).view(np.uint8), _TURNS[turns]).view(bool)
    return cv2.rotate(np.ascontiguousarray(image), _TURNS[turns])


def _run_mesh(rgb: np.ndarray, max_faces: int, small: np.ndarray | None = None) -> list[np.ndarray]:
    """All meshes found in ``rgb``, each (478, 3) in the pixel units of ``rgb`` (``small``: its detector input)."""
    height, width = rgb.shape[:2]
    with _quiet_stderr():
        result = _mesh(max_faces).process(detector_input(rgb) if small is None else small)
    meshes = []
    for face in result.multi_face_landmarks or []:
        pts = np.array([(p.x, p.y, p.z) for p in face.landmark], dtype=np.float64)
        pts[:, 0] *= width
        pts[:, 1] *= height
        pts[:, 2] *= width
        meshes.append(pts)
    return meshes


def _detect_boxes(rgb: np.ndarray, small: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Face boxes (x0, y0, x1, y1) from the full-range detector, for faces too small for the mesh's own."""
    height, width = rgb.shape[:2]
    with _quiet_stderr():
        result = _detector().process(small)
    boxes = []
    for det in result.detections or []:
        box = det.location_data.relative_bounding_box
        cx, cy = (box.xmin + box.width / 2) * width, (box.ymin + box.height / 2) * height
        half = max(box.width * width, box.height * height)  # a crop twice the face box
        boxes.append(
            (int(max(0, cx - half)), int(max(0, cy - half)), int(min(width, cx + half)), int(min(height, cy + half)))
        )
    return boxes


# The face detector, like the mesh, only finds faces that are about upright. A photo whose best detection is
# weaker than this is also tried turned by 90, 180 and 270 degrees; a turn is taken only when its detection is
# clearly better (by the margin) than the photo's own.
UPRIGHT_SCORE = 0.85
TURN_MARGIN = 0.1
# A half turn is taken only when the face the mesh finds that way is this much more frontal (degrees of roll, pitch
# and yaw added): the mesh fitted to an upright face turned over comes out tilted and turned, while a face found
# as it is may be a few degrees off frontal without being upside down.
HALF_TURN_MARGIN = 5.0


def _detection_score(small: np.ndarray) -> float:
    """The full-range detector's best face score in ``small`` (:func:`detector_input` of a photo; 0-1, 0 when it
    finds none)."""
    with _quiet_stderr():
        result = _detector().process(small)
    return max((float(d.score[0]) for d in result.detections or []), default=0.0)


def upright_turns(rgb: np.ndarray, shrunk: np.ndarray | None = None) -> int:
    """How many quarter turns counter-clockwise (``np.rot90``'s k, 0-3) bring the face in ``rgb`` upright: a
    photo saved sideways or upside down without an orientation tag. 0 for a photo whose face is found upright
    (the usual case, one detector pass) or found no better any other way. ``shrunk`` is :func:`detector_input`
    of ``rgb`` when the caller has it already."""
    small = detector_input(rgb) if shrunk is None else shrunk
    scores = {0: _detection_score(small)}
    if scores[0] >= UPRIGHT_SCORE:
        return 0
    for k in (1, 2, 3):
        # The shrunk photo turned, not the photo: a quarter of the pixels to move, and the detector sees the same.
        scores[k] = _detection_score(turn(small, k))
    best = max(scores, key=scores.get)
    if not best or scores[best] < scores[0] + TURN_MARGIN:
        return 0
    return 0 if best == 2 and not _half_turn_shows_a_more_frontal_face(rgb, small) else best


def _frontality(rgb: np.ndarray, small: np.ndarray) -> float:
    """|roll| + |pitch| + |yaw| (degrees) of the face the mesh finds in ``rgb``; infinite when it finds none."""
    try:
        face = locate(rgb, shrunk=small)
    except NoFaceError:
        return math.inf
    return abs(face.roll_deg) + abs(face.pitch_deg) + abs(face.yaw_deg)


def _half_turn_shows_a_more_frontal_face(rgb: np.ndarray, small: np.ndarray) -> bool:
    """Whether the mesh finds a clearly more frontal face (by :data:`HALF_TURN_MARGIN`) on ``rgb`` turned half a
    circle than as it is. The detector scores a face upside down nearly as high as upright, and an upright face
    carrying white patches often higher; the mesh fitted to an upside-down face is tilted and turned."""
    turned = _frontality(turn(rgb, 2), turn(small, 2))
    return turned + HALF_TURN_MARGIN < _frontality(rgb, small)


def _clahe(rgb: np.ndarray) -> np.ndarray:
    """Contrast-limited histogram equalisation of CIELAB lightness (tiles of 8 x 8, clip 2), colour kept."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(np.ascontiguousarray(lab[..., 0]))
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


_GAMMA_TABLE = np.round(255.0 * (np.arange(256) / 255.0) ** 0.4).astype(np.uint8)


def _gamma(rgb: np.ndarray) -> np.ndarray:
    """Shadows and mid-tones brightened (gamma 0.4), as a dark face needs."""
    return _GAMMA_TABLE[rgb]


# Copies of a photo the face models are shown when they find no face on the photo itself, in this order. The
# face models miss dark faces that carry extensive white patches (the patches take the contrast); a copy with
# local contrast restored, or with the shadows lifted, shows them a face again. The mesh found is in the photo's
# own coordinates (the copies have its geometry), and is used only if it is a plausible face
# (:func:`plausible_mesh`).
ENHANCED_COPIES = {"clahe": _clahe, "gamma": _gamma}


def plausible_mesh(points: np.ndarray, width: int, height: int) -> bool:
    """Whether a mesh found on an enhanced copy is a face and not a pattern the copy made: its iris centres at
    least 1 % of the photo's longer side apart, the face about frontal and upright (turn, tilt and in-plane rotation
    under 45 degrees) and its mesh inside the photo."""
    pose = pose_and_scale(points)
    inside = (points[:, 0] > -0.05 * width).all() and (points[:, 0] < 1.05 * width).all()
    inside = inside and (points[:, 1] > -0.05 * height).all() and (points[:, 1] < 1.05 * height).all()
    return bool(
        inside
        and pose["eye_distance_px"] >= 0.01 * max(width, height)
        and abs(pose["yaw_deg"]) < 45
        and abs(pose["pitch_deg"]) < 45
        and abs(pose["roll_deg"]) < 45
    )


def _meshes(rgb: np.ndarray, max_faces: int, small: np.ndarray, enhance=None) -> list[np.ndarray]:
    """The meshes of the whole photo (seen as ``small``, its detector input), or of the face detector's boxes;
    ``enhance`` makes the copy each model sees."""
    see = (lambda image: image) if enhance is None else enhance
    seen = see(small)
    meshes = _run_mesh(rgb, max_faces, seen)
    if not meshes:
        for x0, y0, x1, y1 in _detect_boxes(rgb, seen):
            for pts in _run_mesh(np.ascontiguousarray(see(rgb[y0:y1, x0:x1])), 1):
                pts[:, 0] += x0
                pts[:, 1] += y0
                meshes.append(pts)
    return meshes


def locate(
    rgb: np.ndarray, max_faces: int = 5, shrunk: np.ndarray | None = None, enhanced: bool = True
) -> FaceLandmarks:
    """Find the face to score: the largest of up to ``max_faces`` faces.

    The mesh's own detector is tried on the whole photo first; when it finds nothing (typically a face that
    fills under a fifth of a large photo), the full-range face detector proposes boxes and the mesh is run on
    each crop. When neither finds a face (and ``enhanced``), the same is tried on contrast-normalised copies of
    the photo (:data:`ENHANCED_COPIES`), keeping a plausible mesh only. ``shrunk`` is :func:`detector_input` of
    ``rgb`` when the caller has it already.

    Raises:
        NoFaceError: no face found.
        ValueError: ``rgb`` is not an (H, W, 3) uint8 array.
    """
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError("rgb must be an (H, W, 3) uint8 array")
    small = detector_input(rgb) if shrunk is None else shrunk
    height, width = rgb.shape[:2]
    found_on, meshes = "photo", _meshes(rgb, max_faces, small)
    for name, enhance in ENHANCED_COPIES.items() if enhanced else ():
        if meshes:
            break
        found_on = name
        meshes = [m for m in _meshes(rgb, max_faces, small, enhance) if plausible_mesh(m, width, height)]
    if not meshes:
        raise NoFaceError("no face found in the photo")
    points = max(meshes, key=_mesh_area)
    return FaceLandmarks(points=points, n_faces=len(meshes), found_on=found_on, **pose_and_scale(points))


def _mesh_area(points: np.ndarray) -> float:
    span = points[:468, :2].max(axis=0) - points[:468, :2].min(axis=0)
    return float(span[0] * span[1])


def mesh_yaw_deg(points: np.ndarray) -> float:
    """The head turn as the mesh itself shows it (degrees, uncalibrated): the angle of the line between the
    two preauricular points out of the image plane. About 0.8 x the true turn (:data:`YAW_CALIBRATION`)."""
    across = points[ix.LEFT_TRAGUS_SIDE] - points[ix.RIGHT_TRAGUS_SIDE]
    return float(np.degrees(np.arctan2(across[2], np.hypot(across[0], across[1]))))


def pose_and_scale(points: np.ndarray) -> dict:
    """Head pose angles (degrees) and eye/iris sizes (pixels) from (478, 3) mesh points in pixel units."""
    yaw = YAW_CALIBRATION * mesh_yaw_deg(points)
    down = points[ix.CHIN] - points[ix.FACE_OVAL[0]]
    pitch = np.degrees(np.arctan2(down[2], np.hypot(down[0], down[1])))
    eye_r, eye_l = points[ix.RIGHT_IRIS_CENTRE, :2], points[ix.LEFT_IRIS_CENTRE, :2]
    eye_vec = eye_l - eye_r
    roll = np.degrees(np.arctan2(eye_vec[1], eye_vec[0]))
    return {
        "yaw_deg": float(yaw),
        "pitch_deg": float(pitch),
        "roll_deg": float(roll),
        "eye_distance_px": float(np.hypot(*eye_vec)),
        "iris_diameter_px": float(
            np.mean([_iris_diameter(points, ix.RIGHT_IRIS), _iris_diameter(points, ix.LEFT_IRIS)])
        ),
    }


def _iris_diameter(points: np.ndarray, ring: tuple[int, ...]) -> float:
    # The four iris points are right, top, left, bottom of the visible iris: its horizontal width is the
    # measurement the 11.7 mm population value refers to (lids often cover the vertical extent).
    a, _, c, _ = (points[i, :2] for i in ring)
    return float(np.hypot(*(a - c)))
