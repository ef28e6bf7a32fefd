"""A rater's marks file: reading, checking against the photos, and moving marks with the photo."""

import numpy as np
import pytest
from PIL import Image

from vitiscore.files import marks as marks_mod
from vitiscore.files.marks import Mark, MarksError


def _write(path, text):
    path.write_text(text)
    return path


def test_reads_marks_by_photo_with_default_radius(tmp_path):
    path = _write(tmp_path / "m.csv", "image_id,x,y,label,radius\na,10,20,1,3\nb,5,6,0,\na,1.5,2,0,\n")
    marks = marks_mod.read_marks(path)
    assert marks == {
        "a": [Mark(10, 20, 1, 3, 2), Mark(1.5, 2, 0, marks_mod.DEFAULT_RADIUS_PX, 4)],
        "b": [Mark(5, 6, 0, marks_mod.DEFAULT_RADIUS_PX, 3)],
    }


def test_a_spreadsheet_export_with_semicolons_and_no_radius_column(tmp_path):
    path = _write(tmp_path / "m.csv", "\ufeffimage_id;x;y;label\nface;3;4;1\n")
    assert marks_mod.read_marks(path) == {"face": [Mark(3, 4, 1, marks_mod.DEFAULT_RADIUS_PX, 2)]}


@pytest.mark.parametrize(
    "line, message",
    [
        ("a,1,2,2,", "line 3: label must be 1 (depigmented) or 0 (normal skin), got '2'"),
        ("a,1,2,yes,", "line 3: label must be 1"),
        ("a,one,2,1,", "line 3: x must be a number, got 'one'"),
        ("a,1,nan,1,", "line 3: y must be a finite number"),
        ("a,-1,2,1,", "line 3: x and y are pixel coordinates (>= 0)"),
        ("a,1,2,1,0", "line 3: radius must be > 0 pixels"),
        (",1,2,1,", "line 3: empty image_id"),
    ],
)
def test_a_bad_line_is_named(tmp_path, line, message):
    path = _write(tmp_path / "m.csv", f"image_id,x,y,label,radius\na,1,1,1,\n{line}\n")
    with pytest.raises(MarksError, match="marks file .* " + message.replace("(", r"\(").replace(")", r"\)")):
        marks_mod.read_marks(path)


def test_a_missing_column_is_named(tmp_path):
    path = _write(tmp_path / "m.csv", "image_id,x,y\na,1,1\n")
    with pytest.raises(MarksError, match="lacks the column\\(s\\) label"):
        marks_mod.read_marks(path)


def test_unknown_photo_and_mark_outside_the_photo_name_their_line(tmp_path):
    photo = tmp_path / "face.png"
    Image.fromarray(np.zeros((40, 60, 3), np.uint8)).save(photo)  # 60 wide, 40 high
    path = _write(tmp_path / "m.csv", "image_id,x,y,label\nface,59,39,1\nface,10,40,0\n")
    with pytest.raises(MarksError, match=r"line 3: the mark at x=10, y=40 lies outside photo 'face', which is 60x40"):
        marks_mod.check_photos(marks_mod.read_marks(path), {"face": photo}, path)
    path = _write(tmp_path / "n.csv", "image_id,x,y,label\nface,1,1,1\nother,1,1,0\n")
    with pytest.raises(MarksError, match="line 3: no photo has the image_id 'other'"):
        marks_mod.check_photos(marks_mod.read_marks(path), {"face": photo}, path)


def test_the_size_of_a_photo_stored_sideways_is_its_size_as_shown(tmp_path):
    photo = tmp_path / "side.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned a quarter: stored 60 wide, shown 40 wide
    Image.fromarray(np.zeros((40, 60, 3), np.uint8)).save(photo, exif=exif)
    marks = {"side": [Mark(39, 59, 1, line=2)]}
    marks_mod.check_photos(marks, {"side": photo}, "m.csv")
    with pytest.raises(MarksError, match="which is 40x60"):
        marks_mod.check_photos({"side": [Mark(45, 10, 1, line=2)]}, {"side": photo}, "m.csv")


