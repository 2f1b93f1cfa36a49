#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Cross-check tally's statistics against independent Python implementations.

    python3 bench/crosscheck.py --tally target/release/tally [--cases 50] [--seed 1] [--keep DIR]

For each seeded random case this writes a CSV, runs tally on it with
`--format json --replicates 0`, computes the same statistics with the Python
peers and compares them to 1e-9 (absolute). One line per statistic per case,
then a summary. Exit status 1 on any mismatch, missing key or failed command.

Agreement cases (wide CSV `unit,r1,r2,...`, empty cell = missing):
  alpha (nominal, ordinal, interval, ratio)  krippendorff.alpha
  percent_agreement, fleiss_kappa, gwet_ac1,
  gwet_ac2_linear, gwet_ac2_quadratic        irrCAC.raw.CAC
  fleiss_kappa (no missing values only)      statsmodels fleiss_kappa
  pairwise cohen_kappa[_linear|_quadratic]
  and se[_linear|_quadratic]                 statsmodels cohens_kappa

Correlation cases (CSV `id,x,y,g`):
  pearson r, p, ci_low, ci_high              scipy.stats.pearsonr
  spearman rho, p                            scipy.stats.spearmanr
  kendall tau_b, p, p_method                 scipy.stats.kendalltau (method='auto')
  grouped means (with --group g)             pandas groupby + scipy

A statistic that tally reports as null (undefined) agrees when the peer gives
nan/inf or raises for it; those are counted separately as "both undefined".
See bench/README.md for the conventions.
"""

import argparse
import csv
import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

try:
    import numpy as np
    import pandas as pd
    import krippendorff
    from irrCAC.raw import CAC
    from scipy import stats
    from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa
except ImportError as exc:  # pragma: no cover - setup problem
    sys.exit(f"crosscheck: missing Python package ({exc}); "
             "install them with: pip install -r bench/requirements.txt")

TOL = 1e-9
LEVELS = ("nominal", "ordinal", "interval", "ratio")

# Outcome of one comparison.
PASS, UNDEF, FAIL, MISSING, ERROR = "PASS", "UNDEF", "FAIL", "MISSING", "ERROR"


class Undefined(Exception):
    """A peer value that is undefined (nan/inf or the peer raised)."""


# ---------------------------------------------------------------- reporting


class Report:
    def __init__(self, verbose=True):
        self.counts = {PASS: 0, UNDEF: 0, FAIL: 0, MISSING: 0, ERROR: 0}
        self.by_stat = {}  # stat -> outcome -> count
        self.notes = []  # free-form observations (convention differences etc.)
        self.null_without_reason = 0
        self.null_without_reason_stats = set()
        self.verbose = verbose

    def line(self, outcome, case, stat, detail):
        self.counts[outcome] += 1
        family = stat.split("[")[0]
        self.by_stat.setdefault(family, {}).setdefault(outcome, 0)
        self.by_stat[family][outcome] += 1
        if self.verbose or outcome not in (PASS, UNDEF):
            print(f"{outcome:7} {case:10} {stat:34} {detail}", flush=True)

    def error(self, case, what, detail):
        self.counts[ERROR] += 1
        print(f"{ERROR:7} {case:10} {what:34} {detail}", flush=True)

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def failed(self):
        return self.counts[FAIL] + self.counts[MISSING] + self.counts[ERROR] > 0

    def summary(self):
        print()
        print("summary by statistic (pass / both undefined / fail / missing):")
        for stat in sorted(self.by_stat):
            c = self.by_stat[stat]
            print(f"  {stat:34} {c.get(PASS, 0):5} {c.get(UNDEF, 0):5} "
                  f"{c.get(FAIL, 0):5} {c.get(MISSING, 0):5}")
        if self.null_without_reason:
            print(f"note: {self.null_without_reason} null value(s) without an "
                  "`undefined` / `undefined_reason` entry, in: "
                  + ", ".join(sorted(self.null_without_reason_stats)))
        for n in self.notes:
            print(f"note: {n}")
        c = self.counts
        print(f"\ntotal: {c[PASS]} agree, {c[UNDEF]} both undefined, {c[FAIL]} differ, "
              f"{c[MISSING]} missing in tally's output, {c[ERROR]} command errors")
        print("RESULT:", "FAIL" if self.failed() else "OK")


def fmt(v):
    if v is None:
        return "null"
    if isinstance(v, float):
        return repr(v)
    return str(v)


MISSING_KEY = object()


def dig(obj, *path):
    """obj[path[0]][path[1]]...; MISSING_KEY when a key is absent."""
    for key in path:
        if isinstance(obj, dict) and key in obj:
            obj = obj[key]
        else:
            return MISSING_KEY
    return obj


def has_reason(container, key):
    """Whether a null `key` in `container` comes with a reason. A pair's
    se{,_linear,_quadratic} may share the reason of its cohen_kappa*."""
    if not isinstance(container, dict):
        return False
    keys = [key] + (["cohen_kappa" + key[2:]] if key.startswith("se") else [])
    for field in ("undefined", "undefined_reason"):
        v = container.get(field)
        if isinstance(v, str) and v:
            return True
        if isinstance(v, dict) and any(v.get(k) for k in keys):
            return True
    return False


def peer_value(fn):
    """Run a peer computation; a float, or Undefined for nan/inf/exceptions."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            v = fn()
    except Undefined:
        raise
    except Exception as exc:  # the peer refuses: undefined for it
        raise Undefined(f"{type(exc).__name__}: {str(exc)[:80]}") from None
    v = float(v)
    if not math.isfinite(v):
        raise Undefined(repr(v))
    return v


