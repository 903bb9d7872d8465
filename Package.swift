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
        .target(name: "Linalg", dependencies: ["CLinearAlgebra"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "KernelsGeneric", swiftSettings: baselineFlags),
        .target(name: "KernelsAVX2", swiftSettings: avx2Flags),
        .target(name: "KernelsAVX512", swiftSettings: avx512Flags),
        .target(name: "Kernels", dependencies: ["KernelsGeneric", "KernelsAVX2", "KernelsAVX512"], swiftSettings: baselineFlags),
        .target(name: "Minima", dependencies: ["Linalg", "Kernels", "CZlib", "CPNG", "CTurboJPEG", "CGLPK"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .executableTarget(
            name: "minima",
            dependencies: ["Minima", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "LinalgTests", dependencies: ["Linalg"]),
        .testTarget(name: "MinimaTests", dependencies: ["Minima", "Kernels", "KernelsGeneric"]),
    ]
)
