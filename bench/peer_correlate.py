#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Python peer of `tally correlate FILE --x x --y y`: read the CSV with pandas
and compute Pearson (with its Fisher confidence interval), Spearman and
Kendall's tau-b with scipy.

    python3 bench/peer_correlate.py FILE [--x x] [--y y]

Prints the coefficients and the computation time alone (excluding the CSV read).
"""

import argparse
import time

import pandas as pd
from scipy import stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--x", default="x")
    ap.add_argument("--y", default="y")
    args = ap.parse_args()

    t0 = time.perf_counter()
    df = pd.read_csv(args.file, usecols=[args.x, args.y]).dropna()
    x = df[args.x].to_numpy(dtype=float)
    y = df[args.y].to_numpy(dtype=float)
    t1 = time.perf_counter()
    pearson = stats.pearsonr(x, y)
    ci = pearson.confidence_interval(0.95)
    tp = time.perf_counter()
    spearman = stats.spearmanr(x, y)
    ts = time.perf_counter()
    kendall = stats.kendalltau(x, y)
    t2 = time.perf_counter()
    print(f"n {len(x)}")
    print(f"pearson r={pearson.statistic!r} p={pearson.pvalue!r} ci=({ci.low!r}, {ci.high!r})")
    print(f"spearman rho={spearman.statistic!r} p={spearman.pvalue!r}")
    print(f"kendall tau_b={kendall.statistic!r} p={kendall.pvalue!r}")
    print(f"read_s {t1 - t0:.3f}")
    print(f"compute_s {t2 - t1:.3f}")
    print(f"pearson_s {tp - t1:.4f}")
    print(f"spearman_s {ts - tp:.4f}")
    print(f"kendall_s {t2 - ts:.4f}")


if __name__ == "__main__":
    main()
