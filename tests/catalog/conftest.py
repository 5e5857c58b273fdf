"""Shared fixtures for the catalog tests: a small valid catalog and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

# A small valid catalog. Line numbers matter: broken variants in test_broken.py replace one
# line and assert the error names it. (Fixture numbers: FCN-8s VOC2012 test 62.2 is the FCN
# paper's Table 3 value; 67.2 the leaderboard's, both as quoted in /work/shared/DESIGN.md.)
VALID = """\
- id: fcn
  title: Fully Convolutional Networks for Semantic Segmentation
  year: 2015
  venue: CVPR 2015
  arxiv: '1411.4038'
  tags: [fcn-based, skip-connections]
  code:
    - {url: https://github.com/shelhamer/fcn.berkeleyvision.org, official: true, framework: caffe}
  models:
    - {id: fcn8s, name: FCN-8s, backbone: VGG-16}
  results:
    - model: fcn8s
      dataset: voc2012
      split: test
      metric: miou
      value: 62.2
      sources: [{ref: paper, where: Table 3}]
  efficiency:
    - {model: fcn8s, quantity: params, value: 134, unit: M, bound: "~", sources: [{ref: 000_120f5c55618baebb}]}
"""

SECOND = """\
- id: segnet
  title: 'SegNet: A Deep Convolutional Encoder-Decoder Architecture for Image Segmentation'
  year: 2017
  venue: TPAMI
  arxiv: '1511.00561'
  tags: [encoder-decoder]
  models:
    - {id: segnet, name: SegNet}
"""


@pytest.fixture
def valid_text() -> str:
    return VALID


@pytest.fixture
def second_text() -> str:
    return SECOND


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write(tmp_path: Path):
    def _write(text: str, name: str = "papers.yaml") -> Path:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p
    return _write
