"""Issue 20, values that are options or structure: `catalog diff` refs and shapes, `catalog add`
one-line fields, `catalog fmt` round-trips, line counting across U+2028 / NEL, and the loader's
position-free fast path (same data, same refusals as the located builder)."""

from __future__ import annotations

import importlib.util
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from catalog.cli import app
from catalog.diff import load_version
from catalog.fmt import format_text
from catalog.load import (
    CatalogError,
    _build_fast,
    _Builder,
    _Slow,
    _yaml12_breaks,
    parse_catalog,
    parse_yaml,
)
from catalog.schema import _BAD_CHARS

_spec = importlib.util.spec_from_file_location("_catalog_conftest", Path(__file__).with_name("conftest.py"))
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)
VALID = _conftest.VALID
FUZZ = settings(max_examples=40, deadline=timedelta(seconds=10), derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
BREAKS = ["\n", "\r", "\r\n", "\x85", "\u2028", "\u2029", "\x0b", "\x0c"]


# ---------------------------------------------------------------- catalog diff


def _git_repo(tmp_path: Path, text: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    (repo / "data" / "papers.yaml").write_text(text)
    for cmd in (["init", "-q"], ["add", "-A"],
                ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True, capture_output=True)
    return repo


@FUZZ
@given(ref=st.sampled_from(["--output=pwned", "-o", "--ext-diff", "-p", "--output", "-",
                            "--", "--textconv", "HEAD..HEAD", "@{-1}x", ":(glob)*",
                            "HEAD:--output=pwned", "HEAD:../../etc/passwd", "HEAD:/etc/passwd"]))
def test_a_ref_is_never_an_option(tmp_path_factory, ref):
    repo = _git_repo(tmp_path_factory.mktemp("diff"), VALID)
    with pytest.raises(CatalogError) as e:
        load_version(ref, repo=repo)
    [issue] = e.value.errors
    assert issue.file == ref and ("a revision is a branch" in issue.message
                                  or "not a path inside the repository" in issue.message)
    assert sorted(p.name for p in repo.iterdir()) == [".git", "data"]  # nothing written


def test_diff_cli_option_looking_ref_exits_1_and_writes_nothing(tmp_path, runner, monkeypatch):
    repo = _git_repo(tmp_path, VALID)
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["diff", "--", "--output=pwned", "HEAD"])
    assert result.exit_code == 1 and "a revision is a branch" in result.stdout
    assert not (repo / "pwned").exists()
    result = runner.invoke(app, ["diff", "HEAD", "data/papers.yaml"])
    assert result.exit_code == 0 and "No papers, models or numbers changed." in result.stdout


@pytest.mark.parametrize("head, line, where, message", [
    ("- id: fcn\n  title: T\n  models: {id: x}\n", 3, "fcn.models", "'models' must be a list, not a mapping"),
    ("- id: fcn\n  title: T\n  models: [{id: [1]}]\n", 3, "fcn.models[0].id", "a model id must be text, not a list"),
    ("- id: fcn\n  title: T\n  models: [{id: 7}]\n", 3, "fcn.models[0].id", "a model id must be text, not a number"),
    ("- id: 12\n  title: T\n", 1, "[0].id", "the paper's id must be text, not a number"),
    ("- [1, 2]\n", 1, "[0]", "a paper must be a mapping"),
    ("- id: fcn\n  results: 5\n", 2, "fcn.results", "'results' must be a list, not a number"),
    ("- id: fcn\n  efficiency: [1]\n", 2, "fcn.efficiency[0]", "each of 'efficiency' must be a mapping"),
    ("papers: []\n", 1, "<root>", "the top level must be a list of papers, not a mapping"),
])
def test_a_structural_surprise_is_a_located_error(tmp_path, runner, head, line, where, message):
    base, new = tmp_path / "base.yaml", tmp_path / "head.yaml"
    base.write_text(VALID)
    new.write_text(head)
    result = runner.invoke(app, ["diff", str(base), str(new)])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{new}:{line}:") and f" {where}: " in first and message in first


_shapes = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.sampled_from(["id", "models", "results", "efficiency",
                                                          "title", "value", "model"]), inner,
                                         max_size=4), max_leaves=12)


