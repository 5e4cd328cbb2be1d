#!/usr/bin/env bash
# The root re-sign ceremony (docs/key-ceremony.md): `resign` re-signs an old MD5 root with
# SHA-256, then the intermediate under it, keeping everything but the signature, the serial
# and the authority key identifier byte for byte; `compare` shows an auditor that, and under
# the re-signed chain every leaf gets the verdict it had under the old one (openssl verify).
# Test material: keys/make-resign-pki. With CASS_HSM=1 the old root's key is on the token.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

testbed_up
OLD=$CASS_TMP/old
NEW=$CASS_TMP/new
"$CASS_SOURCE_DIR/keys/make-resign-pki" "$OLD" 2>>"$CASS_TMP/openssl.log" ||
    fail "keys/make-resign-pki failed"
mkdir -m 0700 "$NEW"
SERVER=("$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF")
COMPARE=("$CASS_BIN/cassiopeia-server" compare)
# The old root's key: a file, or (CASS_HSM=1) the token's object old-root, the file gone.
root_key=$OLD/root.key
if hsm_mode; then
    token_import "$OLD/root.key" "$OLD/root.pem" old-root
    root_key=$(cass_hsm_uri old-root)
fi
ROOT_ARGS=(resign --cert "$OLD/root.pem" --key "$root_key")
INTER_ARGS=(resign --cert "$OLD/inter.pem" --issuer-cert "$NEW/root.pem" --issuer-key "$root_key"
    --hash sha256)

# fingerprint CERT: the SHA-256 fingerprint as `openssl x509 -fingerprint` prints it.
fingerprint() {
    openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2
}

# resign_entries: the number of audit entries of kind resign in the signer's repository.
resign_entries() {
    repo_sql -readonly "SELECT count(*) FROM audit_log WHERE kind = 'resign'"
}

# new_listing: what $NEW holds, with each file's SHA-256 (a refusal must not change it).
new_listing() {
    (cd "$NEW" && find . -type f -exec sha256sum {} + | sort)
}

# refused ARGS...: `resign ARGS` exits 2 and writes no file and no audit entry.
refused() {
    local before entries
    before=$(new_listing)
    entries=$(resign_entries)
    expect_exit 2 "${SERVER[@]}" "$@"
    [[ $(new_listing) == "$before" ]] || fail "step $cass_step: a refused resign wrote a file"
    (($(resign_entries) == entries)) || fail "step $cass_step: a refused resign was audited"
}

# DER helpers: offsets of openssl asn1parse, so that bytes are compared and changed exactly.

