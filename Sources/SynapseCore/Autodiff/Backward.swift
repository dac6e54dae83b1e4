extension Tensor {
    /// True if gradients flow to this tensor.
    public var requiresGrad: Bool {
        get { node != nil }
        set {
            if newValue {
                if node == nil { node = AutogradNode(op: "leaf", shape: shape, isLeaf: true) }
            } else {
                node = nil
            }
        }
    }

    /// This tensor marked as a leaf that requires gradients.
    public func requiringGrad() -> Tensor {
        var t = self
        t.requiresGrad = true
        return t
    }

    /// The same values cut from the autodiff tape (PyTorch `detach()`); shares storage.
    public func detached() -> Tensor {
        var t = self
        t.node = nil
        return t
    }

    /// The gradient accumulated by `backward()` (leaf tensors only), or nil.
    public var grad: Tensor? {
        get { node?.grad }
        nonmutating set { node?.grad = newValue }
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { node?.grad = nil }

    /// Records `self` as the result of a custom op on the tape, when gradients are on and any input
    /// needs one; this is how new differentiable ops are defined outside the core.
    ///
    /// `vjp` receives the gradient of the result and returns the gradient of each input, in order
    /// (nil for inputs that need none); it runs with gradients off and is released after
    /// `backward()` runs through it. Capture detached values in it, never `self`'s result.
    /// In anomaly mode (`AnomalyDetection`) the result is checked here for NaN and ±inf, so every
    /// op that records itself is covered, with or without gradients.
    public func recorded(_ op: String, inputs: [Tensor], vjp: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        if let detector = AnomalyDetection.detector { detector.checkForward(op: op, output: self, inputs: inputs) }
        guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return self }
        var out = self
        out.node = AutogradNode(op: op, shape: shape, isLeaf: false, inputs: inputs.map(\.node), vjp: vjp)
        return out
    }

    /// Backpropagates from this tensor, accumulating into the `grad` of every leaf it depends on.
    ///
    /// - Parameter upstream: the gradient of some scalar with respect to this tensor; defaults to 1
    ///   and may then only be omitted for one-element tensors (like PyTorch).
    /// - Parameter leafGradientReady: called once for every leaf whose gradient is final — after
    ///   the last op that feeds it has run, while the rest of the pass goes on — with the leaf's
    ///   `autogradLeafIdentity` (PyTorch's post-accumulate-grad hooks). Data-parallel training
    ///   starts reducing a bucket of gradients here, overlapping communication with the rest of
    ///   backward (`DistributedDataParallel`). Leaves this pass does not reach are not called.
    /// The tape below this tensor is released afterwards; calling `backward()` twice through the same
    /// intermediate results is a programming error. In anomaly mode every VJP's gradients are
    /// checked (see `AnomalyDetection`, `backwardChecked()`).
    public func backward(_ upstream: Tensor? = nil, leafGradientReady: ((ObjectIdentifier) -> Void)? = nil) {
        guard let root = node else {
            requireFailure("backward: tensor of shape \(shape) does not require gradients")
        }
        let seed: Tensor
        if let upstream {
            require(upstream.shape == shape,
                         "backward: upstream gradient shape \(upstream.shape) does not match tensor shape \(shape)")
            seed = upstream.detached()
        } else {
            require(count == 1, "backward: an upstream gradient is needed for a tensor of shape \(shape)")
            seed = Tensor.ones(shape)
        }
        let order = Self.topologicalOrder(from: root)
        let detector = AnomalyDetection.detector
        // Leaves whose gradient is final after the node at each position of the pass.
        let readyAfter = leafGradientReady == nil ? [:] : Self.lastConsumers(order)
        withoutGradients {
            root.accumulate(seed)
            if let leafGradientReady, root.isLeaf { leafGradientReady(ObjectIdentifier(root)) }
            for (position, node) in order.reversed().enumerated() {
                if let vjp = node.vjp, let g = node.grad {
                    let grads = vjp(g)
                    if let detector { detector.checkBackward(op: node.op, inputShapes: node.inputs.map { $0?.shape ?? [] }, upstream: g, gradients: grads) }
                    for (input, grad) in zip(node.inputs, grads) {
                        if let input, let grad { input.accumulate(grad) }
                    }
                    // Free the tape as we go: intermediate gradients and saved tensors are no longer needed.
                    node.grad = nil
                    node.vjp = nil
                    node.inputs = []
                }
                if let leafGradientReady, let leaves = readyAfter[position] {
                    for leaf in leaves { leafGradientReady(leaf) }
                }
            }
        }
    }

    /// For each position of the backward pass (`order` reversed), the leaves whose last consumer
    /// sits there: once that node has run, nothing adds to their gradient in this pass.
    private static func lastConsumers(_ order: [AutogradNode]) -> [Int: [ObjectIdentifier]] {
        var last: [ObjectIdentifier: Int] = [:]
        for (position, node) in order.reversed().enumerated() {
            for case let input? in node.inputs where input.isLeaf { last[ObjectIdentifier(input)] = position }
        }
        var byPosition: [Int: [ObjectIdentifier]] = [:]
        for (leaf, position) in last { byPosition[position, default: []].append(leaf) }
        return byPosition
    }

    /// The identity of this tensor's autodiff leaf (`backward`'s `leafGradientReady` reports it),
    /// or nil when it records no gradient. Copies of a tensor share it; a `Parameter` keeps it
    /// across in-place updates.
    public var autogradLeafIdentity: ObjectIdentifier? {
        guard let node, node.isLeaf else { return nil }
        return ObjectIdentifier(node)
    }

    /// Nodes reachable from `root`, each after all of its inputs (iterative DFS: no recursion limit).
    private static func topologicalOrder(from root: AutogradNode) -> [AutogradNode] {
        var order: [AutogradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(AutogradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if next < node.inputs.count {
                stack.append((node, next + 1))
                if let child = node.inputs[next], !visited.contains(ObjectIdentifier(child)) {
                    visited.insert(ObjectIdentifier(child))
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order
    }
}
