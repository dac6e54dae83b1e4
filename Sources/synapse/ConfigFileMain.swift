import ArgumentParser
import Synapse

extension SynapseCommand {
    /// The keys of a `train` configuration file: the library's schema plus the CLI's newer flags
    /// (kept here until the library's schema lists them).
    static let trainSchema = TrainingConfigFile.trainSchema.merging([
        "run-dir": .string, "overwrite": .flag, "force": .flag, "checkpoint-every": .integer,
        "detect-anomaly": .flag, "intended-use": .string,
    ]) { current, _ in current }

    /// Entry point: expands `synapse train --config FILE` into the file's flags (placed before the
    /// explicit ones, which therefore win) and runs the command line. A bad file ends the program
    /// with an error naming the file and key.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let expanded: [String]
        do { expanded = try TrainingConfigFile.expand(arguments, schema: trainSchema) } catch { exit(withError: error) }
        main(expanded)
    }
}
