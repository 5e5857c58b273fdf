"""`catalog fmt`: canonical, idempotent, comments kept, data unchanged, small diffs."""

from __future__ import annotations

import difflib
import os
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import DEFAULT_CATALOG
from catalog.cli import app
from catalog.fmt import PAPER_KEY_ORDER, FormatError, format_text
from catalog.load import parse_yaml

MESSY = """\
# head comment


- title: Second Paper<SP>
  # about the id
  id: b
  year: 2020
  models:
    - {id: b1, name: B1}   # trailing comment
  # between items
    - {id: b2, name: B2}

  summary: |
    Literal text with trailing spaces<SP>
      and an indented line.

# a comment about the next paper, after a blank line
- id: a
  title: A
  year: 2019
# closing comment of a, attached
""".replace("<SP>", "   ")

FORMATTED = """\
# head comment

# about the id
- id: b
  title: Second Paper
  year: 2020
  summary: |
    Literal text with trailing spaces<SP>
      and an indented line.
  models:
  - {id: b1, name: B1}   # trailing comment
  # between items
  - {id: b2, name: B2}

# a comment about the next paper, after a blank line
- id: a
  title: A
  year: 2019
# closing comment of a, attached
""".replace("<SP>", "   ")  # trailing spaces: kept inside the block scalar only


def test_messy_file_is_made_canonical():
    assert format_text(MESSY) == FORMATTED


def test_idempotent_and_data_preserved():
    once = format_text(MESSY)
    assert format_text(once) == once
    assert parse_yaml(once)[0] == parse_yaml(MESSY)[0]


def test_crlf_bom_and_trailing_blank_lines():
    text = "\ufeff- id: a\r\n  title: A\r\n  year: 2019\r\n\r\n\r\n"
    assert format_text(text) == "- id: a\n  title: A\n  year: 2019\n"


def test_flow_papers_and_unknown_layouts_are_left_alone():
    text = "- {id: a, title: A, year: 2019}\n\n-\n  id: b\n  title: B\n  year: 2020\n"
    assert format_text(text) == text


def test_unknown_keys_keep_their_order_after_known_ones():
    text = "- zeta: 1\n  id: a\n  alpha: 2\n  title: A\n"
    assert format_text(text) == "- id: a\n  title: A\n  zeta: 1\n  alpha: 2\n"


def test_broken_yaml_is_refused_with_a_located_error():
    with pytest.raises(FormatError) as e:
        format_text("- id: a\n  title: [unclosed\n", "F")
    [issue] = e.value.issues
    assert (issue.file, issue.line) == ("F", 3) and "YAML syntax error" in issue.message


def test_keep_chomping_round_trips():
    # '|+' keeps its trailing line breaks: fmt adds or removes no blank line after one
    text = "- note: |+\n    kept\n\n  id: a\n  title: A\n- id: b\n  title: B\n  note: |+\n    x\n"
    once = format_text(text, "F")
    assert once == ("- id: a\n  title: A\n  note: |+\n    kept\n\n- id: b\n  title: B\n"
                    "  note: |+\n    x\n")
    assert parse_yaml(once)[0] == parse_yaml(text)[0] and format_text(once) == once


def test_key_order_covers_the_schema():
    from catalog.schema import Paper

    assert set(Paper.model_fields) == set(PAPER_KEY_ORDER)


@pytest.mark.skipif(not DEFAULT_CATALOG.exists(), reason="no catalog")
def test_the_real_catalog_formats_idempotently_with_a_small_diff():
    text = DEFAULT_CATALOG.read_text(encoding="utf-8")
    once = format_text(text)
    assert format_text(once) == once
    diff = difflib.unified_diff(text.splitlines(), once.splitlines(), lineterm="", n=0)
    changed = sum(1 for x in diff if x[:1] in "+-" and x[:3] not in ("+++", "---"))
    assert changed < len(text.splitlines()) // 10  # reorders a few keys; rewrites nothing


def test_cli_check_and_write(write, runner):
    path = write(MESSY)
    result = runner.invoke(app, ["fmt", "--check", str(path)])
    assert result.exit_code == 1
    assert "+- id: b" in result.stdout and path.read_text() == MESSY
    assert runner.invoke(app, ["fmt", str(path)]).exit_code == 0
    assert path.read_text() == FORMATTED
    assert runner.invoke(app, ["fmt", "--check", str(path)]).exit_code == 0


# Layout variations of one catalog: indentation of sequences, key order, blank lines, comments.
_KEYS = ["id: p{n}", "title: Paper {n}", "year: 2020", "tags: [real-time]",
         "models:\n{seq}- {{id: m{n}, name: M{n}}}\n{seq}  # on the model\n{seq}- id: m{n}b\n{seq}  name: 'B, {n}'",
         "summary: >-\n    Folded text,\n    two lines.", "note: |\n    kept\n\n     with a blank line",
         "results:\n{seq}- {{model: m{n}, dataset: camvid, split: test,\n{seq}    value: 50.5}}",
         "venue: &v CVPR 2020   # an anchor", "links: []"]


@st.composite
def _catalogs(draw):
    papers = []
    for n in range(draw(st.integers(1, 4))):
        seq = draw(st.sampled_from(["  ", "    "]))
        keys = draw(st.permutations(_KEYS))
        lines = []
        for k in keys:
            if draw(st.booleans()):
                lines.append("  # note on " + k.split(":")[0])
            lines.append("  " + k.format(n=n, seq=seq))
            if draw(st.booleans()):
                lines.append("")
        lines[lines.index(next(x for x in lines if not x.lstrip().startswith("#") and x))] = \
            "- " + next(x for x in lines if not x.lstrip().startswith("#") and x)[2:]
        papers.append("\n".join(lines))
    return "\n".join(p + "\n" * draw(st.integers(1, 3)) for p in papers)


@settings(max_examples=int(os.environ.get("SEGATLAS_FUZZ_EXAMPLES", "60")),
          deadline=timedelta(seconds=5), derandomize=True)
@given(_catalogs())
def test_formatting_is_idempotent_and_keeps_data_and_comments(text):
    data = parse_yaml(text)[0]
    once = format_text(text)
    assert format_text(once) == once
    assert parse_yaml(once)[0] == data
    assert sorted(x.strip() for x in once.splitlines() if x.strip().startswith("#")) == \
        sorted(x.strip() for x in text.splitlines() if x.strip().startswith("#"))
