import ArgumentParser
import Minima

/// The flags that describe the network; shared by every command that builds one.
struct NetworkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Hidden widths: one layer (e.g. 40) or two (e.g. 20,20).", valueName: "widths"))
    var hidden: String = "40"

    @Option(help: "Leaky-ReLU slope ρ for negative inputs (0 = ReLU).")
    var slope: Double = 0

    @Flag(help: "Give every layer a bias (off by default, as in the paper's theory).")
    var bias: Bool = false

    /// The widths, parsed; a malformed list names the flag.
    func widths() throws -> [Int] {
        let parts = hidden.split(separator: ",", omittingEmptySubsequences: false)
        let widths = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, widths.allSatisfy({ $0 != nil }) else {
            throw MinimaError.invalidOption(flag: "--hidden", message: "expected one or two comma-separated positive integers (e.g. 40 or 20,20), got '\(hidden)'")
        }
        return widths.map { $0! }
    }

    func shape(d0: Int) throws -> NetworkShape {
        let s = NetworkShape(d0: d0, hidden: try widths(), slope: slope, bias: bias)
        try s.validate()
        return s
    }
}
