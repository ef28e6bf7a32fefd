"""The public registry of depigmentation models: find one by id, or add your own.

Two kinds of entry:

* **Registered loaders**: a model id and a function that builds the :class:`~vitiscore.segment.protocol.Segmenter`
  (:func:`register_segmenter`). The classical baseline is registered this way.
* **Model folders** (the spec is in ``docs/models.md``): every folder with a ``config.json`` inside one of the
  model roots is a learned model whose id is the folder's name. The roots, searched in order, are the folders
  named in ``$VITISCORE_MODELS`` (separated by ``os.pathsep``) and then the models shipped inside the package
  (``vitiscore/models``). A model folder anywhere else is loaded by giving its path.

There is never a fallback: an unknown id is an error that lists the choices.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from vitiscore.errors import UsageError
from vitiscore.segment.protocol import Segmenter

# The model the pipeline uses unless told otherwise: the shipped learned model (see its model card).
DEFAULT_MODEL = "unet-mobilenetv2-v4"
MODELS_ENV = "VITISCORE_MODELS"

_LOADERS: dict[str, Callable[[], Segmenter]] = {}


def register_segmenter(model_id: str, loader: Callable[[], Segmenter], replace: bool = False) -> None:
    """Make ``model_id`` loadable: ``loader()`` must return a :class:`Segmenter` whose ``model_id`` is the id.

    Raises:
        ValueError: ``model_id`` is empty, contains a path separator, or is taken (unless ``replace``).
    """
    if not model_id or "/" in model_id or os.sep in model_id:
        raise UsageError(f"model_id must be a non-empty name without path separators, got {model_id!r}")
    if not callable(loader):
        raise UsageError(f"loader must be callable, got {type(loader).__name__}")
    if model_id in _LOADERS and not replace:
        raise UsageError(f"a segmenter is already registered as {model_id!r}")
    _LOADERS[model_id] = loader


def _load_classical() -> Segmenter:
    from vitiscore.segment.classical import ClassicalSegmenter

    return ClassicalSegmenter()


register_segmenter("classical", _load_classical)


def shipped_models_dir() -> Path:
    """The folder of the models installed with the package."""
    return Path(__file__).resolve().parents[1] / "models"


def model_roots() -> list[Path]:
    """Folders searched for model folders, in order: ``$VITISCORE_MODELS`` entries, then the shipped models."""
    extra = [Path(p) for p in os.environ.get(MODELS_ENV, "").split(os.pathsep) if p]
    return [*extra, shipped_models_dir()]


def model_folders() -> dict[str, Path]:
    """Model id -> folder for every model folder in :func:`model_roots` (an earlier root wins a clash)."""
    found: dict[str, Path] = {}
    for root in model_roots():
        if root.is_dir():
            for folder in sorted(root.iterdir()):
                if (folder / "config.json").is_file():
                    found.setdefault(folder.name, folder)
    return found


def available_models() -> list[str]:
    """Ids accepted by :func:`load_segmenter`: the registered loaders and the model folders found."""
    return sorted(set(_LOADERS) | set(model_folders()))


def load_segmenter(model: str, device: str = "cpu") -> Segmenter:
    """The segmenter for ``model``: a registered id, a model folder's id, or the path of a model folder.
    ``device`` is where a learned model's network runs ("cpu", "cuda", "auto"); registered loaders run where
    they run.

    Raises:
        ValueError: unknown id; the message lists the available ones. There is no fallback to another model.
        vitiscore.segment.learned.ModelFileError (a UsageError): an incomplete or tampered model folder.
    """
    if model in _LOADERS:
        return _LOADERS[model]()
    folder = model_folders().get(model)
    if folder is None and (os.sep in model or "/" in model or Path(model).is_dir()):
        folder = Path(model)
        if not (folder / "config.json").is_file():
            raise UsageError(f"model folder {model!r} has no config.json")
    if folder is None:
        raise UsageError(f"unknown model {model!r}; available: {', '.join(available_models())}")
    from vitiscore.segment.learned import LearnedSegmenter

    return LearnedSegmenter(folder, device=device)
