import SynapseCore
import SynapseEval
import SynapseNN

/// Runs a served model on `count` prepared rows laid end to end, shaped `[count] + inputShape`,
/// without gradients; returns one output row per input row.
///
/// The model was put in evaluation mode once when it was loaded: serving never switches modes,
/// because several batches of one model run at once and a mode switch would race with them.
func servingOutputs(_ model: any Layer, rows: [Float], count: Int, inputShape: [Int]) -> [[Float]] {
    guard count > 0 else { return [] }
    return withoutGradients {
        let out = model(Tensor(shape: [count] + inputShape, scalars: rows)).contiguous()
        let width = out.count / count
        let scalars = out.scalars
        return (0..<count).map { r in Array(scalars[(r * width)..<((r + 1) * width)]) }
    }
}

/// Served classifier predictions from logits rows: softmax probabilities (of the calibrated logits
/// when `calibration` is given), the likeliest class and its name (the same arithmetic as `synapse predict`).
func servedClassPredictions(_ logits: [[Float]], classNames: [String], calibration: LogitCalibration? = nil) -> [ServedPrediction] {
    logits.map { row in
        let (probabilities, best) = softmaxWithArgmax(row, calibration: calibration)
        return ServedPrediction(classIndex: best, label: best < classNames.count ? classNames[best] : nil, probabilities: probabilities)
    }
}

/// Mean and standard deviation of `values` (the drift monitor's summary of an image).
func meanAndStd(_ values: ArraySlice<Float>) -> (mean: Double, std: Double) {
    guard !values.isEmpty else { return (0, 0) }
    var sum = 0.0, squares = 0.0
    for v in values {
        sum += Double(v)
        squares += Double(v) * Double(v)
    }
    let n = Double(values.count), mean = sum / n
    return (mean, max(0, squares / n - mean * mean).squareRoot())
}
