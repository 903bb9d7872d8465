import Foundation
import Linalg
import MinimaCore
import MinimaData
import MinimaModel
import MinimaTraining
import MinimaLandscape

/// The JSON record of one training run (`minima train --out RUN.json`).
public struct RunRecord: Codable, Sendable {
    public var config: RunConfiguration
    public var environment: RunEnvironment
    public var curve: [CurvePoint]
    public var final: FinalState
    /// The landscape certificate of the final weights (`minima train --certify`), if asked for.
    public var certificate: Certificate? = nil
    /// `WeightFiles.checksum` of the weights saved to `config.saveWeights` (nil: none saved).
    public var weightsChecksum: String? = nil
    /// Samples N of the training data (nil in records written before it was kept).
    public var samples: Int? = nil
    /// The final weights re-evaluated in Float64 on the data prepared again in Float64, when
    /// the run asked for it (Table 1 rows do).
    public var recheck: PrecisionRecheck? = nil

    /// Pretty JSON; non-finite numbers (a diverged run) are written as the strings
    /// "nan", "inf" and "-inf" (`RecordJSON`).
    public func jsonData() throws -> Data { try RecordJSON.encode(self) }

    /// Writes the record atomically.
    public func write(to path: String) throws { try RecordJSON.write(self, to: path) }

    /// Reads a record written by `write(to:)`.
    public static func read(_ path: String) throws -> RunRecord {
        try RecordJSON.read(path, what: "a Minima run record")
    }
}
