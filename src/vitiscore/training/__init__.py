"""Fine-tuning a depigmentation model on a study's reviewed masks (``vitiscore finetune``; ``pip install
vitiscore[train]``): the training loop, the synthetic faces and lesions it trains on beside the study's photos,
capture jitter, and the model folder it writes. Scoring never imports this package. The recipe of the shipped model,
its evaluations and checks live in the repository's ``research/`` folder, outside the installed package.
"""

try:
    import skimage  # noqa: F401 - the [train] extra; its public-domain astronaut is the synthetic base face
except ImportError as error:  # pragma: no cover - depends on the installation
    raise ImportError("vitiscore.training needs the [train] extra: pip install 'vitiscore[train]'") from error
