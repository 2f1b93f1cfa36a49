#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Seeded data for bench/compare_peers.sh.

    python3 bench/gen_data.py agreement OUT.csv [--units 1000000] [--raters 5] [--missing 0.2] [--seed 1]
    python3 bench/gen_data.py correlate OUT.csv [--rows 1000000] [--seed 1]

agreement: wide CSV `unit,r1,...,rK`, integer categories 1-5, each cell
missing (empty) with probability --missing; raters agree with a per-unit
"true" category most of the time.
correlate: CSV `id,x,y` with many ties: x is a judge score rounded to 2
decimals, y a human score rounded to 1 decimal; with --continuous, unrounded.
"""

import argparse

import numpy as np
import pandas as pd


def agreement(path, units, raters, missing, rng):
    truth = rng.integers(1, 6, size=units)
    cols = {"unit": np.arange(1, units + 1)}
    for j in range(raters):
        noise = rng.integers(1, 6, size=units)
        values = np.where(rng.random(units) < 0.7, truth, noise)
        col = pd.array(values, dtype="Int64")
        col[rng.random(units) < missing] = pd.NA
        cols[f"r{j + 1}"] = col
    pd.DataFrame(cols).to_csv(path, index=False, na_rep="")


def correlate(path, rows, rng, continuous=False):
    x = rng.normal(size=rows)
    y = 0.6 * x + 0.8 * rng.normal(size=rows)
    if not continuous:
        x, y = np.round(x, 2), np.round(y, 1)
    df = pd.DataFrame({"id": np.arange(1, rows + 1), "x": x, "y": y})
    df.to_csv(path, index=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=("agreement", "correlate"))
    ap.add_argument("out")
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--raters", type=int, default=5)
    ap.add_argument("--missing", type=float, default=0.2)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--continuous", action="store_true", help="correlate: no rounding, so no ties")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    if args.kind == "agreement":
        agreement(args.out, args.units, args.raters, args.missing, rng)
    else:
        correlate(args.out, args.rows, rng, args.continuous)


if __name__ == "__main__":
    main()
