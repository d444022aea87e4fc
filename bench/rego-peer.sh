#!/usr/bin/env bash
# Accord vs a Rego engine (regorus, via the opa-eval package) on the same rules
# and the same fully-known profiles, in one run. Usage: bench/rego-peer.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20000}"
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet opa-eval==0.1.1
fi
cargo build --release -q -p accord-bench
./target/release/rego-export "$n" bench/out/rego >/dev/null
bench/.venv/bin/python bench/rego_peer.py bench/out/rego
