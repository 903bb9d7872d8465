/// A dense matrix stored row-major and contiguously: element (i, j) is `elements[i·columns + j]`.
///
/// The same layout as a C-order numpy array, so `.npy` files map onto it without reordering.
public struct Matrix<Scalar: LinalgScalar>: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public var elements: [Scalar]

    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix sizes must be non-negative")
        self.rows = rows
        self.columns = columns
        self.elements = [Scalar](repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, elements: [Scalar]) {
        precondition(elements.count == rows * columns,
                     "a \(rows)×\(columns) matrix needs \(rows * columns) elements, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from nested rows, for tests and small examples.
    public init(_ nestedRows: [[Scalar]]) {
        let columns = nestedRows.first?.count ?? 0
        precondition(nestedRows.allSatisfy { $0.count == columns }, "rows differ in length")
        self.init(rows: nestedRows.count, columns: columns, elements: nestedRows.flatMap { $0 })
    }


    @inline(__always)
    public subscript(row: Int, column: Int) -> Scalar {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// Row `i` as an array (a copy).
    public func row(_ i: Int) -> [Scalar] { Array(elements[(i * columns)..<((i + 1) * columns)]) }

    /// Column `j` as an array (a copy).
    public func column(_ j: Int) -> [Scalar] { (0..<rows).map { self[$0, j] } }

    /// The transpose, materialised.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        elements.withUnsafeBufferPointer { src in
            t.elements.withUnsafeMutableBufferPointer { dst in
                for i in 0..<rows {
                    for j in 0..<columns { dst[j * rows + i] = src[i * columns + j] }
                }
            }
        }
        return t
    }

    /// The rows with the given indices, in that order (a gather).
    public func selectingRows<S: Sequence>(_ indices: S) -> Matrix where S.Element == Int {
        let list = Array(indices)
        var out = Matrix(rows: list.count, columns: columns)
        elements.withUnsafeBufferPointer { src in
            out.elements.withUnsafeMutableBufferPointer { dst in
                for (k, i) in list.enumerated() {
                    precondition(i >= 0 && i < rows, "row index \(i) out of range 0..<\(rows)")
                    (dst.baseAddress! + k * columns).update(from: src.baseAddress! + i * columns, count: columns)
                }
            }
        }
        return out
    }

    /// The same numbers in another precision.
    public func converted<Other: LinalgScalar>(to: Other.Type = Other.self) -> Matrix<Other> {
        Matrix<Other>(rows: rows, columns: columns, elements: convertedElements(elements))
    }

    /// Frobenius norm `‖M‖_F` (`?nrm2` over the elements).
    public var frobeniusNorm: Scalar {
        elements.withUnsafeBufferPointer { Scalar.nrm2($0.count, $0.baseAddress!, 1) }
    }
}

/// Copies `count` values from `source` into `destination` as another scalar type (rounded to
/// nearest when narrowing), through concrete Float ↔ Double loops.
public func convertValues<Scalar: LinalgScalar, Other: LinalgScalar>(_ source: UnsafePointer<Scalar>, to destination: UnsafeMutablePointer<Other>, count: Int) {
    if Scalar.self == Other.self {
        UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * MemoryLayout<Scalar>.stride)
    } else if Scalar.self == Float.self && Other.self == Double.self {
        let s = UnsafeRawPointer(source).assumingMemoryBound(to: Float.self)
        let t = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: Double.self)
        for i in 0..<count { t[i] = Double(s[i]) }
    } else if Scalar.self == Double.self && Other.self == Float.self {
        let s = UnsafeRawPointer(source).assumingMemoryBound(to: Double.self)
        let t = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: Float.self)
        for i in 0..<count { t[i] = Float(s[i]) }
    } else {
        for i in 0..<count { destination[i] = Other(source[i]) }
    }
}

/// `values` as another scalar type. Float ↔ Double go through concrete loops: the generic
/// `Other(value)` is not specialised across modules and costs ~100 ns an element (a second for
/// a 3072×3072 matrix).
public func convertedElements<Scalar: LinalgScalar, Other: LinalgScalar>(_ values: [Scalar], to: Other.Type = Other.self) -> [Other] {
    if Scalar.self == Other.self { return unsafeBitCast(values, to: [Other].self) }
    if Scalar.self == Float.self && Other.self == Double.self {
        return unsafeBitCast(unsafeBitCast(values, to: [Float].self).map { Double($0) }, to: [Other].self)
    }
    if Scalar.self == Double.self && Other.self == Float.self {
        return unsafeBitCast(unsafeBitCast(values, to: [Double].self).map { Float($0) }, to: [Other].self)
    }
    return values.map { Other($0) }
}
