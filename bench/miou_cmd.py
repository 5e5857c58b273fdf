"""`bench miou`: score a folder of predicted label PNGs against a folder of ground-truth PNGs.

Files are matched by file-name stem (searched recursively, so Cityscapes-style city subfolders
work; stems must be unique within a folder). Both sides must hold class indices in single-channel
PNGs (mode L, P or I;16) with the same convention, e.g. Cityscapes *train* ids, not labelIds.

Policy on mismatched folders:
- a ground-truth file without a prediction is an ERROR (scoring a subset silently changes the
  number), unless --allow-missing is given: then it is skipped with a warning and listed in the
  JSON output under "skipped";
- a prediction without a ground-truth file is ignored with a warning (extra outputs do not change
  the score);
- --ids FILE restricts scoring to the listed stems (e.g. VOC's val.txt when the ground-truth
  folder holds train and val labels); a listed id without ground truth is an ERROR;
- a size mismatch between a pair is an ERROR: labels are never resized.

Decoding runs in a thread pool (PIL and torch release the GIL); counting is torch.bincount.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from catalog.term import esc

# numpy, torch and the readers are imported inside the functions: `bench --help` and option
# errors must not pay for them.


def _err_print(msg: str) -> None:
    from rich.console import Console

    Console(stderr=True).print(msg, highlight=False)


class MiouInputError(Exception):
    """Unusable input folders (missing files, size mismatch, bad PNG)."""


def _index(folder: Path, what: str) -> dict[str, Path]:
    if not folder.is_dir():
        raise MiouInputError(f"{what} folder not found: {folder}")
    out: dict[str, Path] = {}
    for p in sorted(folder.rglob("*.png")):
        if p.stem in out:
            raise MiouInputError(f"{what}: file name '{p.stem}' appears twice: {out[p.stem]} "
                                 f"and {p}")
        out[p.stem] = p
    if not out:
        raise MiouInputError(f"{what} folder {folder} holds no .png files")
    return out


def _read(path: Path):
    from bench.data.base import DatasetError, read_label_png

    try:
        return read_label_png(path)
    except DatasetError as exc:  # same decoding as the dataset readers; this command's error type
        raise MiouInputError(str(exc)) from exc


def _size(path: Path) -> tuple[int, int]:
    from bench.data.base import DatasetError, image_size

    try:
        return image_size(path, "label image")
    except DatasetError as exc:
        raise MiouInputError(str(exc)) from exc


class _PixelBudget:
    """At most `limit` pixels decoded at once across the decoding threads (one pair of the
    largest allowed size, or many small ones): memory stays bounded however many threads."""

    def __init__(self, limit: int):
        self.limit, self.used = limit, 0
        self.cond = threading.Condition()

    @contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        with self.cond:
            self.cond.wait_for(lambda: self.used == 0 or self.used + pixels <= self.limit)
            self.used += pixels
        try:
            yield
        finally:
            with self.cond:
                self.used -= pixels
                self.cond.notify_all()


def score_folders(pred_dir: Path, gt_dir: Path, num_classes: int, ignore_index: int = 255,
                  allow_missing: bool = False, workers: int | None = None,
                  ids: Path | None = None):
    """Accumulate the confusion matrix of all matched pairs. Returns (matrix, info)."""
    import numpy as np
    import torch

    from bench.measure.miou import ConfusionMatrix
    preds, gts = _index(pred_dir, "--pred"), _index(gt_dir, "--gt")
    if ids is not None:  # e.g. VOC's val.txt: score only the listed ground-truth files
        if not ids.is_file():
            raise MiouInputError(f"--ids file not found: {ids}")
        from catalog.safeio import UnsafeFile, read_text

        try:
            text = read_text(ids, 64 << 20, "list of ids")
        except UnsafeFile as exc:
            raise MiouInputError(str(exc)) from None
        wanted = [ln.split()[0] for ln in text.split("\n") if ln.strip()]
        absent = [w for w in wanted if w not in gts]
        if absent:
            raise MiouInputError(f"{len(absent)} id(s) listed in {ids} have no ground-truth "
                                 f"file in {gt_dir}, e.g. {', '.join(absent[:5])}")
        gts = {w: gts[w] for w in wanted}
    missing = sorted(set(gts) - set(preds))
    extra = sorted(set(preds) - set(gts))
    if missing and not allow_missing:
        raise MiouInputError(f"{len(missing)} of {len(gts)} ground-truth file(s) have no "
                             f"prediction in {pred_dir}, e.g. {', '.join(missing[:5])} "
                             "(pass --allow-missing to skip them)")
    names = sorted(set(gts) & set(preds))
    if not names:
        raise MiouInputError(f"no file names in common between {pred_dir} and {gt_dir}")
    cm = ConfusionMatrix(num_classes, ignore_index=ignore_index)
    from bench.data.base import MAX_PIXELS

    budget = _PixelBudget(MAX_PIXELS)

    def work(name: str):
        # Both headers first: a pair whose sizes differ, or a bomb, is refused before decoding.
        (pw, ph), (gw, gh) = _size(preds[name]), _size(gts[name])
        if (pw, ph) != (gw, gh):
            raise MiouInputError(f"size mismatch for '{name}': prediction {preds[name]} is "
                                 f"{pw}x{ph}, ground truth {gts[name]} is {gw}x{gh} (WxH); "
                                 "labels are never resized")
        with budget.hold(pw * ph):
            p, g = _read(preds[name]), _read(gts[name])
            if p.shape != g.shape:
                raise MiouInputError(f"size mismatch for '{name}': prediction {preds[name]} is "
                                     f"{p.shape[1]}x{p.shape[0]}, ground truth {gts[name]} is "
                                     f"{g.shape[1]}x{g.shape[0]} (WxH); labels are never resized")
            try:
                if p.dtype != np.uint8 or g.dtype != np.uint8:  # 16-bit PNGs: general path
                    p, g = p.astype(np.int64), g.astype(np.int64)
                return cm.counts(torch.from_numpy(p), torch.from_numpy(g))
            except ValueError as exc:
                raise MiouInputError(f"{gts[name]}: {exc}") from exc

    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # parallelism comes from the pool, not from intra-op threads
    try:
        with ThreadPoolExecutor(max_workers=workers or min(16, (os.cpu_count() or 1) * 2)) as ex:
            for counts in ex.map(work, names):
                cm.add_counts(counts)
    finally:
        torch.set_num_threads(torch_threads)
    return cm, {"num_images": len(names), "skipped": missing, "extra": extra}


def _class_names(spec: str | None, n: int) -> list[str]:
    if not spec:
        return [str(i) for i in range(n)]
    from bench.data import READERS

    names = list(READERS[spec].class_names) if spec in READERS else [
        s.strip() for s in spec.split(",")]
    if len(names) != n:
        raise MiouInputError(f"--class-names gives {len(names)} names for --num-classes {n}")
    return names


def _nan_to_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def miou_command(
    pred: Annotated[Path, typer.Option("--pred", help="Folder of predicted label PNGs "
                                       "(class indices, single channel).")],
    gt: Annotated[Path, typer.Option("--gt", help="Folder of ground-truth label PNGs, matched "
                                     "to predictions by file-name stem (recursive).")],
    num_classes: Annotated[int, typer.Option("--num-classes", min=1,
                                             help="Number of classes scored (e.g. 21 for VOC).")],
    ignore_index: Annotated[int, typer.Option("--ignore-index", help="Ground-truth value that "
                                              "is not scored.")] = 255,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object (scores in "
                                           "percent) instead of a table.")] = False,
    class_names: Annotated[str | None, typer.Option(
        "--class-names", help="Comma-separated class names, or a dataset key "
        "(voc2012, cityscapes, ade20k, camvid, pascal-context).")] = None,
    allow_missing: Annotated[bool, typer.Option(
        "--allow-missing", help="Skip ground-truth files without a prediction (with a warning) "
        "instead of failing.")] = False,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Decoding threads (default: 2 x CPU cores, at most 16).")] = None,
    ids: Annotated[Path | None, typer.Option(
        "--ids", help="Score only the ground-truth files whose stems are listed in this file "
        "(one per line, e.g. VOC's ImageSets/Segmentation/val.txt).")] = None,
) -> None:
    """Score predicted label maps against ground truth: per-class IoU, mIoU, pixel accuracy."""
    from bench.measure.miou import scores_from_matrix

    try:
        names = _class_names(class_names, num_classes)
        cm, info = score_folders(pred, gt, num_classes, ignore_index, allow_missing, workers,
                                 ids)
    except (MiouInputError, KeyError) as exc:
        _err_print(f"[red]error:[/red] {esc(exc)}")
        raise typer.Exit(code=1) from None
    for what, lst in (("ground-truth file(s) without prediction skipped", info["skipped"]),
                      ("prediction(s) without (listed) ground truth ignored", info["extra"])):
        if lst:
            _err_print(f"[yellow]warning:[/yellow] {len(lst)} {what}, e.g. "
                       f"{esc(', '.join(lst[:5]))}")
    s = scores_from_matrix(cm.full, class_names=names)
    if not math.isfinite(s["miou"]):  # an undefined score is an error, never a "NaN" result
        _err_print(f"[red]error:[/red] mIoU is undefined: no pixel was scored in "
                   f"{info['num_images']} image(s) (every ground-truth pixel is the ignore "
                   f"index {ignore_index}, or no class in [0, {num_classes}) occurs)")
        raise typer.Exit(code=1)
    if json_out:
        out = {"miou": _nan_to_none(s["miou"]), "pixel_acc": _nan_to_none(s["pixel_acc"]),
               "mean_acc": _nan_to_none(s["mean_acc"]), "fwiou": _nan_to_none(s["fwiou"]),
               "per_class_iou": s["per_class_iou"], "units": "percent",
               "num_classes": num_classes, "ignore_index": ignore_index,
               "num_images": info["num_images"], "num_pixels": s["num_pixels"],
               "skipped": info["skipped"], "pred": str(pred), "gt": str(gt)}
        sys.stdout.write(json.dumps(out) + "\n")
        return
    from rich.table import Table

    table = Table(title=f"mIoU of {esc(pred)} vs {esc(gt)} ({info['num_images']} images)")
    table.add_column("class")
    table.add_column("IoU %", justify="right")
    table.add_column("acc %", justify="right")
    for nm, iou, acc in zip(names, s["iou"], s["acc"]):
        table.add_row(esc(nm), "-" if math.isnan(iou) else f"{iou:.2f}",
                      "-" if math.isnan(acc) else f"{acc:.2f}")
    table.add_section()
    table.add_row("[bold]mIoU[/bold]", f"[bold]{s['miou']:.2f}[/bold]", "")
    table.add_row("pixel acc", f"{s['pixel_acc']:.2f}", "")
    table.add_row("mean class acc", f"{s['mean_acc']:.2f}", "")
    table.add_row("fwIoU", f"{s['fwiou']:.2f}", "")
    from rich.console import Console

    Console().print(table)
    _err_print("'-' = class absent from both ground truth and prediction (left out of the mean)")
