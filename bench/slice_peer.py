"""Brute-force PyTorch peer of `minima slice` on a plane (not a test; see bench/slice.sh).

  make OUT --n N --d0 D0 --d1 D1 [--seed S] [--weights DIR]
      Gaussian inputs X (N x d0, float64) and random +-1 labels y in OUT, the centre network
      theta in OUT/theta (W1.npy d1 x d0, z.npy d1; random N(0, 1/fan_in) unless --weights
      gives trained ones), and two filter-normalised Gaussian directions as networks
      OUT/A = theta + D1 and OUT/B = theta + D2 (each row of D's W part scaled to the norm of
      W's row, D's z part to the norm of z), so `minima slice --direction to:A,to:B` slices
      along the very same directions.
  grid OUT --points K --range a:b [--threads T]
      Evaluates every point of the K x K grid the way a brute-force tool does: for each
      (alpha, beta) set W = W0 + alpha*DW1 + beta*DW2 (z likewise) and run a full forward pass
      on X (float64). Writes OUT/peer.csv (alpha, beta, mse, mce, changed) and prints the time.
  compare OUT MINIMA_SLICE_CSV
      Largest relative MSE difference, and MCE / changed-activation disagreements.
"""
import argparse
import os
import sys
import time

import numpy as np


def make(a):
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)
    if a.x is None:
        x = rng.standard_normal((a.n, a.d0))
        y = np.where(rng.random(a.n) < 0.5, -1.0, 1.0)
        np.save(os.path.join(a.out, "X.npy"), x)
        np.save(os.path.join(a.out, "y.npy"), y)
    if a.weights:
        w = np.load(os.path.join(a.weights, "W1.npy")).astype(np.float64)
        z = np.load(os.path.join(a.weights, "z.npy")).astype(np.float64).reshape(-1)
    else:
        w = rng.standard_normal((a.d1, a.d0)) / np.sqrt(a.d0)
        z = rng.standard_normal(a.d1) / np.sqrt(a.d1)
    for name, (wd, zd) in {"theta": (w, z)}.items():
        os.makedirs(os.path.join(a.out, name), exist_ok=True)
        np.save(os.path.join(a.out, name, "W1.npy"), wd)
        np.save(os.path.join(a.out, name, "z.npy"), zd)
    for name in ("A", "B"):
        dw = rng.standard_normal(w.shape)
        dw *= (np.linalg.norm(w, axis=1) / np.linalg.norm(dw, axis=1))[:, None]
        dz = rng.standard_normal(z.shape)
        dz *= np.linalg.norm(z) / np.linalg.norm(dz)
        os.makedirs(os.path.join(a.out, name), exist_ok=True)
        np.save(os.path.join(a.out, name, "W1.npy"), w + dw)
        np.save(os.path.join(a.out, name, "z.npy"), z + dz)


def grid(a):
    import torch
    torch.set_num_threads(a.threads)
    lo, hi = (float(v) for v in a.range.split(":"))
    t0 = time.perf_counter()
    x = torch.from_numpy(np.load(a.xpath or os.path.join(a.out, "X.npy"))).double()
    y = torch.from_numpy(np.load(a.ypath or os.path.join(a.out, "y.npy"))).double().reshape(-1)
    load = lambda d, f: torch.from_numpy(np.load(os.path.join(a.out, d, f)).astype(np.float64)).reshape(
        (-1,) if f == "z.npy" else np.load(os.path.join(a.out, d, f)).shape)
    w0, z0 = load("theta", "W1.npy"), load("theta", "z.npy")
    dw1, dz1 = load("A", "W1.npy") - w0, load("A", "z.npy") - z0
    dw2, dz2 = load("B", "W1.npy") - w0, load("B", "z.npy") - z0
    centre = (x @ w0.T) > 0
    values = np.linspace(lo, hi, a.points)
    values[-1] = hi
    t1 = time.perf_counter()
    rows = []
    with torch.no_grad():
        for beta in values:
            for alpha in values:
                w = w0 + alpha * dw1 + beta * dw2
                z = z0 + alpha * dz1 + beta * dz2
                pre = x @ w.T
                f = torch.relu(pre) @ z
                r = y - f
                mse = float((r * r).mean())
                mce = float((torch.sign(f) != torch.sign(y)).double().mean())   # f = 0 names no class: wrong
                changed = int(((pre > 0) != centre).sum())
                rows.append((float(alpha), float(beta), mse, mce, changed))
    t2 = time.perf_counter()
    with open(os.path.join(a.out, "peer.csv"), "w") as fh:
        fh.write("alpha,beta,mse,mce,changed\n")
        for row in rows:
            fh.write("%r,%r,%r,%r,%d\n" % row)
    print(f"peer: {a.points}x{a.points} grid, N = {x.shape[0]}, d0 = {x.shape[1]}, d1 = {w0.shape[0]}, "
          f"torch {torch.__version__}, {a.threads} threads, float64: grid {t2 - t1:.2f} s (load {t1 - t0:.2f} s)")


def compare(a):
    peer = np.genfromtxt(os.path.join(a.out, "peer.csv"), delimiter=",", names=True)
    ours = np.genfromtxt(a.csv, delimiter=",", names=True, dtype=None, encoding="utf-8")
    rel = np.abs(ours["mse"] - peer["mse"]) / np.maximum(peer["mse"], 1e-300)
    print(f"compare: {len(peer)} points, max relative MSE difference {rel.max():.2e}, "
          f"MCE disagreements {int((ours['mce'] != peer['mce']).sum())}, "
          f"changed-activation disagreements {int((ours['changed'] != peer['changed']).sum())}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("out")
    m.add_argument("--n", type=int, default=50000)
    m.add_argument("--d0", type=int, default=3072)
    m.add_argument("--d1", type=int, default=16)
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--weights")
    m.add_argument("--x", help="use existing data (the directions only)")
    g = sub.add_parser("grid")
    g.add_argument("out")
    g.add_argument("--points", type=int, default=51)
    g.add_argument("--range", default="-1:1")
    g.add_argument("--threads", type=int, default=2)
    g.add_argument("--xpath")
    g.add_argument("--ypath")
    c = sub.add_parser("compare")
    c.add_argument("out")
    c.add_argument("csv")
    a = p.parse_args()
    {"make": make, "grid": grid, "compare": compare}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
