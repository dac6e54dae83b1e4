import Foundation
import SynapseCore

/// The keys a saved JSON state may hold, nested. `JSONDecoder` ignores keys it does not know, so a
/// misspelt key (`"sclae": 0`) would silently fall back to a default; checking the key set first
/// turns that into an error naming the key.
package indirect enum JSONKeySchema: Sendable {
    /// Any value whose inside is not checked (a number, a string, a list of strings).
    case value
    /// An object with exactly these (optional) keys.
    case object([String: JSONKeySchema])
    /// An array of elements of one schema.
    case array(JSONKeySchema)

    /// The dotted path of the first key in `json` that the schema does not allow, or nil.
    package func firstUnknownKey(in json: Any, at path: String = "") -> String? {
        switch self {
        case .value:
            return nil
        case .object(let keys):
            guard let object = json as? [String: Any] else { return nil }    // wrong types are the decoder's to report
            for key in object.keys.sorted() {
                let here = path.isEmpty ? key : path + "." + key
                guard let inner = keys[key] else { return here }
                if let found = inner.firstUnknownKey(in: object[key]!, at: here) { return found }
            }
            return nil
        case .array(let element):
            guard let items = json as? [Any] else { return nil }
            for (i, item) in items.enumerated() {
                if let found = element.firstUnknownKey(in: item, at: "\(path)[\(i)]") { return found }
            }
            return nil
        }
    }

    /// The first unknown key of the JSON document `data`, or nil (also nil for invalid JSON, which
    /// the decoder reports with its own message).
    package func firstUnknownKey(inDocument data: Data) -> String? {
        guard let json = try? JSONSerialization.jsonObject(with: data) else { return nil }
        return firstUnknownKey(in: json)
    }

    /// `ScalingParameters`.
    package static let scaling = JSONKeySchema.object(["shift": .value, "scale": .value])

    /// `TabularPreprocessor`.
    package static let tabularPreprocessor = JSONKeySchema.object([
        "version": .value,
        "options": .object(["numericScaling": .value, "numericImputation": .value, "unknownCategories": .value, "targetScaling": .value]),
        "columns": .array(.object(["name": .value, "kind": .value, "fill": .value, "fillCategory": .value, "scaling": scaling,
                                   "categories": .value])),
        "labelName": .value, "classNames": .value, "targetScaling": scaling, "trainingRows": .value,
    ])
}
