import SynapseCore

/// The statistic that fills missing numeric entries (fitted on the training split).
public enum NumericImputation: String, Codable, Sendable {
    /// The training mean.
    case mean
    /// The training median (robust to outliers).
    case median
}

/// What one-hot encoding does with a category the training split never contained.
public enum UnknownCategoryPolicy: String, Codable, Sendable {
    /// Throw `TabularError.unknownCategory` naming the column, the value and the known categories.
    case error
    /// Encode it as all zeros (no category active), like scikit-learn's `handle_unknown="ignore"`.
    case ignore
}

/// Settings of a `TabularPreprocessor`.
public struct PreprocessingOptions: Codable, Sendable, Equatable {
    /// Scaling of numeric feature columns.
    public var numericScaling: FeatureScaling
    /// How missing numeric entries are filled. Missing categories are filled with the most frequent
    /// training category.
    public var numericImputation: NumericImputation
    /// What one-hot encoding does with unseen categories.
    public var unknownCategories: UnknownCategoryPolicy
    /// Scaling of a regression target (invert predictions with `inverseTransformTargets`).
    public var targetScaling: FeatureScaling

    /// Options; the defaults standardise numeric columns, impute the mean, reject unseen categories
    /// and leave regression targets unscaled.
    public init(numericScaling: FeatureScaling = .standardize, numericImputation: NumericImputation = .mean,
                unknownCategories: UnknownCategoryPolicy = .error, targetScaling: FeatureScaling = .none) {
        self.numericScaling = numericScaling
        self.numericImputation = numericImputation
        self.unknownCategories = unknownCategories
        self.targetScaling = targetScaling
    }
}
