"""Side by side: `accord scan keywords` and the Python keyword matchers people use
today (pyahocorasick, flashtext) on the same library and corpus, in one run.

Reads what `keyword-gen DIR` wrote (terms.txt, corpus.txt, expected.json),
checks that every tool reports exactly the planted occurrences, and prints
each tool's throughput and Accord's ratio to it. Exits non-zero when a count
is wrong.

Timing: the Python tools are timed on matching only (the corpus already
decoded into one str, the automaton already built; build times are printed
separately). Accord is timed end to end as a user runs it — process start,
reading and checking the list, building the automaton, reading the file,
folding and matching, the JSON summary — so its ratios are, if anything,
understated.
"""

import json
import resource
import subprocess
import sys
import time

import ahocorasick
from flashtext import KeywordProcessor


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def cpu_timed(function):
    """Wall seconds and CPU seconds (this process and its children)."""
    own = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result, wall = timed(function)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - own + (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    return result, wall, cpu


def accord(binary, directory, threads):
    command = [binary, "scan", "keywords", f"{directory}/corpus.txt", "--list", f"{directory}/terms.txt",
               "--taxonomy", "tc260-003", "--format", "json"]
    if threads:
        command += ["--threads", str(threads)]
    best = None
    for _ in range(3):
        output, seconds, cpu = cpu_timed(lambda: subprocess.run(command, check=True, capture_output=True))
        if best is None or seconds < best[1]:
            best = (json.loads(output.stdout), seconds, cpu)
    return best


def english_only(directory, binary, terms, text):
    """The peers at their best: Latin terms only, on the English lines only.

    pyahocorasick follows a node's transitions one by one, so thousands of
    distinct CJK first characters at the root slow every step, even on English
    text. This second comparison leaves the CJK terms and lines out.
    """
    latin = [t for t in terms if t.isascii()]
    lines = [line for line in text.split("\n") if line.isascii()]
    english = "\n".join(lines) + "\n"
    with open(f"{directory}/english.txt", "w", encoding="utf-8") as f:
        f.write(english)
    with open(f"{directory}/terms-latin.txt", "w", encoding="utf-8") as f:
        f.write("".join(f"{t}\n" for t in latin))
    size = len(english.encode())
    automaton = ahocorasick.Automaton()
    for index, term in enumerate(latin):
        automaton.add_word(term, index)
    automaton.make_automaton()
    aho_count, aho_seconds, aho_cpu = cpu_timed(lambda: sum(1 for _ in automaton.iter(english)))
    processor = KeywordProcessor()
    for term in latin:
        processor.add_keyword(term)
    flash_count, flash_seconds, flash_cpu = cpu_timed(lambda: len(processor.extract_keywords(english)))
    command = [binary, "scan", "keywords", f"{directory}/english.txt", "--list", f"{directory}/terms-latin.txt", "--format", "json"]
    best = None
    for _ in range(3):
        output, seconds, cpu = cpu_timed(lambda: subprocess.run(command, check=True, capture_output=True))
        if best is None or seconds < best[1]:
            best = (json.loads(output.stdout)["hits"], seconds, cpu)
    accord_count, accord_seconds, accord_cpu = best
    print(f"\nLatin terms only ({len(latin)}) on the English lines only ({size / 1e6:.1f} MB):")
    rows = [("pyahocorasick, Automaton.iter", aho_count, aho_seconds, aho_cpu),
            ("flashtext, extract_keywords", flash_count, flash_seconds, flash_cpu),
            ("Accord, all cores, end to end (best of 3)", accord_count, accord_seconds, accord_cpu)]
    for label, count, seconds, cpu in rows:
        print(f"{label:<78} {count:>9} {seconds:>8.3f} {size / 1e6 / seconds:>8.1f} {cpu:>8.3f} {size / 1e6 / cpu:>9.1f}")
    agree = aho_count == flash_count == accord_count
    print(f"match counts: {'equal' if agree else 'DIFFER'};  Accord vs pyahocorasick: {aho_seconds / accord_seconds:.0f}x wall, "
          f"{aho_cpu / accord_cpu:.0f}x per CPU-s;  vs flashtext: {flash_seconds / accord_seconds:.0f}x wall, "
          f"{flash_cpu / accord_cpu:.0f}x per CPU-s")
    return agree


def main(directory, binary):
    expected = json.load(open(f"{directory}/expected.json", encoding="utf-8"))
    terms = [line.split("\t")[0] for line in open(f"{directory}/terms.txt", encoding="utf-8")
             if line.strip() and not line.startswith("#")]
    text = open(f"{directory}/corpus.txt", encoding="utf-8").read()
    size = expected["bytes"]
    megabytes = size / 1e6
    want = expected["occurrences"]
    print(f"library: {len(terms)} terms; corpus: {megabytes:.1f} MB, {expected['lines']} lines, "
          f"{want} planted occurrences in {expected['lines_with_hits']} lines")

    def build_aho():
        automaton = ahocorasick.Automaton()
        for index, term in enumerate(terms):
            automaton.add_word(term, index)
        automaton.make_automaton()
        return automaton

    automaton, aho_build = timed(build_aho)
    aho_count, aho_seconds, aho_cpu = cpu_timed(lambda: sum(1 for _ in automaton.iter(text)))

    def build_flash():
        processor = KeywordProcessor()
        for term in terms:
            processor.add_keyword(term)
        return processor

    processor, flash_build = timed(build_flash)
    flash_count, flash_seconds, flash_cpu = cpu_timed(lambda: len(processor.extract_keywords(text)))

    results = []
    rows = [
        (f"pyahocorasick {ahocorasick.__version__ if hasattr(ahocorasick, '__version__') else ''}".strip()
         + f", Automaton.iter (build {aho_build:.2f} s, not timed)", aho_count, aho_seconds, aho_cpu),
        (f"flashtext, extract_keywords (build {flash_build:.2f} s, not timed)", flash_count, flash_seconds, flash_cpu),
    ]
    for threads in (1, None):
        summary, seconds, cpu = accord(binary, directory, threads)
        label = "Accord, 1 thread" if threads else "Accord, all cores"
        rows.append((f"{label}, end to end (best of 3)", summary["hits"], seconds, cpu))
        results.append((summary, threads))
        if summary["items_with_hits"] != expected["lines_with_hits"] or summary["items"] != expected["lines"]:
            print(f"{label}: items {summary['items']} with hits {summary['items_with_hits']}, expected "
                  f"{expected['lines']} and {expected['lines_with_hits']}", file=sys.stderr)
            rows.append(("(item counts differ)", -1, 1, 1))

    wrong = 0
    print(f"\n{'tool':<78} {'matches':>9} {'wall s':>8} {'MB/s':>8} {'CPU s':>8} {'MB/CPU-s':>9}")
    for label, count, seconds, cpu in rows:
        mark = "" if count == want else "  WRONG"
        wrong += count != want
        print(f"{label:<78} {count:>9} {seconds:>8.3f} {megabytes / seconds:>8.1f} {cpu:>8.3f} {megabytes / cpu:>9.1f}{mark}")
    (_, _, one_wall, one_cpu), (_, _, all_wall, all_cpu) = rows[2], rows[3]
    print(f"\nmatch counts: {'all equal to the planted occurrences' if not wrong else f'{wrong} tools wrong'}")
    print(f"Accord (all cores) vs pyahocorasick: {aho_seconds / all_wall:.0f}x wall, {aho_cpu / all_cpu:.0f}x per CPU-s;  "
          f"vs flashtext: {flash_seconds / all_wall:.0f}x wall, {flash_cpu / all_cpu:.0f}x per CPU-s")
    print(f"Accord (1 thread)  vs pyahocorasick: {aho_seconds / one_wall:.0f}x wall, {aho_cpu / one_cpu:.0f}x per CPU-s;  "
          f"vs flashtext: {flash_seconds / one_wall:.0f}x wall, {flash_cpu / one_cpu:.0f}x per CPU-s")
    print(f"load average at the end: {open('/proc/loadavg').read().split()[0] if sys.platform.startswith('linux') else 'n/a'}")
    agree = english_only(directory, binary, terms, text)
    return 1 if wrong or not agree else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "bench/out/keywords",
                  sys.argv[2] if len(sys.argv) > 2 else "target/release/accord"))
