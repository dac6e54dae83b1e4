import Foundation
import SynapseCore

/// Turns a `TabularDataset` into a feature tensor: missing entries imputed, numeric columns scaled,
/// categorical columns one-hot encoded, with every statistic fitted on the training split only.
///
/// `fit(train)` records, per column, the imputation value, the scaling map and the category list;
/// `transform` applies exactly those to any split, so validation and test rows never influence
/// the features the model is trained on. The fitted state is `Codable` and `save(to:)` writes it
/// as JSON, so evaluation of a saved model can reproduce the training features.
public struct TabularPreprocessor: Codable, Sendable, Equatable {
    /// What was fitted for one feature column.
    public struct ColumnState: Codable, Sendable, Equatable {
        /// The column's name.
        public var name: String
        /// Numeric or categorical.
        public var kind: ColumnKind
        /// Value for missing numeric entries (training mean or median).
        public var fill: Double?
        /// Value for missing categorical entries (most frequent training category).
        public var fillCategory: String?
        /// Scaling of a numeric column.
        public var scaling: ScalingParameters?
        /// The training categories of a categorical column, sorted; one output column each.
        public var categories: [String]?

        /// Number of output features.
        public var width: Int { kind == .numeric ? 1 : categories?.count ?? 0 }
    }

    /// Format version of the saved JSON.
    public static let formatVersion = 1

    /// Version of the format this state was written in.
    public private(set) var version = TabularPreprocessor.formatVersion
    /// Settings.
    public let options: PreprocessingOptions
    /// Fitted state per feature column, in dataset order (nil before `fit`).
    public private(set) var columns: [ColumnState]?
    /// The label column of the training split.
    public private(set) var labelName: String?
    /// The class list of a classification training split.
    public private(set) var classNames: [String]?
    /// The target scaling of a regression training split.
    public private(set) var targetScaling: ScalingParameters?
    /// Number of rows the statistics were computed from.
    public private(set) var trainingRows = 0

    /// An unfitted preprocessor.
    public init(_ options: PreprocessingOptions = PreprocessingOptions()) {
        self.options = options
    }

    /// A preprocessor fitted on `training`.
    public static func fitted(on training: TabularDataset, options: PreprocessingOptions = PreprocessingOptions()) throws(DataError) -> TabularPreprocessor {
        var preprocessor = TabularPreprocessor(options)
        try preprocessor.fit(training)
        return preprocessor
    }

    /// Whether `fit` has run.
    public var isFitted: Bool { columns != nil }

