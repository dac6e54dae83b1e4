import Testing
@testable import Synapse
@testable import SynapseEval
@testable import SynapseTraining

/// Monitor names are checked against the epoch logs a run writes.
@Suite struct MonitorNamesTests {
    @Test func logsFollowTheTrainer() {
        #expect(MonitorNames.epochLogs(metrics: ["accuracy"], validation: true)
                == ["epoch_seconds", "loss", "lr", "val_accuracy", "val_loss"])
        #expect(MonitorNames.epochLogs(metrics: ["mae"], validation: false, trainMetrics: true) == ["epoch_seconds", "loss", "lr", "mae"])
        #expect(MonitorNames.tabular(.diabetes).contains("val_mae"))
        #expect(!MonitorNames.tabular(.breastCancer).contains("val_mae"))
    }

    @Test func unknownNameListsTheValidOnes() {
        #expect(throws: UnknownMonitorError.self) { try MonitorNames.validate("val_acc", against: MonitorNames.classification) }
        do { try MonitorNames.validate("val_acc", against: MonitorNames.classification) } catch {
            #expect(error.name == "val_acc")
            #expect(error.description.contains("val_accuracy, val_loss"))
        }
        #expect(throws: UnknownMonitorError.self) {
            _ = try EarlyStopping(monitor: "val_los", loggedNames: MonitorNames.regression)
        }
        #expect((try? EarlyStopping(monitor: "val_mae", loggedNames: MonitorNames.regression))?.monitor == "val_mae")
    }
}
