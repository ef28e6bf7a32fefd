"""Benchmark: photos per second over a folder, time split by stage, peak memory.

    python scripts/bench.py data/samples                 # the demo photos as they are
    python scripts/bench.py data/samples --megapixels 12 # each photo upscaled to ~12 MP first
    python scripts/bench.py data/samples --model classical

Prints a table and writes bench.json into the output folder (a temporary one by default).
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from vitiscore import ScoreOptions, score_folder
from vitiscore.io import discover_photos, load_photo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="folder of photos")
    parser.add_argument("--megapixels", type=float, default=0, help="upscale every photo to about this size first")
    parser.add_argument("--repeat", type=int, default=1, help="score the folder this many times")
    parser.add_argument("--model", default=None, help="model id or folder (default: the default model)")
    parser.add_argument("-o", "--out", default=None, help="output folder (default: a temporary one)")
    args = parser.parse_args()
    work = Path(args.out or tempfile.mkdtemp(prefix="vitiscore-bench-"))
    photos = discover_photos([args.folder])
    source = work / "photos"
    source.mkdir(parents=True, exist_ok=True)
    for path in photos:
        rgb = load_photo(path).rgb
        if args.megapixels:
            factor = np.sqrt(args.megapixels * 1e6 / (rgb.shape[0] * rgb.shape[1]))
            rgb = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        Image.fromarray(rgb).save(source / (path.stem + ".jpg"), quality=92)
    options = ScoreOptions(model=args.model) if args.model else ScoreOptions()
    score_folder([source], work / "warmup", options, progress=False)  # loads the models once
    totals: dict[str, float] = {}
    n, elapsed = 0, 0.0
    for i in range(args.repeat):
        start = time.perf_counter()
        result = score_folder([source], work / f"run{i}", options, progress=False)
        elapsed += time.perf_counter() - start
        n += len(result.rows)
        for stage, seconds in result.run["seconds_by_stage"].items():
            totals[stage] = totals.get(stage, 0.0) + seconds
    size = load_photo(next(source.iterdir())).rgb.shape
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {
        "model": options.model, "photos": n, "photo_size": f"{size[1]}x{size[0]} ({size[0] * size[1] / 1e6:.1f} MP)",
        "seconds": round(elapsed, 3), "photos_per_second": round(n / elapsed, 3),
        "ms_per_photo_by_stage": {k: round(1000 * v / n, 1) for k, v in totals.items()},
        "peak_rss_mb": round(peak_mb, 1),
    }
    (work / "bench.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
