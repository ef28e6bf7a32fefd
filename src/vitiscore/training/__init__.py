"""Training, synthesis, datasets and evaluation of depigmentation models (``pip install vitiscore[train]``).

Not used when scoring. ``scripts/`` holds thin command-line wrappers over these modules: ``train``, ``evaluate``,
``check_demo`` (the acceptance check of a retrained model), ``check_surface``, ``check_facial_area``,
``check_pose`` and ``make_demo_data``.
"""

try:
    import skimage  # noqa: F401 - the [train] extra; its public-domain astronaut is the synthetic base face
except ImportError as error:  # pragma: no cover - depends on the installation
    raise ImportError("vitiscore.training needs the [train] extra: pip install 'vitiscore[train]'") from error
