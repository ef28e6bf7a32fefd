"""The settings of one training run, checked before any data is read."""

from __future__ import annotations

from dataclasses import dataclass

from vitiscore.segment.learned import import_smp


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
        input_channels: "rgb", or "rgb+relative-lab" for three more input channels, the colour relative to the
            patient's skin (:mod:`vitiscore.segment.relative_colour`).
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
    input_channels: str = "rgb"
    checkpoint_every: int = 200
    validate_every: int = 500
    threads: int = 2

    def architecture(self) -> dict:
        architecture = {"arch": self.arch, "encoder": self.encoder, "decoder_channels": list(self.decoder_channels)}
        if self.input_channels != "rgb":
            architecture["in_channels"] = 6
        return {**architecture, "classes": 2} if self.skin_head else architecture


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
