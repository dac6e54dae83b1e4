import Synapse

/// W2 and W3: a classifier trained on Fashion-MNIST with cross-entropy and Adam (lr 1e-3), batches
/// reshuffled every epoch, the last partial batch dropped, PyTorch default init, seed 0 unless the
/// hidden `--seed` says otherwise (as `synapse train --seed N`).
///
/// Loading and decoding the IDX files is not timed. An epoch's time covers what PyTorch's reference
/// loop covers: gathering each shuffled batch, forward, loss, backward, the Adam step and reading the
/// loss. A throwaway network trains a few steps first to warm caches and the allocator, so the
/// measured network trains exactly the timed epochs.
struct ClassifierTrainingWorkload: Workload {
    /// Workload id ("W2", "W3").
    let id: String
    /// Examples per step.
    let batchSize: Int
    /// Epochs after which the spec reports accuracy (`--accuracy` trains exactly these).
    let accuracyEpochs: Int
    /// The network, initialised from a generator.
    let makeModel: @Sendable (RandomGenerator) -> any Layer
    /// Smoke mode: 3 × 20 timed steps instead of epochs.
    let quick: Bool
    /// Train the spec's epochs so the reported accuracy is the spec's (otherwise 3 timed epochs).
    let accuracy: Bool
    /// Seeds the measured network's weights, the global generator and the loader's shuffling.
    var seed: UInt64 = 0
    /// Steps per smoke repetition.
    let smokeSteps = 20

    /// W2: Linear(784,512)-ReLU-Linear(512,256)-ReLU-Linear(256,10), batch 128 (468 steps), accuracy after 5 epochs.
    static func w2(quick: Bool, accuracy: Bool, seed: UInt64 = 0) -> Self {
        Self(id: "W2", batchSize: 128, accuracyEpochs: 5, makeModel: { MLPClassifier(generator: $0) }, quick: quick, accuracy: accuracy,
             seed: seed)
    }

    /// W3: Conv2d(1,32,3,pad 1)-ReLU-MaxPool2 → Conv2d(32,64,3,pad 1)-ReLU-MaxPool2 → Linear(3136,128)-ReLU →
    /// Linear(128,10), batch 64 (937 steps), accuracy after 2 epochs.
    static func w3(quick: Bool, accuracy: Bool, seed: UInt64 = 0) -> Self {
        Self(id: "W3", batchSize: 64, accuracyEpochs: 2, makeModel: { CNNClassifier(generator: $0) }, quick: quick, accuracy: accuracy,
             seed: seed)
    }

    func run(threads: Int, emit: (Measurement) -> Void) throws {
        let train = try FashionMNIST.load(split: .train)
        let loader = DataLoader(train, batchSize: batchSize, shuffle: true, dropLast: true, seed: seed)

        // Warm-up on a throwaway network and loader, leaving the measured run's random streams untouched.
        let warmUp = Trainer(makeModel(RandomGenerator(seed: 1)))
        var warmUpBatches = DataLoader(train, batchSize: batchSize, shuffle: true, dropLast: true, seed: 1).makeIterator()
        for _ in 0..<(quick ? 5 : 20) { _ = try warmUp.step(warmUpBatches.next()!) }

        manualSeed(seed)
        let trainer = Trainer(makeModel(RandomGenerator(seed: seed)))
        if quick {
            var batches = loader.makeIterator()
            let times = try (0..<3).map { _ in
                try Timing.seconds { for _ in 0..<smokeSteps { _ = try trainer.step(batches.next()!) } }
            }
            emit(Measurement(id, threads: threads, metric: "s/\(smokeSteps)steps", value: Timing.median(times),
                             ["steps": .int(smokeSteps), "note": .string("smoke run, not an epoch time")]))
            return
        }
        let epochs = accuracy ? accuracyEpochs : 3
        var times: [Double] = []
        for _ in 0..<epochs {
            times.append(try Timing.seconds { for batch in loader { _ = try trainer.step(batch) } })
        }
        let testAccuracy = ClassifierTraining.accuracy(of: trainer.model, on: try FashionMNIST.load(split: .test))
        var measurement = Measurement(id, threads: threads, metric: "s/epoch", value: Timing.median(times),
                                      ["epochs": .int(epochs), "steps": .int(loader.count), "test_accuracy": .double(testAccuracy)])
        if seed != 0 { measurement.extras.append(("seed", Int(exactly: seed).map(JSONValue.int) ?? .string(String(seed)))) }
        emit(measurement)
    }

    /// A network and its optimiser.
    private final class Trainer {
        let model: any Layer
        let optimizer: Adam
        /// The divergence checks of `ClassifierTraining`, so the timed step pays what training pays.
        let check: DivergenceCheck
        var steps = 0

        init(_ model: any Layer) {
            self.model = model
            optimizer = Adam(model.parameters(), learningRate: 1e-3)
            check = DivergenceCheck(parameters: optimizer.parameters, model: model)
        }

        /// One training step on `batch` (loss and gradient checks as in `ClassifierTraining`); returns the loss.
        func step(_ batch: TensorDataset.Batch) throws(TrainingError) -> Float {
            steps += 1
            let loss = crossEntropy(model(batch.features), batch.labels)
            let value = loss.item()
            try check.loss(value, epoch: nil, step: steps)
            optimizer.zeroGrad()
            loss.backward()
            try check.gradients(epoch: nil, step: steps)
            optimizer.step()
            return value
        }
    }
}
