"""Training loop of the learned depigmentation model: seeded, checkpointed, resumable, CPU-friendly.

The loop sees two pools of (rgb, mask) pairs, already scaled to the model's input size: synthetic pairs
(:mod:`vitiscore.training.data`) and real photos. A pair's mask is either bool (depigmented or not) or a label
map (``vitiscore.training.data.NOT_SKIN``, ``SKIN``, ``LESION``, ``SKIN_UNKNOWN``), which also teaches a network with a
skin head (``TrainConfig.skin_head``) where skin is. Each batch item comes from the real pool with probability
``real_share``; both get a random scale, crop, flips and quarter turns, and real photos a mild colour jitter
(synthetic ones had their capture variety when painted). The loss is binary cross-entropy plus soft Dice per
image (Dice rewards getting small lesions right, which per-pixel BCE alone neglects). AdamW with a one-cycle
learning-rate schedule; everything random draws from generators seeded by ``seed``, so a run is reproducible
on the same machine and library versions.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from vitiscore.segment.learned import build_network, import_smp
from vitiscore.training.averaging import update_average
from vitiscore.training.batches import IMAGENET_MEAN, IMAGENET_STD, Pair, make_batch
from vitiscore.training.config import TrainConfig, check_crop, check_ema_decay
from vitiscore.training.losses import training_loss

log = logging.getLogger(__name__)


def _state_copy(network) -> dict:
    return {k: v.detach().clone() for k, v in network.state_dict().items()}


@contextlib.contextmanager
def float32_only(device):
    """Within the block, a CUDA ``device`` computes convolutions and matrix products in float32, as a CPU does
    (cuDNN would otherwise use TF32, a 10-bit mantissa, and the recipe would not be the same one); the caller's
    settings come back afterwards. Nothing changes for other devices."""
    import torch

    if str(device).split(":")[0] != "cuda":  # a bad name is left for the caller to report
        yield
        return
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


@dataclass
class TrainState:
    step: int = 0
    history: list = field(default_factory=list)


def _checkpoint_path(run_dir: Path) -> Path:
    return run_dir / "checkpoint.pt"


def _save_checkpoint(
    run_dir: Path, network, optimiser, scheduler, rng, state: TrainState, average: dict | None
) -> None:
    import torch

    tmp = run_dir / "checkpoint.pt.tmp"
    torch.save(
        {
            "network": network.state_dict(),
            "optimiser": optimiser.state_dict(),
            "scheduler": scheduler.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "numpy_rng": json.dumps(rng.bit_generator.state),
            "step": state.step,
            **({"average": average} if average is not None else {}),
        },
        tmp,
    )
    tmp.replace(_checkpoint_path(run_dir))


def train(
    synthetic: list[Pair],
    real: list[Pair],
    config: TrainConfig,
    run_dir: str | Path,
    validate: Callable | None = None,
    resume: bool = True,
    progress: bool = True,
    initial_weights: dict | None = None,
    device: str = "cpu",
):
    """Train a network; return it (in eval mode).

    ``run_dir`` receives ``config.json``, ``log.csv`` (step, loss, learning rate, validation score, seconds)
    and ``checkpoint.pt`` every ``checkpoint_every`` steps; with ``resume`` a run continues from its checkpoint
    (the same batches follow as without the interruption). ``validate(network) -> float`` is called every
    ``validate_every`` steps and at the end, and logged. ``initial_weights`` (a state dict) starts a fresh run
    from an earlier network instead of random weights, e.g. for a fine-tuning stage. ``device`` ("cpu",
    "cuda", "cuda:1", ...) runs the network there; batches are still made on the CPU, and the result is the
    same recipe, not the same weights (float rounding differs between devices).
    """
    import torch
    from tqdm import tqdm

    import_smp()
    if not synthetic and not real:
        raise ValueError("synthetic and real are both empty: nothing to train on")
    check_crop(config)
    check_ema_decay(config)
    try:
        device = torch.device(device)
    except RuntimeError as error:
        raise ValueError(f"device must be a torch device such as 'cpu' or 'cuda', got {device!r}") from error
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {str(device)!r} was asked for but torch sees no GPU; use device='cpu'")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    # Channels-last layout: on 2 CPU threads a step of stage 3's recipe (batch 8, 224 px) took 0.63 s instead of
    # 0.94 s (100 steps each, same data); the network alone, 0.67 s instead of 0.81 s.
    network = build_network(config.architecture()).to(device=device, memory_format=torch.channels_last)
    if not config.train_encoder:
        network.encoder.requires_grad_(False)
    trained = [p for p in network.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trained, lr=config.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=config.lr, total_steps=max(config.steps, 2), pct_start=0.1
    )
    state = TrainState()
    checkpoint = _checkpoint_path(run_dir)
    if resume and checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=True, map_location=device)
        network.load_state_dict(saved["network"])
        optimiser.load_state_dict(saved["optimiser"])
        scheduler.load_state_dict(saved["scheduler"])
        torch.set_rng_state(saved["torch_rng"].cpu())
        rng.bit_generator.state = json.loads(saved["numpy_rng"])
        state.step = int(saved["step"])
        log.info("resumed at step %d", state.step)
    elif initial_weights is None and config.pretrained_encoder:
        from vitiscore.training.pretrained import load_pretrained_encoder

        log.info("encoder: %d ImageNet tensors", load_pretrained_encoder(network, config.encoder))
    elif initial_weights is not None:  # a second stage starts from the first stage's network
        try:
            network.load_state_dict(widened_input(initial_weights, network.state_dict()), strict=True)
        except RuntimeError as error:
            raise ValueError(
                f"initial_weights do not fit a {config.arch} with encoder {config.encoder!r} and "
                f"decoder {config.decoder_channels}: start a stage from one of the same "
                f"architecture ({str(error).splitlines()[0]})"
            ) from error
    average = None
    if config.ema_decay:
        if state.step and "average" not in saved:
            raise ValueError(
                f"{checkpoint} was written without a weight average (ema_decay 0); resume it with "
                "the same ema_decay, or start afresh"
            )
        average = saved["average"] if state.step else _state_copy(network)
    (run_dir / "config.json").write_text(json.dumps(asdict(config), indent=2) + "\n")
    log_path = run_dir / "log.csv"
    new_log = not log_path.is_file() or state.step == 0
    with float32_only(device), open(log_path, "w" if new_log else "a", newline="") as log_file:
        writer = csv.writer(log_file)
        if new_log:
            writer.writerow(["step", "loss", "lr", "validation", "seconds"])
        started = time.perf_counter()
        running = []
        bar = tqdm(total=config.steps, initial=state.step, disable=not progress, desc="training", unit="step")
        _training_mode(network, config)
        while state.step < config.steps:
            images, labels = make_batch(synthetic, real, config, rng)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.bf16):
                logits = network(torch.from_numpy(images).to(device).contiguous(memory_format=torch.channels_last))
            # The loss sums over a few hundred thousand pixels: in float32 whatever the forward pass ran in.
            loss = training_loss(logits.float(), torch.from_numpy(labels).to(device), config)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            scheduler.step()
            if average is not None:
                update_average(average, network.state_dict(), config.ema_decay)
            state.step += 1
            running.append(loss.item())
            bar.update(1)
            last = state.step == config.steps
            swapped = last and average is not None
            if swapped:  # the final validation is of the network as it will be returned
                live = _state_copy(network)
                network.load_state_dict(average)
            score = ""
            if validate is not None and (state.step % config.validate_every == 0 or last):
                network.eval()
                score = f"{validate(network):.4f}"
                _training_mode(network, config)
            if state.step % 50 == 0 or last or score:
                writer.writerow(
                    [
                        state.step,
                        f"{np.mean(running):.4f}",
                        f"{scheduler.get_last_lr()[0]:.6f}",
                        score,
                        f"{time.perf_counter() - started:.1f}",
                    ]
                )
                log_file.flush()
                bar.set_postfix(loss=f"{np.mean(running):.3f}", val=score or "-")
                running = []
            if swapped:  # the checkpoint keeps the last step's own weights beside the average
                network.load_state_dict(live)
            if state.step % config.checkpoint_every == 0 or last:
                _save_checkpoint(run_dir, network, optimiser, scheduler, rng, state, average)
        bar.close()
    if average is not None:
        network.load_state_dict(average)
    network.eval()
    return network


def widened_input(initial: dict, target: dict) -> dict:
    """``initial`` weights with any first-layer kernel that has fewer input channels than ``target``'s padded with
    zeros: an RGB network started as one with colour relative to the skin predicts exactly as before, and
    learns from the new channels only as far as they help."""
    import torch

    out = dict(initial)
    for name, tensor in initial.items():
        want = target.get(name)
        if (
            want is not None
            and tensor.ndim == 4
            and want.ndim == 4
            and tensor.shape[1] < want.shape[1]
            and tensor.shape[0] == want.shape[0]
            and tensor.shape[2:] == want.shape[2:]
        ):
            extra = torch.zeros(
                (tensor.shape[0], want.shape[1] - tensor.shape[1], *tensor.shape[2:]), dtype=tensor.dtype
            )
            out[name] = torch.cat([tensor, extra], dim=1)
    return out


def _training_mode(network, config: TrainConfig) -> None:
    network.train()
    if not config.train_encoder:
        network.encoder.eval()  # its batch norms keep their running statistics


THRESHOLD_RULES = ("best", "one-se")


def choose_threshold(
    dice_by_threshold: dict[float, np.ndarray], allowed: list[float] | None = None, rule: str = "best"
) -> float:
    """The operating cut (0-1) of a probability map, from each candidate cut's per-image Dice (0-1).

    ``best``: the cut of highest mean Dice (ties go to the one nearest 0.5). ``one-se``: the highest (most
    specific) cut whose mean Dice is within one standard error of that best, the SE being that of the best
    cut's mean over the images (sample SD / sqrt(n)): the one-standard-error rule of model selection (Breiman
    et al., CART, 1984). Why: the real photos' coarse polygon masks reward masks that spill over, so their Dice
    is nearly flat over low cuts and a best-Dice cut lands low, where clear light skin is over-read; a cut
    that Dice cannot tell apart from the best within its own noise and marks less is the safer one.
    Only ``allowed`` cuts (default: all) are considered.
    """
    if rule not in THRESHOLD_RULES:
        raise ValueError(f"rule must be one of {', '.join(THRESHOLD_RULES)}, not {rule!r}")
    allowed = list(dice_by_threshold) if allowed is None else list(allowed)
    if not allowed:
        raise ValueError("allowed: no threshold to choose from")
    means = {t: float(np.mean(dice_by_threshold[t])) for t in allowed}
    best = max(allowed, key=lambda t: (means[t], -abs(t - 0.5)))
    if rule == "best":
        return best
    scores = np.asarray(dice_by_threshold[best], float)
    se = float(scores.std(ddof=1) / np.sqrt(len(scores))) if len(scores) > 1 else 0.0
    return max(t for t in allowed if means[t] >= means[best] - se)


def model_config(config: TrainConfig, model_id: str, training: dict) -> dict:
    """The ``config.json`` of a shipped model trained with ``config``."""
    return {
        "model_id": model_id,
        "format": "vitiscore-model/1",
        "architecture": config.architecture(),
        "input_size": config.input_size,
        "input": "RGB, longer side scaled to input_size, padded to a square by reflection"
        + ("; then L*, a*, b* relative to the skin of the area" if config.input_channels != "rgb" else ""),
        **({"input_channels": config.input_channels} if config.input_channels != "rgb" else {}),
        "normalisation": {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD), "scale": "pixel / 255"},
        "output": "one logit per pixel; sigmoid gives the probability of depigmented skin"
        + ("; a second channel gives the probability of skin" if config.skin_head else ""),
        "training": training,
    }
