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

    /// Runs `body` with OpenBLAS set to `n` threads (`openblas_set_num_threads`, at least 1)
    /// and sets the count back to what it was before, however `body` ends. The one place the
    /// count is set: parallel workers run their share inside `withThreads(1)`.
    public static func withThreads<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        try scoped(n, get: { threads }, set: { openblas_set_num_threads(Int32($0)) }, body)
    }

    /// `withThreads` on any setting read by `get` and written by `set`.
    static func scoped<R>(_ n: Int, get: () -> Int, set: (Int) -> Void, _ body: () throws -> R) rethrows -> R {
        let before = get()
        set(max(1, n))
        defer { set(before) }
        return try body()
    }
}