# der_of CERT: the path of CERT in DER (made once, under $CASS_TMP/der).
der_of() {
    local der=$CASS_TMP/der/${1//\//_}.der
    mkdir -p "$CASS_TMP/der"
    [[ -f $der ]] || openssl x509 -in "$1" -outform DER -out "$der" || fail "openssl cannot read $1"
    echo "$der"
}

# asn1_rows DER: one line per element: OFFSET DEPTH HEADER_LENGTH LENGTH prim|cons TEXT.
asn1_rows() {
    local re='^ *([0-9]+):d=([0-9]+) +hl=([0-9]+) +l= *([0-9]+) +(prim|cons): *(.*[^ ]) *$'
    openssl asn1parse -inform DER -in "$1" | sed -E "s/$re/\\1 \\2 \\3 \\4 \\5 \\6/"
}

# tbs_field DER N: "OFFSET SIZE" of the Nth element of tbsCertificate (1 version, 2 serial,
# 3 signature, 4 issuer, 5 validity, 6 subject, 7 subjectPublicKeyInfo, 8 extensions).
tbs_field() {
    asn1_rows "$1" | awk -v n="$2" '$2 == 2 && ++i == n { print $1, $3 + $4 }'
}

# ext_names DER: the extensions' OIDs (asn1parse's names), in the certificate's order.
# ext_field DER NAME: "OFFSET SIZE" of the Extension (OID, critical, value) named NAME.
ext_rows() {
    asn1_rows "$1" | awk '$2 == 2 { inext = ($0 ~ /cont \[ 3 \]/) }
        inext && $2 == 4 { off = $1; size = $3 + $4 }
        inext && $2 == 5 && $5 == "prim" && $6 == "OBJECT" {
            sub(/^[^:]*:/, ""); print off, size, $0 }'
}
ext_names() {
    ext_rows "$1" | cut -d ' ' -f 3-
}
ext_field() {
    ext_rows "$1" | awk -v name="$2" '{ o = $1; s = $2; $1 = ""; $2 = ""; sub(/^ +/, "") }
        $0 == name { print o, s }'
}

# hex_at DER OFFSET SIZE: those bytes in hex.
hex_at() {
    od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}

# flip_byte FILE OFFSET: XORs the byte at OFFSET with 1 (a letter or digit stays one).
flip_byte() {
    local v
    v=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
    # shellcheck disable=SC2059 # the format is made here: one \xNN escape
    printf "$(printf '\\x%02x' $((v ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# check_json OLD NEW ISSUER...: the JSON line of the last resign names NEW and the
# fingerprints of OLD, NEW and one of ISSUER...; NEW is signed with SIGALG (default
# sha256WithRSAEncryption). Sets OUT_SERIAL.
check_json() {
    local old=$1 new=$2 issuer f ok=false
    shift 2
    [[ -f $new ]] || fail "resign wrote no $new"
    # A certificate is public: 0644 (docs/key-ceremony.md, "What `resign` checks").
    [[ $(stat -c %a "$new") == 644 ]] || fail "$new has mode $(stat -c %a "$new"), not 644"
    [[ $(json_str out "$OUT") == "$new" ]] || fail "JSON out is not $new: $OUT"
    [[ $(json_str new_sha256 "$OUT") == "$(fingerprint "$new")" ]] ||
        fail "JSON new_sha256 is not the fingerprint of $new: $OUT"
    [[ $(json_str old_sha256 "$OUT") == "$(fingerprint "$old")" ]] ||
        fail "JSON old_sha256 is not the fingerprint of $old: $OUT"
    issuer=$(json_str issuer_sha256 "$OUT")
    for f in "$@"; do
        [[ $issuer != "$(fingerprint "$f")" ]] || ok=true
    done
    [[ $ok == true ]] || fail "JSON issuer_sha256 is none of $*: $OUT"
    [[ -n $(json_str subject "$OUT") ]] || fail "JSON has no subject: $OUT"
    OUT_SERIAL=$(json_str serial "$OUT")
    local alg=${SIGALG:-sha256WithRSAEncryption}
    (($(openssl x509 -in "$new" -noout -text | grep -c "Signature Algorithm: $alg\$") == 2)) ||
        fail "$new is not signed with $alg"
}

# check_kept OLD NEW: subject, issuer, validity, key and every extension but the AKI are the
# same bytes, and the extensions in the same order.
check_kept() {
    local old=$1 new=$2 opt n name a b
    for opt in -subject -issuer -dates -pubkey; do
        a=$(openssl x509 -in "$old" -noout "$opt")
        [[ $a == "$(openssl x509 -in "$new" -noout "$opt")" ]] ||
            fail "$new: openssl x509 $opt differs from $old"
    done
    old=$(der_of "$old")
    new=$(der_of "$new")
    for n in 4 5 6 7; do
        read -r a b < <(tbs_field "$old" "$n")
        local old_hex new_hex
        old_hex=$(hex_at "$old" "$a" "$b")
        read -r a b < <(tbs_field "$new" "$n")
        new_hex=$(hex_at "$new" "$a" "$b")
        [[ $old_hex == "$new_hex" ]] || fail "$new: tbsCertificate field $n is not the old bytes"
    done
    [[ $(ext_names "$old") == "$(ext_names "$new")" ]] ||
        fail "$new: the extensions or their order changed: $(ext_names "$new" | tr '\n' ',')"
    while IFS= read -r name; do
        [[ $name != "X509v3 Authority Key Identifier" ]] || continue
        read -r a b < <(ext_field "$old" "$name")
        old_hex=$(hex_at "$old" "$a" "$b")
        read -r a b < <(ext_field "$new" "$name")
        new_hex=$(hex_at "$new" "$a" "$b")
        [[ $old_hex == "$new_hex" ]] || fail "$new: extension $name is not the old bytes"
    done < <(ext_names "$old")
}

# check_aki_keyid_only OLD NEW: NEW's AKI holds OLD's key identifier and nothing else.
check_aki_keyid_only() {
    local keyid='([0-9A-F]{2}:){19}[0-9A-F]{2}' old_aki new_aki
    old_aki=$(openssl x509 -in "$1" -noout -ext authorityKeyIdentifier)
    new_aki=$(openssl x509 -in "$2" -noout -ext authorityKeyIdentifier)
    grep -q 'DirName' <<<"$old_aki" || fail "$1 has no issuer name in its AKI: the material changed"
    if grep -qE 'DirName|serial' <<<"$new_aki"; then
        fail "$2: --aki keyid left issuer name or serial in the AKI: $new_aki"
    fi
    [[ $(grep -oE "$keyid" <<<"$new_aki") == "$(grep -oE "$keyid" <<<"$old_aki")" ]] ||
        fail "$2: the AKI's key identifier changed"
}

# The auditor's allows after `resign --serial ... --aki keyid`.
ALLOWS=(--allow signature --allow serial --allow authorityKeyIdentifier)

# compare_field FIELD STATE: the last compare's line for FIELD says STATE (same, allowed,
# DIFFERS), followed by a colon and the detail.
compare_field() {
    grep -qE "^$1 $2(:|\$)" <<<"$OUT" || fail "step $cass_step: compare does not say '$1 $2'"
}

check_compare() {
    local old=$OLD/root.pem new=$NEW/root.pem
    log "compare: the auditor's view of old and new root"
    expect_exit 0 "${COMPARE[@]}" "$old" "$new" "${ALLOWS[@]}"
    compare_field subject same
    compare_field validity same
    compare_field key same
    compare_field serial allowed
    compare_field signature allowed
    compare_field authorityKeyIdentifier allowed
    compare_field nsComment same
    # Any allow dropped: a disallowed difference.
    expect_exit 1 "${COMPARE[@]}" "$old" "$new" --allow serial --allow authorityKeyIdentifier
    compare_field signature DIFFERS
    expect_exit 1 "${COMPARE[@]}" "$old" "$new" --allow signature --allow authorityKeyIdentifier
    compare_field serial DIFFERS
    expect_exit 1 "${COMPARE[@]}" "$old" "$new" --allow signature --allow serial
    compare_field authorityKeyIdentifier DIFFERS
    expect_exit 1 "${COMPARE[@]}" "$old" "$new"
    # The AKI by its dotted OID, and DER files.
    expect_exit 0 "${COMPARE[@]}" "$old" "$new" --allow signature --allow serial \
        --allow 2.5.29.35
    expect_exit 0 "${COMPARE[@]}" "$(der_of "$old")" "$(der_of "$new")" "${ALLOWS[@]}"
    expect_exit 0 "${COMPARE[@]}" "$old" "$new" "${ALLOWS[@]}" --allow nsComment
    # Usage: validity is never allowed; unknown fields; unreadable files.
    expect_exit 2 "${COMPARE[@]}" "$old" "$new" "${ALLOWS[@]}" --allow validity
    expect_exit 2 "${COMPARE[@]}" "$old" "$new" "${ALLOWS[@]}" --allow no-such-field
    expect_exit 2 "${COMPARE[@]}" "$old" "$CASS_TMP/no-such-file.pem" "${ALLOWS[@]}"
    expect_exit 2 "${COMPARE[@]}" "$old" "$OLD/root.crl" "${ALLOWS[@]}"
    # A certificate against itself, with no allow.
    expect_exit 0 "${COMPARE[@]}" "$new" "$new"
    expect_exit 0 "${COMPARE[@]}" "$old" "$old"
    # The intermediate kept its serial; the root re-signed without --serial and --aki
    # differs in its signature only.
    expect_exit 0 "${COMPARE[@]}" "$OLD/inter.pem" "$NEW/inter.pem" --allow signature \
        --allow authorityKeyIdentifier
    expect_exit 1 "${COMPARE[@]}" "$OLD/inter.pem" "$NEW/inter.pem" --allow signature
    expect_exit 0 "${COMPARE[@]}" "$old" "$NEW/root-same-serial.pem" --allow signature
    expect_exit 1 "${COMPARE[@]}" "$old" "$NEW/root-same-serial.pem"
    # New URLs: allowed by name (the CRL DP also by its dotted OID), else a difference.
    expect_exit 0 "${COMPARE[@]}" "$old" "$NEW/root-urls.pem" --allow signature \
        --allow authorityKeyIdentifier --allow 2.5.29.31 --allow authorityInfoAccess
    expect_exit 1 "${COMPARE[@]}" "$old" "$NEW/root-urls.pem" --allow signature \
        --allow authorityKeyIdentifier --allow crlDistributionPoints
    compare_field authorityInfoAccess DIFFERS
}

# tampered WHAT OFFSET: new-root's DER with the byte at OFFSET flipped must not pass compare
# with the auditor's allows: exit 1 while openssl still parses it, else 1 or 2.
tampered() {
    local file=$CASS_TMP/tampered-$1.der
    cp "$(der_of "$NEW/root.pem")" "$file"
    flip_byte "$file" "$2"
    cmp -s "$file" "$(der_of "$NEW/root.pem")" && fail "tampering with $1 changed nothing"
    if openssl x509 -inform DER -in "$file" -noout 2>/dev/null; then
        expect_exit 1 "${COMPARE[@]}" "$OLD/root.pem" "$file" "${ALLOWS[@]}"
    else
        log "the $1 tampered file does not parse: compare may exit 1 or 2"
        local rc=0
        "${COMPARE[@]}" "$OLD/root.pem" "$file" "${ALLOWS[@]}" >/dev/null 2>&1 || rc=$?
        [[ $rc == 1 || $rc == 2 ]] || fail "compare exits $rc on the $1 tampered file"
    fi
}

check_tamper() {
    local der off size hl len
    der=$(der_of "$NEW/root.pem")
    log "compare: one byte changed in subject, validity, key, kept extensions"
    read -r off size < <(tbs_field "$der" 6)
    tampered subject $((off + size - 1))
    read -r off size < <(tbs_field "$der" 5)
    # The seconds' last digit of notBefore (the first UTCTime inside the validity).
    read -r off hl len < <(asn1_rows "$der" | awk -v o="$off" '$1 > o && $2 == 3 {
        print $1, $3, $4; exit }')
    tampered validity $((off + hl + len - 2))
    read -r off size < <(tbs_field "$der" 7)
    read -r off hl len < <(asn1_rows "$der" | awk -v o="$off" '$1 > o && $2 == 3 &&
        $6 == "BIT" { print $1, $3, $4; exit }')
    tampered key $((off + hl + len / 2))
    for name in "Netscape Comment" "X509v3 CRL Distribution Points" \
        "X509v3 Certificate Policies"; do
        read -r off size < <(ext_field "$der" "$name")
        tampered "${name// /-}" $((off + size - 1))
    done
}

# verdict CA INTER LEAF: OK, or the error of `openssl verify` (error N at D depth) for LEAF
# under the trust anchor CA with INTER untrusted and both CRLs checked for the whole chain.
verdict() {
    local out
    if out=$(openssl verify -CAfile "$1" -untrusted "$2" -crl_check_all \
        -CRLfile "$OLD/root.crl" -CRLfile "$OLD/inter.crl" "$3" 2>&1); then
        echo OK
    else
        { grep -oE 'error [0-9]+ at [0-9]+ depth lookup: .*' <<<"$out" || echo "failed"; } |
            head -n 1
    fi
}

check_equivalence() {
    log "equivalence: every leaf gets the same verdict under the old and the new chain"
    expect_exit 0 openssl verify -check_ss_sig -CAfile "$OLD/root.pem" "$OLD/root.pem"
    expect_exit 0 openssl verify -CAfile "$OLD/root.pem" "$OLD/inter.pem"
    expect_exit 0 openssl verify -check_ss_sig -CAfile "$NEW/root.pem" "$NEW/root.pem"
    expect_exit 0 openssl verify -CAfile "$NEW/root.pem" "$NEW/inter.pem"
    expect_exit 0 openssl verify -check_ss_sig -CAfile "$NEW/root-same-serial.pem" \
        "$NEW/root-same-serial.pem"
    local leaf old_v new_v
    for leaf in leaf-root leaf-inter leaf-revoked leaf-expired leaf-impostor; do
        old_v=$(verdict "$OLD/root.pem" "$OLD/inter.pem" "$OLD/$leaf.pem")
        new_v=$(verdict "$NEW/root.pem" "$NEW/inter.pem" "$OLD/$leaf.pem")
        log "$leaf: old chain: $old_v; new chain: $new_v"
        echo "$leaf | $old_v | $new_v" >>"$CASS_TMP/matrix.txt"
        [[ $old_v == "$new_v" ]] ||
            fail "$leaf: '$old_v' under the old chain, '$new_v' under the new"
        case $leaf in
            leaf-root | leaf-inter) [[ $old_v == OK ]] || fail "$leaf does not verify: $old_v" ;;
            *) [[ $old_v != OK ]] || fail "$leaf verifies" ;;
        esac
    done
}

# The known exception: the old intermediate's AKI names the old root's serial.
check_exception() {
    log "exception: the old intermediate under the new root with another serial"
    local out
    if out=$(openssl verify -CAfile "$NEW/root.pem" "$OLD/inter.pem" 2>&1); then
        fail "the old intermediate verifies under a root whose serial changed"
    fi
    log "openssl verify -CAfile new-root.pem inter.pem: $(tr '\n' ' ' <<<"$out")"
    echo "old inter under new root: $out" >>"$CASS_TMP/matrix.txt"
    [[ $(verdict "$NEW/root.pem" "$OLD/inter.pem" "$OLD/leaf-inter.pem") != OK ]] ||
        fail "leaf-inter verifies through the old intermediate under the new root"
    # Re-signed without --serial (and the AKI kept), the old intermediate still chains.
    expect_exit 0 openssl verify -CAfile "$NEW/root-same-serial.pem" "$OLD/inter.pem"
    [[ $(verdict "$NEW/root-same-serial.pem" "$OLD/inter.pem" "$OLD/leaf-inter.pem") == OK ]] ||
        fail "leaf-inter does not verify through the old intermediate under the same-serial root"
    [[ $(verdict "$NEW/root-same-serial.pem" "$NEW/inter.pem" "$OLD/leaf-inter.pem") == OK ]] ||
        fail "leaf-inter does not verify through the new intermediate under the same-serial root"
}

log "refused while the signer daemon runs"
refused "${ROOT_ARGS[@]}" --hash sha256 --serial 0x1001 --aki keyid --out "$NEW/root.pem"
kill -TERM "$(server_pid)"
wait_for "! kill -0 $(server_pid) 2>/dev/null" 20 || fail "the signer did not stop"

log "refusals: weak hash, wrong key, not self-signed, wrong issuer"
refused "${ROOT_ARGS[@]}" --hash md5 --serial 0x1001 --aki keyid --out "$NEW/root.pem"
refused "${ROOT_ARGS[@]}" --hash sha1 --serial 0x1001 --aki keyid --out "$NEW/root.pem"
refused resign --cert "$OLD/root.pem" --key "$OLD/inter.key" --hash sha256 --out "$NEW/root.pem"
if hsm_mode; then
    refused resign --cert "$OLD/root.pem" --key "$(cass_hsm_uri root)" --hash sha256 \
        --out "$NEW/root.pem"
fi
refused resign --cert "$OLD/inter.pem" --key "$OLD/inter.key" --hash sha256 --out "$NEW/inter.pem"
[[ ! -e $NEW/root.pem ]] || fail "refusals left $NEW/root.pem"

log "resign the root: SHA-256, serial 0x1001, AKI reduced to its key id"
expect_exit 0 "${SERVER[@]}" "${ROOT_ARGS[@]}" --hash sha256 --serial 0x1001 --aki keyid \
    --out "$NEW/root.pem"
check_json "$OLD/root.pem" "$NEW/root.pem" "$OLD/root.pem"
[[ ${OUT_SERIAL^^} == 1001 ]] || fail "resign printed serial '$OUT_SERIAL', not 1001"
[[ $(openssl x509 -in "$NEW/root.pem" -noout -serial) == serial=1001 ]] ||
    fail "the new root's serial is not 0x1001"
check_kept "$OLD/root.pem" "$NEW/root.pem"
check_aki_keyid_only "$OLD/root.pem" "$NEW/root.pem"

log "resign the intermediate under the re-signed root"
refused resign --cert "$OLD/inter.pem" --issuer-cert "$NEW/root.pem" \
    --issuer-key "$OLD/inter.key" --hash sha256 --aki keyid --out "$NEW/inter.pem"
refused resign --cert "$OLD/leaf-inter.pem" --issuer-cert "$NEW/root.pem" \
    --issuer-key "$root_key" --hash sha256 --out "$NEW/leaf-inter.pem"
expect_exit 0 "${SERVER[@]}" "${INTER_ARGS[@]}" --aki keyid --out "$NEW/inter.pem"
check_json "$OLD/inter.pem" "$NEW/inter.pem" "$NEW/root.pem"
[[ $(openssl x509 -in "$NEW/inter.pem" -noout -serial) == serial=10 ]] ||
    fail "the new intermediate's serial changed without --serial"
check_kept "$OLD/inter.pem" "$NEW/inter.pem"
check_aki_keyid_only "$OLD/inter.pem" "$NEW/inter.pem"

log "resign the root once more, keeping its serial and AKI"
expect_exit 0 "${SERVER[@]}" "${ROOT_ARGS[@]}" --hash sha256 --out "$NEW/root-same-serial.pem"
check_json "$OLD/root.pem" "$NEW/root-same-serial.pem" "$OLD/root.pem"
check_kept "$OLD/root.pem" "$NEW/root-same-serial.pem"
[[ $(openssl x509 -in "$NEW/root-same-serial.pem" -noout -serial) == serial=00 ]] ||
    fail "the root re-signed without --serial has another serial"

log "resign the root with new URLs: CRL DP replaced, OCSP replaced, caIssuers kept"
expect_exit 0 "${SERVER[@]}" "${ROOT_ARGS[@]}" --hash sha384 --aki keyid \
    --crl-dp http://new-ca.cassiopeia.test/a.crl --crl-dp http://new-ca.cassiopeia.test/b.crl \
    --ocsp http://ocsp.new-ca.cassiopeia.test --out "$NEW/root-urls.pem"
SIGALG=sha384WithRSAEncryption check_json "$OLD/root.pem" "$NEW/root-urls.pem" "$OLD/root.pem"
urls=$(openssl x509 -in "$NEW/root-urls.pem" -noout -ext crlDistributionPoints,authorityInfoAccess |
    grep -oE 'URI:[^ ]+' | sort | tr '\n' ' ')
[[ $urls == "URI:http://new-ca.cassiopeia.test/a.crl URI:http://new-ca.cassiopeia.test/b.crl \
URI:http://ocsp.new-ca.cassiopeia.test URI:http://old-ca.cassiopeia.test/root.crt " ]] ||
    fail "the new root's URLs are not the asked ones and the old caIssuers: $urls"

log "a new serial while the AKI names the old one: refused"
refused "${ROOT_ARGS[@]}" --hash sha256 --serial 0x1002 --out "$NEW/root-serial-only.pem"
refused "${ROOT_ARGS[@]}" --hash sha256 --serial 0 --aki keyid --out "$NEW/root-serial-0.pem"

log "an existing --out is never overwritten"
refused "${ROOT_ARGS[@]}" --hash sha256 --serial 0x1001 --aki keyid --out "$NEW/root.pem"
refused "${INTER_ARGS[@]}" --aki keyid --out "$NEW/inter.pem"

check_compare
check_tamper
check_equivalence
check_exception

log "audit: one resign entry per re-signed certificate, the chain intact"
(($(resign_entries) == 4)) || fail "$(resign_entries) resign audit entries, not 4"
for f in root.pem inter.pem root-same-serial.pem root-urls.pem; do
    hex=$(fingerprint "$NEW/$f" | tr -d ':' | tr 'A-F' 'a-f')
    n=$(repo_sql -readonly "SELECT count(*) FROM audit_log WHERE kind = 'resign'
        AND detail LIKE '%new_sha256=$hex%'")
    ((n == 1)) || fail "no resign audit entry with new_sha256=$hex ($f)"
done
expect_exit 0 "${SERVER[@]}" audit-verify

log "ok"
