"""`catalog validate` against merely scanning the same file with libyaml's C parser.

    .venv/bin/python benchmarks/validate_vs_scan.py [--papers 10000] [--repeat 5]
                                                     [--json benchmarks/validate_vs_scan.json]

The synthetic catalog is the one `catalog_scale.py` writes (cloned from data/papers.yaml, in
a temporary folder, deleted afterwards). Three commands run as fresh processes, in turn:

- events: read the file and drain libyaml's C parser (`yaml._yaml.CParser(text).get_event`
  until the end of the stream): every event built, nothing else done; the floor of a loader
  built on libyaml's parser, and the "scan" of issue 20 (its "today 2.7x" is against this);
- tokens: the same with the scanner's tokens (`get_token`), for comparison;
- validate: `python -m catalog validate FILE`, as a user runs it (YAML safety, schema, every
  cross-entry check).

Reported: the medians of CPU time (user + sys, steadier than wall time on a shared machine)
and of wall time, and the ratios validate / events and validate / tokens. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from catalog_scale import _time  # noqa: E402  (wall s, CPU s, peak RSS MB of one process)

DRAIN = """\
import sys
from yaml._yaml import CParser
with open(sys.argv[1], encoding="utf-8") as f:
    text = f.read()
get = CParser(text).get_{what}
n = 0
while (item := get()) is not None and type(item).__name__ != "StreamEndEvent":
    n += 1
print(n, "{what}s")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path, default=REPO / "benchmarks" / "validate_vs_scan.json")
    ap.add_argument("--file", type=Path, help="an existing synthetic catalog to time instead "
                                               "of writing one (e.g. one an older checkout wrote)")
    ap.add_argument("--before", type=Path, metavar="CHECKOUT",
                    help="also time `catalog validate` of another checkout (e.g. an older commit "
                         "unpacked with git archive), on the same file, in the same rounds")
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="segatlas-scan-") as tmp:
        path = args.file or Path(tmp) / f"papers-{args.papers}.yaml"
        if args.file is None:
            subprocess.run([py, str(REPO / "benchmarks" / "catalog_scale.py"), "--write",
                            str(path), str(args.papers)], check=True)
        mb = path.stat().st_size / 1e6
        commands = {"events": [py, "-c", DRAIN.format(what="event"), str(path)],
                    "tokens": [py, "-c", DRAIN.format(what="token"), str(path)],
                    "validate": [py, "-m", "catalog", "validate", str(path)]}
        if args.before:
            code = (f"import sys; sys.path.insert(0, {str(args.before.resolve())!r}); "
                    "sys.argv = ['catalog', 'validate', sys.argv[1]]; "
                    "from catalog.cli import app; app(prog_name='catalog')")
            commands["before"] = [py, "-c", code, str(path)]
        runs: dict[str, list[tuple[float, float, float]]] = {c: [] for c in commands}
        for rep in range(args.repeat):
            order = list(commands) if rep % 2 == 0 else list(reversed(commands))
            for name in order:  # alternating, so drift in load hits all alike
                runs[name].append(_time(commands[name]))
            print(f"round {rep + 1}/{args.repeat}: " + ", ".join(
                f"{c} {runs[c][-1][1]:.2f} s CPU" for c in commands), file=sys.stderr)
    wall = {c: statistics.median(r[0] for r in rs) for c, rs in runs.items()}
    cpu = {c: statistics.median(r[1] for r in rs) for c, rs in runs.items()}
    rss = {c: max(r[2] for r in rs) for c, rs in runs.items()}
    ratio = {f"{cmd} / {base}": {"cpu": cpu[cmd] / cpu[base], "wall": wall[cmd] / wall[base]}
             for cmd in ("validate", "before") if cmd in cpu for base in ("events", "tokens")}
    print(f"| {args.papers:,} papers, {mb:.1f} MB | CPU (median of {args.repeat}) | wall | "
          "peak RSS |")
    print("|---|---|---|---|")
    for c in commands:
        print(f"| {c} | {cpu[c]:.2f} s | {wall[c]:.2f} s | {rss[c]:.0f} MB |")
    for name, r in ratio.items():
        print(f"| ratio {name} | {r['cpu']:.2f} | {r['wall']:.2f} | |")
    result = {
        "benchmark": "validate_vs_scan",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "load_average": os.getloadavg()},
        "method": "fresh processes, in turn; events / tokens = drain CParser.get_event / "
                  "get_token over the file's text; validate = python -m catalog validate; "
                  "CPU = user + sys",
        "papers": args.papers, "file_mb": round(mb, 2),
        "cpu_s": {c: round(v, 3) for c, v in cpu.items()},
        "wall_s": {c: round(v, 3) for c, v in wall.items()},
        "peak_rss_mb": {c: round(v, 1) for c, v in rss.items()},
        "ratio": {b: {k: round(v, 3) for k, v in r.items()} for b, r in ratio.items()},
        "runs": {c: [[round(x, 3) for x in r] for r in rs] for c, rs in runs.items()},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
