/// Why a baseline model could not be fitted.
public enum BaselineError: Error, CustomStringConvertible, Equatable {
    /// Inputs that do not make a fit (empty, mismatched, non-finite).
    case invalidData(String)
    /// Settings out of range.
    case invalidParameters(String)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .invalidData(let reason): "baseline: \(reason)"
        case .invalidParameters(let reason): "baseline: \(reason)"
        }
    }
}

/// The checks every baseline makes on its training data.
enum BaselineInput {
    /// The row count and width of `features`, checked against `labels` and `classCount`.
    static func check(features: [[Float]], labels: [Int], classCount: Int, name: String) throws(BaselineError) -> (rows: Int, width: Int) {
        guard !features.isEmpty, features.count == labels.count else {
            throw .invalidData("\(name) needs one label per row, got \(features.count) rows and \(labels.count) labels")
        }
        guard classCount >= 2 else { throw .invalidParameters("\(name) needs at least two classes, got \(classCount)") }
        let d = features[0].count
        guard d > 0 else { throw .invalidData("\(name): rows have no features") }
        for row in features {
            guard row.count == d else { throw .invalidData("\(name): rows have \(d) and \(row.count) features") }
            guard row.allSatisfy(\.isFinite) else { throw .invalidData("\(name): non-finite feature values") }
        }
        if let bad = labels.first(where: { !(0..<classCount).contains($0) }) {
            throw .invalidData("\(name): label \(bad) is outside 0..<\(classCount)")
        }
        return (features.count, d)
    }
}
