"""Writing a model folder (the spec is in ``docs/models.md``): float16 safetensors weights, config with their
SHA-256, thresholds; and the generated model card of a fine-tuned model (the shipped model's card is written by
hand from its evaluation)."""

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


def model_card(model_id, base, examples, settings, summary, grouped: bool, training: dict, rule_text: str) -> str:
    """The generated model card (Markdown) of a fine-tuned model; ``rule_text`` says how its threshold was chosen."""
    folds = "\n".join(
        f"| {f['fold'] + 1} | {f['photos']} | {f['base_dice']:.3f} | {f['finetuned_dice']:.3f} |"
        for f in summary["per_fold"]
    )
    faces = (
        f"- Face crops ({summary['face_photos']} photos): base {summary['base_dice_faces']:.3f}, fine-tuned "
        f"{summary['finetuned_dice_faces']:.3f}.\n"
        if summary["face_photos"]
        else ""
    )
    caveat = (
        ""
        if grouped
        else "\n**No groups were given**: each photo was its own group, so photos of one person may sit on both "
        "sides of a split and the figures above may be optimistic. Give `--groups` (image_id, group).\n"
    )
    forced = (
        "\n**Written with `--force` although its cross-validated Dice is below its base's.**\n"
        if training["forced"]
        else ""
    )
    return f"""# {model_id}

A fine-tuned vitiscore depigmentation model, made by `vitiscore finetune` on {training["date"]}.
Use it with `--model PATH/{model_id}` in every command.

- **Base model:** `{base.model_id}` (weights SHA-256 `{base.sha256}`).
- **Training photos:** {len(examples)} in {summary["groups"]} groups; {sum(e.face for e in examples)} trained on the
  face crop the scorer uses, {sum(not e.face for e in examples)} on the whole photo (no face found). Masks:
  {training["source"] or "given"}; SHA-256 over every mask: `{training["masks_sha256"]}`.
- **Recipe:** {settings.steps} steps from the base weights ({
        "all of them trained" if settings.train_encoder else "the encoder kept as it was, the decoder and head trained"
    }), batch 8, peak learning rate {settings.learning_rate:g}
  (one-cycle), seed {settings.seed}, device {training["device"]}; {100 * settings.synthetic_share:.0f} % of every
  batch is the project's synthetic pairs on the public-domain astronaut face (half of them clear faces), so that
  the base model's knowledge of clear skin does not drift.
- **Threshold:** {summary["threshold"]:.2f} ({rule_text}).
- **Weights:** float16 safetensors, SHA-256 `{summary.get("weights_sha256", "")}` (checked at every load).

## Cross-validated Dice (group {summary["folds"]}-fold, on the training photos' own masks)

Each fold's photos were segmented by the base model (at its own threshold) and by a model fine-tuned on the
other folds (at the threshold chosen on those folds).

- All photos: base **{summary["base_dice"]:.3f}**, fine-tuned **{summary["finetuned_dice"]:.3f}**; better on
  {summary["better"]}, worse on {summary["worse"]} (by more than 0.01).
{faces}- Clear synthetic faces, share of skin marked: base {summary.get("clear_marks_base", float("nan")):.4f},
  fine-tuned {summary.get("clear_marks_finetuned", float("nan")):.4f}.

| fold | photos | base | fine-tuned |
|---|---|---|---|
{folds}
{caveat}{forced}
## Limits

These figures come from the study's own photos and masks: a model fine-tuned on one camera, light and population
is measured on those. Check it on photos it was not fine-tuned on before relying on it elsewhere. In masks from a
review run only the facial area was drawn; the rest of each crop was trained as not depigmented.
"""
