import io

import numpy as np
import pytest
from PIL import Image

from vitiscore.files import PhotoError, discover_photos, load_photo
from vitiscore.files import photos as photos_mod


def _gradient(h=40, w=60):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 4, y * 6, (x + y) * 2], axis=-1).astype(np.uint8)


@pytest.mark.parametrize(
    "fmt, suffix", [("JPEG", ".jpg"), ("PNG", ".png"), ("TIFF", ".tif"), ("BMP", ".bmp"), ("WEBP", ".webp")]
)
def test_formats_load_as_rgb8(tmp_path, fmt, suffix):
    path = tmp_path / f"a{suffix}"
    Image.fromarray(_gradient()).save(path, format=fmt)
    photo = load_photo(path)
    assert photo.rgb.shape == (40, 60, 3) and photo.rgb.dtype == np.uint8


def test_modes_are_converted(tmp_path):
    rgb = _gradient()
    Image.fromarray(rgb[:, :, 0]).save(tmp_path / "gray.png")
    Image.fromarray(np.dstack([rgb, np.full((40, 60), 128, np.uint8)])).save(tmp_path / "rgba.png")
    Image.fromarray(rgb).convert("P").save(tmp_path / "palette.png")
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "cmyk.jpg")
    Image.fromarray(rgb[:, :, 1].astype(np.uint16) * 257).save(tmp_path / "gray16.png")
    gray = load_photo(tmp_path / "gray.png").rgb
    assert np.array_equal(gray[:, :, 0], rgb[:, :, 0]) and np.array_equal(gray[:, :, 2], rgb[:, :, 0])
    assert np.array_equal(load_photo(tmp_path / "rgba.png").rgb, rgb)  # alpha dropped, colours kept
    assert load_photo(tmp_path / "palette.png").rgb.shape == (40, 60, 3)
    assert np.abs(load_photo(tmp_path / "cmyk.jpg").rgb.astype(int) - rgb).mean() < 12
    # 16-bit values v*257 scale back to exactly v in 8 bits, not clipped to 255
    assert np.array_equal(load_photo(tmp_path / "gray16.png").rgb[:, :, 0], rgb[:, :, 1])


def test_exif_orientation_is_applied(tmp_path):
    upright = _gradient()
    stored = np.rot90(upright, k=1)  # orientation 6 means "rotate 90 degrees clockwise to display"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(np.ascontiguousarray(stored)).save(tmp_path / "r.png", exif=exif)
    photo = load_photo(tmp_path / "r.png")
    assert photo.exif_rotated
    assert np.array_equal(photo.rgb, upright)


@pytest.mark.parametrize("content, status", [(b"", "empty_file"), (b"not an image at all", "unreadable")])
def test_bad_files_raise_photo_errors(tmp_path, content, status):
    path = tmp_path / "x.jpg"
    path.write_bytes(content)
    with pytest.raises(PhotoError) as info:
        load_photo(path)
    assert info.value.status == status


def test_truncated_jpeg(tmp_path):
    path = tmp_path / "t.jpg"
    Image.fromarray(_gradient(200, 200)).save(path, quality=95)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(PhotoError) as info:
        load_photo(path)
    assert info.value.status == "truncated"


