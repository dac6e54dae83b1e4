/// Every reader under mutation testing; a new reader adds its target here.
let allTargets: [any FuzzTarget] = [
    SafeTensorsTarget(),
    CheckpointTarget(),
    Int8ModelTarget(),
    BFloat16ModelTarget(),
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
    MovieReviewsTarget(),
]
