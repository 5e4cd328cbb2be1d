# Measurements of scripts/bench over a testbed on the line emulator (sourced by scripts/bench;
# docs/performance.md says what each number means).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck shell=bash
#
# Expects from scripts/bench: root, work (scratch folder), cache (CSR cache), facts (key=value
# file of results), points (one TSV line per sweep point), client (the client command line),
# and the testbed's env sourced (CASS_*, PG*).

say() {
    echo "bench: $*" >&2
}

# fact KEY VALUE: records one result for the writers (scripts/bench_out.sh).
fact() {
    echo "$1=$2" >>"$facts"
}

# calc EXPR: awk arithmetic, printed with up to 6 significant digits.
calc() {
    awk "BEGIN { printf \"%.6g\", $1 }" 2>/dev/null || echo null
}

# ctl CMD: one command to the line emulator; prints its answer.
ctl() {
    printf '%s\n' "$*" | socat -t 5 - UNIX-CONNECT:"$CASS_LINE_CTL"
}

# line_counts: "UP DOWN", the bytes the line delivered so far client → signer (UP) and signer →
# client (DOWN). The signer holds the emulator's link A, the client link B.
line_counts() {
    ctl stats | tr ' ' '\n' | awk -F= '
        $1 == "b_to_a_out" { up = $2 } $1 == "a_to_b_out" { down = $2 }
        END { print up + 0, down + 0 }'
}

