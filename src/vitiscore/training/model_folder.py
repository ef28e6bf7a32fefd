"""Writing a model folder (the spec is in ``docs/models.md``): float16 safetensors weights, config with their
SHA-256, thresholds. The model card is written by hand from the evaluation."""

from __future__ import annotations

import json
from pathlib import Path

from vitiscore.segment.learned import CONFIG_FILE, THRESHOLDS_FILE, WEIGHTS_FILE, file_sha256

# Weights are stored as float16: half the file (the repository keeps every shipped version). Measured on the 26
# real validation photos with a trained network, float16 moves the probabilities by at most 0.017 and flips
# 0.016 % of the pixels at a 0.5 cut. Loading casts them back to the network's float32, so a folder stored as
# float32 (unet-mobilenetv2-v1 was) loads the same way.
STORAGE_DTYPE = "float16"


def storage_state(network) -> dict:
    """``network``'s state as it is stored: floating-point tensors in STORAGE_DTYPE, counters unchanged.
    Loading this back into the network (see research/train.py) makes it compute exactly what the shipped file
    will, so a threshold tuned afterwards fits the shipped weights."""
    import torch

    dtype = getattr(torch, STORAGE_DTYPE)
    return {
        k: (v.detach().to("cpu", dtype) if v.is_floating_point() else v.detach().cpu()).contiguous()
        for k, v in network.state_dict().items()
    }


def save_model_folder(network, config: dict, thresholds: dict, folder: str | Path) -> str:
    """Write ``network``'s weights (safetensors, :func:`storage_state`), ``config`` (with the weights' SHA-256
    and storage type added) and ``thresholds`` to ``folder``; return the SHA-256. The model card is written
    separately, by hand, from the evaluation."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(storage_state(network), str(folder / WEIGHTS_FILE))
    sha = file_sha256(folder / WEIGHTS_FILE)
    (folder / CONFIG_FILE).write_text(
        json.dumps({**config, "weights_dtype": STORAGE_DTYPE, "weights_sha256": sha}, indent=2) + "\n"
    )
    (folder / THRESHOLDS_FILE).write_text(json.dumps(thresholds, indent=2) + "\n")
    return sha
