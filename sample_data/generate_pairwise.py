#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Build tally's bundled pairwise (side-by-side) sample data.

    python3 sample_data/generate_pairwise.py

reads the hand-written questions and answers of sample_data/rag_content.py
(the fictional Ledgerlark help centre) and writes, next to this script:

    pairwise_items.jsonl   comparison items: 80 prompts x 3 model pairs
                           (less the pairs of identical answers), each with
                           an LLM judge's preference
    pairwise_labels.csv    preferences of three simulated raters (ana, ben,
                           chloe) with the side each saw on the left

The three models:

    assistant-v1        the older answers (31 of 80 wrong)
    assistant-v2        the newer answers (15 of 80 wrong): clearly better
    assistant-v2-terse  assistant-v2 without citations and shorter (its last
                        sentence dropped, or a one-sentence answer cut at its
                        last comma): nearly tied with assistant-v2

Raters are simulated from the written quality of each answer: ana is
careful, ben likes short answers, chloe has a left-side habit (when a pair
is close she picks whatever is on the left), so position bias shows. The
sides are drawn per rater and item. One seeded generator: two runs give
byte-identical files. Standard library only (Python 3.11).
"""

import csv
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

sys.dont_write_bytecode = True
import rag_content as content  # noqa: E402

SEED = 14
RATERS = ("ana", "ben", "chloe")
MODELS = (("v1", "assistant-v1"), ("v2", "assistant-v2"),
          ("v3", "assistant-v2-terse"))
PAIRS = (("v1", "v2"), ("v1", "v3"), ("v2", "v3"))
CITATION = re.compile(r"\s*\[[^\]]*\]")
SENTENCE = re.compile(r"(?<=[.!?])\s+")
# What assistant-v2-terse's cut costs it: nothing, a sentence, a clause.
LOSS = (0.0, 0.2, 0.3)


def terse(text):
    """assistant-v2-terse: no citations, and shorter: the last of two or more
    sentences dropped, or a one-sentence answer cut at its last comma.
    Returns the text and what it lost (0 nothing, 1 a sentence, 2 a clause)."""
    text = CITATION.sub("", text).replace(" .", ".").strip()
    sentences = SENTENCE.split(text)
    if len(sentences) >= 2:
        return " ".join(sentences[:-1]), 1
    if ", " in text:
        return text[:text.rindex(", ")] + ".", 2
    return text, 0


def quality(answer):
    """A latent quality: a wrong answer is far below any right one."""
    base = answer["helpfulness"]
    return base + (1.5 if answer["correct"] == "pass" else -1.5)


def candidates(q):
    """The three answers with their latent quality and traits."""
    v1, v2 = q["v1"], q["v2"]
    short, dropped = terse(v2["text"])
    return {
        "v1": {"text": v1["text"], "q": quality(v1), "ok": v1["correct"] == "pass",
               "short": False},
        "v2": {"text": v2["text"], "q": quality(v2), "ok": v2["correct"] == "pass",
               "short": False},
        # Losing a sentence costs a little; the answer stays right or wrong.
        "v3": {"text": short, "q": quality(v2) - LOSS[dropped],
               "ok": v2["correct"] == "pass", "short": True},
    }


def decide(rng, x, y, taste=0.0, noise=0.7):
    """A preference between answers x and y (a = x): a, b, tie or both_bad.
    `taste` is added to whichever answer is short."""
    d = (x["q"] + taste * x["short"]) - (y["q"] + taste * y["short"])
    d += rng.gauss(0.0, noise)
    if not x["ok"] and not y["ok"] and abs(d) < 1.5:
        return "both_bad"
    if abs(d) < 0.45:
        return "tie"
    return "a" if d > 0 else "b"


def why(rng, winner, loser):
    tags = []
    if winner["ok"] and not loser["ok"]:
        tags.append("accuracy")
    if winner["q"] - loser["q"] >= 1 and rng.random() < 0.6:
        tags.append("completeness")
    if winner["short"] and not loser["short"] and rng.random() < 0.7:
        tags.append("concision")
    if not tags or rng.random() < 0.15:
        tags.append("clarity")
    order = ("accuracy", "completeness", "clarity", "concision")
    return ";".join(t for t in order if t in tags)


def main():
    rng = random.Random(SEED)
    items, labels = [], []
    for i, q in enumerate(content.QUESTIONS, start=1):
        prompt = f"p-{i:04d}"
        answers = candidates(q)
        for first, second in PAIRS:
            x, y = answers[first], answers[second]
            if x["text"] == y["text"]:
                continue  # nothing to choose between
            item_id = f"{prompt}-{first}-{second}"
            # The judge: close to the truth, with a taste for longer answers.
            judged = decide(rng, x, y, taste=-0.3, noise=0.6)
            items.append({
                "id": item_id,
                "input": q["q"],
                "candidates": [
                    {"id": first, "output": x["text"], "model": dict(MODELS)[first]},
                    {"id": second, "output": y["text"], "model": dict(MODELS)[second]},
                ],
                "metadata": {"question_id": prompt, "doc": q["doc"]},
                "judge": {"preference": judged},
            })
            for rater in RATERS:
                left = rng.choice((first, second))
                if rater == "ana":
                    value = decide(rng, x, y, noise=0.5)
                elif rater == "ben":
                    value = decide(rng, x, y, taste=0.15, noise=0.8)
                else:
                    value = decide(rng, x, y, noise=0.9)
                    # chloe's habit: a close call goes to the left.
                    close = abs(x["q"] - y["q"]) < 1.2
                    if close and value in ("tie", "a", "b") and rng.random() < 0.65:
                        value = "a" if left == first else "b"
                reason = ""
                if value in ("a", "b"):
                    winner, loser = (x, y) if value == "a" else (y, x)
                    reason = why(rng, winner, loser)
                labels.append((item_id, rater, value, reason, left))

    items_path = os.path.join(HERE, "pairwise_items.jsonl")
    labels_path = os.path.join(HERE, "pairwise_labels.csv")
    with open(items_path, "w", encoding="utf-8", newline="\n") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    with open(labels_path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("item", "rater", "preference", "why", "left"))
        writer.writerows(labels)
    print(f"wrote {len(items)} items and {len(labels)} label rows")


if __name__ == "__main__":
    main()
