"""Catalog at scale: `catalog validate` and `catalog export` at 100 / 1,000 / 10,000 papers.

    .venv/bin/python benchmarks/catalog_scale.py [--sizes 100,1000,10000] [--repeat 3]
                                                 [--json benchmarks/catalog_scale.json]

Synthetic catalogs are cloned from the real `data/papers.yaml`, paper by paper and in its own
YAML style (same results, claims, comments and notes per paper): round 0 is the real catalog,
round r renames every paper and model id with the suffix `-r<r>`, makes titles and arXiv ids
unique and keeps references between models inside the round. They are written to a temporary
folder and deleted afterwards; they are benchmark data, never committed and never test data.

Each command runs as its own process (`python -m catalog ...`, as a user runs it), sizes
interleaved round by round, and the median of `--repeat` runs is reported. The growth
exponent between two sizes is log(t2 / t1) / log(n2 / n1) (1.0 = linear). Results are printed
as a table and written as JSON.

Reuse: `write_synthetic_catalog(path, n_papers)` (or `catalog_scale.py --write PATH N`) writes
one synthetic catalog (the site build benchmark can use it with `SEGATLAS_CATALOG`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from catalog import DEFAULT_CATALOG  # noqa: E402

_PAPER_START = re.compile(r"(?m)^(?=- )")
_REF_KEYS = r"(?:id|model|relative_to)"


def _blocks(text: str) -> tuple[str, list[str]]:
    """The file's head (comments) and one text block per paper (with its trailing comments)."""
    parts = _PAPER_START.split(text)
    return parts[0], parts[1:]


def synthetic_catalog_text(n_papers: int, source: Path | str = DEFAULT_CATALOG) -> str:
    """A catalog of `n_papers` papers cloned from `source` (see the module docstring)."""
    from catalog.load import load_data

    text = Path(source).read_text(encoding="utf-8")
    head, blocks = _blocks(text)
    data, _ = load_data(source)
    if len(blocks) != len(data):
        raise ValueError(f"{source}: {len(blocks)} text blocks for {len(data)} papers; every "
                         "paper must start with '- ' in column 1")
    owner: dict[str, int] = {}  # model id -> index of the paper declaring it
    for i, paper in enumerate(data):
        for m in paper.get("models") or []:
            owner[m["id"]] = i
    n_real = len(blocks)
    out = [head]
    for k in range(n_papers):
        r, i = divmod(k, n_real)
        block = blocks[i]
        if r == 0 and n_papers >= n_real:
            out.append(block)
            continue
        paper = data[i]
        in_round = min(n_real, n_papers - r * n_real)  # papers 0..in_round-1 exist in round r

        def rename(m: re.Match, r: int = r, in_round: int = in_round, pid: str = paper["id"]) -> str:
            ident = m.group(2)
            if ident == pid or ident in owner and owner[ident] < in_round:
                return f"{m.group(1)}{ident}-r{r}" if r else m.group(0)
            return m.group(0)

        lines = []
        for line in block.splitlines(keepends=True):
            target = re.search(r"relative_to: ['\"]?([a-z0-9-]+)", line)
            if target and owner.get(target.group(1), n_real) >= in_round:
                continue  # the model it is relative to is not in this (partial) round
            lines.append(re.sub(rf"(\b{_REF_KEYS}: ['\"]?)([a-z0-9-]+)(?=['\"]?[,}}\s])", rename,
                                line))
        block = "".join(lines)
        if r:
            block = re.sub(r"(?m)^(  title: )(['\"]?)(.*?)\2$",
                           lambda m, r=r: f"{m.group(1)}{m.group(2)}{m.group(3)} (copy {r})"
                                          f"{m.group(2)}", block, count=1)
            arxiv = paper.get("arxiv")
            if arxiv:
                fake = f"{90 + r // 100000:02d}{(r % 12) + 1:02d}.{(r * 1000 + i) % 100000:05d}"
                block = block.replace(arxiv, fake)
        out.append(block)
    return "".join(out)


