import ArgumentParser
import Foundation
import Synapse

extension TrainCommand {
    /// Trains an MLP on a CSV file through the tabular job (the built-in tabular datasets' split,
    /// leakage check, preprocessing, run directory, report and final JSON line).
    func runCSV(_ csv: CSVTrainingSource) throws {
        try runTabular(TabularTrainingOptions(csv: csv, output: URL(fileURLWithPath: "weights.safetensors")))
    }

}
