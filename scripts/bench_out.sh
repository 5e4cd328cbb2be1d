# Writers of scripts/bench: results.json, results.md, results.png and results.svg from the
# measurements ($points, $facts) in the output folder $out (sourced by scripts/bench).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
# shellcheck shell=bash

# get KEY: the recorded value of KEY, or nothing.
get() {
    awk -F= -v k="$1" '$1 == k { v = substr($0, length(k) + 2) } END { print v }' "$facts"
}

# round DIGITS X: X with DIGITS decimals, or null when X is no number.
round() {
    [[ $2 =~ ^-?[0-9.]+([eE][-+]?[0-9]+)?$ ]] || { echo null; return; }
    awk -v d="$1" -v x="$2" 'BEGIN { printf "%.*f", d, x }'
}

# num KEY: KEY's value as a JSON number, or null.
num() {
    local v
    v=$(get "$1")
    [[ $v =~ ^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$ ]] && echo "$v" || echo null
}

# derive: one line per sweep point with the derived numbers, into $derived: baud window status
# jobs done seconds session_seconds s_per_job jobs_per_s up_per_job down_per_job util_up
# util_down sessions raw_s_per_job (null where there is no number).
derive() {
    awk -F'\t' -v OFS='\t' '
        $4 == "missing" { print $1, $2, "missing", $3, "null", "null", "null", "null", "null",
                          "null", "null", "null", "null", "null", "null"; next }
        {
            baud = $1; jobs = $3; ms = $5; net = $5 - $8; if (net < 1) net = 1
            uu = "null"; ud = "null"
            if (baud > 0) {
                cap = baud / 10 * ms / 1000
                uu = sprintf("%.3f", $6 / cap); ud = sprintf("%.3f", $7 / cap)
            }
            print baud, $2, ($4 == jobs ? "ok" : "incomplete"), jobs, $4,
                  sprintf("%.3f", ms / 1000), sprintf("%.3f", $8 / 1000),
                  sprintf("%.5f", net / 1000 / jobs), sprintf("%.2f", jobs * 1000 / net),
                  sprintf("%.0f", ($6 - $9) / jobs), sprintf("%.0f", ($7 - $10) / jobs),
                  uu, ud, ($11 == "" ? "null" : $11), sprintf("%.5f", ms / 1000 / jobs)
        }' "$points" >"$derived"
}

# col BAUD WINDOW N: field N of a derived sweep point.
col() {
    awk -F'\t' -v b="$1" -v w="$2" -v n="$3" '$1 == b && $2 == w { v = $n } END { print v }' \
        "$derived"
}

