import Foundation
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape

/// The PyTorch reference implementation (`torch_reference.py`), run as a separate process so
/// that Minima's figures can be printed next to PyTorch's measured in the same run.
public struct PyTorchPeer: Sendable {
    /// Path of `torch_reference.py`.
    public var script: String
    /// Python interpreter with torch and numpy installed.
    public var python: String

    public init(script: String, python: String) {
        self.script = script
        self.python = python
    }

    /// Runs the peer with `arguments` and returns the JSON object it prints last.
    public func run(_ arguments: [String]) throws -> [String: Any] {
        guard FileManager.default.fileExists(atPath: script) else {
            throw MinimaError.invalidValue(field: .peer, message: "\(script) does not exist")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw MinimaError.invalidValue(field: .python, message: "cannot start \(python) (\(error.localizedDescription))")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
              let line = text.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            let reason = String(decoding: errors, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "no output"
            throw MinimaError.invalidValue(field: .peer, message: "the PyTorch peer failed (exit \(process.terminationStatus)): \(reason)")
        }
        return object
    }
}
