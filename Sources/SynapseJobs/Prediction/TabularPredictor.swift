import Foundation
import SynapseCore
import SynapseEval
import SynapseData
import SynapseModels
import SynapseNN

/// Predicts with the MLP of a tabular or forecasting run: inputs mapped by the preprocessing saved
/// beside the weights (never refitted), regression outputs mapped back to the target's units.
struct TabularPredictor: Predictor {
    let model: MLPClassifier
    let preprocessing: PipelinePreprocessing
    var modelDescription: String
    let batchSize: Int
    /// The calibration applied to the class probabilities (`synapse calibrate`), if any.
    var calibration: LogitCalibration? = nil

    func calibrated(forWeights weights: URL) throws -> any Predictor {
        guard let classes = preprocessing.tabular?.classNames?.count,
              let file = try CalibrationFile.calibration(forWeights: weights, classCount: classes) else { return self }
        var calibrated = self
        calibrated.calibration = file.calibration
        calibrated.modelDescription += ", calibrated (\(file.calibration.summary))"
        return calibrated
    }

    /// Rebuilds the MLP recorded in `meta` for the preprocessing at `preprocessingURL` and loads the weights.
    static func load(weights: URL, meta: WeightsMetadata, preprocessing preprocessingURL: URL, batchSize: Int) throws -> TabularPredictor {
        if let model = meta.optionalString("model"), model != "mlp" {
            throw PipelineError.invalidRun(path: weights.path, reason: "metadata model is '\(model)'; tabular runs train an mlp")
        }
        let prep = try PipelinePreprocessing.load(from: preprocessingURL)
        if let dataset = meta.optionalString("dataset"), dataset != prep.dataset {
            throw PipelineError.invalidRun(path: preprocessingURL.path, reason: "fitted on \(prep.dataset), but the weights are for \(dataset)")
        }
        guard let hidden = try meta.optionalSizes("hidden", in: 1...TabularEvaluationJob.maxWidth, maxCount: TabularEvaluationJob.maxLayers) else {
            throw PipelineError.invalidRun(path: weights.path, reason: "metadata lacks the hidden sizes")
        }
        let inputSize: Int, classes: Int
        if let tabular = prep.tabular {
            inputSize = tabular.outputWidth
            classes = tabular.classNames?.count ?? 1
        } else {
            inputSize = prep.window ?? 1
            classes = 1
        }
        try ModelSizeLimit.check(ModelSizeLimit.mlp(inputSize: inputSize, hiddenSizes: hidden, classes: classes),
                                 model: "MLP \(hidden)", source: weights.path)
        let model = MLPClassifier(inputSize: inputSize, hiddenSizes: hidden, classes: classes, generator: RandomGenerator(seed: 0))
        do { try model.load(from: weights) } catch {
            throw PipelineError.invalidRun(path: weights.path, reason: "does not fit an MLP \(hidden) for \(prep.dataset): \(error)")
        }
        let sizes = ([inputSize] + hidden + [classes]).map(String.init).joined(separator: "-")
        return TabularPredictor(model: model, preprocessing: prep, modelDescription: "MLP \(sizes) on \(prep.dataset)", batchSize: batchSize)
    }

    func predict(_ input: PredictionInput) throws -> PredictionResult {
        if let tabular = preprocessing.tabular { return try predictRows(input, tabular) }
        return try predictWindows(input)
    }

    // MARK: Tabular rows

    /// The rows of `input` mapped by the saved preprocessing, as the model takes them.
    /// - Throws: `PredictionError` for a file that is not rows of the training columns, or for a
    ///   forecasting run (its inputs are windows, not rows).
    func modelInputs(_ input: PredictionInput) throws -> (features: Tensor, files: [String]?) {
        guard let prep = preprocessing.tabular else {
            throw PredictionError.unsupportedInput(path: input.url.path, reason: "a forecasting model takes windows of values; "
                                                   + "its predictions come from `synapse predict`")
        }
        let columns = prep.columns ?? []
        let data: TabularDataset
        switch input {
        case .csv(let url): data = try Self.rows(csv: url, columns: columns)
        case .json(let url): data = try Self.rows(json: url, columns: columns)
        case .idx(let url), .image(let url), .imageDirectory(let url):
            throw PredictionError.unsupportedInput(path: url.path, reason: "a tabular model takes a CSV file or JSON objects "
                                                   + "keyed by column, not \(input.kindDescription)")
        }
        do { return (try prep.transform(data), nil) } catch {
            throw PredictionError.invalidValue(path: data.path, location: "preprocessing", reason: "\(error)")
        }
    }

    private func predictRows(_ input: PredictionInput, _ prep: TabularPreprocessor) throws -> PredictionResult {
        let features = try modelInputs(input).features
        let outputs = batchedOutputs(model, features: features, batchSize: batchSize)
        if let classNames = prep.classNames {
            return PredictionResult(classNames: classNames, predictions: classPredictions(outputs, classNames: classNames, calibration: calibration),
                                    modelDescription: modelDescription)
        }
        let scaling = prep.targetScaling ?? .identity
        let predictions = outputs.enumerated().map { i, row in Prediction(index: i, values: row.map { scaling.invert(Double($0)) }) }
        return PredictionResult(classNames: [], predictions: predictions, modelDescription: modelDescription)
    }

