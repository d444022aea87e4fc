"""Side by side: Accord's rule engine and a Rego engine on the same rules and inputs.

Reads what `rego-export N DIR` wrote (policy.rego, inputs.jsonl, expected.jsonl,
accord.json), evaluates `data.accord.holds` for every input with regorus (the
Rego interpreter used by opa-eval), checks that the set of rules that hold is
the same as Accord's for every profile, and prints both throughputs and their
ratio. Exits non-zero on any disagreement.
"""

import json
import sys
import time

import opa_eval


def main(directory: str) -> int:
    inputs = open(f"{directory}/inputs.jsonl", encoding="utf-8").read().splitlines()
    expected = [json.loads(line) for line in open(f"{directory}/expected.jsonl", encoding="utf-8")]
    accord = json.load(open(f"{directory}/accord.json", encoding="utf-8"))
    engine = opa_eval.OpaEval(f"{directory}/policy.rego", query="data.accord.holds")

    start = time.perf_counter()
    results = [engine.evaluate_parsed(line) for line in inputs]
    elapsed = time.perf_counter() - start

    mismatches = 0
    for i, (got, want) in enumerate(zip(results, expected)):
        got = sorted(got or [])
        if got != want:
            mismatches += 1
            if mismatches <= 5:
                only_rego = sorted(set(got) - set(want))
                only_accord = sorted(set(want) - set(got))
                print(f"profile {i}: only Rego {only_rego[:5]}, only Accord {only_accord[:5]}", file=sys.stderr)
    holding = sum(len(r or []) for r in results)
    rego_rate = len(inputs) / elapsed
    print(f"profiles: {len(inputs)}, rules: {accord['rules']}, rules holding: {holding} (Accord: {accord['rules_holding']})")
    print(f"answers: {'identical for every profile' if mismatches == 0 else f'{mismatches} profiles differ'}")
    print(f"regorus (opa-eval), truth of every rule:   {rego_rate:>10.0f} profiles/s")
    print(f"Accord, truth of every rule (parse+eval):  {accord['truth_per_second']:>10.0f} profiles/s  ({accord['truth_per_second'] / rego_rate:.0f}x)")
    print(f"Accord, full assessment (parse+assess):    {accord['assess_per_second']:>10.0f} profiles/s  ({accord['assess_per_second'] / rego_rate:.0f}x)")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "bench/out/rego"))
