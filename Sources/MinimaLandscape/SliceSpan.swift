import Kernels
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining

/// A one-hidden-layer network on the affine span `θ + α·D₁ (+ β·D₂)` of one or two directions
/// through its weights: what a loss slice evaluates.
///
/// Every hidden pre-activation is affine in (α, β): with `P₀ = X̃W̃ᵀ` and `Q_k = X̃D̃_kᵀ` (N×d1
/// each; `X̃ = [X, 1]` and `W̃ = [W, b]` with biases), `P(α, β) = P₀ + α·Q₁ + β·Q₂`. The three
/// GEMMs are done once (BLAS's threads); after that a point costs O(N·d1):
/// `f_n = Σ_i z̃_i(α, β)·φ(P_ni) + b_z(α, β)`, with the output weights moved along the
/// directions' z parts too.
///
/// **Layout and blocking.** The matrices are kept transposed (d1×N, unit-major), so the inner
/// loop runs over consecutive samples and vectorises; `points` walks blocks of 256 samples and,
/// for each block, every requested point, so the block's share of `P₀`, `Q₁`, `Q₂` (and of the
/// region keys) is read from memory once and then from cache for all points.
public struct SliceSpan<Scalar: LinalgScalar>: Sendable {
    /// Samples N and hidden units d1.
    public let n: Int
    public let units: Int
    /// Leaky-ReLU slope ρ.
    public let slope: Double
    public let coding: LabelCoding
    let y: [Scalar]
    /// `P₀ᵀ`, d1×N row-major: entry `i·N + n` is `p_ni`.
    let p0: [Scalar]
    /// `Q_kᵀ`, d1×N, one per direction.
    let q: [[Scalar]]
    /// The region key of each pre-activation, in `p0`'s order (see `key`).
    let keys: [UInt64]
    /// Output weights z (d1) and bias b_z at the centre, and each direction's parts of them.
    let z: [Double]
    let bz: Double
    let dz: [[Double]]
    let dbz: [Double]

    /// Number of directions (1: a line, 2: a plane).
    public var directions: Int { q.count }

    /// Samples per cache block.
    static var block: Int { 256 }

    /// The span of `directions` (each in `ParameterLayout` order) through `network`'s weights.
    public init(network: Network<Scalar>, data: Dataset<Scalar>, directions: [[Double]]) {
        precondition(network.shape.depth == 1, "slices need one hidden layer")
        precondition(network.shape.d0 == data.d0, "network d0 \(network.shape.d0) ≠ data d0 \(data.d0)")
        precondition((1...2).contains(directions.count), "one or two directions")
        let layout = network.layout, shape = network.shape
        let d1 = shape.hidden[0], d0 = shape.d0, n = data.n
        self.n = n
        units = d1
        slope = shape.slope
        coding = data.coding
        y = data.y
        /// `M̃·X̃ᵀ` (d1×N) for a parameter vector's hidden-layer part M̃ = [M, c].
        func preactivations(_ v: [Scalar]) -> [Scalar] {
            let m = Matrix(rows: d1, columns: d0, elements: Array(v[layout.weights[0]]))
            var p = Matrix.product(m, .none, data.x, .transposed)
            if let b = layout.biases {
                let c = Array(v[b[0]])
                p.elements.withUnsafeMutableBufferPointer { pp in
                    for i in 0..<d1 { for s in 0..<n { pp[i * n + s] += c[i] } }
                }
            }
            return p.elements
        }
        p0 = preactivations(network.parameters)
        q = directions.map { d in
            precondition(d.count == layout.count, "a direction needs \(layout.count) entries, got \(d.count)")
            return preactivations(convertedElements(d))
        }
        keys = (0..<(n * d1)).map { SliceSpan.key($0) }
        let theta: [Double] = convertedElements(network.parameters)
        z = Array(theta[layout.output])
        bz = layout.outputBias.map { theta[$0] } ?? 0
        dz = directions.map { Array($0[layout.output]) }
        dbz = directions.map { d in layout.outputBias.map { d[$0] } ?? 0 }
    }

    /// A pseudo-random 64-bit key for pre-activation k (SplitMix64's finaliser): a pattern's
    /// region id is the sum of the keys of the entries that differ from the centre's.
    static func key(_ k: Int) -> UInt64 {
        var x = UInt64(truncatingIfNeeded: k) &+ 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }

    /// `m` (d1×N, unit-major) as N×d1 row-major Float64 (one sample per row).
    func sampleMajor(_ m: [Scalar]) -> [Double] {
        var out = [Double](repeating: 0, count: m.count)
        for i in 0..<units { for s in 0..<n { out[s * units + i] = Double(m[i * n + s]) } }
        return out
    }

    /// The network at `θ + α·D₁ + β·D₂` (β is ignored on a line): MSE, MCE, the activations that
    /// differ from the centre's pattern and the pattern's region id. O(N·d1).
    public func point(_ alpha: Double, _ beta: Double = 0) -> SlicePoint { points([(alpha, beta)])[0] }

    /// Whether `points` runs the vectorised `SlicePlaneKernel` by default: Float64, unless
    /// `MINIMA_KERNEL=blas` turns Minima's own kernels off (the plain loop otherwise).
    public static var usesKernel: Bool { Scalar.self == Double.self && KernelPath.selected != .blas }

