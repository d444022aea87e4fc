"""Side by side: `accord audit fairness` and Fairlearn's MetricFrame on pandas.

Usage: python bench/fairness_peer.py DIR ACCORD [FORMAT...]

DIR holds what `fairness-gen N DIR` wrote (table.csv, table.parquet,
expected.json). For each format (default: csv parquet) this runs, each as its
own process so that wall time, CPU time and peak memory (ru_maxrss from
wait4) are its own:

- Accord: `ACCORD audit fairness TABLE -g sex -g race --label label --pred
  prediction --format json` (reading included), best of three runs, and the
  same with `--score score`;
- Fairlearn: this script in `peer` mode: pandas reads the same four columns,
  then a MetricFrame of selection_rate, true_positive_rate,
  false_positive_rate, precision (scikit-learn, zero_division=0) and count by
  sex x race, and from it the demographic parity difference and ratio and the
  equalized odds difference (Fairlearn's definitions: between groups, worst
  case; with FAIRNESS_PEER_CHECK_FUNCTIONS=1 also through the functions
  demographic_parity_difference & co., untimed, which must agree exactly).

It checks Accord's per-group counts against the generator's expected.json,
and every metric against Fairlearn's to 1e-9, prints a table with the ratios
and writes it to DIR/results.md. Exits 1 on any disagreement.
"""

import json
import math
import os
import platform
import subprocess
import sys
import time

TOLERANCE = 1e-9
RATES = ["selection_rate", "true_positive_rate", "false_positive_rate", "precision"]


def peer(fmt, path, out):
    """The Fairlearn side, timed from inside (after imports) as well."""
    started = time.perf_counter()
    import functools

    import pandas as pd
    from fairlearn.metrics import (
        MetricFrame,
        count,
        demographic_parity_difference,
        demographic_parity_ratio,
        equalized_odds_difference,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import precision_score

    imported = time.perf_counter()
    columns = ["sex", "race", "label", "prediction"]
    if fmt == "csv":
        frame = pd.read_csv(path, usecols=columns)
    else:
        frame = pd.read_parquet(path, columns=columns)
    loaded = time.perf_counter()
    y_true, y_pred, sensitive = frame["label"], frame["prediction"], frame[["sex", "race"]]
    metrics = {
        "selection_rate": selection_rate,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "precision": functools.partial(precision_score, zero_division=0),
        "count": count,
    }
    mf = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=sensitive)
    # demographic_parity_difference / _ratio and equalized_odds_difference each
    # build a MetricFrame of their own; the same numbers come from this one
    # (their definitions: difference / ratio between groups, worst case of the
    # TPR and FPR differences), which is what a user after speed would do.
    difference = mf.difference(method="between_groups")
    ratio = mf.ratio(method="between_groups")
    result = {
        "demographic_parity_difference": float(difference["selection_rate"]),
        "demographic_parity_ratio": float(ratio["selection_rate"]),
        "equalized_odds_difference": float(
            max(difference["true_positive_rate"], difference["false_positive_rate"])
        ),
    }
    computed = time.perf_counter()
    if os.environ.get("FAIRNESS_PEER_CHECK_FUNCTIONS") == "1":
        # The library's own functions, to show they give the same numbers.
        for name, function in [
            ("demographic_parity_difference", demographic_parity_difference),
            ("demographic_parity_ratio", demographic_parity_ratio),
            ("equalized_odds_difference", equalized_odds_difference),
        ]:
            value = float(function(y_true, y_pred, sensitive_features=sensitive))
            if not (value == result[name] or (math.isnan(value) and math.isnan(result[name]))):
                sys.exit(f"{name}: MetricFrame {result[name]!r}, function {value!r}")
    groups = []
    for key, values in mf.by_group.dropna(subset=["count"]).iterrows():
        row = {"group": {"sex": key[0], "race": key[1]}}
        row.update({name: float(values[name]) for name in metrics})
        groups.append(row)
    result.update(
        groups=groups,
        overall={name: float(mf.overall[name]) for name in metrics},
        import_seconds=imported - started,
        load_seconds=loaded - imported,
        compute_seconds=computed - loaded,
        rows=len(frame),
        versions={
            "fairlearn": __import__("fairlearn").__version__,
            "pandas": pd.__version__,
            "scikit-learn": __import__("sklearn").__version__,
            "numpy": __import__("numpy").__version__,
        },
    )
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f)


def best_of(runs, command):
    """The fastest of several runs (wall, CPU, peak RSS of that run)."""
    return min((measure(command) for _ in range(runs)), key=lambda m: m[0])


