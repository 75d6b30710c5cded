#!/usr/bin/env bash
# Times the `reftable` command next to git (>= 2.45) on the same generated
# repositories, in one run: wall time and peak memory (RSS) of each, the
# median of RUNS runs (ours and git alternating), and the ratio ours/git.
#
#   bench/compare.sh [N=1000000] [RUNS=3] [SEQ=10000]
#
# (a) create N refs (branches + every 10th an annotated tag) in one `update-ref --stdin`
# (b) `for-each-ref --format='%(objectname) %(refname)'` of all N refs
# (c) 1,000 lookups of single refs by name (`show-ref --verify`, one process each)
# (d) `pack-refs` of a 20-table stack (N/20 refs per table)
# (e) SEQ sequential single-ref `update-ref` calls (auto-compaction at work);
#     (e') the same with git configured to fsync references as we always do
# (f) `refs migrate` of min(N,100000) refs, files -> reftable
# (g) `reflog show` of a 100,000-entry reflog
#
# ONLY=bd (letters) runs just those operations; STATIC=0 times the dynamic build.
# Needs GNU time (/usr/bin/time; `apt-get install time`).
set -euo pipefail
N=${1:-1000000}
RUNS=${2:-3}
SEQ=${3:-10000}
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "bench/compare.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
# The command as we ship it for scripts: statically linked and not
# position-independent, which starts ~0.25 ms sooner than the default
# dynamic build (where the loader maps libz, libgcc_s, libm and libc) and
# has no relocations to apply at start-up; STATIC=0 times the plain
# `cargo build --release` binary instead.
if [ "${STATIC:-1}" = 1 ]; then
    HOST=$(rustc -vV | sed -n 's/^host: //p')
    RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
        cargo build --release --quiet --target "$HOST" --target-dir target/static
    OURS=$PWD/target/static/$HOST/release/reftable
else
    cargo build --release --quiet
    OURS=$PWD/target/release/reftable
fi
GIT=$(command -v git)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=$W
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
export GIT_AUTHOR_DATE="1700000000 +0000" GIT_COMMITTER_DATE="1700000000 +0000"

# The objects: 100 commits and one annotated tag.
git init -q --bare --ref-format=reftable "$W/base"
for i in $(seq 1 100); do
    printf 'commit refs/heads/main\ncommitter Bench <bench@example.com> %d +0000\ndata <<EOM\nc%d\nEOM\n\n' $((1700000000 + i)) "$i"
done | git -C "$W/base" fast-import --quiet
mapfile -t C < <(git -C "$W/base" rev-list refs/heads/main)
git -C "$W/base" tag -a -m bench t "${C[0]}"
TAG=$(git -C "$W/base" rev-parse refs/tags/t)
gen() { # $1 count, $2 offset -> update-ref --stdin script
    awk -v n="$1" -v off="$2" -v tag="$TAG" -v cs="${C[*]}" 'BEGIN { split(cs, c, " ");
        for (i = off; i < off + n; i++) {
            if (i % 10 == 0) printf "create refs/tags/t%07d %s\n", i, tag;
            else printf "create refs/heads/b/%07d %s\n", i, c[(i % 100) + 1] } }'
}
gen "$N" 0 > "$W/create.txt"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# pair LABEL OURS GIT: runs the two shell commands RUNS times each, alternating
# ours and git (PREP before each run), so that drift on a noisy machine (other
# guests, the file system's state) touches both alike; then prints their row.
pair() {
    local ot=() om=() gt=() gm=() s k cmd side
    for _ in $(seq 1 "$RUNS"); do
        for side in ours git; do
            [ -n "${PREP:-}" ] && $PREP
            if [ "$side" = ours ]; then cmd=$2; else cmd=$3; fi
            /usr/bin/time -f "%e %M" -o "$W/time" bash -c "$cmd" >/dev/null 2>"$W/err" ||
                { echo "failed: $cmd ($(head -c 300 "$W/err"))" >&2; exit 1; }
            read -r s k < "$W/time"
            if [ "$side" = ours ]; then ot+=("$s"); om+=("$k"); else gt+=("$s"); gm+=("$k"); fi
        done
    done
    row "$1" "$(printf '%s\n' "${ot[@]}" | median) $(printf '%s\n' "${om[@]}" | median)" \
        "$(printf '%s\n' "${gt[@]}" | median) $(printf '%s\n' "${gm[@]}" | median)"
}
want() { [ -z "${ONLY:-}" ] || [[ "$ONLY" == *"$1"* ]]; }
ROWS=()
row() { # label ours(s kb) git(s kb)
    read -r os ok <<<"$2"; read -r gs gk <<<"$3"
    ROWS+=("$(awk -v l="$1" -v os="$os" -v ok="$ok" -v gs="$gs" -v gk="$gk" 'BEGIN {
        printf "| %s | %.3f s | %.3f s | %.2f | %.1f MB | %.1f MB | %.2f |", l, os, gs, (gs > 0 ? os / gs : 0), ok / 1024, gk / 1024, (gk > 0 ? ok / gk : 0) }')")
    echo "${ROWS[-1]}"
}
fresh() { rm -rf "$W/r-ours" "$W/r-git"; cp -r "$W/base" "$W/r-ours"; cp -r "$W/base" "$W/r-git"; }

