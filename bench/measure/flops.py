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
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

G = 1e9


# Allocation/bookkeeping ops: no arithmetic, so not "skipped" in any useful sense.
_NO_MATH = frozenset({"aten.empty", "aten.empty_like", "aten.empty_strided", "aten.detach",
                      "aten.lift_fresh", "aten._to_copy", "aten.copy_", "aten.clone"})


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


def flopcounter(model: nn.Module, x: torch.Tensor, state: dict | None = None) -> dict:
    """FlopCounterMode pass: total, per-op counts (in FLOPs) and the ops it did not count.
    `state`: parameters/buffers to use instead of the model's own (see `_meta_state`)."""
    with torch.no_grad(), FlopCounterMode(display=False) as fc, _OpRecorder() as rec:
        if state is None:
            model(x)
        else:
            torch.func.functional_call(model, state, (x,))
    by_op = {str(k): v for k, v in fc.get_flop_counts()["Global"].items()}
    counted = {str(p) for p in fc.flop_registry}
    skipped = sorted(name for name in rec.ops if name not in counted)
    conv = sum(v for k, v in by_op.items() if "convolution" in k)
    return {"flops": fc.get_total_flops(), "by_op": by_op, "conv_flops": conv, "skipped": skipped}


def _meta_state(model: nn.Module) -> dict:
    named = list(model.named_parameters()) + list(model.named_buffers())
    return {k: torch.empty_like(v, device="meta") for k, v in named}


def flopcounter_any(model: nn.Module, input_size: tuple[int, int],
                    device: torch.device) -> tuple[dict, str]:
    """FlopCounterMode on meta tensors, else on `device`; returns (counts, where counted)."""
    try:
        return flopcounter(model, _input(input_size, torch.device("meta")), _meta_state(model)), "meta"
    except Exception:  # noqa: BLE001 - any meta failure: count with a real forward instead
        return flopcounter(model, _input(input_size, device)), str(device)


def fvcore_count(model: nn.Module, x: torch.Tensor) -> dict:
    """fvcore pass (traces with torch.jit): total MACs, per-op counts and unsupported ops."""
    # fvcore warns once per unsupported op and torch.jit warns about deprecation; the skipped
    # ops are recorded, so keep stderr readable.
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fvcore.nn import FlopCountAnalysis

        fa = FlopCountAnalysis(model, x)
        fa.unsupported_ops_warnings(False)
        fa.uncalled_modules_warnings(False)
        total = fa.total()
        by_op = dict(fa.by_operator())
        skipped = sorted(fa.unsupported_ops())
    return {"macs": total, "by_op": by_op, "skipped": skipped}


def count_flops(model: nn.Module, input_size: tuple[int, int], device: str | torch.device = "cpu",
                fvcore: bool = True) -> dict:
    """Both counters at `input_size` (H, W), batch 1. A failing fvcore trace is recorded, not
    fatal (`fvcore_error`); `fvcore=False` skips fvcore (used to re-measure at claim sizes)."""
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
        "flopcounter_gflops": round(fc["flops"] / G, 9),
        "fvcore_gmacs": None,
        "by_op": {"flopcounter_gflops": {k: round(v / G, 9) for k, v in fc["by_op"].items()}},
        "skipped": {"flopcounter": fc["skipped"], "fvcore": None},
        "convention": "gmacs = flopcounter_gflops / 2 (one multiply-add = 1 MAC = 2 FLOPs); "
                      "fvcore_gmacs also counts norm/upsample/pool",
    }
    if fvcore:
        try:
            fv = fvcore_count(model, _input(tuple(input_size), dev))
        except Exception as e:  # noqa: BLE001 - jit tracing fails on some models; keep the rest
            rec["fvcore_error"] = f"{type(e).__name__}: {e}"[:500]
        else:
            rec["fvcore_gmacs"] = round(fv["macs"] / G, 9)
            rec["by_op"]["fvcore_gmacs"] = {k: round(v / G, 9) for k, v in fv["by_op"].items()}
            rec["skipped"]["fvcore"] = fv["skipped"]
    return rec
