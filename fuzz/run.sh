#!/usr/bin/env bash
# Bounded fuzzing run of every target, seeded from fixtures/ (git's and JGit's tables):
#   fuzz/run.sh [SECONDS_PER_TARGET=60]        (RSS_LIMIT_MB=512, MALLOC_LIMIT_MB=64 by default)
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and the nightly toolchain. An input taking over 10 s
# is a failure too (a hang), and so is one that makes the process grow past RSS_LIMIT_MB or ask for
# more than MALLOC_LIMIT_MB at once (a blow-up: the largest allocation a hostile table may cause is
# one log block inflated to its 24-bit length, 16 MiB). Crashes land in fuzz/artifacts/<target>/;
# turn each into a regression test in crates/reftable-core/tests/hostile_tables.rs or corrupt.rs.
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-60}
mkdir -p corpus/table_reader corpus/tables_list corpus/block corpus/update_ref_stdin
for t in ../fixtures/*.git/reftable/*.ref ../fixtures/jgit/*.ref; do cp -n "$t" corpus/table_reader/ 2>/dev/null || true; done
for l in ../fixtures/*.git/reftable/tables.list; do cp -n "$l" "corpus/tables_list/$(basename "$(dirname "$(dirname "$l")")").list" 2>/dev/null || true; done
# Blocks: the first 4 KiB of each table, behind a selector byte (4 KiB blocks, 24-byte header).
for t in ../fixtures/*.git/reftable/*.ref ../fixtures/jgit/*.ref; do
    { printf '\x05'; head -c 4096 "$t"; } > "corpus/block/$(basename "$t")"
done
# update-ref --stdin scripts, both forms.
printf 'create refs/heads/a 1111111111111111111111111111111111111111\nupdate refs/heads/b 2222222222222222222222222222222222222222 1111111111111111111111111111111111111111\ndelete refs/heads/c\nverify refs/heads/d\noption no-deref\nsymref-update HEAD refs/heads/a ref refs/heads/b\nstart\nprepare\ncommit\n' > corpus/update_ref_stdin/lines
printf 'update refs/heads/a\0new\0\0symref-update HEAD\0refs/heads/a\0oid\0old\0symref-delete HEAD\0\0abort\0' > corpus/update_ref_stdin/nul
for target in table_reader tables_list block update_ref_stdin; do
    cargo fuzz run --sanitizer none "$target" "corpus/$target" -- -max_total_time="$SECS" \
        -rss_limit_mb="${RSS_LIMIT_MB:-512}" -malloc_limit_mb="${MALLOC_LIMIT_MB:-64}" -timeout=10
done
