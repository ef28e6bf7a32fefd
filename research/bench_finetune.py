"""Benchmark: wall-clock time of `vitiscore finetune` on N photos, against the budget of 50 photos in 15 minutes on
2 CPU cores.

    python -m research.bench_finetune                      # 50 photos, the command's defaults
    python -m research.bench_finetune --photos 10 --steps 20 --no-train-encoder

The photos are the project's own: the public-domain astronaut face at the three demo skin tones with painted
lesions (a different seed each, two photos per subject), 1024 px high, their masks beside them. The command runs
as a user runs it (its own process, --force so that a model is always written), with N photos, the given
settings and --groups. Prints one JSON report (also written to bench_finetune.json in the output folder):
``seconds`` (the whole command), ``training_seconds`` per trained model (from each model's log.csv), and
``other_seconds`` (the rest: reading the photos and finding their faces, the synthetic pairs, the
cross-validation's segmentations, writing the model).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from vitiscore.face import locate, region
from vitiscore.segment.finetuning import DEFAULT_FOLDS, DEFAULT_STEPS, DEFAULT_TRAIN_ENCODER
from vitiscore.training import synth


def make_study(folder: Path, n: int) -> None:
    """``n`` painted astronaut photos in ``folder/photos``, their masks in ``folder/masks``, and groups.csv."""
    (folder / "photos").mkdir(parents=True)
    (folder / "masks").mkdir()
    tones = list(synth.TONE_SHIFTS)
    faces = {}
    for tone in tones:
        face = synth.retone(synth.astronaut_face(), tone)
        landmarks = locate(face)
        faces[tone] = (face, landmarks.points, region(face, landmarks).photo_labels(face.shape) > 0)
    rows = ["image_id,group"]
    for i in range(n):
        face, points, area = faces[tones[i % len(tones)]]
        truth = synth.demo_lesions(face.shape[:2], points, area, ("baseline", "week24")[i % 2], seed=i)
        image_id = f"p{i:03d}"
        Image.fromarray(synth.paint_depigmentation(face, truth)).save(folder / "photos" / f"{image_id}.jpg", quality=90)
        Image.fromarray(truth.astype(np.uint8) * 255).save(folder / "masks" / f"{image_id}.png")
        rows.append(f"{image_id},subject{i // 2}")
    (folder / "groups.csv").write_text("\n".join(rows) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=50)
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--folds", type=int, default=DEFAULT_FOLDS)
    parser.add_argument("--train-encoder", action=argparse.BooleanOptionalAction, default=DEFAULT_TRAIN_ENCODER)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (OMP_NUM_THREADS) for the command")
    parser.add_argument("-o", "--out", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="vitiscore-bench-finetune-"))
    started = time.perf_counter()
    make_study(out / "study", args.photos)
    made = time.perf_counter() - started
    command = [
        sys.executable, "-m", "vitiscore.cli", "finetune", str(out / "study" / "photos"),
        "--masks", str(out / "study" / "masks"), "--groups", str(out / "study" / "groups.csv"),
        "-o", str(out / "model"), "--steps", str(args.steps), "--folds", str(args.folds), "--device", "cpu",
        "--force", "--train-encoder" if args.train_encoder else "--no-train-encoder", "-q",
    ]  # fmt: skip
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), HF_HUB_OFFLINE="1")
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        return proc.returncode
    training = {}
    for log in sorted((out / "model" / "finetune").glob("*/log.csv")):
        last = log.read_text().strip().splitlines()[-1].split(",")
        training[log.parent.name] = float(last[-1])
    report = dict(
        photos=args.photos,
        steps=args.steps,
        folds=args.folds,
        train_encoder=args.train_encoder,
        threads=args.threads,
        cpus=os.cpu_count(),
        making_photos_seconds=round(made, 1),
        seconds=round(seconds, 1),
        minutes=round(seconds / 60, 2),
        training_seconds=training,
        training_seconds_total=round(sum(training.values()), 1),
        other_seconds=round(seconds - sum(training.values()), 1),
        budget_minutes=15,
    )
    (out / "bench_finetune.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
