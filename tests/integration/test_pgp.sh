#!/usr/bin/env bash
# OpenPGP certification over the testbed: only the proven user ID of the fixture key is
# certified, gpg in a fresh home accepts the certification, and bad keys or missing proofs are
# refused; the certifying key lives only in the signer's private GnuPG home in memory, which
# goes with the signer, and a GnuPG home an older signer left in the repository is wiped at
# start (docs/openpgp.md).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

data=$CASS_SOURCE_DIR/tests/data/openpgp
proven_uid='Alice Example <alice@example.org>'
other_uid='Alice Other <alice@other.example>'
ts=$(proof_time '-1 hour')

# A fresh GnuPG home with a short path (its sockets must fit in sun_path); its agent is killed
# at cleanup.
export GNUPGHOME=$CASS_TMP/g
mkdir -m 0700 "$GNUPGHOME"
on_cleanup gpgconf --kill all
gpg_() {
    gpg --batch --no-tty --quiet "$@" 2>>"$CASS_TMP/gpg.log"
}

# primary_fpr FILE: the primary key fingerprint of an armoured key.
primary_fpr() {
    gpg_ --show-keys --with-colons "$1" | awk -F: '$1 == "fpr" { print $10; exit }'
}

alice_fpr=$(primary_fpr "$data/alice.asc")
certifier_fpr=$(primary_fpr "$CASS_PKI/openpgp/certifier.asc")
[[ -n $alice_fpr && -n $certifier_fpr ]] || fail "gpg cannot read the fixture or certifier key"

expect_exit 0 "${CLIENT[@]}" pgp --key "$data/alice.asc" --out "$CASS_TMP/alice-cert.asc" \
    --proof "$ts,emails,17,address=alice@example.org" --log-out "$CASS_TMP/pgp-signer.log"
json=$OUT
[[ $json == \{*\} && $json != *$'\n'* ]] || fail "pgp printed no one-line JSON: '$json'"
[[ $(json_str fingerprint "$json") =~ ^[0-9A-F]{40}$ ]] || fail "pgp: fingerprint format: $json"
[[ $(json_str fingerprint "$json") == "$alice_fpr" ]] || fail "pgp: fingerprint is not $alice_fpr"
certified=$(json_list certified "$json") || fail "pgp: no certified list: $json"
[[ $certified == "$proven_uid" ]] || fail "pgp: certified is '$certified', not only '$proven_uid'"
[[ -s $CASS_TMP/pgp-signer.log ]] || fail "pgp: no signer log written to --log-out"
head -n 1 "$CASS_TMP/alice-cert.asc" | grep -qx -- '-----BEGIN PGP PUBLIC KEY BLOCK-----' ||
    fail "pgp --out is not an armoured public key"

# The returned key: the primary key and the proven user ID only.
mapfile -t uids < <(gpg_ --show-keys --with-colons "$CASS_TMP/alice-cert.asc" |
    awk -F: '$1 == "uid" { print $10 }')
