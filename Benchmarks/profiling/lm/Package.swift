// swift-tools-version: 6.0
// Profiling harness for the language-model workloads (not built by CI): the W4 char-LSTM and W5
// tiny-GPT training steps on random tokens, composed from Synapse's public layers, timed per op.
// Build from this directory: `swift build -c release` (then `rm -rf .build` if new library files
// are not picked up).
import PackageDescription

let package = Package(
    name: "lmperf",
    dependencies: [.package(name: "Synapse", path: "../../..")],
    targets: [
        .executableTarget(name: "lmperf", dependencies: [.product(name: "Synapse", package: "Synapse")],
                          path: "Sources/lmperf"),
    ],
    swiftLanguageModes: [.v6]
)
