#!/usr/bin/env bash
# Interop across platforms, where Linux git and the Windows build under Wine both exist:
# a repository written by the Windows build is read by Linux git with the same refs and passes
# `git refs verify`, and a git-made repository is read by the Windows build as git reads it.
#   tests/windows/interop.sh [path/to/reftable.exe]      (default: the debug cross build)
# Needs `source ../shared/tools/windows-env.sh` first (Wine, the target). Prints one line per check;
# exits non-zero on the first difference.
set -euo pipefail
cd "$(dirname "$0")/../.."
exe=${1:-target/x86_64-pc-windows-gnu/debug/reftable.exe}
[ -f "$exe" ] || { echo "no Windows build at $exe (cargo build --target x86_64-pc-windows-gnu -p reftable-cli)"; exit 2; }
exe=$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@example.com \
    GIT_COMMITTER_NAME=C GIT_COMMITTER_EMAIL=c@example.com GIT_COMMITTER_DATE="1700000000 +0000" \
    GIT_AUTHOR_DATE="1700000000 +0000"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
win() { wine "$exe" -C "$(winepath -w "$1")" "${@:2}"; }
same() { if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "DIFFERENT: $1"; diff <(echo "$2") <(echo "$3") || true; exit 1; fi; }

# 1. Written by the Windows build, read by Linux git.
wine "$exe" init -q -b main "$(winepath -w "$tmp/w")"
git -C "$tmp/w" commit -q --allow-empty -m one
git -C "$tmp/w" commit -q --allow-empty -m two
id=$(git -C "$tmp/w" rev-parse HEAD)
win "$tmp/w" update-ref -m "branch: Created from HEAD" refs/heads/topic HEAD
printf 'create refs/tags/v1 %s\ncreate refs/heads/feature/a %s\n' "$id" "$id" | win "$tmp/w" update-ref --stdin
win "$tmp/w" symbolic-ref refs/heads/alias refs/heads/topic
win "$tmp/w" pack-refs
git -C "$tmp/w" refs verify
echo "ok: git refs verify on the Windows build's repository"
same "refs the Windows build wrote, as git lists them" \
    "$(git -C "$tmp/w" show-ref)" \
    "$(printf '%s refs/heads/alias\n%s refs/heads/feature/a\n%s refs/heads/main\n%s refs/heads/topic\n%s refs/tags/v1' "$id" "$id" "$id" "$id" "$id")"
same "git's reflog of the Windows build's update" \
    "$(git -C "$tmp/w" reflog show --format='%gs' refs/heads/topic)" "branch: Created from HEAD"

# 2. Made by Linux git, read by the Windows build.
git init -q --ref-format=reftable -b main "$tmp/g"
git -C "$tmp/g" commit -q --allow-empty -m one
git -C "$tmp/g" branch topic
git -C "$tmp/g" tag -a -m tag v1
git -C "$tmp/g" symbolic-ref refs/heads/alias refs/heads/topic
for cmd in "show-ref" "show-ref --head -d" "for-each-ref" "symbolic-ref HEAD" "reflog show HEAD"; do
    # shellcheck disable=SC2086
    same "$cmd on git's repository" "$(win "$tmp/g" $cmd)" "$(git -C "$tmp/g" $cmd)"
done
echo "interop: all checks passed"
