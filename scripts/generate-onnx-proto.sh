#!/usr/bin/env bash
# Regenerates Sources/SynapseIO/ONNX/Generated/onnx.pb.swift from scripts/onnx/onnx.proto (the official
# schema, copied from the `onnx` PyPI wheel, onnx 1.23.2; Apache-2.0). Run by hand when the schema
# changes, never in CI: building swift-protobuf's plugin is slow, so the generated code is committed.
# Needs: protoc (Debian `protobuf-compiler`) and protoc-gen-swift built from apple/swift-protobuf at the
# version Package.swift names (`swift build -c release --product protoc-gen-swift` in a clone of it),
# passed as PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
plugin="${PROTOC_GEN_SWIFT:?set PROTOC_GEN_SWIFT to the protoc-gen-swift binary}"
out="$root/Sources/SynapseIO/ONNX/Generated"
mkdir -p "$out"
# Package visibility: the ONNX layers (SynapseIO, SynapseONNX) use the messages; users see Synapse's
# own types, so the wire schema can change without breaking the public API.
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Package \
    -I "$root/scripts/onnx" --swift_out="$out" "$root/scripts/onnx/onnx.proto"
echo "wrote $out/onnx.pb.swift"
