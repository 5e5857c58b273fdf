"""Claims from the catalog against measurements: one verdict per claim.

Verdicts:
- `verified`: within the tolerance below;
- `mismatch`: outside it;
- `unit`: a FLOPs/MACs claim that matches at 2x or 1/2x, i.e. the source used the other
  convention (one multiply-add = 1 MAC = 2 FLOPs);
- `not-comparable`: the claim's conditions differ from, or are missing for, this run
  (latency on other hardware, unknown input size, a CRF we do not run); both numbers shown;
- `unmeasured`: this run did not measure the quantity (memory claims; accuracy without
  --data/--weights; another dataset).

All tolerances live in TOLERANCES and are printed with every verdict. A claim is read with
its printed precision: "134M" means 133.5M..134.5M, so a claim is also verified when the
measurement rounds to it (half a unit in its last printed digit), whichever is looser.
Bounds: "~" doubles the relative tolerance; "<"/"<=" and ">"/">=" only check one side.
Params are checked on the inference model (aux heads excluded); a claim that matches only with
the auxiliary head counted (checkpoint sizes such as torchvision's `num_params`) is verified
with a note saying so.

Relative claims (`relative_to: <model id>`, unit `x`: "79x fewer params than SegNet") are
judged as the ratio of two measured values, other / this for params, FLOPs, MACs and latency,
this / other for fps (catalog.vocab), with the quantity's tolerance: params as counted, MACs at
the claim's input size (or this run's), latency of both models in this run (same device, size,
batch, precision); a speed ratio is judged only when the claim names our hardware (it is
`not-comparable` otherwise, as for absolute latency: ENet is faster than SegNet on a GPU and
slower on 2 CPU cores). When the other model is not registered in the bench, or the run did not
measure what the ratio needs, the verdict is `unmeasured` with the reason.

This module does no measuring; bench.harness hands it the numbers (FLOPs already re-measured
at each claim's input size, and the other models of relative claims measured).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from catalog.datasets import DATASETS
from catalog.reproductions import ACCURACY_TOLERANCE
from catalog.schema import Efficiency, Result
from catalog.vocab import UNITS

VERDICTS = ("verified", "mismatch", "unit", "not-comparable", "unmeasured")


@dataclass(frozen=True)
class Tolerance:
    rel: float = 0.0       # relative to the claimed value
    points: float = 0.0    # absolute, in percentage points (accuracy)
    rounding: bool = True  # also accept anything that rounds to the printed claim
    approx_factor: float = 2.0  # "~" claims get rel * approx_factor

    def describe(self, bound: str = "=") -> str:
        if self.points:
            return f"±{self.points:g} points"
        rel = self.rel * (self.approx_factor if bound == "~" else 1.0)
        s = f"±{rel * 100:g}%"
        return s + " or the claim's rounding" if self.rounding else s


TOLERANCES: dict[str, Tolerance] = {
    "params": Tolerance(rel=0.01),
    "flops": Tolerance(rel=0.05),
    "macs": Tolerance(rel=0.05),
    "latency": Tolerance(rel=0.10, rounding=False),  # only on matching hardware + input size
    "fps": Tolerance(rel=0.10, rounding=False),
    # miou, pixel-acc, mean-acc, fwiou; shared with the reproduction verdicts (catalog.reproductions)
    "accuracy": Tolerance(points=ACCURACY_TOLERANCE, rounding=False),
}

# Catalog metric name -> key of the `miou` record (see docs/dev/conventions.md).
ACCURACY_KEYS = {"miou": "miou", "pixel-acc": "pixel_acc", "mean-acc": "mean_acc", "fwiou": "fwiou"}


def half_unit(value: float) -> float:
    """Half a unit of the last printed digit: 134 -> 0.5, 0.75 -> 0.005, 1.5 -> 0.05."""
    exp = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return 0.5 * 10.0 ** min(int(exp), 0) if isinstance(exp, int) else 0.0


def within(claimed: float, measured: float, bound: str, tol: Tolerance,
           half: float = 0.0) -> bool:
    """Does `measured` satisfy the claim `bound claimed` under `tol`? (same units)"""
    rel = tol.rel * (tol.approx_factor if bound == "~" else 1.0)
    slack = max(abs(claimed) * rel, half if tol.rounding else 0.0, tol.points)
    if bound in ("<", "<="):
        return measured <= claimed + slack
    if bound in (">", ">="):
        return measured >= claimed - slack
    return abs(measured - claimed) <= slack


def _size(s: str | None) -> tuple[int, int] | None:
    if not s:
        return None
    h, w = s.lower().split("x")
    return int(h), int(w)


def _fmt_size(size) -> str:
    return "x".join(str(int(v)) for v in size) if size else "?"


_FILLER = {"nvidia", "geforce", "gpu", "amd", "intel", "r", "tm", "cpu", "the", "a", "an", "on"}


def hardware_tokens(name: str | None) -> set[str]:
    """'NVIDIA GeForce GTX 1080Ti' -> {'gtx', '1080', 'ti'}: letters and digits split apart."""
    return set(re.findall(r"[a-z]+|\d+", (name or "").lower())) - _FILLER


def same_hardware(claimed: str | None, ours: str | None) -> bool:
    """Every token of the claim's hardware appears in our device name ('Titan X' matches
    'NVIDIA GeForce GTX TITAN X', not 'TITAN Xp')."""
    want = hardware_tokens(claimed)
    return bool(want) and want <= hardware_tokens(ours)


def _verdict(claim, quantity: str, measured, measured_unit: str | None, verdict: str,
             tolerance: str, note: str, **extra) -> dict:
    d = {
        "quantity": quantity,
        "claimed": claim.value,
        "claimed_unit": getattr(claim, "unit", "%"),
        "bound": getattr(claim, "bound", "="),
        "measured": None if measured is None else round(float(measured), 6),
        "measured_unit": measured_unit,
        "verdict": verdict,
        "tolerance": tolerance,
        "note": note,
        "sources": [s.ref for s in claim.sources],
        "where": [s.where for s in claim.sources if s.where],
    }
    d.update(extra)
    return d


def claim_classes(e: Efficiency, default: int) -> int:
    """The class count a claim is about: its dataset's, else `default` (the registered head's)."""
    dataset = getattr(e, "dataset", None)
    return DATASETS[dataset].num_classes if dataset else default



def claim_sizes_with_classes(effs: list[Efficiency], default_classes: int) -> set[tuple[tuple[int, int], int]]:
    """(size, classes) of FLOPs claims that state a size; classes from the claim's dataset."""
    return {(_claim_size(e), claim_classes(e, default_classes)) for e in effs
            if e.quantity in ("flops", "macs") and _claim_size(e)}


