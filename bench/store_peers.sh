#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Whole-process timings on a store of production size, tally against a Python peer
# (standard library: json/csv + sqlite3 executemany, bench/peer_store.py), with peak
# RSS, default flags. The seeded files are kept between runs.
#
#   bench/store_peers.sh
#   ITEMS=1000000 LABELED=200000 ROUNDS=2 TALLY=target/release/tally PY=python3 OUT=/tmp/tally-store bench/store_peers.sh
#   REPORTS_ONLY=1 ROUNDS=2 PEER_PY=venv/bin/python OUT=/tmp/tally-store bench/store_peers.sh
#   IMPORTS_ONLY=1 ROUNDS=3 bench/store_peers.sh
#
# Store: ITEMS items (JSONL), the first LABELED of them (dataset `labeled`, the rest
# `pool`) in batch `main`, each assigned to 3 raters, and labeled by them on the 3
# required criteria of the bundled rubric: LABELED x 9 labels.
# Imports run ROUNDS times, tally and the peer alternating, each on a fresh copy of the
# store before it; then the reports, ROUNDS times, on the full store.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
TALLY=${TALLY:-$REPO/target/release/tally}
PY=${PY:-python3}
OUT=${OUT:-/tmp/tally-store}
ITEMS=${ITEMS:-1000000}
LABELED=${LABELED:-200000}
ROUNDS=${ROUNDS:-1}
mkdir -p "$OUT"

ITEMS_FILE="$OUT/items_$ITEMS.jsonl"
LABELED_FILE="$OUT/items_${ITEMS}_labeled_$LABELED.jsonl"
POOL_FILE="$OUT/items_${ITEMS}_pool_$LABELED.jsonl"
LABELS_FILE="$OUT/labels_$LABELED.csv"
if [ ! -s "$ITEMS_FILE" ]; then
    echo "generating $ITEMS_FILE" >&2
    "$PY" "$HERE/gen_store.py" items "$ITEMS_FILE.part" --items "$ITEMS" --seed 1
    mv "$ITEMS_FILE.part" "$ITEMS_FILE"
fi
if [ ! -s "$LABELS_FILE" ]; then
    echo "generating $LABELS_FILE" >&2
    "$PY" "$HERE/gen_store.py" labels "$LABELS_FILE.part" --labeled "$LABELED" --raters 3 --seed 1
    mv "$LABELS_FILE.part" "$LABELS_FILE"
fi
[ -s "$LABELED_FILE" ] || head -n "$LABELED" "$ITEMS_FILE" >"$LABELED_FILE"
[ -s "$POOL_FILE" ] || tail -n "+$((LABELED + 1))" "$ITEMS_FILE" >"$POOL_FILE"

# timed NAME CMD...: wall clock (SECS) and peak RSS in MB (PEAK_MB) of CMD, its output
# in $OUT/NAME.out and .err; SECS=failed when it fails.
timed() {
    local name=$1
    shift
    local start end
    start=$(date +%s%N)
    if /usr/bin/time -f "%M" -o "$OUT/$name.mem" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; then
        end=$(date +%s%N)
        SECS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
        PEAK_MB=$(awk '{ printf "%.0f", $1 / 1024 }' "$OUT/$name.mem")
        echo "$name: ${SECS} s, peak ${PEAK_MB} MB" >&2
    else
        SECS=failed
        PEAK_MB=-
        echo "$name FAILED: $*" >&2
        tail -n 3 "$OUT/$name.err" >&2
    fi
}

ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 |"); }
ratio() {
    if [ "$1" = failed ] || [ "$2" = failed ] || [ "$2" = "" ]; then echo "-"; else
        awk -v t="$1" -v p="$2" 'BEGIN { if (t > 0) printf "%.1fx", p / t; else print "-" }'
    fi
}
fresh() { rm -f "$1" "$1-wal" "$1-shm"; }
# The copy is written out before the timed command starts: otherwise the command's own
# fsync at commit waits for a gigabyte of copy, which is the bench's doing, not the
# command's, and which it charges to tally and the peer alike.
copy() { fresh "$2"; cp "$1" "$2"; sync; }

T="$OUT/tally.db"
P="$OUT/peer.db"

