import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

struct TextCorpusTests {
    @Test func vocabularyIsTheDistinctBytesInAscendingOrder() throws {
        let corpus = TextCorpus(bytes: Array("hello, world".utf8))
        #expect(corpus.vocabulary == Array(" ,dehlorw".utf8))
        #expect(corpus.count == 12)
        #expect(corpus.decode(corpus.ids.map(Int.init)) == "hello, world")
        #expect(try corpus.encode("low") == [5, 6, 8])
        #expect(throws: DataError.self) { try corpus.encode("z") }
    }

    @Test func splitKeepsOrderAndVocabulary() {
        let corpus = TextCorpus(bytes: Array("abcdefghij".utf8))
        let (train, validation) = corpus.split(trainFraction: 0.9)
        #expect(train.count == 9 && validation.count == 1)
        #expect(train.decode(train.ids.map(Int.init)) == "abcdefghi")
        #expect(validation.vocabulary == corpus.vocabulary)
    }

    @Test func windowsAreContiguousWithNextTokenTargetsAndReproducible() {
        let corpus = TextCorpus(bytes: (0..<200).map { UInt8($0) })
        let a = corpus.randomWindows(batchSize: 4, length: 16, generator: RandomGenerator(seed: 7))
        let b = corpus.randomWindows(batchSize: 4, length: 16, generator: RandomGenerator(seed: 7))
        #expect(a.inputs == b.inputs && a.targets == b.targets)
        #expect(a.inputs.shape == [4, 16])
        for row in 0..<4 {
            let x = Array(a.inputs.scalars[(row * 16)..<((row + 1) * 16)]), y = Array(a.targets.scalars[(row * 16)..<((row + 1) * 16)])
            for t in 0..<15 { #expect(x[t + 1] == x[t] + 1) }
            #expect(zip(x, y).allSatisfy { $1 == $0 + 1 })
        }
    }

    @Test func missingCorpusNamesTheInstallCommand() {
        do {
            _ = try TextCorpus.vimDocumentation(directory: URL(fileURLWithPath: "/nonexistent"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("apt-get install vim-runtime"))
        }
    }
}

extension RealDataSuite {
    @Suite struct VimCorpusTests {
        @Test(.enabled(if: FileManager.default.fileExists(atPath: TextCorpus.vimDocumentationDirectory.path), "vim-runtime is not installed"))
        func benchmarkCorpusHasTheSpecsSize() throws {
            let corpus = try TextCorpus.vimDocumentation()
            // BENCHMARKS-SPEC: about 9.5 MB of text with 193 distinct byte values.
            #expect(corpus.count > 9_000_000 && corpus.count < 10_000_000)
            #expect(corpus.vocabularySize == 193)
        }
    }
}
