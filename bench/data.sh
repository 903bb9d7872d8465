#!/usr/bin/env bash
# Data benchmark (not a test): loading MNIST from .gz, and loading full CIFAR-10 (binary) plus
# ZCA whitening of all 50,000 x 3072 inputs, next to numpy doing the same whitening (eigh of the
# covariance) in the same run, with the same number of BLAS threads. Float32 data on both sides; numpy whitens in Float32,
# minima in Float64 (the pixels' covariance from exact integer sums, the product by dgemm), rounding once.
#
#   bench/data.sh CIFAR_DIR MNIST_DIR [THREADS]     (rounds=N bench/data.sh … for N rounds)
#
# CIFAR_DIR holds cifar-10-batches-bin (the official binary layout); MNIST_DIR the four .gz files.
# Uses .build/release/minima (swift build -c release first). Prints minima's CIFAR load+ZCA over numpy's and the
# MNIST .gz load time.
set -euo pipefail
cifar=${1:?CIFAR_DIR}; mnist=${2:?MNIST_DIR}; threads=${3:-$(nproc)}
here=$(cd "$(dirname "$0")" && pwd); minima="$here/../.build/release/minima"
batches="$cifar"; [ -d "$cifar/cifar-10-batches-bin" ] && batches="$cifar/cifar-10-batches-bin"
export OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads

now() { python3 -c 'import time; print(time.perf_counter())'; }
echo "== MNIST (.gz, 70,000 images) =="
s=$(date +%s.%N); "$minima" data inspect --dataset mnist --data "$mnist" --merge-test --no-cache --threads "$threads" | grep -E "^(train|test|time|blas)"; e=$(date +%s.%N)
python3 -c "print(f'minima data inspect wall time (process start to exit): {$e - $s:.2f} s')"

echo "== CIFAR-10 binary: load + ZCA (eps 1e-5), float32, $threads BLAS threads, ${rounds:=2} alternating rounds =="
# The machine is shared: minima and numpy run alternately, and each side's best round is compared.
results=()
for r in $(seq "$rounds"); do
  s=$(date +%s.%N)
  json=$("$minima" data inspect --dataset cifar10 --data "$cifar" --zca --zca-eps 1e-5 --no-cache --threads "$threads" --json)
  e=$(date +%s.%N)
  numpy=$(python3 "$here/zca_numpy.py" "$batches" 1e-5)
  results+=("$json" "$numpy" "$s" "$e")
done
python3 - "${results[@]}" <<'PY'
import json, sys
args = sys.argv[1:]
best_m = best_n = None
for k in range(0, len(args), 4):
    m, n = json.loads(args[k]), json.loads(args[k + 1])
    wall = float(args[k + 3]) - float(args[k + 2])
    steps = {s["name"]: s for s in m["steps"]}
    zca = steps["zca"]["seconds"]; load = steps["read"]["seconds"] + steps["scale"]["seconds"]
    print(f"round {k // 4 + 1}: minima read+scale {load:.2f} s, zca {zca:.2f} s ({steps['zca']['note']}), load+zca {load + zca:.2f} s, process wall {wall:.2f} s")
    print(f"         numpy {n['numpy']} ({n['blas']}): load {n['load']:.2f} s, covariance {n['covariance']:.2f} s, eigh {n['eigen']:.2f} s, apply {n['apply']:.2f} s, load+zca {n['total']:.2f} s")
    print(f"         ratio minima/numpy (load+zca): {(load + zca) / n['total']:.2f}")
    best_m = min(best_m or 1e9, load + zca); best_n = min(best_n or 1e9, n["total"])
print(f"best of rounds: minima {best_m:.2f} s, numpy {best_n:.2f} s, ratio {best_m / best_n:.2f}")
print(f"after whitening: minima std {m['featureStd']:.4f}, numpy std {n['std_after']:.4f}; eigenvalues {m['covarianceEigenvalueRange']}")
PY
"$minima" data inspect --dataset gaussian --n 2 --d0 2 --threads "$threads" | grep '^blas'