echo "| operation | ours | git | time ours/git | ours peak | git peak | memory ours/git |"
echo "|---|---|---|---|---|---|---|"
# (a)
if want a; then
PREP=fresh
pair "(a) create $N refs, one update-ref --stdin" \
    "exec '$OURS' -C '$W/r-ours' update-ref --stdin < '$W/create.txt'" \
    "exec '$GIT' -C '$W/r-git' update-ref --stdin < '$W/create.txt'"
fi
PREP=
fresh; "$OURS" -C "$W/r-ours" update-ref --stdin < "$W/create.txt"; cp -r "$W/r-ours" "$W/full"
# (b)
want b && pair "(b) for-each-ref of $N refs" \
    "exec '$OURS' -C '$W/full' for-each-ref '--format=%(objectname) %(refname)'" \
    "exec '$GIT' -C '$W/full' for-each-ref '--format=%(objectname) %(refname)'"
# (c)
seq 1 1000 | awk -v n="$N" '{ i = int(($1 * 7919) % n); if (i % 10 == 0) i++; printf "refs/heads/b/%07d\n", i }' > "$W/names.txt"
lookups() { while read -r n; do "$1" -C "$W/full" show-ref --verify -q "$n"; done < "$W/names.txt"; }
export -f lookups; export W
want c && pair "(c) 1,000 single-ref lookups" "lookups '$OURS'" "lookups '$GIT'"
# (d)
if want d; then
rm -rf "$W/t20"; cp -r "$W/base" "$W/t20"
for k in $(seq 0 19); do gen $((N / 20)) $((k * N / 20)) | GIT_TEST_REFTABLE_AUTOCOMPACTION=false git -C "$W/t20" update-ref --stdin; done
p20() { rm -rf "$W/p-ours" "$W/p-git"; cp -r "$W/t20" "$W/p-ours"; cp -r "$W/t20" "$W/p-git"; }
PREP=p20
pair "(d) pack-refs of a 20-table stack" "exec '$OURS' -C '$W/p-ours' pack-refs" "exec '$GIT' -C '$W/p-git' pack-refs"
fi
PREP=
# (e)
seqs() { for i in $(seq 1 "$SEQ"); do "$1" -C "$2" update-ref "refs/heads/s/$i" "$3"; done; }
export -f seqs; export SEQ
if want e; then
PREP=fresh
pair "(e) $SEQ sequential update-ref calls" "seqs '$OURS' '$W/r-ours' ${C[0]}" "seqs '$GIT' '$W/r-git' ${C[0]}"
# (e') the same with git as durable as we always are: by default git does not
# fsync references (core.fsync lacks "reference"); we fsync every table and
# tables.list before it becomes visible.
export GIT_CONFIG_PARAMETERS="'core.fsync=reference'"
pair "(e') $SEQ sequential update-ref calls, git with core.fsync=reference" \
    "seqs '$OURS' '$W/r-ours' ${C[0]}" "seqs '$GIT' '$W/r-git' ${C[0]}"
unset GIT_CONFIG_PARAMETERS
fi
PREP=
# (f)
if want f; then
M=$(( N < 100000 ? N : 100000 ))
git init -q --bare --ref-format=files "$W/files"
cp -r "$W/base/objects/." "$W/files/objects/"
gen "$M" 0 | git -C "$W/files" update-ref --stdin
# (sync: the copies' 800 MB of dirty blocks must not be written back while either migration runs.)
mig() { rm -rf "$W/m-ours" "$W/m-git"; cp -r "$W/files" "$W/m-ours"; cp -r "$W/files" "$W/m-git"; sync; }
PREP=mig
pair "(f) refs migrate of $M refs, files -> reftable" \
    "exec '$OURS' -C '$W/m-ours' refs migrate --ref-format=reftable" \
    "exec '$GIT' -C '$W/m-git' refs migrate --ref-format=reftable"
fi
PREP=
# (g): a 100k-entry reflog, written as a files reflog and migrated with ours (git 2.47 does not migrate reflogs).
if want g; then
git init -q --bare --ref-format=files "$W/rl"
cp -r "$W/base/objects/." "$W/rl/objects/"
git -C "$W/rl" update-ref refs/heads/x "${C[0]}"
mkdir -p "$W/rl/logs/refs/heads"
awk -v cs="${C[*]}" 'BEGIN { split(cs, c, " "); z = "0000000000000000000000000000000000000000"; prev = z;
    for (i = 0; i < 100000; i++) { n = c[(i % 100) + 1]; printf "%s %s Bench <bench@example.com> %d +0000\tupdate %d\n", prev, n, 1700000000 + i, i; prev = n } }' \
    > "$W/rl/logs/refs/heads/x"
git -C "$W/rl" update-ref refs/heads/x "$(tail -1 "$W/rl/logs/refs/heads/x" | cut -d' ' -f2)"
"$OURS" -C "$W/rl" refs migrate --ref-format=reftable
pair "(g) reflog show of a 100,000-entry reflog" \
    "exec '$OURS' -C '$W/rl' reflog show --no-abbrev-commit refs/heads/x" \
    "exec '$GIT' -C '$W/rl' reflog show --no-abbrev-commit refs/heads/x"
fi
echo
echo "N=$N RUNS=$RUNS SEQ=$SEQ; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $($GIT --version)"
