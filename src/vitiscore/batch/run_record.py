"""What every command records about its run: package versions and counts by status."""

from __future__ import annotations

import platform
from collections import Counter


def status_counts(rows: list[dict]) -> dict[str, int]:
    """How many rows have each ``status``, in order of first appearance."""
    return dict(Counter(row["status"] for row in rows))


def package_versions() -> dict:
    """Versions of Python, the platform and the packages that shape the numbers, for run.json."""
    from importlib import metadata

    versions = {"python": platform.python_version(), "platform": platform.platform()}
    for package in (
        "numpy",
        "scipy",
        "opencv-python-headless",
        "mediapipe",
        "pillow",
        "scikit-image",
        "torch",
        "segmentation-models-pytorch",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions
