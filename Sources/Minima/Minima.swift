// The umbrella module: `import Minima` gives every layer of the library, lowest first.
@_exported import MinimaCore
@_exported import MinimaData
@_exported import MinimaModel
@_exported import MinimaTraining
@_exported import MinimaLandscape
@_exported import MinimaRuns
@_exported import MinimaVolume
@_exported import MinimaExperiments
@_exported import MinimaReport
@_exported import MinimaBenchmark
