import Testing
import Minima
@testable import MinimaTraining

@Suite("Optimizers and schedules")
struct OptimizerTests {
    /// Two Adam steps on θ = [1, −2] with gradients g1 = [0.5, −1], g2 = [0.1, 0.2], lr 0.1.
    /// By hand (PyTorch's formula): step 1: m = 0.1·g1, v = 0.001·g1², m̂ = g1, √v̂ = |g1|,
    /// so θ −= 0.1·g1/(|g1| + 1e-8) → [0.9, −1.9] (to 1e-8 relative).
    /// Step 2: m = 0.9·m + 0.1·g2, v = 0.999·v + 0.001·g2²;
    ///   coordinate 0: m = 0.045 + 0.01 = 0.055, v = 0.999·0.00025 + 0.001·0.01 = 0.00025975,
    ///   step = 0.1/(1 − 0.81) · 0.055 / (√0.00025975/√(1 − 0.998001) + 1e-8)
    @Test func adamMatchesHandComputedSteps() {
        let opt = Optimizer<Double>(kind: .adam, parameterCount: 2)
        var theta: [Double] = [1, -2]
        let g1: [Double] = [0.5, -1], g2: [Double] = [0.1, 0.2]
        theta.withUnsafeMutableBufferPointer { p in opt.step(p.baseAddress!, g1, count: 2, lr: 0.1) }
        #expect(abs(theta[0] - (1 - 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-15)
        #expect(abs(theta[1] - (-2 + 0.1 * 1 / (1 + 1e-8))) < 1e-15)
        let afterFirst = theta
        theta.withUnsafeMutableBufferPointer { p in opt.step(p.baseAddress!, g2, count: 2, lr: 0.1) }
        let m0 = 0.055, v0 = 0.999 * 0.00025 + 0.001 * 0.01
        let step0 = 0.1 / (1 - 0.81) * m0 / (v0.squareRoot() / (1 - 0.998001).squareRoot() + 1e-8)
        let m1 = 0.9 * -0.1 + 0.1 * 0.2, v1 = 0.999 * 0.001 + 0.001 * 0.04
        let step1 = 0.1 / (1 - 0.81) * m1 / (v1.squareRoot() / (1 - 0.998001).squareRoot() + 1e-8)
        #expect(abs(theta[0] - (afterFirst[0] - step0)) < 1e-14)
        #expect(abs(theta[1] - (afterFirst[1] - step1)) < 1e-14)
        #expect(abs(step0 - 0.1 * 0.055 / 0.19 / (0.00025975.squareRoot() / 0.001999.squareRoot())) < 1e-6)
    }

    @Test func sgdMomentumFollowsPyTorch() {
        let opt = Optimizer<Double>(kind: .sgd, parameterCount: 1, momentum: 0.9)
        var theta: [Double] = [0]
        for g in [1.0, 1.0, -2.0] {
            theta.withUnsafeMutableBufferPointer { p in opt.step(p.baseAddress!, [g], count: 1, lr: 0.5) }
        }
        // buffers: 1, 1.9, −0.29; θ = −0.5 − 0.95 + 0.145
        #expect(abs(theta[0] - (-1.305)) < 1e-15)
    }

    @Test func schedulesDecayGeometricallyAfterTheirEpoch() {
        let s = LearningRateSchedule.geometric(after: 200, factor: 0.95)
        #expect(s.rate(base: 5e-4, epoch: 200) == 5e-4)
        #expect(abs(s.rate(base: 5e-4, epoch: 202) - 5e-4 * 0.9025) < 1e-18)
        let tail = LearningRateSchedule.exponentialTail(epochs: 2000, last: 1000, factor: 0.99)
        #expect(tail == .geometric(after: 1000, factor: 0.99))
        #expect(LearningRateSchedule.constant.rate(base: 0.1, epoch: 10_000) == 0.1)
    }

    @Test func logEpochsAreLogSpacedAndIncludeTheEnds() {
        let e = TrainingConfiguration.logEpochs(upTo: 1000, perDecade: 10)
        #expect(e.contains(0) && e.contains(1) && e.contains(10) && e.contains(100) && e.contains(1000))
        #expect(e.contains(13) && e.contains(16) && !e.contains(11))
        #expect(e.count == 29)  // 0 and 28 distinct rounded powers 10^(k/10) up to 1000
    }
}