    /// `point` at each (α, β), block by block (see the type's comment); `progress(fraction)` is
    /// called after each block. `kernel` chooses `SlicePlaneKernel` (Float64 only) or the plain
    /// loop; both give the same numbers up to the order of additions in f.
    public func points(_ coordinates: [(Double, Double)], kernel: Bool = usesKernel,
                       progress: ((Double) -> Void)? = nil) -> [SlicePoint] {
        precondition(!kernel || Scalar.self == Double.self, "the slice kernel is Float64 only")
        let d1 = units, two = directions == 2, count = coordinates.count
        let betas = coordinates.map { two ? $0.1 : 0 }
        // z̃(α, β) and b_z(α, β) of every point.
        var zc = [Double](repeating: 0, count: count * d1)
        var bc = [Double](repeating: 0, count: count)
        for (k, (alpha, _)) in coordinates.enumerated() {
            for i in 0..<d1 { zc[k * d1 + i] = z[i] + alpha * dz[0][i] + (two ? betas[k] * dz[1][i] : 0) }
            bc[k] = bz + alpha * dbz[0] + (two ? betas[k] * dbz[1] : 0)
        }
        var sse = [Double](repeating: 0, count: count)
        var errors = [Int](repeating: 0, count: count)
        let classes = coding.classes
        var changed = [Int](repeating: 0, count: count)
        var region = [UInt64](repeating: 0, count: count)
        let rho = Scalar(slope), n = self.n, block = Self.block
        var f = [Double](repeating: 0, count: block)
        p0.withUnsafeBufferPointer { pp in
            q[0].withUnsafeBufferPointer { pq1 in
                q[directions - 1].withUnsafeBufferPointer { pq2 in
                    keys.withUnsafeBufferPointer { pk in
                        y.withUnsafeBufferPointer { py in
                            f.withUnsafeMutableBufferPointer { pf in
                                var lo = 0
                                while lo < n {
                                    let hi = Swift.min(n, lo + block), m = hi - lo
                                    for k in 0..<count {
                                        let a = Scalar(coordinates[k].0), b = Scalar(betas[k])
                                        for t in 0..<m { pf[t] = bc[k] }
                                        var differ = 0
                                        var hash: UInt64 = 0
                                        for i in 0..<d1 {
                                            let zi = zc[k * d1 + i]
                                            let base = i * n + lo
                                            let c = pp.baseAddress! + base, q1 = pq1.baseAddress! + base
                                            let q2 = pq2.baseAddress! + base, keys = pk.baseAddress! + base
                                            let fb = pf.baseAddress!
                                            if kernel {
                                                let r = SlicePlaneKernel.accumulate(
                                                    c: UnsafeRawPointer(c).assumingMemoryBound(to: Double.self),
                                                    q1: UnsafeRawPointer(q1).assumingMemoryBound(to: Double.self),
                                                    q2: UnsafeRawPointer(q2).assumingMemoryBound(to: Double.self),
                                                    keys: keys, f: fb, count: m, alpha: Double(a), beta: Double(b), z: zi, slope: slope)
                                                differ &+= r.flips
                                                hash &+= r.hash
                                                continue
                                            }
                                            for t in 0..<m {
                                                let u = c[t] + a * q1[t] + b * q2[t]
                                                let on = u > 0
                                                fb[t] += zi * Double(on ? u : rho * u)
                                                let flipped = on != (c[t] > 0)
                                                differ &+= flipped ? 1 : 0
                                                hash &+= flipped ? keys[t] : 0
                                            }
                                        }
                                        var s2 = 0.0, e = 0
                                        for t in 0..<m {
                                            let label = Double(py[lo + t])
                                            let r = label - pf[t]
                                            s2 += r * r
                                            if let classes { e += classes.isError(output: pf[t], label: label) ? 1 : 0 }
                                        }
                                        sse[k] += s2; errors[k] += e; changed[k] += differ; region[k] &+= hash
                                    }
                                    lo = hi
                                    progress?(Double(lo) / Double(n))
                                }
                            }
                        }
                    }
                }
            }
        }
        let total = Double(Swift.max(1, n))
        return (0..<count).map { k in
            SlicePoint(alpha: coordinates[k].0, beta: betas[k], mse: sse[k] / total, mce: classes == nil ? nil : Double(errors[k]) / total,
                       errors: classes == nil ? nil : errors[k], changed: changed[k], region: region[k])
        }
    }
}

/// One evaluated point of a slice.
public struct SlicePoint: Codable, Equatable, Sendable {
    public var alpha: Double
    public var beta: Double
    public var mse: Double
    /// nil (null in JSON) for real-valued targets.
    @NullWhenAbsent public var mce: Double?
    @NullWhenAbsent public var errors: Int?
    /// Hidden activations `a(w_iᵀx_n)` that differ from the centre's pattern.
    public var changed: Int
    /// A 64-bit hash of the activation pattern (0 for the centre's pattern): equal patterns give
    /// equal ids; different patterns collide with probability about 2⁻⁶⁴.
    public var region: UInt64

    /// `region` as 16 hex digits.
    public var regionID: String {
        let hex = String(region, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
