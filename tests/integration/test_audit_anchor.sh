#!/usr/bin/env bash
# The signer's audit head anchored in the WebDB: `status` and the daemon store every head they
# see, and a rewritten history (the repository replaced by an older copy, whose chain is intact
# so audit-verify passes) makes `status` exit 4 and sets cassiopeia_signer_audit_rewrites.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
SERVER=("$CASS_BIN/cassiopeia-server" -c "$CASS_SERVER_CONF")

# anchor_seq: the seq of the stored anchor (empty when none).
anchor_seq() {
    sql "SELECT seq FROM cassiopeia.signer_audit_anchor"
}

# The first head seen becomes the anchor.
expect_exit 0 "${CLIENT[@]}" status
seq0=$(json_int audit_seq "$OUT")
head0=$(json_str audit_head "$OUT")
[[ $seq0 =~ ^[0-9]+$ && $head0 =~ ^[0-9a-f]{64}$ ]] ||
    fail "status carries no audit_seq/audit_head: $OUT"
[[ $(anchor_seq) == "$seq0" ]] || fail "the WebDB anchor is '$(anchor_seq)', not seq $seq0"
[[ $(sql "SELECT head FROM cassiopeia.signer_audit_anchor") == "$head0" ]] ||
    fail "the WebDB anchor does not hold head $head0"

# An older copy of the repository, taken while the signer is stopped.
signer_stop
old=$CASS_TMP/old-repository
mkdir "$old"
cp -a "$CASS_REPO"/repository.sqlite* "$old"/ || fail "cannot copy the repository"
start_server

# The history grows: the new head extends the anchor.
issue_client anchor
expect_exit 0 "${CLIENT[@]}" status
seq1=$(json_int audit_seq "$OUT")
((seq1 > seq0)) || fail "an issuance did not move the audit seq past $seq0: $OUT"
[[ $(anchor_seq) == "$seq1" ]] || fail "the anchor did not move to seq $seq1: $(anchor_seq)"
[[ $(sql "SELECT rewrites FROM cassiopeia.signer_audit_anchor") == 0 ]] ||
    fail "a growing history was taken for a rewrite"

# The repository is replaced by the older copy: a consistent chain, so the signer's own check
# passes, but its head does not extend the one stored outside the signer.
signer_stop
rm -f "$CASS_REPO"/repository.sqlite*
cp -a "$old"/repository.sqlite* "$CASS_REPO"/ || fail "cannot put the old repository back"
expect_exit 0 "${SERVER[@]}" audit-verify
start_server
expect_exit 4 "${CLIENT[@]}" status
seq2=$(json_int audit_seq "$OUT")
((seq2 < seq1)) || fail "the old repository reports seq $seq2, not below $seq1"
[[ $(anchor_seq) == "$seq1" ]] || fail "a rewritten head moved the anchor to $(anchor_seq)"
[[ $(sql "SELECT rewrites FROM cassiopeia.signer_audit_anchor") == 1 ]] ||
    fail "the rewritten head was not stored as one"

# The daemon's signer check sees it too and sets the gauge; the alarm stays.
m=$CASS_TMP/m.prom
run_once --run.metrics_file "$m"
rewrites=$(metric "$m" cassiopeia_signer_audit_rewrites)
[[ -n $rewrites ]] || fail "the metrics file has no cassiopeia_signer_audit_rewrites: $(cat "$m")"
((rewrites >= 1)) || fail "cassiopeia_signer_audit_rewrites is $rewrites after a rewrite"
expect_exit 4 "${CLIENT[@]}" status

# A WebDB that accepts connections and never answers: `status` gives up at its deadline.
hole=$CASS_TMP/hole
mkdir "$hole"
socat UNIX-LISTEN:"$hole/.s.PGSQL.$PGPORT",fork SYSTEM:'sleep 60' </dev/null \
    >"$CASS_TMP/hole.log" 2>&1 &
save_pid $!
wait_for "$hole/.s.PGSQL.$PGPORT" 10 || fail "socat made no socket in $hole"
expect_exit 1 timeout -k 5 40 env PGHOST="$hole" "${CLIENT[@]}" status --deadline.handshake_s 10
((ELAPSED_MS < 30000)) || fail "status took ${ELAPSED_MS} ms against a silent WebDB"
