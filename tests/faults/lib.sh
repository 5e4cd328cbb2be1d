# The fault matrix's helpers (docs/reliability.md), on top of the integration tests' queue_lib.sh:
# a testbed over the line emulator with a mixed queue, the supervised daemons, the emulator's
# control socket, the matrix's checks and its results row.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck shell=bash
# shellcheck source=tests/integration/queue_lib.sh
source "$CASS_SOURCE_DIR/tests/integration/queue_lib.sh"

FAULTS_N=${CASS_FAULTS_N:-20}
# The results table: one tab-separated row per scenario run (docs/reliability.md).
FAULTS_RESULTS=${CASS_FAULTS_RESULTS:-$CASS_TMP/results.tsv}
# Distinct RSA-2048 CSRs, made once and shared by the scenarios of one run.
FAULTS_POOL=${CASS_FAULTS_POOL:-$CASS_TMP/pool}
FAULT_RESTARTS=0
FAULT_END_MS=0

# make_pool N: N PEM CSRs (fresh RSA-2048 keys) in $FAULTS_POOL/csr-<i>.pem and one test PKI
# ($FAULTS_POOL/pki, keys/make-test-pki) that every testbed of the run copies, made under a
# lock so that scenarios running side by side share one pool.
make_pool() {
    local n=$1 i
    mkdir -p "$FAULTS_POOL"
    (
        flock 9
        if [[ ! -f $FAULTS_POOL/pki/root.pem ]]; then
            rm -rf "$FAULTS_POOL/pki"
            "$CASS_SOURCE_DIR/keys/make-test-pki" "$FAULTS_POOL" >"$CASS_TMP/pool-pki.log" 2>&1 ||
                fail "keys/make-test-pki $FAULTS_POOL failed"
        fi
        for ((i = 0; i < n; i++)); do
            [[ -s $FAULTS_POOL/csr-$i.pem ]] && continue
            make_csr "$FAULTS_POOL/csr-$i.pem.tmp"
            mv "$FAULTS_POOL/csr-$i.pem.tmp.key" "$FAULTS_POOL/csr-$i.pem.key"
            mv "$FAULTS_POOL/csr-$i.pem.tmp" "$FAULTS_POOL/csr-$i.pem"
        done
    ) 9>"$FAULTS_POOL/.lock"
}

# fault_up: a fresh testbed over the line emulator (seeded by the scenario's name) and the CSR
# pool; CLIENT_TEST is the client's test build with the testbed's config.
fault_up() {
    local seed
    seed=$(cksum <<<"$FAULT_SCENARIO" | cut -d' ' -f1)
    make_pool "$FAULTS_N"
    export CASS_LINE=emulator CASS_LINE_ARGS="--seed $seed" CASS_TESTBED_PKI=$FAULTS_POOL
    queue_up
    [[ -S ${CASS_LINE_CTL:-} ]] || fail "the testbed's env names no line emulator control socket"
    CLIENT_TEST=("$CASS_BIN/cassiopeia-client-test" -c "$CASS_CLIENT_CONF")
}

# queue_mix N [FIRST]: N jobs, CSRs FIRST.. of the pool: certificates (client and server
# alternating), the N-th an OpenPGP key. Appends to JOBS.
queue_mix() {
    local n=$1 first=${2:-0} i
    queue_begin
    for ((i = first; i < first + n - 1; i++)); do
        if ((i % 2 == 0)); then
            queue_client_sql "user$i" "$FAULTS_POOL/csr-$((i % FAULTS_N)).pem"
        else
            queue_server_sql "host$i" "$FAULTS_POOL/csr-$((i % FAULTS_N)).pem"
        fi
    done
    queue_openpgp_sql "$CASS_SOURCE_DIR/tests/data/openpgp/alice.asc" \
        "$(proof_time '-1 hour'),emails,7,address=alice@example.org"
    queue_commit
    JOBS+=("${JOB_IDS[@]}")
}

