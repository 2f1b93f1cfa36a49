#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""The Python peer of bench/store_peers.sh: what a short script with the standard
library does in place of tally's imports (json/csv + sqlite3 executemany, one
transaction, the same tables and indexes as tally's store).

    python3 bench/peer_store.py items DB ITEMS.jsonl
    python3 bench/peer_store.py labels DB LABELS.csv
"""

import csv
import hashlib
import json
import sqlite3
import sys
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY, external_id TEXT NOT NULL UNIQUE, dataset TEXT NOT NULL,
    input TEXT NOT NULL, output TEXT NOT NULL, reference TEXT, context TEXT NOT NULL,
    metadata TEXT NOT NULL, judge TEXT NOT NULL, content_hash TEXT NOT NULL,
    source_file TEXT, source_line INTEGER, imported_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS items_dataset ON items (dataset);
CREATE TABLE IF NOT EXISTS label_events (
    id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id), rater TEXT NOT NULL,
    criterion TEXT NOT NULL, value TEXT, comment TEXT, rubric_id INTEGER NOT NULL,
    batch_id INTEGER, duration_ms INTEGER, created_at INTEGER NOT NULL, source TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS label_events_current ON label_events (item_id, rater, criterion, id);
"""


def connect(path):
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.executescript(SCHEMA)
    return conn


def items(db, path):
    conn = connect(db)
    now = int(time.time() * 1000)

    def rows():
        with open(path, encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                r = json.loads(line)
                fields = [r["id"], "bench", r.get("input", ""), r["output"], r.get("reference"),
                          json.dumps(r.get("context", [])), json.dumps(r.get("metadata", {}), sort_keys=True),
                          json.dumps(r.get("judge", {}), sort_keys=True)]
                digest = hashlib.sha256("\0".join(str(x) for x in fields[2:]).encode()).hexdigest()
                yield (*fields, digest, path, line_no, now)

    with conn:
        conn.executemany("INSERT INTO items (external_id, dataset, input, output, reference, context, metadata, judge,"
                         " content_hash, source_file, source_line, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                         rows())
    print("items", conn.execute("SELECT count(*) FROM items").fetchone()[0])


def labels(db, path):
    conn = connect(db)
    ids = dict(conn.execute("SELECT external_id, id FROM items"))
    now = int(time.time() * 1000)

    def rows():
        with open(path, newline="", encoding="utf-8") as f:
            for line_no, r in enumerate(csv.DictReader(f), 2):
                yield (ids[r["item"]], r["rater"], r["criterion"], json.dumps(r["value"]), 1, now,
                       f"import:{path}:{line_no}")

    with conn:
        conn.executemany("INSERT INTO label_events (item_id, rater, criterion, value, rubric_id, created_at, source)"
                         " VALUES (?,?,?,?,?,?,?)", rows())
    print("labels", conn.execute("SELECT count(*) FROM label_events").fetchone()[0])


if __name__ == "__main__":
    {"items": items, "labels": labels}[sys.argv[1]](sys.argv[2], sys.argv[3])
