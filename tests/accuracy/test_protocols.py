"""Inference protocols on models whose answer is known in closed form."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from bench.accuracy import ProtocolError, predict_logits, slide_inference


class PerPixel(nn.Module):
    """A fixed 1x1 convolution: each pixel's logits depend on that pixel only, so every
    window / scale combination of a constant image gives the same logits."""

    def __init__(self, c: int = 4):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.conv = nn.Conv2d(3, c, 1)
        with torch.no_grad():
            self.conv.weight.copy_(torch.randn(self.conv.weight.shape, generator=g))
            self.conv.bias.copy_(torch.randn(c, generator=g))

    def forward(self, x):
        return self.conv(x)


class PatchMean(nn.Module):
    """Logits = the mean of the input window, broadcast: reveals which windows were averaged."""

    def forward(self, x):
        return x.mean(dim=(1, 2, 3), keepdim=True).expand(-1, 2, *x.shape[-2:]).clone()


class Ramp(nn.Module):
    """Channel 0 = column index / (W-1) (ignores the input), channel 1 = 0.4: position-only,
    so a flipped pass returns the mirrored ramp."""

    def forward(self, x):
        n, _, h, w = x.shape
        ramp = torch.linspace(0, 1, w).view(1, 1, 1, w).expand(n, 1, h, w)
        return torch.cat([ramp, torch.full_like(ramp, 0.4)], 1)


class Quarter(nn.Module):
    """Outputs at 1/4 resolution (like most segmentation nets before upsampling)."""

    def __init__(self):
        super().__init__()
        self.inner = PerPixel()

    def forward(self, x):
        return self.inner(nn.functional.avg_pool2d(x, 4))


def test_slide_averages_overlapping_windows_exactly():
    img = torch.arange(4 * 6, dtype=torch.float32).view(1, 1, 4, 6).expand(1, 3, 4, 6)
    out = slide_inference(PatchMean(), img, crop=(4, 4), stride=(2, 2))
    a = img[..., 0:4].mean()   # window x 0..3
    b = img[..., 2:6].mean()   # window x 2..5 (mmseg grid: 2 windows)
    want = torch.tensor([a, a, (a + b) / 2, (a + b) / 2, b, b])
    assert out.shape == (1, 2, 4, 6)
    torch.testing.assert_close(out[0, 0], want.expand(4, 6), rtol=0, atol=1e-6)


def test_slide_snaps_last_window_to_border():
    # 7 columns, crop 4, stride 3: windows at x 0..3 and 3..6 (second snapped to the border)
    img = torch.arange(7, dtype=torch.float32).view(1, 1, 1, 7).expand(1, 3, 4, 7)
    out = slide_inference(PatchMean(), img, crop=(4, 4), stride=(4, 3))
    a, b = img[..., 0:4].mean(), img[..., 3:7].mean()
    torch.testing.assert_close(out[0, 0, 0], torch.tensor([a, a, a, (a + b) / 2, b, b, b]))


def test_slide_equals_whole_for_per_pixel_model():
    torch.manual_seed(0)
    model = PerPixel().eval()
    img = torch.randn(1, 3, 23, 37)
    whole = predict_logits(model, img, (23, 37))
    for crop, stride in [((8, 8), (5, 5)), ((16, 12), (16, 12)), ((64, 64), (32, 32))]:
        slide = predict_logits(model, img, (23, 37), protocol="slide", crop=crop, stride=stride)
        torch.testing.assert_close(slide, whole, rtol=0, atol=1e-5)


def test_slide_pads_windows_larger_than_the_image():
    seen = []

    class Spy(PerPixel):
        def forward(self, x):
            seen.append(tuple(x.shape[-2:]))
            return super().forward(x)

    img = torch.randn(1, 3, 10, 12)
    out = slide_inference(Spy(), img, crop=(16, 16), stride=(8, 8))
    assert seen == [(16, 16)] and out.shape == (1, 4, 10, 12)
    torch.testing.assert_close(out, PerPixel()(img), rtol=0, atol=1e-5)


def test_flip_averages_mirrored_logits():
    img = torch.zeros(1, 3, 2, 5)
    plain = predict_logits(Ramp(), img, (2, 5))
    assert plain[0].argmax(0)[0].tolist() == [1, 1, 0, 0, 0]  # ramp 0, .25, .5, .75, 1 vs 0.4
    flipped = predict_logits(Ramp(), img, (2, 5), flip=True)
    # (ramp + mirrored ramp) / 2 = 0.5 everywhere
    torch.testing.assert_close(flipped[:, 0], torch.full((1, 2, 5), 0.5))
    assert flipped[0].argmax(0).unique().tolist() == [0]


def test_multiscale_sums_logits_at_original_size():
    model = PerPixel().eval()
    img = torch.ones(1, 3, 12, 16) * torch.tensor([0.3, -1.0, 2.0]).view(1, 3, 1, 1)
    one = predict_logits(model, img, (12, 16))
    ms = predict_logits(model, img, (12, 16), scales=(0.5, 0.75, 1.0, 1.5))
    assert ms.shape == (1, 4, 12, 16)
    torch.testing.assert_close(ms, 4 * one, rtol=1e-5, atol=1e-5)
    ms_flip = predict_logits(model, img, (12, 16), scales=(0.5, 2.0), flip=True)
    torch.testing.assert_close(ms_flip, 2 * one, rtol=1e-5, atol=1e-5)


def test_multiscale_resizes_the_input():
    sizes = []

    class Spy(PerPixel):
        def forward(self, x):
            sizes.append(tuple(x.shape[-2:]))
            return super().forward(x)

    predict_logits(Spy(), torch.randn(1, 3, 20, 30), (20, 30), scales=(0.5, 1.0, 1.75))
    assert sizes == [(10, 15), (20, 30), (35, 53)]  # floor(x * s + 0.5), as mmseg rounds


def test_logits_are_upsampled_to_label_size():
    img = torch.randn(1, 3, 32, 48)
    out = predict_logits(Quarter(), img, (32, 48))
    assert out.shape == (1, 4, 32, 48)
    # label at a different (original) resolution than the network input
    assert predict_logits(Quarter(), img, (64, 96)).shape == (1, 4, 64, 96)


def test_protocol_errors():
    img = torch.randn(1, 3, 8, 8)
    with pytest.raises(ProtocolError, match="needs crop"):
        predict_logits(PerPixel(), img, (8, 8), protocol="slide")
    with pytest.raises(ProtocolError, match="unknown protocol 'tiles'"):
        predict_logits(PerPixel(), img, (8, 8), protocol="tiles")
    with pytest.raises(ProtocolError, match="scales must be positive"):
        predict_logits(PerPixel(), img, (8, 8), scales=(0.0,))
