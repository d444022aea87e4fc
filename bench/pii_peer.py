"""Side by side: Accord's PII scanner and Microsoft Presidio on the same text.

Reads what `pii-gen BYTES DIR` wrote (corpus.txt, truth.jsonl, lookalikes.jsonl).
The first SAMPLE bytes of the corpus (cut at a line end) are the shared input:
both tools scan it, and precision / recall / F1 per kind are computed against
the planted identifiers. Throughput: Presidio's on the sample, Accord's (the
release `accord scan pii --format jsonl` command, end to end) on the sample
and on the whole corpus, which the same generator made (the sample is its
prefix).

Presidio is configured with its pattern recognizers only, as the default
spaCy model cannot be downloaded here: `NoOpNlpEngine` (shipped by Presidio
for recognizers that need no NLP artefacts) in place of the spaCy engine, the
predefined recognizers for English, and `analyze(..., entities=[the six
shared kinds])`, one call per line, default score threshold (0). Kinds both
detect: email, phone, payment-card, us-ssn, iban, ip-address; Presidio has no
recognizer for cn-resident-id, cn-uscc or cn-passport, so only Accord's
figures are given for them.

A predicted span matches a planted one of the same kind when they overlap
(one to one); exact-span matches are reported as well. Planted identifiers
with a `form` (the ways of writing issue 9 added: phone numbers after a label
whatever their prefix, Chinese landlines, loosely written IBANs) also get
their recall per form. Exits non-zero if Accord's micro-averaged F1 is below
0.99 or its precision on any kind is (a fast wrong answer fails).
"""

import bisect
import collections
import itertools
import json
import os
import resource
import subprocess
import sys
import time

SHARED = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "payment-card",
    "US_SSN": "us-ssn",
    "IBAN_CODE": "iban",
    "IP_ADDRESS": "ip-address",
}
ACCORD_ONLY = ["cn-resident-id", "cn-uscc", "cn-passport"]
KINDS = list(SHARED.values()) + ACCORD_ONLY


def read_spans(path, limit):
    spans = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            if s["offset"] + s["length"] <= limit:
                spans[s["kind"]].append((s["offset"], s["offset"] + s["length"]))
    for v in spans.values():
        v.sort()
    return spans


def read_forms(path, limit):
    """{form: [(kind, start, end)]} of the planted identifiers that name a form."""
    forms = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            if "form" in s and s["offset"] + s["length"] <= limit:
                forms[s["form"]].append((s["kind"], s["offset"], s["offset"] + s["length"]))
    return forms


def recall_by_form(predicted, forms):
    """{form: (found, planted)}: a planted span is found when a prediction of its kind overlaps it."""
    out = {}
    for form, spans in forms.items():
        found = 0
        for kind, start, end in spans:
            candidates = predicted.get(kind, [])
            i = bisect.bisect_left(candidates, (end, end))
            while i > 0 and candidates[i - 1][1] > start - 200:
                i -= 1
                if candidates[i][0] < end and candidates[i][1] > start:
                    found += 1
                    break
        out[form] = (found, len(spans))
    return out


def score(predicted, truth):
    """Per kind: tp, fp, fn (overlap, one to one) and exact matches."""
    out = {}
    for kind in set(predicted) | set(truth):
        gold = truth.get(kind, [])
        starts = [s for s, _ in gold]
        used = [False] * len(gold)
        tp = exact = 0
        for start, end in sorted(predicted.get(kind, [])):
            i = bisect.bisect_right(starts, end - 1) - 1
            # Walk back over gold spans that may overlap [start, end).
            while i >= 0 and gold[i][1] > start - 200:
                if not used[i] and gold[i][0] < end and gold[i][1] > start:
                    used[i] = True
                    tp += 1
                    exact += gold[i] == (start, end)
                    break
                i -= 1
        n_pred = len(predicted.get(kind, []))
        out[kind] = {"tp": tp, "fp": n_pred - tp, "fn": len(gold) - tp, "exact": exact}
    return out


def prf(c):
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def micro(scores, kinds):
    total = {"tp": 0, "fp": 0, "fn": 0}
    for k in kinds:
        for key in total:
            total[key] += scores.get(k, {}).get(key, 0)
    return prf(total)


def flagged_lookalikes(predicted, lookalikes):
    """{kind: look-alikes of that kind that a prediction of the kind overlaps}."""
    hits = collections.Counter()
    for kind, spans in lookalikes.items():
        for start, end in spans:
            if any(s < end and e > start for s, e in predicted.get(kind, [])):
                hits[kind] += 1
    return hits