[[ ${#uids[@]} -eq 1 && ${uids[0]} == "$proven_uid" ]] ||
    fail "the returned key carries the user IDs '${uids[*]}'"

# Merged into the owner's copy in a fresh home, next to the certifier's public key.
gpg_ --import "$data/alice.asc" "$CASS_PKI/openpgp/certifier.asc" ||
    fail "gpg cannot import the fixture and certifier keys"
gpg_ --import "$CASS_TMP/alice-cert.asc" || fail "gpg cannot import the returned key"
gpg_ --with-colons --check-sigs "$alice_fpr" >"$CASS_TMP/check-sigs.txt" ||
    fail "gpg --check-sigs failed"
# certs_by UID: the validity flags (field 2) of the certifier's certifications on UID.
certs_by() {
    awk -F: -v uid="$1" -v kid="${certifier_fpr: -16}" '
        $1 == "uid" || $1 == "sub" { cur = $10 }
        $1 == "sig" && cur == uid && $5 == kid && $11 ~ /^1[0-3]x$/ { print $2 }
    ' "$CASS_TMP/check-sigs.txt"
}
[[ $(certs_by "$proven_uid") == "!" ]] ||
    fail "no one valid certification by the certifier on '$proven_uid': $(certs_by "$proven_uid")"
[[ -z $(certs_by "$other_uid") ]] || fail "the certifier certified '$other_uid'"

# Refusals: weak, expired and revoked keys (with proofs for their addresses), no proof.
for key in expired:old rsa1024:weak revoked:gone; do
    expect_refusal pgp_key "${CLIENT[@]}" pgp --key "$data/${key%%:*}.asc" \
        --out "$CASS_TMP/${key%%:*}-cert.asc" \
        --proof "$ts,emails,17,address=${key#*:}@example.org"
    [[ ! -s $CASS_TMP/${key%%:*}-cert.asc ]] || fail "${key%%:*}: a key was written to --out"
done
expect_refusal proof_missing "${CLIENT[@]}" pgp --key "$data/alice.asc" \
    --out "$CASS_TMP/noproof-cert.asc"
# The refusal names every unproven user ID, not only the first.
refusal=$(grep -E '^error proof_missing' "$CASS_TMP/step-$cass_step.err")
for uid in "$proven_uid" "$other_uid"; do
    [[ $refusal == *"$uid"* ]] || fail "proof_missing does not name '$uid': $refusal"
done
expect_refusal proof_missing "${CLIENT[@]}" pgp --key "$data/alice.asc" \
    --out "$CASS_TMP/noproof-cert.asc" --proof "$ts,emails,17,address=bob@example.org"
[[ ! -s $CASS_TMP/noproof-cert.asc ]] || fail "a key was written to --out without a proof"
expect_alive "$(server_pid)" "the signer"

# The certifying key never lies in the repository, only in one private home in the signer's
# runtime folder (tmpfs, 0700, the signer's user's), while the signer runs.
# shellcheck disable=SC2153 # CASS_RUNTIME_DIR and CASS_REPO come from the testbed's env
run_dir=$CASS_RUNTIME_DIR
[[ -n $run_dir && -d $run_dir ]] || fail "the testbed gave the signer no runtime folder"
[[ ! -e $CASS_REPO/gnupg ]] || fail "the signer made a GnuPG home in its repository"
# signer_homes: the private GnuPG homes in the runtime folder, one per line.
signer_homes() {
    find "$run_dir" -mindepth 1 -maxdepth 1 -name 'cassiopeia-gnupg-*'
}
mapfile -t homes < <(signer_homes)
[[ ${#homes[@]} -eq 1 ]] || fail "not one GnuPG home in $run_dir: ${homes[*]}"
home=${homes[0]}
[[ $(stat -f -c %T "$home") == tmpfs ]] || fail "$home is not on tmpfs"
[[ $(stat -c %a "$home") == 700 ]] || fail "$home is not 0700"
[[ $(stat -c %U "$home") == "$(stat -c %U "$CASS_REPO")" ]] ||
    fail "$home does not belong to the signer's user"
[[ -n $(ls -A "$home/private-keys-v1.d") ]] || fail "no secret key in $home"

# agent_of HOME: the pids of the processes whose command line names HOME (its gpg-agent). Read
# with builtins only: a grep would find HOME in its own command line.
agent_of() {
    local f
    local -a args
    for f in /proc/[0-9]*/cmdline; do
        mapfile -d '' -t args 2>/dev/null <"$f" || continue
        [[ " ${args[*]} " == *"$1"* ]] && echo "${f//[!0-9]/}"
    done
    return 0
}
[[ -n $(agent_of "$home") ]] || fail "no gpg-agent runs for $home"

# A graceful stop wipes the home and stops its agent.
pid=$(server_pid)
kill -TERM "$pid"
wait_for "! cass_alive $pid" 15 || fail "the signer (pid $pid) ignored TERM for 15 s"
[[ ! -e $home ]] || fail "the signer left its GnuPG home $home behind"
[[ -z $(signer_homes) ]] || fail "a GnuPG home is left in $run_dir: $(signer_homes)"
wait_for "[[ -z \$(agent_of '$home') ]]" 5 || fail "the gpg-agent of $home outlived the signer"

# A GnuPG home that an older signer left in the repository, with a secret key in it, is wiped
# when the signer starts.
owner=$(stat -c %U "$CASS_REPO")
mkdir -m 0700 "$CASS_REPO/gnupg" "$CASS_REPO/gnupg/private-keys-v1.d"
echo "(private-key left on disk)" >"$CASS_REPO/gnupg/private-keys-v1.d/0123.key"
if [[ $(id -u) -eq 0 && $owner != root ]]; then
    chown -R "$owner:" "$CASS_REPO/gnupg"
fi
start_server
[[ ! -e $CASS_REPO/gnupg ]] || fail "the signer kept the GnuPG home left in its repository"
[[ $(signer_homes | wc -l) -eq 1 ]] || fail "the restarted signer has not one GnuPG home"
expect_exit 0 "${CLIENT[@]}" pgp --key "$data/alice.asc" --out "$CASS_TMP/alice-cert2.asc" \
    --proof "$ts,emails,17,address=alice@example.org"
[[ ! -e $CASS_REPO/gnupg ]] || fail "the signer made a GnuPG home in its repository"
expect_alive "$(server_pid)" "the signer"
