#!/usr/bin/env bash
# Every benchmark of the project, one after the other (not tests: they print numbers and assert
# nothing). Run from the repository root after the README's install; about 30-40 minutes on 2
# cores, most of it the 10,000-paper catalog and site builds. Each writes its JSON beside it.
#   bash benchmarks/run_all.sh            # everything
#   QUICK=1 bash benchmarks/run_all.sh    # 100 and 1,000 papers only, fewer repeats
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
export NO_MKDOCS_2_WARNING=1
sizes=100,1000,10000; repeat=3
if [ "${QUICK:-}" = 1 ]; then sizes=100,1000; repeat=1; fi

echo "== catalog validate / export at ${sizes} papers";  $py benchmarks/catalog_scale.py --sizes "$sizes" --repeat "$repeat"
echo "== catalog validate against libyaml's parser alone (10,000 papers)"; $py benchmarks/validate_vs_scan.py --repeat "$repeat"
echo "== site build at ${sizes} papers";                 $py tests/site/site_scale.py --sizes "$sizes" --json benchmarks/site_scale.json
echo "== bench start-up, harness overhead, FLOP counting per model"; $py benchmarks/bench_harness.py
echo "== bench list / bench run --help start-up against catalog --help"; $py benchmarks/startup_ratio.py
echo "== bench miou against the PNG-decode floor";       $py benchmarks/miou_speed.py --repeat "$repeat"
