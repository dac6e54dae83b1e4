import Foundation
import Synapse

// Profiling harness for the W4 (char-LSTM) and W5 (tiny GPT) training recipes on random tokens.
// usage: lmperf w4|w5 [steps] [threads]

@inline(never) func cpuNow() -> Double {
    var ts = timespec(); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
@inline(never) func now() -> Double {
    var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

final class Timer {
    var totals: [String: Double] = [:]
    var order: [String] = []
    func time<T>(_ name: String, _ body: () -> T) -> T {
        let t0 = cpuNow(); let r = body(); let dt = cpuNow() - t0
        if totals[name] == nil { order.append(name) }
        totals[name, default: 0] += dt
        return r
    }
    func reset() { totals = [:]; order = [] }
    func report(steps: Int) {
        for k in order { print(String(format: "  %-22@ %8.3f ms/step", k as NSString, totals[k]! / Double(steps) * 1e3)) }
    }
}

let vocab = 193
let args = CommandLine.arguments
let which = args.count > 1 ? args[1] : "w4"
let steps = args.count > 2 ? Int(args[2])! : 30
let threads = args.count > 3 ? Int(args[3])! : 1
ThreadPool.shared.setThreadCount(threads)
let gen = RandomGenerator(seed: 1)
func tokens(_ n: Int) -> [Int] { (0..<n).map { _ in gen.nextInt(below: vocab) } }

final class W4: Module {
    let emb = Embedding(vocab, 64)
    let lstm = LSTM(inputSize: 64, hiddenSize: 256, batchFirst: true)
    let head = Linear(256, vocab)
}

final class Block: Module {
    let ln1 = LayerNorm(128), qkv = Linear(128, 384), proj = Linear(128, 128)
    let ln2 = LayerNorm(128), fc1 = Linear(128, 512), fc2 = Linear(512, 128)
    func callAsFunction(_ x: Tensor, _ t: Timer) -> Tensor {
        let (b, l) = (x.shape[0], x.shape[1])
        let h = t.time("ln") { ln1(x) }
        let q3 = t.time("linear") { qkv(h) }.reshaped([b, l, 3, 4, 32]).permuted(2, 0, 3, 1, 4)  // [3,B,H,L,D]
        let a = t.time("attention") {
            scaledDotProductAttention(query: q3.select(dim: 0, index: 0), key: q3.select(dim: 0, index: 1),
                                      value: q3.select(dim: 0, index: 2), isCausal: true)
        }
        let merged = t.time("merge") { a.permuted(0, 2, 1, 3).reshaped([b, l, 128]) }
        let x1 = t.time("residual") { x + t.time("linear") { proj(merged) } }
        let h2 = t.time("ln") { ln2(x1) }
        let m = t.time("gelu") { gelu(t.time("linear") { fc1(h2) }) }
        return t.time("residual") { x1 + t.time("linear") { fc2(m) } }
    }
}

final class W5: Module {
    let emb = Embedding(vocab, 128)
    let pos = Parameter(Init.normal([128, 128], generator: RandomGenerator(seed: 3)) * 0.02)
    let blocks = [Block(), Block(), Block(), Block()]
    let lnf = LayerNorm(128)
    let head = Linear(128, vocab)
    override func namedChildren() -> [(String, Module)] {
        [("emb", emb), ("lnf", lnf), ("head", head)] + blocks.enumerated().map { ("b\($0.offset)", $0.element) }
    }
    override func namedLocalParameters() -> [(String, Parameter)] { [("pos", pos)] }
}

let t = Timer()
var stepFn: () -> Float
var tokensPerStep: Int
if which == "w4" {
    let (B, T) = (32, 64)
    tokensPerStep = B * T
    let m = W4()
    let opt = Adam(m.parameters(), learningRate: 1e-3)
    stepFn = {
        let x = IntTensor(shape: [B, T], scalars: tokens(B * T)), y = IntTensor(shape: [B * T], scalars: tokens(B * T))
        let e = t.time("embedding") { m.emb(x) }
        let o = t.time("lstm") { m.lstm(e).output }
        let logits = t.time("linear") { m.head(o) }
        let loss = t.time("crossEntropy") { crossEntropy(logits.reshaped([B * T, vocab]), y) }
        t.time("zeroGrad") { opt.zeroGrad() }
        t.time("backward") { loss.backward() }
        t.time("adam") { opt.step() }
        return loss.item()
    }
} else {
    let (B, T) = (16, 128)
    tokensPerStep = B * T
    let m = W5()
    let opt = AdamW(m.parameters(), learningRate: 1e-3, weightDecay: 0.01)
    stepFn = {
        let x = IntTensor(shape: [B, T], scalars: tokens(B * T)), y = IntTensor(shape: [B * T], scalars: tokens(B * T))
        var h = t.time("embedding") { m.emb(x) + m.pos.value }
        for b in m.blocks { h = b(h, t) }
        let logits = t.time("linear") { m.head(t.time("ln") { m.lnf(h) }) }
        let loss = t.time("crossEntropy") { crossEntropy(logits.reshaped([B * T, vocab]), y) }
        t.time("zeroGrad") { opt.zeroGrad() }
        t.time("backward") { loss.backward() }
        t.time("adam") { opt.step() }
        return loss.item()
    }
}
for _ in 0..<5 { _ = stepFn() }
var times: [Double] = []
let reps = 3
for _ in 0..<reps {
    t.reset()
    let t0 = now(), c0 = cpuNow()
    var last: Float = 0
    for _ in 0..<steps { last = stepFn() }
    let dt = now() - t0, dc = cpuNow() - c0
    times.append(threads == 1 ? dc : dt)
    print(String(format: "%@ %dT: %.1f ms/step wall, %.1f ms/step cpu, %.0f tokens/s wall, %.0f tokens/s cpu (loss %.3f)", which, threads,
                 dt / Double(steps) * 1e3, dc / Double(steps) * 1e3,
                 Double(steps * tokensPerStep) / dt, Double(steps * tokensPerStep) / dc, last))
}
t.report(steps: steps)
let best = times.sorted()[reps / 2]
print(String(format: "RESULT %@ %dT median %.0f tokens/s (1T: cpu time, 2T: wall)", which, threads, Double(steps * tokensPerStep) / best))