# queue_revocation_of_first: once a certificate is issued, a revocation job for it.
queue_revocation_of_first() {
    wait_for "[[ -n \$(sql 'SELECT serial FROM cassiopeia.issued LIMIT 1') ]]" 120 ||
        fail "no certificate was issued within 120 s: $(queue_summary)"
    local row
    row=$(sql "SELECT ca || ' ' || serial FROM cassiopeia.issued ORDER BY job_id LIMIT 1")
    queue_begin
    queue_revocation_sql "${row%% *}" "${row#* }"
    queue_commit
    JOBS+=("${JOB_IDS[@]}")
}

# client_up [ENV=VALUE...]: the supervised client daemon (the test build when ENV is given, so
# that a kill point can be set); DAEMON_PID. Short polls so a drained queue is seen at once.
client_up() {
    local -a client=("${CLIENT[@]}")
    (($# == 0)) || client=(env "$@" "${CLIENT_TEST[@]}")
    log "client daemon up: ${*:-(production build)}"
    "${client[@]}" run --run.poll_s 1 --run.metrics_file "$CASS_TMP/run.prom" \
        >>"$CASS_TMP/daemon.out" 2>>"$CASS_TMP/daemon.err" </dev/null &
    DAEMON_PID=$!
    save_pid "$DAEMON_PID"
}

# signer_with ENV=VALUE...: the signer restarted as the test build with ENV (a kill point, a
# clock offset), as scripts/testbed starts it.
signer_with() {
    signer_stop
    (
        export "$@"
        start_server
    ) || exit 1
}

# supervise_restart WHAT PID TIMEOUT_S: waits until PID (killed by its kill point) is gone, then
# starts WHAT (signer or client) again as systemd would; counts the restart, ends the fault.
supervise_restart() {
    local what=$1 pid=$2
    wait_for "! cass_alive $pid" "$3" || fail "$what (pid $pid) did not hit its kill point in $3 s: $(queue_summary)"
    log "$what (pid $pid) died at its kill point: $(queue_summary); starting it again"
    if [[ $what == signer ]]; then
        signer_start_bg
    else
        client_up
    fi
    FAULT_RESTARTS=$((FAULT_RESTARTS + 1))
    fault_ended
}

# fault_ended: the fault is over (line back, process continued or restarted); drain time runs.
fault_ended() {
    FAULT_END_MS=$(cass_now_ms)
}

# serials_of_signer / serials_of_webdb: one canonical serial (upper-case hex, no leading zeros)
# a line, sorted.
canonical_serials() {
    tr 'a-f' 'A-F' | sed -E 's/^0+([0-9A-F])/\1/' | sort
}
serials_of_signer() {
    repo_sql -readonly 'SELECT serial FROM certificates;' | canonical_serials
}
serials_of_webdb() {
    sql "SELECT serial FROM cassiopeia.issued" | canonical_serials
}

# fault_check [POISON_FILE]: the matrix's checks once the queue drained: every job done or
# failed with a code (failed only where POISON_FILE lists "job code"), one certificate in the
# signer per done certificate job and the WebDB's issued equal to the signer's, and the
# supervised processes still the ones running. Writes the results row.
fault_check() {
    local poison=${1:-} drain_ms=$(($(cass_now_ms) - FAULT_END_MS))
    local done failed open certs signer webdb dups
    done=$(job_count "done") failed=$(job_count failed) open=$(open_count)
    certs=$(job_count "done" certificate)
    serials_of_signer >"$CASS_TMP/signer.serials"
    serials_of_webdb >"$CASS_TMP/webdb.serials"
    signer=$(wc -l <"$CASS_TMP/signer.serials") webdb=$(wc -l <"$CASS_TMP/webdb.serials")
    # Signed twice: a serial twice in the WebDB, or a signer certificate that no request id owns
    # (every request id, webdb:<job>, holds at most one).
    dups=$(($(uniq -d "$CASS_TMP/webdb.serials" | wc -l) + $(repo_sql -readonly \
        'SELECT count(*) FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM requests r WHERE r.serial = c.serial);')))
    printf '%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\n' "$FAULT_SCENARIO" "$done" "$failed" "$open" \
        "$signer" "$webdb" "$dups" "$FAULT_RESTARTS" "$((drain_ms))e-3" >>"$FAULTS_RESULTS"
    log "row: done=$done failed=$failed open=$open signer=$signer webdb=$webdb dups=$dups" \
        "restarts=$FAULT_RESTARTS drain=${drain_ms} ms"
    ((open == 0)) || fail "$open jobs still open: $(queue_summary)"
    ((dups == 0)) || fail "$dups certificates signed twice"
    cmp -s "$CASS_TMP/signer.serials" "$CASS_TMP/webdb.serials" ||
        fail "the WebDB's issued ($webdb) differs from the signer's certificates ($signer):" \
            "$(comm -23 "$CASS_TMP/signer.serials" "$CASS_TMP/webdb.serials" | wc -l) signed but lost"
    ((signer == certs)) || fail "$certs certificate jobs done, $signer certificates in the signer"
    check_failures "$poison"
    expect_alive "$DAEMON_PID" "the supervised client daemon"
    expect_alive "$(server_pid)" "the supervised signer"
    all_issued_verify
}

# all_issued_verify: every certificate in the WebDB's issued verifies through its CA up to the
# test root (one openssl call per CA, so that a thousand certificates take seconds).
all_issued_verify() {
    local dir=$CASS_TMP/issued ca
    rm -rf "$dir"
    mkdir -p "$dir"
    sql "SELECT ca || ' ' || job_id || E'\n' || pem FROM cassiopeia.issued ORDER BY job_id" |
        awk -v dir="$dir" '
            /^[A-Za-z0-9_-]+ [0-9]+$/ { if (file != "") close(file); file = dir "/" $1 "." $2 ".pem"; next }
            file != "" { print > file }'
    for ca in $(find "$dir" -name '*.pem' -printf '%f\n' | cut -d. -f1 | sort -u); do
        openssl verify -CAfile "$CASS_PKI/root.pem" -untrusted "$CASS_PKI/ca/$ca.pem" \
            "$dir/$ca".*.pem >"$CASS_TMP/verify.out" 2>&1 ||
            fail "certificates issued by $ca do not verify: $(grep -v ': OK$' "$CASS_TMP/verify.out" | head -n 5)"
    done
    local n
    n=$(find "$dir" -name '*.pem' | wc -l)
    [[ $n == $(sql "SELECT count(*) FROM cassiopeia.issued") ]] ||
        fail "$n certificates written out of $(sql "SELECT count(*) FROM cassiopeia.issued") issued rows"
}

# check_failures [POISON_FILE]: every failed job is listed in POISON_FILE ("job code" lines)
# with the code it failed with, or failed with $FAULT_MAY_FAIL (the code a scenario's fault may
# cause, e.g. internal); each failed on its first attempt; every listed job failed.
check_failures() {
    local poison=${1:-/dev/null} bad
    sql "SELECT job_id || ' ' || split_part(coalesce(last_error, '-'), ' ', 1) || ' ' || attempts
         FROM cassiopeia.job_status WHERE state = 'failed' ORDER BY job_id" >"$CASS_TMP/failed.txt"
    bad=$(awk -v may="${FAULT_MAY_FAIL:-}" '
        FILENAME == ARGV[1] { want[$1] = $2; next }
        { seen[$1] = 1 }
        !($1 in want) && $2 != may { print "job " $1 " failed with " $2; next }
        ($1 in want) && want[$1] != $2 { print "poison job " $1 " failed with " $2 ", expected " want[$1]; next }
        $3 != 1 { print "job " $1 " (" $2 ") failed after " $3 " attempts" }
        END { for (id in want) if (!(id in seen)) print "poison job " id " did not fail" }
    ' "$poison" "$CASS_TMP/failed.txt" | head -n 5)
    [[ -z $bad ]] || fail "$bad"
}
