import Foundation
import Minima

/// Prints training progress on stderr: epoch, MSE, MCE, learning rate, elapsed time and ETA.
struct ProgressPrinter: Sendable {
    let quiet: Bool

    var report: @Sendable (TrainingProgress) -> Void {
        let quiet = self.quiet
        return { p in
            guard !quiet else { return }
            let mce = p.mce.isNaN ? "    -   " : String(format: "%7.3f%%", 100 * p.mce)
            let eta = p.epoch >= p.epochs ? "done" : "eta " + ProgressPrinter.duration(p.eta)
            let head = String(format: "epoch %6d/%d  mse %.4e  mce ", p.epoch, p.epochs, p.mse)
            let line = head + mce + String(format: "  lr %.3e  ", p.lr) + ProgressPrinter.duration(p.seconds) + "  " + eta + "\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        if s < 60 { return String(format: "%.1fs", s) }
        if s < 3600 { return String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60) }
        return String(format: "%dh%02dm", Int(s) / 3600, (Int(s) % 3600) / 60)
    }
}
