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
    /// stderr and exits with code 2 (a usage error also shows the usage line).
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
            // Errors thrown by validate() come wrapped; they print like those of run().
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message = "error: " + message.dropFirst(7) }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
