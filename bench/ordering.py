"""Within a family, a smaller variant should not be slower than a larger one.

On a shared machine a burst of load can make DeepLabv3 + MobileViT-XXS (14 GMACs) time slower
than MobileViT-S (42 GMACs). When a sweep measures a variant and an already measured variant
of the same family (same input size, device, precision, batch and engine) with more GMACs is
faster, or one with fewer GMACs is slower, both are timed again, one after the other, with the
same protocol. The re-measured latencies replace the first ones: in the run about to be saved,
and in a new run of the other variant appended to its file (the first run stays, as history;
the newest is the one shown). Both carry a `family_order` entry with the medians before and
after and whether the inversion persists, so a reader sees it rather than a silent fix.

Fewer GMACs need not mean faster (depthwise convolutions, attention and memory traffic do not
cost what their MACs say): an inversion that persists is recorded as a finding, not corrected.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from bench.record import FamilyOrder, Latency, Run


def comparable(a: Run, b: Run) -> bool:
    return (a.device, a.precision, a.batch, a.engine, a.input_size) == \
        (b.device, b.precision, b.batch, b.engine, b.input_size)


def inverted(a: Run, b: Run) -> tuple[Run, Run] | None:
    """(smaller, larger) when the variant with fewer GMACs has the larger median, else None."""
    if not (a.latency and b.latency and a.flops and b.flops and comparable(a, b)):
        return None
    if a.flops.gmacs == b.flops.gmacs:
        return None
    small, large = (a, b) if a.flops.gmacs < b.flops.gmacs else (b, a)
    return (small, large) if small.latency.median_ms > large.latency.median_ms else None


def check_order(run: Run, peers: list[Run], remeasure: Callable[[str], dict]) -> list[Run]:
    """Re-measure `run` against each inverted peer (the newest run of another variant of its
    family); `remeasure(key)` times one model again and returns its latency block.

    Updates `run` in place and returns new runs of the peers to append to their files."""
    appended: list[Run] = []
    for peer in peers:
        pair = inverted(run, peer)
        if pair is None:
            continue
        small, large = pair
        first = {small.model: small.latency.median_ms, large.model: large.latency.median_ms}
        again = {small.model: remeasure(small.model), large.model: remeasure(large.model)}
        entry = FamilyOrder(smaller=small.model, larger=large.model,
                            smaller_gmacs=small.flops.gmacs, larger_gmacs=large.flops.gmacs,
                            smaller_median_ms=again[small.model]["median_ms"],
                            larger_median_ms=again[large.model]["median_ms"],
                            first_smaller_ms=first[small.model], first_larger_ms=first[large.model],
                            persists=again[small.model]["median_ms"] > again[large.model]["median_ms"])
        for r, is_run in ((run, True), (peer, False)):
            history = [e.model_dump(mode="json") for e in r.latency.family_order]
            lat = Latency.model_validate_json(json.dumps(
                {**again[r.model], "family_order": [*history, entry.model_dump(mode="json")]}))
            if is_run:
                run.latency = lat
            else:
                appended.append(_again(r, lat))
    return appended


def _again(r: Run, latency) -> Run:
    import uuid

    from bench.record import now_iso

    return r.model_copy(update={"latency": latency, "run_id": uuid.uuid4().hex,
                                "timestamp": now_iso()})
