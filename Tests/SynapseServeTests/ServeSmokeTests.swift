import Testing
@testable import SynapseServe

@Suite struct ServeSmokeTests {
    @Test func moduleLinks() { _ = SynapseServe.self }
}
