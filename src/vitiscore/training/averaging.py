"""Weight averaging: a running exponential average of a network's weights during training, and the mean of
several runs' weights (seeds averaged into one model)."""

from __future__ import annotations


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
