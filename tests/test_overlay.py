"""Overlays stay readable at any photo size: the caption wraps to the width and nothing is cut. [issue 27, 15]"""

import cv2
import numpy as np
import pytest

from vitiscore.report import overlay

CAPTION = (
    "patient_0042_week24  F-VASI 0.12  depigmented 4.1% of facial area  [unet-mobilenetv2-v4, eyelids "
    "exclude]  flags: light_skin,pose,overexposed"
)


@pytest.mark.parametrize("width", [120, 512, 630, 1500, 4000])
def test_caption_wraps_to_the_width_and_keeps_every_word(width):
    scale = overlay.font_scale(width)
    lines = overlay.wrap_caption(CAPTION, width, scale)
    assert all(cv2.getTextSize(line, overlay.FONT, scale, 1)[0][0] <= width for line in lines)
    assert "".join("".join(lines).split()) == "".join(CAPTION.split())  # every character, in order


def test_the_picture_keeps_the_photo_below_a_header_band():
    rgb = np.full((300, 200, 3), 120, np.uint8)
    labels = np.zeros((300, 200), np.uint8)
    labels[50:250, 40:160] = 1
    depigmented = np.zeros((300, 200), bool)
    depigmented[100:150, 60:120] = True
    picture = overlay.render(rgb, labels, depigmented, CAPTION)
    band = picture.shape[0] - 300
    assert picture.shape[1] == 200 and band > 60  # several caption lines and the legend
    photo = picture[band:]
    assert np.array_equal(photo[10, 10], rgb[10, 10])  # outside the face: the photo as it was
    inside = photo[125, 90].astype(int)  # inside the lesion: tinted, not hidden (the skin still shows)
    assert inside[1] < 120 and inside[0] > 120 and abs(inside[1] - 120 * (1 - overlay.DEPIGMENTED_ALPHA)) <= 1


@pytest.mark.parametrize("width", [120, 200, 302, 1500])
def test_every_legend_item_is_drawn_whole_at_any_width(width):
    # On a narrow overlay the legend ran off the picture and the magenta swatch was missing.
    band = overlay._header(width, "")
    for label, colour in overlay.LEGEND:
        swatch = np.all(band == np.array(colour, np.uint8), axis=-1)
        assert swatch.sum() >= 9, label  # a filled square of the text's height
    # Nothing drawn touches the right edge: no item is cut.
    assert np.all(band[:, -3:] == 32)
