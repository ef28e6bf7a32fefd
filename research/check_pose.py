"""Check the head-turn (yaw) estimate against photos of known pose (a folder laid out like
faces_fasseg/multipose/train/rgb: one sub-folder per yaw in degrees, e.g. "-45", "0", "+30").

    python -m research.check_pose PATH/TO/faces_fasseg/multipose/train/rgb
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from vitiscore.face import locate
from vitiscore.face.landmarks import NoFaceError
from vitiscore.files import load_photo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="folder with one sub-folder of photos per yaw angle")
    args = parser.parse_args()
    folders = sorted((p for p in Path(args.data).iterdir() if p.is_dir()), key=lambda p: float(p.name))
    print(f"{'labelled':>9} {'n':>3} {'no face':>8} {'median yaw':>11} {'10-90 %':>16}")
    for folder in folders:
        yaws, missed = [], 0
        for path in sorted(folder.glob("*.png")):
            try:
                yaws.append(locate(load_photo(path).rgb).yaw_deg)
            except NoFaceError:
                missed += 1
        if yaws:
            lo, hi = np.percentile(yaws, [10, 90])
            print(f"{folder.name:>9} {len(yaws):>3} {missed:>8} {np.median(yaws):>11.1f} {lo:>7.1f} to {hi:>5.1f}")
        else:
            print(f"{folder.name:>9} {0:>3} {missed:>8}")


if __name__ == "__main__":
    main()
