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
        // ONNX files are protobuf: the official onnx.proto compiled once (scripts/generate-onnx-proto.sh).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // YAML configuration files (`synapse train --config run.yaml`).
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // `synapse serve`: the HTTP server, graceful shutdown, structured logs and Prometheus metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // oneDNN (Debian `libdnnl-dev`, 2.x C API): matmul / inner product kernels.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        // zlib (Debian `zlib1g-dev`): gzip-compressed IDX files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // libpng (Debian `libpng-dev`) and libjpeg-turbo (Debian `libjpeg62-turbo-dev`): image files.
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG"),
        // C glue over libpng and libjpeg: their longjmp error handling becomes return codes, so a
        // corrupt file is an error, never an abort; dimensions are checked before allocating.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"], path: "Sources/CImageCodecs",
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
        // C glue over oneDNN's primitive API (matmul primitives with bf16 and post-ops).
        .target(name: "CDNNLPrimitives", path: "Sources/CDNNLPrimitives", linkerSettings: [.linkedLibrary("dnnl")]),
        // Open MPI (Debian `libopenmpi-dev`): data-parallel and pipeline-parallel training across processes.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c"),
        // C glue over MPI: its handles are macros Swift cannot import (calls made by one communication thread).
        .target(name: "CMPIBridge", dependencies: ["CMPI"], path: "Sources/CMPIBridge"),
        // Hand-written vectorised kernels with runtime CPU dispatch (no target flags on the package).
        .target(name: "CKernels", path: "Sources/CKernels"),
        .target(
            name: "SynapseCore",
            dependencies: ["CDNNL", "CDNNLPrimitives", "CKernels"],
            path: "Sources/SynapseCore"
        ),
        // The library's layers, each importing only those below it (scripts/check-layering.py
        // enforces it in CI): IO < NN < Optim; IO < Data; NN + Data < Eval, Models < Training < Jobs.
        .target(name: "SynapseIO", dependencies: ["SynapseCore", "CZlib", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                path: "Sources/SynapseIO"),
        .target(name: "SynapseNN", dependencies: ["SynapseCore", "SynapseIO"], path: "Sources/SynapseNN"),
        .target(name: "SynapseOptim", dependencies: ["SynapseCore", "SynapseNN"], path: "Sources/SynapseOptim"),
        .target(name: "SynapseData", dependencies: ["SynapseCore", "SynapseIO", "CZlib", "CImageCodecs"],
                path: "Sources/SynapseData"),
        .target(name: "SynapseEval", dependencies: ["SynapseCore", "SynapseIO", "SynapseNN", "SynapseData"],
                path: "Sources/SynapseEval"),
        .target(name: "SynapseModels", dependencies: ["SynapseCore", "SynapseNN", "SynapseData"], path: "Sources/SynapseModels"),
        // ONNX export (modules → graph) and import (graph → a trainable module); the file format is in IO.
        .target(name: "SynapseONNX", dependencies: ["SynapseCore", "SynapseIO", "SynapseNN", "SynapseModels",
                                                     .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                path: "Sources/SynapseONNX"),
        .target(
            name: "SynapseTraining",
            dependencies: ["SynapseCore", "SynapseIO", "SynapseNN", "SynapseOptim", "SynapseData", "SynapseEval", "SynapseModels"],
            path: "Sources/SynapseTraining"
        ),
        // Training across processes over MPI: communicators, DistributedDataParallel, pipelines.
        .target(
            name: "SynapseDistributed",
            dependencies: ["SynapseCore", "SynapseNN", "SynapseOptim", "SynapseData", "SynapseTraining", "CMPIBridge"],
            path: "Sources/SynapseDistributed"
        ),
        // Application jobs: the recipes behind the CLI (tabular training and evaluation, run files).
        .target(
            name: "SynapseJobs",
            dependencies: ["SynapseCore", "SynapseIO", "SynapseNN", "SynapseOptim", "SynapseData", "SynapseEval",
                           "SynapseModels", "SynapseTraining", "SynapseONNX", "SynapseDistributed",
                           .product(name: "Yams", package: "Yams")],
            path: "Sources/SynapseJobs"
        ),
        // The inference server behind `synapse serve`: a model repository, dynamic batching, versions,
        // metrics and drift. Above the umbrella's layers; users who serve import it explicitly.
        .target(
            name: "SynapseServe",
            dependencies: ["SynapseCore", "SynapseIO", "SynapseData", "SynapseEval", "SynapseJobs",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus")],
            path: "Sources/SynapseServe"
        ),
        // The umbrella users import: `import Synapse` re-exports every layer.
        .target(
            name: "Synapse",
            dependencies: ["SynapseCore", "SynapseIO", "SynapseNN", "SynapseOptim", "SynapseData", "SynapseEval",
                           "SynapseModels", "SynapseTraining", "SynapseONNX", "SynapseDistributed", "SynapseJobs"],
            path: "Sources/Synapse"
        ),
        .executableTarget(
            name: "synapse",
            dependencies: ["Synapse", "SynapseServe", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
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
        // The README's and docs/' Swift examples, generated by scripts/doc-examples.py and compiled (not
        // run) so the documentation cannot rot. Examples leave values unused on purpose: no warnings here.
        .testTarget(
            name: "DocExamplesTests",
            dependencies: ["Synapse"],
            path: "Tests/DocExamples",
            swiftSettings: [.unsafeFlags(["-suppress-warnings"])]
        ),
        // The server's tests: a real server on a loopback port, real requests.
        .testTarget(
            name: "SynapseServeTests",
            dependencies: ["Synapse", "SynapseServe", "SynapseJobs",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Yams", package: "Yams")],
            path: "Tests/SynapseServeTests"
        ),
        // Helpers the test targets share (threads of their own for the concurrency tests).
        .target(name: "SynapseTestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "SynapseCoreTests",
            dependencies: ["SynapseCore", "SynapseTestSupport"],
            path: "Tests/SynapseCoreTests"
        ),
        .testTarget(
            name: "SynapseTests",
            // The layers are named too: tests reach their internals with `@testable import`.
            dependencies: ["Synapse", "SynapseCore", "SynapseIO", "SynapseNN", "SynapseOptim", "SynapseData", "SynapseEval",
                           "SynapseModels", "SynapseTraining", "SynapseONNX", "SynapseJobs", "SynapseTestSupport",
                           .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Tests/SynapseTests",
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
