import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaLandscape

/// The JSON record of `minima volume`: the command, the environment, and the exact and/or
/// Monte Carlo volumes.
public struct VolumeRecord: Codable, Sendable {
    public var command: String
    public var blasCoreName: String = BLASEnvironment.coreName
    public var minimaVersion: String = MinimaVersion.string
    /// Exact volumes (d0 = 2), averaged over the data sets.
    public var exact: AngularVolume?
    public var monteCarlo: MonteCarloVolume.DataAverage?

    public init(command: String) { self.command = command }

    /// Writes the record atomically.
    public func write(to path: String) throws { try RecordJSON.write(self, to: path) }
}

extension AngularVolume {
    /// Every weight multiplied by `factor` (to average exact volumes over data sets).
    public static func scaled(_ v: AngularVolume, by factor: Double) -> AngularVolume {
        var s = v
        s.total *= factor; s.global *= factor; s.suboptimal *= factor; s.none *= factor
        s.undecided *= factor; s.rankDeficient *= factor
        s.lossAbove = s.lossAbove.map { $0 * factor }
        return s
    }
}
