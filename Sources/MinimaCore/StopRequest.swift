#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation

/// A request to stop long work at the next safe point (after the current batch), set by a
/// signal or by a test; long-running loops poll `isRequested`.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var signalNumber: Int32? = nil
    private var sources: [DispatchSourceSignal] = []

    public init() {}

    /// True once `request` was called or a watched signal arrived.
    public var isRequested: Bool { lock.withLock { signalNumber != nil } }
    /// The signal that asked to stop (0 when `request()` did).
    public var signal: Int32? { lock.withLock { signalNumber } }

    public func request(signal: Int32 = 0) {
        lock.withLock { if signalNumber == nil { signalNumber = signal } }
    }

    /// The exit code of a command that stopped on request after saving its checkpoints
    /// (EX_TEMPFAIL: run the same command again to continue).
    public static let exitCode: Int32 = 75

    /// Watches SIGTERM, SIGINT and SIGUSR1: the first one requests a stop; a second SIGINT or
    /// SIGTERM ends the process at once (exit code 128 + signal), for a user who will not wait.
    public static func watchingSignals(_ signals: [Int32] = [SIGTERM, SIGINT, SIGUSR1]) -> StopRequest {
        let stop = StopRequest()
        for s in signals {
            Glibc.signal(s, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler { [weak stop] in
                guard let stop else { return }
                if stop.isRequested, s != SIGUSR1 {
                    FileHandle.standardError.write(Data("second signal \(s): stopping without saving\n".utf8))
                    _exit(128 + s)
                }
                stop.request(signal: s)
                FileHandle.standardError.write(Data("signal \(s): finishing the current batch, saving a checkpoint, then stopping\n".utf8))
            }
            source.resume()
            stop.sources.append(source)
        }
        return stop
    }
}
