import Kernels
import Linalg
import MinimaCore
import MinimaData

/// A network of docs/theory.md §1, `f(x) = zᵀ φ(W_L ⋯ φ(W_1 x))`, with all its parameters in one flat
/// vector laid out by `ParameterLayout` (so optimizers and gradients are plain vectors).
///
/// `φ(u) = a(u)·u` with `a(u) = 1` for u > 0 and `a(u) = ρ` otherwise. At u = 0 the paper leaves
/// `a` undefined; Minima uses ρ there (as PyTorch does) and reports such points through
/// `PreactivationStatistics.exactZeros`.
public struct Network<Scalar: LinalgScalar>: Sendable {
    public let shape: NetworkShape
    public let layout: ParameterLayout
    /// Every parameter, in `layout`'s order.
    public var parameters: [Scalar]

    /// A network with all parameters zero.
    public init(shape: NetworkShape) {
        self.shape = shape
        self.layout = ParameterLayout(shape)
        self.parameters = [Scalar](repeating: 0, count: layout.count)
    }

    /// The same network in another precision.
    public func converted<Other: LinalgScalar>(to: Other.Type = Other.self) -> Network<Other> {
        var other = Network<Other>(shape: shape)
        other.parameters = convertedElements(parameters)
        return other
    }

    /// The default initialisation: every weight i.i.d. `N(0, 1/fan_in)` (the output weights `z`
    /// too, fan-in d_L), biases zero. Draws come from `seed`'s weight stream.
    public static func random(shape: NetworkShape, seed: UInt64) -> Network {
        var net = Network(shape: shape)
        var rng = SeededGenerator(seed: seed, stream: .initialWeights)
        let widths = shape.widths
        for l in 0..<shape.depth {
            let scale = 1 / Double(widths[l]).squareRoot()
            for i in net.layout.weights[l] { net.parameters[i] = Scalar(rng.normal() * scale) }
        }
        let scale = 1 / Double(widths[shape.depth]).squareRoot()
        for i in net.layout.output { net.parameters[i] = Scalar(rng.normal() * scale) }
        return net
    }

    /// Hidden layer `l` (0-based) weight matrix `W_{l+1}` (d_{l+1}×d_l), a copy.
    public func weight(_ l: Int) -> Matrix<Scalar> {
        Matrix(rows: shape.hidden[l], columns: shape.widths[l], elements: Array(parameters[layout.weights[l]]))
    }
    /// Output weights `z` (d_L entries), a copy.
    public var outputWeights: [Scalar] { Array(parameters[layout.output]) }

    /// Activation slope `a(u)`.
    @inline(__always) static func slopeAt(_ u: Scalar, _ rho: Scalar) -> Scalar { u > 0 ? 1 : rho }

    // MARK: Forward and backward passes

    /// Forward pass over `rows` samples at `x` (rows×d0, row-major) into `ws`; returns the
    /// pointer to the `rows` outputs `f(x_n)`. Hidden pre-activations and activations stay in `ws`.
    @discardableResult
    public func forward(_ x: UnsafePointer<Scalar>, rows: Int, workspace ws: Workspace<Scalar>) -> UnsafeMutablePointer<Scalar> {
        precondition(rows <= ws.capacity, "batch of \(rows) exceeds the workspace's \(ws.capacity)")
        let widths = shape.widths
        let rho = Scalar(shape.slope)
        return parameters.withUnsafeBufferPointer { pp in
            let p = pp.baseAddress!
            var input = x
            for l in 0..<shape.depth {
                let dIn = widths[l], dOut = widths[l + 1]
                let pre = ws.preactivations[l], act = ws.activations[l]
                Scalar.gemm(.none, .transposed, rows, dOut, dIn, 1, input, dIn,
                            p + layout.weights[l].lowerBound, dIn, 0, pre, dOut)
                if let biases = layout.biases {
                    let b = p + biases[l].lowerBound
                    for n in 0..<rows { for i in 0..<dOut { pre[n * dOut + i] += b[i] } }
                }
                for k in 0..<(rows * dOut) {
                    let u = pre[k]
                    act[k] = u > 0 ? u : rho * u
                }
                input = UnsafePointer(act)
            }
            let dL = widths[shape.depth]
            Scalar.gemv(.none, rows, dL, 1, input, dL, p + layout.output.lowerBound, 1, 0, ws.outputs, 1)
            if let ob = layout.outputBias {
                let b = p[ob]
                for n in 0..<rows { ws.outputs[n] += b }
            }
            return ws.outputs
        }
    }

