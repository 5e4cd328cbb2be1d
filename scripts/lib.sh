# Shell helpers shared by scripts/testbed, scripts/demo and tests/integration/lib.sh (sourced).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck shell=bash

# Milliseconds since the epoch.
cass_now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# wait_for TARGET TIMEOUT_S: polls every 0.1 s until TARGET is there, or fails (status 1) after
# TIMEOUT_S seconds. TARGET is an absolute path (waits until it exists, a dangling symlink
# counts) or a shell command (waits until it exits 0; it runs in a subshell, so functions work).
wait_for() {
    local target=$1 timeout_s=$2
    local deadline=$(($(cass_now_ms) + timeout_s * 1000))
    while true; do
        if [[ $target == /* ]]; then
            [[ -e $target || -L $target ]] && return 0
        elif (eval "$target") >/dev/null 2>&1; then
            return 0
        fi
        (($(cass_now_ms) < deadline)) || return 1
        sleep 0.1
    done
}

# cass_alive PID: true while PID runs (a zombie, one that exited but was not reaped yet,
# counts as gone).
cass_alive() {
    local pid=$1 stat
    kill -0 "$pid" 2>/dev/null || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# cass_stop_pid PID [GRACE_S]: sends TERM, waits up to GRACE_S seconds (default 10) for PID to
# go, then sends KILL.
cass_stop_pid() {
    local pid=$1 grace_s=${2:-10}
    cass_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    local deadline=$(($(cass_now_ms) + grace_s * 1000))
    while cass_alive "$pid"; do
        if (($(cass_now_ms) >= deadline)); then
            echo "stopping: pid $pid ignored TERM for ${grace_s} s, sending KILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            return 0
        fi
        sleep 0.05
    done
}

# cass_stop_pids PIDFILE [GRACE_S]: stops every pid in PIDFILE, last started first (so the
# signer goes before the line it serves), each with cass_stop_pid.
cass_stop_pids() {
    local pidfile=$1 grace_s=${2:-10} pid
    [[ -f $pidfile ]] || return 0
    local -a pids=()
    mapfile -t pids < <(tac "$pidfile")
    for pid in "${pids[@]}"; do
        [[ $pid =~ ^[0-9]+$ ]] && cass_stop_pid "$pid" "$grace_s"
    done
    return 0
}

# The test token of keys/make-test-token (CASS_HSM=1 testbeds): its PKCS#11 module and label.
CASS_HSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
CASS_HSM_TOKEN=cassiopeia-test

# cass_hsm_uri OBJECT: the RFC 7512 URI of a private key on the test token.
cass_hsm_uri() {
    echo "pkcs11:token=$CASS_HSM_TOKEN;object=$1;type=private"
}

# cass_hsm_tool TOOL HSM_DIR ARGS...: a GnuTLS tool (p11tool, certtool) on the test token under
# HSM_DIR (DIR/hsm), with its SoftHSM2 configuration, the module and the user PIN from
# HSM_DIR/pin (for --login).
cass_hsm_tool() {
    local tool=$1 hsm=$2 pin
    shift 2
    pin=$(head -n 1 "$hsm/pin") || return 1
    SOFTHSM2_CONF=$hsm/softhsm2.conf GNUTLS_PIN=$pin \
        "$tool" --provider "$CASS_HSM_MODULE" "$@"
}

# cass_p11tool HSM_DIR ARGS...: p11tool on the test token under HSM_DIR.
cass_p11tool() {
    cass_hsm_tool p11tool "$@"
}

# cass_hsm_labels HSM_DIR: the labels of the private keys on the test token, sorted.
cass_hsm_labels() {
    cass_p11tool "$1" --list-privkeys --login "pkcs11:token=$CASS_HSM_TOKEN" |
        sed -n 's/^[[:space:]]*Label: //p' | sort
}

# cass_certtool HSM_DIR ARGS...: certtool with the test token under HSM_DIR, to sign with one
# of its keys outside the daemons (--load-ca-privkey "$(cass_hsm_uri OBJECT)").
cass_certtool() {
    cass_hsm_tool certtool "$@"
}
