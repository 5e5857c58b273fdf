"""Latency on ONNX Runtime, the engine most CPU deployments use: export, then time a session.

The model is exported with `torch.onnx.export` at the run's input size and batch (static
shapes: what a deployment at that size runs), opset 18, by the `torch.export`-based exporter
(`dynamo=True`, the one torch 2.14 maintains); when that one fails, by the TorchScript
exporter (`dynamo=False`), and the record says which produced the graph. The session uses the
CUDA execution provider when the run is on CUDA and onnxruntime has it, else the CPU provider,
with `intra_op_num_threads` equal to torch's pinned threads so both engines get the same cores.
Timing is the same block protocol as eager PyTorch (bench.measure.latency.time_blocks): each
call is one `session.run` on the host array (outputs come back to the host, as in deployment).

An export or a session that fails raises OnnxError, whose `info` is the record's `onnx` block
with the reason: the harness records it as the run's error, it never crashes a sweep.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import torch
from torch import nn

from bench.measure.latency import DEFAULT_PROTOCOL, Protocol, time_blocks

OPSET = 18


class OnnxError(RuntimeError):
    """The export or the ONNX Runtime session failed; `info` is the record's `onnx` block."""

    def __init__(self, message: str, info: dict):
        super().__init__(message)
        self.info = info


def providers_for(device: str) -> list[str]:
    import onnxruntime as ort

    have = ort.get_available_providers()
    if device.startswith("cuda") and "CUDAExecutionProvider" in have:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0] if text else ''}"[:500]


def export(model: nn.Module, x: torch.Tensor, path: Path, opset: int = OPSET) -> str:
    """Write `model` at `x`'s shape to `path`; returns the exporter that worked."""
    errors = []
    for dynamo in (True, False):
        try:
            with warnings.catch_warnings(), redirect_stdout(StringIO()):
                warnings.simplefilter("ignore")
                torch.onnx.export(model, (x,), str(path), opset_version=opset, dynamo=dynamo,
                                  input_names=["pixel_values"], output_names=["logits"])
            return "torch.onnx.export(dynamo=True)" if dynamo else "torch.onnx.export(dynamo=False)"
        except Exception as e:  # noqa: BLE001 - the next exporter, then a recorded error
            errors.append(f"dynamo={dynamo}: {_first_line(e)}")
    raise RuntimeError("; ".join(errors))


def measure_onnx_latency(model: nn.Module, input_size: tuple[int, int], *, batch: int = 1,
                         device: str = "cpu", warmup: int = 1, iters: int | None = None,
                         protocol: Protocol = DEFAULT_PROTOCOL) -> tuple[dict, dict]:
    """(latency block, onnx block) for `model` exported and run on ONNX Runtime."""
    import onnxruntime as ort

    threads = torch.get_num_threads()
    providers = providers_for(device)
    info: dict = {"opset": OPSET, "exporter": "none", "providers": providers,
                  "onnxruntime": ort.__version__}
    x = torch.randn(batch, 3, *input_size)
    with tempfile.TemporaryDirectory(prefix="segatlas-onnx-") as tmp:
        path = Path(tmp) / "model.onnx"
        t0 = time.perf_counter()
        try:
            with torch.no_grad():
                info["exporter"] = export(model.eval().cpu(), x, path)
        except Exception as e:  # noqa: BLE001
            info["error"] = f"export failed: {e}"[:2000]
            raise OnnxError(info["error"], info) from None
        info["export_s"] = round(time.perf_counter() - t0, 2)
        info["file_mb"] = round(sum(f.stat().st_size for f in Path(tmp).iterdir()) / 2**20, 2)
        try:
            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            so.log_severity_level = 3
            sess = ort.InferenceSession(str(path), so, providers=providers)
            info["providers"] = sess.get_providers()
            name = sess.get_inputs()[0].name
            feed = {name: x.numpy()}
            sess.run(None, feed)  # a failing graph shows here, before timing
        except Exception as e:  # noqa: BLE001
            info["error"] = f"ONNX Runtime session failed: {_first_line(e)}"
            raise OnnxError(info["error"], info) from None

    def once() -> float:
        t = time.perf_counter()
        sess.run(None, feed)
        return (time.perf_counter() - t) * 1000.0

    lat = time_blocks(once, batch=batch, warmup=warmup, iters=iters, protocol=protocol)
    lat.update(batch=batch, input_size=list(input_size), precision="fp32", channels_last=False,
               compile=False, timer="perf_counter", threads=threads)
    return lat, info
