import Testing
@testable import SynapseCore

/// Anomaly mode names the first op whose forward result or VJP gradient became non-finite.
struct AnomalyDetectionTests {
    @Test func namesTheFirstForwardOpNotTheOnesThatPassItOn() throws {
        let x = Tensor([[1, -2], [3, 4]]).requiringGrad()
        let w = Tensor([[1, 0], [0, 1]]).requiringGrad()
        do {
            try withAnomalyDetection {
                // log(-2) is NaN; matmul and sum only pass it on.
                _ = matmul(log(x), w).sum()
            }
            Issue.record("no anomaly reported")
        } catch let report as AnomalyReport {
            #expect(report.op == "log" && report.pass == .forward)
            #expect(report.shape == [2, 2] && report.inputShapes == [[2, 2]])
            #expect(report.consumedFinite && report.index == 1 && report.value.isNaN && report.nonFiniteCount == 1)
            #expect(report.description.contains("'log'") && report.description.contains("non-finite"))
        }
    }

    @Test func backwardCheckedNamesTheFirstVJPThatReturnedANonFiniteGradient() {
        // sqrt is finite at 0 but its gradient 0.5/sqrt(x) is inf there.
        let x = Tensor([0, 4]).requiringGrad()
        let loss = (sqrt(x) * 3).sum()
        #expect(!AnomalyDetection.isEnabled)
        #expect(throws: AnomalyReport.self) { try loss.backwardChecked() }
        do { try (sqrt(x) * 3).sum().backwardChecked() } catch {
            #expect(error.op == "sqrt" && error.pass == .backward && error.inputIndex == 0)
            #expect(error.value == .infinity && error.consumedFinite && error.shape == [2])
        }
    }

    @Test func backwardCheckedThrowsAForwardAnomalyOfTheScopeWithoutRunningBackward() throws {
        let x = Tensor([-1, 1]).requiringGrad()
        var thrown: AnomalyReport?
        _ = try? withAnomalyDetection {
            do { try log(x).sum().backwardChecked() } catch { thrown = error as? AnomalyReport }
        }
        #expect(thrown?.op == "log" && thrown?.pass == .forward)
        #expect(x.grad == nil)
    }

    @Test func offByDefaultAndSilentWhenEverythingIsFinite() throws {
        #expect(!AnomalyDetection.isEnabled && AnomalyDetection.firstAnomaly == nil)
        let x = Tensor([1, 2]).requiringGrad()
        let y = try withAnomalyDetection { () -> Float in
            #expect(AnomalyDetection.isEnabled)
            let loss = (log(x) * x).sum()
            try loss.backwardChecked()
            return loss.item()
        }
        #expect(y.isFinite && x.grad!.isAllFinite)
        // Without anomaly mode a NaN is computed silently (the training loops check the loss and gradients).
        #expect(log(Tensor([-1])).scalars[0].isNaN && AnomalyDetection.firstAnomaly == nil)
    }
}
