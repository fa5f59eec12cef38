#!/usr/bin/env bash
# The GPU checks of boostclf in one command, for a lent GPU machine that reaches no package registry.
#
#   tools/gpu_check.sh fetch   on a machine with pip: the wheels the GPU machine lacks go to .whl/ (ignored by git),
#                              at the versions installed here, for CPython 3.12 on x86-64 Linux
#   tools/gpu_check.sh run     on the GPU machine, from the repository root with .whl/ beside it: installs the wheels into
#                              /tmp/site (nothing of the machine's own Python is touched), runs each part below within its
#                              time budget, and prints one table (part, budget, seconds, status, last line). Logs go to
#                              $OUT/gpu_check (where the device tool collects them) or /tmp/gpu_check.
#
# The budgets add up to 9 minutes 40 seconds, inside a 10-minute command; a part that overruns is stopped and marked,
# and the next part still runs.
set -uo pipefail
cd "$(dirname "$0")/.."
WHL=.whl

# what the GPU image lacks (its PyTorch, timm, torchvision, numpy, pandas, scikit-learn, matplotlib, OpenCV, rich ... are there)
NEEDED=(fastai fastcore fastprogress fastdownload fasttransform plum-dispatch beartype grad-cam ttach
        nbdev execnb ghapi fastgit asttokens astunparse watchdog
        ipython ipython-pygments-lexers decorator jedi parso matplotlib-inline traitlets prompt-toolkit wcwidth
        pexpect ptyprocess stack-data executing pure-eval requests)

# part name, budget in seconds, command
PARTS=(
  "environment|20|nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader && python3 -c 'import torch, fastai, timm; print(torch.__version__, torch.cuda.get_device_name(0), fastai.__version__, timm.__version__)'"
  "gpu benchmark|100|python3 benchmarks/gpu.py --quick"
  "loader benchmark (first epoch, cuda)|140|python3 benchmarks/loader.py --device cuda"
  "features benchmark (cuda)|120|test -f benchmarks/features.py || { echo 'skipped: benchmarks/features.py is not in this tree yet'; exit 0; }; python3 benchmarks/features.py --quick --device cuda"
  "cuda cells of 08_train|200|python3 tools/nbtest.py --path nbs/08_train.ipynb --flags cuda --n-workers 1"
)

fetch() {
  mkdir -p "$WHL"
  grep -qxF "/$WHL/" .git/info/exclude 2>/dev/null || echo "/$WHL/" >> .git/info/exclude
  for name in "${NEEDED[@]}"; do
    ver=$(python3 -m pip show "$name" 2>/dev/null | awk '/^Version:/{print $2}')
    spec=$name${ver:+==$ver}
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
      -d "$WHL" "$spec" 2>/dev/null ||
      # a pure-Python package published as a source archive only (grad-cam): build its wheel here, for any platform
      { python3 -m pip wheel -q --no-deps -w "$WHL" "$spec" 2>/dev/null && ls "$WHL" | grep -qi "^${name//-/_}-.*-py3-none-any.whl$"; } ||
      { echo "gpu_check fetch: no wheel for $spec"; exit 1; }
  done
  echo "$(ls "$WHL"/*.whl | wc -l) wheels in $WHL ($(du -sh "$WHL" | cut -f1)); on the GPU machine, carry $WHL and run: tools/gpu_check.sh run"
}

run() {
  ls "$WHL"/*.whl >/dev/null 2>&1 || { echo "gpu_check run: no wheels in $WHL; run 'tools/gpu_check.sh fetch' where pip works, and carry $WHL"; exit 1; }
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$WHL"/*.whl || exit 1
  export PYTHONPATH="$PWD:/tmp/site${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
  logs="${OUT:-/tmp}/gpu_check"; mkdir -p "$logs"
  table=()
  for p in "${PARTS[@]}"; do
    IFS='|' read -r name budget cmd <<< "$p"
    log="$logs/$(echo "$name" | tr -c 'A-Za-z0-9\n' '_' | cut -c1-40).log"
    echo "== $name (budget ${budget}s)"
    t0=$(date +%s.%N)
    timeout --kill-after=10 "$budget" bash -c "$cmd" > "$log" 2>&1; rc=$?
    secs=$(python3 -c "print(f'{$(date +%s.%N) - $t0:.0f}')")
    case $rc in 0) status=ok;; 124|137) status="over budget";; *) status="failed (rc $rc)";; esac
    last=$(grep -v '^\s*$' "$log" | tail -1 | cut -c1-110)
    tail -5 "$log"
    table+=("| $name | $budget | $secs | $status | ${last//|//} |")
  done
  echo
  echo "| part | budget s | took s | status | last line |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${table[@]}"
}

case "${1:-}" in
  fetch) fetch;;
  run) run;;
  *) echo "usage: tools/gpu_check.sh fetch | run"; exit 2;;
esac
