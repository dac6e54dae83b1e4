import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseModels

extension RealDataSuite {
    /// Memory must stay flat over a long W2 run: the tape is freed by every backward pass, optimizer
    /// state is updated in place, and buffers are recycled by the caching allocator.
    @Suite(.tags(.slow))
    struct MemoryStabilityTests {
        @Test(.enabled(if: FashionMNIST.isInstalled(), "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
        func peakResidentMemoryIsFlatOverTenThousandSteps() throws {
            let train = try FashionMNIST.load(split: .train)
            let model = MLPClassifier(generator: RandomGenerator(seed: 0))
            let optimizer = Adam(model.parameters(), learningRate: 1e-3)
            let loader = DataLoader(train, batchSize: 128, shuffle: true, dropLast: true, seed: 0)
            var steps = 0
            var peakAfterWarmUp = 0
            while steps < 10_000 {
                for batch in loader {
                    let loss = crossEntropy(model(batch.features), batch.labels)
                    optimizer.zeroGrad()
                    loss.backward()
                    optimizer.step()
                    steps += 1
                    if steps == 1_000 { peakAfterWarmUp = try #require(ProcessMemory.peakResidentBytes) }
                    if steps == 10_000 { break }
                }
            }
            let peakAtEnd = try #require(ProcessMemory.peakResidentBytes)
            // 9,000 further steps may not raise the peak by more than 8 MB (a leak of one 128x512 float
            // activation per step would add 2.3 GB; other tests running in parallel account for the slack).
            #expect(peakAtEnd - peakAfterWarmUp <= 8 << 20,
                    "peak RSS grew from \(peakAfterWarmUp >> 20) MB to \(peakAtEnd >> 20) MB over 9,000 steps")
        }
    }
}
