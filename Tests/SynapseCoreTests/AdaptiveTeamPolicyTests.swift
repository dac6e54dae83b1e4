import CKernels
import Testing
@testable import SynapseCore

/// The adaptive team-size policy, fed synthetic region timings (no real contention needed, so the
/// tests are deterministic): when it drops to one thread, when it probes again, how it backs off.
struct AdaptiveTeamPolicyTests {
    private let ms: Int64 = 1_000_000

    private func fresh() -> syn_team_policy {
        var p = syn_team_policy()
        syn_team_policy_init(&p)
        return p
    }

    @Test func balancedRegionsNeverReduceTheTeam() {
        var p = fresh()
        // 10,000 regions of 20-200 µs with the usual few-µs imbalance, 0.5 ms apart.
        for i in 0..<10_000 {
            let work = Int64(20_000 + (i % 10) * 20_000)
            #expect(syn_team_policy_update(&p, Int64(i) * ms / 2, work, work + 5_000) == 0)
        }
        #expect(p.reduced == 0 && p.reductions == 0 && p.disturbed_regions == 0)
    }

    @Test func oneLongImbalanceAloneIsNotContention() {
        var p = fresh()
        // A straggler losing 2 ms once (a page fault, an interrupt), then calm for a second.
        #expect(syn_team_policy_update(&p, 10 * ms, 50_000, 2 * ms) == 0)
        #expect(syn_team_policy_update(&p, 500 * ms, 50_000, 2 * ms) == 0)
        #expect(p.reduced == 0 && p.disturbed_regions == 2)
    }

    @Test func imbalanceBelowATickIsNotContention() {
        var p = fresh()
        // Large regions whose threads finish 300 µs apart: uneven work, not lost ticks.
        for i in 0..<100 { #expect(syn_team_policy_update(&p, Int64(i) * ms, 5 * ms, 5 * ms + 300_000) == 0) }
        // A straggler 1 ms late on 4 ms of work is under the 3x ratio.
        for i in 100..<200 { #expect(syn_team_policy_update(&p, Int64(i) * ms, 4 * ms, 5 * ms) == 0) }
        #expect(p.reduced == 0)
    }

    @Test func twoLostTicksCloseTogetherReduceThenProbeWithBackOff() {
        var p = fresh()
        #expect(syn_team_policy_update(&p, 100 * ms, 30_000, 4 * ms) == 0)
        #expect(syn_team_policy_update(&p, 110 * ms, 30_000, 4 * ms) == 1)
        #expect(p.reduced == 1 && p.reductions == 1)
        // No probe before the 50 ms back-off has passed, one after it.
        #expect(syn_team_policy_should_probe(&p, 150 * ms) == 0)
        #expect(syn_team_policy_should_probe(&p, 161 * ms) == 1)
        #expect(p.reduced == 0)
        // The competitor is still there: the first disturbed region of the probe reduces again,
        // and the next back-off is twice as long (100 ms).
        #expect(syn_team_policy_update(&p, 165 * ms, 30_000, 4 * ms) == 1)
        #expect(syn_team_policy_should_probe(&p, 260 * ms) == 0)
        #expect(syn_team_policy_should_probe(&p, 266 * ms) == 1)
    }

    @Test func backOffIsCappedAndResetsAfterACalmPeriod() {
        var p = fresh()
        var now = 0 as Int64
        _ = syn_team_policy_update(&p, now, 30_000, 4 * ms)
        now += ms
        #expect(syn_team_policy_update(&p, now, 30_000, 4 * ms) == 1)
        // Twelve failed probes: the back-off doubles up to its 2 s cap.
        for _ in 0..<12 {
            now = p.probe_at_ns
            #expect(syn_team_policy_should_probe(&p, now) == 1)
            now += ms
            #expect(syn_team_policy_update(&p, now, 30_000, 4 * ms) == 1)
        }
        #expect(p.probe_at_ns - now == 2_000 * ms)
        // The competitor leaves: the probe stays calm for over 2 s, and the back-off starts over.
        now = p.probe_at_ns
        #expect(syn_team_policy_should_probe(&p, now) == 1)
        for _ in 0..<300 { now += 10 * ms; #expect(syn_team_policy_update(&p, now, 30_000, 35_000) == 0) }
        #expect(p.backoff_ns == 50 * ms)
    }

    @Test func realRegionsOnAnIdleTeamComputeTheSameSums() {
        // Whatever the team size, a region runs every slice exactly once.
        let x = Tensor(shape: [300_000], scalars: (0..<300_000).map { Float($0 % 7) })
        #expect(x.sum().item() == Float((0..<300_000).reduce(0) { $0 + $1 % 7 }))
        #expect(ThreadPool.shared.effectiveThreadCount >= 1)
    }
}
