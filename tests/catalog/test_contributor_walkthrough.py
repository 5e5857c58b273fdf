"""CONTRIBUTING.md, followed to the letter (issue 9.6), in a scratch git repository.

The commands are read from the guide's "Your first contribution, step by step" section, so the
guide and this test cannot drift apart: the documented mistake gives the documented error, the
fix adds the paper with a result, and `fmt --check`, `validate`, `conflicts` and the diff
summary all pass.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest

from catalog import REPO_ROOT
from catalog.cli import app
from catalog.fmt import format_text

GUIDE = REPO_ROOT / "CONTRIBUTING.md"
SECTION = "## Your first contribution, step by step"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _section() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start:end if end > 0 else None]


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", _section(), flags=re.S)


def _commands() -> list[str]:
    """`catalog ...` command lines of the section's bash blocks, continuations joined."""
    out = []
    for block in _blocks("bash"):
        for cmd in block.replace("\\\n", " ").splitlines():
            if cmd.strip().startswith("catalog "):
                out.append(" ".join(cmd.split()))
    return out


def _git(repo, *args):
    subprocess.run(["git", "-c", "user.name=New Contributor", "-c", "user.email=new@example.org",
                    *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path, monkeypatch, valid_text, second_text):
    """A clone-like repository: data/papers.yaml (formatted) committed on `main`."""
    (tmp_path / "data").mkdir()
    catalog = "# SegAtlas catalog (test copy)\n\n" + valid_text + "\n" + second_text
    (tmp_path / "data" / "papers.yaml").write_text(format_text(catalog), encoding="utf-8")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "data/papers.yaml")
    _git(tmp_path, "commit", "-q", "-m", "catalog")
    _git(tmp_path, "switch", "-q", "-c", "add-my-paper")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(runner, cmd: str):
    assert "data/papers.yaml" in cmd, f"the guide must name the file explicitly: {cmd}"
    return runner.invoke(app, shlex.split(cmd)[1:])


def test_the_guide_has_the_steps():
    commands = _commands()
    assert [c.split()[1] for c in commands] == ["add", "fmt", "validate", "conflicts", "diff"]
    assert "dataset=cityscapes" in commands[0]
    [expected_error] = _blocks("text")
    assert "dataset=citiscapes" in _section() and "citiscapes" in expected_error


def test_a_new_contributor_follows_the_guide(repo, runner):
    add, fmt_check, validate, conflicts, diff = _commands()
    catalog = repo / "data" / "papers.yaml"
    before = catalog.read_text(encoding="utf-8")

    # The mistake the guide describes gives exactly the error the guide shows; nothing written.
    [expected_error] = _blocks("text")
    result = _run(runner, add.replace("dataset=cityscapes", "dataset=citiscapes"))
    assert result.exit_code == 1
    assert result.stdout.startswith(expected_error), result.stdout
    assert catalog.read_text(encoding="utf-8") == before

    # Fixed: the paper goes in, with its result and efficiency claim, after the other papers.
    result = _run(runner, add)
    assert result.exit_code == 0, result.output
    assert re.match(r"data/papers\.yaml:\d+: added paper 'segformer' \(12 lines\)", result.stdout)
    after = catalog.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n") + "\n\n- id: segformer\n")

    for cmd in (fmt_check, validate, conflicts):
        result = _run(runner, cmd)
        assert result.exit_code == 0, (cmd, result.output)
    assert _run(runner, validate).stdout == ("data/papers.yaml: OK: 3 papers, 3 models, 2 results, "
                                             "2 efficiency claims, 0 errata\n")

    result = _run(runner, diff)
    assert result.exit_code == 0, result.output
    summary = result.stdout
    assert "**1 paper(s) added, 0 changed, 0 removed; numbers: 2 added, 0 changed, 0 removed.**" in summary
    assert "| segformer | segformer\\-b0 · miou · cityscapes val | 76.2 |" in summary
    assert "| segformer | segformer\\-b0 · params | 3.8 M | — | paper \\(Table 2" in summary

    # As the guide says, the same paper cannot be added twice.
    result = _run(runner, add)
    assert result.exit_code == 1
    assert "not added: a paper with id 'segformer' is already in the catalog" in result.stdout
    assert "not added: arXiv 2105.15203 is already in the catalog as 'segformer'" in result.stdout
