import Foundation
import Kernels
@testable import KernelsGeneric
import Testing

/// The counter-based normal generator: the same numbers for every thread count, start offset
/// and instruction-set path, a correct Box–Muller transform, and the moments of N(0, 1).
@Suite("Gaussian stream")
struct GaussianStreamTests {
    let stream = GaussianStream(seed: 3, stream: 1)

    @Test func sameNumbersForEveryThreadCountAndPath() {
        let count = 3 * 65_536 + 37
        let one: [Double] = stream.normals(count, threads: 1)
        #expect(stream.normals(count, threads: 2) == one)
        #expect(stream.normals(count, threads: 3) == one)
        for path in KernelPath.supported {
            #expect(stream.normals(count, threads: 2, path: path) == one, "path \(path)")
            let floats: [Float] = stream.normals(count, threads: 2, path: path)
            #expect(floats == one.map { Float($0) }, "Float on \(path)")
        }
    }

    @Test func anyBlockEqualsTheSameSliceOfTheWholeSequence() {
        let whole: [Double] = stream.normals(200, threads: 1)
        for (start, count) in [(0, 1), (3, 10), (5, 16), (16, 16), (17, 40), (31, 2), (150, 50), (7, 0)] {
            for path in KernelPath.supported {
                var part = [Double](repeating: .nan, count: count)
                part.withUnsafeMutableBufferPointer { stream.fill($0.baseAddress!, from: start, count: count, path: path) }
                #expect(part == Array(whole[start..<(start + count)]), "start \(start), count \(count), \(path)")
            }
        }
    }

    @Test func polynomialTransformMatchesTheLibraryFunctions() {
        // The log and sine/cosine polynomials against Foundation's, to 1e-14 (a few ulps at
        // these magnitudes: |ln u| ≤ 37, |cos|, |sin| ≤ 1).
        var g = SeededGeneratorLike(state: 5)
        for _ in 0..<10_000 {
            let u = max(Double(g.next() >> 11) * 0x1p-53, 0x1p-53)
            #expect(abs(GaussianBlock.log(u) - Foundation.log(u)) <= 1e-14 * max(1, abs(Foundation.log(u))))
            let (c, s) = GaussianBlock.cosSin(u)
            #expect(abs(c - cos(2 * Double.pi * u)) <= 1e-14 && abs(s - sin(2 * Double.pi * u)) <= 1e-14, "u = \(u)")
        }
    }

    @Test func momentsAreThoseOfAStandardNormal() {
        let n = 1 << 20
        let x: [Double] = stream.normals(n, threads: 2)
        var m1 = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0, below = 0
        for v in x { m1 += v; m2 += v * v; m3 += v * v * v; m4 += v * v * v * v; if v < 1 { below += 1 } }
        let N = Double(n)
        // Five standard errors: mean 1/√N, variance √(2/N), third moment √(15/N), fourth √(96/N),
        // P(z < 1) = 0.841345 with √(p(1−p)/N).
        #expect(abs(m1 / N) < 5 / N.squareRoot())
        #expect(abs(m2 / N - 1) < 5 * (2 / N).squareRoot())
        #expect(abs(m3 / N) < 5 * (15 / N).squareRoot())
        #expect(abs(m4 / N - 3) < 5 * (96 / N).squareRoot())
        #expect(abs(Double(below) / N - 0.841_344_746) < 5 * (0.841 * 0.159 / N).squareRoot())
        // Different streams and seeds differ.
        let other: [Double] = GaussianStream(seed: 3, stream: 2).normals(16)
        let seed4: [Double] = GaussianStream(seed: 4, stream: 1).normals(16)
        #expect(other != Array(x[0..<16]) && seed4 != Array(x[0..<16]))
    }
}

/// SplitMix64, for test inputs only.
struct SeededGeneratorLike {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
