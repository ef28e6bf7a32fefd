import pytest
import torch

from vitiscore.segment import mobilenet_unet
from vitiscore.segment.learned import build_network, scoring_network


@pytest.mark.parametrize(
    "architecture",
    [
        {"arch": "Unet", "encoder": "mobilenet_v2", "decoder_channels": [128, 64, 32, 16, 16]},
        {
            "arch": "Unet",
            "encoder": "mobilenet_v2",
            "decoder_channels": [64, 32, 16, 16, 8],
            "in_channels": 6,
            "classes": 2,
        },
    ],
)
def test_the_plain_torch_unet_gives_smps_output_on_smps_weights(architecture):
    torch.manual_seed(0)
    reference = build_network(architecture)  # smp's, with random weights and batch-norm statistics
    for module in reference.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    ours = scoring_network(architecture)
    assert isinstance(ours, mobilenet_unet.MobileNetUnet)
    ours.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(2, architecture.get("in_channels", 3), 96, 64)
    with torch.inference_mode():
        expected = reference.eval()(x)
        got = ours.eval()(x)
    assert got.shape == expected.shape == (2, architecture.get("classes", 1), 96, 64)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)


def test_other_architectures_are_left_to_smp():
    assert not mobilenet_unet.builds({"arch": "UnetPlusPlus", "encoder": "mobilenet_v2", "decoder_channels": [1] * 5})
    assert not mobilenet_unet.builds({"arch": "Unet", "encoder": "resnet18", "decoder_channels": [1] * 5})
    assert not mobilenet_unet.builds(
        {"arch": "Unet", "encoder": "mobilenet_v2", "decoder_channels": [1] * 5, "decoder_attention_type": "scse"}
    )
    assert mobilenet_unet.builds({"arch": "Unet", "encoder": "mobilenet_v2", "decoder_channels": [1] * 5})
