#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Cross-check the sample data's agreement figures with an independent
implementation of Krippendorff's alpha (the `krippendorff` package).

    pip install krippendorff numpy
    python3 sample_data/check_agreement.py

Reads rag_items.jsonl and rag_labels.csv next to this script and prints
alpha per criterion (all three raters), the LLM judge against the
raters' majority on `correct`, and a few descriptive rates.
"""

import csv
import json
import os
from collections import Counter, defaultdict

import krippendorff
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RATERS = ("ana", "ben", "chloe")
GROUNDED = {"ungrounded": 0, "partial": 1, "grounded": 2}


def load():
    with open(os.path.join(HERE, "rag_items.jsonl"), encoding="utf-8") as f:
        items = [json.loads(line) for line in f]
    labels = defaultdict(dict)  # (item, rater) -> criterion -> value
    with open(os.path.join(HERE, "rag_labels.csv"), encoding="utf-8",
              newline="") as f:
        for row in csv.DictReader(f):
            labels[(row["item"], row["rater"])][row["criterion"]] = row["value"]
    return items, labels


def matrix(items, labels, criterion, encode):
    data = np.full((len(RATERS), len(items)), np.nan)
    for j, item in enumerate(items):
        for i, rater in enumerate(RATERS):
            value = labels.get((item["id"], rater), {}).get(criterion)
            if value is not None:
                data[i, j] = encode(value)
    return data


def main():
    items, labels = load()
    print(f"items: {len(items)}, label rows: "
          f"{sum(len(v) for v in labels.values())}")
    pairs = len(items) * len(RATERS)
    print(f"(item, rater) pairs present: {len(labels)} of {pairs} "
          f"({100 * (1 - len(labels) / pairs):.1f}% missing)")
    notes = sum(1 for v in labels.values() if "note" in v)
    print(f"pairs with a note: {notes} ({100 * notes / len(labels):.1f}%)")

    print("\nKrippendorff's alpha, raters ana, ben, chloe:")
    specs = [
        ("correct", "nominal", lambda v: 1.0 if v == "pass" else 0.0, None),
        ("grounded", "ordinal", lambda v: float(GROUNDED[v]),
         [0.0, 1.0, 2.0]),
        ("helpfulness", "ordinal", float, [1.0, 2.0, 3.0, 4.0, 5.0]),
    ]
    for criterion, level, encode, domain in specs:
        data = matrix(items, labels, criterion, encode)
        kwargs = {"level_of_measurement": level}
        if domain is not None:
            kwargs["value_domain"] = domain
        alpha = krippendorff.alpha(reliability_data=data, **kwargs)
        print(f"  {criterion:<12} {level:<8} alpha = {alpha:.3f}")

    print("\nLLM judge vs the raters' majority on `correct`:")
    agree = total = ties = 0
    per_model = defaultdict(Counter)
    for item in items:
        votes = Counter(labels[(item["id"], r)]["correct"]
                        for r in RATERS if (item["id"], r) in labels)
        top = votes.most_common()
        if len(top) > 1 and top[0][1] == top[1][1]:
            ties += 1
            continue
        majority = top[0][0]
        per_model[item["metadata"]["model"]][majority] += 1
        total += 1
        agree += item["judge"]["correct"] == majority
    print(f"  agreement {agree}/{total} = {100 * agree / total:.1f}% "
          f"({ties} items with a tied vote left out)")

    print("\nFail rate by model (raters' majority):")
    for model in sorted(per_model):
        c = per_model[model]
        n = c["pass"] + c["fail"]
        print(f"  {model}: {c['fail']}/{n} = {100 * c['fail'] / n:.1f}%")

    print("\nJudge helpfulness minus mean rater helpfulness:")
    diffs = []
    for item in items:
        hs = [int(labels[(item["id"], r)]["helpfulness"])
              for r in RATERS if (item["id"], r) in labels]
        diffs.append(item["judge"]["helpfulness"] - sum(hs) / len(hs))
    print(f"  mean {sum(diffs) / len(diffs):+.2f} over {len(diffs)} items")


if __name__ == "__main__":
    main()
