import MinimaCore
/// What loading a data set found and how long each step took (`minima data inspect`).
public struct DataReport: Codable, Equatable, Sendable {
    /// One timed step ("read", "scale", "zca", …).
    public struct Step: Codable, Equatable, Sendable {
        public var name: String
        public var seconds: Double
        public var note: String = ""
    }

    /// One split of the source as read: its size and label histogram.
    public struct Split: Codable, Equatable, Sendable {
        public var name: String
        public var count: Int
        public var classCounts: [Int]
    }

    /// A short description of the data set (the `Dataset`'s name).
    public var name: String = ""
    /// Source splits (train, test), before any selection.
    public var splits: [Split] = []
    public var classNames: [String] = []
    /// Image shape (channels, height, width) as read; nil for non-image sources.
    public var imageShape: [Int]? = nil
    /// Classes mapped to the negative and positive label (class-based labels).
    public var negativeClasses: [Int] = []
    public var positiveClasses: [Int] = []
    /// The data set produced: N, d0, label balance (null for real targets, which have no
    /// classes; their mean and standard deviation instead).
    public var n: Int = 0
    public var d0: Int = 0
    @NullWhenAbsent public var negatives: Int? = 0
    @NullWhenAbsent public var positives: Int? = 0
    public var targetMean: Double? = nil
    public var targetStd: Double? = nil
    /// Mean and standard deviation of all input values before (after scaling, over the
    /// selected samples) and after preprocessing.
    public var pixelMean: Double? = nil
    public var pixelStd: Double? = nil
    public var featureMean: Double = 0
    public var featureStd: Double = 0
    /// ZCA: the smallest and largest covariance eigenvalue.
    public var covarianceEigenvalueRange: [Double]? = nil
    public var steps: [Step] = []
    /// What the cache did: "off", "hit PATH", "written PATH", "rebuilt PATH (reason)".
    public var cache: String = "off"

    public init() {}
}
