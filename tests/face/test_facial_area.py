import cv2
import numpy as np
import pytest

from vitiscore.face import UNIT_LABELS, locate, region
from vitiscore.face import indices as ix


@pytest.fixture(scope="module")
def facial(astronaut, astronaut_landmarks):
    return {eyelids: region(astronaut, astronaut_landmarks, eyelids=eyelids) for eyelids in ("exclude", "include")}


def _label_at(facial_area, shape, point):
    labels = facial_area.photo_labels(shape)
    x, y = np.round(point[:2]).astype(int)
    return int(labels[y, x])


def _towards(points, a, b, t):
    return points[a] + t * (points[b] - points[a])


def test_landmarks_on_the_astronaut(astronaut_landmarks):
    lm = astronaut_landmarks
    assert lm.n_faces == 1
    assert 100 < lm.eye_distance_px < 160  # the demo face is enlarged so the eyes are ~130 px apart
    assert abs(lm.yaw_deg) < 15


def test_area_contains_nose_cheeks_forehead_and_excludes_lips_and_eyes(astronaut, astronaut_landmarks, facial):
    p = astronaut_landmarks.points
    area = facial["exclude"]
    shape = astronaut.shape
    assert _label_at(area, shape, p[ix.NOSE_TIP]) == UNIT_LABELS["nose"]
    assert _label_at(area, shape, p[6]) == UNIT_LABELS["nose"]  # nasal dorsum
    # mid-cheek, halfway between the cheekbone point and the jaw angle, on each side
    assert _label_at(area, shape, _towards(p, 205, 234, 0.3)) == UNIT_LABELS["right_cheek"]
    assert _label_at(area, shape, _towards(p, 425, 454, 0.3)) == UNIT_LABELS["left_cheek"]
    # forehead just above the glabella (below the astronaut's fringe)
    assert _label_at(area, shape, _towards(p, 9, 151, 0.5)) == UNIT_LABELS["forehead"]
    assert _label_at(area, shape, p[152] + 0.1 * (p[17] - p[152])) == UNIT_LABELS["chin_perioral"]
    for lip_point in (0, 13, 14, 17, 61, 291):  # lips, mouth
        assert _label_at(area, shape, p[lip_point]) == 0, lip_point
    for eye_point in (ix.RIGHT_IRIS_CENTRE, ix.LEFT_IRIS_CENTRE, 33, 133, 362, 263):  # eyes, canthi
        assert _label_at(area, shape, p[eye_point]) == 0, eye_point
    assert _label_at(area, shape, p[105]) == 0  # eyebrow
    assert _label_at(area, shape, p[152] + 0.15 * (p[152] - p[17])) == 0  # neck below the chin


def test_eyelid_option(astronaut, astronaut_landmarks, facial):
    p = astronaut_landmarks.points
    upper_lid = [27, 257]  # second ring above each eye: eyelid skin
    for point in upper_lid:
        assert _label_at(facial["exclude"], astronaut.shape, p[point]) == 0
    assert _label_at(facial["include"], astronaut.shape, p[27]) == UNIT_LABELS["right_periorbital"]
    assert _label_at(facial["include"], astronaut.shape, p[257]) == UNIT_LABELS["left_periorbital"]
    assert facial["include"].mask.sum() > facial["exclude"].mask.sum()
    with pytest.raises(ValueError, match="eyelids"):
        region(astronaut, astronaut_landmarks, eyelids="sometimes")


def test_patient_right_is_image_left(astronaut_landmarks):
    p = astronaut_landmarks.points
    assert p[ix.RIGHT_IRIS_CENTRE, 0] < p[ix.LEFT_IRIS_CENTRE, 0]
    for right, left in (
        (ix.RIGHT_EYE, ix.LEFT_EYE),
        (ix.RIGHT_PERIORBITAL, ix.LEFT_PERIORBITAL),
        (ix.RIGHT_BROW, ix.LEFT_BROW),
        (ix.RIGHT_EYELID_RING, ix.LEFT_EYELID_RING),
    ):
        assert len(right) == len(left)
        assert p[list(right), 0].mean() < p[ix.NASION, 0] < p[list(left), 0].mean()
        # mirror images: each right point has its left partner at about the same height
        assert np.abs(p[list(right), 1] - p[list(left), 1]).max() < 0.2 * astronaut_landmarks.eye_distance_px + 15


