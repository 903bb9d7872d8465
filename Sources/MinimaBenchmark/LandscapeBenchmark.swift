import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape

/// The inputs of `minima bench landscape`: X (Gaussian or from a file), a random W of d1 units,
/// the pattern and its Khatri-Rao design in Float64, random ±1 labels, and a helper that times
/// `numpy.linalg.matrix_rank` on the same explicit matrix.
public struct LandscapeBenchmark {
    public let design: KhatriRao<Double>
    public let labels: [Double]
    public let blasCore: String
    public let blasThreads: Int
    public var n: Int { design.n }
    public var d0: Int { design.d0 }

    /// The setup on OpenBLAS's thread count as it is (the caller sets it for the timings).
    public init(n: Int, d0: Int, d1: Int, slope: Double, inputs: String?, seed: UInt64) throws {
        blasCore = BLASEnvironment.coreName
        blasThreads = BLASEnvironment.threads
        let x: Matrix<Double>
        if let path = inputs {
            x = try Npy.readMatrix(path, what: "X (N×d0)")
        } else {
            x = SyntheticData.gaussian(n: n, d0: d0, seed: seed).x
        }
        var rng = SeededGenerator(seed: seed, stream: .landscapeBenchmark)
        let w = Matrix<Double>(rows: d1, columns: x.columns, elements: rng.normals(d1 * x.columns))
        let pattern = ActivationPattern(inputs: x, weights: w, slope: slope)
        design = KhatriRao(slopes: pattern.slopes, inputs: x)
        labels = (0..<x.rows).map { _ in rng.next() & 1 == 1 ? 1 : -1 }
    }

    /// Writes the explicit `(A∘X)ᵀ` to a temporary `.npy`, runs `numpy.linalg.matrix_rank` on it
    /// in `python3` (timing only that call) and returns numpy's rank and seconds.
    public func numpyMatrixRank() throws -> (rank: Int, seconds: Double) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minima-bench-\(getpid())")
        let path = folder.appendingPathComponent("AX.npy").path
        defer { try? FileManager.default.removeItem(at: folder) }
        let k = design.explicitTransposed()
        try Npy.write(k.elements, shape: [k.rows, k.columns], to: path)
        let script = """
            import time, numpy as np
            m = np.load('\(path)')
            np.linalg.matrix_rank(m[:50, :50])  # warm-up: thread pool start
            t = time.perf_counter(); r = np.linalg.matrix_rank(m); t = time.perf_counter() - t
            blas = np.__config__.CONFIG.get('Build Dependencies', {}).get('blas', {})
            print(int(r), t, np.__version__, blas.get('name', '?'), blas.get('version', '?'))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            throw MinimaError.invalidValue(field: .numpy, message: "cannot start python3 (\(error.localizedDescription))")
        }
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let parts = out.split(separator: " ")
        guard process.terminationStatus == 0, parts.count >= 2, let r = Int(parts[0]), let t = Double(parts[1]) else {
            throw MinimaError.invalidValue(field: .numpy, message: "python3 with numpy failed (output: \(out.prefix(200)))")
        }
        if parts.count >= 5 { print("numpy \(parts[2]) with \(parts[3]) \(parts[4].trimmingCharacters(in: .whitespacesAndNewlines))") }
        return (r, t)
    }
}
