// swift-tools-version: 6.0
import PackageDescription

/// The fused small-network kernel is compiled for AVX2 + FMA on x86-64 (Haswell, 2013, and
/// later); Minima checks the CPU at run time and falls back to BLAS without them.
#if arch(x86_64)
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"], .when(configuration: .release))]
#else
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
#endif

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
        // Release builds keep Swift's checks (bounds, overflow) in every target that parses
        // input or orchestrates work: a malformed file or an impossible size then stops with a
        // trap instead of reading or writing out of bounds. Only the fused kernel's inner loops
        // are built with -Ounchecked (kernelFlags above).
        .target(name: "Linalg", dependencies: ["CLinearAlgebra"]),
        .target(name: "Kernels", swiftSettings: kernelFlags),
        .target(name: "Minima", dependencies: ["Linalg", "Kernels", "CZlib", "CPNG", "CTurboJPEG", "CGLPK"]),
        .executableTarget(
            name: "minima",
            dependencies: ["Minima", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "LinalgTests", dependencies: ["Linalg"]),
        .testTarget(name: "MinimaTests", dependencies: ["Minima"]),
    ]
)
