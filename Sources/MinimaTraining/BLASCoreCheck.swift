import Kernels
import Linalg

/// Whether OpenBLAS runs kernels older than the CPU. OpenBLAS picks its kernels from the CPU
/// model it knows; on a CPU newer than the library (OpenBLAS 0.3.21 on a Sapphire Rapids, say)
/// it may fall back to SSE3 kernels (`Prescott`) and its GEMMs then run at a fraction of the
/// machine's speed. Minima leaves `OPENBLAS_CORETYPE` alone and says so in the run record and
/// in `minima bench`.
public enum BLASCoreCheck {
    /// OpenBLAS cores without AVX2.
    static let preAVX2Cores: Set<String> = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Sandybridge",
                                            "Katmai", "Coppermine", "Northwood", "Banias", "Opteron", "Opteron_SSE3",
                                            "Barcelona", "Bobcat", "Bulldozer", "Piledriver", "Nano"]
    /// OpenBLAS cores with AVX-512 kernels.
    static let avx512Cores: Set<String> = ["SkylakeX", "Cooperlake", "SapphireRapids"]

    /// A one-line warning, or nil when the core fits the CPU.
    public static var note: String? { note(core: BLASEnvironment.coreName, best: KernelPath.best) }

    static func note(core: String, best: KernelPath) -> String? {
        switch best {
        case .avx512 where !avx512Cores.contains(core):
            let older = preAVX2Cores.contains(core) ? "without AVX2" : "without AVX-512"
            return "OpenBLAS runs its \(core) kernels (\(older)) on a CPU with AVX-512; OPENBLAS_CORETYPE=SkylakeX would select faster ones"
        case .avx2 where preAVX2Cores.contains(core):
            return "OpenBLAS runs its \(core) kernels (without AVX2) on a CPU with AVX2; OPENBLAS_CORETYPE=Haswell would select faster ones"
        default:
            return nil
        }
    }
}