# derived_facts: the numbers computed from several measurements, as facts.
derived_facts() {
    local w s hs csr cert up down
    for w in 1 8; do
        s=$(col 115200 "$w" 8)
        hs=$(col 115200 "$w" 7)
        # A point whose jobs were not all done has no rate: its numbers would flatter.
        if [[ $(col 115200 "$w" 3) == ok ]]; then
            fact "projection_3000_min_w$w" "$(round 2 "$(calc "(3000 * $s + $hs) / 60")")"
        fi
        if [[ $(col 0 "$w" 3) == ok ]]; then
            fact "unthrottled_jobs_per_s_w$w" "$(col 0 "$w" 9)"
        fi
    done
    csr=$(get csr_der_bytes)
    cert=$(get cert_der_bytes)
    up=$(col 0 1 10)
    down=$(col 0 1 11)
    fact wire_bytes_per_job $((up + down))
    fact wire_ratio "$(round 2 "$(calc "($up + $down) / ($csr + $cert)")")"
    for w in 1 8; do
        [[ -n $(get "unthrottled_jobs_per_s_w$w") ]] || continue
        fact "issuance_over_openssl_w$w" "$(round 3 "$(calc "$(get "unthrottled_jobs_per_s_w$w") / $(get openssl_sign_per_s)")")"
        fact "predecessor_ratio_w$w" "$(round 2 "$(calc "$(get "unthrottled_jobs_per_s_w$w") / $(get predecessor_certs_per_s)")")"
    done
    local -a levels
    read -r -a levels <<<"$(get growth_levels)"
    if ((${#levels[@]} >= 2)); then
        local lo=${levels[0]} hi=${levels[-1]}
        fact revoke_bytes_growth "$(round 2 "$(calc "($(get "revoke_${hi}_net_up") + $(get "revoke_${hi}_net_down")) / ($(get "revoke_${lo}_net_up") + $(get "revoke_${lo}_net_down"))")")"
        fact revoke_time_growth "$(round 2 "$(calc "$(get "revoke_${hi}_ms_115200") / $(get "revoke_${lo}_ms_115200")")")"
        fact revoke_time_growth_unthrottled "$(round 2 "$(calc "$(get "revoke_${hi}_ms_unthrottled") / $(get "revoke_${lo}_ms_unthrottled")")")"
    fi
}

# verdict MEASURED OP LIMIT: met, not met, or missing (no measured number).
verdict() {
    [[ $1 =~ ^[0-9.]+([eE][-+]?[0-9]+)?$ ]] || { echo missing; return; }
    awk -v m="$1" -v l="$3" -v op="$2" 'BEGIN {
        ok = (op == "le") ? m <= l : m >= l; print (ok ? "met" : "not met") }'
}

# target NAME GOAL MEASURED OP LIMIT [DETAIL]: one line of $targets.
target() {
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "${3:-missing}" "$(verdict "${3:-}" "$4" "$5")" \
        "${6:-}" >>"$targets"
}

# done_note BAUD WINDOW TEXT: TEXT, or why a point has no number (not all its jobs done).
done_note() {
    if [[ $(col "$1" "$2" 3) == incomplete ]]; then
        echo "(only $(col "$1" "$2" 5) of $(col "$1" "$2" 4) jobs done: see logs/)"
    else
        echo "$3"
    fi
}

targets_table() {
    : >"$targets"
    local w hi signer_mib client_mib
    local no_window="(the client has no run.window)"
    for w in 1 8; do
        if [[ $w == 8 && $(get have_window) != true ]]; then
            target "3,000 jobs at 115,200 baud, window 8" "≤ 15 min (≤ 0.30 s/job)" "" le 15 "$no_window"
            target "unthrottled issuance, window 8" "≥ 400 jobs/s" "" ge 400 "$no_window"
            continue
        fi
        target "3,000 jobs at 115,200 baud, window $w" "≤ 15 min (≤ 0.30 s/job)" \
            "$(get "projection_3000_min_w$w")" le 15 "$(done_note 115200 "$w" "min ($(col 115200 "$w" 8) s/job)")"
        target "unthrottled issuance, window $w" "≥ 400 jobs/s" \
            "$(get "unthrottled_jobs_per_s_w$w")" ge 400 "$(done_note 0 "$w" jobs/s)"
    done
    target "wire bytes per certificate job" "≤ 3.2 × (CSR DER + certificate DER)" \
        "$(get wire_ratio)" le 3.2 "× ($(get wire_bytes_per_job) B / ($(get csr_der_bytes) + $(get cert_der_bytes)) B)"
    hi=$(get growth_levels)
    hi=${hi##* }
    if [[ -n $hi ]]; then
        target "revoke on the line at $hi CRL entries (without the session set-up)" "≤ 1.2 KiB (1,229 B)" \
            "$(($(get "revoke_${hi}_net_up") + $(get "revoke_${hi}_net_down")))" le 1229 \
            "B; with a one-shot's own session: $(($(get "revoke_${hi}_up") + $(get "revoke_${hi}_down"))) B"
    fi
    target "revoke growth, bytes, smallest to largest CRL" "≤ 2×" "$(get revoke_bytes_growth)" le 2
    target "revoke growth, seconds at 115,200 baud" "≤ 2×" "$(get revoke_time_growth)" le 2 \
        "unthrottled: $(get revoke_time_growth_unthrottled)×"
    target "TLS handshakes per daemon run" "1" "$(get max_sessions_per_run)" le 1 \
        "most sessions in any draining run --once (cassiopeia_link_sessions_total)"
    signer_mib=$(round 1 "$(calc "$(get signer_rss_kb) / 1024")")
    client_mib=$(round 1 "$(calc "$(get client_rss_kb) / 1024")")
    target "signer peak RSS" "≤ 64 MiB" "$signer_mib" le 64 "MiB (VmHWM)"
    target "client peak RSS" "≤ 64 MiB" "$client_mib" le 64 "MiB (VmHWM, largest run)"
}

# secs KEY: KEY (milliseconds) in seconds, or null.
secs() {
    local v
    v=$(num "$1")
    [[ $v == null ]] && echo null || calc "$v / 1000"
}

# jstr TEXT: TEXT as a JSON string.
jstr() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$s"
}

json_sweep() {
    awk -F'\t' '
        function n(v) { return v == "" ? "null" : v }
        { printf "%s    {\"baud\": %s, \"window\": %s, \"status\": \"%s\", \"jobs\": %s, " \
              "\"jobs_done\": %s, \"seconds\": %s, \"session_seconds\": %s, " \
              "\"seconds_per_job\": %s, \"jobs_per_second\": %s, " \
              "\"bytes_per_job\": {\"up\": %s, \"down\": %s}, " \
              "\"utilisation\": {\"up\": %s, \"down\": %s}, \"tls_sessions\": %s, " \
              "\"seconds_per_job_with_session\": %s}", (NR > 1 ? ",\n" : ""), ($1 == 0 ? "null" : $1),
              $2, $3, $4, n($5), n($6), n($7), n($8), n($9), n($10), n($11), n($12), n($13),
              n($14), n($15) }
        END { print "" }' "$derived"
}

json_growth() {
    local lvl first=1
    local -a levels
    read -r -a levels <<<"$(get growth_levels)"
    for lvl in "${levels[@]}"; do
        ((first)) || echo ","
        first=0
        printf '    {"crl_entries": %s, "bytes": {"up": %s, "down": %s}, ' "$lvl" \
            "$(num "revoke_${lvl}_up")" "$(num "revoke_${lvl}_down")"
        printf '"bytes_without_session": {"up": %s, "down": %s}, ' \
            "$(num "revoke_${lvl}_net_up")" "$(num "revoke_${lvl}_net_down")"
        printf '"seconds_115200": %s, "seconds_115200_without_session": %s, ' \
            "$(secs "revoke_${lvl}_ms_115200")" \
            "$(secs "revoke_${lvl}_net_ms_115200")"
        printf '"seconds_unthrottled": %s}' "$(secs "revoke_${lvl}_ms_unthrottled")"
    done
    echo
}

json_targets() {
    awk -F'\t' '
        function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
        { printf "%s    {\"target\": %s, \"goal\": %s, \"measured\": %s, \"verdict\": %s, " \
              "\"detail\": %s}", (NR > 1 ? ",\n" : ""), q($1), q($2),
              ($3 ~ /^[0-9.eE+-]+$/ ? $3 : "null"), q($4), q($5) }
        END { print "" }' "$targets"
}

write_json() {
    {
        echo "{"
        echo "  \"generated\": $(jstr "$(get generated)"), \"cores\": $(num cores),"
        echo "  \"quick\": $(get quick), \"client_has_run_window\": $(get have_window),"
        echo "  \"sweep\": ["
        json_sweep
        echo "  ],"
        echo "  \"projection_3000_jobs_at_115200_minutes\": {\"window_1\": $(num projection_3000_min_w1), \"window_8\": $(num projection_3000_min_w8)},"
        echo "  \"issuance\": {\"unthrottled_jobs_per_second_window_1\": $(num unthrottled_jobs_per_s_w1), \"unthrottled_jobs_per_second_window_8\": $(num unthrottled_jobs_per_s_w8),"
        echo "    \"ca\": $(jstr "$(get ca)"), \"ca_key\": $(jstr "$(get ca_key)"), \"openssl_speed_seconds\": $(num openssl_seconds),"
        echo "    \"openssl_signatures_per_second\": $(num openssl_sign_per_s), \"ratio_to_openssl_window_1\": $(num issuance_over_openssl_w1), \"ratio_to_openssl_window_8\": $(num issuance_over_openssl_w8),"
        echo "    \"predecessor_certificates\": $(num predecessor_certs), \"predecessor_certificates_per_second\": $(num predecessor_certs_per_s), \"ratio_to_predecessor_window_1\": $(num predecessor_ratio_w1), \"ratio_to_predecessor_window_8\": $(num predecessor_ratio_w8)},"
        echo "  \"wire\": {\"csr_der_bytes\": $(num csr_der_bytes), \"certificate_der_bytes\": $(num cert_der_bytes), \"bytes_per_job\": $(num wire_bytes_per_job), \"ratio\": $(num wire_ratio)},"
        echo "  \"growth\": {\"filled_certificates\": $(num fill_certificates), \"fill_seconds\": $(secs fill_ms), \"audit_verify_exit\": $(num fill_audit_verify_exit),"
        echo "    \"revoke\": ["
        json_growth
        echo "    ],"
        echo "    \"revoke_bytes_growth\": $(num revoke_bytes_growth), \"revoke_seconds_growth_115200\": $(num revoke_time_growth), \"revoke_seconds_growth_unthrottled\": $(num revoke_time_growth_unthrottled),"
        echo "    \"issuance_with_fill\": {\"jobs\": $(num grown_jobs), \"window\": $(num grown_window), \"jobs_done\": $(num grown_done), \"jobs_per_second\": $(num grown_jobs_per_s)}},"
        echo "  \"keys\": {\"jobs\": $(num keys_jobs), \"window\": $(num keys_window), \"file_jobs_done\": $(num keys_file_done), \"softhsm2_jobs_done\": $(num keys_hsm_done),"
        echo "    \"file_jobs_per_second\": $(num keys_file_jobs_per_s), \"softhsm2_jobs_per_second\": $(num keys_hsm_jobs_per_s), \"ratio_softhsm2_to_file\": $(num keys_hsm_ratio)},"
        echo "  \"peak_rss_kb\": {\"signer\": $(num signer_rss_kb), \"signer_before_fill\": $(num signer_rss_before_fill_kb), \"client\": $(num client_rss_kb)},"
        echo "  \"targets\": ["
        json_targets
        echo "  ]"
        echo "}"
    } >"$out/results.json"
}

# val KEY [UNIT]: KEY's value and UNIT, or "missing".
val() {
    local v
    v=$(get "$1")
    [[ -n $v && $v != null ]] && echo "$v${2:+ $2}" || echo missing
}

# pct X: a fraction as a percentage, or a dash.
pct() {
    [[ $1 == null ]] && echo "–" || calc "$1 * 100" | awk '{ printf "%.1f %%", $1 }'
}

md_sweep() {
    echo "| baud | window | jobs | drain s | fixed s | s/job | jobs/s | B/job up | B/job down | line use up | line use down | TLS sessions |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    local b w st jobs d s hs spj jps up down uu ud ses
    while IFS=$'\t' read -r b w st jobs d s hs spj jps up down uu ud ses _; do
        [[ $b == 0 ]] && b=unthrottled
        if [[ $st == missing ]]; then
            echo "| $b | $w | – | missing: the client has no run.window | | | | | | | | |"
            continue
        fi
        [[ $st == ok ]] || jobs="$d of $jobs"
        echo "| $b | $w | $jobs | $s | $hs | $spj | $jps | $up | $down | $(pct "$uu") | $(pct "$ud") | $ses |"
    done <"$derived"
}

md_growth() {
    local lvl
    local -a levels
    read -r -a levels <<<"$(get growth_levels)"
    echo "| CRL entries | one-shot revoke, B up / down | without the session, B up / down | s at 115,200 | s at 115,200 without the session | s unthrottled |"
    echo "|---:|---:|---:|---:|---:|---:|"
    for lvl in "${levels[@]}"; do
        echo "| $lvl | $(get "revoke_${lvl}_up") / $(get "revoke_${lvl}_down") | $(get "revoke_${lvl}_net_up") / $(get "revoke_${lvl}_net_down") | $(secs "revoke_${lvl}_ms_115200") | $(secs "revoke_${lvl}_net_ms_115200") | $(secs "revoke_${lvl}_ms_unthrottled") |"
    done
}

write_md() {
    {
        echo "# scripts/bench results"
        echo
        echo "$(get generated), $(get cores) cores$( [[ $(get quick) == true ]] && echo ", --quick")."
        echo "The client $( [[ $(get have_window) == true ]] && echo "has" || echo "has no") \`run.window\`$( [[ $(get have_window) == true ]] || echo ": window 8 is missing below")."
        echo "How each number is obtained: docs/performance.md, and \"Method\" at the end."
        echo
        echo "## Targets"
        echo
        echo "| target | goal | measured | verdict |"
        echo "|---|---|---|---|"
        awk -F'\t' '{ printf "| %s | %s | %s %s | %s |\n", $1, $2, $3, $5, $4 }' "$targets"
        echo
        echo "## Baud sweep"
        echo
        echo "![seconds per job and line use against the baud rate](results.png)"
        echo
        md_sweep
        echo
        echo "s/job and jobs/s leave out a daemon run's fixed cost (\"fixed s\": \`run --once\` on the"
        echo "empty queue at the same rate: process start, HELLO, TLS handshake, status report, CRL"
        echo "checks); B/job likewise leaves out its bytes. Line use is bytes delivered ÷ (baud ÷ 10 ×"
        echo "drain seconds), fixed part included. Up: client → signer; down: signer → client."
        echo
        echo "## Projection, issuance and wire"
        echo
        echo "| quantity | value |"
        echo "|---|---|"
        echo "| 3,000 jobs at 115,200 baud, window 1 | $(val projection_3000_min_w1 min) |"
        echo "| 3,000 jobs at 115,200 baud, window 8 | $(val projection_3000_min_w8 min) |"
        echo "| unthrottled, window 1 / window 8 | $(val unthrottled_jobs_per_s_w1 jobs/s) / $(val unthrottled_jobs_per_s_w8 jobs/s) |"
        echo "| unthrottled, each run (window 1 / window 8; the median is kept) | $(val runs_jobs_per_s_points_0_1) / $(val runs_jobs_per_s_points_0_8) jobs/s |"
        echo "| \`openssl speed -seconds $(get openssl_seconds) $(get ca_key)\` (CA $(get ca), one core) | $(get openssl_sign_per_s) signatures/s |"
        echo "| unthrottled ÷ openssl speed, window 1 / window 8 | $(val issuance_over_openssl_w1) / $(val issuance_over_openssl_w8) |"
        echo "| predecessor: \`openssl x509 -req\` per certificate ($(get predecessor_certs) certificates) | $(get predecessor_certs_per_s) certificates/s |"
        echo "| unthrottled ÷ predecessor, window 1 / window 8 | $(val predecessor_ratio_w1) / $(val predecessor_ratio_w8) |"
        echo "| CSR DER / certificate DER (means) | $(get csr_der_bytes) B / $(get cert_der_bytes) B |"
        echo "| wire bytes per job (unthrottled, window 1, both ways, no session) | $(get wire_bytes_per_job) B = $(get wire_ratio) × (CSR + certificate) |"
        echo
        echo "## Growth"
        echo
        md_growth
        echo
        echo "Issuance with $(get fill_certificates) added certificates in the repository: $(get grown_jobs) jobs ($(get grown_done) done), window $(get grown_window), unthrottled: $(get grown_jobs_per_s) jobs/s, the median of $(get unthrottled_reps) runs ($(get "runs_jobs_per_s_grown_0_$(get grown_window)")); without them: $(get "unthrottled_jobs_per_s_w$(get grown_window)") jobs/s."
        echo "The fill took $(secs fill_ms) s; \`cassiopeia-server audit-verify\` on the filled repository exited $(get fill_audit_verify_exit)."
        echo
        echo "## Keys in a SoftHSM2 token"
        echo
        echo "| CA keys | jobs/s (unthrottled, window $(get keys_window), $(get keys_jobs) jobs; each run) |"
        echo "|---|---:|"
        echo "| files (\`ca_keys = <folder>\`) | $(val keys_file_jobs_per_s) ($(val runs_jobs_per_s_keys-file_0_"$(get keys_window)")) |"
        echo "| SoftHSM2 token (\`ca_keys = pkcs11:token=cassiopeia-test\`) | $(val keys_hsm_jobs_per_s) ($(val runs_jobs_per_s_keys-hsm_0_"$(get keys_window)")) |"
        echo "| token ÷ files | $(val keys_hsm_ratio) |"
        echo
        echo "## Peak RSS (VmHWM)"
        echo
        echo "| daemon | kB |"
        echo "|---|---:|"
        echo "| signer, before the fill (sweep) | $(get signer_rss_before_fill_kb) |"
        echo "| signer, restarted after the fill (growth, issuance with the fill) | $(get signer_rss_end_kb) |"
        echo "| client, the largest of all its runs | $(get client_rss_kb) |"
        echo
        echo "## Method"
        echo
        method_text
    } >"$out/results.md"
}

method_text() {
    cat <<EOT
- One testbed (\`scripts/testbed up\`, CASS_LINE=emulator): the signer, a throwaway
  PostgreSQL WebDB and the line emulator (tests/support/line_emulator.cpp) between them,
  paced per direction at the baud rate (8N1: 10 bit times a byte) by its \`baud\` command.
  Bytes are the emulator's \`stats\` counters, read before and after each step.
- Jobs: $(get csr_count) distinct RSA-2048 CSRs (cached in the build folder), each queued with
  \`cassiopeia.request_certificate\` (profile client, one e-mail SAN, the CN as an AVA, each
  proven by a proof line), all of one point in one transaction; then one
  \`cassiopeia-client run --once\` drains them (with \`--run.window W\` when the client has it).
  Jobs per point: $(get sweep_spec) (baud:jobs; 0 = unthrottled).
- Fixed cost of a daemon run: before each point \`run --once\` on the empty queue at the same
  rate and window (process start, HELLO, TLS handshake, the status report and CRL checks a
  run makes at start; one such run before the sweep, and one before the issuance with the
  fill, took the first CRL fetches and checks); its wall
  time and bytes are taken off the drain's for s/job, jobs/s and B/job.
- Projection: s/job at 115,200 × 3,000, plus one fixed cost.
- openssl speed: \`openssl speed -seconds $(get openssl_seconds) -mr $(get ca_key)\`, the key of
  the CA that issued the jobs, one core, in the same run.
- Growth: the signer is stopped and scripts/bench_fill.py adds $(get fill_certificates)
  certificates to its SQLite repository in one transaction: a \`certificates\` row, a
  \`requests\` row and an \`issue\` audit entry each, the audit chain extended with the
  signer's own entry hash (each row carries the DER of the newest real certificate, so its
  size is real but the serial inside it is not the row's). \`cassiopeia-server audit-verify\`
  then checks the repository, and the signer is started again. The CRL grows by revoking
  those serials through the client's one-shot \`revoke\` (10,000 serials a call at most,
  docs/protocol.md §7), each bringing the client's CRL copy up to date. At each size one
  more serial is revoked alone at 115,200 baud and one unthrottled; the one-shot's own session
  (a \`time\` just before) is also shown taken off.
- Keys in a SoftHSM2 token: two fresh testbeds over the emulator, one with the CA and link
  keys as files, one with them in a SoftHSM2 token (CASS_HSM=1, keys/make-test-pki --hsm:
  the signer's \`ca_keys\` and link key are pkcs11: URIs); in each the same unthrottled point
  ($(get keys_jobs) jobs, window $(get keys_window), the median of $(get unthrottled_reps)
  runs), jobs/s counted as the sweep's.
- Peak RSS: VmHWM from /proc/PID/status; the client's sampled every 50 ms while each run
  lives; the signer's before it is stopped for the fill and at the end.
- TLS sessions: \`cassiopeia_link_sessions_total\` from each \`run --once\`'s metrics file.
- Nothing here is a pass/fail assertion: the verdicts compare with the targets only.
EOT
}

# write_plot: seconds per job against the baud rate (log-log; unthrottled at the right edge),
# window 1 against window 8; below, the line use per direction.
write_plot() {
    local term w8_top='' w8_bottom=''
    awk -F'\t' '$2 == 1 && $3 == "ok"' "$derived" >"$work/w1.tsv"
    awk -F'\t' '$2 == 8 && $3 == "ok"' "$derived" >"$work/w8.tsv"
    if [[ -s $work/w8.tsv ]]; then
        w8_top=", '$work/w8.tsv' using (x(\$1)):8 with linespoints pt 5 lw 2 title \"window 8\""
        w8_bottom=", '$work/w8.tsv' using (x(\$1)):(100 * \$12) with linespoints pt 5 lc 2 title \"window 8, up\""
        w8_bottom+=", '' using (x(\$1)):(100 * \$13) with linespoints pt 4 dt 2 lc 2 title \"window 8, down\""
    else
        w8_top=", NaN title \"window 8: missing (the client has no run.window)\""
    fi
    for term in "pngcairo size 900,900 font 'sans,10'|png" "svg size 900,900 dynamic|svg"; do
        gnuplot <<EOT
set terminal ${term%|*}
set output '$out/results.${term#*|}'
set datafile separator "\t"
set datafile missing "null"
unthr = 2e6
x(b) = b == 0 ? unthr : b
set logscale x
set xrange [6000:3.2e6]
set xtics ("9,600" 9600, "19,200" 19200, "57,600" 57600, "115,200" 115200, "460,800" 460800, "unthrottled" unthr)
set grid
set key top right
set multiplot layout 2,1 title "scripts/bench, $(get generated)"
set title "Seconds per certificate job (a daemon run's fixed cost left out)"
set logscale y
set ylabel "s / job (log)"
set arrow from 6000,0.3 to 3.2e6,0.3 nohead dashtype 2 lc rgb "red"
set label "target at 115,200: 0.30 s/job" at 7000,0.36 tc rgb "red"
plot '$work/w1.tsv' using (x(\$1)):8 with linespoints pt 7 lw 2 title "window 1"$w8_top
unset arrow
unset label
set title "Line use: bytes delivered / bytes the rate allows (drain, 10 bits a byte)"
unset logscale y
set yrange [0:105]
set ylabel "% of the line"
set xrange [6000:700000]
plot '$work/w1.tsv' using (x(\$1)):(100 * \$12) with linespoints pt 7 lc 1 title "window 1, up (client → signer)", \
     '' using (x(\$1)):(100 * \$13) with linespoints pt 6 dt 2 lc 1 title "window 1, down (signer → client)"$w8_bottom
unset multiplot
EOT
    done
}

# keep_logs: the client's stderr of every run and the end of the signer's log, into $out/logs
# (the scratch folder goes at exit).
keep_logs() {
    rm -rf "$out/logs"
    mkdir -p "$out/logs"
    cp "$work"/*.err "$out/logs/" 2>/dev/null || true
    tail -n 5000 "$CASS_DIR/server.log" >"$out/logs/server.log.tail" 2>/dev/null || true
}
