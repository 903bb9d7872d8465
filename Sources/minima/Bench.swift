import ArgumentParser

/// `minima bench`: the benchmarks, one subcommand per area. They are not tests: each prints
/// Minima's figure next to a peer's measured in the same run, with the BLAS kernel and threads.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: Minima next to its peers (PyTorch, numpy), measured in one run.",
        subcommands: [BenchTrain.self, BenchLandscape.self, BenchCheckpoint.self],
        defaultSubcommand: BenchTrain.self)
}
