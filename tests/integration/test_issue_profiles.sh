#!/usr/bin/env bash
# X.509 issuance over the testbed, one certificate per served profile: the signer rebuilds each
# from the records and the profile (never the CSR), and openssl alone accepts the chain.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up

ts=$(proof_time '-1 hour')
now=$(date -u +%s)
serial_re='^([1-7][0-9A-F]|0[1-9A-F])[0-9A-F]{30}$'
time_re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
DAY=86400

# The signer lists every time CA of the test PKI.
expect_exit 0 "${CLIENT[@]}" status
for f in "$CASS_PKI"/ca/*.pem; do
    name=$(basename "$f" .pem)
    grep -q "\"name\" *: *\"$name\"" <<<"$OUT" || fail "status does not list the CA $name: $OUT"
done
before=$(cert_count)

# epoch_of "Apr 24 18:36:02 2027 GMT" / "2027-04-24T18:36:02Z": seconds since the epoch.
epoch_of() {
    date -u -d "$1" +%s || fail "date cannot read '$1'"
}

# cert_time FILE startdate|enddate: the certificate's notBefore / notAfter in epoch seconds.
cert_time() {
    local line
    line=$(openssl x509 -in "$1" -noout "-$2") || fail "openssl cannot read $1"
    epoch_of "${line#*=}"
}

# issue NAME FAMILY CAP_DAYS SIGN_ARGS...: runs `sign` with a fresh RSA CSR (unless SIGN_ARGS
# name their own --csr/--spkac) into $CASS_TMP/NAME.pem and checks what every certificate must
# satisfy: exit 0, the JSON line, the chain, the current CA of FAMILY (or, for FAMILY ocsp:<ca>,
# that CA), no CA flag, a 16-byte serial, the validity (CAP_DAYS, clamped to the CA). Sets CERT,
# CA (the signing CA's name) and JSON.
issue() {
    local name=$1 family=$2 cap_days=$3
    shift 3
    CERT=$CASS_TMP/$name.pem
    local -a args=("$@")
    if [[ " ${args[*]} " != *" --csr "* && " ${args[*]} " != *" --spkac "* ]]; then
        make_csr "$CASS_TMP/$name.csr"
        args=(--csr "$CASS_TMP/$name.csr" "${args[@]}")
    fi
    expect_exit 0 "${CLIENT[@]}" sign "${args[@]}" --out "$CERT" --log-out "$CASS_TMP/$name.log"
    JSON=$OUT
    [[ $JSON == \{*\} && $JSON != *$'\n'* ]] || fail "$name: sign printed no one-line JSON: '$JSON'"
    [[ -s $CASS_TMP/$name.log ]] || fail "$name: no signing log written to --log-out"
    openssl x509 -in "$CERT" -noout 2>/dev/null || fail "$name: --out is not a PEM certificate"

    local want_ca
    if [[ $family == ocsp:* ]]; then
        want_ca=${family#ocsp:}
    else
        want_ca=$(current_ca "$family")
    fi
    CA=$(json_str ca "$JSON")
    [[ $CA == "$want_ca" ]] || fail "$name: signed by '$CA', not the current CA $want_ca"
    local ca_pem=$CASS_PKI/ca/$CA.pem
    local verify
    verify=$(openssl verify -CAfile "$CASS_PKI/root.pem" -untrusted "$ca_pem" "$CERT" 2>&1) ||
        fail "$name: openssl verify refuses the certificate: $verify"
    [[ $(openssl x509 -in "$CERT" -noout -issuer) == \
        "$(openssl x509 -in "$ca_pem" -noout -subject | sed 's/^subject=/issuer=/')" ]] ||
        fail "$name: the issuer is not the subject of $CA"

    local serial
    serial=$(json_str serial "$JSON")
    [[ $serial =~ $serial_re ]] || fail "$name: serial '$serial' is not 16 positive bytes in hex"
    [[ "serial=$serial" == "$(openssl x509 -in "$CERT" -noout -serial)" ]] ||
        fail "$name: JSON serial $serial is not the certificate's"

    local bc
    bc=$(openssl x509 -in "$CERT" -noout -ext basicConstraints)
    grep -q 'critical' <<<"$bc" && grep -q 'CA:FALSE' <<<"$bc" ||
        fail "$name: basicConstraints is not critical CA:FALSE (the CSR asked for CA:TRUE): $bc"

    local nb na ca_na jnb jna
    nb=$(cert_time "$CERT" startdate)
    na=$(cert_time "$CERT" enddate)
    ca_na=$(cert_time "$ca_pem" enddate)
    jnb=$(json_str not_before "$JSON")
    jna=$(json_str not_after "$JSON")
    [[ $jnb =~ $time_re && $jna =~ $time_re ]] || fail "$name: JSON times '$jnb' '$jna'"
    [[ $(epoch_of "$jnb") == "$nb" && $(epoch_of "$jna") == "$na" ]] ||
        fail "$name: JSON times $jnb $jna are not the certificate's"
    ((nb >= now - 300 && nb <= $(date -u +%s) + 5)) ||
        fail "$name: notBefore $(date -u -d "@$nb") is not now"
    ((na <= ca_na)) || fail "$name: notAfter is past the CA's notAfter"
    local want_na=$((nb + cap_days * DAY - 1))
    ((want_na <= ca_na)) || want_na=$ca_na
    ((na == want_na)) || fail "$name: notAfter $(date -u -d "@$na" +%FT%TZ), expected" \
        "$(date -u -d "@$want_na" +%FT%TZ) ($cap_days days from notBefore, clamped to the CA)"
}

# expect_subject NAME WANT: the subject with string types, in order (openssl -nameopt show_type).
expect_subject() {
    local got
    got=$(openssl x509 -in "$CERT" -noout -subject \
        -nameopt utf8,sep_comma_plus_space,space_eq,show_type)
    [[ $got == "subject=$2" ]] || fail "$1: subject is '$got', expected 'subject=$2'"
}

# expect_ext NAME EXT WANT: the extension's value lines (after the header); '' = absent.
expect_ext() {
    local got
    got=$(openssl x509 -in "$CERT" -noout -ext "$2" 2>/dev/null | sed -n '2,$p' | sed 's/^ *//')
    [[ $got == "$3" ]] || fail "$1: $2 is '$got', expected '$3'"
}

