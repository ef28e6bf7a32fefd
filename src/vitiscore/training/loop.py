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

import cv2
import numpy as np

from vitiscore.segment.learned import build_network, import_smp
from vitiscore.training.data import LESION, SKIN, SKIN_UNKNOWN

log = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run (all recorded in the run folder and the model's config).

    Attributes:
        arch, encoder, decoder_channels: the smp network.
        input_size: longer side (pixels) of images as the model sees them, at training and inference.
        crop: side (pixels) of the square training crops.
        batch_size, steps, lr, weight_decay: optimisation.
        real_share: probability (0-1) that a batch item is a real photo rather than a synthetic one.
        seed: seeds every random draw.
        dice_lesion_images_only: average the soft Dice over the batch's images that have a lesion, and give
            clear images BCE only (off in v4 and earlier: see :func:`dice_bce_loss`).
        ema_decay: 0 (off) or the decay d (0-1) of an exponential moving average of the weights, updated after
            every step (average = d * average + (1 - d) * weights, starting from the initial weights); the
            run's result is then that average, not the last step's weights. 0.995 averages over roughly the
            last 200 steps.
        pretrained_encoder: start a fresh run's encoder from the ImageNet weights shipped in a registry package
            (:mod:`vitiscore.training.pretrained`); the decoder starts random.
        skin_head: a second output channel, the probability of skin, trained where the label map knows it;
            ``vitiscore segment`` counts only skin with it.
        bf16: run the training steps' forward pass under bfloat16 autocast (convolutions in bfloat16, 8-bit
            mantissa); the weights, the optimiser, the loss and every validation stay float32, so the network
            that comes out is a float32 one like any other (off in v4 and earlier).
        train_encoder: False keeps the encoder as it starts (weights and batch-norm statistics) and trains the
            decoder and head only, e.g. to fine-tune on a few photos without losing what the encoder knew.
        checkpoint_every, validate_every: in steps.
        threads: CPU threads for torch.
    """

    arch: str = "Unet"
    encoder: str = "mobilenet_v2"
    decoder_channels: tuple[int, ...] = (128, 64, 32, 16, 16)
    input_size: int = 320
    crop: int = 224
    batch_size: int = 8
    steps: int = 5000
    lr: float = 2e-3
    weight_decay: float = 1e-4
    real_share: float = 0.5
    seed: int = 0
    dice_lesion_images_only: bool = False
    ema_decay: float = 0.0
    bf16: bool = False
    pretrained_encoder: bool = False
    skin_head: bool = False
    train_encoder: bool = True
    checkpoint_every: int = 200
    validate_every: int = 500
    threads: int = 2

    def architecture(self) -> dict:
        architecture = {"arch": self.arch, "encoder": self.encoder, "decoder_channels": list(self.decoder_channels)}
        return {**architecture, "classes": 2} if self.skin_head else architecture


Pair = tuple[np.ndarray, np.ndarray]


def encoder_names() -> list[str]:
    """The encoders segmentation-models-pytorch can build (``TrainConfig.encoder``): its own, and timm's under
    ``tu-`` (only the one with shipped pretrained weights is listed of those)."""
    from vitiscore.training.pretrained import PRETRAINED_ENCODERS

    return [*import_smp().encoders.get_encoder_names(), *PRETRAINED_ENCODERS]


def check_crop(config: TrainConfig) -> None:
    """ValueError unless ``config.crop`` is a multiple of 32 from 32 to ``config.input_size``: the U-Net halves
    its input five times, and crops are cut from images scaled to input_size (and padded)."""
    if config.crop % 32 or not 32 <= config.crop <= config.input_size:
        raise ValueError(
            f"crop must be a multiple of 32 from 32 to input_size ({config.input_size}), got {config.crop}"
        )


def check_ema_decay(config: TrainConfig) -> None:
    """ValueError unless ``config.ema_decay`` is 0 (off) or in (0, 1)."""
    if not 0 <= config.ema_decay < 1:
        raise ValueError(f"ema_decay must be 0 (off) or between 0 and 1 (below 1), got {config.ema_decay}")


def update_average(average: dict, state: dict, decay: float) -> None:
    """One step of the weights' moving average, in place: each floating-point entry of ``average`` becomes
    ``decay * average + (1 - decay) * state``; other entries (batch-norm step counters) take ``state``'s."""
    import torch

    with torch.no_grad():
        for name, value in state.items():
            if value.is_floating_point():
                average[name].mul_(decay).add_(value, alpha=1 - decay)
            else:
                average[name].copy_(value)


