/// Every purpose Minima draws random numbers for, each with its own stream ids of a seed, so that
/// no two purposes ever draw from the same sequence (`SeededGenerator(seed:stream:index:)`, and
/// `GaussianStream(seed:stream:)` with `id(_:)`).
///
/// A purpose owns the ids `rawValue ..< rawValue + count`: one id for most, one per index for the
/// indexed ones (the directions of a slice, the blocks of a Monte Carlo run). No two purposes'
/// ids overlap and none is 0, the stream of `SeededGenerator(seed:)` (draws tied to no purpose,
/// e.g. in tests); the tests check both. The ids are part of what a seed means: changing one
/// changes every number drawn for that purpose.
public enum RandomStream: UInt64, CaseIterable, Sendable {
    /// Synthetic inputs `X ∼ N(0, I)` (Gaussian and teacher data; `GaussianStream`, data seed).
    case gaussianInputs = 1
    /// Labels of Gaussian data, ±1 with probability ½, or real targets N(0, 1) (data seed).
    case gaussianLabels = 2
    /// The teacher network of teacher data (data seed).
    case teacherWeights = 3
    /// The initial weights `N(0, 1/fan_in)` of `Network.random` (run seed).
    case initialWeights = 4
    /// The order of samples in each epoch of minibatch training (run seed).
    case batchOrder = 5
    /// `--labels random`: labels ±1 with probability ½ replacing a data set's own (data seed).
    case randomLabels = 6
    /// Lanczos's start vector for the Hessian's extreme eigenvalues (certificate or slice seed).
    case lanczosStart = 7
    /// Theorem 8's construction: random combinations of a group's null space (construction seed).
    case construction = 8
    /// `minima bench landscape`: the random weights and labels of the rank benchmark.
    case landscapeBenchmark = 11
    /// `--limit N`: which N samples of a data set are kept (data seed).
    case subset = 12
    /// `--project D`: the Gaussian random projection matrix R (data seed).
    case projection = 13
    /// Random slice directions: direction k (0 or 1; a slice has at most two) uses id 100 + k.
    case sliceDirections = 100
    /// Monte Carlo volume draws of W: block b (32 draws each) uses id 2³² + b, b < 2³².
    case volumeBlocks = 0x1_0000_0000

    /// How many ids the purpose owns: the number of indices it may use.
    public var count: UInt64 {
        switch self {
        case .sliceDirections: 2
        case .volumeBlocks: 1 << 32
        default: 1
        }
    }

    /// The ids the purpose owns.
    public var ids: Range<UInt64> { rawValue ..< rawValue + count }

    /// The stream id for index `index` of the purpose (0 for the purposes with one id).
    public func id(_ index: Int = 0) -> UInt64 {
        precondition(index >= 0 && UInt64(index) < count, "index \(index) is outside the \(count) streams of \(self)")
        return rawValue + UInt64(index)
    }
}

extension SeededGenerator {
    /// The generator of `seed` for a purpose (and index, for the indexed purposes).
    public init(seed: UInt64, stream: RandomStream, index: Int = 0) {
        self.init(seed: seed, streamID: stream.id(index))
    }
}
