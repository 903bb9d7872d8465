import Linalg
import MinimaCore

extension FeatureTransform {
    /// Rows per Float32 block of shifted levels `v = m − 128 ∈ [−128, 127]`: every entry of a
    /// block's `VᵀV`, and every partial sum on the way to it, is an integer of magnitude at most
    /// 1024·128² = 2²⁴, so `ssyrk` forms it exactly, in whatever order it adds.
    package static let exactPixelBlockRows = 1024

    /// The means μ and covariance `C = (X − 1μᵀ)ᵀ(X − 1μᵀ)/N` of 8-bit pixel data `X = M/q`
    /// (`grid`), from exact integer sums: the shifted levels `V = M − 128` of each block of 1024
    /// rows go through a Float32 `ssyrk` (exact, above) and are added into Float64 sums
    /// `S = VᵀV` and `s = Vᵀ1` (exact: integers below 2⁵³); then `C = (N·S − s·sᵀ)/(N²q²)` with
    /// an exact Int64 numerator and `μ = (s + 128·N)/(N·q)`, each rounded once. The rows are split
    /// between `RowWorkers`, each with its own sums. nil when some value of X is not on the
    /// grid or N > 2²⁴ (where N·S could overflow Int64).
    package static func pixelMoments<Scalar: LinalgScalar>(_ x: Matrix<Scalar>, grid: PixelGrid<Scalar>,
                                                         workers: Int? = nil) -> (mean: [Double], covariance: Matrix<Double>)? {
        let d = x.columns, rows = x.rows
        guard rows > 0, d > 0, rows <= 1 << 24 else { return nil }
        let block = exactPixelBlockRows
        let count = RowWorkers.count(rows: rows, requested: workers)
        let parts = (0..<count).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: d * d + d) }
        defer { for p in parts { p.deallocate() } }
        for p in parts { p.initialize(repeating: 0, count: d * d + d) }
        var onGrid = [Bool](repeating: true, count: count)
        x.elements.withUnsafeBufferPointer { px in
            onGrid.withUnsafeMutableBufferPointer { ok in
                nonisolated(unsafe) let xs = px.baseAddress!, ps = parts, flags = ok.baseAddress!
                RowWorkers.run(rows: rows, workers: count) { k, range in
                    let levels = UnsafeMutablePointer<Float>.allocate(capacity: Swift.min(block, range.count) * d)
                    // Only the upper triangle is written; the lower one stays 0.
                    let product = UnsafeMutablePointer<Float>.allocate(capacity: d * d)
                    defer { levels.deallocate(); product.deallocate() }
                    product.initialize(repeating: 0, count: d * d)
                    let sums = ps[k], sumVector = ps[k] + d * d
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let n = Swift.min(block, range.upperBound - start)
                        for i in 0..<n {
                            let row = xs + (start + i) * d, v = levels + i * d
                            for j in 0..<d {
                                guard let m = grid.level(row[j]) else { flags[k] = false; return }
                                v[j] = Float(m - 128)
                                sumVector[j] += Double(m - 128)
                            }
                        }
                        Float.syrk(.transposed, d, n, 1, levels, d, 0, product, d)
                        for i in 0..<d {
                            let s = sums + i * d, p = product + i * d
                            for j in i..<d { s[j] += Double(p[j]) }
                        }
                        start += n
                    }
                }
            }
        }
        guard onGrid.allSatisfy({ $0 }) else { return nil }
        for p in parts.dropFirst() { for i in 0..<(d * d + d) { parts[0][i] += p[i] } }
        let total = parts[0], s = parts[0] + d * d
        let n = Int64(rows), scale = Double(rows) * Double(rows) * grid.divisor * grid.divisor
        var c = Matrix<Double>(rows: d, columns: d)
        c.elements.withUnsafeMutableBufferPointer { pc in
            for i in 0..<d {
                for j in i..<d {
                    let numerator = n * Int64(total[i * d + j]) - Int64(s[i]) * Int64(s[j])
                    pc[i * d + j] = Double(numerator) / scale
                    pc[j * d + i] = pc[i * d + j]
                }
            }
        }
        let mean = (0..<d).map { Double(Int64(s[$0]) + 128 * n) / (Double(rows) * grid.divisor) }
        return (mean, c)
    }
}
