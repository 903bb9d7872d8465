import Foundation
import Kernels
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape

/// The training benchmarks (a CIFAR-shaped epoch and a Figure-1-sized GD run), each measured for Minima and, when a peer is
/// given, for PyTorch in the same run.
public enum TrainingBenchmark {
    /// One benchmark's outcome.
    public struct Result: Codable, Sendable {
        public var name: String
        public var description: String
        /// Median seconds per epoch for Minima.
        public var minimaSeconds: Double
        /// Median seconds per epoch for PyTorch, when measured.
        public var peerSeconds: Double?
        public var threads: Int
        /// The kernel path Minima ran (`KernelPath.selected`).
        public var kernelPath: String = KernelPath.selected.rawValue
        /// The case's floor on this machine (`MachineFloor.seconds`), when measured.
        public var floorSeconds: Double? = nil
        /// PyTorch time over Minima time: how many times faster Minima is.
        public var speedup: Double? { peerSeconds.map { $0 / minimaSeconds } }
        /// Minima's time over the floor (1 = at the floor).
        public var overFloor: Double? { floorSeconds.map { minimaSeconds / $0 } }
    }

    /// Floating-point operations of one epoch of a one-hidden-layer network: the forward
    /// product and the weight gradient, `2·2·N·d0·d1`.
    static func epochFLOPs(n: Int, d0: Int, hidden: Int) -> Double { 4 * Double(n) * Double(d0) * Double(hidden) }

    /// Bytes of X read from memory per epoch: X once, when it is larger than the last-level
    /// cache could hold (32 MiB taken as the bound); nothing for data that stays in cache.
    static func epochBytes(n: Int, d0: Int, scalar: Int) -> Double {
        let bytes = Double(n * d0 * scalar)
        return bytes > 32 * 1_048_576 ? bytes : 0
    }

    /// (a) A CIFAR-shaped epoch: N = 50,000, d0 = 3072, d1 = 16, Adam 5e-4, batch 512, Float32.
    public static func cifarEpoch(epochs: Int, threads: Int, peer: PyTorchPeer?, floor: MachineFloor? = nil,
                                  path: KernelPath = .selected) throws -> Result {
        try measure(name: "cifar-epoch", description: "N=50000 d0=3072 d1=16 Adam batch 512 float32",
                    n: 50_000, d0: 3072, hidden: 16, optimizer: .adam, lr: 5e-4, batch: 512,
                    epochs: epochs, precision: Float.self, threads: threads, peer: peer, floor: floor, path: path)
    }

    /// (c) An MNIST-shaped epoch: N = 70,000, d0 = 784, d1 = 89, Adam 5e-4, batch 512, Float32.
    public static func mnistEpoch(epochs: Int, threads: Int, peer: PyTorchPeer?, floor: MachineFloor? = nil,
                                  path: KernelPath = .selected) throws -> Result {
        try measure(name: "mnist-epoch", description: "N=70000 d0=784 d1=89 Adam batch 512 float32",
                    n: 70_000, d0: 784, hidden: 89, optimizer: .adam, lr: 5e-4, batch: 512,
                    epochs: epochs, precision: Float.self, threads: threads, peer: peer, floor: floor, path: path)
    }

    /// (b) A Figure-1-sized run: N = 400, d0 = 20, d1 = 40, full-batch GD, Float64.
    public static func smallGD(epochs: Int, threads: Int, peer: PyTorchPeer?, floor: MachineFloor? = nil,
                                  path: KernelPath = .selected) throws -> Result {
        try measure(name: "figure1-gd", description: "N=400 d0=20 d1=40 full-batch GD float64",
                    n: 400, d0: 20, hidden: 40, optimizer: .gd, lr: 0.05, batch: 0,
                    epochs: epochs, precision: Double.self, threads: threads, peer: peer, floor: floor, path: path)
    }

    /// A sweep's outcome as a case: its wall time, and a floor counting each run's epochs at the
    /// dgemm rate (per epoch `2·N·Σ d_{l−1}d_l` for the forward pass, as much for the weight
    /// gradients and, below the top layer, as much again for the deltas); no peer.
    public static func sweep(name: String, description: String, seconds: Double,
                             runs: [(widths: [Int], n: Int, epochs: Int)], threads: Int,
                             floor: MachineFloor?, path: KernelPath) -> Result {
        var flops = 0.0
        for run in runs {
            let w = run.widths
            var perEpoch = 0.0
            for l in 1..<w.count { perEpoch += 2 * Double(run.n) * Double(w[l - 1] * w[l]) * (l == 1 ? 2 : 3) }
            flops += perEpoch * Double(run.epochs)
        }
        return Result(name: name, description: description, minimaSeconds: seconds, peerSeconds: nil, threads: threads,
                      kernelPath: path.rawValue, floorSeconds: floor.map { flops / ($0.dgemmGFLOPS * 1e9) })
    }