def compare(report, case, stat, container, key, peer_fn, peer_name, exact=False, se=False):
    """Compare container[key] (tally) with peer_fn() (a float, or raises).

    se=True: a standard error also agrees when the variances agree to 1e-12.
    The variance is a difference of O(1) terms divided by n (1 - p_e)^2, so
    with few units and p_e near 1 rounding leaves up to ~1e-13 where the exact
    variance is 0, and the square root turns that into ~3e-7 in the standard
    error. (Checked with exact fractions: tally's 0 is right where statsmodels
    prints 1.3e-7.)
    """
    tally = dig(container, key) if container is not MISSING_KEY else MISSING_KEY
    try:
        peer = peer_value(peer_fn)
        peer_err = None
    except Undefined as exc:
        peer, peer_err = None, str(exc)

    if tally is MISSING_KEY:
        report.line(MISSING, case, stat, f"key `{key}` absent; {peer_name}={fmt(peer)}")
        return
    if tally is None:
        if not has_reason(container, key):
            report.null_without_reason += 1
            report.null_without_reason_stats.add(stat.split("[")[0])
        if peer is None:
            report.line(UNDEF, case, stat, f"tally=null {peer_name}: {peer_err}")
        else:
            report.line(FAIL, case, stat, f"tally=null {peer_name}={fmt(peer)}")
        return
    if not isinstance(tally, (int, float)) or isinstance(tally, bool):
        report.line(FAIL, case, stat, f"tally={tally!r} is not a number")
        return
    tally = float(tally)
    if peer is None:
        report.line(FAIL, case, stat, f"tally={fmt(tally)} {peer_name} undefined: {peer_err}")
        return
    diff = abs(tally - peer)
    ok = diff == 0 if exact else diff <= TOL
    if se and not ok and abs(tally * tally - peer * peer) <= 1e-12:
        ok = True
    report.line(PASS if ok else FAIL, case, stat,
                f"tally={fmt(tally)} {peer_name}={fmt(peer)} diff={diff:.1e}")


def compare_equal(report, case, stat, container, key, expected, peer_name):
    """Exact comparison of a non-float value (a count or a string)."""
    tally = dig(container, key) if container is not MISSING_KEY else MISSING_KEY
    if tally is MISSING_KEY:
        report.line(MISSING, case, stat, f"key `{key}` absent; {peer_name}={expected!r}")
    elif tally == expected:
        report.line(PASS, case, stat, f"tally={tally!r} {peer_name}={expected!r}")
    else:
        report.line(FAIL, case, stat, f"tally={tally!r} {peer_name}={expected!r}")


# ---------------------------------------------------------------- running tally


