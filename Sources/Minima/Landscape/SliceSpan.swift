import Linalg

/// A one-hidden-layer network on the affine span `θ + α·D₁ (+ β·D₂)` of one or two directions
/// through its weights: what a loss slice evaluates.
///
/// Every hidden pre-activation is affine in (α, β): with `P₀ = X̃W̃ᵀ` and `Q_k = X̃D̃_kᵀ` (N×d1
/// each, one sample per row; `X̃ = [X, 1]` and `W̃ = [W, b]` with biases),
/// `P(α, β) = P₀ + α·Q₁ + β·Q₂`. The three GEMMs are done once (BLAS's threads); after that a
/// point costs O(N·d1): `f_n = Σ_i z̃_i(α, β)·φ(P_ni) + b_z(α, β)` with the output weights moved
/// along the directions' z parts too.
public struct SliceSpan<Scalar: LinalgScalar>: Sendable {
    /// Samples N and hidden units d1.
    public let n: Int
    public let units: Int
    /// Leaky-ReLU slope ρ.
    public let slope: Double
    public let coding: LabelCoding
    let y: [Scalar]
    /// `P₀`, N×d1 row-major.
    let p0: [Scalar]
    /// `Q_k`, N×d1 row-major, one per direction.
    let q: [[Scalar]]
    /// Output weights z (d1) and bias b_z at the centre, and each direction's parts of them.
    let z: [Double]
    let bz: Double
    let dz: [[Double]]
    let dbz: [Double]

    /// Number of directions (1: a line, 2: a plane).
    public var directions: Int { q.count }

    /// The span of `directions` (each in `ParameterLayout` order) through `network`'s weights.
    public init(network: Network<Scalar>, data: Dataset<Scalar>, directions: [[Double]]) {
        precondition(network.shape.depth == 1, "slices need one hidden layer")
        precondition(network.shape.d0 == data.d0, "network d0 \(network.shape.d0) ≠ data d0 \(data.d0)")
        precondition((1...2).contains(directions.count), "one or two directions")
        let layout = network.layout, shape = network.shape
        let d1 = shape.hidden[0], d0 = shape.d0
        n = data.n
        units = d1
        slope = shape.slope
        coding = data.coding
        y = data.y
        /// `X̃·M̃ᵀ` for a parameter vector's hidden-layer part M̃ = [M, c].
        func preactivations(_ v: [Scalar]) -> [Scalar] {
            let m = Matrix(rows: d1, columns: d0, elements: Array(v[layout.weights[0]]))
            var p = Matrix.product(data.x, .none, m, .transposed)
            if let b = layout.biases {
                let c = Array(v[b[0]])
                p.elements.withUnsafeMutableBufferPointer { pp in
                    for s in 0..<data.n { for i in 0..<d1 { pp[s * d1 + i] += c[i] } }
                }
            }
            return p.elements
        }
        p0 = preactivations(network.parameters)
        q = directions.map { d in
            precondition(d.count == layout.count, "a direction needs \(layout.count) entries, got \(d.count)")
            return preactivations(convertedElements(d))
        }
        let theta: [Double] = convertedElements(network.parameters)
        z = Array(theta[layout.output])
        bz = layout.outputBias.map { theta[$0] } ?? 0
        dz = directions.map { Array($0[layout.output]) }
        dbz = directions.map { d in layout.outputBias.map { d[$0] } ?? 0 }
    }

    /// A pseudo-random 64-bit key for pre-activation k (SplitMix64's finaliser): a pattern's
    /// region id is the sum of the keys of the entries that differ from the centre's.
    @inline(__always) static func key(_ k: Int) -> UInt64 {
        var x = UInt64(truncatingIfNeeded: k) &+ 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }

    /// The network at `θ + α·D₁ + β·D₂` (β is ignored on a line): MSE, MCE, the activations that
    /// differ from the centre's pattern and the pattern's region id. O(N·d1).
    public func point(_ alpha: Double, _ beta: Double = 0) -> SlicePoint {
        let d1 = units
        let b = directions == 2 ? beta : 0
        var zc = z
        for i in 0..<d1 { zc[i] += alpha * dz[0][i] + (directions == 2 ? b * dz[1][i] : 0) }
        let bc = bz + alpha * dbz[0] + (directions == 2 ? b * dbz[1] : 0)
        let a = Scalar(alpha), bb = Scalar(b), rho = Scalar(slope)
        var sse = 0.0
        var errors = 0, changed = 0
        var region: UInt64 = 0
        p0.withUnsafeBufferPointer { pp in
            q[0].withUnsafeBufferPointer { pq1 in
                q[directions - 1].withUnsafeBufferPointer { pq2 in
                    y.withUnsafeBufferPointer { py in
                        zc.withUnsafeBufferPointer { pz in
                            for s in 0..<n {
                                var f = bc
                                let row = s * d1
                                for i in 0..<d1 {
                                    let k = row + i
                                    let c = pp[k]
                                    let u = c + a * pq1[k] + bb * pq2[k]
                                    let on = u > 0
                                    f += pz[i] * Double(on ? u : rho * u)
                                    if on != (c > 0) {
                                        changed += 1
                                        region &+= SliceSpan.key(k)
                                    }
                                }
                                let label = Double(py[s])
                                let r = label - f
                                sse += r * r
                                if coding.isError(output: f, label: label) { errors += 1 }
                            }
                        }
                    }
                }
            }
        }
        let count = Double(Swift.max(1, n))
        return SlicePoint(alpha: alpha, beta: b, mse: sse / count, mce: Double(errors) / count, errors: errors,
                          changed: changed, region: region)
    }
}

/// One evaluated point of a slice.
public struct SlicePoint: Codable, Equatable, Sendable {
    public var alpha: Double
    public var beta: Double
    public var mse: Double
    public var mce: Double
    public var errors: Int
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
