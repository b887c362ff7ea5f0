#!/usr/bin/env bash
# A one-node Slurm cluster on 127.0.0.1 for CI (tests/slurm.rs).
#
#   .ci/slurm.sh up     install Slurm and munge from Debian's packages if they
#                       are missing, write a configuration with three CPUs,
#                       start munged, slurmctld and slurmd, wait for the node
#                       to be idle; prints `export SLURM_CONF=...` last
#   .ci/slurm.sh down   stop the daemons that `up` started (by pid, nothing else)
#   .ci/slurm.sh env    print the `export SLURM_CONF=...` line
#
# Everything lives under $DUPSCAN_SLURM_DIR (default /tmp/dupscan-slurm):
# configuration, munge key and socket, state, logs and pid files. No file
# under /etc is written: clients find the configuration through SLURM_CONF.
# `up` is idempotent (a running cluster is left as it is) and must run as root.
set -euo pipefail

DIR=${DUPSCAN_SLURM_DIR:-/tmp/dupscan-slurm}
CONF=$DIR/slurm.conf
NODE=$(hostname -s)
# Ports away from Slurm's defaults (6817/6818), so that a Slurm already on
# the machine is not disturbed.
CTLD_PORT=${DUPSCAN_SLURM_CTLD_PORT:-16817}
SLURMD_PORT=${DUPSCAN_SLURM_SLURMD_PORT:-16818}
PACKAGES=(munge slurmctld slurmd slurm-client)

die() {
    echo "slurm.sh: error: $*" >&2
    exit 1
}

# Print the end of every log, to say why something did not come up.
show_logs() {
    local log
    for log in "$DIR"/log/*.log; do
        [ -f "$log" ] || continue
        echo "---- $log (last 30 lines)" >&2
        tail -n 30 "$log" >&2
    done
}

have_binaries() {
    command -v munged >/dev/null && command -v slurmctld >/dev/null &&
        command -v slurmd >/dev/null && command -v sbatch >/dev/null
}

install_packages() {
    if have_binaries; then
        return
    fi
    [ "$(id -u)" = 0 ] || die "Slurm is not installed and installing it needs root (apt-get install ${PACKAGES[*]})"
    command -v apt-get >/dev/null || die "Slurm is not installed and there is no apt-get to install it"
    # Everything here goes to stderr: `up` prints only the environment line
    # on stdout, for the caller to eval.
    echo "== installing ${PACKAGES[*]} from Debian's packages" >&2
    # The packages must not start their own daemons (with the system's
    # configuration): a policy-rc.d that says no, unless the machine has one.
    local policy=/usr/sbin/policy-rc.d made_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        made_policy=1
    fi
    local status=0
    {
        DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
    } >&2 || status=$?
    if [ -n "$made_policy" ]; then
        rm -f "$policy"
    fi
    [ "$status" = 0 ] || die "apt-get install ${PACKAGES[*]} failed (exit $status)"
    have_binaries || die "installed ${PACKAGES[*]} but munged, slurmctld, slurmd or sbatch is still missing"
}

# The pid in a pid file if that process is alive and runs the named program.
alive() {
    local pidfile=$1 name=$2 pid
    [ -f "$pidfile" ] || return 1
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$name" ] || return 1
    echo "$pid"
}

write_config() {
    mkdir -p "$DIR"/{munge,state,spool,log,run}
    chmod 700 "$DIR" "$DIR/munge"
    if [ ! -s "$DIR/munge/munge.key" ]; then
        dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
        chmod 400 "$DIR/munge/munge.key"
    fi
    # Memory slurmd may hand out: 90% of the machine's, in MB. Jobs asking for
    # more than this would wait forever, so it is the machine's real size.
    local mem_mb
    mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
    cat >"$CONF" <<EOF
# Written by dupscan's .ci/slurm.sh: one node, three CPUs, on 127.0.0.1.
ClusterName=dupscan-ci
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# The node has the CPUs and memory written here, whatever the machine has.
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=300
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=3 RealMemory=$mem_mb State=UNKNOWN
PartitionName=ci Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

start_daemons() {
    if ! alive "$DIR/run/munged.pid" munged >/dev/null; then
        munged --force \
            --socket="$DIR/munge/munge.socket" \
            --key-file="$DIR/munge/munge.key" \
            --pid-file="$DIR/run/munged.pid" \
            --log-file="$DIR/log/munged.log" \
            --seed-file="$DIR/munge/munged.seed" ||
            { show_logs; die "munged did not start"; }
    fi
    if ! alive "$DIR/run/slurmctld.pid" slurmctld >/dev/null; then
        # -c: start clean, without the jobs of an earlier run.
        slurmctld -f "$CONF" -c || { show_logs; die "slurmctld did not start"; }
    fi
    if ! alive "$DIR/run/slurmd.pid" slurmd >/dev/null; then
        slurmd -f "$CONF" -N "$NODE" || { show_logs; die "slurmd did not start"; }
    fi
}

wait_idle() {
    local state="" deadline=$((SECONDS + 60))
    while [ "$SECONDS" -lt "$deadline" ]; do
        state=$(SLURM_CONF=$CONF timeout 5 sinfo -h -N -n "$NODE" -o %T 2>/dev/null || true)
        case "$state" in
        idle | mixed | allocated) return 0 ;;
        down* | drain* | drained*)
            SLURM_CONF=$CONF scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
            ;;
        esac
        sleep 0.5
    done
    show_logs
    die "node $NODE is not idle after 60 s (state: '${state:-no answer from slurmctld}')"
}

up() {
    install_packages
    write_config
    start_daemons
    wait_idle
    echo "== Slurm is up: node $NODE idle, 3 CPUs, configuration $CONF" >&2
    echo "export SLURM_CONF=$CONF"
}

down() {
    local name pid i stopped=0
    for name in slurmd slurmctld munged; do
        if pid=$(alive "$DIR/run/$name.pid" "$name"); then
            kill -TERM "$pid" 2>/dev/null || true
            for i in $(seq 1 40); do
                [ -d /proc/"$pid" ] || break
                sleep 0.25
            done
            if [ -d /proc/"$pid" ]; then
                kill -KILL "$pid" 2>/dev/null || true
            fi
            stopped=$((stopped + 1))
            echo "== stopped $name (pid $pid)" >&2
        fi
    done
    [ "$stopped" -gt 0 ] || echo "== no daemon of $DIR was running" >&2
}

case "${1:-}" in
up) up ;;
down) down ;;
env) echo "export SLURM_CONF=$CONF" ;;
*)
    echo "usage: $0 up|down|env" >&2
    exit 2
    ;;
esac
