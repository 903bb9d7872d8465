#!/usr/bin/env bash
# Slice benchmark (not a test): a 51x51 plane through a one-hidden-layer network, `minima slice`
# against a brute-force PyTorch evaluation of the same grid (bench/slice_peer.py: a full
# forward pass per point), in the same run, float64 on both sides, the same thread count.
#
#   bench/slice.sh WORK_DIR [THREADS] [PYTHON]
#
# Two networks: (1) CIFAR-10-sized (N 50,000, d0 3072, d1 16) on Gaussian inputs with random
# labels and random N(0, 1/fan-in) weights; (2) a Figure 1 network (N 400, d0 = d1 = 20,
# Gaussian inputs, random labels) trained by `minima train` as Figure 1's recipe does. The
# directions are the same filter-normalised Gaussian directions on both sides (minima reads
# them as --direction to:A,to:B). PYTHON needs torch and numpy (default /tmp/peer/bin/python).
# Uses .build/release/minima (swift build -c release first). Target: minima >= 20x faster than
# the peer on the CIFAR-sized grid and <= 10 s on 2 cores.
set -euo pipefail
work=${1:?WORK_DIR}; threads=${2:-$(nproc)}; python=${3:-/tmp/peer/bin/python}
here=$(cd "$(dirname "$0")" && pwd); minima="$here/../.build/release/minima"
export OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads
echo "load average: $(cat /proc/loadavg); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2); $threads threads"

run() {  # NAME: minima then the peer on WORK/NAME
  local dir="$work/$1"
  local s e
  s=$(date +%s.%N)
  "$minima" slice --weights "$dir/theta" --x "$dir/X.npy" --y "$dir/y.npy" --direction "to:$dir/A,to:$dir/B" \
    --points 51x51 --range -1:1 --threads "$threads" --out "$dir/minima" --quiet
  e=$(date +%s.%N)
  python3 -c "print(f'minima slice wall time (process start to exit, data loading included): {$e - $s:.2f} s')"
  "$python" "$here/slice_peer.py" grid "$dir" --points 51 --range=-1:1 --threads "$threads"
  "$python" "$here/slice_peer.py" compare "$dir" "$dir/minima/slice.csv"
}

echo "== CIFAR-10-sized network: N 50,000, d0 3072, d1 16 (Gaussian data, random weights) =="
[ -f "$work/cifar/X.npy" ] || "$python" "$here/slice_peer.py" make "$work/cifar" --n 50000 --d0 3072 --d1 16
run cifar

echo "== Figure 1 network: N 400, d0 = d1 = 20, trained (Adam 0.01, full batch, MSE <= 1e-4 or 2000 epochs) =="
fig="$work/figure1"
if [ ! -d "$fig/trained" ]; then
  "$python" "$here/slice_peer.py" make "$fig" --n 400 --d0 20 --d1 20
  "$minima" train --x "$fig/X.npy" --y "$fig/y.npy" --hidden 20 --optimizer adam --lr 0.01 --epochs 2000 \
    --target-mse 1e-4 --precision float64 --save-weights "$fig/trained" --quiet > /dev/null
  "$python" "$here/slice_peer.py" make "$fig" --x "$fig/X.npy" --weights "$fig/trained" --d1 20
fi
run figure1