@pytest.mark.parametrize("turns", [1, 2, 3, -1])
def test_marks_turn_with_the_photo(turns):
    photo = np.zeros((5, 8), int)
    photo[1, 6] = 1  # the pixel at x=6, y=1
    turned = np.rot90(photo, turns)
    (y,), (x,) = np.nonzero(turned)
    (mark,) = marks_mod.turn([Mark(6, 1, 1, 2.0, 7)], turns, width=8, height=5)
    assert (mark.x, mark.y, mark.radius, mark.line) == (x, y, 2.0, 7)


def test_marks_on_the_analysis_frame():
    # The frame is the box x 100-300, y 50-250 of the photo at half scale: (150, 60) -> (25, 5) after pixel-centre
    # alignment ((150 - 100 + 0.5) * 0.5 - 0.5 = 24.75); a mark left of the box is dropped.
    marks = [Mark(150, 60, 1, 10), Mark(90, 60, 0, 10)]
    (inside,) = marks_mod.to_frame(marks, (100, 50, 300, 250), 0.5)
    assert (inside.x, inside.y, inside.radius) == (24.75, 4.75, 5.0)


def test_raster_draws_discs_and_drops_contradictions():
    lesion, normal = marks_mod.raster([Mark(5, 5, 1, 2), Mark(8, 5, 0, 2)], (11, 14))
    # A radius-2 disc is 13 px; (6, 5) and (7, 5) are in both discs, so in neither.
    assert lesion.sum() == normal.sum() == 13 - 2
    assert lesion[5, 3:6].all() and not lesion[5, 6] and normal[5, 8:11].all() and not normal[5, 7]
    assert not (lesion & normal).any()
    # On a map at a quarter of the scale the centre is (8 + 0.5) / 4 - 0.5 = 1.625 and the radius stays 1 map
    # pixel: the 4 pixels (1..2, 1..2) are within it.
    small, _ = marks_mod.raster([Mark(8, 8, 1, 1)], (5, 5), scale=0.25, min_radius=1.0)
    assert small.sum() == 4 and small[1:3, 1:3].all()


def test_fingerprint_changes_with_marks_and_settings_not_with_lines():
    a = [Mark(1, 2, 1, 5, 2)]
    assert marks_mod.fingerprint(a, steps=30) == marks_mod.fingerprint([Mark(1, 2, 1, 5, 9)], steps=30)
    assert marks_mod.fingerprint(a, steps=30) != marks_mod.fingerprint([Mark(1, 3, 1, 5, 2)], steps=30)
    assert marks_mod.fingerprint(a, steps=30) != marks_mod.fingerprint(a, steps=10)


def test_written_marks_read_back(tmp_path):
    marks = {"a": [Mark(1.25, 2, 1, 4, 2), Mark(3, 4, 0, 5, 3)], "b": [Mark(0, 0, 0, 1, 4)]}
    marks_mod.write_marks(tmp_path / "m.csv", marks)
    assert marks_mod.read_marks(tmp_path / "m.csv") == marks


def test_a_radius_over_a_quarter_of_the_photo_is_refused_naming_its_line(tmp_path):
    # A radius of 1e12 was accepted and the whole photo read as lesion after 98 s.
    photo = tmp_path / "face.png"
    Image.fromarray(np.zeros((40, 60, 3), np.uint8)).save(photo)  # shorter side 40: at most 10 px
    path = _write(tmp_path / "m.csv", "image_id,x,y,label,radius\nface,5,5,1,10\nface,5,5,1,1e12\n")
    with pytest.raises(MarksError, match=r"line 3: radius 1e\+12 px is over a quarter of photo 'face'"):
        marks_mod.check_photos(marks_mod.read_marks(path), {"face": photo}, path)