    /// Sum of squared residuals `Σ (y_n − f(x_n))²` over the batch, and the gradient of
    /// `scale · Σ (y_n − f(x_n))²` with respect to every parameter, by back-propagation through
    /// GEMM. With `scale = 1/N` over a data set split into batches, accumulating (`accumulate`)
    /// the batch gradients gives the gradient of the MSE; `scale = 1/rows` gives a batch's MSE
    /// gradient. With `order` (only when `ws` has a fused kernel), sample n is row `order[n]` of
    /// x and y, read in place.
    public func sumOfSquaresAndGradient(_ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Scalar>, order: UnsafePointer<Int>? = nil,
                                        rows: Int, scale: Scalar, gradient: UnsafeMutablePointer<Scalar>,
                                        accumulate: Bool = false, workspace ws: Workspace<Scalar>) -> Scalar {
        if let kernel = ws.kernel {
            return fusedSumOfSquaresAndGradient(kernel, x, y, order: order, rows: rows, scale: scale, gradient: gradient, accumulate: accumulate)
        }
        precondition(order == nil, "rows by index need a fused kernel")
        if let kernel = ws.twoLayerKernel {
            return parameters.withUnsafeBufferPointer { pp in
                let p = pp.baseAddress!
                func at(_ r: Range<Int>?) -> UnsafePointer<Scalar>? { r.map { p + $0.lowerBound } }
                func grad(_ r: Range<Int>?) -> UnsafeMutablePointer<Scalar>? { r.map { gradient + $0.lowerBound } }
                return kernel.sumOfSquaresAndGradient(x: x, y: y, rows: rows, w1: p + layout.weights[0].lowerBound, b1: at(layout.biases?[0]),
                                                      w2: p + layout.weights[1].lowerBound, b2: at(layout.biases?[1]),
                                                      z: p + layout.output.lowerBound, bz: layout.outputBias.map { p[$0] } ?? 0,
                                                      slope: Scalar(shape.slope), scale: scale,
                                                      gradW1: gradient + layout.weights[0].lowerBound, gradB1: grad(layout.biases?[0]),
                                                      gradW2: gradient + layout.weights[1].lowerBound, gradB2: grad(layout.biases?[1]),
                                                      gradZ: gradient + layout.output.lowerBound, gradBz: layout.outputBias.map { gradient + $0 },
                                                      accumulate: accumulate)
            }
        }
        let f = forward(x, rows: rows, workspace: ws)
        let widths = shape.widths
        let depth = shape.depth
        let rho = Scalar(shape.slope)
        let beta: Scalar = accumulate ? 1 : 0
        if !accumulate { gradient.update(repeating: 0, count: layout.count) }
        // g_n = ∂/∂f_n of scale·Σ(y − f)² = −2·scale·(y_n − f_n)
        let g = ws.outputGradient
        var sse: Scalar = 0
        for n in 0..<rows {
            let r = y[n] - f[n]
            sse += r * r
            g[n] = -2 * scale * r
        }
        return parameters.withUnsafeBufferPointer { pp -> Scalar in
            let p = pp.baseAddress!
            let dL = widths[depth]
            let last = UnsafePointer(ws.activations[depth - 1])
            // ∂z = H_Lᵀ g ; ∂bz = Σ g
            Scalar.gemv(.transposed, rows, dL, 1, last, dL, g, 1, beta, gradient + layout.output.lowerBound, 1)
            if let ob = layout.outputBias {
                var s: Scalar = 0
                for n in 0..<rows { s += g[n] }
                gradient[ob] += s
            }
            // δ_L = (g zᵀ) ⊙ a(P_L)
            let z = p + layout.output.lowerBound
            let deltaTop = ws.deltas[depth - 1], preTop = ws.preactivations[depth - 1]
            for n in 0..<rows {
                let gn = g[n]
                for i in 0..<dL {
                    let k = n * dL + i
                    deltaTop[k] = gn * z[i] * Network.slopeAt(preTop[k], rho)
                }
            }
            for l in stride(from: depth - 1, through: 0, by: -1) {
                let dIn = widths[l], dOut = widths[l + 1]
                let delta = ws.deltas[l]
                let input = l == 0 ? x : UnsafePointer(ws.activations[l - 1])
                // ∂W_l = δ_lᵀ · H_{l−1}
                Scalar.gemm(.transposed, .none, dOut, dIn, rows, 1, delta, dOut, input, dIn,
                            beta, gradient + layout.weights[l].lowerBound, dIn)
                if let biases = layout.biases {
                    let gb = gradient + biases[l].lowerBound
                    for n in 0..<rows { for i in 0..<dOut { gb[i] += delta[n * dOut + i] } }
                }
                if l > 0 {
                    // δ_{l−1} = (δ_l W_l) ⊙ a(P_{l−1})
                    let below = ws.deltas[l - 1], preBelow = ws.preactivations[l - 1]
                    Scalar.gemm(.none, .none, rows, dIn, dOut, 1, delta, dOut,
                                p + layout.weights[l].lowerBound, dIn, 0, below, dIn)
                    for k in 0..<(rows * dIn) { below[k] *= Network.slopeAt(preBelow[k], rho) }
                }
            }
            return sse
        }
    }

    /// `sumOfSquaresAndGradient` of a one-hidden-layer network through the fused kernel.
    func fusedSumOfSquaresAndGradient(_ kernel: any OneHiddenLayerPass<Scalar>, _ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Scalar>,
                                      order: UnsafePointer<Int>?, rows: Int, scale: Scalar, gradient: UnsafeMutablePointer<Scalar>, accumulate: Bool) -> Scalar {
        parameters.withUnsafeBufferPointer { pp in
            let p = pp.baseAddress!
            let b = layout.biases.map { p + $0[0].lowerBound }
            let gb = layout.biases.map { gradient + $0[0].lowerBound }
            let bz = layout.outputBias.map { p[$0] } ?? 0
            let gbz = layout.outputBias.map { gradient + $0 }
            return kernel.sumOfSquaresAndGradient(x: x, y: y, order: order, rows: rows, w: p + layout.weights[0].lowerBound, b: b,
                                                  z: p + layout.output.lowerBound, bz: bz, slope: Scalar(shape.slope), scale: scale,
                                                  gradW: gradient + layout.weights[0].lowerBound, gradB: gb,
                                                  gradZ: gradient + layout.output.lowerBound, gradBz: gbz, accumulate: accumulate)
        }
    }
}
