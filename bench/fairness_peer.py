"""Side by side: `accord audit fairness` and Fairlearn's MetricFrame on pandas.

Usage: python bench/fairness_peer.py DIR ACCORD [FORMAT...]

DIR holds what `fairness-gen N DIR` wrote (table.csv, table.parquet,
expected.json). For each format (default: csv parquet) this runs, each as its
own process so that wall time, CPU time and peak memory (ru_maxrss from
wait4) are its own:

- Accord: `ACCORD audit fairness TABLE -g sex -g race --label label --pred
  prediction --format json` (reading included), best of three runs, the
  same with `--score score`, and without the label (`--pred prediction`
  only: selection rates, impact ratios, the four-fifths screen, LL144);
- Fairlearn: this script in `peer` mode: pandas reads the same four columns,
  then a MetricFrame of selection_rate, true_positive_rate,
  false_positive_rate, precision (scikit-learn, zero_division=0) and count by
  sex x race, and from it the demographic parity difference and ratio and the
  equalized odds difference (Fairlearn's definitions: between groups, worst
  case; with FAIRNESS_PEER_CHECK_FUNCTIONS=1 also through the functions
  demographic_parity_difference & co., untimed, which must agree exactly);
- Fairlearn without a label (`peer-selection` mode): pandas reads sex, race
  and prediction, a MetricFrame of selection_rate and count by sex x race,
  and the demographic parity difference and ratio from it (Fairlearn's
  signatures take y_true, which these metrics never read: the predictions
  are passed in its place).

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


def peer_selection(fmt, path, out):
    """Fairlearn without a label: selection rates and demographic parity only."""
    started = time.perf_counter()
    import pandas as pd
    from fairlearn.metrics import MetricFrame, count, demographic_parity_ratio, selection_rate

    imported = time.perf_counter()
    columns = ["sex", "race", "prediction"]
    if fmt == "csv":
        frame = pd.read_csv(path, usecols=columns)
    else:
        frame = pd.read_parquet(path, columns=columns)
    loaded = time.perf_counter()
    y_pred, sensitive = frame["prediction"], frame[["sex", "race"]]
    metrics = {"selection_rate": selection_rate, "count": count}
    mf = MetricFrame(metrics=metrics, y_true=y_pred, y_pred=y_pred, sensitive_features=sensitive)
    result = {
        "demographic_parity_difference": float(mf.difference(method="between_groups")["selection_rate"]),
        "demographic_parity_ratio": float(mf.ratio(method="between_groups")["selection_rate"]),
    }
    computed = time.perf_counter()
    if os.environ.get("FAIRNESS_PEER_CHECK_FUNCTIONS") == "1":
        value = float(demographic_parity_ratio(y_pred, y_pred, sensitive_features=sensitive))
        if value != result["demographic_parity_ratio"]:
            sys.exit(f"demographic_parity_ratio: MetricFrame {result['demographic_parity_ratio']!r}, function {value!r}")
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
    )
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f)


def selection_differences(accord, fairlearn, expected):
    """Accord without a label against Fairlearn's selection rates and the generator."""
    problems = []
    metrics = accord["metrics"]
    for absent in ["label", "equalized_odds_difference"]:
        if absent in metrics:
            problems.append(f"{absent} present without a label")
    ours = {(g["group"]["sex"], g["group"]["race"]): g for g in metrics["groups"]}
    for cell in expected["groups"]:
        key = (cell["group"]["sex"], cell["group"]["race"])
        group = ours.get(key)
        if group is None:
            problems.append(f"{key}: missing from Accord's groups")
        elif group["selected"] != cell["tp"] + cell["fp"]:
            problems.append(f"{key}: selected {group['selected']}, generator {cell['tp'] + cell['fp']}")
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
        if not abs(group["selection_rate"] - theirs["selection_rate"]) <= TOLERANCE:
            problems.append(f"{key}: selection_rate {group['selection_rate']!r}, Fairlearn {theirs['selection_rate']!r}")
    for name in ["demographic_parity_difference", "demographic_parity_ratio"]:
        ours_value, theirs_value = metrics[name], fairlearn[name]
        if ours_value is None or not abs(ours_value - theirs_value) <= TOLERANCE:
            problems.append(f"{name}: {ours_value!r}, Fairlearn {theirs_value!r}")
    return problems


def load_average():
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            return " / ".join(f.read().split()[:3])
    except OSError:
        return "?"


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
    lines.append(f"{rows:,} rows, {len(expected['groups'])} groups (sex x race); {os.cpu_count()} CPUs ({cpu}); load average (1/5/15 min) at the start {load_average()}")
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

        # Without a label: selection rates and demographic parity on both sides.
        nolabel_out = f"{directory}/accord-{fmt}-nolabel.json"
        n_wall, n_cpu, n_rss = best_of(3, [accord, "audit", "fairness", table, "-g", "sex", "-g", "race",
                                           "--pred", "prediction", "--format", "json", "--output", nolabel_out])
        selection_out = f"{directory}/fairlearn-{fmt}-selection.json"
        g_wall, g_cpu, g_rss = measure([sys.executable, __file__, "peer-selection", fmt, table, selection_out])
        selection = json.load(open(selection_out, encoding="utf-8"))
        problems = selection_differences(json.load(open(nolabel_out, encoding="utf-8")), selection, expected)
        verdict = "equal to 1e-9" if not problems else f"{len(problems)} differences"
        failed |= bool(problems)
        for p in problems[:10]:
            print(f"{fmt} without a label: {p}", file=sys.stderr)
        inner = selection["load_seconds"] + selection["compute_seconds"]
        lines.append(f"| | Fairlearn without a label: MetricFrame of selection_rate and count (process) | {g_wall:.2f} | {g_cpu:.2f} | {g_rss:,.0f} | 1x | 1x | |")
        lines.append(f"| | **Accord** `--pred` only, no label (process, reading included) | **{n_wall:.2f}** | {n_cpu:.2f} | **{n_rss:,.0f}** | **{g_wall / n_wall:.0f}x** ({inner / n_wall:.0f}x without imports) | **{n_rss / g_rss:.3f}** | {verdict} |")
    lines.append("")
    lines.append(f"Load average (1/5/15 min) at the end: {load_average()}.")
    lines.append(f"Peer versions: {json.dumps(fairlearn_versions)}; Python {platform.python_version()}.")
    text = "\n".join(lines)
    print(text)
    with open(f"{directory}/results.md", "w", encoding="utf-8") as f:
        f.write(text + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "peer":
        peer(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 2 and sys.argv[1] == "peer-selection":
        peer_selection(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 3:
        sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:] or ["csv", "parquet"]))
    else:
        sys.exit(__doc__)
