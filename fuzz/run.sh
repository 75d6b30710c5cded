#!/usr/bin/env bash
# Bounded fuzzing run of every target, seeded from fixtures/:
#   fuzz/run.sh [SECONDS_PER_TARGET=60]
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Crashes land in
# fuzz/artifacts/<target>/; turn each into a regression test in tests/corrupt.rs.
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-60}
mkdir -p corpus/table_reader corpus/tables_list
for t in ../fixtures/*.git/reftable/*.ref; do cp -n "$t" corpus/table_reader/ 2>/dev/null || true; done
for l in ../fixtures/*.git/reftable/tables.list; do cp -n "$l" "corpus/tables_list/$(basename "$(dirname "$(dirname "$l")")").list" 2>/dev/null || true; done
for target in table_reader tables_list; do
    cargo fuzz run --sanitizer none "$target" "corpus/$target" -- -max_total_time="$SECS" -rss_limit_mb=2048
done
