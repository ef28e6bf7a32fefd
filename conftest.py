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


def pytest_collection_modifyitems(config, items):
    # A test of the Ray engine without the [ray] extra is skipped with the command that runs it, whatever -m says.
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        skip = pytest.mark.skip(reason="needs the [ray] extra: bash scripts/test_ray.sh")
        for item in items:
            if "ray" in item.keywords:
                item.add_marker(skip)
