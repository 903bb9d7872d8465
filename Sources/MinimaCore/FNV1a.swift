/// FNV-1a, 64 bit: a fast, stable, non-cryptographic hash (run keys, checksums of files and
/// data). `hex` gives it as 16 hex digits.
public struct FNV1a: Sendable {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    public private(set) var value: UInt64

    /// Starts from the offset basis, or from `value` (a basis already mixed with sizes).
    public init(value: UInt64 = FNV1a.offsetBasis) { self.value = value }

    /// Mixes in each byte.
    public mutating func combine<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes { value = (value ^ UInt64(byte)) &* FNV1a.prime }
    }

    /// Mixes in the raw bytes 8 at a time (little-endian words), then the rest one by one.
    public mutating func combineWords(_ raw: UnsafeRawBufferPointer) {
        let words = raw.count / 8
        for i in 0..<words { value = (value ^ raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) &* FNV1a.prime }
        for i in (8 * words)..<raw.count { value = (value ^ UInt64(raw[i])) &* FNV1a.prime }
    }

    /// The hash as 16 hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