    package static func measure<Scalar: LinalgScalar>(name: String, description: String, n: Int, d0: Int, hidden: Int,
                                              optimizer: OptimizerKind, lr: Double, batch: Int, epochs: Int,
                                              precision: Scalar.Type, threads: Int, peer: PyTorchPeer?,
                                              floor: MachineFloor?, path: KernelPath) throws -> Result {
        let data: Dataset<Scalar> = SyntheticData.gaussian(n: n, d0: d0, seed: 1)
        var net = Network<Scalar>.random(shape: NetworkShape(d0: d0, hidden: [hidden]), seed: 1)
        var config = TrainingConfiguration()
        config.optimizer = optimizer
        config.learningRate = lr
        config.batchSize = batch
        config.epochs = epochs
        config.logPointsPerDecade = 1
        let saved = KernelPath.selected
        KernelPath.selected = path
        defer { KernelPath.selected = saved }
        let (_, final) = BLASEnvironment.withThreads(threads) { Trainer<Scalar>(config, threads: threads).train(&net, on: data) }
        var peerSeconds: Double? = nil
        if let peer {
            let out = try peer.run(["--n", "\(n)", "--d0", "\(d0)", "--hidden", "\(hidden)",
                                    "--optimizer", optimizer.rawValue, "--lr", "\(lr)", "--batch", "\(batch)",
                                    "--epochs", "\(epochs)", "--threads", "\(threads)",
                                    "--dtype", Scalar.self == Float.self ? "float32" : "float64"])
            peerSeconds = out["median_epoch_s"] as? Double
        }
        let floorSeconds = floor.map {
            $0.seconds(flops: epochFLOPs(n: n, d0: d0, hidden: hidden),
                       bytes: epochBytes(n: n, d0: d0, scalar: MemoryLayout<Scalar>.size), float32: Scalar.self == Float.self)
        }
        return Result(name: name, description: description, minimaSeconds: final.medianEpochSeconds,
                      peerSeconds: peerSeconds, threads: threads, kernelPath: path.rawValue, floorSeconds: floorSeconds)
    }

    /// The agreement of `steps` full-batch GD steps from the same initial weights with the
    /// PyTorch peer in Float64: |MSE difference| and |margin difference| after the steps.
    public struct StepAgreement: Codable, Sendable {
        public var steps: Int
        public var minimaMSE: Double
        public var peerMSE: Double
        public var minimaMargin: Double
        public var peerMargin: Double
        public var mseDifference: Double { abs(minimaMSE - peerMSE) }
        public var marginDifference: Double { abs(minimaMargin - peerMargin) }
    }

    /// Writes X, y to `folder` and W, z to `folder/weights`, takes `steps` GD steps in Minima (weights read back from
    /// the files, as `--init-weights` does) and in the peer (`--init-w/--init-z`), and compares.
    public static func stepAgreement(peer: PyTorchPeer, folder: String, steps: Int = 1) throws -> StepAgreement {
        let shape = NetworkShape(d0: 20, hidden: [40])
        let data: Dataset<Double> = SyntheticData.gaussian(n: 400, d0: 20, seed: 7)
        try data.save(toFolder: folder)
        // The weights in a folder of their own (a weights folder holds only weight files).
        let weights = folder + "/weights"
        try WeightFiles.save(Network<Double>.random(shape: shape, seed: 7), to: weights)
        var net: Network<Double> = try WeightFiles.load(shape, from: weights)
        let loaded = try Dataset<Double>.load(x: folder + "/X.npy", y: folder + "/y.npy")
        var config = TrainingConfiguration()
        config.learningRate = 0.05
        config.epochs = steps
        _ = Trainer<Double>(config).train(&net, on: loaded)
        let out = try peer.run(["--x", folder + "/X.npy", "--y", folder + "/y.npy", "--hidden", "40",
                                "--init-w", weights + "/W1.npy", "--init-z", weights + "/z.npy",
                                "--optimizer", "gd", "--lr", "0.05", "--epochs", "\(steps)", "--dtype", "float64"])
        return StepAgreement(steps: steps, minimaMSE: net.metrics(loaded).mse, peerMSE: out["final_mse"] as? Double ?? .nan,
                             minimaMargin: net.preactivationStatistics(loaded).minAbs,
                             peerMargin: out["min_abs_preactivation"] as? Double ?? .nan)
    }
}
