#!/usr/bin/env python3
"""Independent check of minima's ZCA whitening: whitens CIFAR-10's 50,000 training inputs in
Float64 end to end with numpy (pixels/255, covariance X^T X / N, eigh, X W) and compares the
result with minima's whitened Float32 data, read from minima's data cache entry.

usage: zca_check.py CIFAR_BATCH_DIR CACHE_ENTRY [eps]
Prints one JSON line: max and RMS absolute difference, the largest |x|, and the same for the
inputs whitened by numpy in Float32 (Float32 covariance, Float64 eigh, Float32 product)."""
import json, sys
import numpy as np

folder, entry = sys.argv[1], sys.argv[2]
eps = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
records = np.concatenate([np.fromfile(f"{folder}/data_batch_{i}.bin", dtype=np.uint8).reshape(-1, 3073)
                          for i in range(1, 6)])
raw = records[:, 1:]

def zca(x, work):
    x = x.astype(work)
    x -= x.mean(axis=0)
    cov = (x.T @ x) / work(x.shape[0])
    lam, u = np.linalg.eigh(cov.astype(np.float64))
    w = ((u * (1 / np.sqrt(np.maximum(lam, 0) + eps))) @ u.T).astype(work)
    return x @ w

ref = zca(raw.astype(np.float64) / 255, np.float64)
f32 = zca(raw.astype(np.float32) / np.float32(255), np.float32)

with open(entry, "rb") as f:
    blob = f.read()
magic_end = blob.index(b"\n") + 1
header_end = blob.index(b"\n", magic_end) + 1
key_len, report_len, n, d, payload, crc = map(int, blob[magic_end:header_end].split())
start = header_end + key_len + report_len
x = np.frombuffer(blob, dtype="<f4", count=n * d, offset=start).reshape(n, d).astype(np.float64)

def diff(a):
    e = a - ref
    return {"max": float(np.abs(e).max()), "rms": float(np.sqrt((e * e).mean()))}

print(json.dumps({"n": n, "d": d, "eps": eps, "max_abs_reference": float(np.abs(ref).max()),
                  "minima_float32_vs_float64": diff(x), "numpy_float32_vs_float64": diff(f32),
                  "half_ulp_bound_max": float(np.abs(ref).max()) * 2.0**-24}))
