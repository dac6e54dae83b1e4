#!/usr/bin/env bash
# One-time preparation of the movie-review sentiment snippets for Synapse (`MovieReviewSnippets`,
# `synapse train --dataset movie-reviews`).
#
# Usage: scripts/prepare-movie-reviews.sh [DEST_DIR] [--force]
#
# The data: 10,605 Rotten Tomatoes review snippets (Pang & Lee's sentence-polarity corpus), each rated
# by 20 people on a -4..4 scale, published with the VADER paper (Hutto & Gilbert, ICWSM 2014) and
# shipped inside the source distribution of the PyPI package vaderSentiment (pinned; its wheel does
# not carry it). The script downloads that sdist with pip (no install), checks the file's SHA-256 and
# copies movieReviewSnippets_GroundTruth.txt (id <TAB> mean rating <TAB> text, CR LF) to
#   DEST_DIR/movieReviewSnippets_GroundTruth.txt
# DEST_DIR defaults to $SYNAPSE_DATA_DIR/movie-reviews when SYNAPSE_DATA_DIR is set, else
# ~/.cache/synapse/movie-reviews, which is where Synapse looks. Needs python3 with pip and tar.
set -euo pipefail

force=0
dest=""
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) dest="$arg" ;;
    esac
done
if [[ -z "$dest" ]]; then
    if [[ -n "${SYNAPSE_DATA_DIR:-}" ]]; then dest="$SYNAPSE_DATA_DIR/movie-reviews"; else dest="$HOME/.cache/synapse/movie-reviews"; fi
fi

python="${PYTHON:-python3}"
package="vaderSentiment==3.3.2"
file="movieReviewSnippets_GroundTruth.txt"
# SHA-256 of hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt in vaderSentiment 3.3.2's sdist.
file_sha256="c8293b0d942e90e223ea2c0955d969040d1a1be514a978b9af0698940bd13350"

sha256() { "$python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$1"; }

if [[ -f "$dest/$file" && $force == 0 ]] && [[ "$(sha256 "$dest/$file")" == "$file_sha256" ]]; then
    echo "The movie-review snippets are already prepared in $dest (use --force to redo it)"
    exit 0
fi

tmpdir="$(mktemp -d)"
trap 'rm -rf "$tmpdir"' EXIT

echo "Downloading the source distribution of $package ..."
"$python" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: --dest "$tmpdir" "$package"
sdist="$(ls "$tmpdir"/vaderSentiment-3.3.2.tar.gz 2>/dev/null || true)"
[[ -n "$sdist" ]] || { echo "prepare-movie-reviews: pip did not fetch vaderSentiment-3.3.2.tar.gz" >&2; exit 1; }
tar -xzf "$sdist" -C "$tmpdir" vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz
tar -xzf "$tmpdir/vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz" -C "$tmpdir" "hutto_ICWSM_2014/$file"

actual="$(sha256 "$tmpdir/hutto_ICWSM_2014/$file")"
if [[ "$actual" != "$file_sha256" ]]; then
    echo "prepare-movie-reviews: checksum mismatch for $file: expected $file_sha256, got $actual" >&2
    exit 1
fi
mkdir -p "$dest"
# Copy then rename, so an interrupted run never leaves a half-written file where Synapse looks.
cp "$tmpdir/hutto_ICWSM_2014/$file" "$dest/.$file.partial"
mv -f "$dest/.$file.partial" "$dest/$file"
echo "Movie-review snippets ready in $dest/$file"