def write_synthetic_catalog(path: Path | str, n_papers: int,
                            source: Path | str = DEFAULT_CATALOG) -> Path:
    """Write a synthetic catalog of `n_papers` papers to `path`; returns the path."""
    path = Path(path)
    path.write_text(synthetic_catalog_text(n_papers, source), encoding="utf-8")
    return path


def _time(cmd: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one process; CPU time is steadier on a shared machine."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            out.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n"
                               f"{out.read()[-4000:].decode('utf-8', 'replace')}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(time) over log(papers)."""
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=REPO / "benchmarks" / "catalog_scale.json",
                    help="where to write the results [default: %(default)s]")
    ap.add_argument("--write", nargs=2, metavar=("PATH", "PAPERS"),
                    help="only write one synthetic catalog of PAPERS papers to PATH")
    args = ap.parse_args()
    if args.write:
        write_synthetic_catalog(args.write[0], int(args.write[1]))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    py = sys.executable
    commands = {
        "validate": lambda p, d: [py, "-m", "catalog", "validate", str(p)],
        "export": lambda p, d: [py, "-m", "catalog", "export", "--table", "results",
                                "--format", "csv", "-o", str(d / "results.csv"), str(p)],
    }
    runs: dict[str, dict[int, list[tuple[float, float, float]]]] = {
        c: {n: [] for n in sizes} for c in commands}
    with tempfile.TemporaryDirectory(prefix="segatlas-scale-") as tmp:
        tmpdir = Path(tmp)
        files = {}
        for n in sizes:  # in a child process, so this one stays small (RSS is inherited)
            files[n] = tmpdir / f"papers-{n}.yaml"
            subprocess.run([py, __file__, "--write", str(files[n]), str(n)], check=True)
            print(f"synthetic catalog: {n:,} papers, {files[n].stat().st_size / 1e6:.1f} MB",
                  file=sys.stderr)
        for rep in range(args.repeat):
            for n in sizes:  # interleaved, so drift in load hits every size alike
                for name, cmd in commands.items():
                    runs[name][n].append(_time(cmd(files[n], tmpdir)))
            print(f"round {rep + 1}/{args.repeat} done", file=sys.stderr)
        sizes_mb = {n: files[n].stat().st_size / 1e6 for n in sizes}

    def med(name: str, n: int, k: int) -> float:
        return statistics.median(r[k] for r in runs[name][n])

    wall = {c: {n: med(c, n, 0) for n in sizes} for c in commands}
    cpu = {c: {n: med(c, n, 1) for n in sizes} for c in commands}
    rss = {c: {n: max(r[2] for r in runs[c][n]) for n in sizes} for c in commands}
    exponents = {c: _exponent(sorted(m.items())) for c, m in wall.items()}
    print("| papers | MB | " + " | ".join(f"`catalog {c}` wall (CPU), peak RSS" for c in commands)
          + " |")
    print("|" + "---|" * (2 + len(commands)))
    for n in sizes:
        cells = " | ".join(f"{wall[c][n]:.2f} s ({cpu[c][n]:.2f} s), {rss[c][n]:.0f} MB"
                           for c in commands)
        print(f"| {n:,} | {sizes_mb[n]:.1f} | {cells} |")
    print("| growth exponent (wall) | | " + " | ".join(
        f"{exponents[c]:.2f}" if exponents[c] is not None else "-" for c in commands) + " |")
    result = {
        "benchmark": "catalog_scale",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_average": os.getloadavg()},
        "method": f"each command a fresh process; median of {args.repeat} interleaved runs; "
                  "export = --table results --format csv; CPU = user + sys of the process",
        "sizes": sizes, "file_mb": sizes_mb,
        "wall_s": {c: {str(n): round(v, 3) for n, v in m.items()} for c, m in wall.items()},
        "cpu_s": {c: {str(n): round(v, 3) for n, v in m.items()} for c, m in cpu.items()},
        "peak_rss_mb": {c: {str(n): round(v, 1) for n, v in m.items()} for c, m in rss.items()},
        "runs": {c: {str(n): [[round(x, 3) for x in r] for r in rs] for n, rs in by.items()}
                 for c, by in runs.items()},
        "growth_exponent": {c: (round(e, 3) if e is not None else None)
                            for c, e in exponents.items()},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
