"""Property-based tests of the loader (issue 9): mutants of a small valid catalog.

Every mutant is either accepted or rejected with located, short errors; never a traceback. An
accepted catalog holds only finite, in-range numbers that were YAML numbers in the text (no
coercion from text, booleans or YAML 1.1 forms). `SEGATLAS_FUZZ_EXAMPLES=1000` runs more.
"""

from __future__ import annotations

import importlib.util
import math
import os
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.cli import app
from catalog.load import MAX_ISSUES, collect_issues, parse_catalog, parse_yaml

_spec = importlib.util.spec_from_file_location("_catalog_conftest", Path(__file__).with_name("conftest.py"))
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)
BASE = _conftest.VALID + _conftest.SECOND
EXAMPLES = int(os.environ.get("SEGATLAS_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=5), derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.large_base_example, HealthCheck.data_too_large])

# Characters that break naive YAML handling or terminals: controls, bidi, zero-width, quotes,
# YAML indicators, non-characters, astral planes.
HOSTILE_CHARS = ["\x00", "\x1b", "\x07", "\x7f", "\x85", "\u2028", "\u202e", "\u2066", "\u200b",
                 "\ufeff", "\ufffe", "\uffff", "'", '"', "\\", ":", "#", "&", "*", "!", "|", ">",
                 "%", "@", "`", "{", "}", "[", "]", ",", "-", "?", "\t", "\r", "\n", "😀", "\U0010fffd"]
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_CHARS), st.characters()),
                        max_size=40).map("".join)

# Number tokens YAML 1.1 and 1.2 (and humans) read differently, or that are not finite.
NUMBER_TOKENS = ["yes", "no", "on", "off", "Yes", "y", "1:20", "017", "00", "0o17", "0x1F",
                 "' 42 '", '"42"', "'62.2'", ".inf", "-.inf", ".NaN", "1e400", "-1e400", "1e29",
                 "-0", "1_000", "62.2e0", "+62.2", "~", "null", "true", "[]", "{}",
                 "2015-01-01", "6.22e1", "0.0", "100.0", "100.00001", "'Infinity'", "1e-400",
                 "9" * 400, "0b101", "!!float 62.2", "!!int '7'", "&n 62.2", "*n"]

# What a value token may be replaced with, where the fixture has these numbers.
NUMBER_SITES = ["value: 62.2", "value: 134,", "year: 2015", "year: 2017"]


def _check_outcome(text: str) -> None:
    """The contract: accepted and clean, or rejected with located, bounded issues."""
    cat, where, issues = parse_catalog(text, "F")
    if cat is not None and not issues:
        _check_numbers(text)
        return
    assert issues, "rejected without an issue"
    assert len(issues) <= MAX_ISSUES + 1
    for issue in issues:
        assert issue.file == "F"
        assert issue.line >= 1, issue
        if "the file is empty" not in issue.message and "too many" not in issue.message:
            assert issue.column >= 1, issue
        assert issue.location and issue.message
        assert len(str(issue)) < 1200, str(issue)[:300]


def _check_numbers(text: str) -> None:
    """Every number the schema accepted was a finite YAML number in range, never coerced."""
    data, _, _ = parse_yaml(text, "F")
    for paper in data:
        assert type(paper["year"]) is int and 1990 <= paper["year"] <= 2100
        for r in paper.get("results") or []:
            v = r["value"]
            assert type(v) in (int, float) and math.isfinite(v) and 0 <= v <= 100, v
        for e in paper.get("efficiency") or []:
            v = e["value"]
            assert type(v) in (int, float) and math.isfinite(v) and 0 < v < 1e15, v


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(BASE.encode()) - 1), st.integers(0, 255)),
                min_size=1, max_size=6))
def test_byte_flips(flips):
    raw = bytearray(BASE.encode())
    for pos, byte in flips:
        raw[pos] = byte
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # non-UTF-8 files are read by `_read`; see test_non_utf8_through_the_file_reader
    _check_outcome(text)


@FUZZ
@given(st.integers(0, len(BASE)), st.integers(1, 80))
def test_deletions(start, length):
    _check_outcome(BASE[:start] + BASE[start + length:])


@FUZZ
@given(st.integers(0, BASE.count("\n") - 1), st.integers(1, 3))
def test_duplicated_lines(line, times):
    lines = BASE.splitlines(keepends=True)
    _check_outcome("".join(lines[:line] + [lines[line]] * (times + 1) + lines[line + 1:]))


