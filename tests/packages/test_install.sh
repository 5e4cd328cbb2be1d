#!/usr/bin/env bash
# Installs the built Debian packages on this machine as an operator would, checks the layout,
# runs the installed signer's `check` and a signer and client over a pty pair, verifies the
# units, then purges the three packages and checks what is left (docs/packaging.md, "Purge").
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#
# Usage: CASS_INSTALL_TEST=1 tests/packages/test_install.sh [PACKAGE_DIR]  (as root)
#   PACKAGE_DIR: the .deb files of scripts/package (default build/packages). The test installs
#   and purges cassiopeia-{server,client,tools} and removes /etc/cassiopeia,
#   /var/lib/cassiopeia-{server,client} and /var/log/cassiopeia: it refuses to run unless
#   CASS_INSTALL_TEST=1 says this machine is a throwaway one (tests/ci/packages.sh sets it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pkgdir=$(realpath "${1:-$root/build/packages}")
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

packages=(cassiopeia-server cassiopeia-client cassiopeia-tools)
users=(cassiopeia cassiopeia-client)
state=(/etc/cassiopeia /var/lib/cassiopeia-server /var/lib/cassiopeia-client /var/log/cassiopeia)
tmp=$(mktemp -d /tmp/cass-install.XXXXXX)
chmod 0755 "$tmp"
pids=()

say() {
    echo "test_install: $*"
}

fail() {
    echo "test_install: FAIL: $* (temp folder kept: $tmp)" >&2
    exit 1
}

cleanup() {
    local rc=$? pid
    for pid in "${pids[@]}"; do
        cass_stop_pid "$pid" 5
    done
    [[ $rc -ne 0 ]] || rm -rf "$tmp"
}
trap cleanup EXIT

status_of() {
    dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true
}

# mode_is PATH "MODE OWNER GROUP"
mode_is() {
    local got
    got=$(stat -c '%a %U %G' "$1") || fail "$1 is missing"
    [[ $got == "$2" ]] || fail "$1 is '$got', want '$2'"
}

# A clean start: no package of ours, nothing of an earlier run.
prepare() {
    [[ $(id -u) -eq 0 ]] || fail "run as root: the test installs and purges packages"
    [[ ${CASS_INSTALL_TEST:-0} == 1 ]] ||
        fail "set CASS_INSTALL_TEST=1 on a throwaway machine: the test removes ${state[*]}"
    local p
    for p in "${packages[@]}"; do
        [[ -z $(status_of "$p") || $(status_of "$p") == un* ]] || dpkg --purge "$p" >/dev/null
    done
    rm -rf "${state[@]}"
}

install_packages() {
    local debs=() p
    for p in "${packages[@]}"; do
        debs+=("$(find "$pkgdir" -maxdepth 1 -name "${p}_*.deb" | sort | tail -n 1)")
        [[ -n ${debs[-1]} ]] || fail "no ${p}_*.deb in $pkgdir (run scripts/package)"
    done
    say "dpkg -i ${debs[*]##*/}"
    if ! dpkg -i "${debs[@]}"; then
        say "dpkg -i left dependencies out: apt-get -f install"
        DEBIAN_FRONTEND=noninteractive apt-get -f install -y -q --no-install-recommends
    fi
    for p in "${packages[@]}"; do
        [[ $(status_of "$p") == ii* ]] || fail "$p is not installed: $(status_of "$p")"
        dpkg -L "$p" >"$tmp/$p.list"
    done
}

