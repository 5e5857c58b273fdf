"""FLOP counters: exact on a tiny model, equal to torchvision's `_ops` metadata, and attention
counted identically on CPU and meta (hand-derived ViT block), SegFormer-B0 vs its paper.

torchvision's `_ops` (its docs call them GFLOPS) is the convolutions' multiply-add count at
520x520, the evaluation resize of its segmentation weights: measured here, all six models
agree to the 3 printed decimals.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from bench.measure.flops import (
    ATTENTION_FLOP_FORMULAS,
    _meta_state,
    attention_flops,
    count_flops,
    flopcounter,
)

from .conftest import TV_MODELS, tv_meta, tv_model


def test_tiny_exact(tiny):
    r = count_flops(tiny, (8, 8))
    macs = 64 * (3 * 8 * 9 + 8 * 4)  # 15,872
    assert r["gmacs"] == pytest.approx(macs / 1e9, abs=1e-12)
    assert r["gflops"] == pytest.approx(2 * macs / 1e9, abs=1e-12)
    assert r["conv_gmacs"] == r["gmacs"]
    assert r["fvcore_gmacs"] == pytest.approx(macs / 1e9, abs=1e-12)  # no norm/pool here
    assert r["input_size"] == [8, 8]
    assert "aten.relu" in r["skipped"]["flopcounter"]
    assert r["skipped"]["fvcore"] == []  # fvcore treats relu as free, not unsupported


def test_fvcore_failure_is_recorded(tiny, monkeypatch):
    import bench.measure.flops as F

    def boom(model, x):
        raise RuntimeError("trace failed")

    monkeypatch.setattr(F, "fvcore_count", boom)
    r = count_flops(tiny, (8, 8))
    assert r["fvcore_gmacs"] is None
    assert r["fvcore_error"] == "RuntimeError: trace failed"
    assert r["fvcore_status"] == "failed" and r["skipped"]["fvcore"] is None
    assert r["gmacs"] == pytest.approx(64 * 248 / 1e9)


@pytest.mark.parametrize("name", list(TV_MODELS))
def test_torchvision_ops_ground_truth(name):
    x = torch.randn(1, 3, 520, 520, device="meta")  # shapes are all FlopCounterMode needs
    conv_macs = flopcounter(tv_model(name), x)["conv_flops"] / 2 / 1e9
    assert round(conv_macs, 3) == tv_meta(name)["_ops"]


def test_meta_count_equals_real_count():
    """count_flops counts on meta tensors; a real forward gives the same figures."""
    model = tv_model("lraspp_mobilenet_v3_large", "cpu")
    r = count_flops(model, (520, 520), fvcore=False)
    assert r["counted_on"] == "meta"
    real = flopcounter(model, torch.randn(1, 3, 520, 520))
    assert r["gflops"] == round(real["flops"] / 1e9, 9)
    assert round(r["conv_gmacs"], 3) == 2.086
    assert set(r["skipped"]["flopcounter"]) == set(real["skipped"])


def test_fvcore_conv_matches_ops():
    """fvcore's `conv` entry equals the same ground truth (small model only: tracing is slow)."""
    from bench.measure.flops import fvcore_count

    fv = fvcore_count(tv_model("lraspp_mobilenet_v3_large", "cpu"), torch.randn(1, 3, 520, 520))
    assert round(fv["by_op"]["conv"] / 1e9, 3) == 2.086
    assert "aten::hardswish_" in fv["skipped"]


# --- attention: counted the same on CPU, meta (and CUDA, whose kernels torch already counts) ---


def _cpu_and_meta(module: nn.Module, x: torch.Tensor) -> tuple[dict, dict]:
    return flopcounter(module, x), flopcounter(module, x.to("meta"), _meta_state(module))


def _vit_blocks():
    from timm.models.vision_transformer import Block

    torch.manual_seed(0)
    return {
        "timm-block": Block(192, num_heads=3, mlp_ratio=4.0, qkv_bias=True).eval(),
        "torch-encoder-layer": nn.TransformerEncoderLayer(192, 3, dim_feedforward=768,
                                                          batch_first=True).eval(),
    }


