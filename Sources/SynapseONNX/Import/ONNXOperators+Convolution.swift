import SynapseCore
import SynapseIO

/// The window attributes shared by Conv, ConvTranspose and the pools, read and checked once.
struct ONNXWindow {
    /// Spatial dimensions (1 or 2).
    let spatial: Int
    /// Kernel size per spatial dimension.
    let kernel: [Int]
    /// Strides per spatial dimension.
    let strides: [Int]
    /// Dilations per spatial dimension.
    let dilations: [Int]
    /// Symmetric padding per spatial dimension (begin == end).
    let pads: [Int]

    /// Reads `kernel_shape` (or `kernel` from the weight), `strides`, `dilations`, `pads` and `auto_pad`.
    init(_ node: ONNXNode, spatial: Int, kernel weightKernel: [Int]?) throws(ONNXError) {
        self.spatial = spatial
        guard let kernel = try node.ints("kernel_shape") ?? weightKernel else { throw node.error("kernel_shape is missing") }
        guard kernel.count == spatial, kernel.allSatisfy({ $0 > 0 && $0 < 1 << 16 }) else {
            throw node.error("kernel_shape \(kernel) does not fit \(spatial) spatial dimensions")
        }
        if let weightKernel, weightKernel != kernel { throw node.error("kernel_shape \(kernel) differs from the weight's \(weightKernel)") }
        let strides = try node.ints("strides") ?? [Int](repeating: 1, count: spatial)
        let dilations = try node.ints("dilations") ?? [Int](repeating: 1, count: spatial)
        var pads = try node.ints("pads") ?? [Int](repeating: 0, count: 2 * spatial)
        guard strides.count == spatial, strides.allSatisfy({ $0 > 0 && $0 < 1 << 16 }) else { throw node.error("invalid strides \(strides)") }
        guard dilations.count == spatial, dilations.allSatisfy({ $0 > 0 && $0 < 1 << 16 }) else { throw node.error("invalid dilations \(dilations)") }
        switch try node.string("auto_pad", "NOTSET") {
        case "NOTSET", "": break
        case "VALID": pads = [Int](repeating: 0, count: 2 * spatial)
        case let mode: throw node.error("auto_pad \(mode) is not supported (export with explicit pads)")
        }
        guard pads.count == 2 * spatial, pads.allSatisfy({ $0 >= 0 && $0 < 1 << 16 }) else { throw node.error("invalid pads \(pads)") }
        guard (0..<spatial).allSatisfy({ pads[$0] == pads[$0 + spatial] }) else {
            throw node.error("asymmetric pads \(pads) are not supported")
        }
        self.kernel = kernel
        self.strides = strides
        self.dilations = dilations
        self.pads = Array(pads[..<spatial])
    }

    /// The output size of a convolution or pool over `size` along spatial dimension `d`.
    func outputSize(_ size: Int, _ d: Int, ceil: Bool = false) -> Int {
        let span = size + 2 * pads[d] - dilations[d] * (kernel[d] - 1) - 1
        guard span >= 0 else { return 0 }
        return (ceil ? (span + strides[d] - 1) / strides[d] : span / strides[d]) + 1
    }

    /// As a pair for the 2-D ops (a 1-D window becomes 1×k).
    func pair(_ v: [Int], one: Int) -> (Int, Int) { spatial == 2 ? (v[0], v[1]) : (one, v[0]) }
}

extension ONNXOperators {
    /// `Conv` in one or two spatial dimensions with pads, strides, dilations and groups.
    static func conv(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.float(0), w = try operands.float(1), b = try operands.optionalFloat(2)
        guard x.rank == 3 || x.rank == 4 else { throw node.error("only 1-D and 2-D convolutions are supported, input has shape \(x.shape)") }
        guard w.rank == x.rank else { throw node.error("weight \(w.shape) does not match input \(x.shape)") }
        try ONNXShapeChecks.nonEmpty(x, node)
        try ONNXShapeChecks.nonEmpty(w, node, "weight")
        let groups = try node.int("group", 1)
        let cin = x.shape[1], cout = w.shape[0]
        guard groups > 0, cin % groups == 0, cout % groups == 0, w.shape[1] * groups == cin else {
            throw node.error("weight \(w.shape) with \(groups) groups does not match input \(x.shape)")
        }
        if let b { guard b.shape == [cout] else { throw node.error("bias \(b.shape) does not match \(cout) output channels") } }
        let spatial = x.rank - 2
        let window = try ONNXWindow(node, spatial: spatial, kernel: Array(w.shape[2...]))
        let out = (0..<spatial).map { window.outputSize(x.shape[2 + $0], $0) }
        guard out.allSatisfy({ $0 > 0 }) else { throw node.error("kernel \(w.shape) does not fit input \(x.shape) with pads \(window.pads)") }
        _ = try ONNXShapeChecks.elementCount([x.shape[0], cout] + out, node)
        try ONNXShapeChecks.work([x.shape[0], cout, w.shape[1]] + out + window.kernel, node)
        if spatial == 1 {
            return .float(conv1d(x, weight: w, bias: b, stride: window.strides[0], padding: window.pads[0],
                                 dilation: window.dilations[0], groups: groups))
        }
        return .float(conv2d(x, weight: w, bias: b, stride: window.pair(window.strides, one: 1), padding: window.pair(window.pads, one: 0),
                             dilation: window.pair(window.dilations, one: 1), groups: groups))
    }

