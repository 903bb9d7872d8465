import Foundation

/// Which build of Minima's own kernels runs: one per instruction set (each compiled separately,
/// `KernelsAVX512`, `KernelsAVX2`, `KernelsGeneric`), or none (`blas`: every product goes
/// through BLAS). Chosen once per process from what the CPU reports; the environment variable
/// `MINIMA_KERNEL=avx512|avx2|generic|blas` forces one (a path the CPU cannot run is refused).
public enum KernelPath: String, CaseIterable, Sendable, Codable {
    /// AVX-512 F, CD, BW, DQ and VL (x86-64-v4), 512-bit vectors.
    case avx512
    /// AVX2 and FMA (x86-64-v3), 256-bit vectors.
    case avx2
    /// The baseline instruction set (SSE2 on x86-64), 128-bit vectors.
    case generic
    /// No fused kernels: BLAS only.
    case blas

    /// The CPU's feature flags (x86-64 Linux: the `flags` line of /proc/cpuinfo; empty elsewhere).
    static let cpuFlags: Set<String> = {
        #if arch(x86_64) && os(Linux)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: " ").map(String.init))
        #else
        return []
        #endif
    }()

    /// Whether this CPU runs the path.
    public var isSupported: Bool {
        switch self {
        case .blas, .generic: return true
        case .avx2:
            #if arch(x86_64)
            return ["avx2", "fma", "bmi2"].allSatisfy(KernelPath.cpuFlags.contains)
            #else
            return false
            #endif
        case .avx512:
            return KernelPath.avx2.isSupported
                && ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(KernelPath.cpuFlags.contains)
        }
    }

    /// The fastest path this CPU runs.
    public static var best: KernelPath { [.avx512, .avx2].first(where: \.isSupported) ?? .generic }

    /// Every path this CPU runs, fastest first (`blas` last).
    public static var supported: [KernelPath] { allCases.filter(\.isSupported) }

    /// The path of this process: `MINIMA_KERNEL` when set to a path this CPU runs, else `best`.
    /// `minima bench --kernels` sets it between cases (nothing else runs then); nothing else
    /// writes it.
    nonisolated(unsafe) public static var selected: KernelPath = (try? requested()) ?? nil ?? best

    /// The path `MINIMA_KERNEL` asks for (nil when unset or empty); throws a one-line reason when
    /// it names no path or one this CPU cannot run (the command line refuses to start then).
    public static func requested(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KernelPath? {
        guard let value = environment["MINIMA_KERNEL"], !value.isEmpty else { return nil }
        guard let path = KernelPath(rawValue: value.lowercased()) else {
            throw KernelPathError(message: "MINIMA_KERNEL=\(value) is not one of avx512, avx2, generic, blas")
        }
        guard path.isSupported else {
            throw KernelPathError(message: "MINIMA_KERNEL=\(value): this CPU does not run it (it runs \(supported.map(\.rawValue).joined(separator: ", ")))")
        }
        return path
    }

    /// The instruction-set path for work that has no BLAS alternative (data generation):
    /// `selected`, or `best` when that is `blas`.
    public static var vectorPath: KernelPath { selected == .blas ? best : selected }
}

/// Why `MINIMA_KERNEL` was refused.
public struct KernelPathError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