def _claim_size(e: Efficiency) -> tuple[int, int] | None:
    """The size a FLOPs claim is judged at: its own, else its dataset's canonical size."""
    size = _size(e.input_size)
    dataset = getattr(e, "dataset", None)
    if size is None and dataset and DATASETS[dataset].canonical_size:
        size = tuple(DATASETS[dataset].canonical_size)
    return size


def claim_input_sizes(effs: list[Efficiency]) -> set[tuple[int, int]]:
    """The input sizes at which FLOPs must be measured to check these claims."""
    return {_claim_size(e) for e in effs if e.quantity in ("flops", "macs") and _claim_size(e)}


def verify_efficiency(claim: Efficiency, m: dict) -> dict:
    """`m`: {"params": {...}, "flops_by_size": {(h, w): flops record}, "latency": {...} | None,
    "memory": {...} | None, "env": {...}, "input_size": (h, w), "batch": int,
    "precision": str}."""
    if getattr(claim, "relative_to", None):
        return verify_relative(claim, m)
    q = claim.quantity
    factor = UNITS[q][claim.unit]
    bound = claim.bound
    tol = TOLERANCES.get(q)
    half = half_unit(claim.value)  # in the claim's unit
    ctx = {"input_size": claim.input_size, "hardware": claim.hardware}

    def v(measured, verdict, note, tol_text=None):
        return _verdict(claim, q, measured, claim.unit, verdict,
                        tol_text if tol_text is not None else (tol.describe(bound) if tol else ""),
                        note, **ctx)

    if q == "params":
        counted, head = m["params"], ""
        classes = claim_classes(claim, m.get("params_classes") or 0)
        if classes in (m.get("params_by_classes") or {}):
            counted, head = m["params_by_classes"][classes], f" with a {classes}-class head (the claim's dataset)"
        total, aux = counted["total"], counted.get("excluded", 0)
        if within(claim.value, total / factor, bound, tol, half):
            return v(total / factor, "verified", f"{total:,} parameters{head} (aux heads excluded)")
        # A checkpoint's count (torchvision's num_params) includes its training-time aux head:
        # the same model, counted with the head: verified, and the note says so.
        if aux and within(claim.value, (total + aux) / factor, bound, tol, half):
            return v((total + aux) / factor, "verified",
                     f"{total + aux:,} parameters{head} counting the auxiliary head ({aux:,}); "
                     f"the inference model has {total:,}")
        return v(total / factor, "mismatch", f"{total:,} parameters{head} (aux heads excluded)"
                 + (f"; {total + aux:,} with them" if aux else ""))

    if q in ("flops", "macs"):
        size = _size(claim.input_size)
        run = m["flops_by_size"].get(tuple(m["input_size"]))
        assumed = ""
        if size is None and getattr(claim, "dataset", None) and DATASETS[claim.dataset].canonical_size:
            # No size stated, but the dataset is: compare at its canonical size and say so.
            size = tuple(DATASETS[claim.dataset].canonical_size)
            assumed = (f"the claim states no input size; compared at {DATASETS[claim.dataset].name}'s "
                       f"canonical {_fmt_size(size)} (an assumption); ")
        if size is None:
            ours = f"{run['gmacs']:g} GMACs / {run['gflops']:g} GFLOPs" if run else "n/a"
            mine = (run["gflops"] if q == "flops" else run["gmacs"]) * 1e9 / factor if run else None
            return v(mine, "not-comparable",
                     f"the claim gives no input size; ours at {_fmt_size(m['input_size'])}: {ours}")
        classes = claim_classes(claim, m.get("num_classes") or 0)
        if m.get("num_classes") and classes != m["num_classes"]:
            rec = m.get("flops_by_key", {}).get((*size, classes))
        else:
            rec = m["flops_by_size"].get(size)
        if rec is None:
            return v(None, "unmeasured", f"FLOPs were not measured at {_fmt_size(size)}"
                     + (f" with {classes} classes" if classes != m.get("num_classes") else ""))
        gmacs, gflops, fv = rec["gmacs"], rec["gflops"], rec.get("fvcore_gmacs")
        same, other = (gflops, gmacs) if q == "flops" else (gmacs, gflops)
        same_fv = None if fv is None else (2 * fv if q == "flops" else fv)
        other_fv = None if fv is None else (fv if q == "flops" else 2 * fv)
        to_unit = 1e9 / factor
        head = f", {classes}-class head ({claim.dataset})" if getattr(claim, "dataset", None) else ""
        note = (f"{assumed}at {_fmt_size(size)}{head}: {gmacs:g} GMACs = {gflops:g} GFLOPs (FlopCounterMode)"
                + (f", fvcore {fv:g} GMACs" if fv is not None else ""))
        if within(claim.value, same * to_unit, bound, tol, half):
            return v(same * to_unit, "verified", note)
        if same_fv is not None and within(claim.value, same_fv * to_unit, bound, tol, half):
            return v(same_fv * to_unit, "verified", note + "; matches fvcore's count")
        for alt in (other, other_fv):
            if alt is not None and bound not in ("<", "<=", ">", ">=") and \
                    within(claim.value, alt * to_unit, bound, tol, half):
                conv = "MACs" if q == "flops" else "FLOPs (2 per MAC)"
                return v(alt * to_unit, "unit", note + f"; the claim matches our {conv}: "
                         "the source counts in the other convention")
        if assumed:  # a size we assumed can confirm a claim, never convict it
            return v(same * to_unit, "not-comparable", note + "; no match at the assumed size")
        return v(same * to_unit, "mismatch", note)

    if q in ("latency", "fps"):
        lat = m.get("latency")
        if not lat or lat.get("median_ms") is None:
            return v(None, "unmeasured", "latency was not measured in this run (--no-latency)")
        measured = (lat["median_ms"] / factor) if q == "latency" else lat["throughput_ips"]
        ours = (f"ours: {lat['median_ms']:g} ms median ({lat['throughput_ips']:g} img/s) on "
                f"{m['env'].get('device_name')}, {_fmt_size(m['input_size'])}, batch {m['batch']}, "
                f"{m['precision']}")
        reasons = []
        if not claim.hardware:
            reasons.append("the claim names no hardware")
        elif not same_hardware(claim.hardware, m["env"].get("device_name")):
            reasons.append(f"claimed on {claim.hardware}")
        size = _size(claim.input_size)
        if size is None:
            reasons.append("the claim gives no input size")
        elif tuple(size) != tuple(m["input_size"]):
            reasons.append(f"claimed at {_fmt_size(size)}")
        if claim.batch_size and claim.batch_size != m["batch"]:
            reasons.append(f"claimed at batch {claim.batch_size}")
        if claim.precision and claim.precision != m["precision"]:
            reasons.append(f"claimed in {claim.precision}")
        if reasons:
            return v(measured, "not-comparable", "; ".join(reasons) + "; " + ours,
                     tol.describe(bound) + " when hardware and input size match")
        ok = within(claim.value, measured, bound, tol)
        return v(measured, "verified" if ok else "mismatch", ours)

    # memory (and anything new in the vocabulary): semantics vary too much to check
    mem = m.get("memory") or {}
    note = "memory claims are not verified (training vs inference, allocator, batch differ)"
    if mem.get("peak_mb") is not None:
        note += f"; ours: {mem['peak_mb']:g} MB peak ({mem.get('kind')})"
    return v(mem.get("peak_mb") / factor if mem.get("peak_mb") is not None else None,
             "unmeasured", note, "")


