"""`bench run --weights` checks the file against the catalog's sha256 for a published checkpoint."""

from __future__ import annotations

import json

import torch
from typer.testing import CliRunner

from bench.cli import app
from bench.models import build
from bench.weights import sha256sum

runner = CliRunner()
KEY = "tv-lraspp-mobilenet-v3-large"
PUBLISHED = "lraspp_mobilenet_v3_large-d234d4ea.pth"  # the file name torchvision publishes
CATALOG = f"""\
- id: mobilenetv3
  title: Searching for MobileNetV3
  year: 2019
  models:
    - id: {KEY}
      name: LR-ASPP MobileNetV3-Large (torchvision)
      implementation: torchvision
      weights: [{{url: 'https://download.pytorch.org/models/{PUBLISHED}', sha256: d234d4ea, sources: [{{ref: torchvision}}]}}]
"""


def _args(tmp_path, weights, *extra):
    cat = tmp_path / "papers.yaml"
    cat.write_text(CATALOG)
    return ["run", KEY, "--input", "64x64", "--no-latency", "--no-fvcore", "--json",
            "--catalog", str(cat), "--weights", str(weights), *extra]


def test_catalog_sha256_rejects_a_different_file_with_the_published_name(tmp_path):
    fake = tmp_path / PUBLISHED
    torch.save(build(KEY).state_dict(), fake)  # random weights: not the published file
    result = runner.invoke(app, _args(tmp_path, fake))
    assert result.exit_code == 2 and result.stdout == ""  # refused before the model is built
    assert "sha256 mismatch: expected d234d4ea" in result.stderr
    assert "(batch" not in result.stderr  # no irrelevant context


def test_explicit_sha256_accepts_the_file(tmp_path):
    ours = tmp_path / "mine.pth"
    torch.save(build(KEY).state_dict(), ours)
    result = runner.invoke(app, _args(tmp_path, ours, "--sha256", sha256sum(ours)[:12]))
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["error"] is None
    assert record["weights"]["sha256"] == sha256sum(ours)
    assert (record["weights"]["missing"], record["weights"]["unexpected"]) == ([], [])
