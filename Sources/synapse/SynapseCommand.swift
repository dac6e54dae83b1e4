import ArgumentParser
import Synapse

/// The `synapse` command-line tool.
@main
struct SynapseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synapse",
        abstract: "Train, evaluate and export neural networks with Synapse.",
        version: SynapseVersion.current,
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, GenerateCommand.self, InspectCommand.self,
                      SummaryCommand.self, ExportCommand.self, ServeCommand.self, ModelsCommand.self, EmbedCommand.self,
                      CompressCommand.self, CalibrateCommand.self, OODCommand.self, RobustnessCommand.self,
                      ExplainCommand.self, CardCommand.self, RecommendCommand.self, SampleCommand.self]
    )
}
