"""The environment a measurement was taken in: enough to tell whether two timings compare."""

from __future__ import annotations

import platform
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import torch


@lru_cache(maxsize=1)
def cpu_model() -> str:
    try:
        import cpuinfo  # py-cpuinfo, when installed

        return cpuinfo.get_cpu_info().get("brand_raw") or platform.processor()
    except Exception:  # noqa: BLE001, S110 - optional dependency: any failure -> /proc/cpuinfo
        pass
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _nvidia_driver() -> str | None:
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10, check=True)
        return out.stdout.strip().splitlines()[0] or None
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def collect_env(device: str | torch.device = "cpu") -> dict:
    dev = torch.device(device)
    cuda = dev.type == "cuda"
    return {
        "device_name": torch.cuda.get_device_name(dev) if cuda else cpu_model(),
        "cpu": cpu_model(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda if cuda else None,
        "cudnn": torch.backends.cudnn.version() if cuda else None,
        "driver": _nvidia_driver() if cuda else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
    }