def verify_relative(claim: Efficiency, m: dict) -> dict:
    """A ratio claim against this run and the other model's measurements (m["relative"])."""
    q, other = claim.quantity, claim.relative_to
    tol = TOLERANCES.get(q)
    half = half_unit(claim.value)
    ctx = {"input_size": claim.input_size, "hardware": claim.hardware, "relative_to": other}

    def v(measured, verdict, note, tol_text=None):
        return _verdict(claim, q, measured, "x", verdict,
                        tol_text if tol_text is not None else (tol.describe(claim.bound) if tol else ""),
                        note, **ctx)

    rel = (m.get("relative") or {}).get(other)
    if rel is None or rel.get("reason"):
        return v(None, "unmeasured", (rel or {}).get("reason")
                 or f"{other} was not measured in this run", "")
    if q == "params":
        mine, theirs = m["params"]["total"], rel["params"]["total"]
        what = f"{rel['key']} {theirs:,} / this model {mine:,} parameters"
    elif q in ("flops", "macs"):
        size = _size(claim.input_size) or tuple(m["input_size"])
        a, b = (m["flops_by_size"].get(size), rel.get("flops_by_size", {}).get(size))
        if not a or not b:
            return v(None, "unmeasured", f"FLOPs of both models were not measured at "
                     f"{_fmt_size(size)}", "")
        mine, theirs = a["gmacs"], b["gmacs"]
        what = f"at {_fmt_size(size)}: {rel['key']} {theirs:g} / this model {mine:g} GMACs"
    elif q in ("latency", "fps"):
        a, b = m.get("latency"), rel.get("latency")
        if not a or not b:
            return v(None, "unmeasured", "latency of both models was not measured in this run "
                     "(--no-latency, or a failed run)", "")
        mine, theirs = a["median_ms"], b["median_ms"]
        what = (f"{rel['key']} {theirs:g} ms / this model {mine:g} ms median on "
                f"{m['env'].get('device_name')}, {_fmt_size(m['input_size'])}, batch {m['batch']}, "
                f"{m['precision']}")
    else:
        return v(None, "unmeasured", f"relative {q} claims are not verified", "")
    if not mine:
        return v(None, "unmeasured", f"this model measured 0 ({what})", "")
    ratio = theirs / mine  # fps: this/other throughput = other/this latency
    note = f"ratio {ratio:.3g}x: {what}"
    if q in ("latency", "fps"):  # a speed ratio depends on the hardware (ENet: GPU vs CPU)
        if not claim.hardware:
            return v(ratio, "not-comparable", "the claim names no hardware; ours: " + note,
                     tol.describe(claim.bound) + " when the hardware matches")
        if not same_hardware(claim.hardware, m["env"].get("device_name")):
            return v(ratio, "not-comparable", f"claimed on {claim.hardware}; ours: " + note,
                     tol.describe(claim.bound) + " when the hardware matches")
    ok = within(claim.value, ratio, claim.bound, tol, half)
    return v(ratio, "verified" if ok else "mismatch", note)


