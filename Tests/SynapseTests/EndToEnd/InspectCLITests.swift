import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO

/// `Fixtures/pytorch/<name>` in the test bundle.
private func pytorchFixture(_ name: String) throws -> URL {
    let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return dir.appendingPathComponent("pytorch").appendingPathComponent(name)
}

@Suite("CLI: synapse inspect lists tensors of safetensors, checkpoint and .pt files")
struct InspectCLITests {
    @Test("a .pt state dict: one line per tensor with name, dtype and shape; exit 0")
    func pytorchFile() throws {
        let url = try pytorchFixture("state_dict.pt")
        let (status, output) = try RealDataSuite.TrainResumeCLITests.run(["inspect", url.path])
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.contains("conv.weight float32 [2, 1, 3, 3]"))
        #expect(lines.contains("bn.num_batches_tracked int64 []"))
        #expect(lines.contains("# format: pytorch"))
        let tensors = lines.filter { !$0.hasPrefix("#") }
        #expect(tensors.count == 9 && tensors == tensors.sorted())
    }

    @Test("nested checkpoints name tensors by key path, plain values appear as metadata; --json parses")
    func nestedJSON() throws {
        let (status, output) = try RealDataSuite.TrainResumeCLITests.run(["inspect", "--json", try pytorchFixture("checkpoint_nested.pt").path])
        #expect(status == 0, "\(output)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let names = (object["tensors"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.contains("model/module.fc.weight"))
        #expect((object["metadata"] as? [String: String])?["epoch"] == "3")
    }

    @Test("safetensors and checkpoints are recognised; a damaged or hostile file exits non-zero with the reader's error")
    func safetensorsAndErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = dir.appendingPathComponent("w.safetensors")
        try SafeTensors.encode(["fc.weight": Tensor.zeros([3, 4])], metadata: ["model": "mlp"]).write(to: weights)
        let (status, output) = try RealDataSuite.TrainResumeCLITests.run(["inspect", weights.path])
        #expect(status == 0 && output.contains("fc.weight F32 [3, 4]") && output.contains("# metadata model: mlp"), "\(output)")
        let (bad, message) = try RealDataSuite.TrainResumeCLITests.run(["inspect", try pytorchFixture("malicious.pt").path])
        #expect(bad != 0 && message.contains("posix.system"), "\(message)")
        let junk = dir.appendingPathComponent("junk.bin")
        try Data("not a weights file".utf8).write(to: junk)
        let (junkStatus, _) = try RealDataSuite.TrainResumeCLITests.run(["inspect", junk.path])
        #expect(junkStatus != 0)
    }
}
