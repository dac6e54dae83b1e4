/// Every reader under mutation testing; a new reader adds its target here.
let allTargets: [any FuzzTarget] = [
    IDXTarget(),
    CSVTarget(),
    ConfigTarget(),
    PreprocessingTarget(),
    TimeSeriesTarget(),
]
