#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Side-by-side timing of tally against Python peers, whole process vs whole
# process, on generated data (kept between runs: existing files are reused).
#
#   bench/compare_peers.sh
#   TALLY=path/to/tally PY=.venv/bin/python OUT=/tmp/tally-peers bench/compare_peers.sh
#
# (a) agreement: 1,000,000 units x 5 raters, 20% missing, categories 1-5:
#     tally agreement --level nominal   vs   bench/peer_agreement.py (pandas + krippendorff)
# (b) correlate: 1,000,000 rows id,x,y with ties:
#     tally correlate --x x --y y       vs   bench/peer_correlate.py (pandas + scipy)
# Both with --replicates 0 (no bootstrap). The peers also print the time of
# the computation alone, without the CSV read, to set beside tally's
# in-process benchmark figures.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TALLY=${TALLY:-target/release/tally}
PY=${PY:-python3}
OUT=${OUT:-/tmp/tally-peers}
mkdir -p "$OUT"

A="$OUT/agreement_1M_x5.csv"
B="$OUT/correlate_1M.csv"
C="$OUT/correlate_continuous_1M.csv"
if [ ! -s "$A" ]; then
    echo "generating $A" >&2
    "$PY" "$HERE/gen_data.py" agreement "$A.part" --units 1000000 --raters 5 --missing 0.2 --seed 1
    mv "$A.part" "$A"
fi
if [ ! -s "$B" ]; then
    echo "generating $B" >&2
    "$PY" "$HERE/gen_data.py" correlate "$B.part" --rows 1000000 --seed 1
    mv "$B.part" "$B"
fi
if [ ! -s "$C" ]; then
    echo "generating $C" >&2
    "$PY" "$HERE/gen_data.py" correlate "$C.part" --rows 1000000 --seed 2 --continuous
    mv "$C.part" "$C"
fi

# timed NAME CMD...: runs CMD with stdout in $OUT/NAME.out, stderr in
# $OUT/NAME.err; sets SECS (wall clock) and PEAK_MB, or SECS=failed.
timed() {
    local name=$1
    shift
    local start end
    start=$(date +%s%N)
    if /usr/bin/time -f "%M" -o "$OUT/$name.mem" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; then
        end=$(date +%s%N)
        SECS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
        PEAK_MB=$(awk '{ printf "%.0f", $1 / 1024 }' "$OUT/$name.mem")
        echo "$name: ${SECS} s, peak ${PEAK_MB} MB" >&2
    else
        SECS=failed
        PEAK_MB=-
        echo "$name FAILED: $*" >&2
        head -n 3 "$OUT/$name.err" >&2
    fi
}

ratio() { # python secs / tally secs
    if [ "$1" = failed ] || [ "$2" = failed ]; then echo "-"; else
        awk -v t="$1" -v p="$2" 'BEGIN { if (t > 0) printf "%.1fx", p / t; else print "-" }'
    fi
}

field() { # field FILE KEY: the value after "KEY " in a peer's output
    awk -v k="$2" '$1 == k { print $2 }' "$1"
}

timed tally_agreement "$TALLY" --db "$OUT/unused.db" agreement "$A" --level nominal --replicates 0 --format json
T_A=$SECS; T_A_MB=$PEAK_MB
timed python_agreement "$PY" "$HERE/peer_agreement.py" "$A"
P_A=$SECS; P_A_MB=$PEAK_MB
timed tally_correlate "$TALLY" --db "$OUT/unused.db" correlate "$B" --x x --y y --replicates 0 --format json
T_C=$SECS; T_C_MB=$PEAK_MB
timed python_correlate "$PY" "$HERE/peer_correlate.py" "$B"
P_C=$SECS; P_C_MB=$PEAK_MB
timed tally_continuous "$TALLY" --db "$OUT/unused.db" correlate "$C" --x x --y y --replicates 0 --format json
T_K=$SECS
timed python_continuous "$PY" "$HERE/peer_correlate.py" "$C"
P_K=$SECS

