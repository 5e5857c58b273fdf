"""Hardware names as sources write them -> one name per device, for filtering speed claims.

Sources write "GTX 1080Ti", "NVIDIA GTX 1080Ti" and "NVIDIA GeForce GTX 1080 Ti" for one card.
The claim keeps the source's words (`Efficiency.hardware`); `device_key` gives the name a
filter groups them under. Unknown names are kept as written (never guessed).
"""

from __future__ import annotations

import re

# pattern (on the lower-cased text with spaces and dashes removed) -> device name
_DEVICES: tuple[tuple[str, str], ...] = (
    (r"1080ti", "NVIDIA GTX 1080 Ti"),
    (r"2080ti", "NVIDIA RTX 2080 Ti"),
    (r"3090", "NVIDIA RTX 3090"),
    (r"4090", "NVIDIA RTX 4090"),
    (r"titanxp", "NVIDIA Titan Xp"),
    (r"titanx", "NVIDIA Titan X"),
    (r"v100", "NVIDIA V100"),
    (r"a100", "NVIDIA A100"),
    (r"h100", "NVIDIA H100"),
    (r"h200", "NVIDIA H200"),
    (r"b200", "NVIDIA B200"),
    (r"k80", "NVIDIA Tesla K80"),
    (r"k40", "NVIDIA Tesla K40"),
    (r"(^|nvidia|tesla)t4$", "NVIDIA T4"),
    (r"jetsontx1|^tx1$", "NVIDIA Jetson TX1"),
    (r"jetsontx2|^tx2$", "NVIDIA Jetson TX2"),
    (r"snapdragon855", "Qualcomm Snapdragon 855"),
)


def device_key(hardware: str | None) -> str | None:
    """The device a hardware text names, or the text itself when it names no known device."""
    if not hardware:
        return None
    flat = re.sub(r"[\s_-]+", "", hardware.lower())
    for pattern, name in _DEVICES:
        if re.search(pattern, flat):
            return name
    return hardware.strip()


def is_gpu(hardware: str | None) -> bool | None:
    key = device_key(hardware)
    if key is None:
        return None
    return key.startswith("NVIDIA") or "gpu" in key.lower()
