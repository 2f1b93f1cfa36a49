#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Reads tally's harness exports back with the harnesses' own Python packages.

    python3 tests/readback/readback.py DIR

DIR holds what `tests/harness_readback.rs` exported from the bundled sample:
inspect.jsonl, openai-evals.jsonl, hf/ (a dataset folder). Each is loaded by the
tool's reader, and the rows it gives are checked against the JSONL lines.

- Inspect AI: `inspect_ai.dataset.json_dataset` (https://inspect.aisi.org.uk/datasets.html)
- Hugging Face: `datasets.load_dataset(folder)`, which reads the card's `configs`
  (https://huggingface.co/docs/hub/datasets-manual-configuration)
- OpenAI evals samples are plain JSONL records ({"input": [messages], "ideal"}); the
  evals package has no reader to install cheaply, so they are checked by shape here.
Exits 1 with the reason on the first mismatch.
"""

import json
import sys
from pathlib import Path


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def fail(msg):
    print(f"readback: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    folder = Path(sys.argv[1])

    from inspect_ai.dataset import json_dataset

    rows = lines(folder / "inspect.jsonl")
    dataset = json_dataset(str(folder / "inspect.jsonl"))
    if len(dataset) != len(rows):
        fail(f"inspect: json_dataset read {len(dataset)} samples, the file has {len(rows)}")
    for sample, row in zip(dataset, rows):
        if sample.id != row["id"] or sample.input != row["input"] or sample.target != row["target"]:
            fail(f"inspect: sample {sample.id!r} differs from line {row['id']!r}")
        if sample.metadata != row["metadata"]:
            fail(f"inspect: metadata of {sample.id!r} differs")
    print(f"inspect_ai json_dataset: {len(dataset)} samples, ids, inputs, targets and metadata as written")

    import datasets

    hf_rows = lines(folder / "hf" / "train.jsonl")
    loaded = datasets.load_dataset(str(folder / "hf"))
    train = loaded["train"]
    if train.num_rows != len(hf_rows):
        fail(f"hf: load_dataset read {train.num_rows} rows, train.jsonl has {len(hf_rows)}")
    card_features = set(train.features)
    if card_features != set(hf_rows[0]):
        fail(f"hf: features {sorted(card_features)} differ from the rows' fields {sorted(hf_rows[0])}")
    if [r["id"] for r in train] != [r["id"] for r in hf_rows]:
        fail("hf: ids differ")
    print(f"datasets load_dataset: {train.num_rows} rows, features {sorted(card_features)}")

    evals_rows = lines(folder / "openai-evals.jsonl")
    for row in evals_rows:
        messages = row.get("input")
        if not isinstance(messages, list) or not all(
            isinstance(m, dict) and m.get("role") in {"system", "user", "assistant"} and isinstance(m.get("content"), str)
            for m in messages
        ):
            fail(f"openai-evals: input is not a list of chat messages: {row!r:.200}")
        if "ideal" not in row:
            fail("openai-evals: a sample has no ideal")
    print(f"openai-evals: {len(evals_rows)} samples of chat messages with an ideal")


if __name__ == "__main__":
    main()
