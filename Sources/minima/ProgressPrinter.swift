import Foundation
import Minima

/// Prints the progress of every long command on stderr, one line per event, about once a
/// second and when the work is done; nothing with --quiet. A line names the step and the count,
/// the layer's measures, the elapsed time and the time left, e.g.
/// `epoch  120/1000  mse 1.2345e-01  mce  12.500%  lr 1.000e-02  3.2s  eta 23.5s` (training),
/// `[figure1] run 3/10  0 failed  12.0s  eta 28.1s | N=… : MCE …` (sweeps), `draw  640/2000  …`
/// (volumes), `point 1200/1681  …` (slices), `iteration  300/5000  ‖r‖/‖b‖ …` (LSQR).
final class ProgressPrinter: @unchecked Sendable {
    /// Shortest wall time between two lines (a little under the layers' one second, so that
    /// a layer reporting once a second is not skipped for a clock's jitter).
    static let interval = 0.95

    let label: String?
    let quiet: Bool
    private let lock = NSLock()
    private var last = Date()

    init(_ label: String? = nil, quiet: Bool) {
        self.label = label
        self.quiet = quiet
    }

    /// The callback to hand to the library.
    var report: ProgressHandler { { [self] event in self.print(event) } }

    func print(_ event: ProgressEvent) {
        guard !quiet else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard event.isFinished || now.timeIntervalSince(last) >= ProgressPrinter.interval else { return }
        last = now
        FileHandle.standardError.write(Data((ProgressPrinter.line(event, label: label) + "\n").utf8))
    }

    /// The line for `event`.
    static func line(_ e: ProgressEvent, label: String?) -> String {
        let done = String(e.done), total = String(e.total)
        var parts = ["\(e.step.rawValue) " + String(repeating: " ", count: max(0, total.count - done.count)) + done + "/" + total]
        parts += e.measures.map(text)
        parts.append(duration(e.elapsed))
        if e.isFinished { parts.append("done") } else if let eta = e.eta { parts.append("eta " + duration(eta)) }
        return (label.map { "[\($0)] " } ?? "") + parts.joined(separator: "  ") + (e.note.map { " | " + $0 } ?? "")
    }

    static func text(_ m: ProgressEvent.Measure) -> String {
        switch m {
        case let .mse(v): String(format: "mse %.4e", v)
        case let .mce(v): v.isNaN ? "mce     -   " : String(format: "mce %7.3f%%", 100 * v)
        case let .learningRate(v): String(format: "lr %.3e", v)
        case let .failures(k): "\(k) failed"
        case let .relativeResidual(v): String(format: "‖r‖/‖b‖ %.4e", v)
        case let .normalResidual(v): String(format: "‖Mᵀr‖/(‖M‖‖r‖) %.3e", v)
        }
    }

    /// `12.3s`, `4m05s`, `2h07m`; `?` when unknown.
    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        if s < 60 { return String(format: "%.1fs", s) }
        if s < 3600 { return String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60) }
        return String(format: "%dh%02dm", Int(s) / 3600, (Int(s) % 3600) / 60)
    }
}
