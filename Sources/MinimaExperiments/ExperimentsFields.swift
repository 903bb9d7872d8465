import MinimaCore

/// The inputs of this layer that errors name (see `InputField`).
extension InputField {
    /// This runner's shard i/n.
    public static let shard = InputField("sweep.shard")
    /// Runs trained at once.
    public static let workers = InputField("sweep.workers")
    /// Shards a sweep is split into.
    public static let shards = InputField("sweep.shards")
    /// Tasks of the Slurm array.
    public static let slurmTasks = InputField("slurm.tasks")
    /// Array tasks running at once.
    public static let slurmParallel = InputField("slurm.parallel")
    /// CPUs per Slurm task.
    public static let slurmCPUs = InputField("slurm.cpusPerTask")
    /// Slurm time limit.
    public static let slurmTime = InputField("slurm.time")
    /// Slurm partition.
    public static let slurmPartition = InputField("slurm.partition")
    /// Slurm memory per task.
    public static let slurmMemory = InputField("slurm.memory")
    /// Extra sbatch options.
    public static let slurmExtraLines = InputField("slurm.extraLines")
    /// The sweep spec file.
    public static let specPath = InputField("slurm.specPath")
    /// The results folder.
    public static let resultsPath = InputField("slurm.results")
    /// The minima executable.
    public static let executable = InputField("slurm.executable")
    /// The MNIST folder of Table 1.
    public static let table1MNIST = InputField("table1.mnist")
    /// The CIFAR-10 folder of Table 1.
    public static let table1CIFAR = InputField("table1.cifar10")
    /// The ImageNet 64×64 folder of Table 1.
    public static let table1Images = InputField("table1.imagenet")
}