def _jpeg_bytes(rgb, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", **options)
    return buffer.getvalue()


def _pillow_pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


@pytest.mark.parametrize(
    "options",
    [
        {"quality": 95, "subsampling": 0},
        {"quality": 90, "subsampling": 1},
        {"quality": 60, "subsampling": 2},
        {"quality": 85, "progressive": True},
    ],
)
def test_colour_jpegs_decode_to_the_same_pixels_as_pillow(tmp_path, options):
    rgb = np.random.default_rng(3).integers(0, 256, (37, 53, 3), dtype=np.uint8)  # odd sides, every level
    path = tmp_path / "p.jpg"
    # Bytes after the end marker (a phone's appended motion clip) are not part of the picture.
    path.write_bytes(_jpeg_bytes(rgb, **options) + b"trailing data")
    assert photos_mod._jpeg_complete(path.read_bytes())
    assert np.array_equal(load_photo(path).rgb, _pillow_pixels(path))


def _with_thumbnail(main: bytes, thumbnail: bytes) -> bytes:
    """``main`` with an APP1 (EXIF) segment holding a whole JPEG, as cameras embed their thumbnails."""
    payload = b"Exif\x00\x00" + thumbnail
    return main[:2] + b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + main[2:]


def test_a_truncated_jpeg_with_a_complete_thumbnail_is_truncated(tmp_path):
    main = _jpeg_bytes(_gradient(200, 200), quality=95)
    whole = _with_thumbnail(main, _jpeg_bytes(_gradient(16, 16)))
    path = tmp_path / "t.jpg"
    path.write_bytes(whole)
    assert photos_mod._jpeg_complete(whole)
    assert np.array_equal(load_photo(path).rgb, _pillow_pixels(path))
    cut = whole[: len(whole) - len(main) // 2]  # the thumbnail's end marker is still there
    assert not photos_mod._jpeg_complete(cut)
    path.write_bytes(cut)
    with pytest.raises(PhotoError) as info:
        load_photo(path)
    assert info.value.status == "truncated"


def test_pixel_limit_is_checked_before_decoding(tmp_path):
    path = tmp_path / "big.png"
    Image.fromarray(_gradient(100, 100)).save(path)
    with pytest.raises(PhotoError) as info:
        load_photo(path, max_pixels=9_999)
    assert info.value.status == "too_large"
    assert load_photo(path, max_pixels=10_000).rgb.shape == (100, 100, 3)
    with pytest.raises(ValueError, match="max_pixels"):
        load_photo(path, max_pixels=0)


def test_discovery(tmp_path):
    (tmp_path / "s1").mkdir()
    for name in ("s1/a.JPG", "b.png", "notes.txt", ".hidden.jpg"):
        (tmp_path / name).write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover_photos([tmp_path])]
    assert found == ["b.png", "s1/a.JPG"]
    assert [p.name for p in discover_photos([tmp_path], recursive=False)] == ["b.png"]
    assert [p.name for p in discover_photos([tmp_path / "notes.txt"])] == ["notes.txt"]  # named: always taken
    with pytest.raises(FileNotFoundError, match="missing"):
        discover_photos([tmp_path / "missing"])


def test_image_ids_keep_every_letter():
    import unicodedata
    from pathlib import Path

    from vitiscore.files import image_ids, safe_name

    assert image_ids([Path("患者_02.png"), Path("Patient_01_Baseline é.jpg")]) == ["患者_02", "Patient_01_Baseline é"]
    assert safe_name(unicodedata.normalize("NFD", "Müller")) == "Müller"  # decomposed as macOS writes it -> NFC
    assert safe_name("a/b\\c") == "a_b_c" and safe_name("x\x07y") == "x_y" and safe_name("..x.") == "x"
    assert safe_name('r:1<2>|"?*') == "r_1_2_"
    assert safe_name("...") == "photo"


def test_a_lossless_exif_rotated_copy_scores_exactly_as_the_original(astronaut, tmp_path):
    # [issue 27, 10] JPEG copies differ (re-encoding, docs/experiments/2026-12-01-exif-rotated-copies.md); saved
    # losslessly, the orientation handling alone must change nothing.
    from PIL import Image

    from tests.support import points_and_area
    from vitiscore.pipeline import ScoreOptions, score_image
    from vitiscore.training import synth

    points_area = points_and_area(astronaut)
    photo = synth.paint_depigmentation(
        astronaut, synth.demo_lesions(astronaut.shape[:2], *points_area, "baseline", seed=3)
    )
    Image.fromarray(photo).save(tmp_path / "upright.png")
    for tag, k in ((6, 1), (3, 2), (8, 3)):  # stored turned; the tag says how to turn it back
        exif = Image.Exif()
        exif[0x0112] = tag
        Image.fromarray(np.ascontiguousarray(np.rot90(photo, k))).save(tmp_path / f"tag{tag}.png", exif=exif)
    options = ScoreOptions(model="classical")
    upright = score_image(tmp_path / "upright.png", options)
    for tag in (6, 3, 8):
        copy = score_image(tmp_path / f"tag{tag}.png", options)
        assert copy.turned_deg == 0 and copy.depigmented_fraction == upright.depigmented_fraction
        assert np.array_equal(copy.depigmented, upright.depigmented)


def test_ids_never_carry_the_folders_above_the_photos(tmp_path):
    # Two photos of one name in one folder given by absolute path got ids such as `___tmp__sec__e__in2__meta`:
    # the user's folder path in every table, the report and the mask file names.
    from vitiscore.files import image_ids

    folder = tmp_path / "study" / "in2"
    assert image_ids([folder / "meta.jpg", folder / "meta.png"]) == ["meta", "meta_2"]
    assert image_ids([folder / "x" / "meta.jpg", folder / "y" / "meta.jpg"]) == ["x__meta", "y__meta"]
    assert image_ids([folder / "a.jpg", folder / "b" / "c.jpg"]) == ["a", "c"]
    assert image_ids([]) == []


def test_a_multi_page_tiff_is_flagged_and_its_first_page_read(tmp_path):
    first, second = _gradient(), 255 - _gradient()
    path = tmp_path / "pages.tif"
    Image.fromarray(first).save(path, save_all=True, append_images=[Image.fromarray(second)] * 2)
    photo = load_photo(path)
    assert photo.pages == 3 and photo.flags == ["multi_page"]
    assert np.array_equal(photo.rgb, first)
    Image.fromarray(first).save(tmp_path / "one.tif")
    assert load_photo(tmp_path / "one.tif").flags == []
