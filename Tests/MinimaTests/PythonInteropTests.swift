import Foundation
import Testing
@testable import MinimaCore

/// Whether `python3` with numpy can be run (the end-to-end test needs it; CI installs
/// python3-numpy).
let numpyAvailable: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import numpy"]
    return (try? run(p))?.status == 0
}()

/// Weights written the way a PyTorch user saves them and data saved with numpy, certified by
/// `minima certify` and checked against numpy's own computation of the same quantities.
@Suite struct PythonInteropTests {
    /// Writes, with numpy only (safetensors by hand: an 8-byte length, a JSON header, the bytes):
    /// - `global`: d0 = 10 ≥ N = 8, two units active on every sample with z = (1, −1) and
    ///   w1 − w2 = v, Xv = y: a global minimum (MSE 0, rank(A∘X) = N), F64, no biases;
    /// - `deficient`: N = 24, d0 = 3, eight units with hidden biases (PyTorch's default) and
    ///   an output layer without bias, F32; units 4–7 are units 0–3 times 2, so they share
    ///   patterns and rank(A∘X̃) ≤ 4·(d0 + 1) + 1 = 17 < N: a random point, not at its DLM;
    /// - `deep`: two hidden layers (0.*, 2.*, 4.weight, 4.bias) on the same data.
    /// Data: `global.npz` with `np.savez` (stored), `deficient.npz` with `np.savez_compressed`.
    /// Prints numpy's MSE, MCE, rank(A∘X) (`matrix_rank`) and the region's least-squares MSE.
    static let script = #"""
import json, struct, sys
import numpy as np

def save_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, a in tensors:
        data = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": {"float32": "F32", "float64": "F64"}[a.dtype.name],
                        "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

rho = 0.1
act = lambda u: np.where(u > 0, u, rho * u)
slope = lambda u: np.where(u > 0, 1.0, rho)
rng = np.random.default_rng(2017)
out = {}

# global: all units active, f = (w1 - w2)·x = v·x = y exactly.
N, d0 = 8, 10
X = rng.standard_normal((N, d0))
y = np.where(rng.standard_normal(N) > 0, 1.0, -1.0)
v = np.linalg.lstsq(X, y, rcond=None)[0]
c = np.linalg.lstsq(X, np.ones(N), rcond=None)[0]
W = np.stack([v + 3 * c, 3 * c])
z = np.array([[1.0, -1.0]])
np.savez("global.npz", X=X, y=y)
save_safetensors("global.safetensors", [("0.weight", W), ("2.weight", z)])
H = X @ W.T
f = act(H) @ z[0]
M = np.concatenate([slope(H)[:, [i]] * X for i in range(2)], axis=1)
out["global"] = {"mse": float(np.mean((y - f) ** 2)), "rank": int(np.linalg.matrix_rank(M)), "minPre": float(np.abs(H).min())}

# deficient: F32 weights, hidden biases, no output bias; duplicated units.
N, d0 = 24, 3
X = rng.standard_normal((N, d0))
y = np.where(rng.standard_normal(N) > 0, 1.0, -1.0)
W4, b4 = rng.standard_normal((4, d0)), rng.standard_normal(4)
W = np.concatenate([W4, 2 * W4]).astype(np.float32)
b = np.concatenate([b4, 2 * b4]).astype(np.float32)
z = rng.standard_normal((1, 8)).astype(np.float32)
np.savez_compressed("deficient.npz", X=X, y=y)
save_safetensors("deficient.safetensors", [("0.weight", W), ("0.bias", b), ("2.weight", z)])
Wd, bd, zd = W.astype(np.float64), b.astype(np.float64), z.astype(np.float64)[0]
H = X @ Wd.T + bd
f = act(H) @ zd
Xt = np.concatenate([X, np.ones((N, 1))], axis=1)
M = np.concatenate([slope(H)[:, [i]] * Xt for i in range(8)] + [np.ones((N, 1))], axis=1)
fit = M @ np.linalg.lstsq(M, y, rcond=None)[0]
out["deficient"] = {"mse": float(np.mean((y - f) ** 2)), "mce": float(np.mean(np.sign(f) != y)),
                    "rank": int(np.linalg.matrix_rank(M)), "mseRegion": float(np.mean((y - fit) ** 2))}

# deep: Linear(3, 5), LeakyReLU, Linear(5, 4), LeakyReLU, Linear(4, 1) with its bias.
W1, b1 = rng.standard_normal((5, 3)), rng.standard_normal(5)
W2, b2 = rng.standard_normal((4, 5)) / 2, rng.standard_normal(4)
z, bz = rng.standard_normal((1, 4)), np.array([0.25])
save_safetensors("deep.safetensors", [("0.weight", W1), ("0.bias", b1), ("2.weight", W2), ("2.bias", b2), ("4.weight", z), ("4.bias", bz)])
f = act(act(X @ W1.T + b1) @ W2.T + b2) @ z[0] + bz[0]
out["deep"] = {"mse": float(np.mean((y - f) ** 2))}
json.dump(out, sys.stdout)
"""#

    /// Runs `python3 script` in `folder` and returns its standard output.
    static func python(_ script: String, in folder: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        p.currentDirectoryURL = URL(fileURLWithPath: folder)
        let r = try run(p)
        guard r.status == 0 else { throw MinimaError.numerical("python3 failed: " + r.stderr) }
        return r.stdout
    }

    /// `minima certify --json` on a weights file and an .npz, as a JSON object.
    static func certify(_ weights: String, _ data: String, in folder: String) throws -> [String: Any] {
        let r = try runMinima(["certify", "--weights", weights, "--x", data, "--slope", "0.1", "--json"], in: folder)
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with numpy (apt-get install python3-numpy)"))
    func pytorchStyleWeightsAreCertifiedAsNumpyComputes() throws {
        let dir = TemporaryFolder(); defer { dir.cleanup() }
        let expected = try JSONSerialization.jsonObject(with: Data(PythonInteropTests.python(PythonInteropTests.script, in: dir.path).utf8)) as! [String: [String: Double]]
        func relative(_ a: Any?, _ b: Double?) -> Double {
            guard let a = a as? Double, let b else { return .infinity }
            return abs(a - b) / max(abs(b), 1e-300)
        }

        // The global minimum: verdict global, rank N, and MSE at rounding level in both.
        let g = try PythonInteropTests.certify("global.safetensors", "global.npz", in: dir.path)
        #expect(g["verdict"] as? String == "global", "\(g["reason"] ?? "")")
        #expect(g["rank"] as? Int == Int(expected["global"]!["rank"]!) && g["rank"] as? Int == 8)
        #expect((g["mseNetwork"] as? Double ?? 1) < 1e-25 && expected["global"]!["mse"]! < 1e-25)
        // The smallest |w·x| (about 2, from the construction) agrees to rounding.
        #expect(relative(g["minAbsPreactivation"], expected["global"]!["minPre"]) < 1e-12)

        // The random point: MSE and MCE as numpy computes them (the same float64 arithmetic up to
        // summation order: 1e-12), rank(A∘X̃) as matrix_rank finds (at most 17 < N), and the region's best
        // MSE_A as numpy's lstsq (a least-squares solve of a rank-deficient 24×33 matrix: 1e-8).
        let d = try PythonInteropTests.certify("deficient.safetensors", "deficient.npz", in: dir.path)
        let e = expected["deficient"]!
        #expect(d["verdict"] as? String == "not-converged", "\(d["reason"] ?? "")")
        #expect(d["bias"] as? Bool == true && d["hidden"] as? [Int] == [8] && d["n"] as? Int == 24)
        #expect(relative(d["mseNetwork"], e["mse"]) < 1e-12, "\(d["mseNetwork"] ?? "") vs \(e["mse"]!)")
        #expect(d["mceNetwork"] as? Double == e["mce"])
        #expect(d["rank"] as? Int == Int(e["rank"]!) && e["rank"]! <= 17)
        #expect(relative(d["mseRegion"], e["mseRegion"]) < 1e-8, "\(d["mseRegion"] ?? "") vs \(e["mseRegion"]!)")
        #expect(e["mseRegion"]! > 0.05)

        // Two hidden layers with an output bias: pattern statistics only, MSE as numpy's.
        let deep = try PythonInteropTests.certify("deep.safetensors", "deficient.npz", in: dir.path)
        #expect(deep["verdict"] as? String == "uncertified")
        #expect(deep["hidden"] as? [Int] == [5, 4])
        #expect(relative(deep["mseNetwork"], expected["deep"]!["mse"]) < 1e-12)
    }
}
