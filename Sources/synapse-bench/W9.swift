import Synapse

/// W9: bf16 autocast training. The W3 CNN and the W5 GPT trained by their recipes in Float32 and
/// then under `autocast(.bfloat16)` (Float32 master weights and Adam state; `Trainer.precision`), in
/// the same run: each bf16 figure with its speed ratio to Float32 (`ratio_to_f32`, > 1 is faster) and
/// the implementation the bf16 products ran on (`Autocast.implementation`: native oneDNN bf16
/// kernels, or Float32 kernels on rounded operands where the CPU has no bf16 instructions). With
/// `--accuracy` the spec's epochs and steps, so the test accuracy and validation loss compare too.
struct W9: Workload {
    let quick: Bool
    let accuracy: Bool

    func run(threads: Int, emit: (Measurement) -> Void) throws {
        var w3 = ClassifierTrainingWorkload.w3(quick: quick, accuracy: accuracy)
        var w5 = LanguageModelWorkload.w5(quick: quick, accuracy: accuracy)
        var cnn: [Measurement] = [], gpt: [Measurement] = []
        for precision in [ComputePrecision.float32, .bfloat16] {
            w3.precision = precision
            try w3.run(threads: threads) { cnn.append($0) }
            w5.precision = precision
            try w5.run(threads: threads) { gpt.append($0) }
        }
        for (name, pair, higherIsFaster) in [("W3", cnn, false), ("W5", gpt, true)] where pair.count == 2 {
            for (index, label) in ["f32", "bf16"].enumerated() {
                var m = pair[index]
                m.metric = "\(name) \(label) \(m.metric)"
                m.workload = "W9"
                if index == 1, let f32 = pair[0].value, let bf16 = m.value, f32 > 0, bf16 > 0 {
                    m.extras.append(("ratio_to_f32", .double(higherIsFaster ? bf16 / f32 : f32 / bf16)))
                    m.extras.append(("impl", .string(Autocast.implementation)))
                }
                emit(m)
            }
        }
    }
}
