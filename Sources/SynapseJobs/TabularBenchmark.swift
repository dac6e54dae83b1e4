import SynapseCore

/// The real tabular and time-series datasets `synapse train` and `synapse evaluate` know, with
/// the task each is used for.
public enum TabularBenchmark: String, CaseIterable, Sendable {
    /// scikit-learn's breast cancer data: binary classification, stratified split.
    case breastCancer = "breast-cancer"
    /// scikit-learn's diabetes data: regression, random split.
    case diabetes
    /// statsmodels' yearly sunspot numbers: one-step forecasting, time-ordered split.
    case sunspots
    /// statsmodels' weekly Mauna Loa CO2: one-step forecasting, time-ordered split.
    case co2

    /// What is learnt from a dataset.
    public enum Task: String, Sendable {
        /// Class probabilities from features (cross-entropy).
        case classification
        /// A number from features (mean squared error).
        case regression
        /// The next value of a series from the previous `window` values (mean squared error).
        case forecasting
    }

    /// The task this dataset is used for.
    public var task: Task {
        switch self {
        case .breastCancer: .classification
        case .diabetes: .regression
        case .sunspots, .co2: .forecasting
        }
    }

    /// Epochs when none are given: enough for early stopping to end the run on these small sets.
    public var defaultEpochs: Int {
        switch self {
        case .breastCancer: 100
        case .diabetes: 200
        case .sunspots: 300
        case .co2: 60
        }
    }
}
