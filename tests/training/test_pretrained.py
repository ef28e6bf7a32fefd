"""The shipped ImageNet weights land on the right tensors: checked by what the mapped network recognises."""

import numpy as np
import pytest

from vitiscore.segment.learned import import_smp
from vitiscore.training.pretrained import lite0_state, load_pretrained_encoder, map_in_order

torch = pytest.importorskip("torch")
# The weights come with the [train] extra, which scripts/test_extras.sh installs.
pytestmark = pytest.mark.train


def _classify(network, rgb: np.ndarray) -> int:
    """ImageNet class index of ``rgb`` (uint8) at 224 px, normalised as EfficientNet-Lite expects (0.5, 0.5)."""
    import cv2

    x = cv2.resize(rgb, (224, 224), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    x = torch.from_numpy(((x - 0.5) / 0.5).transpose(2, 0, 1)[None].copy())
    with torch.inference_mode():
        return int(network(x).argmax())


def test_mapped_weights_classify_imagenet_pictures():
    """A wrong pairing of tensors cannot recognise anything: timm's classifier filled in order with all 296
    tensors must call skimage's cat a cat (ImageNet 281-285) and its coffee cup a cup or espresso (968, 967)."""
    from skimage import data

    import_smp()  # before timm: it declares what the CPU build of torchvision lacks
    import timm

    classifier = timm.create_model("tf_efficientnet_lite0", pretrained=False).eval()
    classifier.load_state_dict(map_in_order(lite0_state(with_head=True), classifier.state_dict()), strict=True)
    assert 281 <= _classify(classifier, data.chelsea()) <= 285
    assert _classify(classifier, data.coffee()) in (967, 968)


def test_encoder_filled_with_every_tensor():
    smp = import_smp()
    network = smp.create_model("Unet", encoder_name="tu-tf_efficientnet_lite0", encoder_weights=None, classes=1)
    assert load_pretrained_encoder(network, "tu-tf_efficientnet_lite0") == 288
    stem = next(v for k, v in lite0_state().items() if k == "_conv_stem.weight")
    assert torch.equal(network.encoder.state_dict()["model.conv_stem.weight"], stem)


def test_shape_mismatch_and_unknown_encoder_are_refused():
    with pytest.raises(ValueError, match="does not fit"):
        map_in_order({"a": torch.zeros(2, 3)}, {"b": torch.zeros(3, 2)})
    with pytest.raises(ValueError, match="2 tensors"):
        map_in_order({"a": torch.zeros(1), "c": torch.zeros(1)}, {"b": torch.zeros(1)})
    smp = import_smp()
    network = smp.create_model("Unet", encoder_name="mobilenet_v2", encoder_weights=None, classes=1)
    with pytest.raises(ValueError, match="mobilenet_v2"):
        load_pretrained_encoder(network, "mobilenet_v2")
