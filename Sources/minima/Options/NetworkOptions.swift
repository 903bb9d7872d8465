import ArgumentParser
import Minima

/// The flags that describe the network; shared by every command that builds one.
struct NetworkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Hidden widths: one layer (e.g. 40, the default) or two (e.g. 20,20).", valueName: "widths"))
    var hidden: String?

    @Option(help: "Leaky-ReLU slope ρ for negative inputs (0 = ReLU, the default).")
    var slope: Double?

    @Flag(help: "Give every layer a bias (off by default, as in the paper's theory).")
    var bias: Bool = false

    /// The network flags given on the command line, by name.
    var given: [String] { [(hidden != nil, "--hidden"), (slope != nil, "--slope"), (bias, "--bias")].filter(\.0).map(\.1) }

    var slopeValue: Double { slope ?? 0 }

    /// The widths, parsed; a malformed list names the flag.
    func widths() throws -> [Int] {
        let text = hidden ?? "40"
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let widths = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, widths.allSatisfy({ $0 != nil }) else {
            throw MinimaError.invalidOption(flag: "--hidden", message: "expected one or two comma-separated positive integers (e.g. 40 or 20,20), got '\(text)'")
        }
        return widths.map { $0! }
    }

    func shape(d0: Int) throws -> NetworkShape {
        let s = NetworkShape(d0: d0, hidden: try widths(), slope: slopeValue, bias: bias)
        try s.validate()
        return s
    }

    /// Checks the widths and the slope (sizes that need d0 are checked once it is known).
    func validate() throws {
        _ = try shape(d0: 1)
    }
}
