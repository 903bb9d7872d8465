// swift-tools-version: 6.0
import PackageDescription

/// The fused small-network kernel is compiled for AVX2 + FMA on x86-64 (Haswell, 2013, and
/// later); Minima checks the CPU at run time and falls back to BLAS without them.
#if arch(x86_64)
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"], .when(configuration: .release))]
#else
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
#endif

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
        // fused kernels' inner loops are built with -Ounchecked (kernelFlags).
        .target(name: "Linalg", dependencies: ["CLinearAlgebra"]),
        .target(name: "Kernels", swiftSettings: kernelFlags),
        // The library, one target per layer, lowest first; each imports only those below it
        // (docs/architecture.md draws the picture).
        .target(name: "MinimaCore", dependencies: ["Linalg"], swiftSettings: libraryFlags),
        .target(name: "MinimaData", dependencies: ["MinimaCore", "Linalg", "CZlib", "CPNG", "CTurboJPEG"],
                swiftSettings: libraryFlags),
        .target(name: "MinimaModel", dependencies: ["MinimaData", "Linalg", "Kernels"], swiftSettings: libraryFlags),
        .target(name: "MinimaTraining", dependencies: ["MinimaModel"], swiftSettings: libraryFlags),
        .target(name: "MinimaLandscape", dependencies: ["MinimaTraining", "Kernels"], swiftSettings: libraryFlags),
        .target(name: "MinimaRuns", dependencies: ["MinimaLandscape"], swiftSettings: libraryFlags),
        .target(name: "MinimaVolume", dependencies: ["MinimaLandscape", "CGLPK"], swiftSettings: libraryFlags),
        .target(name: "MinimaExperiments", dependencies: ["MinimaRuns", "MinimaVolume"], swiftSettings: libraryFlags),
        .target(name: "MinimaReport", dependencies: ["MinimaExperiments"], swiftSettings: libraryFlags),
        .target(name: "MinimaBenchmark", dependencies: ["MinimaLandscape"], swiftSettings: libraryFlags),
        // The umbrella: `import Minima` brings every layer.
        .target(name: "Minima", dependencies: ["MinimaReport", "MinimaBenchmark"], swiftSettings: libraryFlags),
        .executableTarget(
            name: "minima",
            dependencies: ["Minima", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "LinalgTests", dependencies: ["Linalg"]),
        .testTarget(name: "MinimaTests", dependencies: ["Minima"]),
    ]
)
