#!/usr/bin/env bash
# Accord's keyword scan vs pyahocorasick and flashtext on the same 10,000
# synthetic terms and the same generated mixed Chinese/English corpus, in one
# run, with the match counts checked. Usage: bench/keyword-peer.sh [MEGABYTES] [TERMS]
set -euo pipefail
cd "$(dirname "$0")/.."
megabytes="${1:-64}"
terms="${2:-10000}"
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
fi
if ! bench/.venv/bin/python -c "import ahocorasick, flashtext" 2>/dev/null; then
  bench/.venv/bin/pip install --quiet pyahocorasick==2.3.1 flashtext==2.7
fi
cargo build --release -q -p accord-cli -p accord-bench
./target/release/keyword-gen bench/out/keywords "$megabytes" "$terms" >/dev/null
bench/.venv/bin/python bench/keyword_peer.py bench/out/keywords target/release/accord
