#!/usr/bin/env bash
# The Ray engine's tests (pytest -m ray): they need the [ray] extra (Ray Data with pandas and pyarrow, about 600 MB),
# which the everyday test environment leaves out. Installs the extra's pinned packages into .venv, then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
RAY=$(.venv/bin/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["ray"])')
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock $RAY
.venv/bin/python -m pytest -q -m ray
