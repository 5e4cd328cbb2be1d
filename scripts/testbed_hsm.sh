# The SoftHSM2 token of a CASS_HSM=1 testbed (sourced by scripts/testbed; it uses the
# testbed's dir, root, signer_user, as_root and die).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck shell=bash disable=SC2154 # dir, root, signer_user: the testbed's

# hsm: true when the testbed keeps its CA and link keys in the token (CASS_HSM=1).
hsm() {
    [[ ${CASS_HSM:-} == 1 ]]
}

# copy_token: the token of CASS_TESTBED_PKI/hsm (its configuration pointed at the copy), or,
# when that PKI has none, a token made from the copied keys (which then go).
copy_token() {
    if [[ -d $CASS_TESTBED_PKI/hsm/tokens ]]; then
        cp -a "$CASS_TESTBED_PKI/hsm" "$dir/hsm"
        sed -i "s|^directories.tokendir = .*|directories.tokendir = $dir/hsm/tokens|" \
            "$dir/hsm/softhsm2.conf"
    elif ! "$root/keys/make-test-token" "$dir" >>"$dir/pki.log" 2>&1; then
        cat "$dir/pki.log" >&2
        die "keys/make-test-token $dir failed (log above, also in $dir/pki.log)"
    fi
}

# own_token: as root, the token and its PIN become the signer user's (the signer opens the
# token after it dropped root); the client, still root, gets a copy of the PIN of its own.
own_token() {
    as_root || return 0
    install -m 0600 "$dir/hsm/pin" "$dir/hsm/client-pin"
    chown -R "$signer_user:$signer_user" "$dir/hsm"
    chown "$(id -u):$(id -g)" "$dir/hsm/client-pin"
}

# client_pin: the PIN file of the client's config.
client_pin() {
    if as_root; then
        echo "$dir/hsm/client-pin"
    else
        echo "$dir/hsm/pin"
    fi
}

# pkcs11_section PIN_FILE: the [pkcs11] section of a daemon's config.
pkcs11_section() {
    printf '\n[pkcs11]\nmodule = %s\npin_file = %s\n' "$CASS_HSM_MODULE" "$1"
}
