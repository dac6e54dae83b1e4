import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// `Embedding` against PyTorch, finite differences, padding and index errors.
@Suite("Layers: Embedding")
struct EmbeddingTests {
    @Test("golden: embedding with padding_idx (output, gradient of weight)")
    func golden() throws {
        let g = try ModuleGoldenCase("embedding")
        // torch.nn.Embedding(10, 4, padding_idx=0)
        let args = GoldenCallArguments(call: g.c.call)
        let positional = g.c.call.drop { $0 != "(" }.dropFirst().split(separator: ",").prefix(2)
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        #expect(positional == [10, 4])
        guard let padding = args.values["padding_idx"].flatMap({ Int($0) }) else {
            throw Golden.Failure("no padding_idx in \(g.c.call)")
        }
        let emb = Embedding(positional[0], positional[1], paddingIndex: padding, generator: RandomGenerator(seed: 1))
        try g.prepare(emb)
        let indices = try g.archive.intTensor("input.indices")
        #expect(indices.scalars.contains(padding), "the case should exercise the padding row")
        try g.check(emb(indices), module: emb, inputs: [:])
    }

    @Test("finite differences w.r.t. the weight, repeated indices, 2-D index shape")
    func finiteDifferences() {
        let emb = Embedding(6, 3, generator: RandomGenerator(seed: 2))
        let indices = IntTensor(shape: [2, 3], scalars: [1, 5, 1, 0, 3, 1])
        FiniteDifference.check("Embedding(6, 3)", [GradientInputs.normal([6, 3], seed: 61)]) { args in
            emb.weight.value = args[0]
            return emb(indices)
        }
    }

    @Test("finite differences w.r.t. the weight with a padding index that is not looked up")
    func finiteDifferencesWithPadding() {
        let emb = Embedding(5, 2, paddingIndex: 4, generator: RandomGenerator(seed: 3))
        let indices = IntTensor([0, 2, 2, 3])
        FiniteDifference.check("Embedding(5, 2, paddingIndex: 4)", [GradientInputs.normal([5, 2], seed: 62)]) { args in
            emb.weight.value = args[0]
            return emb(indices)
        }
    }

    @Test("shapes, initialisation, padding row zero and without gradient")
    func paddingAndShapes() {
        let emb = Embedding(7, 3, paddingIndex: -1, generator: RandomGenerator(seed: 4))
        #expect(emb.paddingIndex == 6)
        #expect(emb.namedParameters().map(\.0) == ["weight"] && emb.weight.shape == [7, 3])
        #expect(Array(emb.weight.value.scalars[18..<21]) == [0, 0, 0])
        #expect(emb.weight.value.scalars[0..<18].allSatisfy { $0 != 0 })
        #expect(emb(IntTensor(shape: [], scalars: [2])).shape == [3])
        #expect(emb(IntTensor(shape: [2, 2, 1], scalars: [0, 1, 2, 6])).shape == [2, 2, 1, 3])
        #expect(emb(IntTensor(shape: [0], scalars: [])).shape == [0, 3])

        let y = emb(IntTensor([6, 2, 6, 2]))
        #expect(Array(y.scalars[0..<3]) == [0, 0, 0])
        #expect(Array(y.scalars[3..<6]) == Array(emb.weight.value.scalars[6..<9]))
        y.backward(Tensor.ones([4, 3]))
        let grad = emb.weight.grad!.scalars
        #expect(Array(grad[18..<21]) == [0, 0, 0])
        #expect(Array(grad[6..<9]) == [2, 2, 2])
        #expect(grad.reduce(0, +) == 6)
    }

    @Test("out-of-range indices name the layer, the index and the size")
    func indexMessages() {
        let emb = Embedding(10, 4)
        #expect(emb.indexError(IntTensor([0, 9])) == nil)
        #expect(emb.indexError(IntTensor([3, 10, 2])) == "Embedding(10, 4): index 10 is out of range for 10 embeddings (valid: 0..<10)")
        #expect(emb.indexError(IntTensor([-1])) == "Embedding(10, 4): index -1 is out of range for 10 embeddings (valid: 0..<10)")
    }

    @Test("an out-of-range index stops the program")
    func outOfRangeTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = Embedding(3, 2)(IntTensor([3]))
        }
    }
}
