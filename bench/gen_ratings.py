#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Seeded ratings for timing tally's bootstrap intervals, Python standard library only.

    python3 bench/gen_ratings.py ratings OUT.csv [--units 100000] [--raters 5] [--missing 0.2] [--seed 1]
    python3 bench/gen_ratings.py store OUTDIR [--items 200000] [--raters 3] [--seed 1]

ratings: a wide CSV `unit,r1,...,rK` for `tally agreement`: integer categories 1-5,
each cell empty with probability --missing; a rater gives the unit's "true" category
with probability 0.7, else a uniform one (the shape of gen_data.py's, without numpy).

store: OUTDIR/items.jsonl (--items items) and OUTDIR/labels.csv (every rater labels
every item on the bundled rubric's correct, grounded and helpfulness criteria), for
`tally import`, `tally labels import` and then `tally report agreement`.
"""

import argparse
import csv
import json
import os
import random


def noisy(rng, truth, options):
    return truth if rng.random() < 0.7 else rng.choice(options)


def ratings(path, units, raters, missing, rng):
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["unit"] + [f"r{j + 1}" for j in range(raters)])
        for unit in range(1, units + 1):
            truth = rng.randint(1, 5)
            row = [unit]
            for _ in range(raters):
                row.append("" if rng.random() < missing else noisy(rng, truth, range(1, 6)))
            writer.writerow(row)


CRITERIA = {
    "correct": ["pass", "fail"],
    "grounded": ["ungrounded", "partial", "grounded"],
    "helpfulness": ["1", "2", "3", "4", "5"],
}


def store(folder, items, raters, rng):
    os.makedirs(folder, exist_ok=True)
    names = [f"rater{j + 1}" for j in range(raters)]
    with open(os.path.join(folder, "items.jsonl"), "w") as out:
        for item in range(items):
            out.write(json.dumps({"id": f"it-{item}", "input": f"question {item}", "output": f"answer {item}"}) + "\n")
    with open(os.path.join(folder, "labels.csv"), "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["item", "rater", "criterion", "value"])
        for item in range(items):
            truths = {criterion: rng.choice(options) for criterion, options in CRITERIA.items()}
            for rater in names:
                for criterion, options in CRITERIA.items():
                    writer.writerow([f"it-{item}", rater, criterion, noisy(rng, truths[criterion], options)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=("ratings", "store"))
    ap.add_argument("out")
    ap.add_argument("--units", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=200_000)
    ap.add_argument("--raters", type=int, default=None)
    ap.add_argument("--missing", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if args.kind == "ratings":
        ratings(args.out, args.units, args.raters or 5, args.missing, rng)
    else:
        store(args.out, args.items, args.raters or 3, rng)


if __name__ == "__main__":
    main()
