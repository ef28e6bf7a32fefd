"""What every command records about its run: package versions and counts by status."""

from __future__ import annotations

import platform


def status_counts(rows: list[dict]) -> dict[str, int]:
    """How many rows have each ``status``."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


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
