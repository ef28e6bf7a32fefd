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


def save_jpeg(path, rgb: np.ndarray, quality: int = 95, exif=None):
    from PIL import Image

    image = Image.fromarray(rgb)
    if exif is not None:
        image.save(path, quality=quality, exif=exif)
    else:
        image.save(path, quality=quality)
    return path
