# Helpers for the client daemon's tests (test_run_*.sh), on top of lib.sh: WebDB
# queries, queueing jobs through the SQL functions, waiting for the queue, daemons, a 2nd line.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck shell=bash
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# queue_up: testbed_up, then checks that the testbed gave a migrated WebDB (PG* in DIR/env).
queue_up() {
    testbed_up
    [[ -n ${PGHOST:-} && -n ${PGDATABASE:-} ]] ||
        fail "the testbed exported no PGHOST/PGDATABASE (scripts/testbed without the WebDB?)"
    local v
    v=$(sql "SELECT max(version) FROM cassiopeia.schema_version") ||
        fail "the WebDB has no cassiopeia.schema_version (was migrate run?)"
    [[ $v =~ ^[0-9]+$ ]] || fail "the WebDB has no migrated schema: version '$v'"
}

# sql SQL: runs SQL with psql (unaligned, tuples only, stops at the first error) and prints the
# result; psql's stderr goes to $CASS_TMP/psql.err. Reads SQL from stdin when SQL is '-'.
sql() {
    local -a psql=(psql -X -q -A -t -v ON_ERROR_STOP=1)
    if [[ $1 == - ]]; then
        "${psql[@]}" 2>>"$CASS_TMP/psql.err"
    else
        "${psql[@]}" -c "$1" 2>>"$CASS_TMP/psql.err"
    fi
}

