#!/usr/bin/env python3
"""numpy reference for `bench/data.sh`: load CIFAR-10's binary batches and ZCA-whiten all
50,000 x 3072 training inputs the usual way (covariance X^T X / N, numpy.linalg.eigh,
W = U diag(1/sqrt(lambda + eps)) U^T, X W), in float32 like minima's default.
Prints one JSON line of seconds per step."""
import json, sys, time
import numpy as np

folder, eps = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 1e-5
t0 = time.perf_counter()
records = np.concatenate([np.fromfile(f"{folder}/data_batch_{i}.bin", dtype=np.uint8).reshape(-1, 3073)
                          for i in range(1, 6)])
x = records[:, 1:].astype(np.float32) / np.float32(255)
t1 = time.perf_counter()
x -= x.mean(axis=0)
cov = (x.T @ x) / np.float32(x.shape[0])
t2 = time.perf_counter()
lam, u = np.linalg.eigh(cov)
t3 = time.perf_counter()
w = (u * (1 / np.sqrt(np.maximum(lam, 0) + np.float32(eps)))) @ u.T
xw = x @ w
t4 = time.perf_counter()
blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
print(json.dumps({"load": t1 - t0, "covariance": t2 - t1, "eigen": t3 - t2, "apply": t4 - t3,
                  "zca": t4 - t1, "total": t4 - t0, "n": x.shape[0], "d": x.shape[1],
                  "numpy": np.__version__, "blas": f"{blas.get('name')} {blas.get('version')}",
                  "std_after": float(xw.std())}))
