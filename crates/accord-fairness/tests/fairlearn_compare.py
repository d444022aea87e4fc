"""Fairlearn's metrics for a CSV table, as JSON, for tests/fairlearn.rs.

Usage: python fairlearn_compare.py TABLE.csv OUT.json LABEL PRED GROUP [GROUP...]

Computes, with Fairlearn's own functions: a MetricFrame of selection_rate,
true_positive_rate, false_positive_rate, scikit-learn's precision_score
(zero_division=0) and count by the intersectional groups and overall; and
demographic_parity_difference, demographic_parity_ratio and
equalized_odds_difference with their defaults (method="between_groups",
agg="worst_case").

With LABEL `-` the table has no label column: only selection_rate and count
by group and overall, and demographic_parity_difference and
demographic_parity_ratio with sensitive_features. Fairlearn's signatures
still take y_true, which these metrics do not read; the predictions are
passed in its place. Needs: pip install fairlearn pandas
"""

import functools
import json
import math
import sys

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


def number(value):
    value = float(value)
    return None if math.isnan(value) else value


def without_label(frame, pred, groups):
    """Selection rates and demographic parity, from groups and predictions only."""
    y_pred = frame[pred].astype(int)
    sensitive = frame[groups]
    metrics = {"selection_rate": selection_rate, "count": count}
    # selection_rate and count never read y_true; Fairlearn requires the argument.
    mf = MetricFrame(metrics=metrics, y_true=y_pred, y_pred=y_pred, sensitive_features=sensitive)
    rows = []
    for key, values in mf.by_group.dropna(subset=["count"]).iterrows():
        key = key if isinstance(key, tuple) else (key,)
        row = {"group": dict(zip(groups, key))}
        row.update({name: number(values[name]) for name in metrics})
        rows.append(row)
    return {
        "groups": rows,
        "overall": {name: number(mf.overall[name]) for name in metrics},
        "demographic_parity_difference": number(
            demographic_parity_difference(y_pred, y_pred, sensitive_features=sensitive)
        ),
        "demographic_parity_ratio": number(
            demographic_parity_ratio(y_pred, y_pred, sensitive_features=sensitive)
        ),
    }


def main(table, out, label, pred, groups):
    frame = pd.read_csv(table, dtype={g: str for g in groups}, keep_default_na=False)
    if label == "-":
        result = without_label(frame, pred, groups)
        result["fairlearn"] = __import__("fairlearn").__version__
        with open(out, "w", encoding="utf-8") as f:
            json.dump(result, f)
        return
    y_true = frame[label].astype(int)
    y_pred = frame[pred].astype(int)
    sensitive = frame[groups]
    metrics = {
        "selection_rate": selection_rate,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "precision": functools.partial(precision_score, zero_division=0),
        "count": count,
    }
    mf = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=sensitive)
    by_group = mf.by_group.dropna(subset=["count"])
    rows = []
    for key, values in by_group.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        row = {"group": dict(zip(groups, key))}
        row.update({name: number(values[name]) for name in metrics})
        rows.append(row)
    result = {
        "fairlearn": __import__("fairlearn").__version__,
        "groups": rows,
        "overall": {name: number(mf.overall[name]) for name in metrics},
        "demographic_parity_difference": number(
            demographic_parity_difference(y_true, y_pred, sensitive_features=sensitive)
        ),
        "demographic_parity_ratio": number(
            demographic_parity_ratio(y_true, y_pred, sensitive_features=sensitive)
        ),
        "equalized_odds_difference": number(
            equalized_odds_difference(y_true, y_pred, sensitive_features=sensitive)
        ),
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
