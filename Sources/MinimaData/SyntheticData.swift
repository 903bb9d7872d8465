import Kernels
import Linalg
import MinimaCore

/// The paper's synthetic data (docs/theory.md §3–4): Gaussian inputs `x_n ∼ N(0, I)` with labels that
/// are either random (Figure 1, the memorisation setting) or given by a random teacher network
/// (assumption A5).
public enum SyntheticData {
    /// `X ∼ N(0, I)` (N×d0) from `seed`'s input stream: counter-based (`GaussianStream`), drawn in
    /// parallel, the same numbers for every thread count.
    static func inputs<Scalar: LinalgScalar>(n: Int, d0: Int, seed: UInt64) -> Matrix<Scalar> {
        let stream = GaussianStream(seed: seed, stream: RandomStream.gaussianInputs.id())
        return Matrix(rows: n, columns: d0, elements: stream.normals(n * d0, threads: BLASEnvironment.threads))
    }

    /// `X ∼ N(0, I)` (N×d0) and labels ±1 (or 0/1) with probability ½ each; real targets are
    /// `y_n ∼ N(0, 1)`, from the same labels stream.
    public static func gaussian<Scalar: LinalgScalar>(n: Int, d0: Int, seed: UInt64,
                                                      coding: LabelCoding = .plusMinusOne) -> Dataset<Scalar> {
        var labels = SeededGenerator(seed: seed, stream: .gaussianLabels)
        let x: Matrix<Scalar> = inputs(n: n, d0: d0, seed: seed)
        let y: [Scalar]
        if let classes = coding.classes {
            y = (0..<n).map { _ in Scalar(classes.label(positive: labels.next() & 1 == 1)) }
        } else {
            let normals: [Double] = labels.normals(n)
            y = normals.map { Scalar($0) }
        }
        return Dataset(x: x, y: y, coding: coding, name: "gaussian(n=\(n), d0=\(d0), seed=\(seed))")
    }

    /// `X ∼ N(0, I)` labelled by a random teacher `f*(x) = z*ᵀ φ(W* x)` of width `width`
    /// (entries of W*, z* i.i.d. N(0, 1), slope ρ): `y_n` is the class of `f*(x_n)` (sign, threshold 0),
    /// or for real targets the teacher's output `f*(x_n)` itself.
    public static func teacher<Scalar: LinalgScalar>(n: Int, d0: Int, width: Int, slope: Double, seed: UInt64,
                                                     coding: LabelCoding = .plusMinusOne) -> Dataset<Scalar> {
        var weights = SeededGenerator(seed: seed, stream: .teacherWeights)
        let x: Matrix<Scalar> = inputs(n: n, d0: d0, seed: seed)
        let w = Matrix<Double>(rows: width, columns: d0, elements: weights.normals(width * d0))
        let z: [Double] = weights.normals(width)
        let pre = Matrix.product(x.converted(to: Double.self), .none, w, .transposed)   // N×width
        let y = (0..<n).map { i -> Scalar in
            var f = 0.0
            for j in 0..<width {
                let u = pre[i, j]
                f += z[j] * (u > 0 ? u : slope * u)
            }
            return Scalar(coding.classes.map { $0.label(positive: f > 0) } ?? f)
        }
        return Dataset(x: x, y: y, coding: coding,
                       name: "teacher(n=\(n), d0=\(d0), width=\(width), seed=\(seed))")
    }
}
