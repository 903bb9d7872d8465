import ArgumentParser
import Foundation
import Kernels
import Minima

/// `minima`: the command-line tool. Each subcommand is a type in its own file; the flags they
/// share come from the option groups in `Options/`.
@main
struct MinimaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minima",
        abstract: "The loss landscape of shallow piecewise-linear networks (Soudry & Hoffer 2017).",
        discussion: """
            Trains one- and two-hidden-layer leaky-ReLU networks on the MSE loss and records what \
            they reach. Errors in flags or input files print one line and exit with code 2.
            """,
        version: MinimaVersion.string,
        subcommands: [Train.self, Certify.self, DataCommand.self, Sweep.self, Report.self, Reproduce.self,
                      Volume.self, Bounds.self, Construct.self, Slice.self, Bench.self],
        defaultSubcommand: nil
    )

    /// Parses and runs a subcommand. Help and version exit 0; every error prints one line on
    /// stderr and exits with code 2 (a usage error names the command's --help on that line).
    static func main() {
        FieldFlags.install()
        do {
            _ = try KernelPath.requested()
            var command = try parseAsRoot()
            try command.run()
        } catch let error as KernelPathError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            Foundation.exit(2)
        } catch let error as MinimaError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            Foundation.exit(2)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit { exit(withError: error) }
            if error is ExitCode { exit(withError: error) }
            // Errors thrown by validate() come wrapped; they print like those of run(). A usage
            // error keeps its first line and points to the command's help, on that one line.
            let lines = fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: true)
            var message = lines.first.map(String.init) ?? "error"
            if message.hasPrefix("Error: ") { message = "error: " + message.dropFirst(7) }
            if let value = negativeValue(after: message) {
                message += " (\(value.text) reads as a flag: write \(value.flag)=\(value.text))"
            }
            if let see = lines.first(where: { $0.contains("See '") }), let help = see.split(separator: "'").dropFirst().first {
                message += (message.hasSuffix(".") || message.hasSuffix("?") ? "" : ".") + " See '\(help)'."
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(2)
        }
    }

    /// For "Missing value for '--lr <lr>'" when the command line has `--lr -1`: the flag and the
    /// negative number that the parser took for a flag.
    static func negativeValue(after message: String) -> (flag: String, text: String)? {
        guard let range = message.range(of: "Missing value for '") else { return nil }
        let flag = String(message[range.upperBound...].prefix { $0 != " " && $0 != "'" })
        let arguments = CommandLine.arguments
        guard let i = arguments.firstIndex(of: flag), i + 1 < arguments.count else { return nil }
        let next = arguments[i + 1]
        guard next.count > 1, next.hasPrefix("-"), Double(next) != nil || next.dropFirst().first?.isNumber == true else { return nil }
        return (flag, next)
    }
}
