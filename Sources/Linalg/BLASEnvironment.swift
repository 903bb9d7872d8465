import CLinearAlgebra

/// The OpenBLAS library in use: its kernel and thread count, recorded in every result.
public enum BLASEnvironment {
    /// `openblas_get_corename()`: the CPU kernel OpenBLAS selected (e.g. "Haswell", "Zen").
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// Threads OpenBLAS uses for one call (`openblas_get_num_threads`).
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Sets OpenBLAS's thread count (`openblas_set_num_threads`). Parallel workers set 1.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
}
