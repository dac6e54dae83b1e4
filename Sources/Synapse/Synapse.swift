// `import Synapse` is the one import users write: it re-exports every layer of the library.
@_exported import SynapseCore
@_exported import SynapseData
@_exported import SynapseDistributed
@_exported import SynapseEval
@_exported import SynapseIO
@_exported import SynapseJobs
@_exported import SynapseModels
@_exported import SynapseNN
@_exported import SynapseONNX
@_exported import SynapseOptim
@_exported import SynapseTraining
