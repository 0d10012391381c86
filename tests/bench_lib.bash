# bench_lib.bash - what tests/bench.sh and tests/bench-pay.sh share: each
# figure printed next to its target and the ratio of the two, and kept in
# $BENCH_SUMMARY so that make bench ends with every figure in one table.
# Figures are printed, never asserted: a run varies 10-30 %, so a target
# that is a ratio (ingest against sqlite3 .import, the one-pipe form
# against the select runs, a figure at 100,000 guards against the same at
# 1,200) is measured within one run.

# A figure that must be "flat" (memory, the cost of one late event) is
# taken at 1,200 and at 100,000 guards and the ratio of the two compared
# with 1.5: flat within a run's noise.

# figure LABEL VALUE UNIT OP TARGET: OP is <, <= (the value must stay
# under the target) or >= (at least the target); the ratio is value /
# target.
figure() {
    local label=$1 value=$2 unit=$3 op=$4 target=$5 ratio verdict
    ratio=$(awk -v v="$value" -v t="$target" 'BEGIN { if (t > 0) printf "%.2f", v / t; else print "-" }')
    verdict=$(awk -v v="$value" -v t="$target" -v op="$op" \
        'BEGIN { ok = op == "<" ? v < t : op == ">=" ? v >= t : v <= t; print ok ? "met" : "NOT MET" }')
    printf '  %-58s %10s %-4s target %2s %-8s ratio %5s  %s\n' "$label" "$value" "$unit" "$op" \
        "$target" "$ratio" "$verdict" | tee -a "${BENCH_SUMMARY:-/dev/null}"
}

# ratio_of A B: A / B to two decimals ("-" when B is 0).
ratio_of() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

# bench_summary: the table of every figure kept so far.
bench_summary() {
    [ -s "${BENCH_SUMMARY:-}" ] || return 0
    echo
    echo "== every figure next to its target (ratio = figure / target)"
    cat "$BENCH_SUMMARY"
}
