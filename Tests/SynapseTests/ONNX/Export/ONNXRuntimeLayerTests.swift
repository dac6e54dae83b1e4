import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseModels
@testable import SynapseONNX

/// Every exportable layer and model, exported and run by ONNX Runtime on random inputs, must give
/// Synapse's evaluation-mode outputs within 1e-4 (|ort − synapse| ≤ 1e-4·max(1, |synapse|)).
@Suite(.tags(.onnxRuntime), .enabled(if: ONNXRuntimeAvailability.shouldRun, ONNXRuntimeAvailability.skipReason))
struct ONNXRuntimeLayerTests {
    let g = RandomGenerator(seed: 42)

    func randn(_ shape: [Int], scale: Float = 1) -> Tensor { Tensor.randn(shape, generator: g) * scale }

    /// Adds the case `name`: `layer` in evaluation mode applied to a random input of `shape`.
    func addLayer(_ cases: ONNXRuntimeCases, _ name: String, _ layer: some Layer, _ shape: [Int], scale: Float = 1) throws {
        let x = randn(shape, scale: scale)
        layer.eval()
        let y = withoutGradients { layer(x) }
        layer.train()   // export must give evaluation behaviour whatever the mode
        try cases.add(name, layer, input: x, expected: [y])
    }

    /// The harness can fail: outputs off by 2e-4 (twice the tolerance) and wrong shapes are reported.
    @Test func checkScriptRejectsWrongOutputs() throws {
        let cases = try ONNXRuntimeCases()
        let layer = Linear(3, 2, generator: g)
        let x = randn([4, 3])
        let y = layer(x)
        try cases.add("off_by_twice_the_tolerance", layer, input: x, expected: [y + 2e-4])
        try cases.add("right", layer, input: x, expected: [y])
        try cases.add("wrong_shape", layer, input: x, expected: [y.reshaped([2, 4])])
        let (status, output) = try cases.run()
        #expect(status == 1)
        #expect(output.contains("FAIL off_by_twice_the_tolerance:"))
        #expect(output.contains("PASS right:"))
        #expect(output.contains("FAIL wrong_shape: output 'output' has shape [4, 2], Synapse gave [2, 4]"))
        #expect(output.contains("1/3 cases passed"))
    }

    @Test func elementwiseAndDenseLayers() throws {
        let cases = try ONNXRuntimeCases()
        try addLayer(cases, "linear_rank2", Linear(5, 3, generator: g), [4, 5])
        try addLayer(cases, "linear_rank3_nobias", Linear(5, 3, bias: false, generator: g), [2, 3, 5])
        try addLayer(cases, "sequential_fused_relu", Sequential([Linear(6, 8, generator: g), ReLU(), Dropout(p: 0.3, generator: g),
                                                                 Linear(8, 4, generator: g), LogSoftmax(dim: 1)]), [5, 6])
        let activations: [(String, any Layer)] = [
            ("relu", ReLU()), ("leaky_relu", LeakyReLU(negativeSlope: 0.2)), ("elu", ELU(alpha: 0.7)), ("selu", SELU()),
            ("silu", SiLU()), ("gelu", GELU()), ("gelu_tanh", GELU(approximate: .tanh)), ("sigmoid", Sigmoid()), ("tanh", Tanh()),
            ("softplus", Softplus()), ("softplus_beta", Softplus(beta: 2, threshold: 3)), ("softmax", Softmax(dim: 1)),
            ("log_softmax", LogSoftmax(dim: -1)), ("identity", Identity()), ("dropout", Dropout(p: 0.5, generator: g)),
        ]
        for (name, layer) in activations { try addLayer(cases, name, layer, [3, 4, 7], scale: 3) }
        try addLayer(cases, "flatten", Flatten(), [2, 3, 4, 5])
        try addLayer(cases, "flatten_middle", Flatten(startDim: 1, endDim: 2), [2, 3, 4, 5])
        try addLayer(cases, "residual", Residual(Sequential([Linear(4, 4, generator: g), ReLU()])), [3, 4])
        try addLayer(cases, "residual_shortcut", Residual(Linear(4, 6, generator: g), shortcut: Linear(4, 6, generator: g)), [3, 4])
        let embedding = Embedding(10, 4, generator: g)
        let ids = IntTensor(shape: [3, 5], scalars: (0..<15).map { ($0 * 7) % 10 })
        try cases.add("embedding", embedding, inputs: [("input", .int64(ids), 0)], expected: [embedding(ids)])
        try cases.runAndExpectAllPass()
    }

