import Synapse

/// W4 and W5: a character-level language model trained on random windows of the Vim documentation
/// (the benchmark corpus), seed 0, the windows drawn as `synapse train` draws them.
///
/// Loading and tokenising the corpus is not timed; drawing each batch of windows is (PyTorch's
/// reference scripts time it too). The timed loop is the library's `Trainer.fit(steps:)` with its
/// callbacks off, divergence checks included. The figure is training tokens per second, the median over chunks
/// of `chunk` steps. W4 follows the spec: 5 warm-up steps, then 200 timed steps. W5 warms up on a
/// throwaway network, then times 150 steps; with `--accuracy` it trains the spec's 500 steps and
/// also reports the mean validation loss over 20 batches of the last 10% of the text.
struct LanguageModelWorkload: Workload {
    /// Workload id ("W4", "W5").
    let id: String
    /// Windows per step.
    let batchSize: Int
    /// Tokens per window.
    let context: Int
    /// Untimed steps before timing.
    let warmUpSteps: Int
    /// Timed steps.
    let steps: Int
    /// Steps per timed chunk (the median over chunks is reported).
    let chunk: Int
    /// Report the validation loss after training (W5 with `--accuracy`).
    let validate: Bool
    /// Whether the warm-up runs on a throwaway network (W5) or on the measured one (W4, as the spec says).
    let warmUpOnThrowaway: Bool
    /// The network and its optimiser, initialised from a generator.
    let make: @Sendable (Int, RandomGenerator) -> (any LanguageModel, any Optimizer)
    /// Smoke run: the figures are not comparable.
    let quick: Bool
    /// The precision of the products (W9 trains W5 under bf16 autocast).
    var precision: ComputePrecision = .float32

    /// W4: Embedding(vocab,64) → LSTM(64→256) → Linear(256,vocab), Adam 1e-3, batch 32 × 64; 5 warm-up + 200 timed steps.
    static func w4(quick: Bool) -> Self {
        Self(id: "W4", batchSize: 32, context: 64, warmUpSteps: quick ? 1 : 5, steps: quick ? 3 : 200, chunk: quick ? 1 : 50,
             validate: false, warmUpOnThrowaway: false, make: { vocab, g in
                 let m = CharLSTMLanguageModel(vocabularySize: vocab, generator: g)
                 return (m, Adam(m.parameters(), learningRate: 1e-3))
             }, quick: quick)
    }

    /// W5: the tiny GPT, AdamW lr 1e-3 wd 0.01, batch 16 × 128; 500 steps and the validation loss with `accuracy`.
    static func w5(quick: Bool, accuracy: Bool) -> Self {
        Self(id: "W5", batchSize: 16, context: 128, warmUpSteps: quick ? 1 : 5,
             steps: quick ? 3 : (accuracy ? 500 : 150), chunk: quick ? 1 : 50, validate: accuracy && !quick,
             warmUpOnThrowaway: true, make: { vocab, g in
                 let m = GPTLanguageModel(vocabularySize: vocab, generator: g)
                 return (m, AdamW(m.parameters(), learningRate: 1e-3, weightDecay: 0.01))
             }, quick: quick)
    }

    func run(threads: Int, emit: (Measurement) -> Void) throws {
        let (train, validation) = try TextCorpus.vimDocumentation().split(trainFraction: 0.9)
        let windows = TextWindows(train, length: context)
        let vocab = train.vocabularySize
        if warmUpOnThrowaway {
            let (m, o) = make(vocab, RandomGenerator(seed: 1))
            try makeTrainer(m, o, windows, generator: TextWindows.trainingGenerator(seed: 1)).fit(steps: warmUpSteps)
        }
        manualSeed(0)
        let (model, optimizer) = make(vocab, RandomGenerator(seed: 0))
        let trainer = makeTrainer(model, optimizer, windows, generator: TextWindows.trainingGenerator(seed: 0))
        if !warmUpOnThrowaway { try trainer.fit(steps: warmUpSteps) }
        var rates: [Double] = [], done = 0
        while done < steps {
            let n = min(chunk, steps - done)
            let target = trainer.context.globalStep + n
            let seconds = try Timing.seconds { try trainer.fit(steps: target) }
            rates.append(Double(n * batchSize * context) / seconds)
            done += n
        }
        var extras: KeyValuePairs<String, JSONValue> = ["steps": .int(steps), "batch": .int(batchSize), "context": .int(context)]
        if validate {
            let loader = TextWindows(validation, length: context)
                .loader(batchSize: batchSize, batchesPerEpoch: 20, generator: TextWindows.validationGenerator(seed: 0))
            let loss = try trainer.evaluate(loader)["loss"] ?? .nan
            extras = ["steps": .int(steps), "batch": .int(batchSize), "context": .int(context), "val_loss": .double(loss)]
        } else if quick {
            extras = ["steps": .int(steps), "batch": .int(batchSize), "context": .int(context), "note": .string("smoke run")]
        }
        emit(Measurement(id, threads: threads, metric: "tokens/s", value: Timing.median(rates), extras))
    }

    /// The library's `Trainer` with no callbacks on random windows drawn from `generator` (as
    /// `synapse train` draws them; one epoch per timed chunk), with the divergence checks.
    private func makeTrainer(_ model: any LanguageModel, _ optimizer: any Optimizer, _ windows: TextWindows,
                             generator: RandomGenerator) -> Trainer<TextWindows, TextWindows> {
        let trainer = Trainer(model: model, optimizer: optimizer, objective: .languageModel(model),
                              train: windows.loader(batchSize: batchSize, batchesPerEpoch: chunk, generator: generator))
        trainer.precision = precision
        return trainer
    }
}
