// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Synapse",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Synapse", targets: ["Synapse"]),
        .executable(name: "synapse", targets: ["synapse"]),
        .executable(name: "synapse-bench", targets: ["synapse-bench"]),
        .executable(name: "synapse-fuzz", targets: ["synapse-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // oneDNN (Debian `libdnnl-dev`, 2.x C API): matmul / inner product kernels.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        // zlib (Debian `zlib1g-dev`): gzip-compressed IDX files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // C glue over oneDNN's primitive API (matmul primitives with bf16 and post-ops).
        .target(name: "CDNNLPrimitives", path: "Sources/CDNNLPrimitives", linkerSettings: [.linkedLibrary("dnnl")]),
        // Hand-written vectorised kernels with runtime CPU dispatch (no target flags on the package).
        .target(name: "CKernels", path: "Sources/CKernels"),
        .target(
            name: "SynapseCore",
            dependencies: ["CDNNL", "CDNNLPrimitives", "CKernels"],
            path: "Sources/SynapseCore"
        ),
        .target(
            name: "Synapse",
            dependencies: ["SynapseCore", "CKernels", "CZlib"],
            path: "Sources/Synapse"
        ),
        .executableTarget(
            name: "synapse",
            dependencies: ["Synapse", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/synapse"
        ),
        .executableTarget(
            name: "synapse-bench",
            dependencies: ["Synapse", "CDNNL", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/synapse-bench"
        ),
        // Mutation fuzzing of every reader of external files (a short run in CI, long runs documented).
        .executableTarget(
            name: "synapse-fuzz",
            dependencies: ["Synapse", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/synapse-fuzz"
        ),
        .testTarget(
            name: "SynapseCoreTests",
            dependencies: ["SynapseCore"],
            path: "Tests/SynapseCoreTests"
        ),
        .testTarget(
            name: "SynapseTests",
            dependencies: ["Synapse"],
            path: "Tests/SynapseTests",
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
