#!/usr/bin/env bash
# Create (or update) the project's virtual environment in .venv: CPU-only, every version pinned.
# Idempotent: a second run only checks that everything is installed.
#
#   pyproject.toml      the pins of vitiscore's own dependencies (and of mediapipe, under [tool.vitiscore])
#   requirements.lock   the same pins plus every package they pull in, used as constraints
#
# torch comes first, alone: `pip install torch==2.13.0` takes this machine's CPU build; resolved together with
# the rest, pip could pick a CUDA build of several GB.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
"${PIP[@]}" -c requirements.lock torch setuptools wheel
"${PIP[@]}" -c requirements.lock --no-build-isolation -e ".[dev]"
MEDIAPIPE=$(.venv/bin/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["tool"]["vitiscore"]["no-deps"])')
"${PIP[@]}" --no-deps $MEDIAPIPE
