import SynapseCore

extension Module {
    /// Runs `forward` — a forward pass of this module — and summarises it: every module call in
    /// execution order with its depth, state-dict name, type, output shapes and parameter count, and
    /// the model's totals. For `Layer`s and language models, `summary(input:)` is the short form.
    ///
    /// The pass runs in evaluation mode (dropout off, batch norm using and keeping its running
    /// statistics) without gradients; each module's training mode is restored afterwards.
    /// - Parameters:
    ///   - inputShapes: the shapes of the inputs `forward` gives the model (shown in the table).
    ///   - forward: runs the model and returns its output (its shapes are the first row's).
    public func summary<Output>(inputShapes: [[Int]], forward: () throws -> Output) rethrows -> ModuleSummary {
        let modes = namedModulesAndModes()
        defer { for (_, module, wasTraining) in modes { module.train(wasTraining) } }
        eval()
        let recorder = ModuleCallRecorder()
        // The model itself is the first row even when its own forward pass does not report itself.
        _ = try recorder.recording { try withoutGradients { try recorder.record(self) { try forward() } } }

        var names: [ObjectIdentifier: String] = [:]
        for (name, module, _) in modes where names[ObjectIdentifier(module)] == nil { names[ObjectIdentifier(module)] = name }
        let rows = recorder.calls.map { call in
            ModuleSummary.Row(name: names[ObjectIdentifier(call.module)] ?? "", type: String(describing: type(of: call.module)),
                              depth: call.depth, outputShapes: call.outputShapes, parameterCount: call.module.parameterCount)
        }
        let total = parameterCount
        return ModuleSummary(rows: rows, inputShapes: inputShapes, totalParameters: total, trainableParameters: total,
                             bufferElements: namedBuffers().reduce(0) { $0 + $1.1.value.count })
    }

    /// This module and its descendants in pre-order with their training modes: restoring the
    /// modes in this order undoes `eval()` exactly, because `train(_:)` also sets the descendants
    /// that come later.
    private func namedModulesAndModes() -> [(String, Module, Bool)] {
        namedModules().map { ($0.0, $0.1, $0.1.isTraining) }
    }
}

extension Layer {
    /// Summarises a forward pass on `input` (see `Module.summary(inputShapes:forward:)`); print the
    /// result for the table, or encode it as JSON:
    ///
    /// ```swift
    /// let model = MLPClassifier(inputSize: 784, hiddenSizes: [512, 256], classes: 10)
    /// print(model.summary(input: Tensor.zeros([1, 784])))   // Total params: 535,818
    /// ```
    public func summary(input: Tensor) -> ModuleSummary {
        summary(inputShapes: [input.shape]) { self(input) }
    }
}