    /// The training columns of a CSV file with a header (other columns, the label among them, are ignored).
    static func rows(csv url: URL, columns: [TabularPreprocessor.ColumnState]) throws -> TabularDataset {
        let table: CSVTable
        do { table = try CSVReader.read(url) } catch {
            throw PredictionError.unreadableInput(path: url.path, reason: "\(error)")
        }
        guard table.count > 0 else { throw PredictionError.empty(path: url.path) }
        let missing = columns.map(\.name).filter { !table.header.contains($0) }
        guard missing.isEmpty else { throw PredictionError.missingColumns(path: url.path, missing: missing, available: table.header) }
        var built: [TabularColumn] = []
        for state in columns {
            let c = table.header.firstIndex(of: state.name)!
            var cells: [String?] = []
            for row in table.rows {
                let text = c < row.count ? row[c].trimmingCharacters(in: .whitespaces) : ""
                cells.append(TabularOptions.defaultMissingMarkers.contains(text) ? nil : text)
            }
            built.append(try column(state, cells: cells, path: url.path) { "line \(table.lineNumbers[$0])" })
        }
        return TabularDataset(columns: built, labelName: "", target: .values([Double](repeating: 0, count: table.count)),
                              lineNumbers: table.lineNumbers, path: url.path)
    }

    /// The training columns of JSON objects keyed by column name (`null` is a missing value).
    static func rows(json url: URL, columns: [TabularPreprocessor.ColumnState]) throws -> TabularDataset {
        let examples = try JSONExamples.read(url, singleExampleSize: nil)
        guard !examples.isEmpty else { throw PredictionError.empty(path: url.path) }
        var objects: [[String: Any]] = []
        for example in examples {
            guard let object = example.value as? [String: Any] else {
                throw PredictionError.invalidValue(path: url.path, location: example.location,
                                                   reason: "expected a JSON object keyed by column name")
            }
            let missing = columns.map(\.name).filter { object[$0] == nil }
            guard missing.isEmpty else {
                throw PredictionError.missingColumns(path: url.path + " (\(example.location))", missing: missing, available: object.keys.sorted())
            }
            objects.append(object)
        }
        var built: [TabularColumn] = []
        for state in columns {
            var cells: [String?] = []
            for (i, object) in objects.enumerated() {
                let value = object[state.name]!
                if type(of: value) is NSNull.Type {
                    cells.append(nil)
                } else if let text = value as? String {
                    cells.append(text)
                } else if let number = JSONExamples.number(value) {
                    // Whole numbers as integers, so a categorical 1 matches the training category "1".
                    cells.append(number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number))
                } else {
                    throw PredictionError.invalidValue(path: url.path, location: examples[i].location,
                                                       reason: "column \"\(state.name)\" holds \(value); expected a number, a string or null")
                }
            }
            built.append(try column(state, cells: cells, path: url.path) { examples[$0].location })
        }
        return TabularDataset(columns: built, labelName: "", target: .values([Double](repeating: 0, count: objects.count)), path: url.path)
    }

    /// One column typed as in training: numbers for a numeric column (missing as NaN, imputed by the
    /// preprocessing), names for a categorical one.
    static func column(_ state: TabularPreprocessor.ColumnState, cells: [String?], path: String,
                       location: (Int) -> String) throws(PredictionError) -> TabularColumn {
        guard state.kind == .numeric else { return TabularColumn(name: state.name, values: .categorical(cells)) }
        var values: [Double] = []
        values.reserveCapacity(cells.count)
        for (r, cell) in cells.enumerated() {
            guard let cell else {
                values.append(.nan)
                continue
            }
            guard let v = Double(cell), v.isFinite else {
                throw .invalidValue(path: path, location: location(r), reason: "column \"\(state.name)\" is numeric, found \"\(cell)\"")
            }
            values.append(v)
        }
        return TabularColumn(name: state.name, values: .numeric(values))
    }

    // MARK: Forecasting windows

    private func predictWindows(_ input: PredictionInput) throws -> PredictionResult {
        guard let scaling = preprocessing.seriesScaling, let window = preprocessing.window else {
            throw PipelineError.invalidRun(path: "preprocessing", reason: "holds neither tabular preprocessing nor a series scaling")
        }
        guard case .json(let url) = input else {
            throw PredictionError.unsupportedInput(path: input.url.path, reason: "a forecasting model takes JSON arrays of the last "
                                                   + "\(window) values (one window per line), not \(input.kindDescription)")
        }
        let examples = try JSONExamples.read(url, singleExampleSize: window)
        guard !examples.isEmpty else { throw PredictionError.empty(path: url.path) }
        var scaled: [Float] = []
        for example in examples {
            var value = example.value
            if let object = value as? [String: Any], let values = object["values"] { value = values }
            guard value is [Any], let numbers = JSONExamples.flattenedNumbers(value) else {
                throw PredictionError.invalidValue(path: url.path, location: example.location,
                                                   reason: "expected an array of the last \(window) values (or {\"values\": [...]})")
            }
            guard numbers.count == window else {
                throw PredictionError.wrongSize(path: url.path, location: example.location, expected: window, actual: numbers.count,
                                                what: "values (the model's input window)")
            }
            for v in numbers {
                let x = Float(scaling.apply(v))
                guard v.isFinite, x.isFinite else {
                    throw PredictionError.invalidValue(path: url.path, location: example.location, reason: "value \(v) is not a usable number")
                }
                scaled.append(x)
            }
        }
        let outputs = batchedOutputs(model, features: Tensor(shape: [examples.count, window], scalars: scaled), batchSize: batchSize)
        let predictions = outputs.enumerated().map { i, row in Prediction(index: i, values: row.map { scaling.invert(Double($0)) }) }
        return PredictionResult(classNames: [], predictions: predictions, modelDescription: modelDescription)
    }
}
