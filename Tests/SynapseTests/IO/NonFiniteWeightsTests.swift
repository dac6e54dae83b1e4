import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseModels

@Suite("IO: weights with NaN or infinity are refused on load")
struct NonFiniteWeightsTests {
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteWeightIsRefused(_ bad: Float) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let source = MLPClassifier(inputSize: 4, hiddenSizes: [3], classes: 2, generator: RandomGenerator(seed: 1))
        var state = source.stateDict()
        let name = try #require(state.keys.sorted().last)
        var scalars = state[name]!.scalars
        scalars[scalars.count - 1] = bad
        state[name] = Tensor(shape: state[name]!.shape, scalars: scalars)
        let url = dir.file("bad.safetensors")
        try SafeTensors.save(state, to: url)
        let target = MLPClassifier(inputSize: 4, hiddenSizes: [3], classes: 2, generator: RandomGenerator(seed: 2))
        let before = target.stateDict().mapValues(\.scalars)
        do {
            try target.load(from: url)
            Issue.record("weights holding \(bad) were loaded")
        } catch let error as SafeTensorsError {
            guard case .nonFinite(let path, let tensor, let index, _) = error else { Issue.record("\(error)"); return }
            #expect(path == url.path && tensor == name && index == scalars.count - 1)
            #expect(error.description.contains(name))
        }
        #expect(target.stateDict().mapValues(\.scalars) == before, "a refused load changed the model")
        // The same weights, all finite, load.
        try SafeTensors.save(source.stateDict(), to: url)
        try target.load(from: url)
    }
}
