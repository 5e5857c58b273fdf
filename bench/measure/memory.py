"""Peak memory of a block of work: CUDA peak allocated, or the process's peak RSS on CPU.

CPU: Linux lets a process reset its own peak RSS (VmHWM) by writing "5" to
/proc/self/clear_refs (Documentation/filesystems/proc.rst); then VmHWM after the block is the
peak *during* the block (kind "cpu_rss_peak"). Where that is refused, we fall back to
`resource.getrusage(...).ru_maxrss`, the peak over the whole process life (kind
"cpu_rss_peak_process"), which can only over-state.
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

MB = 1024 * 1024


def _reset_vmhwm() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _vmhwm_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


@contextmanager
def peak_memory(device: str | torch.device) -> Iterator[dict]:
    """Context manager; the yielded dict gets {"peak_mb", "kind", "note"} on exit."""
    dev = torch.device(device)
    out: dict = {}
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
        torch.cuda.reset_peak_memory_stats(dev)
        base = torch.cuda.memory_allocated(dev)
        yield out
        torch.cuda.synchronize(dev)
        peak = torch.cuda.max_memory_allocated(dev)
        out.update(peak_mb=round(peak / MB, 2), kind="cuda_allocated",
                   note=f"torch.cuda.max_memory_allocated; {base / MB:.1f} MB (weights etc.) "
                        "were allocated before the block")
        return
    reset = _reset_vmhwm()
    yield out
    hwm = _vmhwm_mb() if reset else None
    if hwm is not None:
        out.update(peak_mb=round(hwm, 2), kind="cpu_rss_peak",
                   note="process peak RSS (VmHWM) during the block, reset via /proc/self/clear_refs")
    else:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
        out.update(peak_mb=round(kb / 1024, 2), kind="cpu_rss_peak_process",
                   note="ru_maxrss: peak RSS over the whole process life (could not reset)")
