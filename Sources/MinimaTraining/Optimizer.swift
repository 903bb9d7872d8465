import Linalg
import MinimaCore
import MinimaData
import MinimaModel

/// The optimizers of the paper's experiments, with PyTorch's update rules.
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    /// Full-batch gradient descent: `θ ← θ − η·∇`.
    case gd
    /// Minibatch SGD with optional heavy-ball momentum μ (PyTorch's `SGD`, dampening 0):
    /// `b ← μ·b + ∇` (b = ∇ on the first step), `θ ← θ − η·b`.
    case sgd
    /// Adam (PyTorch's `Adam`: β1 = 0.9, β2 = 0.999, ε = 1e-8, bias correction):
    /// `m ← β1 m + (1−β1)∇`, `v ← β2 v + (1−β2)∇²`,
    /// `θ ← θ − (η/(1−β1^t)) · m / (√v/√(1−β2^t) + ε)`.
    case adam
}

/// An optimizer's state over a flat parameter vector; one `step` per minibatch.
public final class Optimizer<Scalar: LinalgScalar> {
    public let kind: OptimizerKind
    public let momentum: Double
    public let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    /// Number of steps taken (Adam's t).
    public private(set) var steps = 0
    private var first: [Scalar]   // momentum buffer (SGD) or m (Adam)
    private var second: [Scalar]  // v (Adam)

    public init(kind: OptimizerKind, parameterCount: Int, momentum: Double = 0) {
        self.kind = kind
        self.momentum = momentum
        first = kind == .gd || (kind == .sgd && momentum == 0) ? [] : [Scalar](repeating: 0, count: parameterCount)
        second = kind == .adam ? [Scalar](repeating: 0, count: parameterCount) : []
    }

    /// The moment buffers and step count, for a checkpoint.
    public var state: (steps: Int, first: [Scalar], second: [Scalar]) { (steps, first, second) }

    /// Continues from a checkpoint's `state` (buffers of this optimizer's sizes).
    public func restore(steps: Int, first: [Scalar], second: [Scalar]) throws {
        guard first.count == self.first.count, second.count == self.second.count, steps >= 0 else {
            throw MinimaError.mismatch("the checkpoint's optimizer state (\(first.count) + \(second.count) moments) does not fit a \(kind.rawValue) optimizer over this network")
        }
        self.steps = steps
        self.first = first
        self.second = second
    }

    /// Updates `parameters` in place from `gradient` with learning rate `lr`.
    public func step(_ parameters: UnsafeMutablePointer<Scalar>, _ gradient: UnsafePointer<Scalar>,
                     count: Int, lr: Double) {
        steps += 1
        let eta = Scalar(lr)
        switch kind {
        case .gd:
            Scalar.axpy(count, -eta, gradient, 1, parameters, 1)
        case .sgd where momentum == 0:
            Scalar.axpy(count, -eta, gradient, 1, parameters, 1)
        case .sgd:
            let mu = Scalar(momentum)
            let isFirst = steps == 1
            first.withUnsafeMutableBufferPointer { b in
                for i in 0..<count {
                    let v = isFirst ? gradient[i] : mu * b[i] + gradient[i]
                    b[i] = v
                    parameters[i] -= eta * v
                }
            }
        case .adam:
            let b1 = Scalar(beta1), b2 = Scalar(beta2)
            let t = Double(steps)
            let correction1 = 1 - pow(beta1, t)
            let correction2Root = Scalar((1 - pow(beta2, t)).squareRoot())
            let stepSize = Scalar(lr / correction1)
            let eps = Scalar(epsilon)
            first.withUnsafeMutableBufferPointer { m in
                second.withUnsafeMutableBufferPointer { v in
                    for i in 0..<count {
                        let g = gradient[i]
                        let mi = b1 * m[i] + (1 - b1) * g
                        let vi = b2 * v[i] + (1 - b2) * g * g
                        m[i] = mi
                        v[i] = vi
                        parameters[i] -= stepSize * mi / (vi.squareRoot() / correction2Root + eps)
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