# The layout docs/packaging.md promises.
check_layout() {
    local u f
    for u in "${users[@]}"; do
        getent passwd "$u" >/dev/null || fail "no user $u"
        id -nG "$u" | tr ' ' '\n' | grep -qx dialout || fail "$u is not in dialout"
    done
    mode_is /etc/cassiopeia/server.conf "640 root cassiopeia"
    mode_is /etc/cassiopeia/client.conf "640 root cassiopeia-client"
    mode_is /etc/cassiopeia/keys "700 cassiopeia cassiopeia"
    mode_is /etc/cassiopeia/link "755 root root"
    mode_is /var/lib/cassiopeia-server "700 cassiopeia cassiopeia"
    mode_is /var/lib/cassiopeia-client "700 cassiopeia-client cassiopeia-client"
    mode_is /var/lib/cassiopeia-client/crl "700 cassiopeia-client cassiopeia-client"
    mode_is /var/log/cassiopeia "750 cassiopeia cassiopeia"
    for f in /etc/cassiopeia/server.conf /etc/cassiopeia/server-log.properties \
        /etc/cassiopeia/profiles/server.conf; do
        dpkg-query -W -f='${Conffiles}\n' cassiopeia-server | grep -q " $f " ||
            fail "$f is not a conffile of cassiopeia-server"
    done
    # Each daemon's user cannot read the other's configuration.
    runuser -u cassiopeia-client -- test -r /etc/cassiopeia/server.conf &&
        fail "cassiopeia-client can read server.conf"
    runuser -u cassiopeia -- test -r /etc/cassiopeia/client.conf &&
        fail "cassiopeia can read client.conf"
    for f in cassiopeia-server.8 cassiopeia-server.conf.5 cassiopeia-client.8 \
        cassiopeia-client.conf.5 cassiopeia-record.1; do
        man -w "${f%.*}" >/dev/null 2>&1 || fail "man cannot find ${f}"
    done
    if cat "$tmp"/*.list | grep -E '(-test|line-emulator|/test_[^/]*|make-test-[a-z]*)$'; then
        fail "a test binary or test material is installed (above)"
    fi
    # Enabled at install (the wants/ link), not started.
    for u in cassiopeia-server cassiopeia-client; do
        [[ -L /etc/systemd/system/multi-user.target.wants/$u.service ]] ||
            fail "$u.service is not enabled"
        if [[ -d /run/systemd/system ]] && systemctl is-active --quiet "$u.service"; then
            fail "$u.service was started at install"
        fi
    done
    say "layout: users, modes, conffiles, manual pages, units enabled and not started"
}

# The operator's material from keys/make-test-pki, placed as docs/packaging.md says.
place_material() {
    bash "$root/keys/make-test-pki" "$tmp" 2>"$tmp/pki.err" ||
        { cat "$tmp/pki.err" >&2; fail "keys/make-test-pki fails"; }
    local pki=$tmp/pki
    install -m 0644 "$pki/link/ca.pem" "$pki/link/server.pem" "$pki/link/client.pem" \
        /etc/cassiopeia/link/
    install -o cassiopeia -g cassiopeia -m 0600 "$pki/link/server.key" /etc/cassiopeia/link/
    install -o cassiopeia-client -g cassiopeia-client -m 0600 "$pki/link/client.key" \
        /etc/cassiopeia/link/
    install -m 0644 "$pki"/ca/*.pem /etc/cassiopeia/ca/
    install -o cassiopeia -g cassiopeia -m 0600 "$pki"/ca-keys/*.key /etc/cassiopeia/keys/
    (cd /etc/cassiopeia && find link ca keys -type f | sort) >"$tmp/material.txt"
}

# `check` as the signer's user with the installed configuration, on the pty as its line (check
# refuses a line that does not exist, and this machine has no /dev/ttyUSB0).
check_signer() {
    local out=$tmp/check.out name key rc=0
    local -a check=(cassiopeia-server -c /etc/cassiopeia/server.conf --line "$tmp/srv.tty" check)
    runuser -u cassiopeia -- "${check[@]}" >"$out" || rc=$?
    [[ $rc -eq 0 ]] || { cat "$out" >&2; fail "cassiopeia-server check exits $rc"; }
    grep -q '^link credentials: ok' "$out" || fail "check did not accept the link credentials"
    for name in "$tmp"/pki/ca/*.pem; do
        name=$(basename "$name" .pem)
        grep -q "^ca $name: " "$out" || fail "check does not list CA $name"
    done
    # A CA key that its group may read is refused.
    key=$(find /etc/cassiopeia/keys -name '*.key' | sort | head -n 1)
    chmod 0640 "$key"
    if runuser -u cassiopeia -- "${check[@]}" >/dev/null 2>&1; then
        fail "check accepts the group-readable key $key"
    fi
    chmod 0600 "$key"
    say "cassiopeia-server check: $(grep -c '^ca ' "$out") CAs, link credentials ok"
}

# The serial line: a socat pty pair, $tmp/srv.tty and $tmp/cli.tty, each end its daemon's as a
# serial device would be through dialout.
start_line() {
    local srv=$tmp/srv.tty cli=$tmp/cli.tty
    socat pty,raw,echo=0,link="$srv" pty,raw,echo=0,link="$cli" \
        </dev/null >"$tmp/socat.log" 2>&1 &
    pids+=($!)
    wait_for "$srv" 10 && wait_for "$cli" 10 || fail "socat made no ptys"
    chown cassiopeia "$(readlink -f "$srv")"
    chown cassiopeia-client "$(readlink -f "$cli")"
}

# The installed signer and client over the pty pair: `time` answers.
talk() {
    local srv=$tmp/srv.tty cli=$tmp/cli.tty answer
    sed "s|^line = .*|line = $srv|" /etc/cassiopeia/server.conf >"$tmp/server.conf"
    chgrp cassiopeia "$tmp/server.conf"
    chmod 0640 "$tmp/server.conf"
    # setpriv execs the signer itself, so its pid is the one to stop.
    setpriv --reuid=cassiopeia --regid=cassiopeia --init-groups -- \
        cassiopeia-server -c "$tmp/server.conf" </dev/null >"$tmp/server.out" 2>&1 &
    pids+=($!)
    answer=$(runuser -u cassiopeia-client -- cassiopeia-client -c /etc/cassiopeia/client.conf \
        --line "$cli" --deadline.handshake_s 30 time 2>"$tmp/client.err") ||
        { cat "$tmp/client.err" "$tmp/server.out" >&2; fail "cassiopeia-client time fails"; }
    [[ $answer =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\ -?[0-9]+$ ]] ||
        fail "time printed '$answer'"
    cass_stop_pid "${pids[-1]}" 10
    say "installed signer and client over a pty pair: time -> $answer"
}

# Installing the package again (as an upgrade does) keeps the operator's edit of a conffile,
# its mode and group, and the keys.
reinstall() {
    local deb keys_before
    deb=$(find "$pkgdir" -maxdepth 1 -name 'cassiopeia-server_*.deb' | sort | tail -n 1)
    echo "# the operator's edit" >>/etc/cassiopeia/server.conf
    keys_before=$(ls /etc/cassiopeia/keys)
    dpkg -i "$deb" >"$tmp/reinstall.out" 2>&1 ||
        { cat "$tmp/reinstall.out" >&2; fail "dpkg -i of the same package fails"; }
    grep -qx "# the operator's edit" /etc/cassiopeia/server.conf ||
        fail "installing again lost the operator's edit of server.conf"
    mode_is /etc/cassiopeia/server.conf "640 root cassiopeia"
    mode_is /etc/cassiopeia/keys "700 cassiopeia cassiopeia"
    [[ $(ls /etc/cassiopeia/keys) == "$keys_before" ]] || fail "installing again changed the keys"
    say "installed again: the edited conffile, its mode and the keys kept"
}

verify_units() {
    local out=$tmp/verify.out
    if ! systemd-analyze verify /lib/systemd/system/cassiopeia-server.service \
        /lib/systemd/system/cassiopeia-client.service >"$out" 2>&1; then
        cat "$out" >&2
        fail "systemd-analyze verify fails"
    fi
    if grep -i 'cassiopeia' "$out"; then
        fail "systemd-analyze verify warns about our units (above)"
    fi
    say "systemd-analyze verify: both units clean"
}

# Purge: the packages' files, conffiles, state, log and unit links go; the operator's material
# and the signer's repository (it served: not empty) stay; the users stay.
purge_packages() {
    local p path left
    say "dpkg --purge ${packages[*]}"
    dpkg --purge "${packages[@]}" || fail "dpkg --purge exits $?"
    for p in "${packages[@]}"; do
        [[ $(status_of "$p") != ?[ic]* ]] || fail "$p is still known: $(status_of "$p")"
    done
    left=$(cd /etc/cassiopeia && find . -type f | sed 's|^\./||' | sort)
    diff <(echo "$left") "$tmp/material.txt" >&2 ||
        fail "after purge /etc/cassiopeia holds other files than the operator's (diff above)"
    [[ -n $(ls -A /var/lib/cassiopeia-server) ]] || fail "purge removed the signer's repository"
    [[ ! -e /var/lib/cassiopeia-client ]] || fail "purge left /var/lib/cassiopeia-client"
    [[ ! -e /var/log/cassiopeia ]] || fail "purge left /var/log/cassiopeia"
    for p in cassiopeia-server cassiopeia-client; do
        [[ ! -e /etc/systemd/system/multi-user.target.wants/$p.service ]] ||
            fail "purge left $p.service enabled"
    done
    while IFS= read -r path; do
        [[ $path != /. ]] || continue
        [[ -e $path || -L $path ]] || continue
        dpkg-query -S "$path" >/dev/null 2>&1 && continue  # another package's folder
        case $path in
            /etc/cassiopeia | /etc/cassiopeia/link | /etc/cassiopeia/ca) continue ;;
        esac
        fail "purge left $path"
    done < <(cat "$tmp"/*.list)
    for p in "${users[@]}"; do
        getent passwd "$p" >/dev/null || fail "purge removed the user $p"
    done
    say "purge: packages' files, conffiles, client state, log, unit links gone;" \
        "operator material ($(wc -l <"$tmp/material.txt") files), repository and users kept"

    # The operator archives the CA material and removes it: then nothing of ours is left.
    rm -rf /etc/cassiopeia /var/lib/cassiopeia-server
    left=$(find /etc /usr /var -xdev -path /var/tmp -prune -o \
        \( -user cassiopeia -o -user cassiopeia-client \) -print)
    [[ -z $left ]] || fail "files of the daemons' users are left: $left"
    say "nothing of the packages is left but the users cassiopeia and cassiopeia-client"
}

main() {
    prepare
    install_packages
    check_layout
    place_material
    start_line
    check_signer
    reinstall
    talk
    verify_units
    purge_packages
    say "PASS"
}

main "$@"
