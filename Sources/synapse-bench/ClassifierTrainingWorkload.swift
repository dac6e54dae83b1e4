import Synapse

/// W2 and W3: a classifier trained on Fashion-MNIST with cross-entropy and Adam (lr 1e-3), batches
/// reshuffled every epoch, the last partial batch dropped, PyTorch default init, seed 0 unless the
/// hidden `--seed` says otherwise (as `synapse train --seed N`).
///
/// Loading and decoding the IDX files is not timed. The timed loop is the library's `Trainer` with
/// its callbacks off; an epoch's time covers what PyTorch's reference loop covers (gathering each
/// shuffled batch, forward, loss, backward, the Adam step and reading the loss) plus the divergence
/// checks every Synapse run pays. A throwaway network trains a few steps first to warm caches and the allocator, so the
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
    /// The precision of the products (W9 trains W3 under bf16 autocast).
    var precision: ComputePrecision = .float32

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

        // Warm-up on a throwaway network and loader, leaving the measured run's random streams untouched.
        try makeTrainer(makeModel(RandomGenerator(seed: 1)), train, seed: 1).fit(steps: quick ? 5 : 20)

        manualSeed(seed)
        let trainer = makeTrainer(makeModel(RandomGenerator(seed: seed)), train, seed: seed)
        if quick {
            // Each call continues to the next multiple of the smoke steps (starting a fresh epoch).
            let times = try (1...3).map { round in try Timing.seconds { try trainer.fit(steps: round * smokeSteps) } }
            emit(Measurement(id, threads: threads, metric: "s/\(smokeSteps)steps", value: Timing.median(times),
                             ["steps": .int(smokeSteps), "note": .string("smoke run, not an epoch time")]))
            return
        }
        let epochs = accuracy ? accuracyEpochs : 3
        let times = try (1...epochs).map { epoch in try Timing.seconds { try trainer.fit(epochs: epoch) } }
        let test = DataLoader(try FashionMNIST.load(split: .test), batchSize: 1000)
        let testAccuracy = try trainer.evaluate(test)["accuracy"] ?? .nan
        var measurement = Measurement(id, threads: threads, metric: "s/epoch", value: Timing.median(times),
                                      ["epochs": .int(epochs), "steps": .int(trainer.trainLoader.count), "test_accuracy": .double(testAccuracy)])
        if seed != 0 { measurement.extras.append(("seed", Int(exactly: seed).map(JSONValue.int) ?? .string(String(seed)))) }
        emit(measurement)
    }

    /// The library's `Trainer` with no callbacks (what `synapse train` runs, minus logging): Adam,
    /// cross-entropy, shuffled batches with the last partial one dropped, the divergence checks.
    private func makeTrainer(_ model: any Layer, _ train: TensorDataset, seed: UInt64) -> Trainer<TensorDataset, TensorDataset> {
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3), objective: .classification(model),
                              train: DataLoader(train, batchSize: batchSize, shuffle: true, dropLast: true, seed: seed),
                              metrics: TrainingMetrics.accuracy)
        trainer.precision = precision
        return trainer
    }
}
