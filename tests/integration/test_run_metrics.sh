#!/usr/bin/env bash
# The client daemon's metrics file (run.metrics_file): after `run --once` it holds the queue
# gauges, the job counters, the link state, the duration histogram and the CRLs' nextUpdate.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck source=tests/integration/queue_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/queue_lib.sh"

queue_up
make_csr_set 2
queue_certs 6 2
# One refusal: a SAN without a proof.
queue_begin
queue_cert_sql "$(cat "$CASS_TMP/csr-0.pem")" server "$(sql_array DNS,noproof.example.org)" \
    "$(sql_array)" "$(sql_array)"
queue_commit
refused=${JOB_IDS[0]}

m=$CASS_TMP/m.prom
t0=$(date -u +%s)
run_once --run.metrics_file "$m"
t1=$(date -u +%s)
[[ $(job_count "done") == 6 && $(job_field "$refused" state) == failed ]] ||
    fail "unexpected outcomes: $(queue_summary)"
[[ -s $m ]] || fail "run --once wrote no metrics file $m"
for f in "$m"?*; do
    [[ ! -e $f ]] || fail "a temp file of the metrics file is left: $f"
done

# expect_metric NAME_WITH_LABELS: prints the value; fails when the line is missing or the value
# is not a number.
expect_metric() {
    local v
    v=$(metric "$m" "$1")
    [[ -n $v ]] || fail "the metrics file has no '$1': $(cat "$m")"
    [[ $v =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ || $v == +Inf ]] ||
        fail "'$1' has the value '$v'"
    echo "$v"
}
# as_int VALUE: a Prometheus number as an integer (1.764e+09 and 6.0 both work).
as_int() {
    awk -v v="$1" 'BEGIN { printf "%d\n", v + 0 }'
}

for state in due waiting running; do
    v=$(as_int "$(expect_metric "cassiopeia_queue_jobs{state=\"$state\"}")")
    ((v == 0)) || fail "cassiopeia_queue_jobs{state=\"$state\"} is $v after the queue drained"
done
done_n=$(as_int "$(expect_metric 'cassiopeia_jobs_total{kind="certificate",outcome="done"}')")
((done_n == 6)) || fail "jobs_total certificate done is $done_n, 6 jobs are done"
failed_n=$(as_int "$(expect_metric 'cassiopeia_jobs_total{kind="certificate",outcome="failed"}')")
((failed_n == 1)) || fail "jobs_total certificate failed is $failed_n, 1 job failed"
last=$(as_int "$(expect_metric cassiopeia_last_success_timestamp_seconds)")
((last >= t0 - 1 && last <= t1 + 1)) ||
    fail "last_success_timestamp $last is not within the run ($t0..$t1)"
link=$(expect_metric cassiopeia_link_up)
[[ $link == 0 || $link == 1 ]] || fail "cassiopeia_link_up is $link"
count=$(as_int "$(expect_metric cassiopeia_job_duration_seconds_count)")
((count == 7)) || fail "job_duration_seconds_count is $count, 7 jobs were worked"
sum=$(expect_metric cassiopeia_job_duration_seconds_sum)
awk -v s="$sum" -v d=$((t1 - t0 + 1)) 'BEGIN { exit !(s > 0 && s <= d) }' ||
    fail "job_duration_seconds_sum $sum is not within the run (${t0}..${t1})"
inf=$(as_int "$(expect_metric 'cassiopeia_job_duration_seconds_bucket{le="+Inf"}')")
((inf == count)) || fail "the +Inf bucket holds $inf, the count is $count"
# Buckets never decrease with le.
grep -E '^cassiopeia_job_duration_seconds_bucket\{le="[^"]+"\} ' "$m" |
    sed -E 's/.*le="([^"]+)"\} +([^ ]+).*/\1 \2/' | sed 's/^+Inf/1e999/' | sort -g |
    awk '{ if (NR > 1 && $2 + 0 < prev) exit 1; prev = $2 + 0 }' ||
    fail "the duration buckets decrease: $(grep _bucket "$m")"

# CRLs: a nextUpdate per CA the WebDB holds a CRL of (the daemon refreshes them at start), in
# the future.
ncrl=$(sql "SELECT count(*) FROM cassiopeia.crl")
((ncrl > 0)) || fail "the daemon stored no CRL in the WebDB at start"
while IFS='|' read -r ca next; do
    v=$(as_int "$(expect_metric "cassiopeia_crl_next_update_timestamp_seconds{ca=\"$ca\"}")")
    ((v == next)) || fail "crl_next_update of $ca is $v, the WebDB's CRL says $next"
    ((v > t1)) || fail "crl_next_update of $ca is in the past"
done < <(sql "SELECT ca || '|' || extract(epoch FROM next_update)::bigint FROM cassiopeia.crl")

# Every sample line is well-formed Prometheus text.
bad=$(grep -vE '^(#.*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? +[^ ]+( +-?[0-9]+)?)$' "$m" | grep -v '^$' || true)
[[ -z $bad ]] || fail "malformed metric lines: $bad"

# The signer down: `run --once` gives up at the handshake deadline with exit 1, the job stays
# pending (an outage is no attempt), and the metrics say the link is down and one job is due.
signer_stop
queue_begin
queue_client_sql outage "$CASS_TMP/csr-1.pem"
queue_commit
waiting=${JOB_IDS[0]}
expect_exit 1 timeout -k 5 60 "${CLIENT[@]}" run --once --deadline.handshake_s 3 \
    --run.metrics_file "$m"
((ELAPSED_MS >= 2900 && ELAPSED_MS <= 20000)) ||
    fail "run --once gave up after ${ELAPSED_MS} ms with a 3 s deadline"
[[ $(job_field "$waiting" state) == pending ]] ||
    fail "job $waiting is $(job_field "$waiting" state) after an outage, expected pending"
[[ $(job_field "$waiting" attempts) == 0 ]] ||
    fail "the outage counted $(job_field "$waiting" attempts) attempts on job $waiting"
[[ $(expect_metric cassiopeia_link_up) == 0 ]] || fail "cassiopeia_link_up is not 0 after an outage"
v=$(as_int "$(expect_metric 'cassiopeia_queue_jobs{state="due"}')")
((v == 1)) || fail "cassiopeia_queue_jobs{state=\"due\"} is $v with one job pending"

# The signer back: the same job is done.
start_server
run_once --run.metrics_file "$m"
[[ $(job_field "$waiting" state) == "done" ]] || fail "job $waiting is not done after the outage"
[[ $(expect_metric cassiopeia_link_up) == 1 ]] || fail "cassiopeia_link_up is not 1 again"
