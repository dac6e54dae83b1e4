import ArgumentParser

/// Options shared by every workload.
struct BenchSettings: Sendable {
    /// CI smoke mode: small sizes and few repetitions; the figures are not comparable.
    var quick: Bool
    /// W2/W3: train the spec's epochs and report the test accuracy; W5: train 500 steps and report the validation loss.
    var accuracy: Bool
    /// W2/W3: seeds weight initialisation, the global generator and the loader's shuffling (default 0),
    /// as `torch.manual_seed(seed)` in the reference scripts; for accuracy-over-seeds comparisons.
    var seed: UInt64 = 0
    /// W12: the most MiB of gradient per bucket (DistributedDataParallel's default 25).
    var bucketMB = 25.0
    /// W12: the global batch, split over the processes (the spec's 64).
    var globalBatch = 64
}

/// One workload of the benchmark spec.
protocol Workload {
    /// Runs the workload with the thread count already configured, passing each figure to `emit`
    /// as soon as it is measured.
    func run(threads: Int, emit: (Measurement) -> Void) throws
}

/// The workload ids `synapse-bench` implements, in running order.
enum WorkloadID: String, CaseIterable, ExpressibleByArgument, Sendable {
    case w1 = "W1"
    case w1b = "W1b"
    case w2 = "W2"
    case w3 = "W3"
    case w4 = "W4"
    case w5 = "W5"
    case w6 = "W6"
    case w8 = "W8"
    case w9 = "W9"
    case w11 = "W11"
    case w12 = "W12"

    /// Accepts ids in any letter case ("w1b", "W1B").
    init?(argument: String) {
        guard let id = Self.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = id
    }

    /// The workload configured by `settings`.
    func make(_ settings: BenchSettings) -> any Workload {
        switch self {
        case .w1: return W1(quick: settings.quick)
        case .w1b: return W1b(quick: settings.quick)
        case .w2: return ClassifierTrainingWorkload.w2(quick: settings.quick, accuracy: settings.accuracy, seed: settings.seed)
        case .w3: return ClassifierTrainingWorkload.w3(quick: settings.quick, accuracy: settings.accuracy, seed: settings.seed)
        case .w4: return LanguageModelWorkload.w4(quick: settings.quick)
        case .w5: return LanguageModelWorkload.w5(quick: settings.quick, accuracy: settings.accuracy)
        case .w6: return W6(quick: settings.quick)
        case .w8: return W8(quick: settings.quick)
        case .w9: return W9(quick: settings.quick, accuracy: settings.accuracy)
        case .w11: return W11(quick: settings.quick)
        case .w12: return W12(quick: settings.quick, bucketMB: settings.bucketMB, globalBatch: settings.globalBatch)
        }
    }
}
