#!/usr/bin/env bash
# Regenerates the OpenPGP user-key fixtures of tests/unit/server/test_openpgp.cpp (gpg CLI only).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#
# Usage: tests/data/openpgp/make-fixtures.sh [OUT_DIR]   (default: this script's folder)
# TEST material: no passphrases, throwaway GNUPGHOME removed at the end; only public keys are
# written. The committed *.asc files were made by this script with GnuPG 2.2.40.
set -euo pipefail

out=${1:-$(cd "$(dirname "$0")" && pwd)}
mkdir -p "$out"
# Short path: gpg-agent's socket must fit in sun_path.
GNUPGHOME=$(mktemp -d /tmp/cass-fx-XXXXXX)
export GNUPGHOME
cleanup() {
    gpgconf --homedir "$GNUPGHOME" --kill all >/dev/null 2>&1 || true
    rm -rf "$GNUPGHOME"
}
trap cleanup EXIT

g() { gpg --batch --quiet --no-auto-check-trustdb --no-tty --pinentry-mode loopback --passphrase '' "$@"; }
fpr_of() { gpg --batch --with-colons --list-keys "$1" | awk -F: '$1 == "fpr" { print $10; exit }'; }
export_pub() { gpg --batch --armor --export-options export-clean --export "$1" >"$out/$2"; }

# alice.asc: Ed25519 primary, two e-mail user IDs, a Curve25519 encryption subkey, and a
# certification by bob on the first user ID (a third-party signature the signer must drop).
g --quick-gen-key 'Alice Example <alice@example.org>' ed25519 cert,sign never
alice=$(fpr_of alice@example.org)
g --quick-add-uid "$alice" 'Alice Other <alice@other.example>'
g --quick-add-key "$alice" cv25519 encr never
g --quick-gen-key 'Bob Example <bob@example.net>' ed25519 cert,sign never
bob=$(fpr_of bob@example.net)
g --local-user "$bob" --quick-sign-key "$alice" 'Alice Example <alice@example.org>' >/dev/null
gpg --batch --armor --export "$alice" >"$out/alice.asc"
echo "$bob" >"$out/alice-third-party-certifier.fpr"

# rsa3072.asc: an RSA-3072 primary with one e-mail user ID (accepted).
g --quick-gen-key 'Carol Example <carol@example.org>' rsa3072 cert,sign never
export_pub carol@example.org rsa3072.asc

# expired.asc: made in 2020 with a one-day validity.
g --faked-system-time 20200101T000000! --quick-gen-key 'Old Example <old@example.org>' \
    ed25519 cert,sign 1d
export_pub old@example.org expired.asc

# revoked.asc: revoked with the revocation certificate gpg made at generation.
g --quick-gen-key 'Gone Example <gone@example.org>' ed25519 cert,sign never
gone=$(fpr_of gone@example.org)
sed 's/^:-----/-----/' "$GNUPGHOME/openpgp-revocs.d/$gone.rev" >"$GNUPGHOME/gone.rev"
g --import "$GNUPGHOME/gone.rev"
export_pub "$gone" revoked.asc

# rsa1024.asc: too weak (docs/protocol.md §5.5 wants RSA >= 2048).
g --quick-gen-key 'Weak Example <weak@example.org>' rsa1024 cert,sign never
export_pub weak@example.org rsa1024.asc

# noemail.asc: a user ID without an address.
g --quick-gen-key 'Nobody Without Mail' ed25519 cert,sign never
export_pub 'Nobody Without Mail' noemail.asc

# two-keys.asc: two public keys in one armour (refused: exactly one key).
gpg --batch --armor --export "$alice" "$bob" >"$out/two-keys.asc"

echo "make-fixtures: OpenPGP fixtures written to $out"
