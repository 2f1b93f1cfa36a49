#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Python peer of `tally report agreement` on a tally store: read the label events of a
rubric with sqlite3 into pandas, keep each (item, rater, criterion)'s newest event
(unless it retracted the label), and compute Krippendorff's alpha per criterion with
the `krippendorff` package (point estimates only: no bootstrap).

    python3 bench/peer_store_agreement.py STORE.db [--rubric rag-answer-quality]

Criteria and levels are those of the bundled rubric's required criteria: `correct`
nominal, `grounded` and `helpfulness` ordinal (options in rubric order).
"""

import argparse
import sqlite3

import krippendorff
import numpy as np
import pandas as pd

CRITERIA = {
    "correct": ("nominal", ["pass", "fail"]),
    "grounded": ("ordinal", ["ungrounded", "partial", "grounded"]),
    "helpfulness": ("ordinal", ["1", "2", "3", "4", "5"]),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--rubric", default="rag-answer-quality")
    args = ap.parse_args()

    db = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    events = pd.read_sql_query(
        "SELECT e.item_id, e.rater, e.criterion, e.value, e.created_at, e.id FROM label_events e "
        "JOIN rubrics r ON r.id = e.rubric_id WHERE r.name = ?",
        db,
        params=(args.rubric,),
    )
    events = events.sort_values(["created_at", "id"]).drop_duplicates(["item_id", "rater", "criterion"], keep="last")
    labels = events.dropna(subset=["value"])
    for criterion, (level, options) in CRITERIA.items():
        rows = labels[labels["criterion"] == criterion]
        # Values are JSON strings: "pass", "3".
        codes = rows["value"].str.strip('"').map({option: i + 1 for i, option in enumerate(options)})
        matrix = (
            pd.DataFrame({"item": rows["item_id"], "rater": rows["rater"], "code": codes})
            .pivot(index="rater", columns="item", values="code")
            .to_numpy(dtype=float)
        )
        alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
        print(f"{criterion} alpha {alpha:.6f} ({level}, {np.count_nonzero(~np.isnan(matrix))} ratings)")


if __name__ == "__main__":
    main()
