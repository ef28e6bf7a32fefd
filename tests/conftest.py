import os

# Nothing may reach a hub during tests; an accidental download would otherwise hang for tens of seconds.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def astronaut():
    from vitiscore import synth

    return synth.astronaut_face()


@pytest.fixture(scope="session")
def astronaut_landmarks(astronaut):
    from vitiscore.face import locate

    return locate(astronaut)


def load_script(name: str):
    """The module of ``scripts/<name>.py``: the scripts are not a package, but their functions are tested."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def save_jpeg(path, rgb: np.ndarray, quality: int = 95, exif=None):
    from PIL import Image

    image = Image.fromarray(rgb)
    if exif is not None:
        image.save(path, quality=quality, exif=exif)
    else:
        image.save(path, quality=quality)
    return path


def bare_forehead(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The astronaut (``rgb``, ``points`` its mesh in pixels) with her fringe replaced by bare skin: from just
    above the brows to 0.3 of the nasion-chin distance above the mesh's forehead arc, painted in the colour of
    the skin just above the brows. Her own fringe covers the forehead, so the photo has no band above the mesh."""
    import cv2

    from vitiscore.face.indices import FOREHEAD_ARC

    lift = 0.3 * float(np.hypot(*(points[152, :2] - points[168, :2])))
    brows = points[[70, 63, 105, 66, 107, 9, 336, 296, 334, 293, 300], :2] - [0, 4]
    arc = points[list(FOREHEAD_ARC), :2] - [0, lift]
    mask = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.vstack([brows, arc[::-1]]).astype(np.int32)], 1)
    ys, xs = np.round(brows).astype(int).T
    skin = np.median(rgb[ys, xs], axis=0)
    noise = np.random.default_rng(0).normal(0, 1.5, rgb.shape)
    out = rgb.astype(np.float64)
    out[mask > 0] = skin + noise[mask > 0]
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
