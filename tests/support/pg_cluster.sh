#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for tests and the testbed (docs/conventions.md §4).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#
#   pg_cluster.sh start DIR   creates (once) and starts a cluster under DIR/pg, then prints
#                             `export PGHOST=... PGPORT=... PGDATABASE=... PGUSER=...` for eval
#   pg_cluster.sh stop DIR    stops it (fast shutdown) and waits; the files stay
#   pg_cluster.sh env DIR     prints the export line of a started cluster again
# `start` also writes DIR/pg/env (the export line) and DIR/pg/conninfo (a libpq conninfo).
#
# PostgreSQL refuses to run as root: as root the cluster belongs to a system user
# (CASS_PG_SYSUSER, default cassiopeia-pg), created with useradd --system when missing, and
# DIR is made 0711 so that user can reach DIR/pg. As a normal user the cluster is yours.
# No TCP: listen_addresses = '', one unix socket in DIR/pg, trust on that socket only.
# PGPORT only names the socket file (DIR/pg/.s.PGSQL.<port>), so any free number works.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SYSUSER=${CASS_PG_SYSUSER:-cassiopeia-pg}
DBNAME=${CASS_PG_DATABASE:-cassiopeia}
START_TIMEOUT=${CASS_PG_START_TIMEOUT:-60}

die() {
    echo "pg_cluster.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: pg_cluster.sh start|stop|env DIR" >&2
    exit 2
}

is_root() { [[ $(id -u) -eq 0 ]]; }

owner() {
    if is_root; then echo "$SYSUSER"; else id -un; fi
}

# Runs a command as the cluster owner, from / (the owner may not read the caller's cwd).
as_owner() {
    if is_root; then
        (cd / && runuser -u "$SYSUSER" -- "$@")
    else
        (cd / && "$@")
    fi
}

env_line() {
    local dir=$1 port
    port=$(cat "$dir/pg/port")
    printf 'export PGHOST=%q PGPORT=%q PGDATABASE=%q PGUSER=%q\n' \
        "$dir/pg" "$port" "$DBNAME" "$(owner)"
}

wait_ready() {
    local dir=$1 port=$2 i
    for ((i = 0; i < START_TIMEOUT * 10; i++)); do
        if "$PGBIN/pg_isready" -q -h "$dir/pg" -p "$port" -d postgres; then
            return 0
        fi
        sleep 0.1
    done
    cat "$dir/pg/postgres.log" >&2 || true
    die "PostgreSQL did not become ready within ${START_TIMEOUT}s"
}

running() {
    local dir=$1
    [[ -f $dir/pg/data/postmaster.pid ]] && as_owner "$PGBIN/pg_ctl" -D "$dir/pg/data" status >/dev/null 2>&1
}

# A port number whose socket name is unused in DIR/pg. The socket directory is private to this
# cluster, so this only guards against a stale file; the number need not be free on TCP.
pick_port() {
    local dir=$1 port
    while :; do
        port=$((20000 + RANDOM % 40000))
        [[ -e $dir/pg/.s.PGSQL.$port || -e $dir/pg/.s.PGSQL.$port.lock ]] || break
    done
    echo "$port"
}

cmd_start() {
    local dir=$1 port
    [[ -x $PGBIN/initdb ]] || die "no PostgreSQL 15 in $PGBIN"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    # Unix socket paths are limited to 107 bytes (sun_path).
    ((${#dir} + 20 < 107)) || die "DIR path too long for a unix socket: $dir"

    if is_root; then
        if ! id -u "$SYSUSER" >/dev/null 2>&1; then
            useradd --system --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin "$SYSUSER" >&2
        fi
        chmod 0711 "$dir"
    fi

    if [[ ! -f $dir/pg/data/PG_VERSION ]]; then
        mkdir -p "$dir/pg"
        chmod 0700 "$dir/pg"
        if is_root; then chown "$SYSUSER:" "$dir/pg"; fi
        pick_port "$dir" >"$dir/pg/port.tmp"
        mv "$dir/pg/port.tmp" "$dir/pg/port"
        if is_root; then chown "$SYSUSER:" "$dir/pg/port"; fi
        as_owner "$PGBIN/initdb" -D "$dir/pg/data" -U "$(owner)" -E UTF8 --no-locale \
            --auth-local=trust --auth-host=reject >"$dir/pg/initdb.log" 2>&1 ||
            {
                cat "$dir/pg/initdb.log" >&2
                die "initdb failed"
            }
        port=$(cat "$dir/pg/port")
        as_owner tee -a "$dir/pg/data/postgresql.conf" >/dev/null <<EOF

# pg_cluster.sh: a throwaway test cluster, unix socket only.
listen_addresses = ''
unix_socket_directories = '$dir/pg'
unix_socket_permissions = 0777
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
        printf 'local all all trust\n' | as_owner tee "$dir/pg/data/pg_hba.conf" >/dev/null
    fi
    port=$(cat "$dir/pg/port")

    if ! running "$dir"; then
        as_owner "$PGBIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" \
            -t "$START_TIMEOUT" -w start >/dev/null ||
            {
                cat "$dir/pg/postgres.log" >&2 || true
                die "pg_ctl start failed"
            }
    fi
    wait_ready "$dir" "$port"

    if ! as_owner "$PGBIN/psql" -h "$dir/pg" -p "$port" -d postgres -XtAq \
        -c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'" | grep -q 1; then
        as_owner "$PGBIN/createdb" -h "$dir/pg" -p "$port" "$DBNAME"
    fi
    # The same for programs: a libpq conninfo string (tests read it: CASS_TEST_PG_DIR).
    printf "host='%s' port=%s dbname='%s' user='%s'\n" "$dir/pg" "$port" "$DBNAME" "$(owner)" \
        >"$dir/pg/conninfo"
    env_line "$dir" | tee "$dir/pg/env"
}

cmd_stop() {
    local dir=$1
    [[ -d $dir/pg/data ]] || die "no cluster in $dir"
    dir=$(cd "$dir" && pwd -P)
    if running "$dir"; then
        as_owner "$PGBIN/pg_ctl" -D "$dir/pg/data" -m fast -t "$START_TIMEOUT" -w stop >/dev/null
    fi
}

[[ $# -eq 2 ]] || usage
case $1 in
start) cmd_start "$2" ;;
stop) cmd_stop "$2" ;;
env)
    [[ -f $2/pg/port ]] || die "no cluster in $2"
    env_line "$(cd "$2" && pwd -P)"
    ;;
*) usage ;;
esac
