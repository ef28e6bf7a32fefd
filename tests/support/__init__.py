"""Helpers and published reference data shared by the tests (plain functions and constants, no tests)."""

import contextlib
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

# The project's demo photos (made by research/make_demo_data.py) and their truth.
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
# Bland & Altman (1986), Table 1: peak expiratory flow (l/min), first readings of 17 subjects.
WRIGHT = [494, 395, 516, 434, 476, 557, 413, 442, 650, 433, 417, 656, 267, 478, 178, 423, 427]
MINI_WRIGHT = [512, 430, 520, 428, 500, 600, 364, 380, 658, 445, 432, 626, 260, 477, 259, 350, 451]


def run_cli(*args, cwd=None):
    """Run ``vitiscore ARGS`` in this process, as a user would at a terminal: exit code, stdout and stderr as a
    ``subprocess.CompletedProcess``. In-process because a new interpreter importing torch costs seconds a call;
    :func:`run_cli_subprocess` is the real thing for the few smoke tests that need it."""
    from vitiscore import cli

    stdout, stderr = io.StringIO(), io.StringIO()
    before = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = cli.main([str(a) for a in args])
            except SystemExit as stop:  # argparse's usage errors, --help and --version
                code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
                if isinstance(stop.code, str):
                    stderr.write(stop.code)
    finally:
        os.chdir(before)
        logging.getLogger("vitiscore").handlers[:] = []
    return subprocess.CompletedProcess(["vitiscore", *map(str, args)], code, stdout.getvalue(), stderr.getvalue())


def run_cli_subprocess(*args, cwd=None):
    """``python -m vitiscore.cli ARGS`` in a new interpreter (slow: torch is imported again)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.run(
        [sys.executable, "-m", "vitiscore.cli", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def points_and_area(rgb):
    from vitiscore.face import locate, region

    lm = locate(rgb)
    facial = region(rgb, lm)
    return lm.points, facial.photo_labels(rgb.shape) > 0


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