# Reports on the full store, default flags, each ROUNDS times. `report agreement` runs
# against a peer when PEER_PY names a Python with pandas and krippendorff
# (bench/requirements.txt): sqlite3 + pandas, alpha point estimates
# (bench/peer_store_agreement.py); no peer computes the others.
report() { # report LABEL NAME ARGS...
    local label=$1 name=$2
    shift 2
    timed "$name" "$TALLY" --db "$T" "$@"
    row "$label" "$SECS" "" "" "$PEAK_MB"
}
run_reports() {
    report "\`status\`" tally_status status
    for round in $(seq "$ROUNDS"); do
        timed "tally_agreement_$round" "$TALLY" --db "$T" report agreement
        if [ -n "${PEER_PY:-}" ]; then
            TA=$SECS TA_MB=$PEAK_MB
            timed "python_agreement_$round" "$PEER_PY" "$HERE/peer_store_agreement.py" "$T"
            row "\`report agreement\`, round $round" "$TA" "$SECS" "$(ratio "$TA" "$SECS")" "$TA_MB / $PEAK_MB"
        else
            row "\`report agreement\`, round $round" "$SECS" "" "" "$PEAK_MB"
        fi
    done
    for round in $(seq "$ROUNDS"); do
        report "\`report agreement --replicates 0\`, round $round" "tally_agreement_0_$round" report agreement --replicates 0
        report "\`report judge\`, round $round" "tally_judge_$round" report judge
        report "\`report errors\`, round $round" "tally_errors_$round" report errors
        report "\`report all --out r.html\`, round $round" "tally_all_$round" report all --out "$OUT/r.html"
        report "\`export --out g.jsonl\`, round $round" "tally_export_$round" export --out "$OUT/g.jsonl"
        report "\`export --out g.jsonl --replicates 0\`, round $round" "tally_export_0_$round" \
            export --out "$OUT/g0.jsonl" --replicates 0
    done
}
print_table() {
    echo
    echo "Store: $ITEMS items, $((LABELED * 9)) labels ($LABELED items x 3 raters x 3 criteria); $(nproc) cores."
    echo
    echo "| what the user runs | tally s | python s | python / tally | peak RSS MB (tally / python) |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${ROWS[@]}"
    echo "(data and raw outputs in $OUT)"
}
# REPORTS_ONLY=1: the reports alone, on the store an earlier run left in $OUT.
if [ -n "${REPORTS_ONLY:-}" ]; then
    run_reports
    print_table
    exit 0
fi
# Items: tally import (two files: the labeled dataset and the pool) against the peer.
for round in $(seq "$ROUNDS"); do
    fresh "$T.items"
    "$TALLY" --db "$T.items" init >/dev/null
    "$TALLY" --db "$T.items" rubric add "$REPO/guidelines/rag-answer-quality.toml" >/dev/null
    timed "tally_import_$round" sh -c "\"$TALLY\" --db \"$T.items\" import \"$LABELED_FILE\" --dataset labeled && \
        \"$TALLY\" --db \"$T.items\" import \"$POOL_FILE\" --dataset pool"
    TI=$SECS TI_MB=$PEAK_MB
    fresh "$P.items"
    timed "python_import_$round" "$PY" "$HERE/peer_store.py" items "$P.items" "$ITEMS_FILE"
    row "\`import\` $ITEMS items (JSONL), round $round" "$TI" "$SECS" "$(ratio "$TI" "$SECS")" "$TI_MB / $PEAK_MB"
done
timed tally_batch "$TALLY" --db "$T.items" batch create main --rubric rag-answer-quality --dataset labeled \
    --raters rater1,rater2,rater3 --overlap 3
row "\`batch create\` $LABELED items x 3 raters" "$SECS" "" "" "$PEAK_MB"

LABEL_ROWS=$((LABELED * 9))
for round in $(seq "$ROUNDS"); do
    copy "$T.items" "$T"
    timed "tally_labels_$round" "$TALLY" --db "$T" labels import "$LABELS_FILE"
    TL=$SECS TL_MB=$PEAK_MB
    copy "$P.items" "$P"
    timed "python_labels_$round" "$PY" "$HERE/peer_store.py" labels "$P" "$LABELS_FILE"
    row "\`labels import\` $LABEL_ROWS labels into batch \`main\`, round $round" "$TL" "$SECS" \
        "$(ratio "$TL" "$SECS")" "$TL_MB / $PEAK_MB"
done

[ -n "${IMPORTS_ONLY:-}" ] || run_reports
print_table
