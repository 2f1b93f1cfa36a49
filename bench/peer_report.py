#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""The Python peer of `tally report agreement` in bench/store_peers.sh: what a short
script does to get Krippendorff's alpha per criterion from a tally store. It reads the
labels with pandas, keeps each rater's latest value per item and criterion, and calls
`krippendorff.alpha` (point estimates only: no bootstrap, no pairwise or
leave-one-out tables, no golden-set or rubric-version filtering).

    python3 bench/peer_report.py agreement DB

Needs pandas, numpy and krippendorff (bench/requirements.txt).
"""

import json
import sqlite3
import sys
import time
import tomllib

import krippendorff
import numpy as np
import pandas as pd

LEVELS = {"binary": "nominal", "nominal": "nominal", "ordinal": "ordinal", "number": "interval"}


def agreement(db):
    start = time.perf_counter()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    (source,) = con.execute("SELECT source FROM rubrics ORDER BY id DESC LIMIT 1").fetchone()
    rubric = tomllib.loads(source)
    labels = pd.read_sql_query(
        "SELECT id, item_id, rater, criterion, value FROM label_events WHERE rater NOT LIKE 'golden:%'", con
    )
    labels = labels.sort_values("id").drop_duplicates(["item_id", "rater", "criterion"], keep="last")
    labels = labels[labels["value"].notna()]
    for criterion in rubric["criteria"]:
        level = LEVELS.get(criterion["kind"])
        if level is None:
            continue
        rows = labels[labels["criterion"] == criterion["id"]]
        if rows.empty:
            continue
        values = rows["value"].map(json.loads)
        if criterion["kind"] == "number":
            codes = values.astype(float)
        else:
            order = {option["value"]: index for index, option in enumerate(criterion["options"])}
            codes = values.map(order).astype(float)
        matrix = (
            pd.DataFrame({"rater": rows["rater"], "item": rows["item_id"], "code": codes})
            .pivot(index="rater", columns="item", values="code")
            .to_numpy(dtype=float)
        )
        alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
        print(f"{criterion['id']}\t{level}\t{alpha:.4f}\t{matrix.shape[1]} units")
    print(f"seconds\t{time.perf_counter() - start:.2f}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "agreement":
        sys.exit(__doc__)
    agreement(sys.argv[2])
