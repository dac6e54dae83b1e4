#!/usr/bin/env bash
# Compiles the C kernels for a non-x86 target (aarch64), so the baseline (non-AVX) code paths that an
# x86 build never sees still compile, with warnings as errors. Syntax and semantics only: nothing is
# linked or run. Installs Debian's aarch64 C library headers if they are missing (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d /usr/aarch64-linux-gnu/include ]; then
    echo "check-portable-c: installing libc6-dev-arm64-cross" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq libc6-dev-arm64-cross >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq libc6-dev-arm64-cross >/dev/null; }
fi
# The Swift toolchain ships clang next to swift; any clang with an aarch64 back end will do.
cc=$(command -v clang || true)
[ -n "$cc" ] || cc="$(dirname "$(readlink -f "$(command -v swift)")")/clang"
[ -x "$cc" ] || { echo "check-portable-c: no clang found (install a Swift toolchain or clang)" >&2; exit 1; }
status=0
for f in Sources/CKernels/*.c; do
    "$cc" --target=aarch64-linux-gnu --sysroot=/usr/aarch64-linux-gnu -isystem /usr/aarch64-linux-gnu/include \
        -std=gnu11 -fsyntax-only -Wall -Werror -I Sources/CKernels/include "$f" || status=1
done
[ $status -eq 0 ] && echo "check-portable-c: the C kernels compile for aarch64 (baseline paths)" >&2
exit $status
