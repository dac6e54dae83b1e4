import Foundation
import SynapseCore

/// Checks of a saved (or freshly fitted) preprocessing state. The state decides every number the
/// model sees, so a scale of 0 or -1, a NaN mean or an empty category list must be refused when the
/// file is read, not discovered as NaN losses or a shape trap later.
extension TabularPreprocessor {
    /// Largest number of one-hot outputs a state may describe: far above any real table, low enough
    /// that a forged state cannot make `transform` allocate gigabytes per row.
    public static let maxOutputWidth = 1 << 20

    /// Decodes and validates a state written by `save(to:)`.
    /// - Parameter path: names the source in error messages.
    /// - Throws: `TabularError.invalidState` naming the path and the faulty key or column.
    public static func decode(_ data: Data, path: String) throws(DataError) -> TabularPreprocessor {
        if let key = JSONKeySchema.tabularPreprocessor.firstUnknownKey(inDocument: data) {
            throw .tabular(.invalidState(path: path, reason: "unknown key \"\(key)\""))
        }
        let state: TabularPreprocessor
        do { state = try JSONDecoder().decode(TabularPreprocessor.self, from: data) } catch {
            throw .tabular(.invalidState(path: path, reason: "\(error)"))
        }
        try state.validate(path: path)
        return state
    }

    /// Throws unless the state is fitted and every statistic is usable: finite fills and shifts,
    /// finite positive scales, non-empty distinct categories and class names, distinct column names.
    /// - Throws: `TabularError.invalidState` naming `path`, the column and the value.
    public func validate(path: String) throws(DataError) {
        func fail(_ reason: String) -> DataError { .tabular(.invalidState(path: path, reason: reason)) }
        guard version == Self.formatVersion else {
            throw fail("format version \(version), this build reads \(Self.formatVersion)")
        }
        guard let columns else { throw fail("the state was never fitted") }
        guard !columns.isEmpty else { throw fail("no feature columns") }
        guard trainingRows >= 1 else { throw fail("trainingRows \(trainingRows) must be at least 1") }
        var names = Set<String>()
        var width = 0
        for column in columns {
            guard names.insert(column.name).inserted else { throw fail("column \"\(column.name)\" appears twice") }
            switch column.kind {
            case .numeric:
                guard let fill = column.fill, fill.isFinite else {
                    throw fail("column \"\(column.name)\": fill value \(column.fill.map { "\($0)" } ?? "missing") is not a finite number")
                }
                guard let scaling = column.scaling else { throw fail("column \"\(column.name)\": scaling is missing") }
                try Self.check(scaling, "column \"\(column.name)\"", fail)
                width += 1
            case .categorical:
                guard let categories = column.categories, !categories.isEmpty else {
                    throw fail("column \"\(column.name)\": categorical column without categories")
                }
                guard Set(categories).count == categories.count else {
                    throw fail("column \"\(column.name)\": a category is listed twice")
                }
                if let fill = column.fillCategory, !categories.contains(fill) {
                    throw fail("column \"\(column.name)\": fill category \"\(fill)\" is not one of its categories")
                }
                width += categories.count
            }
            guard width <= Self.maxOutputWidth else {
                throw fail("more than \(Self.maxOutputWidth) output features (at column \"\(column.name)\")")
            }
        }
        guard labelName != nil else { throw fail("the label column name is missing") }
        if let classNames {
            guard !classNames.isEmpty else { throw fail("classification state with no class names") }
            guard Set(classNames).count == classNames.count else { throw fail("a class name is listed twice") }
        }
        if let targetScaling { try Self.check(targetScaling, "target", fail) }
    }

    private static func check(_ scaling: ScalingParameters, _ what: String, _ fail: (String) -> DataError) throws(DataError) {
        guard scaling.shift.isFinite else { throw fail("\(what): shift \(scaling.shift) is not finite") }
        guard scaling.scale.isFinite, scaling.scale > 0 else {
            throw fail("\(what): scale \(scaling.scale) must be a finite number above 0")
        }
    }
}