def run_tally(report, case, tally, args):
    """Run tally; parsed JSON, or None after reporting the failure."""
    cmd = [tally] + args
    shown = " ".join(cmd)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        report.error(case, "command", f"`{shown}` could not run: {exc}")
        return None
    if proc.returncode != 0:
        err = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        report.error(case, "command",
                     f"`{shown}` exited {proc.returncode}: {err[0] if err else ''}")
        return None
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        report.error(case, "command", f"`{shown}` printed no JSON ({exc}): {proc.stdout[:120]!r}")
        return None


# ---------------------------------------------------------------- agreement cases

CATEGORY_SETS = [
    [1, 2], [0, 1], [1, 2, 3], [1, 2, 3, 4, 5], [0, 1, 2, 3], [1, 2, 3, 4, 5, 6],
    [1, 2, 5, 10], [0, 3, 4, 7, 20], [2, 4, 6], [1, 3], [-2, -1, 0, 1, 2], [1, 2, 3, 4],
]


def make_agreement_case(rng, index):
    """A dict with the ratings matrix (units x raters, nan = missing) and a label."""
    special = index % 10
    n_raters = int(rng.integers(2, 9))
    n_units = int(rng.choice([5, 8, 12, 20, 40, 60, 100, 150, 300]))
    cats = list(CATEGORY_SETS[int(rng.integers(len(CATEGORY_SETS)))])
    missing = float(rng.uniform(0, 0.4))
    accuracy = float(rng.uniform(0.2, 0.95))
    label = []
    if special == 0:  # tiny
        n_raters, n_units, missing = 2, int(rng.integers(3, 7)), 0.0
        label.append("tiny")
    elif special == 1:  # no missing values (statsmodels fleiss_kappa applies)
        missing = 0.0
        label.append("complete")
    elif special == 2:  # non-consecutive categories
        cats = [1, 2, 5, 10] if rng.random() < 0.5 else [0, 3, 4, 7, 20]
        label.append("gaps")
    elif special == 3:  # heavy missingness, some units with no rating at all
        missing = 0.4
        label.append("holes")
    elif special == 4:  # tiny with missing values
        n_raters, n_units = int(rng.integers(2, 4)), int(rng.integers(5, 8))
        missing = 0.3
        label.append("tiny-missing")
    truth = rng.choice(cats, size=n_units)
    data = np.empty((n_units, n_raters))
    for j in range(n_raters):
        noise = rng.choice(cats, size=n_units)
        right = rng.random(n_units) < accuracy
        data[:, j] = np.where(right, truth, noise)
    if index % 20 == 8:  # a single category: every coefficient is undefined
        data[:, :] = cats[0]
        label.append("one-category")
    elif special in (5, 6) or rng.random() < 0.15:  # one rater rates everything the same
        j = int(rng.integers(n_raters))
        data[:, j] = cats[int(rng.integers(len(cats)))]
        label.append("constant-rater")
    if missing > 0:
        data[rng.random(data.shape) < missing] = np.nan
    if special == 3:  # make sure some rows are completely empty
        data[: max(1, n_units // 10), :] = np.nan
    if special == 7 and n_units >= 3:  # units rated by only one rater
        for i in range(0, n_units, 3):
            keep = int(rng.integers(n_raters))
            data[i, [j for j in range(n_raters) if j != keep]] = np.nan
        label.append("singletons")
    desc = f"{n_raters}r x {n_units}u cats={cats} miss={missing:.2f}"
    if label:
        desc += " [" + ",".join(label) + "]"
    return data, desc


def write_wide_csv(path, data):
    raters = [f"r{j + 1}" for j in range(data.shape[1])]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["unit"] + raters)
        for i, row in enumerate(data):
            w.writerow([f"u{i + 1}"] + ["" if math.isnan(v) else f"{v:g}" for v in row])
    return raters


def read_wide_csv(path):
    """The ratings as tally sees them: rater names and a units x raters float array."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    raters = rows[0][1:]
    data = np.array([[float(c) if c.strip() else np.nan for c in r[1:]] for r in rows[1:]],
                    dtype=float).reshape(len(rows) - 1, len(raters))
    return raters, data


def irr_cac(data, weights):
    df = pd.DataFrame(data).dropna(how="all")
    # digits: irrCAC rounds its results to 5 digits by default.
    return CAC(df, weights=weights, digits=20)


def categories_of(data):
    return sorted(set(data[~np.isnan(data)].tolist()))


def pair_table(data, a, b, cats):
    both = ~np.isnan(data[:, a]) & ~np.isnan(data[:, b])
    index = {c: k for k, c in enumerate(cats)}
    table = np.zeros((len(cats), len(cats)))
    for x, y in zip(data[both, a], data[both, b]):
        table[index[x], index[y]] += 1
    return table, int(both.sum())


def cohen_peer(table, cats, weighting, field):
    """statsmodels' cohens_kappa with the category VALUES as scores.

    Passing the values as `weights` (scores) makes statsmodels weight by
    |x_k - x_l| / (max - min); its default scores are the ranks 0..q-1.
    """
    def fn():
        if table.sum() == 0:
            raise Undefined("no unit rated by both")
        if weighting is None:
            res = cohens_kappa(table)
        else:
            res = cohens_kappa(table, weights=np.asarray(cats, float), wt=weighting)
        if field == "kappa":
            return res.kappa
        # statsmodels takes sqrt(var_kappa) as is: a variance that is 0 in
        # exact arithmetic (e.g. a rater who rates everything the same) can
        # come out as -3e-18 and give nan. Clamp such rounding noise to 0.
        var = res.var_kappa
        if -1e-12 < var < 0:
            var = 0.0
        return math.sqrt(var)
    return fn


def check_agreement_case(report, tally, case, path, desc):
    raters, data = read_wide_csv(path)
    rated = data[~np.all(np.isnan(data), axis=1)]  # units with no rating are dropped
    cats = categories_of(data)
    print(f"--- {case}: {desc}, {len(cats)} categories observed", flush=True)

    results = {}
    for level in LEVELS:
        out = run_tally(report, case, tally, [
            "--db", "/nonexistent", "agreement", path, "--format", "json",
            "--replicates", "0", "--level", level])
        if out is None:
            continue
        results[level] = out
        compare(report, case, f"alpha[{level}]", out, "alpha",
                lambda lv=level: krippendorff.alpha(reliability_data=rated.T,
                                                    level_of_measurement=lv),
                "krippendorff")
    check_level_consistency(report, case, results)

    # Unweighted statistics from the nominal run; weighted ones (which need
    # ordered categories, and are null at --level nominal) from the interval run.
    plain = results.get("nominal")
    weighted = results.get("interval")

    def single_category():
        # With one category pe = 1 and every kappa-like ratio is 0/0, but the
        # peers report a number: irrCAC's Gwet sets pe = 1 - 1e-15, and its
        # Fleiss pe comes out as 1 - 1e-16 by rounding; both then give ~1.
        raise Undefined("single category (peers report ~1 for 0/0)")

    def gwet(weights):
        if len(cats) < 2:
            single_category()
        return irr_cac(rated, weights).gwet()["est"]["coefficient_value"]

    if plain is not None:
        ident = lambda: irr_cac(rated, "identity")
        compare(report, case, "percent_agreement", plain, "percent_agreement",
                lambda: ident().gwet()["est"]["pa"], "irrCAC")
        compare(report, case, "fleiss_kappa", plain, "fleiss_kappa",
                lambda: single_category() if len(cats) < 2
                else ident().fleiss()["est"]["coefficient_value"], "irrCAC")
        if not np.isnan(data).any():
            def sm_fleiss():
                if len(cats) < 2:
                    single_category()
                counts, _ = aggregate_raters(data)
                return fleiss_kappa(counts)
            compare(report, case, "fleiss_kappa[statsmodels]", plain, "fleiss_kappa",
                    sm_fleiss, "statsmodels")
        compare(report, case, "gwet_ac1", plain, "gwet_ac1", lambda: gwet("identity"), "irrCAC")
    if weighted is not None:
        for w in ("linear", "quadratic"):
            compare(report, case, f"gwet_ac2_{w}", weighted, f"gwet_ac2_{w}",
                    lambda w=w: gwet(w), "irrCAC")

    # Pairwise Cohen's kappa.
    kinds = []
    if plain is not None:
        kinds.append(("", None, plain))
    if weighted is not None:
        kinds += [("_linear", "linear", weighted), ("_quadratic", "quadratic", weighted)]
    pair_maps = {}
    for out in {id(o): o for _, _, o in kinds}.values():
        pairs = dig(out, "pairwise")
        if pairs is MISSING_KEY or not isinstance(pairs, list):
            report.line(MISSING, case, f"pairwise[{out.get('level')}]",
                        "key `pairwise` absent or not a list")
            continue
        by_names = {}
        for p in pairs:
            names = p.get("raters") if isinstance(p, dict) else None
            if isinstance(names, list) and len(names) == 2:
                by_names[tuple(names)] = p
                by_names[tuple(reversed(names))] = p  # kappa and its SE are symmetric
        pair_maps[id(out)] = by_names
    for a, b in itertools.combinations(range(len(raters)), 2):
        name = f"{raters[a]}-{raters[b]}"
        table, n = pair_table(data, a, b, cats)
        for i, (suffix, weighting, out) in enumerate(kinds):
            if id(out) not in pair_maps:
                continue
            p = pair_maps[id(out)].get((raters[a], raters[b]))
            if p is None:
                report.line(MISSING, case, f"pairwise[{name}]", f"pair absent ({out.get('level')})")
                continue
            if i == 0:
                compare_equal(report, case, f"pairwise.n[{name}]", p, "n", n, "count")
            compare(report, case, f"cohen_kappa{suffix}[{name}]", p, f"cohen_kappa{suffix}",
                    cohen_peer(table, cats, weighting, "kappa"), "statsmodels")
            compare(report, case, f"se{suffix}[{name}]", p, f"se{suffix}",
                    cohen_peer(table, cats, weighting, "std_kappa"), "statsmodels", se=True)


UNWEIGHTED_KEYS = ("percent_agreement", "fleiss_kappa", "gwet_ac1")
WEIGHTED_KEYS = ("gwet_ac2_linear", "gwet_ac2_quadratic")
PAIR_UNWEIGHTED = ("n", "cohen_kappa", "se")
PAIR_WEIGHTED = ("cohen_kappa_linear", "cohen_kappa_quadratic", "se_linear", "se_quadratic")


def check_level_consistency(report, case, results):
    """--level changes alpha only: the unweighted statistics must be the same
    at every level, the weighted ones the same at every ordered level."""
    def same(a, b):
        return a == b or (isinstance(a, float) and isinstance(b, float) and abs(a - b) <= TOL)

    def check(level, ref, keys, pair_keys):
        out, base = results.get(level), results.get(ref)
        if out is None or base is None:
            return
        bad = []
        for key in keys:
            a, b = dig(out, key), dig(base, key)
            if MISSING_KEY not in (a, b) and not same(a, b):
                bad.append(f"{key}: {a!r} != {b!r}")
        pa, pb = dig(out, "pairwise"), dig(base, "pairwise")
        if isinstance(pa, list) and isinstance(pb, list) and len(pa) == len(pb):
            for x, y in zip(pa, pb):
                for key in pair_keys:
                    if not same(x.get(key), y.get(key)):
                        bad.append(f"pairwise {x.get('raters')} {key}: {x.get(key)!r} != {y.get(key)!r}")
        stat = f"same-as[{level} vs {ref}]"
        if bad:
            report.line(FAIL, case, stat, "; ".join(bad[:3]) + (f" (+{len(bad) - 3})" if len(bad) > 3 else ""))
        else:
            report.line(PASS, case, stat, "level-independent statistics identical")

    for level in ("ordinal", "interval", "ratio"):
        check(level, "nominal", UNWEIGHTED_KEYS, PAIR_UNWEIGHTED)
    for level in ("ordinal", "ratio"):
        check(level, "interval", WEIGHTED_KEYS, PAIR_WEIGHTED)


# ---------------------------------------------------------------- correlation cases


def make_correlation_case(rng, index):
    """Rows (id, x, y, g) as strings, and a description."""
    kind = index % 6
    n = int(rng.choice([5, 6, 8, 10, 15, 20, 25, 33, 34, 50, 100, 300, 1000, 2000]))
    if kind == 0:
        n = int(rng.integers(5, 34))  # small, no ties: exact Kendall p
    rho = float(rng.uniform(-0.9, 0.9))
    x = rng.normal(size=n)
    y = rho * x + math.sqrt(1 - rho * rho) * rng.normal(size=n)
    if kind == 0:
        fx = fy = lambda v: repr(float(v))
        label = "continuous"
    elif kind in (1, 2):
        d = int(rng.integers(0, 3))
        fx = fy = lambda v, d=d: f"{v:.{d}f}"
        label = f"rounded to {d} decimals"
    elif kind == 3:  # Likert-like judge score vs human score
        k = int(rng.integers(2, 8))
        x = np.digitize(x, np.quantile(x, np.linspace(0, 1, k + 1)[1:-1])) + 1
        y = np.digitize(y, np.quantile(y, np.linspace(0, 1, 6)[1:-1])) + 1
        fx = fy = lambda v: str(int(v))
        label = f"integer scales 1..{k} vs 1..5"
    elif kind == 4:
        fx = lambda v: repr(float(v))
        fy = lambda v: f"{v:.1f}"
        label = "x continuous, y 1 decimal"
    else:
        fx = lambda v: str(int(round(v * 2)))
        fy = lambda v: f"{v:.2f}"
        label = "x small integers, y 2 decimals"
    groups = None
    if index % 3 == 1 or kind == 5:
        n_groups = int(rng.integers(1, min(20, n) + 1))
        groups = rng.integers(0, n_groups, size=n)
        label += f", {n_groups} groups"
    rows = []
    for i in range(n):
        rows.append([str(i + 1), fx(x[i]), fy(y[i]), f"g{groups[i]}" if groups is not None else ""])
    if groups is not None and n >= 6:
        # one group where x is constant (must be skipped), one singleton group
        for i in range(3):
            rows[i][1] = rows[0][1]
            rows[i][3] = "gconst"
        rows[3][3] = "gsingle"
    if index % 17 == 16:  # everything undefined
        for r in rows:
            r[2] = "3"
        label += ", constant y"
    negative_zeros = sum(1 for r in rows for v in r[1:3] if v.startswith("-") and float(v) == 0)
    if negative_zeros:  # "-0", "-0.0": must tie with "0"
        label += f", {negative_zeros} cells like '-0'"
    return rows, f"n={n} {label}", groups is not None


def write_corr_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "x", "y", "g"])
        w.writerows(rows)


def kendall_method(x, y):
    """The p-value method scipy's kendalltau(method='auto') picks (scipy 1.12)."""
    n = len(x)
    if len(set(x)) < n or len(set(y)) < n:
        return "normal"
    if n <= 33:
        return "exact"
    # scipy also uses the exact p when min(discordant, concordant) <= 1
    tau = stats.kendalltau(x, y).statistic
    tot = n * (n - 1) // 2
    dis = round((1 - tau) * tot / 2)
    return "exact" if min(dis, tot - dis) <= 1 else "normal"


def check_correlation_case(report, tally, case, path, desc, grouped):
    df = pd.read_csv(path, dtype={"g": str})
    x = df["x"].to_numpy(float)
    y = df["y"].to_numpy(float)
    print(f"--- {case}: {desc}", flush=True)
    args = ["--db", "/nonexistent", "correlate", path, "--x", "x", "--y", "y",
            "--format", "json", "--replicates", "0"]
    if grouped:
        args += ["--group", "g"]
    out = run_tally(report, case, tally, args)
    if out is None:
        return
    compare_equal(report, case, "n", out, "n", len(x), "rows")

    pr = dig(out, "pearson")
    compare(report, case, "pearson.r", pr, "r", lambda: stats.pearsonr(x, y).statistic, "scipy")
    compare(report, case, "pearson.p", pr, "p", lambda: stats.pearsonr(x, y).pvalue, "scipy")
    compare(report, case, "pearson.ci_low", pr, "ci_low",
            lambda: stats.pearsonr(x, y).confidence_interval(0.95).low, "scipy")
    compare(report, case, "pearson.ci_high", pr, "ci_high",
            lambda: stats.pearsonr(x, y).confidence_interval(0.95).high, "scipy")

    sp = dig(out, "spearman")
    compare(report, case, "spearman.rho", sp, "rho", lambda: stats.spearmanr(x, y).statistic, "scipy")
    compare(report, case, "spearman.p", sp, "p", lambda: stats.spearmanr(x, y).pvalue, "scipy")

    kd = dig(out, "kendall")
    compare(report, case, "kendall.tau_b", kd, "tau_b",
            lambda: stats.kendalltau(x, y).statistic, "scipy")
    expected_method = kendall_method(x.tolist(), y.tolist())
    tally_method = dig(kd, "p_method") if kd is not MISSING_KEY else MISSING_KEY
    kd_p = dig(kd, "p") if kd is not MISSING_KEY else MISSING_KEY
    if kd_p is not None and tally_method is not None:
        compare_equal(report, case, "kendall.p_method", kd, "p_method", expected_method,
                      "scipy(auto)")
    scipy_method = {"exact": "exact", "normal": "asymptotic"}.get(tally_method, "auto")
    compare(report, case, "kendall.p", kd, "p",
            lambda: stats.kendalltau(x, y, method=scipy_method).pvalue, f"scipy({scipy_method})")

    if grouped:
        expected = grouped_means(df)
        compare_equal(report, case, "groups_used", out, "groups_used", expected["groups_used"], "pandas")
        g = dig(out, "grouped")
        compare_equal(report, case, "grouped.groups_used", g, "groups_used", expected["groups_used"], "pandas")
        compare_equal(report, case, "grouped.groups_total", g, "groups_total", expected["groups_total"], "pandas")
        for key in ("pearson", "spearman", "kendall"):
            compare(report, case, f"grouped.{key}", g, key,
                    lambda key=key: expected[key], "pandas+scipy")


def grouped_means(df):
    """Mean of the per-group coefficients over groups where both x and y vary."""
    used = {"pearson": [], "spearman": [], "kendall": []}
    for _, grp in df.groupby("g", dropna=False):
        if len(grp) < 2 or grp["x"].nunique() < 2 or grp["y"].nunique() < 2:
            continue
        gx, gy = grp["x"].to_numpy(float), grp["y"].to_numpy(float)
        used["pearson"].append(stats.pearsonr(gx, gy).statistic)
        used["spearman"].append(stats.spearmanr(gx, gy).statistic)
        used["kendall"].append(stats.kendalltau(gx, gy).statistic)
    result = {k: (float(np.mean(v)) if v else float("nan")) for k, v in used.items()}
    result["groups_used"] = len(used["pearson"])
    result["groups_total"] = int(df["g"].nunique(dropna=False))
    return result


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tally", default="target/release/tally", help="the tally binary")
    ap.add_argument("--cases", type=int, default=50, help="cases of each kind (default 50)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", metavar="DIR", help="keep the generated CSVs in DIR")
    ap.add_argument("--only", choices=("agreement", "correlate"), help="run one kind of case only")
    ap.add_argument("--quiet", action="store_true", help="print only failures and the summary")
    args = ap.parse_args()

    tally = args.tally
    if os.sep in tally and not os.path.isabs(tally):
        tally = os.path.abspath(tally)
    if shutil.which(tally) is None:
        print(f"warning: tally binary {args.tally!r} not found or not executable; "
              "every command will fail", file=sys.stderr)

    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        workdir = args.keep
    else:
        workdir = tempfile.mkdtemp(prefix="tally-crosscheck-")
    report = Report(verbose=not args.quiet)
    rng = np.random.default_rng(args.seed)
    try:
        if args.only in (None, "agreement"):
            for i in range(args.cases):
                data, desc = make_agreement_case(rng, i)
                path = os.path.join(workdir, f"agree{i:03}.csv")
                write_wide_csv(path, data)
                check_agreement_case(report, tally, f"agree{i:03}", path, desc)
        if args.only in (None, "correlate"):
            for i in range(args.cases):
                rows, desc, grouped = make_correlation_case(rng, i)
                path = os.path.join(workdir, f"corr{i:03}.csv")
                write_corr_csv(path, rows)
                check_correlation_case(report, tally, f"corr{i:03}", path, desc, grouped)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report.summary()
    if args.keep:
        print(f"cases kept in {args.keep}")
    return 1 if report.failed() else 0


if __name__ == "__main__":
    sys.exit(main())
