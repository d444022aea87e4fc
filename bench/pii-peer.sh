#!/usr/bin/env bash
# Accord vs Microsoft Presidio (pattern recognizers only) on the same generated
# mixed English/Chinese text, in one run. Usage: bench/pii-peer.sh [CORPUS_BYTES] [SAMPLE_BYTES]
# The whole corpus measures Accord's throughput; its first SAMPLE_BYTES are
# scanned by both tools for precision/recall/F1 (Presidio runs at about 0.05 MB/s).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-256000000}"
sample="${2:-1000000}"
if [ ! -x bench/.venv/bin/python ] || ! bench/.venv/bin/python -c 'import presidio_analyzer' 2>/dev/null; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet presidio-analyzer==2.2.366
fi
cargo build --release -q -p accord-cli -p accord-bench
./target/release/pii-gen "$corpus" bench/out/pii
bench/.venv/bin/python bench/pii_peer.py bench/out/pii "$sample" target/release/accord
