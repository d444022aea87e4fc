#!/usr/bin/env bash
# Accord vs Fairlearn (MetricFrame on pandas) on the same generated table, as
# CSV and as Parquet, in one run: time, CPU, peak memory, and the metrics
# checked against each other to 1e-9. Usage: bench/fairness-peer.sh [N] [FORMAT...]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000000}"
shift || true
if ! bench/.venv/bin/python -c "import fairlearn, pandas, pyarrow" 2>/dev/null; then
  [ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet fairlearn==0.15.0 pandas==3.1.1 pyarrow==26.0.1 scikit-learn==1.9.1
fi
cargo build --release -q -p accord-cli -p accord-bench
# The table is written again only when missing or of another size (writing
# 300 MB just before reading it would time the kernel's write-back too).
if ! grep -q "\"rows\": $n," bench/out/fairness/expected.json 2>/dev/null \
   || [ ! -f bench/out/fairness/table.csv ] || [ ! -f bench/out/fairness/table.parquet ]; then
  ./target/release/fairness-gen "$n" bench/out/fairness
fi
bench/.venv/bin/python bench/fairness_peer.py bench/out/fairness ./target/release/accord "$@"
