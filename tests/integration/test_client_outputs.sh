#!/usr/bin/env bash
# What the command-line client writes and accepts: result files are replaced through a unique
# temporary file (a symlink planted at the old fixed `<path>.tmp` or at the path itself redirects
# nothing), a certificate not issued by the signingCA's certificate in ca_certs and a CRL older
# than the copy are refused with exit status 4, and a request over the counts of docs/protocol.md §7 is
# refused with exit status 2 without the line.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

ts=$(proof_time '-1 hour')
ca=$(current_ca client)
other=$(current_ca server)
client_req=(--profile client --san "email,a@example.org" --proof "$ts,emails,17,address=a@example.org")
victim=$CASS_TMP/victim
echo keep >"$victim"

# expect_victim_kept: the file the planted symlinks point to is unchanged.
expect_victim_kept() {
    [[ $(cat "$victim") == keep ]] || fail "step $cass_step: a write went through a symlink"
}

# sign --out and --log-out with symlinks planted at the old fixed temporary names.
make_csr "$CASS_TMP/a.csr"
ln -s "$victim" "$CASS_TMP/a.pem.tmp"
ln -s "$victim" "$CASS_TMP/a.log.tmp"
expect_exit 0 "${CLIENT[@]}" sign --csr "$CASS_TMP/a.csr" "${client_req[@]}" \
    --out "$CASS_TMP/a.pem" --log-out "$CASS_TMP/a.log"
expect_victim_kept
openssl verify -CAfile "$CASS_PKI/root.pem" -untrusted "$CASS_PKI/ca/$ca.pem" \
    "$CASS_TMP/a.pem" >/dev/null || fail "the certificate in --out does not verify"
[[ -s $CASS_TMP/a.log && ! -L $CASS_TMP/a.log ]] || fail "--log-out holds no log"

# A symlink at --out itself is replaced by the file, not written through.
make_csr "$CASS_TMP/b.csr"
ln -s "$victim" "$CASS_TMP/b.pem"
expect_exit 0 "${CLIENT[@]}" sign --csr "$CASS_TMP/b.csr" "${client_req[@]}" \
    --out "$CASS_TMP/b.pem"
expect_victim_kept
[[ ! -L $CASS_TMP/b.pem ]] || fail "--out is still a symlink"
openssl x509 -in "$CASS_TMP/b.pem" -noout || fail "--out holds no certificate"

# crl --out with a symlink at the old temporary name.
ln -s "$victim" "$CASS_TMP/c.der.tmp"
expect_exit 0 "${CLIENT[@]}" crl --ca "$ca" --out "$CASS_TMP/c.der"
expect_victim_kept
crl_verifies "$CASS_TMP/c.der" "$ca" || fail "crl --out does not verify"
left=$(find "$CASS_TMP" "$CASS_CRL_DIR" -maxdepth 1 -name '.*.??????' | wc -l)
((left == 0)) || fail "$left temporary files left behind"

# ca_certs where the signingCA's name holds another CA's certificate: exit 4, nothing written.
mkdir "$CASS_TMP/wrong-cas"
cp "$CASS_PKI/ca/$other.pem" "$CASS_TMP/wrong-cas/$ca.pem"
make_csr "$CASS_TMP/d.csr"
expect_exit 4 "${CLIENT[@]}" --ca_certs "$CASS_TMP/wrong-cas" sign --csr "$CASS_TMP/d.csr" \
    "${client_req[@]}" --out "$CASS_TMP/d.pem"
[[ ! -e $CASS_TMP/d.pem ]] || fail "a certificate that failed its check was written"
# No certificate of the signing CA at all: exit 4 as well.
expect_exit 4 "${CLIENT[@]}" --ca_certs "$CASS_TMP/no-cas" sign --csr "$CASS_TMP/d.csr" \
    "${client_req[@]}" --out "$CASS_TMP/d.pem"
[[ ! -e $CASS_TMP/d.pem ]] || fail "an unchecked certificate was written"

# Rollback: the copy is CRL number 4096 (made with openssl and the CA's key, or with certtool
# and the CA's key on the token when the keys are there, CASS_HSM=1); the signer's CRL has a
# lower number, verifies, and is still refused; the copy stays.
forge=$CASS_TMP/forge
mkdir -p "$forge"
forge_with_openssl() {
    : >"$forge/index.txt"
    echo 1000 >"$forge/crlnumber"
    cat >"$forge/ca.cnf" <<EOT
[ca]
default_ca = forge
[forge]
database = $forge/index.txt
crlnumber = $forge/crlnumber
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
EOT
    openssl ca -batch -config "$forge/ca.cnf" -gencrl -cert "$CASS_PKI/ca/$ca.pem" \
        -keyfile "$CASS_PKI/ca-keys/$ca.key" -out "$forge/high.pem" 2>"$forge/ca.err" ||
        fail "openssl ca -gencrl failed: $(cat "$forge/ca.err")"
}
forge_with_token() {
    printf 'crl_number = 4096\ncrl_next_update = 7\n' >"$forge/crl.tmpl"
    cass_certtool "$CASS_DIR/hsm" --generate-crl --load-ca-certificate "$CASS_PKI/ca/$ca.pem" \
        --load-ca-privkey "$(cass_hsm_uri "$ca")" --template "$forge/crl.tmpl" \
        --outfile "$forge/high.pem" >"$forge/ca.err" 2>&1 ||
        fail "certtool --generate-crl failed: $(tail -n 5 "$forge/ca.err")"
}
if hsm_mode; then
    forge_with_token
else
    forge_with_openssl
fi
openssl crl -in "$forge/high.pem" -outform DER -out "$CASS_CRL_DIR/$ca.crl"
crl_verifies "$CASS_CRL_DIR/$ca.crl" "$ca" || fail "the forged newer copy does not verify"
held=$(file_hex "$CASS_CRL_DIR/$ca.crl")
expect_exit 4 "${CLIENT[@]}" crl --ca "$ca" --out "$CASS_TMP/rolled.der"
[[ $(file_hex "$CASS_CRL_DIR/$ca.crl") == "$held" ]] || fail "the older CRL replaced the copy"
[[ ! -e $CASS_TMP/rolled.der ]] || fail "the refused CRL was written to --out"

# Over the counts of docs/protocol.md §7, with the signer stopped: refused at once, exit 2, no link
# needed (with the line it would wait for the handshake deadline and exit 1).
cass_stop_pid "$(server_pid)"
many=()
for i in $(seq 1 101); do
    many+=(--san "DNS,h$i.example.org" --proof "$ts,domains,$i,name=h$i.example.org")
done
expect_exit 2 "${CLIENT[@]}" --deadline.handshake_s 5 sign --csr "$CASS_TMP/d.csr" \
    --profile server "${many[@]}" --out "$CASS_TMP/many.pem"
serials=()
for ((i = 1; i <= 10001; i++)); do
    printf -v hex '%04X' "$i"
    serials+=(--serial "$hex")
done
expect_exit 2 "${CLIENT[@]}" --deadline.handshake_s 5 revoke --ca "$ca" "${serials[@]}"
