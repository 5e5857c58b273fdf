"""Property: any mutation of a results file is accepted or rejected with a located error
(ResultsError naming the file and a field), never another exception, never a non-finite
number accepted, and quickly. SEGATLAS_FUZZ_EXAMPLES=1000 for the full run."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.record import ResultsError, parse_results

BASE = json.loads((Path(__file__).resolve().parents[2] / "data" / "results" /
                   "fcn8s.json").read_text())

LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["134M", "NaN", "Infinity", "1e400", "\x1b[31m", "\u202e", ""]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(BASE) if p]


def _mutate(doc, path, action, value):
    doc = json.loads(json.dumps(doc))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "set":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[f"extra_{last}"] = value
    return doc


def _finite(x) -> bool:
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, dict):
        return all(_finite(v) for v in x.values())
    if isinstance(x, list):
        return all(_finite(v) for v in x)
    return True


@settings(max_examples=int(os.environ.get("SEGATLAS_FUZZ_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.sampled_from(["set", "delete", "add"]),
                          LEAVES), min_size=1, max_size=3))
def test_any_mutation_is_accepted_or_located(mutations):
    doc = BASE
    for path, action, value in mutations:
        try:
            doc = _mutate(doc, path, action, value)
        except (KeyError, IndexError, TypeError):
            continue
    text = json.dumps(doc, allow_nan=True)
    t0 = time.perf_counter()
    try:
        parsed = parse_results(text, "data/results/fcn8s.json")
    except ResultsError as e:
        msg = str(e)
        assert msg.startswith("data/results/fcn8s.json: ") and ": " in msg[26:], msg
        assert len(msg) < 2000
    else:
        assert _finite(parsed.model_dump(mode="python"))
    assert time.perf_counter() - t0 < 2


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_rejected_with_the_file_name(data):
    try:
        parse_results(data, "x.json")
    except ResultsError as e:
        assert str(e).startswith("x.json: ")