    /// `ConvTranspose` in one or two spatial dimensions (1-D runs as 2-D of height 1).
    static func convTranspose(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        var x = try operands.float(0), w = try operands.float(1)
        let b = try operands.optionalFloat(2)
        guard x.rank == 3 || x.rank == 4 else { throw node.error("only 1-D and 2-D transposed convolutions are supported, input has shape \(x.shape)") }
        guard w.rank == x.rank else { throw node.error("weight \(w.shape) does not match input \(x.shape)") }
        try ONNXShapeChecks.nonEmpty(x, node)
        try ONNXShapeChecks.nonEmpty(w, node, "weight")
        guard node.attributes["output_shape"] == nil else { throw node.error("output_shape is not supported (export with pads and output_padding)") }
        let groups = try node.int("group", 1)
        let cin = x.shape[1], cout = w.shape[1] * groups
        guard groups > 0, w.shape[0] == cin, cin % groups == 0 else { throw node.error("weight \(w.shape) with \(groups) groups does not match input \(x.shape)") }
        if let b { guard b.shape == [cout] else { throw node.error("bias \(b.shape) does not match \(cout) output channels") } }
        let spatial = x.rank - 2
        let window = try ONNXWindow(node, spatial: spatial, kernel: Array(w.shape[2...]))
        let outputPadding = try node.ints("output_padding") ?? [Int](repeating: 0, count: spatial)
        guard outputPadding.count == spatial, (0..<spatial).allSatisfy({ outputPadding[$0] >= 0 && outputPadding[$0] < max(window.strides[$0], window.dilations[$0]) }) else {
            throw node.error("output_padding \(outputPadding) must be smaller than the stride or dilation")
        }
        var out: [Int] = []
        for d in 0..<spatial {
            let stretched: Int = (x.shape[2 + d] - 1) * window.strides[d]
            let reach: Int = window.dilations[d] * (window.kernel[d] - 1)
            out.append(stretched - 2 * window.pads[d] + reach + outputPadding[d] + 1)
        }
        guard out.allSatisfy({ $0 > 0 }) else { throw node.error("output size \(out) is not positive for input \(x.shape)") }
        _ = try ONNXShapeChecks.elementCount([x.shape[0], cout] + out, node)
        try ONNXShapeChecks.work([x.shape[0], cin, w.shape[1]] + Array(x.shape[2...]) + window.kernel, node)
        if spatial == 1 { x = x.unsqueezed(2); w = w.unsqueezed(2) }
        let y = convTranspose2d(x, weight: w, bias: b, stride: window.pair(window.strides, one: 1), padding: window.pair(window.pads, one: 0),
                                outputPadding: window.pair(outputPadding, one: 0), dilation: window.pair(window.dilations, one: 1), groups: groups)
        return .float(spatial == 1 ? y.squeezed(2) : y)
    }

    /// `MaxPool` and `AveragePool` in one or two spatial dimensions.
    static func pool(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        var x = try operands.float(0)
        guard x.rank == 3 || x.rank == 4 else { throw node.error("only 1-D and 2-D pooling is supported, input has shape \(x.shape)") }
        try ONNXShapeChecks.nonEmpty(x, node)
        if node.proto.output.count > 1, !node.proto.output[1].isEmpty { throw node.error("the Indices output is not supported") }
        let spatial = x.rank - 2
        let window = try ONNXWindow(node, spatial: spatial, kernel: nil)
        let ceil = try node.int("ceil_mode", 0) != 0
        let isMax = node.op == "MaxPool"
        if !isMax, window.dilations.contains(where: { $0 != 1 }) { throw node.error("dilated average pooling is not supported") }
        for d in 0..<spatial {
            guard window.pads[d] * 2 <= window.kernel[d] else { throw node.error("pads \(window.pads) exceed half the kernel \(window.kernel)") }
            guard window.outputSize(x.shape[2 + d], d, ceil: ceil) > 0 else { throw node.error("kernel \(window.kernel) does not fit input \(x.shape)") }
        }
        try ONNXShapeChecks.work(x.shape + window.kernel, node)
        if spatial == 1 { x = x.unsqueezed(2) }
        let kernel = window.pair(window.kernel, one: 1), strides = window.pair(window.strides, one: 1), pads = window.pair(window.pads, one: 0)
        let y = isMax
            ? maxPool2d(x, kernelSize: kernel, stride: strides, padding: pads, dilation: window.pair(window.dilations, one: 1), ceilMode: ceil)
            : avgPool2d(x, kernelSize: kernel, stride: strides, padding: pads, ceilMode: ceil,
                        countIncludePad: try node.int("count_include_pad", 0) != 0)
        return .float(spatial == 1 ? y.squeezed(2) : y)
    }

    /// `GlobalAveragePool`: the mean over every spatial dimension, kept as size 1.
    static func globalAveragePool(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.float(0)
        guard x.rank >= 3 else { throw node.error("input must be [N, C, ...spatial], got \(x.shape)") }
        try ONNXShapeChecks.nonEmpty(x, node)
        return .float(x.mean(dims: Array(2..<x.rank), keepdim: true))
    }
}
