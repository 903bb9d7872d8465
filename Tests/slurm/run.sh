#!/usr/bin/env bash
# Tests Minima on a real single-node Slurm (started by start-slurm.sh, as root):
#  1. the quick Figure 1 spec as a 4-task job array gives the same summary.csv (timing columns
#     aside) as a local run of the same spec;
#  2. a task sent SIGUSR1 mid-run (scancel --signal=USR1 --batch) saves its checkpoints, is
#     requeued and completes: every run exactly once, the same tables as a local run;
#  3. a CIFAR-shaped training run (Gaussian data, d0 = 3072) killed with SIGTERM at a random
#     epoch and resumed ends with weights bit-identical to an uninterrupted run.
# MINIMA=path picks the binary (default: the release build if present, else the debug build).
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$(date +%s)
say() { echo "[slurm test $(( $(date +%s) - t0 )) s] $*"; }
fail() { echo "SLURM TEST FAILED: $*" >&2; exit 1; }

# Daemons this test starts are stopped when it ends; a cluster that was already up is left running.
started=()
for d in munged slurmctld slurmd; do pgrep -x "$d" >/dev/null || started+=("$d"); done
Tests/slurm/start-slurm.sh
if [ -z "${MINIMA:-}" ]; then
    if [ -x .build/release/minima ] && [ .build/release/minima -nt Package.swift ]; then MINIMA=$PWD/.build/release/minima
    else swift build --product minima >/dev/null; MINIMA=$PWD/.build/debug/minima; fi
fi
say "using $MINIMA"
work=$(mktemp -d /tmp/minima-slurm.XXXXXX)
stop_started() {
    scancel --quiet --name=minima-figure1-quick --name=minima-requeue 2>/dev/null || true
    for d in slurmd slurmctld munged; do [[ " ${started[*]} " == *" $d "* ]] && pkill -x "$d" 2>/dev/null || true; done
}
trap stop_started EXIT

