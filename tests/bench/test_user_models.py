"""`bench run --module FILE.py:FACTORY`, `--hf-config`, `--claims`: a model the registry does
not know, measured and judged exactly as a registered one."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.record import load_results

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TINY = FIXTURES / "tiny.py"
CLAIMS = FIXTURES / "tiny_claims.yaml"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_module_exact_params_and_flops():
    r = invoke("run", "--module", f"{TINY}:build", "--json", "--input", "64x64", "--no-latency")
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["params"]["total"] == 260  # 3*8*9 + 8 + 8*4 + 4
    assert rec["num_classes"] == 4 and rec["model"] == "tiny" and rec["paper"] == "unregistered"
    assert rec["flops"]["gmacs"] == pytest.approx(64 * 64 * 248 / 1e9, rel=1e-12)
    assert rec["source"] == {"kind": "module", "path": str(TINY), "factory": "build",
                             "sha256": hashlib.sha256(TINY.read_bytes()).hexdigest(),
                             "claims": None, "claims_sha256": None}


def test_claims_file_verdicts_and_save(tmp_path):
    r = invoke("run", "--module", f"{TINY}:build", "--claims", str(CLAIMS), "--json",
               "--no-latency", "--save", "--results-dir", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)
    assert (rec["model"], rec["paper"], rec["catalog_model"]) == ("tiny-net", "tiny-net", "tiny-net")
    got = [(v["quantity"], v["claimed"], v["verdict"]) for v in rec["verdicts"]]
    assert got == [("params", 260.0, "verified"), ("params", 0.3, "mismatch"),
                   ("macs", 0.016, "verified"),   # 256*256*248 = 16.25 M MACs
                   ("flops", 0.016, "unit")]      # the same figure as FLOPs: the MAC convention
    assert rec["source"]["claims_sha256"] == hashlib.sha256(CLAIMS.read_bytes()).hexdigest()
    saved = load_results(tmp_path / "tiny-net.json")  # a contributable, valid record
    assert saved.runs[0].run_id == rec["run_id"] and saved.runs[0].source.kind == "module"


def test_class_count_from_a_forward_pass():
    r = invoke("run", "--module", f"{TINY}:no_classes", "--json", "--input", "32x32", "--no-latency")
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["num_classes"] == 5 and rec["params"]["total"] == 3 * 5 + 5 and rec["model"] == "no-classes"


@pytest.mark.parametrize("args, message", [
    (["--module", f"{TINY}:not_a_module"], "returned int, not a torch.nn.Module"),
    (["--module", f"{TINY}:absent"], "has no function 'absent'"),
    (["--module", "tiny.py"], "is not path/file.py:factory"),
    (["--module", f"{TINY}:no_classes", "--num-classes", "3"], "takes no num_classes argument"),
    (["--module", f"{TINY}:build", "--reference"], "--reference is for registered models"),
    (["--module", f"{TINY}:build", "--name", "Bad Name"], "is not an id"),
    (["enet", "--module", f"{TINY}:build"], "give one MODEL, --all, --module"),
])
def test_usage_errors(args, message):
    r = invoke("run", *args, "--no-latency")
    assert r.exit_code == 2 and message in r.stderr, r.stderr


def test_bad_claims_file_names_the_line(tmp_path):
    bad = tmp_path / "claims.yaml"
    bad.write_text(CLAIMS.read_text().replace("value: 260,", "value: '260',"))
    r = invoke("run", "--module", f"{TINY}:build", "--claims", str(bad), "--no-latency")
    assert r.exit_code == 2 and f"{bad}:" in r.stderr and "line" not in r.stdout


def test_hf_config_random_weights(tmp_path):
    from transformers import SegformerConfig, SegformerForSemanticSegmentation

    cfg = {"model_type": "segformer", "hidden_sizes": [8, 16, 24, 32], "depths": [1, 1, 1, 1],
           "num_attention_heads": [1, 1, 1, 1], "decoder_hidden_size": 16, "num_labels": 3}
    path = tmp_path / "tiny-segformer.json"
    path.write_text(json.dumps(cfg))
    r = invoke("run", "--hf-config", str(path), "--json", "--input", "64x64", "--no-latency")
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)
    peer = SegformerForSemanticSegmentation(SegformerConfig(**{k: v for k, v in cfg.items() if k != "model_type"}))
    assert rec["params"]["total"] == sum(p.numel() for p in peer.parameters())
    assert rec["model"] == "tiny-segformer" and rec["num_classes"] == 3
    assert rec["source"]["kind"] == "hf-config"


def test_hf_config_refuses_what_it_cannot_build(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "bert"}))
    r = invoke("run", "--hf-config", str(path), "--no-latency")
    assert r.exit_code == 2 and "not a transformers semantic segmentation model" in r.stderr


def test_flops_at_each_results_evaluation_size(tmp_path):
    claims = tmp_path / "claims.yaml"
    claims.write_text(CLAIMS.read_text() + """\
  results:
    - {model: tiny-net, dataset: cityscapes, split: val, value: 70.1, setting: {input_size: 96x128}, sources: [{ref: paper, where: "Table 4"}]}
""")
    r = invoke("run", "--module", f"{TINY}:build", "--claims", str(claims), "--json",
               "--input", "64x64", "--no-latency")
    assert r.exit_code == 0, r.stderr
    at = {tuple(f["input_size"]): f for f in json.loads(r.stdout)["flops_at"]}
    assert at[(96, 128)]["eval_datasets"] == ["cityscapes"]
    assert at[(96, 128)]["gmacs"] == pytest.approx(96 * 128 * 248 / 1e9, rel=1e-12)
    assert at[(1024, 2048)]["datasets"] == ["cityscapes"]  # the canonical size, as before
    assert at[(64, 64)]["model_default"] is True