# make_csrs N: N distinct RSA-2048 CSRs in the cache (csr-<i>.pem, 0-based), made once (two at
# a time) and kept for the next run; also the DER size of each (csr-<i>.der-size).
make_csrs() {
    local n=$1 missing=() i
    mkdir -p "$cache"
    for ((i = 0; i < n; i++)); do
        [[ -s $cache/csr-$i.der-size ]] || missing+=("$i")
    done
    ((${#missing[@]} == 0)) && return 0
    say "making ${#missing[@]} RSA-2048 keys and CSRs (cached in $cache)"
    printf '%s\n' "${missing[@]}" | xargs -P 2 -I{} sh -c '
        openssl req -new -newkey rsa:2048 -nodes -keyout "$1/csr-$2.key" -subj "/CN=bench $2" \
            -out "$1/csr-$2.pem" 2>/dev/null &&
        openssl req -in "$1/csr-$2.pem" -outform DER | wc -c >"$1/csr-$2.der-size"' _ "$cache" {}
}

# proof_time: a proof one hour old, as the WebDB takes it.
proof_time() {
    date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ
}

# queue N: N client-profile certificate jobs in one transaction, each on its own cached CSR (N ≤
# the cache's size): one e-mail SAN and the CN, each proven by a proof line.
next_csr=0
queue() {
    local n=$1 i k t
    t=$(proof_time)
    {
        echo 'BEGIN;'
        for ((i = 0; i < n; i++)); do
            k=$(((next_csr + i) % csr_count))
            printf "SELECT cassiopeia.request_certificate('%s', 'client', " "$(cat "$cache/csr-$k.pem")"
            printf "array['email,bench%d@example.org'], array['CN,Bench %d'], " "$k" "$k"
            printf "array['%s,emails,%d,address=bench%d@example.org', '%s,names,%d,name=Bench %d']);\n" \
                "$t" "$k" "$k" "$t" "$k" "$k"
        done
        echo 'COMMIT;'
    } | psql -q -o /dev/null -v ON_ERROR_STOP=1
    next_csr=$(((next_csr + n) % csr_count))
}

done_jobs() {
    psql -tAc "select count(*) from cassiopeia.job_status where state = 'done'"
}

# client_run OUT_PREFIX ARGS...: runs the client with ARGS, samples its peak RSS (VmHWM, kB)
# while it runs into OUT_PREFIX.hwm, its stderr into OUT_PREFIX.err; sets run_ms and run_rc.
client_run() {
    local prefix=$1 pid sampler start
    shift
    start=$(cass_now_ms)
    "${client[@]}" "$@" >"$prefix.out" 2>"$prefix.err" &
    pid=$!
    (
        local v
        while [[ -r /proc/$pid/status ]]; do
            v=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || true
            [[ -z $v ]] || echo "$v" >"$prefix.hwm"
            sleep 0.05
        done
    ) &
    sampler=$!
    run_rc=0
    wait "$pid" || run_rc=$?
    run_ms=$(($(cass_now_ms) - start))
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    local hwm
    hwm=$(cat "$prefix.hwm" 2>/dev/null || echo 0)
    ((hwm <= client_hwm_kb)) || client_hwm_kb=$hwm
}

# fixed_cost LABEL ARGS...: the cost of one client invocation that has nothing to do but its
# fixed part: the client command ARGS (`time` for a one-shot: process start, HELLO, TLS
# handshake, one small command, close; `run --once` on an empty queue for the daemon: the same
# plus the status report and the CRL checks it makes at start). Sets hs_ms, hs_up and hs_down.
fixed_cost() {
    local label=$1 before after
    shift
    read -r -a before < <(line_counts)
    client_run "$work/fixed-$label" "$@"
    ((run_rc == 0)) || { tail "$work/fixed-$label.err" >&2; return 1; }
    read -r -a after < <(line_counts)
    hs_ms=$run_ms
    hs_up=$((after[0] - before[0]))
    hs_down=$((after[1] - before[1]))
}

# sessions_in METRICS_FILE: cassiopeia_link_sessions_total from the client's metrics file.
sessions_in() {
    awk '$1 == "cassiopeia_link_sessions_total" { print $2 }' "$1" 2>/dev/null | tail -n 1
}

# point BAUD WINDOW JOBS: one sweep point (BAUD 0: unthrottled) appended to $points; an
# unthrottled point, whose time moves most with the host's load, is measured $unthrottled_reps
# times and the run with the median jobs/s kept (every run's jobs/s is a fact).
point() {
    local baud=$1 window=$2 jobs=$3 reps=1 r tag=${points##*/}
    tag=${tag%.tsv}
    ((baud != 0)) || reps=$unthrottled_reps
    : >"$work/reps.tsv"
    for ((r = 1; r <= reps; r++)); do
        say "point: $jobs jobs at baud ${baud/#0/unthrottled}, window $window$( ((reps == 1)) ||
            echo ", run $r of $reps")"
        point_run "$baud" "$window" "$jobs" "$tag-$r" >>"$work/reps.tsv"
    done
    fact "runs_jobs_per_s_${tag}_${baud}_$window" "$(awk -F'\t' '{ printf "%s%.2f", (NR > 1 ? " " : ""),
        $3 * 1000 / ($5 - $8 < 1 ? 1 : $5 - $8) }' "$work/reps.tsv")"
    # The median by jobs/s: sorted by net milliseconds, the middle line.
    awk -F'\t' -v OFS='\t' '{ print $5 - $8, $0 }' "$work/reps.tsv" | sort -n |
        sed -n "$(((reps + 1) / 2))p" | cut -f 2- >>"$points"
    ctl baud 0 >/dev/null
}

# point_run BAUD WINDOW JOBS NAME: one measurement of a point; prints its line: baud window jobs
# done ms up down fixed_ms fixed_up fixed_down sessions.
point_run() {
    local baud=$1 window=$2 jobs=$3 before after done0 done1 name=$1-$2-$4 sessions
    local -a wargs=()
    ((window == 1 && !have_window)) || wargs=(--run.window "$window")
    ctl baud "$baud" >/dev/null
    fixed_cost "run-$name" run --once "${wargs[@]}"
    queue "$jobs"
    done0=$(done_jobs)
    read -r -a before < <(line_counts)
    client_run "$work/run-$name" run --once --run.metrics_file "$work/metrics-$name" "${wargs[@]}"
    ((run_rc == 0)) || { tail "$work/run-$name.err" >&2; return 1; }
    read -r -a after < <(line_counts)
    done1=$(done_jobs)
    sessions=$(sessions_in "$work/metrics-$name")
    ((${sessions:-0} <= max_sessions)) || max_sessions=$sessions
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$baud" "$window" "$jobs" \
        "$((done1 - done0))" "$run_ms" "$((after[0] - before[0]))" "$((after[1] - before[1]))" \
        "$hs_ms" "$hs_up" "$hs_down" "$sessions"
}

# sweep: every baud rate with window 1 and, when the client has run.window, window 8.
sweep() {
    local spec baud jobs window
    for spec in "${sweep_spec[@]}"; do
        baud=${spec%:*}
        jobs=${spec#*:}
        for window in 1 8; do
            if ((window == 8 && !have_window)); then
                printf '%s\t8\t%s\tmissing\n' "$baud" "$jobs" >>"$points"
                continue
            fi
            point "$baud" "$window" "$jobs"
        done
    done
}

# sizes: the mean DER sizes of the CSRs used and of the certificates issued so far.
sizes() {
    local csr_sum=0 i
    for ((i = 0; i < csr_count; i++)); do
        csr_sum=$((csr_sum + $(cat "$cache/csr-$i.der-size")))
    done
    fact csr_der_bytes "$(calc "$csr_sum / $csr_count")"
    fact cert_der_bytes "$(psql -tAc "select round(avg(length(decode(regexp_replace(pem,
        '-----[A-Z ]+-----|\\s', '', 'g'), 'base64'))), 1) from cassiopeia.issued")"
}

# ca_speed SECONDS: the issuing CA's key (type and size) and `openssl speed` signatures per
# second for it, one core.
ca_speed() {
    local secs=$1 ca text alg
    ca=$(psql -tAc "select ca from cassiopeia.issued order by job_id desc limit 1")
    text=$(openssl pkey -in "$CASS_PKI/ca-keys/$ca.key" -noout -text_pub 2>/dev/null)
    fact ca "$ca"
    if grep -q '^Modulus' <<<"$text"; then
        alg=rsa$(grep -oE '[0-9]+ bit' <<<"$text" | head -n 1 | grep -oE '[0-9]+')
    else
        alg=ecdsap$(awk '/NIST CURVE/ { print $3 }' <<<"$text" | tr -dc 0-9)
    fi
    fact ca_key "$alg"
    say "openssl speed -seconds $secs $alg (the CA's key)"
    # -mr: "+F<n>:<k>:<bits>:<signs/s>:<verifies/s>".
    fact openssl_sign_per_s "$(openssl speed -seconds "$secs" -mr "$alg" 2>/dev/null |
        awk -F: '/^\+F/ { printf "%.1f", $4; exit }')"
}

# predecessor N: the predecessor's way, one `openssl x509 -req` shell-out per certificate with
# the same CA key; certificates per second.
predecessor() {
    local n=$1 ca start i
    ca=$(psql -tAc "select ca from cassiopeia.issued order by job_id desc limit 1")
    say "the predecessor's way: $n openssl x509 -req shell-outs"
    start=$(cass_now_ms)
    for ((i = 1; i <= n; i++)); do
        openssl x509 -req -in "$cache/csr-$((i % csr_count)).pem" -CA "$CASS_PKI/ca/$ca.pem" \
            -CAkey "$CASS_PKI/ca-keys/$ca.key" -set_serial "$i" -days 30 -sha256 \
            -out "$work/peer.pem" 2>/dev/null
    done
    fact predecessor_certs "$n"
    fact predecessor_certs_per_s "$(calc "$n * 1000 / ($(cass_now_ms) - $start)")"
}

# signer_hwm: the running signer's peak RSS (kB).
signer_hwm() {
    awk '/^VmHWM/ { print $2 }' "/proc/$(cat "$CASS_DIR/server.pid")/status"
}

# revoke_next N: revokes the next N serials of the fill ($fill_serials from line $fill_used + 1)
# through the client's one-shot `revoke`, 10,000 serials a call at most (docs/protocol.md §7).
revoke_next() {
    local n=$1 chunk
    local -a args
    while ((n > 0)); do
        chunk=$((n < 10000 ? n : 10000))
        mapfile -t args < <(sed -n "$((fill_used + 1)),$((fill_used + chunk))p" "$fill_serials" |
            sed 's/^/--serial\n/')
        client_run "$work/revoke-grow" revoke --ca "$fill_ca" "${args[@]}"
        ((run_rc == 0)) || { tail "$work/revoke-grow.err" >&2; return 1; }
        fill_used=$((fill_used + chunk))
        n=$((n - chunk))
    done
}

# measure_revoke ENTRIES: one revoke of one more serial while the CRL holds ENTRIES, once at
# 115,200 baud (bytes each way, seconds; and the same less a session's cost) and once
# unthrottled (seconds: the signer's and the client's work on a CRL that size).
measure_revoke() {
    local entries=$1 before after baud
    for baud in 115200 0; do
        ctl baud "$baud" >/dev/null
        fixed_cost "revoke-$entries-$baud" time
        read -r -a before < <(line_counts)
        revoke_one "$work/revoke-$entries-$baud"
        read -r -a after < <(line_counts)
        if ((baud != 0)); then
            fact "revoke_${entries}_up" $((after[0] - before[0]))
            fact "revoke_${entries}_down" $((after[1] - before[1]))
            fact "revoke_${entries}_net_up" $((after[0] - before[0] - hs_up))
            fact "revoke_${entries}_net_down" $((after[1] - before[1] - hs_down))
            fact "revoke_${entries}_ms_115200" "$run_ms"
            fact "revoke_${entries}_net_ms_115200" $((run_ms - hs_ms))
        else
            fact "revoke_${entries}_ms_unthrottled" "$run_ms"
        fi
    done
    ctl baud 0 >/dev/null
}

# revoke_one PREFIX: revokes the next serial of the fill alone.
revoke_one() {
    local serial
    serial=$(sed -n "$((fill_used + 1))p" "$fill_serials")
    client_run "$1" revoke --ca "$fill_ca" --serial "$serial"
    ((run_rc == 0)) || { tail "$1.err" >&2; return 1; }
    fill_used=$((fill_used + 1))
}

# fill_repository COUNT: stops the signer, adds COUNT certificates to its repository with
# scripts/bench_fill.py, checks the repository with `cassiopeia-server audit-verify`, starts the
# signer again. Records the signer's peak RSS before the stop.
fill_repository() {
    local count=$1 db=$CASS_REPO/repository.sqlite rc=0 start
    fact signer_rss_before_fill_kb "$(signer_hwm)"
    say "stopping the signer; adding $count certificates to its repository"
    cass_stop_pid "$(cat "$CASS_DIR/server.pid")" 30
    fill_serials=$work/fill-serials
    start=$(cass_now_ms)
    python3 "$root/scripts/bench_fill.py" "$db" "$count" >"$fill_serials"
    fact fill_ms $(($(cass_now_ms) - start))
    fact fill_certificates "$count"
    fill_ca=$(sqlite3 "$db" "select ca from certificates where serial = '$(head -n 1 "$fill_serials")'")
    say "cassiopeia-server audit-verify on the filled repository"
    "$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF" audit-verify >"$work/audit-verify.out" \
        2>&1 || rc=$?
    fact fill_audit_verify_exit "$rc"
    # The fill and audit-verify ran as this user: the signer must still own its files.
    chown --reference="$CASS_REPO" "$CASS_REPO"/repository.sqlite* 2>/dev/null || true
    "$root/scripts/testbed" start-server "$CASS_DIR" >"$work/start-server.log" 2>&1 ||
        { cat "$work/start-server.log" >&2; return 1; }
    fill_used=0
}

# growth LEVEL...: the CRL grown to each LEVEL (ascending) by revoking serials of the fill,
# one revoke measured at each; then the issuance rate with the fill in the repository.
growth() {
    local level entries=0 last=${*: -1}
    # Two serials for each measured revoke, and a few to spare.
    fill_repository $((last + 2 * $# + 10))
    for level in "$@"; do
        say "growing the CRL to $level entries"
        revoke_next $((level - entries))
        entries=$level
        say "one revoke with $level entries on the CRL"
        measure_revoke "$level"
        entries=$((entries + 2))
    done
    fact growth_levels "$*"
}

# keys_compare JOBS: the signing rate with the CA keys in a SoftHSM2 token (a testbed with
# CASS_HSM=1, keys/make-test-pki --hsm) against key files: for each, a fresh testbed over the
# line emulator, unthrottled, an unthrottled point of JOBS jobs at window $best_window (the
# median of $unthrottled_reps runs, as the sweep's), jobs/s as the sweep counts them; then the
# ratio token ÷ files.
keys_compare() {
    local jobs=$1 mode file_rate hsm_rate
    for mode in file hsm; do
        # A side that cannot run (no SoftHSM2, a signer without PKCS#11) has no number.
        (keys_rate "$mode" "$jobs") || say "the keys in $mode: no measurement (see above)"
    done
    fact keys_jobs "$jobs"
    fact keys_window "$best_window"
    file_rate=$(get keys_file_jobs_per_s) hsm_rate=$(get keys_hsm_jobs_per_s)
    if [[ $file_rate =~ ^[0-9.]+$ && $hsm_rate =~ ^[0-9.]+$ ]]; then
        fact keys_hsm_ratio "$(round 3 "$(calc "$hsm_rate / $file_rate")")"
    fi
}

# keys_rate MODE JOBS (in a subshell: it sources another testbed's env): one side of
# keys_compare; MODE file or hsm.
keys_rate() {
    local mode=$1 jobs=$2 hsm=0
    local bed=$work/bed-$mode
    [[ $mode == hsm ]] && hsm=1
    say "the keys in $([[ $mode == hsm ]] && echo "a SoftHSM2 token" || echo files): testbed up"
    # shellcheck disable=SC2064 # the bed's path now
    trap "'$root/scripts/testbed' down '$bed' >/dev/null 2>&1 || true" EXIT
    CASS_HSM=$hsm CASS_LINE=emulator "$root/scripts/testbed" up "$bed" >"$work/testbed-$mode.log" \
        2>&1 || { cat "$work/testbed-$mode.log" >&2; return 1; }
    # shellcheck source=/dev/null
    source "$bed/env"
    client=("$CASS_BIN/cassiopeia-client" -c "$CASS_CLIENT_CONF")
    client_run "$work/warm-up-$mode" run --once
    points=$work/keys-$mode.tsv point 0 "$best_window" "$jobs"
    fact "keys_${mode}_done" "$(cut -f 4 "$work/keys-$mode.tsv")"
    fact "keys_${mode}_jobs_per_s" "$(awk -F'\t' '{ if ($4 == $3) printf "%.2f", $3 * 1000 / ($5 - $8); else print "null" }' \
        "$work/keys-$mode.tsv")"
}