# expect_ext_critical NAME EXT yes|no
expect_ext_critical() {
    local header
    header=$(openssl x509 -in "$CERT" -noout -ext "$2" | head -n 1)
    if [[ $3 == yes ]]; then
        [[ $header == *critical* ]] || fail "$1: $2 is not critical"
    else
        [[ $header != *critical* ]] || fail "$1: $2 is critical"
    fi
}

# client: e-mail SAN, CN proven by names, RSA keys keep keyEncipherment.
issue client client 398 --profile client \
    --san email,alice@example.org --ava "CN,Alice Example" \
    --proof "$ts,emails,17,address=alice@example.org" --proof "$ts,names,4,name=Alice Example"
expect_subject client "CN = UTF8STRING:Alice Example"
expect_ext client subjectAltName "email:alice@example.org"
expect_ext client keyUsage "Digital Signature, Key Encipherment"
expect_ext_critical client keyUsage yes
expect_ext client extendedKeyUsage "TLS Web Client Authentication, E-mail Protection"
client_ca=$CA

# client-org: every AVA, verbatim UTF-8 and a comma in O; a DNS SAN too; sha384.
issue client-org client 398 --profile client-org --hash sha384 \
    --san email,bob@example.org --san DNS,bob.example.org \
    --ava "CN,Bob Example" --ava "emailAddress,bob@example.org" --ava "O,Example, Ltd" \
    --ava C,DE --ava ST,Bayern --ava "L,München" \
    --proof "$ts,emails,18,address=bob@example.org" --proof "$ts,domains,5,name=bob.example.org" \
    --proof "$ts,names,5,name=Bob Example" \
    --proof "$ts,organisations,3,name=Example%2C Ltd,country=DE,state=Bayern,locality=München"
expect_subject client-org "CN = UTF8STRING:Bob Example, emailAddress = IA5STRING:bob@example.org,\
 O = UTF8STRING:Example, Ltd, C = PRINTABLESTRING:DE, ST = UTF8STRING:Bayern,\
 L = UTF8STRING:München"
expect_ext client-org subjectAltName "email:bob@example.org, DNS:bob.example.org"
expect_ext client-org extendedKeyUsage "TLS Web Client Authentication, E-mail Protection"
openssl x509 -in "$CERT" -noout -text | grep -qiE 'Signature Algorithm: *(sha384|ecdsa-with-SHA384)' ||
    fail "client-org: not signed with SHA-384 (--hash sha384)"

# client-codesign: family codesign, EKU codeSigning only.
issue client-codesign codesign 398 --profile client-codesign \
    --san email,dev@example.org --ava "CN,Dev Example" --ava "O,Example Ltd" --ava C,DE \
    --proof "$ts,emails,19,address=dev@example.org" --proof "$ts,names,6,name=Dev Example" \
    --proof "$ts,organisations,3,name=Example Ltd,country=DE"
expect_subject client-codesign \
    "CN = UTF8STRING:Dev Example, O = UTF8STRING:Example Ltd, C = PRINTABLESTRING:DE"
expect_ext client-codesign subjectAltName "email:dev@example.org"
expect_ext client-codesign keyUsage "Digital Signature"
expect_ext client-codesign extendedKeyUsage "Code Signing"

# server: DNS names (stored lower-case), a wildcard proven by its base name, CN among the SANs.
issue server server 200 --profile server \
    --san DNS,WWW.Example.org --san "DNS,*.example.org" --ava CN,www.example.org \
    --proof "$ts,domains,5,name=www.example.org" --proof "$ts,domains,6,name=example.org"
expect_subject server "CN = UTF8STRING:www.example.org"
expect_ext server subjectAltName "DNS:www.example.org, DNS:*.example.org"
expect_ext server keyUsage "Digital Signature, Key Encipherment"
expect_ext server extendedKeyUsage "TLS Web Server Authentication"
expect_ext_critical server extendedKeyUsage no
server_ca=$CA