@FUZZ
@given(head=st.lists(_shapes, max_size=4))
def test_diff_never_crashes_on_any_structure(tmp_path_factory, head):
    import json

    tmp = tmp_path_factory.mktemp("shapes")
    base, new = tmp / "base.yaml", tmp / "head.yaml"
    base.write_text(VALID)
    new.write_text(json.dumps(head))  # JSON is YAML
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["diff", str(base), str(new)])
    assert result.exit_code in (0, 1) and (result.exception is None or isinstance(result.exception, SystemExit))


# ---------------------------------------------------------------- catalog add


@FUZZ
@given(option=st.sampled_from(["--title", "--venue", "--short-name", "--author", "--tag"]),
       before=st.text(st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=8),
       brk=st.sampled_from(BREAKS), after=st.sampled_from(["  year: 1999", "- id: evil", "x"]))
def test_a_line_break_in_a_one_line_field_is_refused(tmp_path_factory, option, before, brk, after):
    from typer.testing import CliRunner

    path = tmp_path_factory.mktemp("add") / "papers.yaml"
    path.write_text(VALID)
    args = ["add", "--catalog", str(path), "--id", "newpaper", "--title", "New", "--year", "2020",
            "--metadata-source", "ref=arxiv url=https://arxiv.org/abs/1234.5678"]
    value = before + brk + after
    if option == "--title":
        args[args.index("--title") + 1] = value
    else:
        args += [option, value]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{option}: a line break (U+")
    assert path.read_text() == VALID  # nothing written


@FUZZ
@given(summary=st.lists(st.one_of(st.sampled_from(BREAKS + ["'", '"', "\\", ": ", "# ", "- ", "\u00a0"]),
                                  st.text(st.characters(codec="utf-8", categories=["L", "N", "Zs"]),
                                          max_size=6)), min_size=1, max_size=8).map("".join))
def test_a_multi_line_summary_is_added_exactly_and_stays_formatted(tmp_path_factory, summary):
    from typer.testing import CliRunner

    summary = summary.strip()
    assume(summary and "\r" not in summary and "\x0b" not in summary and "\x0c" not in summary)
    path = tmp_path_factory.mktemp("add") / "papers.yaml"
    path.write_text(format_text(VALID))
    result = CliRunner().invoke(app, ["add", "--catalog", str(path), "--id", "newpaper",
                                      "--title", "New", "--year", "2020", "--summary", summary])
    if result.exit_code == 1:  # refused by the schema (e.g. a control character): said so
        assert "not added" in result.stdout and path.read_text() == format_text(VALID)
        return
    assert result.exit_code == 0, result.stdout
    cat, _, issues = parse_catalog(path.read_text(), str(path))
    assert not issues and cat.paper("newpaper").summary == summary.strip()
    assert CliRunner().invoke(app, ["fmt", "--check", str(path)]).exit_code == 0


# ---------------------------------------------------------------- catalog fmt


_VALUES = ["Plain", "'single, quoted'", '"double \\u00e9"', "\"two\n\n    paragraphs\"",
           "ends with nbsp\u00a0", "'ls\u2028inside'", "'nel\x85inside'", ">-\n    folded\n    text",
           "|+\n    kept\n", "|\n    literal\n\n    two", "plain\n    continued"]
_COMMENTS = ["# plain", "# ls\u2028inside", "# nel\x85 inside", "# nbsp\u00a0"]


@st.composite
def _catalogs(draw):
    papers = []
    for n in range(draw(st.integers(1, 3))):
        keys = [f"id: p{n}", f"title: Paper {n}", "year: 2020",
                f"summary: {draw(st.sampled_from(_VALUES))}",
                f"venue: {draw(st.sampled_from(_VALUES))}"]
        if draw(st.booleans()):  # an anchor and an alias in one paper
            keys[1] = f"title: &t{n} Paper {n}"
            keys.append(f"short_name: *t{n}")
        keys = draw(st.permutations(keys))
        lines = []
        for k in keys:
            if draw(st.booleans()):
                lines.append("  " + draw(st.sampled_from(_COMMENTS)))
            lines.append("  " + k)
        first = next(i for i, x in enumerate(lines) if not x.lstrip().startswith("#"))
        lines[first] = "- " + lines[first][2:]
        papers.append("\n".join(lines) + "\n")
    text = "\n".join(papers)
    if draw(st.booleans()):
        text = "---\n" + text
    if draw(st.booleans()):
        text += "...\n" + ("# after the end\n" if draw(st.booleans()) else "")
    return text


@settings(max_examples=80, deadline=timedelta(seconds=10), derandomize=True)
@given(_catalogs())
def test_fmt_round_trips_every_catalog_that_loads(text):
    data, _, issues = parse_yaml(text)
    assume(not issues)
    once = format_text(text)  # never "formatting would change the data"
    assert parse_yaml(once)[0] == data
    assert format_text(once) == once
    assert sorted(x.strip(" \t") for x in once.split("\n") if x.lstrip(" \t").startswith("#")) == \
        sorted(x.strip(" \t") for x in text.split("\n") if x.lstrip(" \t").startswith("#"))


def test_fmt_cases_named_in_the_issue():
    for text in ["- id: a\n  title: T\u00a0\n  year: 2015\n",            # nbsp at a line end
                 "- title: &t a\n  id: *t\n  year: 2015\n",               # alias key order
                 "- year: 2015\n  id: a\n  title: \"x\n\n    y\"\n",       # quoted paragraphs
                 "- year: 2015\n  id: a\n  title: T\n...\n"]:              # document end marker
        once = format_text(text)
        assert parse_yaml(once)[0] == parse_yaml(text)[0] and format_text(once) == once


# ---------------------------------------------------------------- line counting


@FUZZ
@given(sep=st.sampled_from(["\u2028", "\x85", "\u2029"]), n=st.integers(1, 4),
       where=st.sampled_from(["comment", "value"]))
def test_locations_count_lines_as_yaml_does(sep, n, where):
    extra = "  # note" + sep * n + "more: words\n" if where == "comment" else \
        f"  venue: 'CVPR{sep * n}2015'\n"
    text = VALID.replace("  venue: CVPR 2015\n", extra)
    cat, _, issues = parse_catalog(text, "F")
    if where == "comment":  # a comment goes on past the separator: still a valid file
        assert not issues
    else:
        assert not issues and sep in cat.papers[0].venue
    broken = text.replace("year: 2015", "year: 1899")  # an error after the separators
    line = broken.split("\n").index("  year: 1899") + 1
    _, _, issues = parse_catalog(broken, "F")
    assert [(i.line, i.location) for i in issues] == [(line, "fcn.year")]


# ---------------------------------------------------------------- the fast path


_yamlish = st.lists(st.sampled_from(["- ", "id: ", "a", "1", "017", "yes", "'q'", '"\\x1b"', ": ",
                                     "\n", "  ", "{", "}", "[", "]", ", ", "&x ", "*x", "!!str ",
                                     "!t ", "<<: ", "# c", "---\n", "...\n", "\u202e", "\u2028",
                                     "1e400", ".inf", "~", "a: 1\na: 2\n", "? "]),
                    max_size=30).map("".join)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_yamlish)
def test_the_fast_path_builds_what_the_located_builder_builds(text):
    lib_text, restore = _yaml12_breaks(text)
    try:
        fast = _build_fast(lib_text, restore, _BAD_CHARS.search(lib_text) is not None)
    except _Slow:
        return
    except Exception:  # a YAML error: the located builder reports it
        return
    builder = _Builder(text, "F")
    assert builder.build() == fast
    assert not builder.problems and not builder.text_problems