    /// Computes every statistic from `training` (the training split, never the whole dataset).
    /// - Throws: `TabularError.schemaMismatch` when a column has no present value to fit.
    public mutating func fit(_ training: TabularDataset) throws(DataError) {
        var states: [ColumnState] = []
        for column in training.columns {
            switch column.values {
            case .numeric(let values):
                let present = values.filter { !$0.isNaN }
                guard !present.isEmpty else {
                    throw .tabular(.schemaMismatch(reason: "column \"\(column.name)\" has no values in the training split"))
                }
                let fill = options.numericImputation == .mean
                    ? present.reduce(0, +) / Double(present.count) : Self.median(present)
                states.append(ColumnState(name: column.name, kind: .numeric, fill: fill,
                                          scaling: .fit(options.numericScaling, to: present)))
            case .categorical(let values):
                var counts: [String: Int] = [:]
                for case let value? in values { counts[value, default: 0] += 1 }
                guard !counts.isEmpty else {
                    throw .tabular(.schemaMismatch(reason: "column \"\(column.name)\" has no values in the training split"))
                }
                // Most frequent; ties go to the first in sorted order, so the choice is stable.
                let mostFrequent = counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.first!.key
                states.append(ColumnState(name: column.name, kind: .categorical, fillCategory: mostFrequent,
                                          categories: counts.keys.sorted()))
            }
        }
        columns = states
        labelName = training.labelName
        trainingRows = training.count
        switch training.target {
        case .classes(_, let names):
            classNames = names
            targetScaling = nil
        case .values(let values):
            classNames = nil
            targetScaling = .fit(options.targetScaling, to: values)
        }
        // Finite inputs can still overflow a sum (values near 1e308): refuse infinite statistics.
        try validate(path: "statistics fitted on \(training.path)")
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    private func fittedColumns(_ op: String) -> [ColumnState] {
        guard let columns else { requireFailure("TabularPreprocessor.\(op): call fit(_:) on the training split first") }
        return columns
    }

    /// Number of output features (numeric columns plus one per training category).
    public var outputWidth: Int { fittedColumns("outputWidth").reduce(0) { $0 + $1.width } }

    /// Names of the output features: numeric columns keep their names, one-hot columns are
    /// `column=category`.
    public var outputFeatureNames: [String] {
        fittedColumns("outputFeatureNames").flatMap { state -> [String] in
            state.kind == .numeric ? [state.name] : (state.categories ?? []).map { "\(state.name)=\($0)" }
        }
    }

    /// The features of `data` as a tensor `[N, outputWidth]`, using the training statistics.
    /// - Throws: `TabularError.schemaMismatch` when the columns differ from the training split's,
    ///   `TabularError.unknownCategory` for an unseen category under the `.error` policy.
    public func transform(_ data: TabularDataset) throws(DataError) -> Tensor {
        let states = fittedColumns("transform")
        guard data.columns.map(\.name) == states.map(\.name) else {
            throw .tabular(.schemaMismatch(reason: "expected columns \(states.map(\.name)), found \(data.featureNames)"))
        }
        let width = outputWidth, n = data.count
        var out = [Float](repeating: 0, count: n * width)
        var offset = 0
        for (column, state) in zip(data.columns, states) {
            guard column.kind == state.kind else {
                throw .tabular(.schemaMismatch(reason: "column \"\(state.name)\" was \(state.kind) in training, is \(column.kind) here"))
            }
            switch column.values {
            case .numeric(let values):
                let scaling = state.scaling ?? .identity, fill = state.fill ?? 0
                for r in 0..<n {
                    let v = values[r].isNaN ? fill : values[r]
                    let x = Float(scaling.apply(v))
                    // A finite Double beyond Float's range (1e300 without scaling) must not become inf.
                    guard x.isFinite else { throw Self.outOfFloatRange(data, row: r, column: state.name, value: v) }
                    out[r * width + offset] = x
                }
            case .categorical(let values):
                let categories = state.categories ?? []
                var position: [String: Int] = [:]
                for (i, c) in categories.enumerated() { position[c] = i }
                for r in 0..<n {
                    let value = values[r] ?? state.fillCategory ?? ""
                    if let k = position[value] {
                        out[r * width + offset + k] = 1
                    } else if options.unknownCategories == .error {
                        throw .tabular(.unknownCategory(column: state.name, value: value, known: categories))
                    }
                }
            }
            offset += state.width
        }
        return Tensor(shape: [n, width], scalars: out)
    }

    /// `data` as a classification dataset: transformed features and class indices.
    /// - Throws: `TabularError.schemaMismatch` when `data` is not classification or its class list
    ///   differs from the training split's.
    public func classificationDataset(_ data: TabularDataset) throws(DataError) -> TensorDataset {
        guard case .classes(let indices, let names) = data.target else {
            throw .tabular(.schemaMismatch(reason: "label \"\(data.labelName)\" is a regression target, not classes"))
        }
        guard names == classNames else {
            throw .tabular(.schemaMismatch(reason: "class list \(names) differs from the training split's \(classNames ?? [])"))
        }
        return TensorDataset(features: try transform(data), labels: IntTensor(indices))
    }

    /// `data` as a regression dataset: transformed features and (scaled) targets `[N, 1]`.
    /// - Throws: `TabularError.schemaMismatch` when `data` is not a regression dataset.
    public func regressionDataset(_ data: TabularDataset) throws(DataError) -> RegressionDataset {
        guard case .values(let values) = data.target, classNames == nil else {
            throw .tabular(.schemaMismatch(reason: "label \"\(data.labelName)\" is not a regression target of this preprocessing"))
        }
        let scaling = targetScaling ?? .identity
        var scaled: [Float] = []
        scaled.reserveCapacity(values.count)
        for (r, value) in values.enumerated() {
            let x = Float(scaling.apply(value))
            guard x.isFinite else { throw Self.outOfFloatRange(data, row: r, column: data.labelName, value: value) }
            scaled.append(x)
        }
        let targets = Tensor(shape: [values.count, 1], scalars: scaled)
        return RegressionDataset(features: try transform(data), targets: targets)
    }

    /// The error for a value that is finite but overflows `Float` once mapped, naming its line.
    private static func outOfFloatRange(_ data: TabularDataset, row: Int, column: String, value: Double) -> DataError {
        let line = row < data.lineNumbers.count ? data.lineNumbers[row] : row + 2
        return .invalidContents(path: data.path, reason: "line \(line): column \"\(column)\": value \(value) is beyond"
                                + " the 32-bit float range after preprocessing")
    }

    /// Predictions of a scaled regression target mapped back to the target's original units.
    public func inverseTransformTargets(_ predictions: Tensor) -> Tensor {
        let scaling = targetScaling ?? .identity
        let values = predictions.contiguous().scalars.map { Float(scaling.invert(Double($0))) }
        return Tensor(shape: predictions.shape, scalars: values)
    }

    /// Writes the fitted state as JSON (atomically).
    public func save(to url: URL) throws(DataError) {
        _ = fittedColumns("save")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(self) } catch {
            throw .writeFailed(path: url.path, reason: "cannot encode the preprocessing state: \(error)")
        }
        try FileBytes.write([UInt8](data), to: url)
    }

    /// Reads state written by `save(to:)`.
    /// - Throws: `TabularError.invalidState` when the JSON is not a valid fitted preprocessing state
    ///   (see `validate(path:)`), or has a key this build does not know.
    public static func load(from url: URL) throws(DataError) -> TabularPreprocessor {
        try decode(Data(try FileBytes.read(url)), path: url.path)
    }
}
