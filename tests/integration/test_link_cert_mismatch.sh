#!/usr/bin/env bash
# Mutual TLS on the link: a client certificate from another CA, a client trusting another CA and
# a client expecting another signer name all fail with exit 1, and the signer keeps serving.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

# A throwaway CA of its own, and a client certificate from it with the right name.
other=$CASS_TMP/other
mkdir -m 0700 "$other"
(
    cd "$other"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout ca.key -out ca.pem -days 2 -subj "/CN=Other link CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout client.key -out client.csr -subj "/CN=client.cassiopeia.test"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" \
        "subjectAltName=DNS:client.cassiopeia.test" >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile client.ext -out client.pem
    chmod 0600 ./*.key
) >"$CASS_TMP/openssl.log" 2>&1 || fail "openssl could not make the throwaway CA"

expect_exit 0 "${CLIENT[@]}" time

log "client certificate from another CA"
expect_exit 1 timeout -k 5 30 "${CLIENT[@]}" --deadline.handshake_s 5 \
    --tls.cert "$other/client.pem" --tls.key "$other/client.key" time
[[ -z $OUT ]] || fail "a refused client printed '$OUT'"

log "client trusting another CA than the signer's"
expect_exit 1 timeout -k 5 30 "${CLIENT[@]}" --deadline.handshake_s 5 \
    --tls.ca "$other/ca.pem" time
[[ -z $OUT ]] || fail "a client that cannot verify the signer printed '$OUT'"

log "client expecting another signer name"
expect_exit 1 timeout -k 5 30 "${CLIENT[@]}" --deadline.handshake_s 5 \
    --tls.peer_name wrong.cassiopeia.test time
[[ -z $OUT ]] || fail "a client with the wrong peer name printed '$OUT'"

expect_alive "$(server_pid)" "the signer"
expect_exit 0 timeout -k 5 90 "${CLIENT[@]}" time
