import Foundation
import Linalg
import Minima

/// A fresh temporary folder for one test, removed by `cleanup()`.
struct TemporaryFolder {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "minima-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    /// Writes `bytes` to `name` (creating subfolders) and returns the file's path.
    func write(_ bytes: [UInt8], _ name: String) -> String {
        let file = path + "/" + name
        try! FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        return file
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// The result of running the `minima` executable.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the `minima` executable built beside the test bundle.
func runMinima(_ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil) throws -> CommandResult {
    let process = minimaProcess(arguments, in: directory)
    if let environment { process.environment = environment }
    return try run(process)
}

/// Runs `process` to its end, collecting its output.
func run(_ process: Process) throws -> CommandResult {
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// Starts the `minima` executable (output discarded) and returns at once.
func startMinima(_ arguments: [String], in directory: String? = nil) throws -> Process {
    let process = minimaProcess(arguments, in: directory)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

/// A process that would run the `minima` executable built beside the test bundle.
func minimaProcess(_ arguments: [String], in directory: String?) -> Process {
    let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var folder = testBinary.deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("minima").path) && folder.path != "/" {
        folder = folder.deletingLastPathComponent()
    }
    let process = Process()
    process.executableURL = folder.appendingPathComponent("minima")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    return process
}

/// The progress events a computation sent, in order (thread-safe).
final class ProgressCount: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [ProgressEvent] = []
    func add(_ e: ProgressEvent) { lock.lock(); list.append(e); lock.unlock() }
    var events: [ProgressEvent] { lock.lock(); defer { lock.unlock() }; return list }
}
