import Foundation
import Testing
@testable import Synapse
@testable import SynapseOptim

/// Keyword arguments of a manifest case's PyTorch `call` string, e.g.
/// `torch.optim.Adam([w, b], lr=0.01, betas=(0.9, 0.999), amsgrad=False)` gives
/// `["lr": "0.01", "betas": "(0.9, 0.999)", "amsgrad": "False"]`, so hyper-parameters used by the
/// tests are read from the manifest instead of being copied by hand.
struct GoldenCallArguments {
    let call: String
    let values: [String: String]

    /// The keyword arguments of the bundled manifest case `caseName`.
    init(case caseName: String) throws {
        try self.init(call: GoldenManifest.bundled.get().case(caseName).call)
    }

    /// Parses `name=value` pairs at the top nesting level of the outermost parentheses of `call`.
    init(call: String) {
        self.call = call
        var values: [String: String] = [:]
        guard let open = call.firstIndex(of: "("), let close = call.lastIndex(of: ")"), open < close else {
            self.values = [:]
            return
        }
        // Split the argument list at commas outside (), [] and quotes.
        var parts: [String] = [], current = "", depth = 0, quote: Character? = nil
        for ch in call[call.index(after: open)..<close] {
            if let q = quote {
                if ch == q { quote = nil }
            } else if ch == "'" || ch == "\"" {
                quote = ch
            } else if "([{".contains(ch) {
                depth += 1
            } else if ")]}".contains(ch) {
                depth -= 1
            } else if ch == ",", depth == 0 {
                parts.append(current)
                current = ""
                continue
            }
            current.append(ch)
        }
        parts.append(current)
        for part in parts {
            guard let eq = part.firstIndex(of: "=") else { continue }
            let key = part[..<eq].trimmingCharacters(in: .whitespaces)
            let value = part[part.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            values[key] = value
        }
        self.values = values
    }

    /// A numeric argument.
    func float(_ key: String) throws -> Float {
        guard let s = values[key], let v = Float(s) else { throw Golden.Failure("no numeric argument '\(key)' in \(call)") }
        return v
    }

    /// A numeric argument at full precision (training hyperparameters are `Double`, as in PyTorch).
    func double(_ key: String) throws -> Double {
        guard let s = values[key], let v = Double(s) else { throw Golden.Failure("no numeric argument '\(key)' in \(call)") }
        return v
    }

    /// A Python boolean argument (`True`/`False`).
    func bool(_ key: String) throws -> Bool {
        switch values[key] {
        case "True": return true
        case "False": return false
        default: throw Golden.Failure("no boolean argument '\(key)' in \(call)")
        }
    }

    /// A pair of numbers written as a Python tuple, e.g. `betas=(0.9, 0.999)`.
    func pair(_ key: String) throws -> (Float, Float) {
        guard let s = values[key] else { throw Golden.Failure("no argument '\(key)' in \(call)") }
        let numbers = s.trimmingCharacters(in: CharacterSet(charactersIn: "()[] "))
            .split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 2 else { throw Golden.Failure("argument '\(key)' = \(s) is not a pair in \(call)") }
        return (numbers[0], numbers[1])
    }

    /// `pair(key)` at full precision (`betas`).
    func doublePair(_ key: String) throws -> (Double, Double) {
        let (a, b) = try pair(key)
        guard let s = values[key] else { return (Double(a), Double(b)) }
        let numbers = s.trimmingCharacters(in: CharacterSet(charactersIn: "()[] "))
            .split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return (numbers[0], numbers[1])
    }

    /// A string argument without its quotes (e.g. `reduction='mean'`).
    func string(_ key: String) throws -> String {
        guard let s = values[key] else { throw Golden.Failure("no argument '\(key)' in \(call)") }
        return s.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
    }

    /// `float(key)` for use inside non-throwing golden closures: NaN (which fails every comparison)
    /// when the manifest lacks the argument.
    static func float(_ caseName: String, _ key: String) -> Float {
        (try? GoldenCallArguments(case: caseName).float(key)) ?? .nan
    }
}

@Suite("NN: golden call-string parsing")
struct NNGoldenCallArgumentsTests {
    @Test func parsesKeywordArguments() throws {
        let a = GoldenCallArguments(call: "torch.optim.Adam([w, b], lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=True)")
        #expect(try a.float("lr") == 0.01)
        #expect(try a.pair("betas") == (0.9, 0.999))
        #expect(try a.float("eps") == 1e-8)
        #expect(try a.float("weight_decay") == 0)
        #expect(try a.bool("amsgrad"))
        #expect(throws: Golden.Failure.self) { try a.float("momentum") }
        let l = GoldenCallArguments(call: "torch.nn.functional.cross_entropy(x, target, reduction='mean', label_smoothing=0.1)")
        #expect(try l.string("reduction") == "mean")
        #expect(try l.float("label_smoothing") == 0.1)
    }
}
