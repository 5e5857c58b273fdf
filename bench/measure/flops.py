"""FLOP counting with two counters, so the MAC-vs-FLOP convention is explicit.

- fvcore `FlopCountAnalysis` counts one per multiply-add (a MAC) for conv/matmul, and adds
  its own estimates for batch norm, upsampling and pooling; it skips element-wise ops
  (listed as `unsupported_ops`). Reported as `fvcore_gmacs`.
- `torch.utils.flop_counter.FlopCounterMode` counts two per multiply-add, and only for
  matmul-like ops (conv, mm, bmm, addmm, attention). Reported as `flopcounter_gflops`.

The record's headline figures come from FlopCounterMode, the counter that ships with torch:
`gflops = flopcounter_gflops` and `gmacs = flopcounter_gflops / 2`. fvcore's figure is kept
beside them (it is what mmseg-style tables print as "GFLOPs"). `conv_gmacs` (convolutions only)
is what torchvision's `_ops` metadata reports: for its six segmentation models at 520x520 the
two agree exactly (tests/bench/test_flops.py).

Both counters see one forward pass of batch 1, in eval mode under torch.no_grad().
FlopCounterMode runs on the "meta" device where it can (weights swapped for shape-only meta
tensors through torch.func.functional_call: no arithmetic, no memory), which makes counting
FCN-8s at 500x500 take under a second instead of a full CPU forward; a model whose forward
needs real values (data-dependent shapes, tensors kept outside parameters/buffers) falls back
to a real forward on its device. `counted_on` records which.

Attention is counted the same on every device. FlopCounterMode ships formulas for the CUDA
attention kernels (flash, memory-efficient, cuDNN) but none for the CPU kernel nor for the
MPS/XPU ones. Observed in torch 2.14.1: on CPU, `F.scaled_dot_product_attention` dispatches to
`aten._scaled_dot_product_flash_attention_for_cpu` (with or without mask, 3-D or 4-D, grad or
not) and was counted as zero; eval `nn.MultiheadAttention` under no_grad runs
`aten._native_multi_head_attention` and `nn.TransformerEncoderLayer` runs
`aten._transformer_encoder_layer_fwd` (projections and MLP included: zero for the whole layer);
on the meta device SDPA decomposes into its math form (`mul`, `bmm`, `_safe_softmax`, `bmm`:
the two `bmm`s are counted), as it does on CPU under `sdpa_kernel(SDPBackend.MATH)`. `ATTENTION_FLOP_FORMULAS` gives the CPU/MPS/XPU kernels torch's own
rule (2 FLOPs per multiply-add of Q@K^T and of P@V; softmax and scaling are not counted, as
for the CUDA kernels), so CPU, meta and CUDA agree. The fused `nn.MultiheadAttention` /
`nn.TransformerEncoderLayer` inference fast path (`aten._native_multi_head_attention`,
`aten._transformer_encoder_layer_fwd`) has no formula anywhere, so it is switched off while
counting (`torch.backends.mha.set_fastpath_enabled(False)`): the same arithmetic then runs as
linear layers + SDPA, which are counted. fvcore gets a handle for `aten::scaled_dot_product_attention`
(1 per multiply-add) for the same reason, and one for `aten::baddbmm`, which fvcore also lacks.
Plain matmul attention (matmul/bmm/baddbmm/einsum) is thus counted by both counters.

Units are explicit in every record: `units` names, per figure, whether it is in MACs
(multiply-adds) or FLOPs (2 per multiply-add), and `skipped` lists, per counter, the ops it saw
but did not count (`None` when that counter did not run; `fvcore_status` says why).
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from collections import Counter

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

G = 1e9

aten = torch.ops.aten

UNITS = {
    "gmacs": "GMAC: 1e9 multiply-adds (FlopCounterMode FLOPs / 2)",
    "gflops": "GFLOP: 1e9 FLOPs, 2 per multiply-add (FlopCounterMode)",
    "conv_gmacs": "GMAC: convolutions only (FlopCounterMode FLOPs / 2)",
    "flopcounter_gflops": "GFLOP: 2 per multiply-add",
    "fvcore_gmacs": "GMAC: 1 per multiply-add, plus fvcore's norm/upsample/pool estimates",
}


def attention_flops(query_shape, key_shape, value_shape) -> int:
    """FLOPs of softmax(Q K^T) V at 2 per multiply-add: Q@K^T then P@V (torch's CUDA rule).
    Any leading dims (batch, heads); grouped-query attention (fewer K/V heads) counts the
    query's heads, as the kernels broadcast K/V."""
    *lead, s_q, d = query_shape
    s_k, d_v = key_shape[-2], value_shape[-1]
    if key_shape[-1] != d or value_shape[-2] != s_k:
        raise ValueError(f"attention shapes do not fit: q={query_shape}, k={key_shape}, "
                         f"v={value_shape}")
    b = math.prod(lead)
    return 2 * b * s_q * s_k * d + 2 * b * s_q * s_k * d_v


def _sdpa_formula(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs) -> int:
    return attention_flops(query_shape, key_shape, value_shape)


def _attention_ops() -> list:
    names = ["_scaled_dot_product_flash_attention_for_cpu",     # CPU (torch 2.14: no formula)
             "_scaled_dot_product_attention_math_for_mps",      # MPS
             "_scaled_dot_product_fused_attention_overrideable"]  # XPU / out-of-tree backends
    return [getattr(aten, n) for n in names if hasattr(aten, n)]


# Passed as FlopCounterMode(custom_mapping=...): formulas torch does not ship.
ATTENTION_FLOP_FORMULAS = {op: _sdpa_formula for op in _attention_ops()}


@contextlib.contextmanager
def _no_mha_fastpath():
    """nn.MultiheadAttention's fused inference kernel has no FLOP formula: run its unfused
    (identical) arithmetic while counting."""
    mha = getattr(torch.backends, "mha", None)
    if mha is None:
        yield
        return
    was = mha.get_fastpath_enabled()
    mha.set_fastpath_enabled(False)
    try:
        yield
    finally:
        mha.set_fastpath_enabled(was)


# Allocation/bookkeeping ops: no arithmetic, so not "skipped" in any useful sense.
_NO_MATH = frozenset({"aten.empty", "aten.empty_like", "aten.empty_strided", "aten.detach",
                      "aten.lift_fresh", "aten._to_copy", "aten.copy_", "aten.clone",
                      "aten._unsafe_view"})


class _OpRecorder(TorchDispatchMode):
    """Records every aten op a forward calls, to list what FlopCounterMode did not count."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: Counter[str] = Counter()
        self.packets: dict[str, object] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if not func.is_view and str(func.overloadpacket) not in _NO_MATH:
            name = str(func.overloadpacket)
            self.ops[name] += 1
            self.packets[name] = func.overloadpacket
        return func(*args, **(kwargs or {}))


def _input(input_size: tuple[int, int], device: torch.device) -> torch.Tensor:
    h, w = input_size
    return torch.randn(1, 3, h, w, device=device)


@contextlib.contextmanager
def _no_param_grad(model: nn.Module):
    """Parameters with requires_grad=False while counting. FlopCounterMode's module tracker
    hooks every module input that requires grad; under no_grad a parameter passed directly as
    a module input (e.g. OneFormer's query embeddings) has no grad_fn and the hook raises."""
    params = [p for p in model.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def flopcounter(model: nn.Module, x: torch.Tensor, state: dict | None = None) -> dict:
    """FlopCounterMode pass: total, per-op counts (in FLOPs) and the ops it did not count.
    `state`: parameters/buffers to use instead of the model's own (see `_meta_state`)."""
    with (torch.no_grad(), _no_mha_fastpath(), _no_param_grad(model),
          FlopCounterMode(display=False, custom_mapping=ATTENTION_FLOP_FORMULAS) as fc,
          _OpRecorder() as rec):
        if state is None:
            model(x)
        else:
            torch.func.functional_call(model, state, (x,))
    by_op = {str(k): v for k, v in fc.get_flop_counts()["Global"].items()}
    counted = {str(p) for p in fc.flop_registry}
    skipped = sorted(name for name in rec.ops if name not in counted)
    conv = sum(v for k, v in by_op.items() if "convolution" in k)
    return {"flops": fc.get_total_flops(), "by_op": by_op, "conv_flops": conv, "skipped": skipped}


SMALL_BUFFER = 16  # elements: flags and schedules a forward may read as Python values


def _meta_state(model: nn.Module, keep_small_buffers: bool = False) -> dict:
    """Meta copies of parameters and buffers. `keep_small_buffers` keeps buffers of at most
    SMALL_BUFFER elements real, for forwards that branch on them (EoMT's `attn_mask_probs[i] > 0`);
    a kept buffer that meets a meta tensor in arithmetic raises, which falls back to a real
    forward, so counts never depend on this."""
    state = {k: torch.empty_like(v, device="meta") for k, v in model.named_parameters()}
    for k, v in model.named_buffers():
        keep = keep_small_buffers and v.numel() <= SMALL_BUFFER
        state[k] = v if keep else torch.empty_like(v, device="meta")
    return state


def flopcounter_any(model: nn.Module, input_size: tuple[int, int],
                    device: torch.device) -> tuple[dict, str]:
    """FlopCounterMode on meta tensors (then again with small buffers real), else a real forward
    on `device`; returns (counts, where counted). `meta_error` says why meta failed."""
    x = _input(input_size, torch.device("meta"))
    try:
        return flopcounter(model, x, _meta_state(model)), "meta"
    except Exception as e:  # noqa: BLE001 - any meta failure: retry, then count for real
        error = f"{type(e).__name__}: {e}"[:300]
    try:
        fc = flopcounter(model, x, _meta_state(model, keep_small_buffers=True))
        fc["meta_note"] = f"buffers of <= {SMALL_BUFFER} elements kept real ({error})"
        return fc, "meta"
    except Exception:  # noqa: BLE001
        fc = flopcounter(model, _input(input_size, device))
        fc["meta_error"] = error
        return fc, str(device)


def _fvcore_sdpa_handle(inputs, outputs) -> int:
    """fvcore handle for aten::scaled_dot_product_attention (absent from fvcore): MACs."""
    from fvcore.nn.jit_handles import get_shape

    q, k, v = (get_shape(t) for t in inputs[:3])
    return attention_flops(q, k, v) // 2


def _fvcore_baddbmm_handle(inputs, outputs) -> int:
    """fvcore handle for aten::baddbmm (absent from fvcore): the batch matmul's MACs."""
    from fvcore.nn.jit_handles import get_shape

    (b, n, k), (_, _, m) = get_shape(inputs[1]), get_shape(inputs[2])
    return b * n * k * m


def fvcore_count(model: nn.Module, x: torch.Tensor) -> dict:
    """fvcore pass (traces with torch.jit): total MACs, per-op counts and unsupported ops."""
    # fvcore warns once per unsupported op and torch.jit warns about deprecation; the skipped
    # ops are recorded, so keep stderr readable.
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    with torch.no_grad(), _no_mha_fastpath(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fvcore.nn import FlopCountAnalysis

        fa = FlopCountAnalysis(model, x)
        fa.set_op_handle("aten::scaled_dot_product_attention", _fvcore_sdpa_handle,
                         "aten::baddbmm", _fvcore_baddbmm_handle)
        fa.unsupported_ops_warnings(False)
        fa.uncalled_modules_warnings(False)
        total = fa.total()
        by_op = dict(fa.by_operator())
        skipped = sorted(fa.unsupported_ops())
    return {"macs": total, "by_op": by_op, "skipped": skipped}


def count_flops(model: nn.Module, input_size: tuple[int, int], device: str | torch.device = "cpu",
                fvcore: bool = True) -> dict:
    """Both counters at `input_size` (H, W), batch 1. A failing fvcore trace is recorded, not
    fatal (`fvcore_status="failed"`, `fvcore_error`); `fvcore=False` skips fvcore (used to
    re-measure at claim sizes; `fvcore_status="disabled"`)."""
    model.eval()
    dev = torch.device(device)
    fc, where = flopcounter_any(model, tuple(input_size), dev)
    rec = {
        "gmacs": round(fc["flops"] / 2 / G, 9),
        "gflops": round(fc["flops"] / G, 9),
        "conv_gmacs": round(fc["conv_flops"] / 2 / G, 9),
        "input_size": list(input_size),
        "batch": 1,
        "counted_on": where,
        **{k: fc[k] for k in ("meta_error", "meta_note") if k in fc},
        "flopcounter_gflops": round(fc["flops"] / G, 9),
        "fvcore_gmacs": None,
        "by_op": {"flopcounter_gflops": {k: round(v / G, 9) for k, v in fc["by_op"].items()}},
        "skipped": {"flopcounter": fc["skipped"], "fvcore": None},
        "units": dict(UNITS),
        "fvcore_status": "disabled",
        "convention": "gmacs = flopcounter_gflops / 2 (one multiply-add = 1 MAC = 2 FLOPs); "
                      "fvcore_gmacs also counts norm/upsample/pool",
    }
    if fvcore:
        try:
            fv = fvcore_count(model, _input(tuple(input_size), dev))
        except Exception as e:  # noqa: BLE001 - jit tracing fails on some models; keep the rest
            rec["fvcore_status"] = "failed"
            rec["fvcore_error"] = f"{type(e).__name__}: {e}"[:500]
        else:
            rec["fvcore_status"] = "ok"
            rec["fvcore_gmacs"] = round(fv["macs"] / G, 9)
            rec["by_op"]["fvcore_gmacs"] = {k: round(v / G, 9) for k, v in fv["by_op"].items()}
            rec["skipped"]["fvcore"] = fv["skipped"]
    return rec