def test_forehead_stops_below_the_band_limit(astronaut, astronaut_landmarks, facial):
    p = astronaut_landmarks.points
    labels = facial["exclude"].photo_labels(astronaut.shape)
    rows = np.nonzero((labels == UNIT_LABELS["forehead"]).any(axis=1))[0]
    face_height = np.hypot(*(p[ix.NASION, :2] - p[ix.CHIN, :2]))
    assert p[ix.NASION, 1] - rows.min() <= 0.85 * face_height + 2


def test_a_fringe_low_over_the_forehead_is_not_forehead(astronaut, astronaut_landmarks):
    """Hair painted over a bare forehead from 0.08 of the nasion-chin distance above the brows (over the upper
    rows of the forehead's seeds), textured with the astronaut's own crown hair: none of it is facial area.
    (When the reference colour came from all seed rows, 91 % of this fringe was taken for forehead skin.)"""
    import cv2

    from tests.support import bare_forehead

    p = astronaut_landmarks.points
    bare = bare_forehead(astronaut, p)
    face_height = float(np.hypot(*(p[152, :2] - p[168, :2])))
    top = p[10, :2]
    y0, x0 = int(top[1] - 0.45 * face_height), int(top[0] - 0.25 * face_height)
    hair = astronaut[y0 : y0 + int(0.2 * face_height), x0 : x0 + int(0.5 * face_height)]
    brows = p[[70, 63, 105, 66, 107, 9, 336, 296, 334, 293, 300], :2]
    fringe = np.zeros(astronaut.shape[:2], np.uint8)
    outline = np.vstack([brows - [0, 0.08 * face_height], (brows - [0, 0.6 * face_height])[::-1]])
    cv2.fillPoly(fringe, [outline.astype(np.int32)], 1)
    reps = (astronaut.shape[0] // hair.shape[0] + 1, astronaut.shape[1] // hair.shape[1] + 1, 1)
    photo = bare.copy()
    photo[fringe > 0] = np.tile(hair, reps)[: astronaut.shape[0], : astronaut.shape[1]][fringe > 0]
    facial_area = region(photo, locate(photo))
    area = facial_area.photo_labels(photo.shape) > 0
    assert (area & (fringe > 0)).sum() < 0.01 * fringe.sum()
    assert _label_at(facial_area, photo.shape, _towards(p, 9, 151, 0.15)) == UNIT_LABELS["forehead"]


def _upright_forehead_points() -> np.ndarray:
    """Mesh points of an upright face, as far as the forehead search uses them: nasion (50, 60), chin (50, 160),
    the brows' tops at y = 55 from x = 20 to 80."""
    points = np.zeros((478, 3))
    points[ix.NASION, :2] = (50, 60)
    points[ix.CHIN, :2] = (50, 160)
    for x, i in zip(np.linspace(20, 80, 8), (63, 105, 66, 107, 336, 296, 334, 293)):
        points[i, :2] = (x, 55)
    return points


def test_a_forehead_that_reaches_the_top_of_the_frame_does_not_end_on_hair():
    from vitiscore.face.facial_area import _forehead_skin

    # Even skin over the whole frame, with dark hair-coloured rows at its bottom (a beard or the neck's shadow).
    lab = np.empty((200, 100, 3), np.float32)
    lab[:] = (65.0, 15.0, 18.0)
    lab[185:] = (20.0, 5.0, 8.0)
    zone = np.zeros((200, 100), bool)
    zone[:59, 10:90] = True  # the forehead zone reaches the frame's top edge: the hairline is not in it
    up = np.array([0.0, -1.0])
    forehead, hair_stop = _forehead_skin(lab, zone, _upright_forehead_points(), up)
    assert forehead[:50, 15:85].all()  # the whole zone but the corners the opening rounds
    # Its upper edge is the frame's edge, not hair (the rows that the edge pixels would see above them are
    # outside the frame; they were once taken from the frame's bottom, the dark rows).
    assert hair_stop == 0.0
    lab[:10] = (20.0, 5.0, 8.0)  # hair across the top of the zone: the forehead now ends on it
    forehead, hair_stop = _forehead_skin(lab, zone, _upright_forehead_points(), up)
    assert not forehead[:5].any() and hair_stop > 0.9


@pytest.mark.parametrize("hairline_max", [0.5, 0.85, 1.5])
def test_the_forehead_searched_around_its_zone_is_the_one_searched_on_the_whole_frame(astronaut, hairline_max):
    import cv2

    from vitiscore.colour import rgb_to_lab
    from vitiscore.face import facial_area as fa

    for rgb in (astronaut, cv2.resize(astronaut, None, fx=2.5, fy=2.5, interpolation=cv2.INTER_CUBIC)):
        points = locate(rgb).points
        box, scale = fa.analysis_frame(points, rgb.shape, hairline_max)
        crop, frame = fa.crop_to_frame(rgb, box, scale), fa.frame_points(points, box, scale)
        up, _, limit = fa._geometry(frame, hairline_max)
        outline = np.vstack([fa._poly(frame, ix.FOREHEAD_LINE), np.round(limit[::-1]).astype(np.int32)])
        zone = fa._fill(crop.shape[:2], outline)
        whole = fa._forehead_skin(rgb_to_lab(crop), zone, frame, up)
        windowed = fa._forehead_in_window(crop, zone, outline, frame, up)
        assert np.array_equal(windowed[0], whole[0]) and windowed[1] == whole[1]
        assert whole[0].any()


def test_hair_just_outside_the_forehead_zone_counts_the_same_when_only_the_zone_is_searched():
    from vitiscore.colour import rgb_to_lab
    from vitiscore.face import facial_area as fa

    rgb = np.empty((200, 100, 3), np.uint8)
    rgb[:] = (205, 160, 135)  # skin
    rgb[30:38:2] = (60, 40, 30)  # strands of dark hair a few pixels above the zone, within the filters' reach
    zone = np.zeros((200, 100), bool)
    zone[40:59, 10:90] = True
    outline = np.array([[10, 40], [89, 40], [89, 58], [10, 58]])
    points, up = _upright_forehead_points(), np.array([0.0, -1.0])
    whole = fa._forehead_skin(rgb_to_lab(rgb), zone, points, up)
    windowed = fa._forehead_in_window(rgb, zone, outline, points, up)
    assert not whole[0][40].all()  # the strands' texture reaches into the zone's top rows
    assert np.array_equal(windowed[0], whole[0]) and windowed[1] == whole[1]


def test_a_white_patch_below_the_hairline_is_forehead_and_the_hair_above_it_is_not():
    from vitiscore.face.facial_area import _forehead_skin

    # The upright face of _upright_forehead_points at twice the size (nasion-chin 200 px): even skin, a chalk-white
    # band with sharp borders across the upper forehead (rows 30-79, a quarter of the face's height), hair above it
    # (rows 0-19). The band's border reads as texture; it used to wall the fill off below the band.
    points = _upright_forehead_points() * 2
    lab = np.empty((400, 200, 3), np.float32)
    lab[:] = (65.0, 15.0, 18.0)
    lab[30:80] = (92.0, 7.5, 9.0)
    lab[:20] = (20.0, 5.0, 8.0)
    zone = np.zeros((400, 200), bool)
    zone[:118, 20:180] = True
    forehead, hair_stop = _forehead_skin(lab, zone, points, np.array([0.0, -1.0]))
    assert forehead[30:80, 40:160].all()  # the patch, wall to wall
    assert not forehead[:18].any() and hair_stop > 0.9  # and it still stops at the hair


@pytest.mark.parametrize("reach", [1, 3, 6])
def test_dilating_and_opening_around_a_mask_equal_doing_it_on_the_whole_frame(reach):
    # Two blobs near the frame's edges, so the window is cut by the frame on two sides.
    from vitiscore.face import facial_area as fa

    rng = np.random.default_rng(reach)
    mask = np.zeros((60, 80), bool)
    mask[2:12, 60:78] = rng.random((10, 18)) > 0.3
    mask[30:50, 0:20] = rng.random((20, 20)) > 0.5
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    whole = mask.astype(np.uint8)
    for operation in (lambda w: cv2.dilate(w, disc), lambda w: cv2.morphologyEx(w, cv2.MORPH_OPEN, disc)):
        np.testing.assert_array_equal(fa._around(mask, reach, operation), operation(whole))
    assert not fa._around(np.zeros((5, 5), bool), reach, lambda w: cv2.dilate(w, disc)).any()