def measure(command):
    """Runs a command; its wall seconds, CPU seconds and peak RSS in MB."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(command)} exited with {code}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def differences(accord, fairlearn, expected):
    problems = []
    metrics = accord["metrics"]
    ours = {(g["group"]["sex"], g["group"]["race"]): g for g in metrics["groups"]}
    for cell in expected["groups"]:
        key = (cell["group"]["sex"], cell["group"]["race"])
        group = ours.get(key)
        if group is None:
            problems.append(f"{key}: missing from Accord's groups")
            continue
        for ours_name, theirs_name in [("true_positives", "tp"), ("false_positives", "fp"),
                                       ("true_negatives", "tn"), ("false_negatives", "fn")]:
            if group[ours_name] != cell[theirs_name]:
                problems.append(f"{key}: {ours_name} {group[ours_name]}, generator {cell[theirs_name]}")
    if len(fairlearn["groups"]) != len(ours):
        problems.append(f"{len(ours)} groups, Fairlearn {len(fairlearn['groups'])}")
    for theirs in fairlearn["groups"]:
        key = (theirs["group"]["sex"], theirs["group"]["race"])
        group = ours.get(key)
        if group is None:
            problems.append(f"{key}: missing from Accord's groups")
            continue
        if group["count"] != theirs["count"]:
            problems.append(f"{key}: count {group['count']}, Fairlearn {theirs['count']}")
        for rate in RATES:
            value = group[rate]
            if value is None:  # undefined: Fairlearn counts it as 0
                value = 0.0
            if not abs(value - theirs[rate]) <= TOLERANCE:
                problems.append(f"{key}: {rate} {value!r}, Fairlearn {theirs[rate]!r}")
    for rate in RATES:
        if not abs(metrics["overall"][rate] - fairlearn["overall"][rate]) <= TOLERANCE:
            problems.append(f"overall {rate}: {metrics['overall'][rate]!r}, Fairlearn {fairlearn['overall'][rate]!r}")
    for name in ["demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference"]:
        ours_value, theirs_value = metrics[name], fairlearn[name]
        if ours_value is None and math.isnan(theirs_value):
            continue
        if ours_value is None or not abs(ours_value - theirs_value) <= TOLERANCE:
            problems.append(f"{name}: {ours_value!r}, Fairlearn {theirs_value!r}")
    return problems


def main(directory, accord, formats):
    expected = json.load(open(f"{directory}/expected.json", encoding="utf-8"))
    rows = expected["rows"]
    lines = []
    failed = False
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines.append(f"{rows:,} rows, {len(expected['groups'])} groups (sex x race); {os.cpu_count()} CPUs ({cpu})")
    lines.append("")
    lines.append("| input | tool | wall s | CPU s | peak RSS MB | wall ratio | memory ratio | metrics |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---|")
    fairlearn_versions = None
    for fmt in formats:
        table = f"{directory}/table.{fmt}"
        size_mb = os.path.getsize(table) / 1e6
        accord_out = f"{directory}/accord-{fmt}.json"
        accord_cmd = [accord, "audit", "fairness", table, "-g", "sex", "-g", "race", "--label", "label",
                      "--pred", "prediction", "--format", "json", "--output", accord_out]
        # Accord takes seconds: best of three, as the other benchmarks here do.
        # Fairlearn takes minutes: one run, whose noise is small beside it.
        a_wall, a_cpu, a_rss = best_of(3, accord_cmd)
        s_wall, s_cpu, s_rss = best_of(3, accord_cmd[:-2] + ["--score", "score", "--output", accord_out + ".scored"])
        fairlearn_out = f"{directory}/fairlearn-{fmt}.json"
        f_wall, f_cpu, f_rss = measure([sys.executable, __file__, "peer", fmt, table, fairlearn_out])
        fairlearn = json.load(open(fairlearn_out, encoding="utf-8"))
        fairlearn_versions = fairlearn["versions"]
        ours = json.load(open(accord_out, encoding="utf-8"))
        problems = differences(ours, fairlearn, expected)
        verdict = "equal to 1e-9" if not problems else f"{len(problems)} differences"
        failed |= bool(problems)
        for p in problems[:10]:
            print(f"{fmt}: {p}", file=sys.stderr)
        inner = fairlearn["load_seconds"] + fairlearn["compute_seconds"]
        lines.append(f"| {fmt} ({size_mb:,.0f} MB) | Fairlearn MetricFrame (process) | {f_wall:.2f} | {f_cpu:.2f} | {f_rss:,.0f} | 1x | 1x | |")
        lines.append(f"| | Fairlearn, load {fairlearn['load_seconds']:.2f} s + metrics {fairlearn['compute_seconds']:.2f} s (imports excluded) | {inner:.2f} | | | | | |")
        lines.append(f"| | **Accord** `audit fairness` (process, reading included) | **{a_wall:.2f}** | {a_cpu:.2f} | **{a_rss:,.0f}** | **{f_wall / a_wall:.0f}x** ({inner / a_wall:.0f}x without imports) | **{a_rss / f_rss:.3f}** ({f_rss / a_rss:.0f}x less) | {verdict} |")
        lines.append(f"| | Accord with `--score` (LL144 scoring rates; keeps 8 bytes a row for the median) | {s_wall:.2f} | {s_cpu:.2f} | {s_rss:,.0f} | {f_wall / s_wall:.0f}x | {s_rss / f_rss:.3f} | |")
    lines.append("")
    lines.append(f"Peer versions: {json.dumps(fairlearn_versions)}; Python {platform.python_version()}.")
    text = "\n".join(lines)
    print(text)
    with open(f"{directory}/results.md", "w", encoding="utf-8") as f:
        f.write(text + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "peer":
        peer(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 3:
        sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:] or ["csv", "parquet"]))
    else:
        sys.exit(__doc__)
