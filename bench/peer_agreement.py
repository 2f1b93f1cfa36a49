#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Python peer of `tally agreement FILE --level nominal`: read a wide ratings
CSV (unit column, then one column per rater; empty = missing) with pandas and
compute Krippendorff's alpha with the `krippendorff` package.

    python3 bench/peer_agreement.py FILE [--level nominal]

Prints alpha and the computation time alone (excluding the CSV read).
"""

import argparse
import time

import krippendorff
import numpy as np
import pandas as pd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--level", default="nominal")
    args = ap.parse_args()

    t0 = time.perf_counter()
    df = pd.read_csv(args.file)
    ratings = df.iloc[:, 1:].to_numpy(dtype=float).T  # raters x units, nan = missing
    t1 = time.perf_counter()
    alpha = krippendorff.alpha(reliability_data=ratings, level_of_measurement=args.level)
    t2 = time.perf_counter()
    print(f"alpha {alpha!r}")
    print(f"read_s {t1 - t0:.3f}")
    print(f"compute_s {t2 - t1:.3f}")


if __name__ == "__main__":
    main()
