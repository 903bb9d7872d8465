// swift-tools-version: 6.0
import PackageDescription

/// Minima's own kernels are compiled three times from the same sources (KernelsGeneric holds
/// them; KernelsAVX2 and KernelsAVX512 link to them) and `Kernels` picks one at run time from
/// what the CPU reports: AVX-512 (x86-64-v4; Swift's `-target-cpu` takes no x86-64-v4, and
/// skylake-avx512 is the CPU with exactly that set), AVX2 + FMA (haswell: x86-64-v3), and the
/// baseline. `-Ounchecked` there: bounds and overflow checks in the tiled loops cost measurably.
#if arch(x86_64)
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"], .when(configuration: .release)),
                                 .unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .debug))]
let avx512Flags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "skylake-avx512"], .when(configuration: .release)),
                                   .unsafeFlags(["-target-cpu", "skylake-avx512"], .when(configuration: .debug))]
#else
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
let avx512Flags = avx2Flags
#endif
let baselineFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

/// The library's layers were one module; cross-module optimisation lets the compiler specialise
/// the generic numerics (`Network<Float>`, `Trainer<Double>`, …) across the layers as it did
/// inside one module (without it, training runs ~50× slower through unspecialised generics).
/// The layers keep Swift's bounds and overflow checks in release builds (no -Ounchecked): they
/// parse files and flags and orchestrate work, where a check that traps beats reading or writing
/// out of bounds; measured, the checks cost nothing visible (training and parsing within noise).
let libraryFlags: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "Minima",
    products: [
        .library(name: "Minima", targets: ["Minima"]),
        .executable(name: "minima", targets: ["minima"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLinearAlgebra",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CGLPK", providers: [.apt(["libglpk-dev"])]),
        // Linalg and the layers keep Swift's checks in release builds (libraryFlags); only the
        // kernels' inner loops are built with -Ounchecked (the three builds and their picker).
        .target(name: "Linalg", dependencies: ["CLinearAlgebra"]),
        .target(name: "KernelsGeneric", swiftSettings: baselineFlags),
        .target(name: "KernelsAVX2", swiftSettings: avx2Flags),
        .target(name: "KernelsAVX512", swiftSettings: avx512Flags),
        .target(name: "Kernels", dependencies: ["KernelsGeneric", "KernelsAVX2", "KernelsAVX512"], swiftSettings: baselineFlags),
        // The library, one target per layer, lowest first; each imports only those below it
        // (docs/architecture.md draws the picture).
        .target(name: "MinimaCore", dependencies: ["Linalg"], swiftSettings: libraryFlags),
        .target(name: "MinimaData", dependencies: ["MinimaCore", "Linalg", "Kernels", "CZlib", "CPNG", "CTurboJPEG"],
                swiftSettings: libraryFlags),
        .target(name: "MinimaModel", dependencies: ["MinimaData", "Linalg", "Kernels"], swiftSettings: libraryFlags),
        .target(name: "MinimaTraining", dependencies: ["MinimaModel", "Kernels"], swiftSettings: libraryFlags),
        .target(name: "MinimaLandscape", dependencies: ["MinimaTraining", "Kernels"], swiftSettings: libraryFlags),
        .target(name: "MinimaRuns", dependencies: ["MinimaLandscape", "Kernels"], swiftSettings: libraryFlags),
        .target(name: "MinimaVolume", dependencies: ["MinimaLandscape", "CGLPK"], swiftSettings: libraryFlags),
        .target(name: "MinimaExperiments", dependencies: ["MinimaRuns", "MinimaVolume"], swiftSettings: libraryFlags),
        .target(name: "MinimaReport", dependencies: ["MinimaExperiments"], swiftSettings: libraryFlags),
        .target(name: "MinimaBenchmark", dependencies: ["MinimaLandscape", "Kernels"], swiftSettings: libraryFlags),
        // The umbrella: `import Minima` brings every layer.
        .target(name: "Minima", dependencies: ["MinimaReport", "MinimaBenchmark"], swiftSettings: libraryFlags),
        .executableTarget(
            name: "minima",
            dependencies: ["Minima", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "LinalgTests", dependencies: ["Linalg"]),
        .testTarget(name: "MinimaTests", dependencies: ["Minima", "Kernels", "KernelsGeneric"]),
    ]
)
