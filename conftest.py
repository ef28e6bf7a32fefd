import os

# Nothing may reach a hub during tests; an accidental download would otherwise hang for tens of seconds.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def astronaut():
    from vitiscore.training import synth

    return synth.astronaut_face()


@pytest.fixture(scope="session")
def astronaut_landmarks(astronaut):
    from vitiscore.face import locate

    return locate(astronaut)