@pytest.mark.parametrize("name", ["timm-block", "torch-encoder-layer"])
def test_vit_block_hand_count(name):
    """One ViT-Ti block (N = 197 tokens, D = 192, 3 heads, MLP 4D), in multiply-adds:
    QKV projections 3*N*D^2 = 21,786,624; Q@K^T N^2*D = 7,451,328; P@V N^2*D = 7,451,328;
    output projection N*D^2 = 7,262,208; MLP N*D*4D + N*4D*D = 58,097,664.
    Total 12*N*D^2 + 2*N^2*D = 102,049,152 MACs, on CPU (fused SDPA / MHA kernels) and meta."""
    n, d = 197, 192
    hand = 21_786_624 + 7_451_328 + 7_451_328 + 7_262_208 + 58_097_664
    assert hand == 12 * n * d * d + 2 * n * n * d == 102_049_152
    block = _vit_blocks()[name]
    cpu, meta = _cpu_and_meta(block, torch.randn(1, n, d))
    assert cpu["flops"] == meta["flops"] == 2 * hand
    assert cpu["by_op"]["aten._scaled_dot_product_flash_attention_for_cpu"] == 2 * 2 * 7_451_328
    assert "aten._scaled_dot_product_flash_attention_for_cpu" not in cpu["skipped"]
    assert torch.backends.mha.get_fastpath_enabled()  # restored after counting


def test_vit_block_fvcore_counts_attention():
    """fvcore (1 per multiply-add) gets the same linear + attention MACs, plus its layer norms."""
    from bench.measure.flops import fvcore_count

    fv = fvcore_count(_vit_blocks()["timm-block"], torch.randn(1, 197, 192))
    assert fv["by_op"]["linear"] + fv["by_op"]["scaled_dot_product_attention"] == 102_049_152
    assert fv["by_op"]["scaled_dot_product_attention"] == 2 * 7_451_328
    assert "aten::scaled_dot_product_attention" not in fv["skipped"]


def test_sdpa_shapes_cross_and_grouped_query():
    """Cross-attention (Lq != Lk, dv != d) and grouped-query attention (8 query heads, 2 K/V
    heads) on the CPU kernel: 2 * B * Hq * Lq * Lk * (d + dv) FLOPs, as on meta."""
    q, k, v = torch.randn(2, 4, 16, 8), torch.randn(2, 4, 32, 8), torch.randn(2, 4, 32, 12)
    with torch.no_grad(), FlopCounterMode(display=False,
                                          custom_mapping=ATTENTION_FLOP_FORMULAS) as fc:
        F.scaled_dot_product_attention(q, k, v)
    assert fc.get_total_flops() == 2 * 2 * 4 * 16 * 32 * (8 + 12) == 163_840
    with torch.no_grad(), FlopCounterMode(display=False) as fm:
        F.scaled_dot_product_attention(q.to("meta"), k.to("meta"), v.to("meta"))
    assert fm.get_total_flops() == 163_840
    qg, kg = torch.randn(1, 8, 16, 8), torch.randn(1, 2, 16, 8)
    with torch.no_grad(), FlopCounterMode(display=False,
                                          custom_mapping=ATTENTION_FLOP_FORMULAS) as fg:
        F.scaled_dot_product_attention(qg, kg, kg, enable_gqa=True)
    assert fg.get_total_flops() == attention_flops((1, 8, 16, 8), (1, 2, 16, 8), (1, 2, 16, 8))
    assert fg.get_total_flops() == 2 * 8 * 16 * 16 * (8 + 8)


class _MatmulAttention(nn.Module):
    """softmax(QK^T)V written three ways: einsum, baddbmm + bmm, and matmul."""

    def forward(self, x):  # x: (B*H, L, d)
        a = torch.einsum("bqd,bkd->bqk", x, x).softmax(-1)
        y = torch.einsum("bqk,bkd->bqd", a, x)
        a = torch.baddbmm(torch.zeros(x.shape[0], x.shape[1], x.shape[1]), y, y.transpose(1, 2))
        y = torch.bmm(a.softmax(-1), y)
        return torch.matmul(torch.matmul(y, y.transpose(-1, -2)).softmax(-1), y)


def test_matmul_attention_counted():
    """Plain matmul attention: 3 x (Q@K^T + P@V) = 6 * B * L^2 * d multiply-adds."""
    x = torch.randn(6, 10, 4)
    cpu, meta = _cpu_and_meta(_MatmulAttention(), x)
    assert cpu["flops"] == meta["flops"] == 2 * 6 * 6 * 10 * 10 * 4 == 28_800


