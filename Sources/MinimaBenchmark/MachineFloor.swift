import Dispatch
import Foundation
import Linalg
import MinimaCore

/// What the machine can do at best, measured in the same run as the benchmarks: OpenBLAS's
/// sgemm and dgemm rate on square products (its best of three), and the rate at which `threads`
/// threads read a buffer much larger than the last-level cache. A case's floor is the larger of
/// its multiply-adds at the GEMM rate and its bytes from memory at the read rate.
public struct MachineFloor: Codable, Sendable {
    /// GFLOP/s of `sgemm` and `dgemm` (n = 1536), with `threads` BLAS threads.
    public var sgemmGFLOPS: Double
    public var dgemmGFLOPS: Double
    /// GB/s read by `threads` threads (a 1 GiB buffer summed by `sdot` shares).
    public var readGBps: Double
    public var threads: Int
    /// `openblas_get_corename()` during the measurement.
    public var blasCoreName: String

    /// Measures the floor with `threads` threads.
    public static func measure(threads: Int) -> MachineFloor {
        BLASEnvironment.withThreads(threads) {
            MachineFloor(sgemmGFLOPS: gemmRate(Float.self), dgemmGFLOPS: gemmRate(Double.self),
                         readGBps: readRate(threads: threads), threads: threads, blasCoreName: BLASEnvironment.coreName)
        }
    }

    /// Best of three `C = A·B` with n = 1536, in GFLOP/s.
    static func gemmRate<Scalar: LinalgScalar>(_: Scalar.Type) -> Double {
        let n = 1536
        let a = [Scalar](repeating: 1, count: n * n), b = [Scalar](repeating: 0.5, count: n * n)
        var c = [Scalar](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<3 {
            let t = ContinuousClock.seconds {
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            Scalar.gemm(.none, .none, n, n, n, 1, pa.baseAddress!, n, pb.baseAddress!, n, 0, pc.baseAddress!, n)
                        }
                    }
                }
            }
            best = min(best, t)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }

    /// GB/s of `threads` threads each reading its share of a 1 GiB Float buffer (best of three).
    static func readRate(threads: Int) -> Double {
        let count = 1 << 28
        let buffer = [Float](repeating: 1, count: count)
        var best = Double.infinity
        buffer.withUnsafeBufferPointer { p in
            nonisolated(unsafe) let base = p.baseAddress!
            let share = count / threads
            for _ in 0..<3 {
                let t = ContinuousClock.seconds {
                    BLASEnvironment.withThreads(1) {
                        DispatchQueue.concurrentPerform(iterations: threads) { k in
                            let x = base + k * share
                            _ = Float.dot(share, x, 1, x, 1)
                        }
                    }
                }
                best = min(best, t)
            }
        }
        return Double(count * MemoryLayout<Float>.size) / best / 1e9
    }

    /// Seconds at best for `flops` floating-point operations in `precision` and `bytes` read
    /// from memory.
    public func seconds(flops: Double, bytes: Double, float32: Bool) -> Double {
        max(flops / ((float32 ? sgemmGFLOPS : dgemmGFLOPS) * 1e9), bytes / (readGBps * 1e9))
    }
}
