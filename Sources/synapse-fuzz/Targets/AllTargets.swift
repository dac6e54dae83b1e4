/// Every reader under mutation testing; a new reader adds its target here.
let allTargets: [any FuzzTarget] = [
    SafeTensorsTarget(),
    CheckpointTarget(),
    Int8ModelTarget(),
    HalfPrecisionModelTarget(),
    IDXTarget(),
    CSVTarget(),
    ConfigTarget(),
    PreprocessingTarget(),
    TimeSeriesTarget(),
    PyTorchTarget(),
    PNGTarget(),
    JPEGTarget(),
    ONNXTarget(),
    ProfileTarget(),
    CalibrationTarget(),
    MovieReviewsTarget(),
]
