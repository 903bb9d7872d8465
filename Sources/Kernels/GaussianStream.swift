import Dispatch
import KernelsAVX2
import KernelsAVX512
import KernelsGeneric

/// Standard normal numbers, a pure function of `(seed, stream, index)` (see `GaussianBlock`):
/// drawn in blocks of 64 Ki numbers, in parallel, on the fastest instruction set the CPU runs;
/// the numbers are the same for every thread count, machine and path.
public struct GaussianStream: Sendable {
    let block: KernelsGeneric.GaussianBlock

    /// The stream `stream` of `seed`.
    public init(seed: UInt64, stream: UInt64) { block = GaussianBlock(seed: seed, stream: stream) }

    /// Numbers `start ..< start + count` into `out` (Float: each rounded once from Double).
    public func fill<Scalar: BinaryFloatingPoint & Sendable>(_ out: UnsafeMutablePointer<Scalar>, from start: Int, count: Int,
                                                  path: KernelPath = .vectorPath) {
        let key = block.key
        if Scalar.self == Float.self {
            let o = UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self)
            switch path {
            case .avx512: KernelsAVX512.GaussianBlock(key: key).fill(o, from: start, count: count)
            case .avx2: KernelsAVX2.GaussianBlock(key: key).fill(o, from: start, count: count)
            case .generic, .blas: block.fill(o, from: start, count: count)
            }
        } else if Scalar.self == Double.self {
            let o = UnsafeMutableRawPointer(out).assumingMemoryBound(to: Double.self)
            switch path {
            case .avx512: KernelsAVX512.GaussianBlock(key: key).fill(o, from: start, count: count)
            case .avx2: KernelsAVX2.GaussianBlock(key: key).fill(o, from: start, count: count)
            case .generic, .blas: block.fill(o, from: start, count: count)
            }
        } else {
            var buffer = [Double](repeating: 0, count: count)
            buffer.withUnsafeMutableBufferPointer { fill($0.baseAddress!, from: start, count: count, path: path) }
            for i in 0..<count { out[i] = Scalar(buffer[i]) }
        }
    }

    /// The first `count` numbers, drawn by `threads` threads (the numbers do
    /// not depend on it).
    public func normals<Scalar: BinaryFloatingPoint & Sendable>(_ count: Int, threads: Int = 1,
                                                     path: KernelPath = .vectorPath) -> [Scalar] {
        let size = 1 << 16
        let blocks = (count + size - 1) / size
        return [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            nonisolated(unsafe) let base = buffer.baseAddress
            let draw = { @Sendable (b: Int) in
                let lower = b * size
                self.fill(base! + lower, from: lower, count: min(size, count - lower), path: path)
            }
            let workers = max(1, min(threads, blocks))
            if workers > 1 {
                DispatchQueue.concurrentPerform(iterations: workers) { t in
                    for b in stride(from: t, to: blocks, by: workers) { draw(b) }
                }
            } else {
                for b in 0..<blocks { draw(b) }
            }
            initialized = count
        }
    }
}
