#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Seeded files for bench/store_peers.sh (standard library only).

    python3 bench/gen_store.py items OUT.jsonl [--items 1000000] [--seed 1]
    python3 bench/gen_store.py labels OUT.csv [--labeled 200000] [--raters 3] [--seed 1]

items: one JSON object a line (`id`, `input`, `output`, `reference`, `context`,
`metadata.model`, judge scores for `correct` and `helpfulness`), ids `it-0000001`...
labels: CSV `item,rater,criterion,value`, the first --labeled items x --raters raters
x the three required criteria of the bundled rubric (correct, grounded, helpfulness);
raters agree with a per-item truth 70% of the time.
"""

import argparse
import csv
import json
import random

CRITERIA = {
    "correct": ["pass", "fail"],
    "grounded": ["ungrounded", "partial", "grounded"],
    "helpfulness": ["1", "2", "3", "4", "5"],
}
WORDS = "the invoice payment reminder customer account key settings support plan refund export team".split()


def item_id(i):
    return f"it-{i:07d}"


def items(path, n, rng):
    with open(path, "w", encoding="utf-8") as out:
        for i in range(1, n + 1):
            words = lambda k: " ".join(rng.choice(WORDS) for _ in range(k))
            record = {
                "id": item_id(i),
                "input": words(12) + "?",
                "output": words(25) + ".",
                "reference": words(20) + ".",
                "context": [words(15), words(15)],
                "metadata": {"model": rng.choice(["model-a", "model-b"])},
                "judge": {"correct": rng.choice(CRITERIA["correct"]), "helpfulness": rng.randint(1, 5)},
            }
            out.write(json.dumps(record) + "\n")


def labels(path, labeled, raters, rng):
    names = [f"rater{j + 1}" for j in range(raters)]
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["item", "rater", "criterion", "value"])
        for i in range(1, labeled + 1):
            truth = {c: rng.choice(v) for c, v in CRITERIA.items()}
            for rater in names:
                for criterion, values in CRITERIA.items():
                    value = truth[criterion] if rng.random() < 0.7 else rng.choice(values)
                    writer.writerow([item_id(i), rater, criterion, value])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=("items", "labels"))
    ap.add_argument("out")
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--labeled", type=int, default=200_000)
    ap.add_argument("--raters", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if args.kind == "items":
        items(args.out, args.items, rng)
    else:
        labels(args.out, args.labeled, args.raters, rng)


if __name__ == "__main__":
    main()
