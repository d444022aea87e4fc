#!/usr/bin/env bash
# Accord's attestation verification vs securesystemslib's DSSE (Python, the
# in-toto project's library; Ed25519 through `cryptography`/OpenSSL) on the
# same signed envelopes, in one run, both pinned to one core (CPU 0).
# Usage: bench/verify-peer.sh [N] [PEER_N]  (verifications timed: Accord, default
# 100000; securesystemslib, default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
peer_n="${2:-20000}"
if ! bench/.venv/bin/python -c "import securesystemslib.dsse, cryptography" 2>/dev/null; then
  [ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet --disable-pip-version-check 'securesystemslib[crypto]==1.6.0' cryptography==50.0.2
fi
cargo build --release -q -p accord-bench --bin verify-throughput
taskset -c 0 ./target/release/verify-throughput "$n" bench/out/verify
echo
taskset -c 0 bench/.venv/bin/python bench/verify_peer.py bench/out/verify "$peer_n"
