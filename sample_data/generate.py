#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Build tally's bundled sample data from the hand-written content.

    python3 sample_data/generate.py

reads sample_data/rag_content.py (fictional knowledge base, questions,
reference answers and two model answers per question, each with the
quality it was written to have) and writes, next to this script:

    rag_items.jsonl   160 items (80 questions x 2 models) with LLM-judge scores
    rag_labels.csv    labels from three simulated raters (ana, ben, chloe)

Judge scores and rater labels are simulated from the written quality with
one seeded random generator, so two runs give byte-identical files.
Standard library only (Python 3.11).
"""

import csv
import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

sys.dont_write_bytecode = True
import rag_content as content  # noqa: E402

SEED = 2026
MODELS = (("v1", "assistant-v1", "p3"), ("v2", "assistant-v2", "p4"))
RATERS = ("ana", "ben", "chloe")
GROUNDED = ("ungrounded", "partial", "grounded")  # ordinal, lowest first
DEFECTS = ("hallucination", "misread_context", "incomplete",
           "citation_error", "refusal_error", "outdated")
# Defect tags that raters tend to confuse with one another.
CONFUSABLE = {
    "hallucination": "misread_context",
    "misread_context": "hallucination",
    "outdated": "misread_context",
    "citation_error": "misread_context",
    "incomplete": "misread_context",
    "refusal_error": "incomplete",
}
# Failures a fluent-looking answer hides well: the LLM judge and lenient
# raters tend to miss them.
SUBTLE = {"misread_context", "citation_error", "outdated", "incomplete"}


# ---------------------------------------------------------------- checks

def word_count(text):
    return len(text.split())


def check_content():
    """Fail loudly if the hand-written content breaks its own rules."""
    problems = []
    for key, (doc, title, text) in content.PASSAGES.items():
        if doc not in content.DOCS:
            problems.append(f"passage {key}: unknown doc {doc}")
        n = word_count(text)
        if not 40 <= n <= 120:
            problems.append(f"passage {key}: {n} words")
        if not title.startswith(content.DOCS[doc][0]):
            problems.append(f"passage {key}: title {title!r}")
    seen = set()
    for i, q in enumerate(content.QUESTIONS):
        where = f"question {i + 1} ({q['q'][:40]!r})"
        if q["q"] in seen:
            problems.append(f"{where}: duplicate")
        seen.add(q["q"])
        if not 2 <= len(q["ctx"]) <= 4:
            problems.append(f"{where}: {len(q['ctx'])} passages")
        for key in q["ctx"]:
            if key not in content.PASSAGES:
                problems.append(f"{where}: unknown passage {key}")
        for v in ("v1", "v2"):
            a = q[v]
            if a["correct"] not in ("pass", "fail"):
                problems.append(f"{where} {v}: correct {a['correct']!r}")
            if a["grounded"] not in GROUNDED:
                problems.append(f"{where} {v}: grounded {a['grounded']!r}")
            if a["helpfulness"] not in range(1, 6):
                problems.append(f"{where} {v}: helpfulness")
            if a["correct"] == "pass" and a["defects"]:
                problems.append(f"{where} {v}: defects on a pass")
            for d in a["defects"]:
                if d not in DEFECTS:
                    problems.append(f"{where} {v}: defect {d!r}")
            for text in [a["text"]] + a["notes"]:
                if "\t" in text or any(ord(c) < 32 and c != "\n"
                                       for c in text):
                    problems.append(f"{where} {v}: control character")
            for note in a["notes"]:
                if "\n" in note:
                    problems.append(f"{where} {v}: newline in note")
    if problems:
        sys.exit("content problems:\n  " + "\n  ".join(problems))


# ---------------------------------------------------------------- helpers

def clamp(x, lo, hi):
    return max(lo, min(hi, x))


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def order_tags(tags):
    return [d for d in DEFECTS if d in tags]


def is_borderline(a):
    if a["hard"]:
        return True
    if a["correct"] == "pass":
        return a["grounded"] != "grounded" or a["helpfulness"] <= 3
    return bool(a["defects"]) and set(a["defects"]) <= {"incomplete",
                                                         "citation_error"}


def is_subtle(a):
    return a["correct"] == "fail" and bool(set(a["defects"]) & SUBTLE)


# ---------------------------------------------------------------- judge

def simulate_judge(rng, a):
    """An LLM judge: mostly right, blind to misreadings and wrong refusals,
    generous on helpfulness, over-confident probabilities."""
    fail = a["correct"] == "fail"
    if not fail:
        mu = 0.9 if is_borderline(a) else 2.0
    elif "refusal_error" in a["defects"]:
        mu = 1.8
    elif "misread_context" in a["defects"]:
        mu = 1.2
    elif set(a["defects"]) <= {"incomplete", "citation_error"}:
        mu = -0.9
    else:
        mu = -2.0
    logit = mu + rng.gauss(0.0, 1.1)
    prob = round(clamp(sigmoid(1.5 * logit), 0.02, 0.99), 2)
    says_pass = prob >= 0.5

    g = GROUNDED.index(a["grounded"])
    if says_pass and fail and g == 0:
        g = rng.choice((1, 2))
    if g == 1 and rng.random() < 0.35:
        g = 2
    if rng.random() < 0.08:
        g = clamp(g + rng.choice((-1, 1)), 0, 2)

    h = a["helpfulness"]
    if says_pass and fail:
        h = max(h, rng.choice((3, 4)))
    elif not says_pass and not fail:
        h = min(h, 3)
    r = rng.random()
    if h <= 2 and r < 0.15:
        h += 2
    elif h < 5 and r < 0.70:
        h += 1
    elif r > 0.96:
        h -= 1
    h = clamp(h, 1, 5)
    return {
        "correct": "pass" if says_pass else "fail",
        "grounded": GROUNDED[g],
        "helpfulness": h,
        "correct_prob": prob,
    }


# ---------------------------------------------------------------- raters

def rater_correct(rng, rater, a):
    fail = a["correct"] == "fail"
    border = is_borderline(a)
    if rater == "ana":
        flip = 0.08 if border else 0.015
    elif rater == "ben":
        if fail:
            if is_subtle(a):
                flip = 0.45 if border else 0.30
            else:
                flip = 0.10
        else:
            flip = 0.02
    else:  # chloe
        if fail:
            flip = 0.12 if border else 0.05
        else:
            flip = 0.45 if border else 0.05
    says_fail = fail != (rng.random() < flip)
    return "fail" if says_fail else "pass"


def rater_grounded(rng, rater, a, verdict):
    g = GROUNDED.index(a["grounded"])
    if verdict == "pass" and a["correct"] == "fail" and g == 0:
        g = 2 if rng.random() < 0.5 else 1
    elif verdict == "fail" and a["correct"] == "pass" and g == 2:
        if rng.random() < 0.5:
            g = 1
    if rater == "ana":
        noise = 0.12
    elif rater == "ben":
        if g == 1 and rng.random() < 0.50:
            g = 2
        elif g == 0 and rng.random() < 0.20:
            g = 1
        noise = 0.06
    else:  # chloe
        if g == 2 and rng.random() < 0.12:
            g = 1
        elif g == 1 and rng.random() < 0.25:
            g = 0
        noise = 0.08
    if rng.random() < noise:
        g = clamp(g + rng.choice((-1, 1)), 0, 2)
    return GROUNDED[g]


def rater_helpfulness(rng, rater, a, verdict):
    h = a["helpfulness"]
    if verdict == "pass" and a["correct"] == "fail":
        h = max(h, rng.choice((3, 4)))
    elif verdict == "fail" and a["correct"] == "pass":
        h = min(h, rng.choice((2, 3)))
    if rater == "ana":
        r = rng.random()
        if r < 0.11:
            h -= 1
        elif r < 0.22:
            h += 1
    elif rater == "ben":
        r = rng.random()
        if h <= 2 and r < 0.10:
            h += 2
        elif h < 5 and r < 0.70:
            h += 1
        elif r > 0.95:
            h -= 1
    else:  # chloe: same centre, wider spread
        h = round(3 + (h - 3) * 1.3 + rng.gauss(0.0, 0.8))
    h = clamp(h, 1, 5)
    if verdict == "fail":
        h = min(h, 4)
    else:
        h = max(h, 2)
    return h


def rater_defects(rng, rater, a):
    """Tags of a rater who marked the answer as fail."""
    if a["correct"] == "pass":
        if a["grounded"] != "grounded" and rng.random() < 0.6:
            return ["hallucination"]
        if a["helpfulness"] <= 4 or rng.random() < 0.7:
            return ["incomplete"]
        return []
    tags = list(a["defects"])
    if not tags:  # failed for a reason no tag covers
        if rater == "ana":
            return [] if rng.random() < 0.8 else ["misread_context"]
        if rater == "ben":
            return [] if rng.random() < 0.3 else ["hallucination"]
        return [] if rng.random() < 0.6 else ["misread_context"]
    if rater == "ana":
        if rng.random() < 0.10:
            i = rng.randrange(len(tags))
            tags[i] = CONFUSABLE[tags[i]]
    elif rater == "ben":
        if len(tags) > 1 and rng.random() < 0.30:
            tags.pop(rng.randrange(len(tags)))
        elif rng.random() < 0.15:
            i = rng.randrange(len(tags))
            tags[i] = CONFUSABLE[tags[i]]
    else:  # chloe
        r = rng.random()
        if r < 0.20:
            tags.append("incomplete" if "incomplete" not in tags
                        else "hallucination")
        elif r < 0.30:
            i = rng.randrange(len(tags))
            tags[i] = CONFUSABLE[tags[i]]
    return order_tags(set(tags))


def rater_note(rng, rater, a, verdict, written):
    """A free-text note, only from a rater who reached the written verdict.
    ana and ben write the full note, chloe the terse variant; a note that
    another rater already wrote on the item is not repeated."""
    if not a["notes"] or verdict != a["correct"]:
        return None
    p = {"ana": 0.40, "ben": 0.15, "chloe": 0.30}[rater]
    if rng.random() >= p:
        return None
    note = a["notes"][-1] if rater == "chloe" else a["notes"][0]
    if note in written:
        return None
    written.add(note)
    return note


HELP_COMMENTS = (("between 3 and 4", "3 or 4, went with the lower"),
                 ("between 3 and 4", "hesitated, could be a 5"))
CORRECT_COMMENTS = ("borderline", "close call", "went back and forth",
                    "borderline, see note")


def simulate_rater(rng, rater, item_id, a, written):
    verdict = rater_correct(rng, rater, a)
    rows = [[item_id, rater, "correct", verdict, ""],
            [item_id, rater, "grounded",
             rater_grounded(rng, rater, a, verdict), ""]]
    h = rater_helpfulness(rng, rater, a, verdict)
    rows.append([item_id, rater, "helpfulness", str(h), ""])
    if verdict == "fail":
        rows.append([item_id, rater, "defects",
                     ";".join(rater_defects(rng, rater, a)), ""])
    note = rater_note(rng, rater, a, verdict, written)
    if note:
        rows.append([item_id, rater, "note", note, ""])
    # Rare per-label comments.
    if a["hard"] and rng.random() < 0.12:
        choices = CORRECT_COMMENTS if note else CORRECT_COMMENTS[:3]
        rows[0][4] = rng.choice(choices)
    if h in (3, 4) and rng.random() < 0.02:
        rows[2][4] = rng.choice(HELP_COMMENTS[h - 3])
    return rows


# ---------------------------------------------------------------- build

def passage_text(key):
    _doc, title, text = content.PASSAGES[key]
    return f"[{title}] {text}"


def build(seed):
    """Items and label rows. The master generator random.Random(seed) fixes
    the question order; each item's judge scores, each item's missing
    raters and each (item, rater) label set get their own generator seeded
    from (seed, item id, role), so tuning one profile does not reshuffle
    the others."""
    rng = random.Random(seed)
    questions = list(content.QUESTIONS)
    rng.shuffle(questions)
    items, labels = [], []
    skip_p = {"ana": 0.04, "ben": 0.05, "chloe": 0.04}
    for n, q in enumerate(questions, start=1):
        qid = f"q-{n:04d}"
        topic = content.DOCS[q["doc"]][1]
        for v, model, prompt in MODELS:
            a = q[v]
            item_id = f"{qid}-{v}"
            judge_rng = random.Random(f"{seed}/judge/{item_id}")
            items.append({
                "id": item_id,
                "input": q["q"],
                "output": a["text"],
                "reference": q["ref"],
                "context": [passage_text(k) for k in q["ctx"]],
                "metadata": {
                    "model": model,
                    "prompt_version": prompt,
                    "question_id": qid,
                    "doc_id": q["doc"],
                    "topic": topic,
                },
                "judge": simulate_judge(judge_rng, a),
            })
            skip_rng = random.Random(f"{seed}/skip/{item_id}")
            present = [r for r in RATERS if skip_rng.random() >= skip_p[r]]
            if len(present) < 2:  # every item keeps at least two raters
                present = list(RATERS)
            written = set()
            for rater in present:
                rater_rng = random.Random(f"{seed}/{rater}/{item_id}")
                labels.extend(simulate_rater(rater_rng, rater, item_id, a,
                                             written))
    return items, labels


def main():
    check_content()
    items, labels = build(SEED)
    items_path = os.path.join(HERE, "rag_items.jsonl")
    labels_path = os.path.join(HERE, "rag_labels.csv")
    with open(items_path, "w", encoding="utf-8", newline="\n") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    with open(labels_path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["item", "rater", "criterion", "value", "comment"])
        w.writerows(labels)
    print(f"wrote {len(items)} items to {os.path.relpath(items_path)}")
    print(f"wrote {len(labels)} label rows to {os.path.relpath(labels_path)}")


if __name__ == "__main__":
    main()
