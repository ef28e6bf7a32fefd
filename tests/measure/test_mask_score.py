import numpy as np

from vitiscore.face.facial_area import UNIT_LABELS
from vitiscore.measure.mask_score import photo_mask


def test_a_frame_mask_is_placed_in_its_box_doubled_in_size_and_kept_to_the_facial_area():
    # A 4 x 3 frame at scale 0.5 covers the 8 x 6 box at (10, 20) of a 40 x 50 photo: each frame pixel becomes a
    # 2 x 2 block there (by hand), nothing outside the box, and nothing outside the facial area's labels.
    frame = np.zeros((3, 4), bool)
    frame[1, 2] = True
    labels = np.zeros((50, 40), np.uint8)
    labels[20:26, 10:18] = UNIT_LABELS["nose"]
    labels[23, 15] = 0  # one pixel of the block outside the facial area
    placed = photo_mask(frame, (10, 20, 18, 26), 0.5, labels)
    assert placed.shape == (50, 40) and placed.dtype == bool
    assert sorted(zip(*np.nonzero(placed))) == [(22, 14), (22, 15), (23, 14)]


def test_an_empty_frame_mask_places_nothing():
    labels = np.full((30, 30), UNIT_LABELS["forehead"], np.uint8)
    assert not photo_mask(np.zeros((10, 10), bool), (5, 5, 25, 25), 0.5, labels).any()
