import Foundation
import SynapseCore

/// The logs of every completed epoch, in order, with JSONL and CSV renderings.
public struct TrainingHistory: Sendable, Codable, Equatable {
    /// One epoch's logs.
    public struct Record: Sendable, Codable, Equatable {
        /// 1-based epoch number.
        public let epoch: Int
        /// Named values (`loss`, `val_loss`, `val_accuracy`, `lr`, ...).
        public let values: [String: Double]

        /// Creates a record.
        public init(epoch: Int, values: [String: Double]) {
            self.epoch = epoch
            self.values = values
        }
    }

    /// The records, oldest first.
    public private(set) var records: [Record] = []

    /// An empty history.
    public init() {}

    /// Appends an epoch.
    public mutating func append(epoch: Int, values: [String: Double]) { records.append(Record(epoch: epoch, values: values)) }

    /// The values of `name` by epoch (nil where an epoch lacks it).
    public func series(_ name: String) -> [Double?] { records.map { $0.values[name] } }

    /// Every name that appears, losses first and the rest sorted (the CSV column order).
    public var names: [String] {
        let all = Set(records.flatMap { $0.values.keys })
        let leading = ["loss", "val_loss"].filter(all.contains)
        return leading + all.subtracting(leading).sorted()
    }

    /// One JSON object per line: `{"epoch":1,"loss":0.52,...}` (non-finite values as `null`).
    public func jsonLines() -> String {
        let columns = names
        return records.map { r in
            var fields = ["\"epoch\":\(r.epoch)"]
            for name in columns where r.values[name] != nil {
                fields.append("\(Self.jsonString(name)):\(Self.number(r.values[name]!, null: "null"))")
            }
            return "{" + fields.joined(separator: ",") + "}\n"
        }.joined()
    }

    /// A CSV table with a header row `epoch,loss,val_loss,...`; missing values are empty cells.
    public func csv() -> String {
        let columns = names
        var out = (["epoch"] + columns.map(Self.csvField)).joined(separator: ",") + "\n"
        for r in records {
            out += ([String(r.epoch)] + columns.map { r.values[$0].map { Self.number($0, null: "") } ?? "" })
                .joined(separator: ",") + "\n"
        }
        return out
    }

    /// A number with full round-trip precision (`nan`/`inf` become `null`).
    static func number(_ v: Double, null: String) -> String { v.isFinite ? "\(v)" : null }

    /// `s` as a JSON string literal (quotes, backslashes and control characters escaped).
    package static func jsonString(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where ch.value < 0x20: out += String(format: "\\u%04x", ch.value)
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
