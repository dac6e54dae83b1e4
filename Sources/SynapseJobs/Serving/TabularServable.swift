import Foundation
import SynapseCore
import SynapseEval
import SynapseData
import SynapseModels
import SynapseNN

/// A served tabular classifier or regressor, or a forecaster: the MLP of a `synapse train` run with
/// the preprocessing saved beside its weights (never refitted).
///
/// - Tabular instances are objects keyed by the training column names (`null` is a missing value,
///   imputed as in training; other keys, a label among them, are ignored) or arrays of the column
///   values in training order.
/// - Forecasting instances are arrays of the last `window` values, or `{"values": [...]}`.
///
/// `@unchecked Sendable`: after loading, the model and preprocessing are only read (see `ImageServable`).
final class TabularServable: ServableModel, @unchecked Sendable {
    let model: MLPClassifier
    let preprocessing: PipelinePreprocessing
    let info: ServableModelInfo
    /// The calibration of the class probabilities (`synapse calibrate`), if any.
    let calibration: LogitCalibration?

    init(_ predictor: TabularPredictor) {
        calibration = predictor.calibration
        model = predictor.model
        model.eval()
        preprocessing = predictor.preprocessing
        if let tabular = preprocessing.tabular {
            let columns = (tabular.columns ?? []).map {
                ServingColumn(name: $0.name, numeric: $0.kind == .numeric, categories: $0.categories ?? [])
            }
            info = ServableModelInfo(task: tabular.classNames == nil ? .regression : .classification,
                                     inputSchema: .tabular(columns: columns), classNames: tabular.classNames ?? [],
                                     modelDescription: predictor.modelDescription, rowWidth: tabular.outputWidth,
                                     driftFeatureNames: tabular.outputFeatureNames)
        } else {
            let window = preprocessing.window ?? 1
            info = ServableModelInfo(task: .regression, inputSchema: .window(length: window), classNames: [],
                                     modelDescription: predictor.modelDescription, rowWidth: window,
                                     driftFeatureNames: ["window_mean", "last_value"])
        }
    }

    func prepare(_ instance: Any, index: Int) throws(InstanceError) -> [Float] {
        if let tabular = preprocessing.tabular { return try prepareRow(instance, index: index, tabular) }
        return try prepareWindow(instance, index: index)
    }

    func predict(rows: [Float], count: Int) -> [ServedPrediction] {
        let outputs = servingOutputs(model, rows: rows, count: count, inputShape: [info.rowWidth])
        if info.task == .classification { return servedClassPredictions(outputs, classNames: info.classNames, calibration: calibration) }
        let scaling = preprocessing.tabular.map { $0.targetScaling ?? .identity } ?? preprocessing.seriesScaling ?? .identity
        return outputs.map { ServedPrediction(values: $0.map { scaling.invert(Double($0)) }) }
    }

    func driftFeatures(of row: ArraySlice<Float>) -> [Double] {
        guard preprocessing.tabular == nil else { return row.map(Double.init) }
        return [meanAndStd(row).mean, Double(row.last ?? 0)]
    }

    // MARK: Tabular rows

    private func prepareRow(_ instance: Any, index: Int, _ prep: TabularPreprocessor) throws(InstanceError) -> [Float] {
        let states = prep.columns ?? []
        var cellValues: [Any] = []
        if JSONExamples.isObject(instance), let object = instance as? [String: Any] {
            let missing = states.map(\.name).filter { object[$0] == nil }
            guard missing.isEmpty else {
                throw InstanceError(index: index, field: missing[0], reason: "missing column(s) \(missing); the model takes "
                                    + "\(states.map(\.name)) (null for a missing value)")
            }
            cellValues = states.map { object[$0.name]! }
        } else if JSONExamples.isArray(instance), let array = instance as? [Any] {
            guard array.count == states.count else {
                throw InstanceError(index: index, field: "instance", reason: "holds \(array.count) values; the model takes "
                                    + "\(states.count) columns in this order: \(states.map(\.name))")
            }
            cellValues = array
        } else {
            throw InstanceError(index: index, field: "instance", reason: "expected an object keyed by column name or an array "
                                + "of \(states.count) column values")
        }
        var columns: [TabularColumn] = []
        columns.reserveCapacity(states.count)
        for (state, value) in zip(states, cellValues) {
            columns.append(try Self.column(state, value: value, index: index))
        }
        let data = TabularDataset(columns: columns, labelName: "", target: .values([0]), path: "instance \(index)")
        do {
            return try prep.transform(data).contiguous().scalars
        } catch {
            throw InstanceError(index: index, field: "instance", reason: "\(error)")
        }
    }

    /// One cell typed as its training column: a finite number (or numeric text) for a numeric
    /// column, a string or whole number for a categorical one; null is missing.
    static func column(_ state: TabularPreprocessor.ColumnState, value: Any, index: Int) throws(InstanceError) -> TabularColumn {
        if type(of: value) is NSNull.Type {
            return TabularColumn(name: state.name, values: state.kind == .numeric ? .numeric([.nan]) : .categorical([nil]))
        }
        if state.kind == .numeric {
            let number: Double?
            if JSONExamples.isString(value), let text = value as? String { number = Double(text.trimmingCharacters(in: .whitespaces)) } else { number = JSONExamples.number(value) }
            guard let number, number.isFinite else {
                throw InstanceError(index: index, field: state.name, reason: "is numeric; found \(Self.shown(value))")
            }
            return TabularColumn(name: state.name, values: .numeric([number]))
        }
        if JSONExamples.isString(value), let text = value as? String { return TabularColumn(name: state.name, values: .categorical([text])) }
        if let number = JSONExamples.number(value), number.isFinite {
            // Whole numbers as integers, so a categorical 1 matches the training category "1".
            let text = number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
            return TabularColumn(name: state.name, values: .categorical([text]))
        }
        throw InstanceError(index: index, field: state.name, reason: "is categorical; found \(Self.shown(value)); expected a string")
    }

    /// A JSON value as a message shows it.
    static func shown(_ value: Any) -> String {
        if let text = value as? String { return "\"\(text.prefix(40))\"" }
        if value is [Any] { return "an array" }
        if value is [String: Any] { return "an object" }
        return "\(value)".prefix(40).description
    }

    // MARK: Forecasting windows

    private func prepareWindow(_ instance: Any, index: Int) throws(InstanceError) -> [Float] {
        let window = info.rowWidth
        let scaling = preprocessing.seriesScaling ?? .identity
        var value = instance
        var field = "instance"
        if JSONExamples.isObject(instance), let object = instance as? [String: Any], let values = object["values"] {
            value = values
            field = "values"
        }
        guard JSONExamples.number(value) == nil, let numbers = JSONExamples.flattenedNumbers(value) else {
            throw InstanceError(index: index, field: field, reason: "expected an array of the last \(window) values (or {\"values\": [...]})")
        }
        guard numbers.count == window else {
            throw InstanceError(index: index, field: field, reason: "holds \(numbers.count) values; the model's input window is \(window)")
        }
        var out = [Float](repeating: 0, count: window)
        for (i, v) in numbers.enumerated() {
            let x = Float(scaling.apply(v))
            guard v.isFinite, x.isFinite else {
                throw InstanceError(index: index, field: field, reason: "value \(i) is \(v); expected a finite number")
            }
            out[i] = x
        }
        return out
    }
}