def average_weights(states: list[dict]) -> dict:
    """The uniform mean of several networks' state dicts (a "model soup", Wortsman et al., ICML 2022): every
    floating-point entry, batch-norm running statistics included, is averaged in float32; other entries (step
    counters) are taken from the first state. Meant for runs that start from the same weights and differ only in
    their seed, whose mean lies in the same basin. ValueError when ``states`` is empty or the states differ in
    their entries or shapes."""
    import torch

    if not states:
        raise ValueError("states is empty: nothing to average")
    first = states[0]
    for i, state in enumerate(states[1:], start=1):
        if state.keys() != first.keys():
            raise ValueError(f"states[{i}] has other entries than states[0]: {sorted(state.keys() ^ first.keys())[:3]}")
        for name, value in state.items():
            if value.shape != first[name].shape:
                raise ValueError(
                    f"states[{i}][{name!r}] has shape {tuple(value.shape)}, states[0] {tuple(first[name].shape)}"
                )
    with torch.no_grad():
        return {
            name: (
                torch.stack([s[name].detach().float() for s in states]).mean(0)
                if value.is_floating_point()
                else value.detach().clone()
            )
            for name, value in first.items()
        }


def _state_copy(network) -> dict:
    return {k: v.detach().clone() for k, v in network.state_dict().items()}