# Waits until job $1 has left the queue (at most $2 seconds).
wait_job() {
    for _ in $(seq $(( $2 * 2 ))); do
        [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    squeue; fail "job $1 still queued after $2 s"
}
# summary.csv without the timing columns (named seconds_*).
untimed() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) keep[i] = ($i !~ /^seconds/) }
             { line = ""; for (i = 1; i <= NF; i++) if (keep[i]) line = line $i ","; print line }' "$1"
}
# Checks that folder $1 holds exactly $2 records, all finished, and no claim or checkpoint.
complete() {
    local records; records=$(ls "$1/runs" | grep -c '\.json$' || true)
    [ "$records" -eq "$2" ] || fail "$1 holds $records records, expected $2"
    if ls "$1/runs" | grep -q -E '\.(claim|checkpoint)$'; then fail "$1 kept claims or checkpoints: $(ls "$1/runs" | grep -E '\.(claim|checkpoint)$')"; fi
    "$MINIMA" sweep status "$1" --json > "$work/status.json"
    grep -q "\"done\" : $2" "$work/status.json" || { cat "$work/status.json"; fail "sweep status of $1 does not say $2 done"; }
}
# Runs of a sweep in the per-task logs: the sum of "R runs in" over every incarnation.
ran_in_logs() { cat "$1"/slurm/logs/*.log | sed -n 's/^[^:]*: \([0-9]*\) runs in .*/\1/p' | awk '{ s += $1 } END { print s + 0 }'; }

# 1. Figure 1 (quick) as a 4-task array against a local run.
"$MINIMA" reproduce figures --quick --specs-only --only figure1 --results "$work/local" >/dev/null
spec="$work/figure1-quick.json"
cp "$work/local/specs/figure1-quick.json" "$spec"
runs=$("$MINIMA" sweep "$spec" --results "$work/local" --dry-run | sed -n 's/^sweep [^:]*: \([0-9]*\) runs.*/\1/p')
"$MINIMA" sweep "$spec" --results "$work/local" --quiet >/dev/null
"$MINIMA" report "$work/local" >/dev/null
say "local run: $runs runs"
"$MINIMA" sweep "$spec" --results "$work/array" --slurm --tasks 4 --parallel 2 --cpus-per-task 1 --time 10:00 --dry-run > "$work/dry.txt"
grep -q -- '--array=1-4%2' "$work/dry.txt" || fail "the dry run does not print the array line"
job=$("$MINIMA" sweep "$spec" --results "$work/array" --slurm --tasks 4 --cpus-per-task 1 --time 10:00 | sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p')
[ -n "$job" ] || fail "sbatch did not submit"
say "array job $job submitted"
wait_job "$job" 240
complete "$work/array" "$runs"
[ "$(ls "$work/array/slurm/logs" | wc -l)" -eq 4 ] || fail "expected 4 task logs: $(ls "$work/array/slurm/logs")"
"$MINIMA" report "$work/array" >/dev/null
diff <(untimed "$work/local/summary.csv") <(untimed "$work/array/summary.csv") || fail "summary.csv of the array differs from the local run's"
say "1. 4-task array: $runs runs, summary.csv identical to the local run (timing columns aside)"

# 2. SIGUSR1 mid-run: checkpoint, requeue, completion.
requeue=Tests/slurm/requeue.json
"$MINIMA" sweep "$requeue" --results "$work/requeue-local" --quiet >/dev/null
"$MINIMA" report "$work/requeue-local" >/dev/null
rruns=$(ls "$work/requeue-local/runs" | grep -c '\.json$')
job=$("$MINIMA" sweep "$requeue" --results "$work/requeue" --slurm --tasks 2 --time 10:00 | sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p')
# Wait until task 1 (shard 1/2) has finished one run and is in the middle of another, then signal it.
for _ in $(seq 1200); do
    "$MINIMA" sweep status "$work/requeue" > "$work/status.txt" 2>/dev/null || true
    done1=$(awk '$1 == "1/2" { print $3 }' "$work/status.txt")
    [ "${done1:-0}" -ge 1 ] && grep -q "(shard 1/2)" "$work/status.txt" && break
    sleep 0.1
done
sleep 0.$(( RANDOM % 4 ))$(( RANDOM % 10 ))   # a random point of the run in progress; a third run still follows it
scancel --signal=USR1 --batch "${job}_1" || fail "task ${job}_1 is not running any more (its runs ended before the signal)"
say "sent SIGUSR1 to task ${job}_1"
for _ in $(seq 240); do
    state=$(squeue -h -j "${job}_1" -o %T 2>/dev/null || true)
    reason=$(squeue -h -j "${job}_1" -o %r 2>/dev/null || true)
    # Slurm holds a requeued job back for a while (BeginTime); release it at once.
    if [ "$state" = PENDING ] && [ "$reason" = BeginTime ]; then scontrol update jobid="${job}_1" StartTime=now; break; fi
    [ -z "$state" ] && break
    sleep 0.5
done
wait_job "$job" 240
log=$(ls "$work/requeue/slurm/logs/"*_1.log)
grep -q "requeueing task 1" "$log" || { cat "$log"; fail "task 1 was not requeued"; }
grep -q "restart 1" "$log" || { cat "$log"; fail "task 1 did not start again"; }
grep -q "runs saved checkpoints" "$log" || { cat "$log"; fail "task 1 saved no checkpoint"; }
complete "$work/requeue" "$rruns"
[ "$(ran_in_logs "$work/requeue")" -eq "$rruns" ] || { cat "$work"/requeue/slurm/logs/*.log; fail "the logs count $(ran_in_logs "$work/requeue") runs trained, expected $rruns"; }
"$MINIMA" report "$work/requeue" >/dev/null
diff <(untimed "$work/requeue-local/summary.csv") <(untimed "$work/requeue/summary.csv") || fail "summary.csv after the requeue differs from the local run's"
sed 's/^/    task 1 log: /' "$log"
say "2. SIGUSR1 and requeue: $rruns runs, each trained once, same summary.csv as the local run"

# 3. A CIFAR-shaped run (N 10,000, d0 3072, d1 16, Float32, Adam on batches of 100) killed with
#    SIGTERM at a random epoch, resumed, against an uninterrupted run.
cifar=(train --n 10000 --d0 3072 --hidden 16 --slope 0 --optimizer adam --lr 0.0005 --batch 100 --epochs 20
       --precision float32 --threads 2 --seed 3 --quiet)
(cd "$work" && "$MINIMA" "${cifar[@]}" --out whole.json --save-weights whole >/dev/null)
(cd "$work" && exec "$MINIMA" "${cifar[@]}" --out resumed.json --save-weights resumed --checkpoint ck --checkpoint-every 0.01 >/dev/null) &
pid=$!
stop_epoch=$(( RANDOM % 14 + 2 ))   # at least 4 epochs before the end, even on a fast machine
for _ in $(seq 1200); do
    epoch=$(grep -a -o '"epoch" : [0-9]*' "$work/ck/training.checkpoint" 2>/dev/null | tail -1 | grep -o '[0-9]*$' || true)
    [ -n "$epoch" ] && [ "$epoch" -ge "$stop_epoch" ] && break
    sleep 0.05
done
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -eq 75 ] || fail "SIGTERM ended the run with exit code $rc, expected 75"
(cd "$work" && "$MINIMA" "${cifar[@]}" --out resumed.json --save-weights resumed --resume ck >/dev/null)
for f in W1.npy z.npy; do cmp "$work/whole/$f" "$work/resumed/$f" || fail "$f differs after SIGTERM at epoch $epoch and --resume"; done
say "3. CIFAR-shaped run: SIGTERM in epoch $epoch, resumed, final weights bit-identical"
rm -rf "$work"
say "passed in $(( $(date +%s) - t0 )) s"