def verify_result(claim: Result, miou: dict | None) -> dict:
    """An accuracy claim against the `miou` record of this run (None: no accuracy run)."""
    tol = TOLERANCES["accuracy"]
    ctx = {"dataset": claim.dataset, "split": claim.split}

    def v(measured, verdict, note):
        return _verdict(claim, claim.metric, measured, "%", verdict, tol.describe(), note, **ctx)

    key = ACCURACY_KEYS.get(claim.metric)
    if miou is None:
        return v(None, "unmeasured", "no accuracy run (bench run --data DATASET=ROOT --weights PATH)")
    if key is None:
        return v(None, "unmeasured", f"the bench does not compute {claim.metric}")
    if miou.get("dataset") != claim.dataset or miou.get("split") != claim.split:
        return v(None, "unmeasured", f"this run evaluated {miou.get('dataset')} {miou.get('split')}")
    weights = miou.get("weights") or {}
    if not weights.get("path"):
        return v(miou.get(key), "unmeasured", "no --weights: a randomly initialised model "
                 "reproduces nothing")
    s = claim.setting
    scales = miou.get("scales") or [1.0]
    reasons = []
    if s.crf:
        reasons.append("the claim uses a CRF, the bench does not")
    if s.multi_scale is not None and s.multi_scale != (len(scales) > 1):
        reasons.append(f"claim multi-scale={s.multi_scale}, run scales={scales}")
    if s.flip is not None and s.flip != bool(miou.get("flip")):
        reasons.append(f"claim flip={s.flip}, run flip={bool(miou.get('flip'))}")
    measured = miou.get(key)
    if reasons:
        return v(measured, "not-comparable", "; ".join(reasons))
    if measured is None:
        return v(None, "unmeasured", f"the accuracy run did not report {key}")
    ok = within(claim.value, measured, "=", tol)
    return v(measured, "verified" if ok else "mismatch",
             f"{miou.get('protocol')} protocol, {miou.get('num_images')} images")


def unnamed_variant_verdict(v: dict, claim_model: str, key: str) -> dict:
    """A claim whose source names no variant, measured on one variant the bench builds: shown
    with what that variant would have scored, never judged as if it were the one meant."""
    was = v["verdict"]
    note = f"the source names no variant (claim on '{claim_model}'); as {key}: {was}; {v['note']}"
    return {**v, "verdict": "not-comparable" if was != "unmeasured" else was,
            "note": note, "claim_model": claim_model}


def verify_all(results: list[Result], effs: list[Efficiency], measured: dict) -> list[dict]:
    """Every claim about one model, efficiency first (the order the CLI prints)."""
    return ([verify_efficiency(e, measured) for e in effs]
            + [verify_result(r, measured.get("miou")) for r in results])