def run_accord(accord, path, threads, output_format):
    """Runs `accord scan pii`; returns its stdout, wall seconds and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    args = [accord, "scan", "pii", path, "--format", output_format]
    if threads:
        args += ["--threads", str(threads)]
    result = subprocess.run(args, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result.stdout, wall, cpu


def findings_of(jsonl):
    predicted = collections.defaultdict(list)
    for line in jsonl.splitlines():
        f = json.loads(line)
        predicted[f["kind"]].append((f["offset"], f["offset"] + f["length"]))
    return predicted


def presidio_engine():
    # Presidio's email recognizer calls tldextract, which would try to download
    # the public-suffix list; use the snapshot tldextract ships instead.
    import logging

    import tldextract

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.recognizer_registry import RecognizerRegistry

    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    nlp.load()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])


def run_presidio(lines):
    analyzer = presidio_engine()
    entities = list(SHARED)
    predicted = collections.defaultdict(list)
    offset = 0
    cpu_start = time.process_time()
    start = time.perf_counter()
    for line in lines:
        results = analyzer.analyze(text=line, language="en", entities=entities)
        if results:
            # Presidio gives character offsets; the truth is in bytes.
            to_byte = [0] + list(itertools.accumulate(len(c.encode("utf-8")) for c in line))
            for r in results:
                predicted[SHARED[r.entity_type]].append((offset + to_byte[r.start], offset + to_byte[r.end]))
        offset += len(line.encode("utf-8"))
    return predicted, time.perf_counter() - start, time.process_time() - cpu_start


def main(directory, sample_bytes, accord):
    corpus = os.path.join(directory, "corpus.txt")
    with open(corpus, "rb") as f:
        head = f.read(sample_bytes + 4096)
    cut = head.rfind(b"\n", 0, sample_bytes) + 1
    sample = os.path.join(directory, "sample.txt")
    with open(sample, "wb") as f:
        f.write(head[:cut])
    truth = read_spans(os.path.join(directory, "truth.jsonl"), cut)
    forms = read_forms(os.path.join(directory, "truth.jsonl"), cut)
    lookalikes = read_spans(os.path.join(directory, "lookalikes.jsonl"), cut)
    lines = head[:cut].decode("utf-8").splitlines(keepends=True)
    mb = cut / 1e6
    big = os.path.getsize(corpus) / 1e6

    presidio_found, presidio_wall, presidio_cpu = run_presidio(lines)
    out, accord_sample_wall, _ = run_accord(accord, sample, 1, "jsonl")
    accord_found = findings_of(out)
    # The whole corpus: a JSON summary (no per-finding output to time), whose
    # counts are checked against the planted identifiers below.
    out, big_wall_1, big_cpu_1 = run_accord(accord, corpus, 1, "json")
    _, big_wall_2, big_cpu_2 = run_accord(accord, corpus, 0, "json")
    big_counts = json.loads(out)["totals"]["counts"]
    big_truth = collections.Counter()
    with open(os.path.join(directory, "truth.jsonl"), encoding="utf-8") as f:
        for line in f:
            big_truth[json.loads(line)["kind"]] += 1

    a = score(accord_found, truth)
    p = score(presidio_found, truth)
    planted = sum(len(v) for v in truth.values())
    fakes = sum(len(v) for v in lookalikes.values())
    print(f"shared input: {mb:.2f} MB, {len(lines):,} lines, {planted:,} planted identifiers, {fakes:,} look-alikes")
    print()
    print(f"{'kind':16} {'planted':>8} | {'Accord P':>8} {'R':>6} {'F1':>6} {'exact':>6} | {'Presidio P':>10} {'R':>6} {'F1':>6} {'exact':>6}")
    rows = {}
    for kind in KINDS:
        n = len(truth.get(kind, []))
        ap, ar, af = prf(a.get(kind, {"tp": 0, "fp": 0, "fn": n}))
        line = f"{kind:16} {n:>8} | {ap:>8.4f} {ar:>6.4f} {af:>6.4f} {a.get(kind, {}).get('exact', 0):>6} |"
        row = {"planted": n, "accord": {"precision": ap, "recall": ar, "f1": af, **a.get(kind, {})}}
        if kind in SHARED.values():
            pp, pr, pf = prf(p.get(kind, {"tp": 0, "fp": 0, "fn": n}))
            line += f" {pp:>10.4f} {pr:>6.4f} {pf:>6.4f} {p.get(kind, {}).get('exact', 0):>6}"
            row["presidio"] = {"precision": pp, "recall": pr, "f1": pf, **p.get(kind, {})}
        else:
            line += f" {'(no recognizer)':>31}"
        rows[kind] = row
        print(line)
    shared = list(SHARED.values())
    ap, ar, af = micro(a, shared)
    pp, pr, pf = micro(p, shared)
    print(f"{'micro, shared':16} {'':>8} | {ap:>8.4f} {ar:>6.4f} {af:>6.4f} {'':>6} | {pp:>10.4f} {pr:>6.4f} {pf:>6.4f}")
    all_p, all_r, all_f = micro(a, KINDS)
    print(f"{'micro, all kinds':16} {'':>8} | {all_p:>8.4f} {all_r:>6.4f} {all_f:>6.4f}")
    accord_flagged = flagged_lookalikes(accord_found, lookalikes)
    presidio_flagged = flagged_lookalikes(presidio_found, lookalikes)
    print(f"look-alikes flagged (false positives on purpose-made near misses): Accord {sum(accord_flagged.values())}, Presidio {sum(presidio_flagged.values())} (look-alikes of shared kinds: {sum(len(lookalikes.get(k, [])) for k in shared)})")
    print("  per kind, flagged / planted look-alikes: " + ", ".join(
        f"{k} Accord {accord_flagged.get(k, 0)} Presidio {presidio_flagged.get(k, 0) if k in shared else '-'} / {len(lookalikes.get(k, []))}"
        for k in KINDS if lookalikes.get(k)))
    accord_forms = recall_by_form(accord_found, forms)
    presidio_forms = recall_by_form(presidio_found, forms)
    print()
    print(f"{'form (issue 9)':22} {'kind':8} {'planted':>8} | {'Accord R':>8} | {'Presidio R':>10}")
    form_rows = {}
    for form in sorted(forms):
        found, planted = accord_forms[form]
        p_found, _ = presidio_forms[form]
        kind = forms[form][0][0]
        form_rows[form] = {"planted": planted, "accord_found": found, "presidio_found": p_found}
        print(f"{form:22} {kind:8} {planted:>8} | {found / planted if planted else 0:>8.4f} | {p_found / planted if planted else 0:>10.4f}")
    print()
    presidio_rate = mb / presidio_wall
    rate_1 = big / big_wall_1
    rate_2 = big / big_wall_2
    print(f"Presidio (regex recognizers, 1 core), {mb:.2f} MB:     {presidio_rate:10.3f} MB/s wall, {mb / presidio_cpu:8.3f} MB per CPU-s")
    print(f"Accord, same {mb:.2f} MB (process start included):  {mb / accord_sample_wall:10.1f} MB/s wall")
    presidio_cpu_rate = mb / presidio_cpu
    for label, rate, cpu in (("--threads 1", rate_1, big_cpu_1), ("both cores ", rate_2, big_cpu_2)):
        print(
            f"Accord {label}, {big:.0f} MB corpus:             {rate:10.1f} MB/s wall, {big / cpu:8.1f} MB per CPU-s"
            f"  ({rate / presidio_rate:,.0f}x wall, {big / cpu / presidio_cpu_rate:,.0f}x per CPU-s)"
        )
    found_all, planted_all = sum(big_counts.values()), sum(big_truth.values())
    print(f"whole corpus: Accord found {found_all:,} identifiers, {planted_all:,} planted (" + ", ".join(f"{k} {big_counts.get(k, 0):,}/{big_truth[k]:,}" for k in KINDS) + ")")
    results = {
        "sample_bytes": cut,
        "corpus_bytes": int(big * 1e6),
        "kinds": rows,
        "micro_shared": {"accord_f1": af, "presidio_f1": pf},
        "throughput_mb_s": {"presidio": presidio_rate, "accord_1_thread": rate_1, "accord_2_threads": rate_2},
        "mb_per_cpu_second": {"presidio": mb / presidio_cpu, "accord_1_thread": big / big_cpu_1, "accord_2_threads": big / big_cpu_2},
        "whole_corpus": {"found": dict(big_counts), "planted": dict(big_truth)},
        "forms": form_rows,
        "lookalikes_flagged": {"accord": dict(accord_flagged), "presidio": dict(presidio_flagged)},
    }
    with open(os.path.join(directory, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
    if all_f < 0.99:
        print(f"FAIL: Accord's micro F1 {all_f:.4f} < 0.99", file=sys.stderr)
        return 1
    low = [k for k in KINDS if rows[k]["accord"]["precision"] < 0.99 and rows[k]["accord"].get("tp", 0) + rows[k]["accord"].get("fp", 0) > 0]
    if low:
        print(f"FAIL: Accord's precision below 0.99 on {', '.join(low)}", file=sys.stderr)
        return 1
    if not 0.99 * planted_all <= found_all <= 1.001 * planted_all:
        print(f"FAIL: Accord found {found_all} identifiers in the corpus, {planted_all} were planted", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    directory = sys.argv[1] if len(sys.argv) > 1 else "bench/out/pii"
    sample = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    accord = sys.argv[3] if len(sys.argv) > 3 else "target/release/accord"
    sys.exit(main(directory, sample, accord))
