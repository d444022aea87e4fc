"""Side by side: Accord's attestation verification and securesystemslib's DSSE.

Reads what `verify-throughput N DIR` wrote (envelopes.jsonl, tampered.jsonl,
key.json, accord.json) and verifies the same envelopes with securesystemslib:
`Envelope.from_dict(json.loads(line)).verify([key], 1)` with an `SSlibKey`
for Ed25519 (keyid = Accord's key id, public = the raw key in hex; the
`cryptography` package, i.e. OpenSSL, checks the signature). It checks that
every valid envelope verifies and every tampered one is refused, that the
answers are Accord's for every envelope, and prints both throughputs and
their ratio. Two peer figures are timed:

- DSSE: JSON text -> envelope -> signature verified (what the library does);
- DSSE + statement: the same, then the payload parsed as JSON and its
  `_type` / `predicateType` checked — the least a verifier must add to know
  what it verified. Accord does more again (typed predicate, consistency,
  issuer, validity window).

Exits non-zero on any disagreement.
"""

import base64
import json
import os
import sys
import time

from securesystemslib import exceptions
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://accord-ai.github.io/attestation/assessment/v1"


def dsse(line, key):
    """The envelope when its signature verifies with the key, else None."""
    envelope = Envelope.from_dict(json.loads(line))
    try:
        envelope.verify([key], 1)
    except exceptions.VerificationError:
        return None
    return envelope


def dsse_and_statement(line, key):
    envelope = dsse(line, key)
    if envelope is None:
        return False
    statement = json.loads(envelope.payload)
    return statement.get("_type") == STATEMENT_TYPE and statement.get("predicateType") == PREDICATE_TYPE


def rate(n, lines, fn, key):
    """Calls per second of wall-clock time and per second of CPU time."""
    count = len(lines)
    cpu = time.process_time()
    start = time.perf_counter()
    for i in range(n):
        fn(lines[i % count], key)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return n / wall, n / cpu


def parts(n, lines, key):
    """CPU microseconds per envelope for the peer's steps, each alone."""
    dicts = [json.loads(line) for line in lines]
    envelopes = [Envelope.from_dict(json.loads(line)) for line in lines]
    signatures = [next(iter(e.signatures.values())) for e in envelopes]
    paes = [e.pae() for e in envelopes]
    public = key._crypto_key()
    count = len(lines)

    def time_it(fn):
        start = time.process_time()
        for i in range(n):
            fn(i % count)
        return 1e6 * (time.process_time() - start) / n

    return {
        "json.loads of the envelope": time_it(lambda i: json.loads(lines[i])),
        "base64 decode of the payload": time_it(lambda i: base64.b64decode(dicts[i]["payload"])),
        "Ed25519 verify over the PAE (OpenSSL via cryptography)": time_it(
            lambda i: public.verify(bytes.fromhex(signatures[i].signature), paes[i])
        ),
        "json.loads of the payload (statement)": time_it(lambda i: json.loads(envelopes[i].payload)),
    }


def main(directory: str, n: int) -> int:
    valid = open(f"{directory}/envelopes.jsonl", encoding="utf-8").read().splitlines()
    tampered = open(f"{directory}/tampered.jsonl", encoding="utf-8").read().splitlines()
    key_file = json.load(open(f"{directory}/key.json", encoding="utf-8"))
    accord = json.load(open(f"{directory}/accord.json", encoding="utf-8"))
    key = SSlibKey(key_file["keyid"], "ed25519", "ed25519", {"public": key_file["public"]})

    # Answers first: every envelope, both sets, compared with Accord's.
    mismatches = 0
    ok_valid = [dsse(line, key) is not None for line in valid]
    ok_tampered = [dsse(line, key) is not None for line in tampered]
    ok_statement = [dsse_and_statement(line, key) for line in valid]
    for name, peer, ours in (("valid", ok_valid, accord["valid"]), ("tampered", ok_tampered, accord["tampered"])):
        for i, (p, a) in enumerate(zip(peer, ours, strict=True)):
            if p != a:
                mismatches += 1
                print(f"{name} envelope {i}: securesystemslib {p}, Accord {a}", file=sys.stderr)
    if not all(ok_valid) or any(ok_tampered) or not all(ok_statement):
        mismatches += 1
        print("securesystemslib did not verify every valid envelope and refuse every tampered one", file=sys.stderr)

    peer_dsse, peer_dsse_cpu = rate(n, valid, dsse, key)
    peer_full, peer_full_cpu = rate(n, valid, dsse_and_statement, key)
    ours, ours_cpu = accord["verify_per_second"], accord["verify_per_cpu_second"]
    sizes = accord["envelope_bytes"]
    print(
        f"envelopes: {len(valid)} valid + {len(tampered)} tampered, "
        f"{sizes['min']}-{sizes['max']} bytes (mean {sizes['mean']:.0f}), payload mean {accord['payload_bytes_mean']:.0f} bytes"
    )
    print(
        f"answers: {'identical' if mismatches == 0 else 'DIFFERENT'}: securesystemslib verified "
        f"{sum(ok_valid)}/{len(valid)} valid, refused {len(tampered) - sum(ok_tampered)}/{len(tampered)} tampered; "
        f"Accord verified {sum(accord['valid'])}/{len(valid)}, refused {accord['tampered'].count(False)}/{len(tampered)}"
    )
    print(f"{'verifications per second':<58} {'wall':>8} {'per CPU-s':>10}")
    rows = (
        (f"securesystemslib DSSE verify ({n} runs)", peer_dsse, peer_dsse_cpu),
        ("securesystemslib DSSE verify + statement JSON parse", peer_full, peer_full_cpu),
        (f"Accord full verification ({accord['verifications']} runs)", ours, ours_cpu),
        ("ratio, Accord / securesystemslib DSSE", ours / peer_dsse, ours_cpu / peer_dsse_cpu),
        ("ratio, Accord / securesystemslib DSSE + statement", ours / peer_full, ours_cpu / peer_full_cpu),
    )
    for name, wall, cpu in rows:
        digits = 2 if name.startswith("ratio") else 0
        print(f"{name:<58} {wall:>8.{digits}f} {cpu:>10.{digits}f}")
    print("securesystemslib's parts, each alone (CPU microseconds per envelope):")
    for name, micros in parts(n, valid, key).items():
        print(f"  {name + ':':<58} {micros:7.1f}")
    print(f"target (>= 5,000 verifications per CPU-second, one core): {'met' if ours_cpu >= 5000 else 'MISSED'}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    directory = sys.argv[1] if len(sys.argv) > 1 else "bench/out/verify"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get("PEER_RUNS", "20000"))
    sys.exit(main(directory, runs))
