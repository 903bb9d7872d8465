import ArgumentParser
import Foundation
import Minima

// The run flags every command shares, each declared once with one meaning. A command takes the
// groups whose flags it honours (a flag it would ignore is not offered at all).

/// `--seed`.
struct SeedOption: ParsableArguments {
    @Option(help: "Seed of every random choice the command makes (the data unless --data-seed, initial weights, batch order, weight draws, Lanczos start vectors).")
    var seed: UInt64 = 0
}

/// `--threads`: the cores a command uses; more than 4 workers per core is refused.
struct ThreadsOption: ParsableArguments {
    @Option(help: "Cores to use: workers that split the work, or BLAS threads (default: every core of this machine; at most 4 per core).")
    var threads: Int?

    static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
    /// The most threads a command starts: 4 per core (more only adds switching and memory).
    static var maximum: Int { 4 * cores }

    /// The thread count to use.
    var count: Int { threads ?? ThreadsOption.cores }

    func validate() throws {
        guard let threads else { return }
        guard threads > 0 else { throw MinimaError.invalidOption(flag: "--threads", message: "must be positive, got \(threads)") }
        guard threads <= ThreadsOption.maximum else {
            throw MinimaError.invalidOption(flag: "--threads", message: "\(threads) is more than 4 per core of this machine's \(ThreadsOption.cores) (at most \(ThreadsOption.maximum))")
        }
    }
}

/// `--quiet`.
struct QuietOption: ParsableArguments {
    @Flag(help: "No progress lines on stderr.")
    var quiet: Bool = false
}

/// `--json`.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print the result as JSON on stdout instead of text.")
    var json: Bool = false
}

/// `--out`: the command's result as JSON in a file, written atomically; the path is checked
/// before any work (`OutputPath.checkFile`). `minima train` writes its run record there
/// (default runs/train-<time>.json).
struct OutOption: ParsableArguments {
    @Option(help: ArgumentHelp("Write the result as JSON to FILE (atomically; a path that cannot be written is refused before any work).", valueName: "FILE.json"))
    var out: String?

    func validate() throws {
        if let out { try OutputPath.checkFile(out, flag: "--out") }
    }
}

/// `--memory-limit`: the bytes one allocation may take, instead of physical memory.
struct MemoryOption: ParsableArguments {
    @Option(help: ArgumentHelp("Largest allocation allowed, in bytes or with a K, M, G or T suffix (powers of 1024); default: physical memory. Sizes that need more are refused before any work starts.", valueName: "BYTES"))
    var memoryLimit: String?

    /// The limit in bytes, or nil for physical memory.
    func bytes() throws -> Int? {
        guard let text = memoryLimit else { return nil }
        let units: [Character: Int] = ["K": 10, "M": 20, "G": 30, "T": 40]
        var digits = Substring(text.uppercased())
        if digits.hasSuffix("IB") { digits = digits.dropLast(2) } else if digits.hasSuffix("B") { digits = digits.dropLast() }
        var shift = 0
        if let last = digits.last, let s = units[last] { shift = s; digits = digits.dropLast() }
        guard let value = Double(digits), value.isFinite, value > 0, value * pow(2, Double(shift)) < 0x1p63 else {
            throw MinimaError.invalidOption(flag: "--memory-limit", message: "expected a positive size such as 8G, 512M or 1000000, got '\(text)'")
        }
        return Int(value * pow(2, Double(shift)))
    }

    /// Sets the process's memory budget. Option groups are validated in the order they are
    /// declared, so commands declare this group first: the size checks of the groups after it
    /// use the limit.
    func validate() throws {
        MemoryBudget.limit = try bytes()
    }
}

/// Output paths, checked before any work: a file path must not end in `/`, name a folder, lie
/// under a file, or lie where nothing can be created (a read-only file system, a missing
/// permission); a folder path must not name a file. Nothing is created by the check.
enum OutputPath {
    /// Checks a file the command will write (atomically, at the end).
    static func checkFile(_ path: String, flag: String) throws {
        guard !path.isEmpty else { throw MinimaError.invalidOption(flag: flag, message: "the path is empty") }
        if path.hasSuffix("/") {
            throw MinimaError.invalidOption(flag: flag, message: "\(path) ends in '/', which names a folder; give a file path such as \(path)result.json")
        }
        if FileManager.default.isDirectory(path) {
            throw MinimaError.invalidOption(flag: flag, message: "\(path) is a folder; give a file path such as \(path)/result.json")
        }
        try checkCreatable(parent(of: path), for: path, flag: flag)
    }

    /// Checks a folder the command will fill.
    static func checkFolder(_ path: String, flag: String) throws {
        guard !path.isEmpty else { throw MinimaError.invalidOption(flag: flag, message: "the path is empty") }
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        if FileManager.default.fileExists(atPath: trimmed) && !FileManager.default.isDirectory(trimmed) {
            throw MinimaError.invalidOption(flag: flag, message: "\(trimmed) is a file, not a folder")
        }
        try checkCreatable(parent(of: trimmed), for: path, flag: flag)
    }

    /// Checks a weights folder the command will write: as `checkFolder`, and it must not hold
    /// other files (the weights replace their folder as a whole); a path ending in
    /// `.safetensors` is one file, checked as `checkFile`.
    static func checkWeightsFolder(_ path: String, flag: String) throws {
        if WeightFiles.isSafeTensors(path) { return try checkFile(path, flag: flag) }
        try checkFolder(path, flag: flag)
        do {
            try WeightFiles.checkDestination(path)
        } catch let error as MinimaError {
            throw MinimaError.invalidOption(flag: flag, message: error.description)
        }
    }

    /// The folder that holds `path`: "." for a bare name, "/" at the root. (Foundation's
    /// `deletingLastPathComponent` traps on some relative paths.)
    static func parent(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }

    /// The nearest existing folder above `path` must be a folder in which a file can be created
    /// (probed with a file created and removed at once, so a read-only file system is caught
    /// even for root).
    private static func checkCreatable(_ parent: String, for path: String, flag: String) throws {
        var folder = parent
        while !FileManager.default.fileExists(atPath: folder) { folder = self.parent(of: folder) }
        guard FileManager.default.isDirectory(folder) else {
            throw MinimaError.invalidOption(flag: flag, message: "cannot write \(path): \(folder) is a file, not a folder")
        }
        let probe = folder + "/.minima-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(probe, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw MinimaError.invalidOption(flag: flag, message: "cannot write \(path): cannot create files in \(folder) (\(reason))")
        }
        close(fd)
        unlink(probe)
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
