import Foundation
import Testing
@testable import Synapse
@testable import SynapseData

extension RealDataSuite {
    /// Loads the real datasets when they are installed on this machine.
    @Suite struct RealDataTests {
        private static func checkRange(_ data: TensorDataset) -> (min: Float, max: Float) {
            data.features.withUnsafeBufferPointer { values in
                var low = Float.infinity, high = -Float.infinity
                for v in values { low = Swift.min(low, v); high = Swift.max(high, v) }
                return (low, high)
            }
        }

        @Test(.enabled(if: FashionMNIST.isInstalled(),
                       "Fashion-MNIST is not installed (sudo apt-get install dataset-fashion-mnist)"))
        func fashionMNIST() throws {
            let train = try FashionMNIST.load(split: .train)
            let test = try FashionMNIST.load(split: .test)
            #expect(train.features.shape == [60000, 1, 28, 28])
            #expect(test.features.shape == [10000, 1, 28, 28])
            #expect(train.labels.shape == [60000] && test.labels.shape == [10000])
            #expect(train.labelCounts() == [Int](repeating: 6000, count: 10))
            #expect(test.labelCounts() == [Int](repeating: 1000, count: 10))
            let range = Self.checkRange(train)
            #expect(range.min == 0 && range.max == 1)
            #expect(DataLoader(train, batchSize: 128, shuffle: true, dropLast: true, seed: 0).count == 468)
        }

        @Test(.enabled(if: MNIST.isInstalled(), "MNIST is not prepared (run scripts/prepare-mnist.sh)"))
        func mnist() throws {
            let train = try MNIST.load(split: .train)
            let test = try MNIST.load(split: .test)
            #expect(train.features.shape == [60000, 1, 28, 28])
            #expect(test.features.shape == [10000, 1, 28, 28])
            #expect(train.labelCounts() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
            #expect(test.labelCounts() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
            #expect(Array(train.labels.scalars.prefix(10)) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
            let range = Self.checkRange(test)
            #expect(range.min == 0 && range.max == 1)
        }
    }
}
