#!/usr/bin/env bash
# Regenerates the CSR/SPKAC fixtures of the issuance tests with the openssl CLI (OpenSSL 3.0).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#
# Usage: tests/data/csr/make-fixtures.sh   (run in this folder; the private keys are thrown away)
set -euo pipefail
cd "$(dirname "$0")"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# The requests ask for things the signer must ignore: a foreign subject, CA:TRUE, other SANs.
cat > "$T/req.cnf" <<'CNF'
[req]
distinguished_name = dn
req_extensions = ext
prompt = no
[dn]
CN = evil.example.net
O = Someone Else
[ext]
basicConstraints = critical,CA:TRUE
subjectAltName = DNS:evil.example.net,DNS:*.example.org
keyUsage = keyCertSign,cRLSign
CNF

req() {  # req KEYFILE OUT FORMAT
    openssl req -new -config "$T/req.cnf" -key "$1" -sha256 -outform "$3" -out "$2"
}

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa2048.key"
req "$T/rsa2048.key" rsa2048.der DER
req "$T/rsa2048.key" rsa2048.pem PEM
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec256.key"
req "$T/ec256.key" ec256.der DER
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/ec384.key"
req "$T/ec384.key" ec384.pem PEM
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/rsa1024.key"
req "$T/rsa1024.key" rsa1024.der DER
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out "$T/k256.key"
req "$T/k256.key" secp256k1.der DER
openssl genpkey -algorithm ED25519 -out "$T/ed25519.key"
openssl req -new -config "$T/req.cnf" -key "$T/ed25519.key" -outform DER -out ed25519.der

# A flipped byte in the last byte of the signature: parses, does not verify.
cp rsa2048.der rsa2048-badsig.der
size=$(stat -c %s rsa2048-badsig.der)
last=$(od -An -tu1 -j $((size - 1)) -N1 rsa2048-badsig.der | tr -d ' ')
printf "$(printf '\\%03o' $(( (last ^ 1) & 255 )))" |
    dd of=rsa2048-badsig.der bs=1 seek=$((size - 1)) conv=notrunc status=none

# Trailing garbage after a valid DER request; two PEM blocks; a certificate in PEM.
{ cat ec256.der; printf 'XX'; } > ec256-trailing.der
cat rsa2048.pem ec384.pem > two-blocks.pem
openssl req -x509 -new -config "$T/req.cnf" -key "$T/ec256.key" -days 1 -out not-a-csr.pem

# SPKAC (openssl spkac prints "SPKAC=<base64>").
openssl spkac -key "$T/rsa2048.key" -digest sha256 -challenge test -out spkac-rsa2048.txt
openssl spkac -key "$T/rsa1024.key" -digest sha256 -challenge test -out spkac-rsa1024.txt
openssl spkac -key "$T/ec256.key" -digest sha256 -challenge test -out spkac-ec256.txt

# Self-signatures with hashes the signer no longer trusts (refused: csr_signature), and
# RSA-PSS with SHA-256 (accepted). PSS with SHA-1 leaves the hash out: the default, SHA-1.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa-old.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec-old.key"
old_req() {  # old_req KEYFILE OUT DIGEST [SIGOPT]
    openssl req -new -config "$T/req.cnf" -key "$1" "-$3" ${4:+-sigopt "$4"} -outform DER -out "$2"
}
old_req "$T/rsa-old.key" rsa2048-sha1.der sha1
old_req "$T/rsa-old.key" rsa2048-md5.der md5
old_req "$T/ec-old.key" ec256-sha1.der sha1
old_req "$T/rsa-old.key" rsa2048-pss-sha256.der sha256 rsa_padding_mode:pss
old_req "$T/rsa-old.key" rsa2048-pss-sha1.der sha1 rsa_padding_mode:pss
openssl spkac -key "$T/rsa-old.key" -digest sha1 -challenge test -out spkac-rsa2048-sha1.txt
openssl spkac -key "$T/rsa-old.key" -digest md5 -challenge test -out spkac-rsa2048-md5.txt
