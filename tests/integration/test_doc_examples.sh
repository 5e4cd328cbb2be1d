#!/usr/bin/env bash
# An operator's first hour, on one testbed: the examples of the docs run as they stand (every
# fenced block marked `sh example`, `sql example` or `sql example owner` in docs/*.md,
# README.md and sql/README.md), and what the first commands show: `check` and a `--line` that
# replaces the file's lines, a configuration folder given as the file, a missing line named
# once (client and signer), `status` on a pipe and with --pretty, a client that says it waits
# for a signer that does not answer, `clamped` in sign's JSON, a retry after an unwritable
# --out with the same arguments (and request_mismatch with a fresh proof time), and a refusal
# logged once by the signer, with its request id.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up

docs=("$CASS_SOURCE_DIR"/README.md "$CASS_SOURCE_DIR"/docs/*.md "$CASS_SOURCE_DIR"/sql/README.md)

# blocks INFO SEPARATOR FILE...: the lines of every fenced block whose opening fence is exactly
# ```INFO, in file order, with the line SEPARATOR between two blocks; the count in BLOCKS_FILE.
blocks() {
    local info=$1 sep=$2
    shift 2
    # The separator through the environment: awk -v would read its backslashes as escapes.
    SEP=$sep awk -v open="\`\`\`$info" -v count="$CASS_TMP/blocks.count" '
        $0 == open { inb = 1; if (n++ > 0 && ENVIRON["SEP"] != "") print ENVIRON["SEP"]; next }
        inb && /^```/ { inb = 0; next }
        inb { print }
        END { print n + 0 > count }' "$@"
}
block_count() {
    cat "$CASS_TMP/blocks.count"
}

# psql_as ROLE FILE: runs FILE with psql as ROLE (empty: the schema owner, PGUSER) in the work
# folder, stopping at the first error.
psql_as() {
    local -a user=()
    [[ -z $1 ]] || user=(-U "$1")
    (cd "$work" && psql -X -q -A -t -v ON_ERROR_STOP=1 "${user[@]}" -f "$2") \
        >>"$CASS_TMP/examples-psql.out" 2>>"$CASS_TMP/examples-psql.err"
}

work=$CASS_TMP/work
mkdir -m 0755 "$work"

# The SQL examples: the owner's first (the GRANT of sql/README.md makes the web application's
# role), then the web application's session, the daemon working the queue between its blocks.
sql "CREATE ROLE webapp LOGIN" || fail "cannot create the role webapp"
blocks 'sql example owner' '' "${docs[@]}" >"$CASS_TMP/owner.sql"
(($(block_count) >= 2)) || fail "found $(block_count) 'sql example owner' blocks, expected 2 or more"
psql_as "" "$CASS_TMP/owner.sql" || fail "the owner's SQL examples failed"
make_csr "$work/req.pem"
daemon="\\! timeout -k 5 120 \"\$CASS_BIN/cassiopeia-client\" -c \"\$CASS_CLIENT_CONF\" run --once"
# Proof times: an hour ago, so that the examples never go stale.
blocks 'sql example' "$daemon 2>>$CASS_TMP/examples-daemon.err" "${docs[@]}" |
    sed -E "s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/$(proof_time)/g" \
        >"$CASS_TMP/web.sql"
(($(block_count) >= 3)) || fail "found $(block_count) 'sql example' blocks, expected 3 or more"
psql_as webapp "$CASS_TMP/web.sql" || fail "the SQL examples failed as the web application"
[[ $(sql "SELECT kind || ' ' || state FROM cassiopeia.job_status ORDER BY job_id") == \
    "certificate done"$'\n'"revocation done" ]] ||
    fail "the SQL examples' jobs: $(sql "SELECT * FROM cassiopeia.job_status")"
[[ $(sql "SELECT count(*) FROM cassiopeia.issued WHERE revoked_at IS NOT NULL") == 1 ]] ||
    fail "the SQL example's certificate is not marked revoked"
[[ $(sql "SELECT count(*) FROM cassiopeia.revocation_result") == 1 ]] ||
    fail "the SQL example's revocation has no result"

# The shell examples, in one shell, in the work folder.
blocks 'sh example' '' "${docs[@]}" >"$CASS_TMP/examples.sh"
(($(block_count) >= 4)) || fail "found $(block_count) 'sh example' blocks, expected 4 or more"
mkdir "$work/sh"
expect_exit 0 bash -c "cd $(printf '%q' "$work/sh") && set -euo pipefail && source $(printf '%q' \
    "$CASS_TMP/examples.sh")"
[[ -s $work/sh/www.pem && -s $work/sh/www.json ]] || fail "the sign example wrote no www.pem"
grep -qE '"clamped": *false' "$work/sh/www.json" ||
    fail "a 90-day certificate is clamped: $(cat "$work/sh/www.json")"

# check: a --line on the command line replaces the file's lines, and a missing one is an error.
expect_exit 0 "$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF" check
[[ $(grep '^line: ' <<<"$OUT") == "line: $CASS_SERVER_TTY" ]] || fail "check lists lines: $OUT"
missing=$CASS_TMP/no-such-tty
expect_exit 2 "$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF" --line "$missing" check
[[ $(grep '^line: ' <<<"$OUT") == "line: $missing" ]] ||
    fail "--line did not replace the configured lines: $OUT"

# A folder given as the configuration file: exit 2, naming it.
for command in "cassiopeia-client time" "cassiopeia-server check"; do
    expect_exit 2 "$CASS_BIN/${command% *}" -c "$work" "${command#* }"
    tail -n +2 "$CASS_TMP/step-$cass_step.err" | grep -qF "$work" ||
        fail "${command% *} -c FOLDER does not name the folder"
done

# lines_naming PATH FILE: the lines of FILE that name PATH (FILE's first line, the command of
# expect_exit, left out).
lines_naming() {
    tail -n +2 "$2" | grep -cF "$1" || true
}

# A missing line: the client names it once.
expect_exit 1 "${CLIENT[@]}" --line "$missing" time
[[ $(lines_naming "$missing" "$CASS_TMP/step-$cass_step.err") == 1 ]] ||
    fail "the client does not name the missing line exactly once"

# ... and so does a signer, in its log file and once on stderr.
cat >"$CASS_TMP/signer2-log.properties" <<EOT
log4cplus.rootLogger=INFO, file
log4cplus.appender.file=log4cplus::FileAppender
log4cplus.appender.file.File=$CASS_TMP/signer2.log
log4cplus.appender.file.layout=log4cplus::PatternLayout
log4cplus.appender.file.layout.ConversionPattern=%p %c - %m%n
EOT
expect_exit 1 "$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF" --line "$missing" \
    --log_config "$CASS_TMP/signer2-log.properties"
[[ $(grep -cF "$missing" "$CASS_TMP/signer2.log") == 1 ]] ||
    fail "the signer's log does not name the missing line exactly once"
[[ $(lines_naming "$missing" "$CASS_TMP/step-$cass_step.err") == 1 ]] ||
    fail "the signer's stderr does not name the missing line exactly once"

# status: one line on a pipe, indented JSON with --pretty; both the same report.
expect_exit 0 "${CLIENT[@]}" status
[[ $OUT == \{*\} && $OUT != *$'\n'* ]] || fail "status on a pipe is not one line"
expect_exit 0 "${CLIENT[@]}" status --pretty
(($(wc -l <<<"$OUT") > 5)) || fail "status --pretty is not indented: $OUT"
python3 -c 'import json, sys; json.load(sys.stdin)' <<<"$OUT" ||
    fail "status --pretty is not JSON: $OUT"
# ... and indented on a terminal without --pretty (script(1) gives it a pty).
expect_exit 0 script -qec "$(printf '%q ' "${CLIENT[@]}") status 2>/dev/null" /dev/null
(($(wc -l <<<"$OUT") > 5)) || fail "status on a terminal is not indented: $OUT"

# A line where nobody answers: the client says once that it waits, then gives up (exit 1).
dead=$CASS_TMP/dead
socat pty,raw,echo=0,link="$dead-a" pty,raw,echo=0,link="$dead-b" 2>"$CASS_TMP/socat-dead.log" &
save_pid $!
wait_for "$dead-a" 10 || fail "socat made no pty $dead-a"
expect_exit 1 "${CLIENT[@]}" --line "$dead-a" --deadline.handshake_s 8 time
[[ $(lines_naming "$dead-a" "$CASS_TMP/step-$cass_step.err") == 2 ]] ||
    fail "the client did not say once that it waits on $dead-a (and then that it failed)"

# clamped: a certificate asked to outlive its CA ends with it.
ca=$(current_ca server)
issue_cert long server --san DNS,long.example.org \
    --proof "$(proof_time),domains,5,name=long.example.org" --to 180d
[[ $CA == "$ca" ]] || fail "signed by $CA, not the current server CA $ca"
grep -qE '"clamped": *true' <<<"$OUT" || fail "a certificate past its CA's end: $OUT"
[[ $(openssl x509 -in "$CASS_TMP/long.pem" -noout -enddate) == \
    "$(openssl x509 -in "$CASS_PKI/ca/$ca.pem" -noout -enddate)" ]] ||
    fail "clamped, but the notAfter is not the CA's"

# --out cannot be written: the certificate was issued; the same arguments with the same
# request id get it, a fresh proof time is request_mismatch.
make_csr "$CASS_TMP/retry.csr"
read -ra first < <(server_request retry "$CASS_TMP/retry.csr" "$(proof_time '-1 hour')")
read -ra fresh < <(server_request retry "$CASS_TMP/retry.csr" "$(proof_time '-30 minutes')")
before=$(cert_count)
expect_exit 2 "${CLIENT[@]}" sign "${first[@]}" --request-id 2002 \
    --out "$CASS_TMP/no-such-folder/retry.pem"
expect_refusal request_mismatch "${CLIENT[@]}" sign "${fresh[@]}" --request-id 2002 \
    --out "$CASS_TMP/retry.pem"
expect_exit 0 "${CLIENT[@]}" sign "${first[@]}" --request-id 2002 --out "$CASS_TMP/retry.pem"
[[ $(cert_count) == $((before + 1)) ]] || fail "the retry issued a second certificate"

# A refusal: one line in the signer's log, with the request id.
expect_refusal proof_missing "${CLIENT[@]}" sign --csr "$CASS_TMP/retry.csr" --profile server \
    --san DNS,unproven.example.org --request-id 3003 --out "$CASS_TMP/unproven.pem"
[[ $(grep -c 'cli:3003' "$CASS_DIR/server.log") == 1 ]] ||
    fail "the signer logged the refusal of cli:3003 $(grep -c 'cli:3003' "$CASS_DIR/server.log") times"

expect_alive "$(server_pid)" "the signer"