def _nearest(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A bool mask or uint8 label map resized to ``size`` (w, h) by nearest neighbour, keeping its type."""
    return cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(mask.dtype)


def fit_long_side(rgb: np.ndarray, mask: np.ndarray, long_side: int) -> Pair:
    """Scale an (rgb, mask) pair so that its longer side is ``long_side`` pixels; the mask (bool or a uint8
    label map) keeps its type."""
    h, w = mask.shape
    f = long_side / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    return rgb, _nearest(mask, size)


def labels_of(mask: np.ndarray) -> np.ndarray:
    """A pair's mask as a uint8 label map: a bool mask gives LESION where True and SKIN_UNKNOWN elsewhere."""
    if mask.dtype == bool:
        return np.where(mask, LESION, SKIN_UNKNOWN).astype(np.uint8)
    return mask


def _augment(rgb: np.ndarray, mask: np.ndarray, crop: int, rng: np.random.Generator, jitter: bool) -> Pair:
    f = rng.uniform(0.75, 1.3)
    rgb, mask = fit_long_side(rgb, mask, max(crop // 2, round(max(mask.shape) * f)))
    h, w = mask.shape
    pad_y, pad_x = max(0, crop - h), max(0, crop - w)
    if pad_y or pad_x:
        rgb = cv2.copyMakeBorder(rgb, 0, pad_y, 0, pad_x, cv2.BORDER_REFLECT_101)
        mask = cv2.copyMakeBorder(mask.astype(np.uint8), 0, pad_y, 0, pad_x, cv2.BORDER_REFLECT_101).astype(mask.dtype)
        h, w = mask.shape
    y, x = rng.integers(0, h - crop + 1), rng.integers(0, w - crop + 1)
    rgb, mask = rgb[y : y + crop, x : x + crop], mask[y : y + crop, x : x + crop]
    if rng.random() < 0.5:
        rgb, mask = rgb[:, ::-1], mask[:, ::-1]
    k = int(rng.integers(4)) if rng.random() < 0.3 else 0
    rgb, mask = np.rot90(rgb, k), np.rot90(mask, k)
    rgb = rgb.astype(np.float32)
    if jitter:
        rgb = rgb * rng.uniform(0.8, 1.2) + rng.uniform(-15, 15)
        rgb = rgb * rng.uniform(0.92, 1.08, 3)[None, None, :]
        grey = rgb.mean(axis=2, keepdims=True)
        rgb = grey + (rgb - grey) * rng.uniform(0.8, 1.2)
    return np.clip(rgb, 0, 255), np.ascontiguousarray(mask)


def _normalise(rgb: np.ndarray) -> np.ndarray:
    mean = np.asarray(IMAGENET_MEAN, np.float32) * 255.0
    std = np.asarray(IMAGENET_STD, np.float32) * 255.0
    return ((rgb - mean) / std).transpose(2, 0, 1)


def make_batch(synthetic: list[Pair], real: list[Pair], config: TrainConfig, rng: np.random.Generator):
    """(images (b, 3, crop, crop) float32 normalised, labels (b, 1, crop, crop) uint8 label maps, see
    :func:`labels_of`) for one step."""
    images = np.empty((config.batch_size, 3, config.crop, config.crop), np.float32)
    labels = np.empty((config.batch_size, 1, config.crop, config.crop), np.uint8)
    for i in range(config.batch_size):
        use_real = bool(real) and (not synthetic or rng.random() < config.real_share)
        pool = real if use_real else synthetic
        rgb, mask = pool[rng.integers(len(pool))]
        rgb, mask = _augment(rgb, labels_of(mask), config.crop, rng, jitter=use_real)
        images[i] = _normalise(rgb)
        labels[i, 0] = mask
    return images, labels


def training_loss(logits, labels, config: TrainConfig):
    """The loss of one batch from its label maps ((b, 1, h, w) uint8 tensor): :func:`dice_bce_loss` of the first
    output channel against LESION, plus, with a skin head, the binary cross-entropy of the second channel
    against SKIN or LESION over the pixels whose skin status is known (none known: no skin term)."""
    import torch

    lesion = (labels == LESION).float()
    loss = dice_bce_loss(logits[:, :1], lesion, config.dice_lesion_images_only)
    if config.skin_head:
        known = (labels != SKIN_UNKNOWN).float()
        skin = ((labels == SKIN) | (labels == LESION)).float()
        per_pixel = torch.nn.functional.binary_cross_entropy_with_logits(logits[:, 1:2], skin, reduction="none")
        loss = loss + (per_pixel * known).sum() / known.sum().clamp(min=1)
    return loss


def dice_bce_loss(logits, target, lesion_images_only: bool = False):
    """Binary cross-entropy plus soft Dice computed per image and averaged, so that a small facial lesion
    counts as much as a large patch on a hand (a Dice over the whole batch lets large masks drown small ones).

    An image without lesions adds 1 - 1 / (1 + S), S the sum of its probabilities: every false positive costs,
    and the last few the most (the gradient is 1 / (1 + S)² per pixel, thousands of times a lesion image's).
    With ``lesion_images_only`` the Dice is averaged over the images that have a lesion only, and clear images
    get BCE alone; a batch without any lesion is then BCE alone. It was tried because that steep cost might
    teach the network to under-call faint lesions that resemble clear negatives (very light skin); on v4's
    stage 3 it did not help (docs/experiments/2026-11-training-log.md)."""
    import torch

    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    dims = tuple(range(1, p.ndim))
    dice = 1 - (2 * (p * target).sum(dims) + 1) / (p.sum(dims) + target.sum(dims) + 1)
    if not lesion_images_only:
        return bce + dice.mean()
    has_lesion = target.sum(dims) > 0
    return bce + (dice * has_lesion).sum() / has_lesion.sum().clamp(min=1)


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
            network.load_state_dict(initial_weights, strict=True)
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
        "input": "RGB, longer side scaled to input_size, padded to a square by reflection",
        "normalisation": {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD), "scale": "pixel / 255"},
        "output": "one logit per pixel; sigmoid gives the probability of depigmented skin"
        + ("; a second channel gives the probability of skin" if config.skin_head else ""),
        "training": training,
    }