def test_multihead_attention_fast_path_counted():
    """nn.MultiheadAttention in eval/no_grad takes a fused CPU kernel with no formula; counting
    turns the fast path off, so projections (4*L*E^2) and attention (2*L^2*E) are counted."""
    mha = nn.MultiheadAttention(32, 4, batch_first=True).eval()

    class Self(nn.Module):
        def __init__(self):
            super().__init__()
            self.mha = mha

        def forward(self, x):
            return self.mha(x, x, x, need_weights=False)[0]

    cpu, meta = _cpu_and_meta(Self(), torch.randn(1, 16, 32))
    assert cpu["flops"] == meta["flops"] == 2 * (4 * 16 * 32 * 32 + 2 * 16 * 16 * 32) == 163_840
    assert torch.backends.mha.get_fastpath_enabled()


def test_record_units_and_fvcore_status(tiny):
    r = count_flops(tiny, (8, 8), fvcore=False)
    assert r["fvcore_status"] == "disabled" and r["skipped"]["fvcore"] is None
    assert r["units"]["gmacs"].startswith("GMAC") and r["units"]["gflops"].startswith("GFLOP")
    assert r["units"]["fvcore_gmacs"].startswith("GMAC")
    assert count_flops(tiny, (8, 8))["fvcore_status"] == "ok"


def test_segformer_b0_gmacs_vs_paper():
    """SegFormer-B0, 150 classes, 512x512: 8.388 GMACs measured (FlopCounterMode / 2; the
    efficient self-attention's matmuls included) vs the 8.4 "GFLOPs" of the SegFormer paper's
    ADE20K table (multiply-adds; transcribed from secondary copies of the table, see
    tests/models/test_models_transformers.py): -0.15%. A real CPU forward counts the same."""
    from bench.models.registry import build

    model = build("segformer-b0")
    r = count_flops(model, (512, 512), fvcore=False)
    assert r["counted_on"] == "meta"
    assert round(r["gmacs"], 3) == 8.388
    assert abs(r["gmacs"] / 8.4 - 1) < 0.05
    cpu = flopcounter(model, torch.randn(1, 3, 512, 512))
    assert round(cpu["flops"] / 2e9, 9) == r["gmacs"]


def test_matmul_attention_counted_by_fvcore():
    """fvcore counts einsum, bmm, matmul, and (with our handle) baddbmm: 14,400 MACs."""
    from bench.measure.flops import fvcore_count

    fv = fvcore_count(_MatmulAttention(), torch.randn(6, 10, 4))
    assert fv["macs"] == 6 * 6 * 10 * 10 * 4 == 14_400
    assert "aten::baddbmm" not in fv["skipped"]


class _Gated(nn.Module):
    """Branches on a buffer's value in Python (like EoMT's mask-annealing probabilities)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.extra = nn.Conv2d(4, 4, 1)
        self.register_buffer("gate", torch.zeros(4))

    def forward(self, x):
        y = self.conv(x)
        return self.extra(y) if self.gate[0] > 0 else y


def test_meta_retry_with_small_buffers_real():
    """All-meta fails (.item() on a meta buffer); the retry keeps the 4-element buffer real and
    still counts on meta: 8x8 pixels x 3x4 MACs (the gated conv is off)."""
    r = count_flops(_Gated().eval(), (8, 8), fvcore=False)
    assert r["counted_on"] == "meta" and "meta_error" not in r
    assert "Tensor.item() cannot be called on meta tensors" in r["meta_note"]
    assert r["gmacs"] == pytest.approx(64 * 12 / 1e9, abs=1e-15)


@pytest.mark.parametrize("kernel", ["_scaled_dot_product_flash_attention",
                                    "_scaled_dot_product_efficient_attention",
                                    "_scaled_dot_product_cudnn_attention"])
def test_cuda_kernel_formulas_agree(kernel):
    """No GPU here: torch's own formulas for the CUDA SDPA kernels, applied to the same shapes,
    give what the CPU kernel's formula and the meta decomposition give (2*B*H*Lq*Lk*(d+dv))."""
    from torch.utils.flop_counter import flop_registry

    q, k, v = (torch.empty(2, 4, n, 8, device="meta") for n in (16, 32, 32))
    cuda = flop_registry[getattr(torch.ops.aten, kernel)](q, k, v, None, False, out_val=None)
    with torch.no_grad(), FlopCounterMode(display=False) as fm:
        F.scaled_dot_product_attention(q, k, v)
    assert cuda == fm.get_total_flops() == attention_flops(q.shape, k.shape, v.shape) == 131_072
