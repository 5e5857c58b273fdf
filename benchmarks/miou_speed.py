"""Benchmark `bench miou` on a VOC-val-sized folder pair: 1,449 random 500x375 label PNGs.

    .venv/bin/python benchmarks/miou_speed.py [--n 1449] [--workers N]

Writes random palette-free (mode L) label maps with 21 classes + some 255 pixels to a temp dir,
then times the full command (directory scan, decoding, counting, table) via typer's runner, and
the floor on the same files: decoding every PNG pair with Pillow into numpy and nothing else.
The two are interleaved and their ratio printed (1.0 = the command costs no more than decoding).
Random noise compresses worse than real label maps, so real folders decode faster.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import typer
from PIL import Image
from typer.testing import CliRunner

from bench.miou_cmd import miou_command


def make_pairs(root: Path, n: int, size=(375, 500), num_classes: int = 21, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    (root / "pred").mkdir()
    (root / "gt").mkdir()
    for i in range(n):
        gt = rng.integers(0, num_classes, size, dtype=np.uint8)
        gt[rng.random(size) < 0.05] = 255
        noise = rng.integers(0, num_classes, size)
        pred = np.where(rng.random(size) < 0.7, gt, noise).astype(np.uint8)
        pred[pred == 255] = 0
        Image.fromarray(gt).save(root / "gt" / f"{i:06d}.png")
        Image.fromarray(pred).save(root / "pred" / f"{i:06d}.png")


def decode_floor(root: Path) -> float:
    """Seconds to decode every prediction and label PNG into numpy, nothing else."""
    t0 = time.perf_counter()
    for name in sorted(p.name for p in (root / "gt").iterdir()):
        np.asarray(Image.open(root / "pred" / name))
        np.asarray(Image.open(root / "gt" / name))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1449)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    app = typer.Typer()
    app.command("miou")(miou_command)
    app.command("noop")(lambda: None)  # keep "miou" a subcommand
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        make_pairs(root, args.n)
        print(f"generated {args.n} pairs of 500x375 PNGs in {time.perf_counter() - t0:.1f} s")
        cmd = ["miou", "--pred", str(root / "pred"), "--gt", str(root / "gt"),
               "--num-classes", "21", "--json"]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        times, floors = [], []
        for _ in range(args.repeat):  # interleaved: command, then the decode floor
            t0 = time.perf_counter()
            res = CliRunner().invoke(app, cmd)
            times.append(time.perf_counter() - t0)
            assert res.exit_code == 0, res.output
            floors.append(decode_floor(root))
        out = json.loads(res.stdout)
        print(f"bench miou on {out['num_images']} pairs ({out['num_pixels']:,} scored pixels): "
              f"best {min(times):.2f} s, runs {', '.join(f'{t:.2f}' for t in times)} s; "
              f"mIoU {out['miou']:.2f} %")
        print(f"PNG decode floor on the same files: best {min(floors):.2f} s; "
              f"command / floor = {min(times) / min(floors):.2f}")


if __name__ == "__main__":
    main()