    @Test func convolutionPoolingAndNormalization() throws {
        let cases = try ONNXRuntimeCases()
        try addLayer(cases, "conv2d", Conv2d(3, 4, kernelSize: 3, stride: 2, padding: 1, generator: g), [2, 3, 9, 9])
        try addLayer(cases, "conv2d_grouped_dilated", Conv2d(4, 6, kernelSize: (3, 2), stride: (1, 2), padding: (2, 1),
                                                             dilation: (2, 1), groups: 2, generator: g), [2, 4, 8, 8])
        try addLayer(cases, "conv1d", Conv1d(3, 5, kernelSize: 3, stride: 2, padding: 1, generator: g), [2, 3, 10])
        try addLayer(cases, "conv_transpose2d", ConvTranspose2d(4, 3, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: g),
                     [2, 4, 5, 5])
        try addLayer(cases, "max_pool", MaxPool2d(kernelSize: 3, stride: 2, padding: 1), [2, 3, 9, 9])
        try addLayer(cases, "max_pool_ceil", MaxPool2d(kernelSize: 2, ceilMode: true), [1, 2, 7, 7])
        try addLayer(cases, "avg_pool", AvgPool2d(kernelSize: 2), [2, 3, 8, 8])
        try addLayer(cases, "avg_pool_padded_exclusive", AvgPool2d(kernelSize: 3, stride: 2, padding: 1, countIncludePad: false), [2, 3, 9, 9])
        try addLayer(cases, "adaptive_avg_pool_global", AdaptiveAvgPool2d(1), [2, 3, 5, 7])
        try addLayer(cases, "adaptive_avg_pool_2x2", AdaptiveAvgPool2d(2), [2, 3, 8, 6])
        for (name, norm, shape) in [("batch_norm2d", BatchNorm2d(3) as BatchNorm, [2, 3, 4, 4]), ("batch_norm1d", BatchNorm1d(4), [5, 4]),
                                    ("batch_norm1d_seq", BatchNorm1d(4, affine: false), [5, 4, 6])] {
            norm.runningMean!.value = randn([norm.numFeatures])
            norm.runningVar!.value = Tensor.uniform([norm.numFeatures], low: 0.5, high: 2, generator: g)
            norm.weight?.value = randn([norm.numFeatures])
            norm.bias?.value = randn([norm.numFeatures])
            try addLayer(cases, name, norm, shape)
        }
        let layerNorm = LayerNorm(6)
        layerNorm.weight!.value = randn([6])
        layerNorm.bias!.value = randn([6])
        try addLayer(cases, "layer_norm", layerNorm, [2, 3, 6], scale: 2)
        try addLayer(cases, "layer_norm_2d_no_affine", LayerNorm([3, 6], elementwiseAffine: false), [2, 3, 6], scale: 2)
        let groupNorm = GroupNorm(2, 6)
        groupNorm.weight!.value = randn([6])
        groupNorm.bias!.value = randn([6])
        try addLayer(cases, "group_norm", groupNorm, [2, 6, 4, 4], scale: 2)
        try addLayer(cases, "group_norm_1d_no_affine", GroupNorm(3, 6, affine: false), [2, 6, 5])
        try cases.runAndExpectAllPass()
    }

    @Test func recurrentLayers() throws {
        let cases = try ONNXRuntimeCases()
        func add(_ name: String, _ rnn: RNNBase, _ shape: [Int], outputs: (Tensor) -> [Tensor]) throws {
            let x = randn(shape)
            rnn.eval()
            let expected = withoutGradients { outputs(x) }
            try cases.add(name, rnn, inputs: [("input", .float(x), rnn.batchFirst ? 0 : 1)], expected: expected)
        }
        let rnn = RNN(4, 5, numLayers: 2, generator: g)
        try add("rnn_tanh_two_layers", rnn, [6, 3, 4]) { let r = rnn($0); return [r.output, r.hN] }
        let rnnRelu = RNN(4, 5, nonlinearity: .relu, batchFirst: true, bidirectional: true, generator: g)
        try add("rnn_relu_bidirectional", rnnRelu, [3, 6, 4]) { let r = rnnRelu($0); return [r.output, r.hN] }
        let lstm = LSTM(4, 5, numLayers: 2, batchFirst: true, bidirectional: true, generator: g)
        try add("lstm_two_layers_bidirectional", lstm, [3, 6, 4]) { let r = lstm($0); return [r.output, r.hN, r.cN] }
        let lstmSeq = LSTM(4, 5, dropout: 0.5, generator: g)
        try add("lstm_sequence_first", lstmSeq, [7, 2, 4]) { let r = lstmSeq($0); return [r.output, r.hN, r.cN] }
        let gru = GRU(4, 5, numLayers: 2, generator: g)
        try add("gru_two_layers", gru, [6, 3, 4]) { let r = gru($0); return [r.output, r.hN] }
        let gruNoBias = GRU(4, 5, bias: false, batchFirst: true, bidirectional: true, generator: g)
        try add("gru_no_bias_bidirectional", gruNoBias, [3, 6, 4]) { let r = gruNoBias($0); return [r.output, r.hN] }
        try cases.runAndExpectAllPass()
    }

