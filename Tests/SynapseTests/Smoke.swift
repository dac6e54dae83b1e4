import Testing
@testable import Synapse
@Test func smoke2() { #expect(Tensor([1, 2]).count == 2) }