echo
echo "| task | tally s | python s | ratio |"
echo "| --- | ---: | ---: | ---: |"
echo "| agreement, 1M units x 5 raters, nominal alpha (whole process) | $T_A | $P_A | $(ratio "$T_A" "$P_A") |"
echo "| correlate, 1M rows with ties, pearson + spearman + kendall (whole process) | $T_C | $P_C | $(ratio "$T_C" "$P_C") |"
echo "| correlate, 1M continuous rows (whole process) | $T_K | $P_K | $(ratio "$T_K" "$P_K") |"
echo
echo "| task | tally peak MB | python peak MB |"
echo "| --- | ---: | ---: |"
echo "| agreement | $T_A_MB | $P_A_MB |"
echo "| correlate | $T_C_MB | $P_C_MB |"
echo
echo "Python computation alone (CSV read excluded), to compare with tally's in-process benchmarks:"
if [ "$P_A" != failed ]; then
    echo "- krippendorff.alpha (nominal): $(field "$OUT/python_agreement.out" compute_s) s (read $(field "$OUT/python_agreement.out" read_s) s)"
fi
if [ "$P_C" != failed ]; then
    echo "- pearsonr + CI, spearmanr, kendalltau: $(field "$OUT/python_correlate.out" compute_s) s (read $(field "$OUT/python_correlate.out" read_s) s)"
fi
# The computation alone, on the same files: tally's in-process benchmark against the
# peers' own timers (both exclude reading the CSV).
BENCH_OUT="$OUT/tally_compute.out"
BENCH_CONTINUOUS="$OUT/tally_compute_continuous.out"
if ${BENCH:-cargo bench --quiet --bench stats --} --agreement "$A" --pairs "$B" >"$BENCH_OUT" 2>"$OUT/tally_compute.err" &&
    ${BENCH:-cargo bench --quiet --bench stats --} --pairs "$C" >"$BENCH_CONTINUOUS" 2>>"$OUT/tally_compute.err"; then
    echo
    echo "| computation only (same files) | tally s | python s | ratio | target |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    row() { # row LABEL TALLY_KEY PY_FILE PY_KEY TARGET
        local t p
        t=$(field "$BENCH_OUT" "$2"); p=$(field "$3" "$4")
        echo "| $1 | $t | $p | $(ratio "$t" "$p") | $5 |"
    }
    [ "$P_A" != failed ] && row "alpha nominal vs krippendorff.alpha, 1M x 5" alpha_nominal_s "$OUT/python_agreement.out" compute_s ">= 20x"
    if [ "$P_C" != failed ]; then
        row "Kendall tau-b vs scipy.stats.kendalltau, 1M pairs with ties" kendall_s "$OUT/python_correlate.out" kendall_s ">= 3x"
        row "Spearman vs scipy.stats.spearmanr, 1M pairs with ties" spearman_s "$OUT/python_correlate.out" spearman_s ""
        row "Pearson + CI vs scipy.stats.pearsonr, 1M pairs" pearson_s "$OUT/python_correlate.out" pearson_s ""
    fi
    if [ "$P_K" != failed ]; then
        BENCH_OUT=$BENCH_CONTINUOUS
        row "Kendall tau-b vs scipy.stats.kendalltau, 1M continuous pairs" kendall_s "$OUT/python_continuous.out" kendall_s ""
        row "Spearman vs scipy.stats.spearmanr, 1M continuous pairs" spearman_s "$OUT/python_continuous.out" spearman_s ""
    fi
else
    echo "(tally's in-process benchmark failed: see $OUT/tally_compute.err)" >&2
fi
echo
echo "Results, for a sanity check (tally JSON vs peer output):"
if [ "$T_A" != failed ]; then
    echo "- tally alpha: $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("alpha"))' "$OUT/tally_agreement.out")"
fi
if [ "$P_A" != failed ]; then
    echo "- python alpha: $(field "$OUT/python_agreement.out" alpha)"
fi
if [ "$T_C" != failed ]; then
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1]))
print("- tally r=%s rho=%s tau_b=%s" % (d.get("pearson",{}).get("r"), d.get("spearman",{}).get("rho"), d.get("kendall",{}).get("tau_b")))' "$OUT/tally_correlate.out"
fi
if [ "$P_C" != failed ]; then
    sed -n 's/^\(pearson\|spearman\|kendall\)/- python \1/p' "$OUT/python_correlate.out"
fi
echo "(data and raw outputs in $OUT)"
