import Foundation

/// What the machine is, for printing beside speed figures: absolute timings are only comparable
/// on the same CPU, so every measured figure names the one it came from.
public enum MachineDescription {
    /// The CPU's model name with its family and model numbers from `/proc/cpuinfo`
    /// ("AMD EPYC (family 25, model 1)"); "unknown CPU" where the file is missing.
    public static let cpuModel: String = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        func field(_ key: String) -> String? {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
        let name = field("model name") ?? "unknown CPU"
        guard let family = field("cpu family"), let model = field("model") else { return name }
        return "\(name) (family \(family), model \(model))"
    }()
}
