"""Benchmark: photos per second over a folder, time split by stage, peak memory per worker.

    python -m research.bench data/samples                          # the demo photos as they are, one worker
    python -m research.bench data/samples --megapixels 12          # each photo upscaled to ~12 MP first
    python -m research.bench data/samples --megapixels 12 --copies 4 --workers 1 2   # one and two workers
    python -m research.bench data/samples --engine ray --workers 2 # the Ray engine (a local Ray)
    python -m research.bench data/samples --megapixels 12 --devices cpu cuda   # GPU, and its numbers vs the CPU's
    python -m research.bench data/samples --model classical
    python -m research.bench data/samples --megapixels 12 --uncertainty   # the cost of the intervals
    python -m research.bench data/samples --suite     # the speed issue's table: see below

Prints one JSON report per device and worker count, also written to bench.json in the output folder (a temporary one by
default). ``ms_per_photo_by_stage`` sums the stages over all workers (CPU-time-like: with 2 workers the wall
clock per photo is about half), ``decode_ratio`` is the whole pipeline's time per photo over its decode time,
``peak_rss_mb_per_worker`` is the largest peak resident memory (VmHWM, Linux) of one process that scored
photos: this process with one local worker, else the worker processes or Ray actors, polled while they run.
``seconds`` and ``photos_per_second`` are wall clock and include starting the workers.
For a learned model it also times the network alone on one face crop at the model's input size
(``network_ms_per_crop``: median and 10th percentile of --crop-runs runs, after 5 warm-up runs), on --threads
CPU threads.

``--suite`` measures, in one run: 8 and 32 photos of 2.5 MP and 24 of 12 MP, each with ``--workers 1``, the default
(None: :func:`vitiscore.batch.workers.default_workers`) and ``--workers 2``; then the 12 MP photos with one worker
and ``--uncertainty``. It prints one line per case (seconds per photo, wall clock with start-up; the workers
the default chose; the pipeline/decode ratio) and the ratios the speed targets are stated in.

``--crossover 16 48 96`` times those many photos (at ``--megapixels``, default 2.5) with 1 and with 2 workers,
each run in a fresh Python process, as from the shell: the one worker loads the model and the two start their
processes inside the timed run. Where two workers start to pay is what :mod:`vitiscore.batch.workers` is
calibrated on. Written to ``crossover.json``.

With several ``--devices`` each later device's report gets ``agreement``: its rows against the first device's
(statuses that differ, the largest differences of F-VASI and of the depigmented fraction, and the pixels whose
depigmentation differs as a share of the facial area, worst photo and mean); docs/scale.md gives the tolerance.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from vitiscore import ScoreOptions, score_folder
from vitiscore.files import discover_photos, load_photo, read_table_csv
from vitiscore.files.masks import read_mask
from vitiscore.segment import load_segmenter
from vitiscore.segment.learned import LearnedSegmenter


def network_ms(segmenter: LearnedSegmenter, runs: int) -> dict:
    """Median and 10th percentile (ms) of the network's time on one input_size x input_size crop."""
    size = segmenter.input_size
    crop = np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
    for _ in range(5):
        segmenter.probabilities([crop])
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        segmenter.probabilities([crop])
        times.append(1000 * (time.perf_counter() - start))
    return {
        "crop": f"{size}x{size}",
        "runs": runs,
        "median": round(float(np.median(times)), 1),
        "p10": round(float(np.percentile(times, 10)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="folder of photos")
    parser.add_argument("--megapixels", type=float, default=0, help="upscale every photo to about this size first")
    parser.add_argument("--repeat", type=int, default=1, help="score the folder this many times")
    parser.add_argument("--copies", type=int, default=1, help="score each photo this many times in one run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="worker counts to measure (default 1)")
    parser.add_argument("--engine", choices=("local", "ray"), default="local", help="local processes or Ray")
    parser.add_argument("--devices", nargs="+", default=["cpu"], choices=("cpu", "cuda"), help="default cpu")
    parser.add_argument("--model", default=None, help="model id or folder (default: the default model)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for the network (default 2)")
    parser.add_argument("--crop-runs", type=int, default=30, help="timed network runs on one crop (default 30)")
    parser.add_argument("-o", "--out", default=None, help="output folder (default: a temporary one)")
    parser.add_argument("--uncertainty", action="store_true", help="score with intervals (score --uncertainty)")
    parser.add_argument("--suite", action="store_true", help="the worker and size table (see above); other options off")
    parser.add_argument("--crossover", type=int, nargs="+", metavar="N", help="photo counts for 1 against 2 workers")
    parser.add_argument("--cold-run", nargs=3, metavar=("PHOTOS", "OUT", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if min(args.threads, args.crop_runs, args.copies, args.repeat, *args.workers) < 1:
        parser.error("--threads, --crop-runs, --copies, --repeat and --workers must be at least 1")
    torch.set_num_threads(args.threads)
    work = Path(args.out or tempfile.mkdtemp(prefix="vitiscore-bench-"))
    photos = discover_photos([args.folder])
    if args.cold_run:  # one timed run for --crossover, in the fresh process that --crossover started
        print(json.dumps(_timed(Path(args.cold_run[0]), Path(args.cold_run[1]), ScoreOptions(), int(args.cold_run[2]))))
        return
    if args.suite:
        suite(args, photos, work)
        return
    if args.crossover:
        crossover(args, photos, work)
        return
    source = make_photos(photos, work / "photos", args.megapixels, args.copies * len(photos))
    options = ScoreOptions(uncertainty=args.uncertainty, **({"model": args.model} if args.model else {}))
    score_folder([source], work / "warmup", options, progress=False)  # loads the models once
    size = load_photo(next(source.iterdir())).rgb.shape
    reports = [
        _measure(args, options, source, work, workers, size, device)
        for device in args.devices
        for workers in args.workers
    ]
    for report in reports:
        if report["device"] != args.devices[0]:
            first = next(r for r in reports if r["device"] == args.devices[0])
            report["agreement"] = agreement(Path(first["out"]), Path(report["out"]))
    segmenter = load_segmenter(options.model)
    if isinstance(segmenter, LearnedSegmenter):
        reports[0]["network_ms_per_crop"] = network_ms(segmenter, args.crop_runs)
    (work / "bench.json").write_text(json.dumps(reports, indent=2))
    print(json.dumps(reports, indent=2))


def make_photos(photos: list[Path], folder: Path, megapixels: float, n: int) -> Path:
    """``n`` JPEGs (quality 92) in ``folder``, the ``photos`` in turn, each scaled to about ``megapixels`` (0: as
    they are)."""
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        rgb = load_photo(photos[k % len(photos)]).rgb
        if megapixels:
            factor = np.sqrt(megapixels * 1e6 / (rgb.shape[0] * rgb.shape[1]))
            rgb = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        Image.fromarray(rgb).save(folder / f"{photos[k % len(photos)].stem}_{k}.jpg", quality=92)
    return folder


def suite(args, photos: list[Path], work: Path) -> None:
    """The speed table of the module docstring, printed and written to ``work/suite.json``."""
    cases = [(2.5, 8), (2.5, 32), (12, 24)]
    score_folder([make_photos(photos[:1], work / "warm", 0, 1)], work / "warmup", progress=False, workers=1)
    lines = []
    for megapixels, n in cases:
        source = make_photos(photos, work / f"photos-{megapixels}-{n}", megapixels, n)
        for workers in (1, None, 2):
            lines.append(_timed(source, work / f"run-{megapixels}-{n}-{workers}", ScoreOptions(), workers))
            lines[-1].update(megapixels=megapixels, photos=n, asked=workers or "default")
            print(json.dumps(lines[-1]))
    twelve = work / "photos-12-24"
    lines.append(_timed(twelve, work / "run-12-24-uncertainty", ScoreOptions(uncertainty=True), 1))
    lines[-1].update(megapixels=12, photos=24, asked=1, uncertainty=True)
    print(json.dumps(lines[-1]))

    def per_photo(mp, n, asked, uncertainty=False):
        return next(
            x["seconds_per_photo"]
            for x in lines
            if (x["megapixels"], x["photos"], x["asked"], x.get("uncertainty", False)) == (mp, n, asked, uncertainty)
        )

    ratios = {
        "default_vs_1_worker_speed_8_photos_2.5MP": round(per_photo(2.5, 8, 1) / per_photo(2.5, 8, "default"), 2),
        "default_vs_1_worker_speed_32_photos_2.5MP": round(per_photo(2.5, 32, 1) / per_photo(2.5, 32, "default"), 2),
        "2_workers_vs_1_speed_32_photos_2.5MP": round(per_photo(2.5, 32, 1) / per_photo(2.5, 32, 2), 2),
        "pipeline_over_decode_12MP": next(
            x["decode_ratio"] for x in lines if x["megapixels"] == 12 and x["asked"] == 1
        ),
        "uncertainty_cost_12MP": round(per_photo(12, 24, 1, True) / per_photo(12, 24, 1), 2),
    }
    print(json.dumps(ratios))
    (work / "suite.json").write_text(json.dumps({"cases": lines, "ratios": ratios}, indent=2))


def crossover(args, photos: list[Path], work: Path) -> None:
    """The ``--crossover`` table of the module docstring, printed and written to ``work/crossover.json``."""
    megapixels = args.megapixels or 2.5
    lines = []
    for n in args.crossover:
        source = make_photos(photos, work / f"photos-{megapixels}-{n}", megapixels, n)
        for workers in (1, 2):
            command = [sys.executable, "-m", "research.bench", args.folder, "--cold-run", str(source)]
            command += [str(work / f"cold-{megapixels}-{n}-{workers}"), str(workers)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            lines.append({**json.loads(done.stdout.strip().splitlines()[-1]), "megapixels": megapixels, "photos": n})
            print(json.dumps(lines[-1]))
        one, two = lines[-2]["seconds"], lines[-1]["seconds"]
        print(json.dumps({"photos": n, "2_workers_vs_1_speed": round(one / two, 2)}))
    (work / "crossover.json").write_text(json.dumps(lines, indent=2))


def _timed(source: Path, out: Path, options: ScoreOptions, workers: int | None) -> dict:
    start = time.perf_counter()
    result = score_folder([source], out, options, progress=False, workers=workers)
    seconds = time.perf_counter() - start
    stages = result.run["seconds_by_stage"]
    n = len(result.rows)
    return {
        "workers_used": result.run["engine"]["workers"],
        "seconds": round(seconds, 2),
        "seconds_per_photo": round(seconds / n, 3),
        "decode_ratio": round(sum(stages.values()) / stages["decode"], 2) if stages.get("decode") else None,
    }


def agreement(reference: Path, other: Path) -> dict:
    """How far the rows and masks of the run in ``other`` are from those in ``reference`` (same photos)."""
    rows = {r["image_id"]: r for r in read_table_csv(reference / "results.csv")[1]}
    others = {r["image_id"]: r for r in read_table_csv(other / "results.csv")[1]}
    statuses = sorted(i for i in rows if rows[i]["status"] != others[i]["status"])
    both = [i for i in rows if rows[i]["status"] == others[i]["status"] == "ok"]
    fvasi = [abs(float(rows[i]["fvasi"]) - float(others[i]["fvasi"])) for i in both]
    fraction = [abs(float(rows[i]["depigmented_fraction"]) - float(others[i]["depigmented_fraction"])) for i in both]
    pixels = []
    for i in both:
        area = read_mask(reference / rows[i]["mask_facial_area"])
        differ = read_mask(reference / rows[i]["mask_depigmented"]) ^ read_mask(other / others[i]["mask_depigmented"])
        pixels.append(100 * (differ & area).sum() / max(1, area.sum()))
    return {
        "photos_compared": len(both),
        "statuses_differ": statuses,
        "max_abs_diff_fvasi": round(max(fvasi, default=0.0), 4),
        "max_abs_diff_depigmented_fraction": round(max(fraction, default=0.0), 5),
        "mask_pixels_differ_pct_of_facial_area": {
            "worst": round(float(max(pixels, default=0.0)), 3),
            "mean": round(float(np.mean(pixels)) if pixels else 0.0, 3),
        },
    }


def _peak_mb(pid: int | str) -> float | None:
    """Peak resident memory (MB) of a process: VmHWM, which belongs to the process's own address space (a
    worker's ru_maxrss would include the parent's memory at the fork before its exec)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


class WorkerMemory:
    """While in use, polls the peak memory of this process's children and of Ray's actors (Linux /proc)."""

    def __init__(self):
        self.peak = 0.0

    def __enter__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _poll(self):
        me = str(os.getpid())
        while not self._stop.wait(0.1):
            for pid in (p for p in os.listdir("/proc") if p.isdigit()):
                try:
                    with open(f"/proc/{pid}/stat") as handle:
                        parent = handle.read().rsplit(")", 1)[1].split()[1]
                    with open(f"/proc/{pid}/cmdline", "rb") as handle:
                        actor = b"MapWorker" in handle.read()
                except (OSError, IndexError):
                    continue
                if parent == me or actor:
                    self.peak = max(self.peak, _peak_mb(pid) or 0.0)


def _measure(args, options: ScoreOptions, source: Path, work: Path, workers: int, size, device: str) -> dict:
    totals: dict[str, float] = {}
    n, elapsed = 0, 0.0
    in_process = args.engine == "local" and workers == 1
    memory = WorkerMemory()
    for i in range(args.repeat):
        start = time.perf_counter()
        out = work / f"run-{device}-{workers}-{i}"
        with memory:
            result = score_folder(
                [source], out, options, progress=False, workers=workers, engine=args.engine, device=device
            )
        elapsed += time.perf_counter() - start
        n += len(result.rows)
        for stage, seconds in result.run["seconds_by_stage"].items():
            totals[stage] = totals.get(stage, 0.0) + seconds
    by_stage = {k: round(1000 * v / n, 1) for k, v in totals.items()}
    peak = _peak_mb("self") if in_process else memory.peak or None
    return {
        "model": options.model,
        "engine": args.engine,
        "device": device,
        "workers": workers,
        "threads": args.threads if in_process else "1 per actor" if args.engine == "ray" else "cores / workers",
        "photos": n,
        "photo_size": f"{size[1]}x{size[0]} ({size[0] * size[1] / 1e6:.1f} MP)",
        "seconds": round(elapsed, 3),
        "photos_per_second": round(n / elapsed, 3),
        "ms_per_photo_by_stage": by_stage,
        "ms_per_photo_total": round(sum(by_stage.values()), 1),
        "decode_ratio": round(sum(by_stage.values()) / by_stage["decode"], 2) if by_stage.get("decode") else None,
        "peak_rss_mb_per_worker": round(peak, 1) if peak is not None else None,
        "out": str(out),
    }


if __name__ == "__main__":
    main()