@FUZZ
@given(st.sampled_from(["title: Fully Convolutional Networks for Semantic Segmentation",
                        "venue: CVPR 2015", "name: FCN-8s", "where: Table 3", "backbone: VGG-16",
                        "id: fcn8s", "- id: fcn", "split: test", "ref: paper"]),
       hostile_text, st.sampled_from(["plain", "single", "double", "literal"]))
def test_hostile_strings(site, value, style):
    key = site.split(": ")[0]
    if style == "plain":
        token = value
    elif style == "single":
        token = "'" + value.replace("'", "''") + "'"
    elif style == "double":
        token = '"' + value.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    else:
        token = "|-\n" + "".join("      " + line + "\n" for line in value.splitlines() or [""])
    text = BASE.replace(site, f"{key}: {token}", 1)
    _check_outcome(text)


@FUZZ
@given(st.sampled_from(NUMBER_SITES), st.sampled_from(NUMBER_TOKENS))
def test_numbers_are_never_coerced(site, token):
    key, rest = site.split(": ")
    tail = "," if rest.endswith(",") else ""
    text = BASE.replace(site, f"{key}: {token}{tail}", 1)
    if token == "*n":  # an alias to a number anchored elsewhere
        text = text.replace("value: 134,", "value: &n 134,", 1)
    _check_outcome(text)


@FUZZ
@given(st.integers(1, 3000), st.sampled_from(["[", "{a: ", "- "]))
def test_deep_nesting(depth, opener):
    closer = {"[": "]", "{a: ": "}", "- ": ""}[opener]
    if opener == "- ":
        nested = "".join("\n" + "  " * (i + 2) + "- " for i in range(depth)) + "x"
    else:
        nested = opener * depth + "x" + closer * depth
    _check_outcome(BASE.replace("venue: CVPR 2015", "venue: " + nested, 1))


@FUZZ
@given(st.integers(0, 2_000_000), st.sampled_from(["title", "venue", "where", "tags"]))
def test_huge_strings(size, site):
    big = "x" * size
    if site == "tags":
        text = BASE.replace("skip-connections]", f"skip-connections, {big}]", 1)
    else:
        old = {"title": "title: Fully Convolutional Networks for Semantic Segmentation",
               "venue": "venue: CVPR 2015", "where": "where: Table 3"}[site]
        text = BASE.replace(old, f"{old.split(':')[0]}: '{big}'", 1)
    _check_outcome(text)


@FUZZ
@given(st.sampled_from(["title: Fully Convolutional Networks for Semantic Segmentation",
                        "[{ref: paper, where: Table 3}]", "{id: fcn8s, name: FCN-8s, backbone: VGG-16}",
                        "value: 62.2"]),
       st.lists(st.sampled_from(["venue: CVPR 2015", "title: 'SegNet: A Deep",
                                 "- {id: segnet, name: SegNet}", "metric: miou", "split: test"]),
                min_size=1, max_size=5),
       st.integers(0, 2000))
def test_aliases(anchor_site, alias_sites, repeat):
    # Anchor one value, then point aliases (repeated inside a flow list) at it elsewhere.
    key, _, value = anchor_site.partition(": ")
    anchored = f"{key}: &a {value}" if value else f"&a {anchor_site}"
    text = BASE.replace(anchor_site, anchored, 1)
    aliases = "[" + ", ".join(["*a"] * max(1, repeat)) + "]"
    for site in alias_sites:
        k = site.split(":")[0].lstrip("- {")
        text = text.replace(site, f"{k}: {aliases}" if ":" in site else site, 1)
    _check_outcome(text)


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_through_the_file_reader(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("fuzz") / "papers.yaml"
    path.write_bytes(BASE.encode()[:200] + blob)
    cat, _, issues = collect_issues(path)
    assert cat is not None or issues
    for issue in issues:
        assert issue.line >= 1 and len(str(issue)) < 1200 + len(str(path))


@settings(max_examples=max(10, EXAMPLES // 4), deadline=timedelta(seconds=10), derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_through_the_cli_never_crashes(tmp_path_factory, text):
    from typer.testing import CliRunner

    path = tmp_path_factory.mktemp("cli") / "papers.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
