"""Bradley-Terry fit in numpy, for `cargo bench --bench preference` to check and time
tally's fit against.

Reads JSON {"w": [[...]], "anchor": k} from the file named on the command line: w[i][j]
is what contender i scored against j (wins plus half of ties and both-bad). Fits the
maximum-likelihood strengths two ways: Newton's method on the log-likelihood (the method
tally uses, vectorised) and Hunter's (2004) MM algorithm (an independent check), and
prints JSON {"newton": {"scores", "seconds"}, "mm": {"scores", "seconds", "iterations"}}
with scores on the Elo scale (400 log10 odds, the anchor at 1000). Seconds are the best
of five runs.
"""

import json
import sys
import time

import numpy as np

ELO = 400.0 / np.log(10.0)


def newton(w, anchor):
    m = w.shape[0]
    n = w + w.T
    theta = np.zeros(m)
    free = np.array([i for i in range(m) if i != anchor])
    for _ in range(200):
        d = theta[:, None] - theta[None, :]
        p = 1.0 / (1.0 + np.exp(-d))
        gradient = (w - n * p).sum(axis=1)
        h = n * p * (1.0 - p)
        information = np.diag(h.sum(axis=1)) - h
        step = np.linalg.solve(information[np.ix_(free, free)], gradient[free])
        theta[free] += step
        if np.abs(step).max() < 1e-10:
            break
    return ELO * (theta - theta[anchor]) + 1000.0


def mm(w, anchor):
    n = w + w.T
    wins = w.sum(axis=1)
    p = np.ones(w.shape[0])
    for iteration in range(1, 100_000):
        denominator = (n / (p[:, None] + p[None, :])).sum(axis=1)
        new = wins / denominator
        new /= new.sum()
        if np.abs(np.log(new) - np.log(p)).max() < 1e-12:
            p = new
            break
        p = new
    return ELO * np.log(p / p[anchor]) + 1000.0, iteration


def best_of(work, runs=5):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return result, best


def main():
    with open(sys.argv[1]) as handle:
        data = json.load(handle)
    w = np.array(data["w"], dtype=float)
    anchor = int(data["anchor"])
    scores, newton_seconds = best_of(lambda: newton(w, anchor))
    (mm_scores, iterations), mm_seconds = best_of(lambda: mm(w, anchor))
    print(json.dumps({
        "newton": {"scores": scores.tolist(), "seconds": newton_seconds},
        "mm": {"scores": mm_scores.tolist(), "seconds": mm_seconds, "iterations": iterations},
    }))


if __name__ == "__main__":
    main()
