#!/usr/bin/env bash
# The public API of each library crate, as `cargo public-api` lists it (nightly rustdoc JSON), against the
# committed listing next to this script. A change to the API that is not in the listing fails, so API changes
# show up in review as a diff of these files.
#
#   tests/api/check.sh           compare (exit 1 on a difference, printing it)
#   tests/api/check.sh --bless   rewrite the listings from the code
#
# Needs the nightly toolchain (installed on these machines) and cargo-public-api, which this script installs
# with `cargo install --locked` when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v cargo-public-api >/dev/null || cargo install --locked --quiet cargo-public-api@0.52.0
rc=0
for crate in reftable-core reftable; do
    want=tests/api/$crate.txt
    got=$(mktemp)
    # -ss: without blanket and auto-trait impls, which say nothing about this crate's own API.
    cargo public-api --package "$crate" -ss >"$got"
    if [ "${1:-}" = --bless ]; then
        mv "$got" "$want"; chmod 644 "$want"
        echo "$want: $(wc -l <"$want") lines"
    elif ! diff -u "$want" "$got"; then
        echo "the public API of $crate changed: review it, then run tests/api/check.sh --bless and commit" >&2
        rc=1
    else
        echo "$crate: public API as committed ($(wc -l <"$want") lines)"
    fi
    rm -f "$got"
done
exit $rc