# sql_lit TEXT: TEXT as an SQL string literal (standard_conforming_strings: only ' doubles).
sql_lit() {
    local s=${1//\'/\'\'}
    printf "'%s'" "$s"
}

# sql_array [ITEM...]: a text[] literal of the items.
sql_array() {
    if [[ $# -eq 0 ]]; then
        printf "'{}'::text[]"
        return
    fi
    local item sep=""
    printf 'ARRAY['
    for item in "$@"; do
        printf '%s%s' "$sep" "$(sql_lit "$item")"
        sep=","
    done
    printf ']::text[]'
}

# Jobs are written into a batch (one psql call for many jobs): queue_begin, then queue_*_sql
# once per job, then queue_commit, which sets JOB_IDS (the ids, in queueing order).
queue_begin() {
    QUEUE_BATCH=$CASS_TMP/queue-batch.sql
    echo 'BEGIN;' >"$QUEUE_BATCH"
}

# queue_cert_sql CSR_TEXT PROFILE SANS AVAS PROOFS [VALID_TO]: adds one request_certificate to
# the batch; SANS, AVAS and PROOFS are text[] literals from sql_array.
queue_cert_sql() {
    local csr=$1 profile=$2 valid_to=${6:-}
    {
        printf 'SELECT cassiopeia.request_certificate(%s, %s, %s, %s, %s' \
            "$(sql_lit "$csr")" "$(sql_lit "$profile")" "$3" "$4" "$5"
        [[ -z $valid_to ]] || printf ', valid_to => %s' "$(sql_lit "$valid_to")"
        echo ');'
    } >>"$QUEUE_BATCH"
}

# queue_revocation_sql CA SERIAL[,REASON]...: adds one request_revocation to the batch.
queue_revocation_sql() {
    local ca=$1
    shift
    printf 'SELECT cassiopeia.request_revocation(%s, %s);\n' "$(sql_array "$@")" \
        "$(sql_lit "$ca")" >>"$QUEUE_BATCH"
}

# queue_openpgp_sql KEY_FILE PROOF...: adds one request_openpgp to the batch.
queue_openpgp_sql() {
    local key
    key=$(cat "$1") || fail "cannot read $1"
    shift
    printf 'SELECT cassiopeia.request_openpgp(%s, %s);\n' "$(sql_lit "$key")" \
        "$(sql_array "$@")" >>"$QUEUE_BATCH"
}

# queue_commit: runs the batch in one transaction; JOB_IDS holds the new job ids.
queue_commit() {
    echo 'COMMIT;' >>"$QUEUE_BATCH"
    local out
    out=$(sql - <"$QUEUE_BATCH") || fail "queueing failed: $(tail -n 5 "$CASS_TMP/psql.err")"
    mapfile -t JOB_IDS <<<"$out"
    local id
    for id in "${JOB_IDS[@]}"; do
        [[ $id =~ ^[0-9]+$ ]] || fail "queueing printed '$id', not a job id"
    done
    log "queued ${#JOB_IDS[@]} jobs (${JOB_IDS[0]}..${JOB_IDS[-1]})"
}

# Material for certificate jobs. make_csr_set N: N PEM CSRs in $CASS_TMP/csr-<i>.pem
# (0-based), to be shared by many jobs.
make_csr_set() {
    local i
    for ((i = 0; i < $1; i++)); do
        make_csr "$CASS_TMP/csr-$i.pem"
    done
}

# queue_client_sql NAME CSR_FILE: a client-profile job for NAME@example.org with a fresh proof.
queue_client_sql() {
    queue_cert_sql "$(cat "$2")" client "$(sql_array "email,$1@example.org")" "$(sql_array)" \
        "$(sql_array "$(proof_time '-1 hour'),emails,$RANDOM,address=$1@example.org")"
}

# queue_server_sql HOST CSR_FILE: a server-profile job for HOST.example.org with a fresh proof.
queue_server_sql() {
    queue_cert_sql "$(cat "$2")" server "$(sql_array "DNS,$1.example.org")" "$(sql_array)" \
        "$(sql_array "$(proof_time '-1 hour'),domains,$RANDOM,name=$1.example.org")"
}

# queue_certs N [CSR_SET]: queues N valid certificate jobs (client and server alternating) on
# the CSRs of make_csr_set (CSR_SET of them, default 3, made when missing); sets JOB_IDS.
queue_certs() {
    local n=$1 set=${2:-3} i
    [[ -f $CASS_TMP/csr-$((set - 1)).pem ]] || make_csr_set "$set"
    queue_begin
    for ((i = 0; i < n; i++)); do
        if ((i % 2 == 0)); then
            queue_client_sql "user$i-$RANDOM" "$CASS_TMP/csr-$((i % set)).pem"
        else
            queue_server_sql "host$i-$RANDOM" "$CASS_TMP/csr-$((i % set)).pem"
        fi
    done
    queue_commit
}

# Reading the queue.

# job_count [STATE] [KIND]: jobs in STATE (any when empty) of KIND (any when empty).
job_count() {
    local where="TRUE"
    [[ -z ${1:-} ]] || where+=" AND state = $(sql_lit "$1")"
    [[ -z ${2:-} ]] || where+=" AND kind = $(sql_lit "$2")"
    sql "SELECT count(*) FROM cassiopeia.job_status WHERE $where"
}

# open_count: jobs not finished (pending, running or retrying).
open_count() {
    sql "SELECT count(*) FROM cassiopeia.job_status WHERE state IN ('pending','running','retrying')"
}

# job_field ID COLUMN: one column of job_status for job ID.
job_field() {
    sql "SELECT $2 FROM cassiopeia.job_status WHERE job_id = $1"
}

# queue_summary: "state=count ..." of the whole queue, and the running jobs with the age of
# their last update, for messages.
queue_summary() {
    sql "SELECT string_agg(state || '=' || n, ' ' ORDER BY state)
         || coalesce(' (running: ' || (SELECT string_agg(job_id || ' since '
                || extract(epoch FROM now() - updated)::int || ' s', ', ' ORDER BY job_id)
            FROM cassiopeia.job_status WHERE state = 'running') || ')', '')
         FROM (SELECT state, count(*) AS n FROM cassiopeia.job_status GROUP BY state) s" ||
        echo "(database unreachable)"
}

# failed_jobs: "id kind last_error" of every failed job, one per line.
failed_jobs() {
    sql "SELECT job_id || ' ' || kind || ' ' || coalesce(last_error, '') FROM cassiopeia.job_status
         WHERE state = 'failed' ORDER BY job_id"
}

# wait_drained TIMEOUT_S: polls job_status until no job is open; fails after TIMEOUT_S seconds.
wait_drained() {
    local timeout_s=$1 n
    local deadline=$(($(cass_now_ms) + timeout_s * 1000))
    while true; do
        n=$(open_count 2>/dev/null) || n=unknown
        [[ $n != 0 ]] || return 0
        (($(cass_now_ms) < deadline)) ||
            fail "the queue did not drain within ${timeout_s} s: $(queue_summary)"
        sleep 0.2
    done
}

# wait_done_at_least N TIMEOUT_S: polls until at least N jobs are done.
wait_done_at_least() {
    local want=$1 timeout_s=$2 n
    local deadline=$(($(cass_now_ms) + timeout_s * 1000))
    while true; do
        n=$(job_count "done" 2>/dev/null) || n=0
        ((n < want)) || return 0
        (($(cass_now_ms) < deadline)) ||
            fail "fewer than $want jobs done within ${timeout_s} s: $(queue_summary)"
        sleep 0.2
    done
}

# expect_none_failed: fails the test when a job is failed.
expect_none_failed() {
    local f
    f=$(failed_jobs) || fail "cannot read job_status"
    [[ -z $f ]] || fail "jobs failed: $f"
}

# expect_all_issued N: exactly N jobs, all done certificate jobs, N distinct serials in issued,
# and the signer's repository holds exactly N certificates (none issued twice).
expect_all_issued() {
    local n=$1 got
    got=$(job_count "done" certificate)
    ((got == n)) || fail "$got certificate jobs done, expected $n: $(queue_summary)"
    got=$(job_count)
    ((got == n)) || fail "$got jobs in the queue, expected $n"
    got=$(sql "SELECT count(DISTINCT serial) FROM cassiopeia.issued")
    ((got == n)) || fail "issued holds $got distinct serials, expected $n"
    got=$(sql "SELECT count(*) FROM cassiopeia.issued")
    ((got == n)) || fail "issued holds $got rows, expected $n"
    got=$(repo_sql -readonly 'SELECT count(*) FROM certificates;')
    ((got == n)) || fail "the signer's repository holds $got certificates, expected $n"
}

# Daemons.

# daemon_start NAME [RUN_ARGS...]: starts `cassiopeia-client run RUN_ARGS` in the background
# (stdout in $CASS_TMP/NAME.out, stderr in $CASS_TMP/NAME.err), stopped at cleanup; sets
# DAEMON_PID.
daemon_start() {
    local name=$1
    shift
    log "starting daemon $name: run $*"
    "${CLIENT[@]}" run "$@" >"$CASS_TMP/$name.out" 2>"$CASS_TMP/$name.err" </dev/null &
    DAEMON_PID=$!
    save_pid "$DAEMON_PID"
}

# daemon_stop PID [GRACE_S]: sends TERM and waits up to GRACE_S seconds (default 30: it finishes
# its current job first); sets DAEMON_RC to its exit status. Fails when it does not exit.
daemon_stop() {
    local pid=$1 grace_s=${2:-30}
    cass_alive "$pid" || fail "the daemon (pid $pid) is already gone"
    kill -TERM "$pid"
    wait_for "! cass_alive $pid" "$grace_s" || fail "the daemon (pid $pid) ignored TERM for ${grace_s} s"
    local rc=0
    wait "$pid" || rc=$?
    # shellcheck disable=SC2034 # read by the tests
    DAEMON_RC=$rc
}

# run_once [RUN_ARGS...]: `run --once` under an outer timeout (120 s), expecting exit 0.
run_once() {
    expect_exit 0 timeout -k 5 120 "${CLIENT[@]}" run --once "$@"
}

# signer_stop: stops the signer (TERM) and waits until it is gone.
signer_stop() {
    local pid
    pid=$(server_pid)
    log "stopping the signer (pid $pid)"
    kill -TERM "$pid"
    wait_for "! cass_alive $pid" 15 || fail "the signer (pid $pid) ignored TERM for 15 s"
}

# hold_one_job: stops the signer with SIGSTOP (continued at cleanup), queues one certificate
# job and waits until a daemon holds it; sets SIGNER_PID and JOB.
hold_one_job() {
    SIGNER_PID=$(server_pid)
    log "stopping the signer with SIGSTOP (pid $SIGNER_PID)"
    kill -STOP "$SIGNER_PID"
    on_cleanup kill -CONT "$SIGNER_PID"
    queue_certs 1
    JOB=${JOB_IDS[0]}
    wait_for "[[ \$(job_field $JOB state) == running ]]" 30 ||
        fail "no daemon took job $JOB within 30 s: $(queue_summary)"
}

# signer_start_bg: starts the signer again as scripts/testbed does (pid in $CASS_DIR/pids and
# $CASS_DIR/server.pid) but without its readiness check: that asks `time` on the client's line,
# which a running daemon holds. The daemon's progress is the readiness check.
signer_start_bg() {
    log "starting the signer again (no readiness check: the daemon holds the line)"
    "$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF" </dev/null >>"$CASS_DIR/server.out" 2>&1 &
    local pid=$!
    echo "$pid" >>"$CASS_DIR/pids"
    echo "$pid" >"$CASS_DIR/server.pid"
    # It must get past its start-up checks and opening its lines (a second is plenty); a poll.
    local deadline=$(($(cass_now_ms) + 1000))
    while (($(cass_now_ms) < deadline)); do
        cass_alive "$pid" || fail "the signer (pid $pid) exited at start: $(tail -n 5 "$CASS_DIR/server.out")"
        sleep 0.1
    done
}

# add_second_line: a second socat pty pair ($CASS_DIR/srv2.tty, $CASS_DIR/cli2.tty) that the
# signer serves too (a second `line` in server.conf); restarts the signer. The pair's socat is
# stopped at cleanup. Clients take it with --line "$CASS_DIR/cli2.tty".
add_second_line() {
    socat -d -d pty,raw,echo=0,link="$CASS_DIR/srv2.tty" pty,raw,echo=0,link="$CASS_DIR/cli2.tty" \
        </dev/null >"$CASS_TMP/socat2.log" 2>&1 &
    save_pid $!
    if ! wait_for "$CASS_DIR/srv2.tty" 10 || ! wait_for "$CASS_DIR/cli2.tty" 10; then
        fail "socat made no second pty pair within 10 s"
    fi
    if [[ $(id -u) -eq 0 ]]; then
        chown "$(stat -c %U "$CASS_REPO"):" "$(readlink -f "$CASS_DIR/srv2.tty")"
    fi
    grep -q '^line = ' "$CASS_SERVER_CONF" || fail "server.conf has no line setting"
    sed -i "0,/^line = .*/s||&\nline = $CASS_DIR/srv2.tty|" "$CASS_SERVER_CONF"
    [[ $(grep -c '^line = ' "$CASS_SERVER_CONF") == 2 ]] || fail "cannot add a line to server.conf"
    signer_stop
    start_server
    expect_exit 0 timeout -k 5 60 "${CLIENT[@]}" --line "$CASS_DIR/cli2.tty" time
}

# pem_verifies PEM_FILE CA: openssl verifies the certificate up to the test root through CA.
pem_verifies() {
    openssl verify -CAfile "$CASS_PKI/root.pem" -untrusted "$CASS_PKI/ca/$2.pem" "$1" >/dev/null 2>&1
}

# pem_serial PEM_FILE: the certificate's serial as openssl prints it (upper-case hex).
pem_serial() {
    local s
    s=$(openssl x509 -in "$1" -noout -serial) || return 1
    echo "${s#serial=}"
}

# expect_issued_valid: every row of cassiopeia.issued verifies with openssl through its CA,
# and its serial is the certificate's.
expect_issued_valid() {
    local id serial ca pem=$CASS_TMP/issued.pem
    while IFS='|' read -r id serial ca; do
        sql "SELECT pem FROM cassiopeia.issued WHERE job_id = $id" >"$pem"
        [[ -f $CASS_PKI/ca/$ca.pem ]] || fail "job $id: issued by '$ca', a CA the PKI does not have"
        pem_verifies "$pem" "$ca" || fail "job $id: the certificate does not verify through $ca"
        [[ $(pem_serial "$pem") == "$serial" ]] ||
            fail "job $id: serial $serial in issued, $(pem_serial "$pem") in the certificate"
    done < <(sql "SELECT job_id, serial, ca FROM cassiopeia.issued ORDER BY job_id")
}

# metric FILE NAME_WITH_LABELS: the value of one Prometheus sample line (empty when absent).
metric() {
    awk -v name="$2" '$1 == name { print $2; exit }' "$1"
}

# The repository on a file system that fills up (test_repo_disk_full.sh, the fault matrix).

# skip_unless_mount: exits 77 (skipped) unless root may mount a tmpfs here (CI runs as root).
skip_unless_mount() {
    local probe
    probe=$(mktemp -d "${TMPDIR:-/tmp}/cass-mount-probe.XXXXXX")
    if [[ $(id -u) -ne 0 ]] || ! mount -t tmpfs -o size=64k tmpfs "$probe" 2>/dev/null; then
        rmdir "$probe"
        log "SKIP: needs root and the right to mount a tmpfs"
        trap - EXIT
        rm -rf "$CASS_TMP"
        exit 77
    fi
    umount "$probe"
    rmdir "$probe"
}

# repo_on_tmpfs SIZE: stops the signer and moves its repository onto a tmpfs of SIZE of its own
# (owner and mode kept, unmounted at cleanup); the caller starts the signer again.
repo_on_tmpfs() {
    log "moving the repository onto a $1 tmpfs"
    cass_stop_pid "$(server_pid)"
    local owner group mode
    owner=$(stat -c %u "$CASS_REPO") group=$(stat -c %g "$CASS_REPO") mode=$(stat -c %a "$CASS_REPO")
    mv "$CASS_REPO" "$CASS_TMP/repo-disk"
    mkdir "$CASS_REPO"
    mount -t tmpfs -o "size=$1,uid=$owner,gid=$group,mode=$mode" tmpfs "$CASS_REPO" ||
        fail "cannot mount a tmpfs on $CASS_REPO"
    # Lazily: the signer still holds its files open when the cleanup runs.
    on_cleanup umount -l "$CASS_REPO"
    cp -a "$CASS_TMP/repo-disk/." "$CASS_REPO/" || fail "cannot copy the repository onto the tmpfs"
}

# fill: a root-owned file takes every free block of the repository's tmpfs (dd stops at
# ENOSPC); unfill gives the space back.
fill() {
    if dd if=/dev/zero of="$CASS_REPO/filler" bs=4k status=none 2>"$CASS_TMP/dd.err"; then
        fail "dd filled $CASS_REPO/filler without running out of space"
    fi
    grep -q 'No space left on device' "$CASS_TMP/dd.err" ||
        fail "dd stopped for another reason: $(cat "$CASS_TMP/dd.err")"
    log "tmpfs full: $(df -k --output=avail "$CASS_REPO" | tail -n 1 | tr -d ' ') KiB left"
}
unfill() {
    rm -f "$CASS_REPO/filler"
}
