import MinimaCore

/// The inputs of this layer that errors name (see `InputField`).
extension InputField {
    /// The data set kind.
    public static let dataSource = InputField("data.source")
    /// Samples N of generated data.
    public static let dataN = InputField("data.n")
    /// Input dimension d0 of generated data.
    public static let dataD0 = InputField("data.d0")
    /// Hidden width of the teacher network.
    public static let teacherWidth = InputField("data.teacherWidth")
    /// X.npy (N×d0).
    public static let dataX = InputField("data.x")
    /// y.npy (N).
    public static let dataY = InputField("data.y")
    /// The folder or archive of an image data set.
    public static let dataPath = InputField("data.path")
    /// Samples kept (a seeded subset).
    public static let limit = InputField("data.limit")
    /// Whether the test split joins the training split.
    public static let mergeTest = InputField("data.mergeTest")
    /// How the targets are coded (pm1, 01, real).
    public static let labels = InputField("data.labels")
    /// The binary task: which classes are +1 and which −1.
    public static let classes = InputField("data.classes")
    /// Average pooling block size.
    public static let pool = InputField("data.preprocessing.pool")
    /// Pixel scaling.
    public static let scale = InputField("data.preprocessing.scale")
    /// ZCA regulariser ε.
    public static let zcaEpsilon = InputField("data.preprocessing.zcaEpsilon")
    /// Random projection to d0 dimensions.
    public static let project = InputField("data.preprocessing.project")
    /// Centring the features.
    public static let center = InputField("data.preprocessing.center")
    /// Standardising the features.
    public static let standardize = InputField("data.preprocessing.standardize")
}
