#!/usr/bin/env bash
# A single-node Slurm cluster on this machine (Debian's slurm-wlm and munge), for the tests in
# tests/slurm/ and for trying `bench run --all --executor slurm` by hand.
#
#   tests/slurm/cluster.sh install                  apt-get the packages (root; once)
#   tests/slurm/cluster.sh start [none|slurmdbd]    start it; prints `export SLURM_CONF=...`
#   tests/slurm/cluster.sh stop                     stop every daemon this script started
#
# Everything lives under $SEGATLAS_SLURM_DIR (default /tmp/segatlas-slurm): the configuration,
# state, logs, pid files and, with accounting, a private MariaDB on 127.0.0.1:$DB_PORT. Clients
# find the cluster through SLURM_CONF, so /etc/slurm is never touched. `none` runs without
# accounting (sacct says "accounting storage is disabled"); `slurmdbd` runs slurmdbd on that
# MariaDB, so sacct answers. Two partitions: `debug` (default, no time limit) and `short`
# (MaxTime 1 minute, enforced at submission: EnforcePartLimits=ALL).
# Daemons run as root (SlurmUser=root), as a throwaway test cluster may; munged runs as munge.
set -euo pipefail

DIR=${SEGATLAS_SLURM_DIR:-/tmp/segatlas-slurm}
CTLD_PORT=${SEGATLAS_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${SEGATLAS_SLURMD_PORT:-6818}
DBD_PORT=${SEGATLAS_SLURMDBD_PORT:-6819}
DB_PORT=${SEGATLAS_SLURM_DB_PORT:-3307}
NODE=$(hostname -s)
CONF=$DIR/etc/slurm.conf

log() { echo "cluster.sh: $*" >&2; }
die() { log "$*"; exit 1; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds
  local secs=$1 what=$2
  shift 2
  for _ in $(seq $((secs * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  die "$what did not come up in ${secs} s (logs: $DIR/log)"
}

started() {  # started NAME PID: remember a daemon this script started (stop kills exactly these)
  echo "$2" >"$DIR/run/$1.pid"
}

install() {
  [ "$(id -u)" = 0 ] || die "install needs root (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq slurm-wlm munge slurmdbd mariadb-server >/dev/null
}

start_munge() {
  if [ -S /run/munge/munge.socket.2 ] && munge -n </dev/null | unmunge >/dev/null 2>&1; then
    return 0  # a munged already runs here: use it, leave it alone at stop
  fi
  [ -s /etc/munge/munge.key ] || { mungekey --create --keyfile /etc/munge/munge.key; }
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  wait_for 10 munged test -S /run/munge/munge.socket.2
  started munged "$(cat /run/munge/munged.pid)"
}

write_conf() {  # write_conf ACCOUNTING
  local cpus mem acct=$1
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
  mkdir -p "$DIR"/{etc,state,spool,log,run}
  cat >"$CONF" <<EOF
ClusterName=segatlas
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.daemon.pid
SlurmdPidFile=$DIR/run/slurmd.daemon.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
EnforcePartLimits=ALL
KillWait=5
MinJobAge=60
SlurmctldTimeout=30
SlurmdTimeout=30
JobCompType=jobcomp/none
EOF
  if [ "$acct" = slurmdbd ]; then
    cat >>"$CONF" <<EOF
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
EOF
  else
    cat >>"$CONF" <<EOF
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
EOF
  fi
  cat >>"$CONF" <<EOF
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
PartitionName=short Nodes=$NODE MaxTime=1 State=UP
EOF
}

start_db() {  # a private MariaDB for slurmdbd, on 127.0.0.1:$DB_PORT
  local db=$DIR/mysql sock=$DIR/run/mysql.sock
  if [ ! -d "$db/mysql" ]; then
    mariadb-install-db --user=root --datadir="$db" --auth-root-authentication-method=socket \
      >"$DIR/log/mariadb-install.log" 2>&1
  fi
  mariadbd --no-defaults --user=root --datadir="$db" --socket="$sock" --bind-address=127.0.0.1 \
    --port="$DB_PORT" --pid-file="$DIR/run/mariadbd.daemon.pid" --innodb-buffer-pool-size=64M \
    --log-error="$DIR/log/mariadb.log" >/dev/null 2>&1 &
  started mariadbd $!
  wait_for 30 mariadb mariadb --no-defaults --socket="$sock" -e "select 1"
  mariadb --no-defaults --socket="$sock" <<EOF
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'segatlas-test';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
EOF
  cat >"$DIR/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
PidFile=$DIR/run/slurmdbd.daemon.pid
LogFile=$DIR/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=segatlas-test
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$DIR/etc/slurmdbd.conf"
  slurmdbd -D >>"$DIR/log/slurmdbd.out" 2>&1 &
  started slurmdbd $!
  wait_for 30 slurmdbd sacctmgr -n list cluster
  sacctmgr -i -Q add cluster segatlas >/dev/null 2>&1 || true
}

start() {
  local acct=${1:-none}
  [ "$acct" = none ] || [ "$acct" = slurmdbd ] || die "accounting is none or slurmdbd, not '$acct'"
  command -v slurmctld >/dev/null || die "slurmctld is not installed (tests/slurm/cluster.sh install)"
  if [ -d "$DIR/run" ] && ls "$DIR"/run/*.pid >/dev/null 2>&1; then
    stop
  fi
  rm -rf "$DIR/state" "$DIR/spool" "$DIR/etc"
  write_conf "$acct"
  export SLURM_CONF=$CONF
  start_munge
  [ "$acct" = slurmdbd ] && start_db
  slurmctld -D -i >>"$DIR/log/slurmctld.out" 2>&1 &
  started slurmctld $!
  wait_for 30 slurmctld scontrol ping
  slurmd -D -N "$NODE" >>"$DIR/log/slurmd.out" 2>&1 &
  started slurmd $!
  wait_for 30 "slurmd (node $NODE idle)" sh -c "sinfo -h -n $NODE -o %T | grep -q idle"
  log "cluster up: $(sinfo -h -o '%P %D %c %T' | tr '\n' ';') accounting: $acct"
  echo "export SLURM_CONF=$CONF"
}

stop() {
  local f pid
  if [ -f "$CONF" ] && [ -f "$DIR/run/slurmctld.pid" ]; then  # no job outlives its cluster
    export SLURM_CONF=$CONF
    squeue -h -o %i 2>/dev/null | xargs -r scancel 2>/dev/null || true
    for _ in $(seq 40); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.25; done
  fi
  for name in slurmd slurmctld slurmdbd mariadbd munged; do
    f=$DIR/run/$name.pid
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$f"
  done
  log "stopped"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-none}" ;;
  stop) stop ;;
  *) echo "usage: $0 install | start [none|slurmdbd] | stop" >&2; exit 2 ;;
esac
