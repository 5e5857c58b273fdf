"""`catalog diff BASE HEAD`: the reviewer's Markdown summary of a change to the catalog."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from catalog.cli import app
from catalog.diff import diff_catalogs, md, to_markdown
from catalog.load import parse_yaml


def _diff(base: str, head: str) -> str:
    old, ow, _ = parse_yaml(base, "base")
    new, nw, _ = parse_yaml(head, "head")
    return to_markdown(diff_catalogs(old, new, ow, nw, "base", "head"), "head")


def test_no_change(valid_text):
    assert _diff(valid_text, valid_text).endswith("No papers, models or numbers changed.\n")


def test_changed_added_and_removed_numbers(valid_text, second_text):
    head = (valid_text.replace("value: 62.2", "value: 62.3")
            .replace("sources: [{ref: paper, where: Table 3}]",
                     "sources: [{ref: paper, where: Table 3 (v2)}]")
            .replace("  efficiency:\n", "  efficiency:\n    - {model: fcn8s, quantity: latency, "
                                        "value: 175, unit: ms, sources: [{ref: paper, where: T5}]}\n")
            .replace("venue: CVPR 2015", "venue: CVPR 2016"))
    out = _diff(valid_text + second_text, head)
    assert "**0 paper(s) added, 1 changed, 1 removed; numbers: 1 added, 1 changed, 0 removed.**" in out
    assert ("| fcn | fcn8s · miou · voc2012 test (changed) | 62.2 | 62.3 | — | paper \\(Table 3 "
            "\\(v2\\)\\) | 16 |") in out
    assert "| fcn | fcn8s · latency (added) | — | 175 ms | — | paper \\(T5\\) | 19 |" in out
    assert "- **fcn** venue: CVPR 2015 → CVPR 2016" in out
    assert "### Papers removed\n\n- **segnet**: SegNet: A Deep Convolutional" in out


def test_added_paper_lists_every_number(valid_text, second_text):
    out = _diff(second_text, second_text + "\n" + valid_text)
    assert "- **fcn**: Fully Convolutional Networks for Semantic Segmentation (2015), 1 model(s); head line 10" in out
    assert "| fcn | fcn8s · miou · voc2012 test | 62.2 | — | paper \\(Table 3\\) |" in out
    assert "| fcn | fcn8s · params | \\~ 134 M | — | 000\\_120f5c55618baebb |" in out


def test_two_sources_with_different_values_pair_up(valid_text):
    two = valid_text.replace("      sources: [{ref: paper, where: Table 3}]\n",
                             "      sources: [{ref: paper, where: Table 3}]\n"
                             "    - {model: fcn8s, dataset: voc2012, split: test, value: 67.2, "
                             "sources: [{ref: paper, where: leaderboard}]}\n")
    out = _diff(two, two.replace("value: 67.2", "value: 67.3"))
    assert "| 67.2 | 67.3 |" in out and "| 62.2 |" not in out


def test_untrusted_text_is_escaped_and_cut():
    assert md("<script>alert(1)</script>") == "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"
    assert md("a | b\nc") == "a \\| b c"
    assert md("[x](javascript:alert(1))") == "\\[x\\]\\(javascript:alert\\(1\\)\\)"
    assert md("\u202eevil\x1b") == "\\\\u202eevil\\\\u001b"  # shown as \u202e, not applied
    assert md("x" * 500).endswith("… (500 chars)") and len(md("x" * 500)) < 150


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_cli_with_git_revisions(valid_text, second_text, tmp_path, monkeypatch, runner):
    data = tmp_path / "data"
    data.mkdir()
    (data / "papers.yaml").write_text(valid_text)

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                       cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    (data / "papers.yaml").write_text(valid_text + second_text)
    git("commit", "-qam", "two")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["diff", "HEAD~1", "HEAD"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("## Catalog changes: HEAD\\~1:data/papers.yaml → HEAD:data/papers.yaml")
    assert "- **segnet**: SegNet" in result.stdout
    result = runner.invoke(app, ["diff", "HEAD~1:data/papers.yaml", "data/papers.yaml"])
    assert "- **segnet**: SegNet" in result.stdout
    result = runner.invoke(app, ["diff", "no-such-rev", "HEAD"])
    assert result.exit_code == 1
    assert result.stdout.startswith("no-such-rev:0: <file>: neither a file nor a git revision")


def test_cli_reports_broken_head(valid_text, write, runner):
    base = write(valid_text, "base.yaml")
    head = write("- id: [broken\n", "head.yaml")
    result = runner.invoke(app, ["diff", str(base), str(head)])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{head}:2:1: yaml: YAML syntax error")


def test_summary_stays_small_for_huge_changes():
    papers = "".join(f"- id: p{i}\n  title: P{i}\n  year: 2020\n  models: [{{id: m{i}, name: M}}]\n"
                     f"  results: [{{model: m{i}, dataset: camvid, split: test, value: 50, "
                     f"sources: [{{ref: paper, where: T1}}]}}]\n" for i in range(5000))
    out = _diff("[]\n", papers)
    assert "… and 4,700 more row(s): run `catalog diff` locally for all." in out
    assert len(out.encode()) < 200_000
