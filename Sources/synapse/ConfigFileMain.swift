import ArgumentParser
import Synapse

extension SynapseCommand {
    /// Entry point: expands `synapse train --config FILE` into the file's flags (placed before the
    /// explicit ones, which therefore win) and runs the command line. A bad file ends the program
    /// with an error naming the file and key.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let expanded: [String]
        do { expanded = try TrainingConfigFile.expand(arguments) } catch { exit(withError: error) }
        main(expanded)
    }
}
