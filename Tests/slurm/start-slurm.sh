#!/usr/bin/env bash
# Brings up a single-node Slurm (Debian 12's slurm-wlm 22.05 and munge) on 127.0.0.1, as root,
# without systemd: munged, slurmctld and slurmd started directly. Idempotent: a cluster that
# already answers `sinfo` is left as it is. Prints the seconds it took.
set -euo pipefail
start=$(date +%s)
# /dev/null was seen replaced (gone) on a build machine while packages were installed; the
# daemons and this script need the device.
[ -c /dev/null ] || { rm -f /dev/null; mknod -m 666 /dev/null c 1 3; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q slurm-wlm munge >/dev/null
fi
if sinfo -h >/dev/null 2>&1 && [ "$(sinfo -h -o %T | head -1)" = idle ]; then
    echo "slurm already running"; exit 0
fi
cpus=$(nproc)
state=/var/spool/slurm-minima
mkdir -p /etc/slurm "$state/ctld" "$state/d" /var/log/slurm /run/munge /var/lib/munge /var/log/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged --force
for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
munge -n | unmunge >/dev/null

cat > /etc/slurm/slurm.conf <<CONF
ClusterName=minima
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
KillWait=30
MinJobAge=600
MaxArraySize=10001
JobRequeue=1
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 )) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
rm -f /etc/slurm/cgroup.conf
pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld -i
pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
for _ in $(seq 120); do
    [ "$(sinfo -h -o %T 2>/dev/null | head -1)" = idle ] && break
    sleep 0.5
done
sinfo
[ "$(sinfo -h -o %T | head -1)" = idle ] || { echo "slurm did not come up; see /var/log/slurm/" >&2; tail -20 /var/log/slurm/*.log >&2; exit 1; }
echo "slurm up in $(( $(date +%s) - start )) s"
