"""The training loss: Dice plus binary cross-entropy on the lesion channel, and the skin head's cross-entropy
where skin is known."""

from __future__ import annotations

from vitiscore.training.config import TrainConfig
from vitiscore.training.data import LESION, SKIN, SKIN_UNKNOWN


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
    get BCE alone; a batch without any lesion is then BCE alone: the steep cost of a false positive on a clear
    image might teach the network to under-call faint lesions that resemble clear negatives (very light skin)."""
    import torch

    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    dims = tuple(range(1, p.ndim))
    dice = 1 - (2 * (p * target).sum(dims) + 1) / (p.sum(dims) + target.sum(dims) + 1)
    if not lesion_images_only:
        return bce + dice.mean()
    has_lesion = target.sum(dims) > 0
    return bce + (dice * has_lesion).sum() / has_lesion.sum().clamp(min=1)