# server-org: organisation proven, and a validity shorter than the cap (--to 10d).
issue server-org-10d server 10 --profile server-org --to 10d \
    --san DNS,shop.example.org --ava CN,shop.example.org --ava "O,Example Ltd" --ava C,DE \
    --ava L,Berlin \
    --proof "$ts,domains,7,name=shop.example.org" \
    --proof "$ts,organisations,3,name=Example Ltd,country=DE,locality=Berlin"
expect_subject server-org "CN = UTF8STRING:shop.example.org, O = UTF8STRING:Example Ltd,\
 C = PRINTABLESTRING:DE, L = UTF8STRING:Berlin"
expect_ext server-org subjectAltName "DNS:shop.example.org"
expect_ext server-org extendedKeyUsage "TLS Web Server Authentication"

# timestamp: no SANs, EKU timeStamping critical (RFC 3161 §2.3).
issue timestamp timestamp 398 --profile timestamp \
    --ava "CN,Example TSA" --ava "O,Example Ltd" --ava C,DE \
    --proof "$ts,names,7,name=Example TSA" --proof "$ts,organisations,3,name=Example Ltd,country=DE"
expect_subject timestamp \
    "CN = UTF8STRING:Example TSA, O = UTF8STRING:Example Ltd, C = PRINTABLESTRING:DE"
expect_ext timestamp subjectAltName ""
expect_ext timestamp keyUsage "Digital Signature"
expect_ext timestamp extendedKeyUsage "Time Stamping"
expect_ext_critical timestamp extendedKeyUsage yes

# ocsp: signed by the CA named with --ocsp-ca, EKU OCSPSigning, ocspNoCheck, 30 days.
issue ocsp "ocsp:$client_ca" 30 --ocsp-ca "$client_ca" \
    --ava "CN,Example OCSP Responder" --ava "O,Example Ltd" --ava C,DE \
    --proof "$ts,names,8,name=Example OCSP Responder" \
    --proof "$ts,organisations,3,name=Example Ltd,country=DE"
expect_subject ocsp \
    "CN = UTF8STRING:Example OCSP Responder, O = UTF8STRING:Example Ltd, C = PRINTABLESTRING:DE"
expect_ext ocsp extendedKeyUsage "OCSP Signing"
openssl x509 -in "$CERT" -noout -text | grep -q 'OCSP No Check' ||
    fail "ocsp: no id-pkix-ocsp-nocheck extension"

# An EC P-256 key: keyEncipherment is dropped for it.
openssl ecparam -name prime256v1 -out "$CASS_TMP/p256.pem" || fail "openssl ecparam failed"
make_csr "$CASS_TMP/ec.csr" "ec:$CASS_TMP/p256.pem"
issue server-ec server 200 --csr "$CASS_TMP/ec.csr" --profile server \
    --san DNS,ec.example.org --proof "$ts,domains,8,name=ec.example.org"
[[ $CA == "$server_ca" ]] || fail "server-ec: signed by $CA, server by $server_ca"
expect_subject server-ec ""
expect_ext server-ec subjectAltName "DNS:ec.example.org"
# No AVAs: empty subject, so the SAN is critical (RFC 5280 §4.2.1.6).
expect_ext_critical server-ec subjectAltName yes
expect_ext server-ec keyUsage "Digital Signature"
[[ $(openssl x509 -in "$CERT" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum) == \
    "$(openssl pkey -in "$CASS_TMP/ec.csr.key" -pubout -outform DER | sha256sum)" ]] ||
    fail "server-ec: the certificate's key is not the CSR's"

# An SPKAC (as `openssl spkac` writes it, with the SPKAC= prefix) for the client profile.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$CASS_TMP/spkac.key" 2>/dev/null
openssl spkac -key "$CASS_TMP/spkac.key" -digest sha256 -challenge x >"$CASS_TMP/spkac.txt" ||
    fail "openssl spkac failed"
issue client-spkac client 398 --spkac "$CASS_TMP/spkac.txt" --profile client \
    --san email,carol@example.org --proof "$ts,emails,20,address=carol@example.org"
expect_subject client-spkac ""
expect_ext client-spkac subjectAltName "email:carol@example.org"
[[ $(openssl x509 -in "$CERT" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum) == \
    "$(openssl pkey -in "$CASS_TMP/spkac.key" -pubout -outform DER | sha256sum)" ]] ||
    fail "client-spkac: the certificate's key is not the SPKAC's"

# The same SPKAC without the SPKAC= prefix (the bare base64).
sed 's/^SPKAC=//' "$CASS_TMP/spkac.txt" >"$CASS_TMP/spkac-bare.txt"
issue client-spkac-bare client 398 --spkac "$CASS_TMP/spkac-bare.txt" --profile client \
    --san email,carol@example.org --proof "$ts,emails,20,address=carol@example.org"
expect_ext client-spkac-bare subjectAltName "email:carol@example.org"

after=$(cert_count)
((after == before + 10)) || fail "repository holds $after certificates, expected $((before + 10))"
expect_alive "$(server_pid)" "the signer"
