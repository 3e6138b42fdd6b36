#!/usr/bin/env bash
# Regenerates docs/benchmarks.md end to end: the criterion benches (sql,
# btree) with their SQLite twins and allocation counts, the memory
# benchmark on every workload against SQLite (timing runs repeated, and
# the minimum-heap search), a dhat profile of boundlite on insert-heavy
# summarised by dhat-analyze, and finally bench-report, which turns all of
# it into Markdown.
#
# Usage: scripts/benchmarks.sh [--quick]
#   --quick  criterion with --warm-up-time 1 --measurement-time 3, and no
#            minimum-heap search on scan-heavy (over half the full run);
#            the document says which mode made it.
#
# Uses the cargo target directory of whoever runs it (CARGO_TARGET_DIR,
# else target/) and a scratch directory removed on exit. Every command is
# recorded as it runs, and the document lists them.
set -euo pipefail

usage() {
    sed -n '9,13s/^# \{0,1\}//p' "$0"
}

quick=0
for arg in "$@"; do
    case "$arg" in
    --quick) quick=1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        echo "benchmarks.sh: unknown argument $arg" >&2
        usage >&2
        exit 2
        ;;
    esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$SECONDS
target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/memory"
commands="$work/commands.txt"
: >"$commands"

# The memory benchmark's settings (its defaults, spelled out).
iterations=100
batch=100
repeats=3
workloads=(insert-heavy read-heavy mixed scan-heavy update-churn)
if ((quick)); then
    criterion_args=(-- --warm-up-time 1 --measurement-time 3)
    # scan-heavy's search runs its 28-second workload a score of times.
    min_heap_workloads=(insert-heavy read-heavy mixed update-churn)
else
    criterion_args=()
    min_heap_workloads=("${workloads[@]}")
fi

bin=""

# The text as the document shows it: scratch and build paths named.
shown() {
    local line="$*"
    line="${line//"$work"/\$WORK}"
    if [[ -n "$bin" ]]; then
        line="${line//"$bin"/\$TARGET/release}"
    fi
    line="${line//"$target/"/\$TARGET/}"
    printf '%s\n' "$line"
}

# Records a command, then runs it.
run() {
    shown "$@" >>"$commands"
    echo "+ $(shown "$@")" >&2
    "$@"
}

# Records a command whose stdout goes to file $1, then runs it.
run_to() {
    local out="$1"
    shift
    shown "$@" ">" "$out" >>"$commands"
    echo "+ $(shown "$@" ">" "$out")" >&2
    "$@" >"$out"
}

run cargo build --release -p boundlite-benches \
    --bin memory-benchmark --bin dhat-analyze --bin bench-report
bin="$(cd "$target/release" && pwd)"

run_to "$work/bench.log" cargo bench -p boundlite-benches --bench sql --bench btree \
    "${criterion_args[@]}"

memory=(--iterations "$iterations" --batch-size "$batch" --engine both --quiet)
# Round by round rather than workload by workload, so a noisy spell on
# the machine spreads over workloads instead of skewing one.
for ((round = 1; round <= repeats; round++)); do
    for workload in "${workloads[@]}"; do
        run_to "$work/memory/$workload-run$round.json" "$bin/memory-benchmark" \
            --workload "$workload" "${memory[@]}" --no-dhat --format json
    done
done
for workload in "${min_heap_workloads[@]}"; do
    run_to "$work/memory/$workload-min-heap.json" "$bin/memory-benchmark" \
        --workload "$workload" "${memory[@]}" --no-dhat --min-heap --format json
done

# dhat writes dhat-heap.json to the working directory. The release build's
# frames name no module; dhat-analyze, run from the checkout, reads the
# modules off the files the frames point into.
mkdir -p "$work/dhat"
shown "# in $work/dhat, where dhat writes dhat-heap.json:" >>"$commands"
(
    cd "$work/dhat"
    run_to "$work/dhat/run.txt" "$bin/memory-benchmark" --workload insert-heavy \
        --iterations "$iterations" --batch-size "$batch" --engine boundlite --quiet
)
run_to "$work/dhat/analysis.txt" "$bin/dhat-analyze" "$work/dhat/dhat-heap.json" \
    --top 10 --modules
shown "$(<"$work/dhat/analysis.txt")" >"$work/dhat.txt"

report=(--criterion "$target/criterion" --bench-log "$work/bench.log"
    --memory "$work/memory" --commands "$commands" --dhat "$work/dhat.txt"
    --out docs/benchmarks.md)
if ((quick)); then
    report+=(--quick)
fi
run cargo run --release -q -p boundlite-benches --bin bench-report -- "${report[@]}" \
    --script-seconds "$((SECONDS - started))"
echo "wrote docs/benchmarks.md in $((SECONDS - started)) s" >&2