    @Test func attentionAndTransformers() throws {
        let cases = try ONNXRuntimeCases()
        func randomBiases(_ m: Module) {
            for (_, p) in m.namedParameters() where p.value.rank == 1 { p.value = randn(p.value.shape, scale: 0.2) }
        }
        let selfAttention = MultiheadAttention(8, 2, batchFirst: true, generator: g)
        randomBiases(selfAttention)
        let x = randn([2, 5, 8])
        try cases.add("mha_self", selfAttention, inputs: [("input", .float(x), 0)],
                      expected: [selfAttention(x, x, x, needWeights: false).output])
        let cross = MultiheadAttention(8, 4, generator: g)
        randomBiases(cross)
        let q = randn([4, 2, 8]), kv = randn([6, 2, 8]), v = randn([6, 2, 8])
        let causal = causalAttentionMask(queryLength: 4, keyLength: 6)
        try cases.add("mha_cross_masked_sequence_first", cross,
                      inputs: [("query", .float(q), 1), ("key", .float(kv), 1), ("value", .float(v), 1), ("mask", .float(causal), nil)],
                      expected: [cross(q, kv, v, attentionMask: causal, needWeights: false).output])

        let encoderLayer = TransformerEncoderLayer(8, 2, dimFeedforward: 16, batchFirst: true, generator: g)
        randomBiases(encoderLayer)
        encoderLayer.eval()
        try cases.add("encoder_layer", encoderLayer, inputs: [("input", .float(x), 0)], expected: [encoderLayer(x)])
        let preNorm = TransformerEncoderLayer(8, 2, dimFeedforward: 16, activation: .gelu, normFirst: true, generator: g)
        preNorm.eval()
        let xs = randn([5, 2, 8]), mask = causalAttentionMask(queryLength: 5, keyLength: 5)
        try cases.add("encoder_layer_prenorm_gelu_masked", preNorm, inputs: [("input", .float(xs), 1), ("mask", .float(mask), nil)],
                      expected: [preNorm(xs, mask: mask)])
        let encoder = TransformerEncoder({ TransformerEncoderLayer(8, 2, dimFeedforward: 16, batchFirst: true, generator: g) },
                                         numLayers: 2, norm: LayerNorm(8))
        encoder.eval()
        try cases.add("encoder_stack", encoder, inputs: [("input", .float(x), 0)], expected: [encoder(x)])

        let decoderLayer = TransformerDecoderLayer(8, 2, dimFeedforward: 16, batchFirst: true, generator: g)
        randomBiases(decoderLayer)
        decoderLayer.eval()
        let tgt = randn([2, 4, 8]), memory = randn([2, 6, 8]), tgtMask = causalAttentionMask(queryLength: 4, keyLength: 4)
        try cases.add("decoder_layer_masked", decoderLayer,
                      inputs: [("tgt", .float(tgt), 0), ("memory", .float(memory), 0), ("tgt_mask", .float(tgtMask), nil)],
                      expected: [decoderLayer(tgt, memory, tgtMask: tgtMask)])
        let decoder = TransformerDecoder({ TransformerDecoderLayer(8, 2, dimFeedforward: 16, normFirst: true, generator: g) },
                                         numLayers: 2, norm: LayerNorm(8))
        decoder.eval()
        let tgtSeq = randn([4, 2, 8]), memorySeq = randn([6, 2, 8])
        try cases.add("decoder_stack", decoder, inputs: [("tgt", .float(tgtSeq), 1), ("memory", .float(memorySeq), 1)],
                      expected: [decoder(tgtSeq, memorySeq)])

        let sinusoidal = SinusoidalPositionalEncoding(dModel: 6, maxLength: 20)
        let seq = randn([7, 2, 6])
        try cases.add("sinusoidal_positions", sinusoidal, input: seq, batchAxis: 1, expected: [sinusoidal(seq)])
        let learned = LearnedPositionalEncoding(dModel: 6, maxLength: 10, batchFirst: true, generator: g)
        let batch = randn([2, 5, 6])
        try cases.add("learned_positions", learned, input: batch, expected: [learned(batch)])
        try cases.runAndExpectAllPass()
    }

    @Test func builtInModels() throws {
        let cases = try ONNXRuntimeCases()
        let mlp = MLPClassifier(inputSize: 12, hiddenSizes: [8], classes: 3, generator: g)
        try addLayer(cases, "mlp_classifier", mlp, [4, 1, 3, 4])
        let cnn = CNNClassifier(channels: 1, size: 8, classes: 3, generator: g)
        try addLayer(cases, "cnn_classifier", cnn, [2, 1, 8, 8])
        let ids = IntTensor(shape: [2, 10], scalars: (0..<20).map { ($0 * 5 + 3) % 11 })
        let lstm = CharLSTMLanguageModel(vocabularySize: 11, embeddingDim: 6, hiddenSize: 8, numLayers: 2, generator: g)
        lstm.eval()
        try cases.add("char_lstm", lstm, inputs: [("input", .int64(ids), 0)], expected: [lstm.logits(ids)])
        let gpt = GPTLanguageModel(vocabularySize: 11, contextLength: 16, dModel: 8, numLayers: 2, numHeads: 2, dimFeedforward: 16,
                                   generator: g)
        gpt.eval()
        try cases.add("gpt", gpt, inputs: [("input", .int64(ids), 0)], expected: [gpt.logits(ids)])
        try cases.runAndExpectAllPass()
    }
}
