#!/usr/bin/env bash
# Keeps --help and the manual pages (docs/man/) in step: every --option that a program's --help
# prints (its own, its commands') is in its page, every configuration key (the --help section
# "Configuration (file or command line)") is in the conf(5) page, and each page renders without
# a groff warning (what lintian checks). ctest label unit.
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#
# Usage: tests/ci/man_options.sh BIN_DIR MAN_DIR
set -euo pipefail

bin=${1:?usage: man_options.sh BIN_DIR MAN_DIR}
man_dir=${2:?usage: man_options.sh BIN_DIR MAN_DIR}
problems=0

problem() {
    echo "man_options: $*" >&2
    problems=$((problems + 1))
}

# plain PAGE: the page's roff source with \- as - and the font escapes removed.
plain() {
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$1"
}

# options_of KIND: reads --help text on stdin and prints the long options ("--name") outside
# the configuration section (KIND=program) or the configuration keys ("name", KIND=config).
options_of() {
    awk -v kind="$1" '
        /^[^ \t]/ { config = ($0 ~ /^Configuration/) }
        /^  -/ {
            if (match($0, /--[A-Za-z0-9._-]+/) == 0) next
            name = substr($0, RSTART, RLENGTH)
            if (kind == "config" && config) print substr(name, 3)
            if (kind == "program" && !config) print name
        }'
}

# mentions TEXT WORD: WORD appears in TEXT as a whole word (letters, digits, . _ - around it).
mentions() {
    local word=${2//./\\.}
    grep -qE -- "(^|[^A-Za-z0-9._-])${word}([^A-Za-z0-9._-]|$)" <<<"$1"
}

# check_names PAGE WHAT: every name on stdin (WHAT: what they are) is in PAGE.
check_names() {
    local page=$1 what=$2 text name count=0
    [[ -f $page ]] || { problem "no page $page"; return; }
    text=$(plain "$page")
    while IFS= read -r name; do
        count=$((count + 1))
        mentions "$text" "$name" || problem "$(basename "$page") does not mention $name"
    done
    ((count > 0)) || problem "no $what found in the --help text for $(basename "$page")"
}

# check_page HELP_TEXT KIND PAGE: every option or key of KIND in HELP_TEXT is in PAGE.
check_page() {
    check_names "$3" "$2 options" < <(options_of "$2" <<<"$1" | sort -u)
}

# help_of PROGRAM ARGS...: PROGRAM's --help text (it must exit 0).
help_of() {
    local program=$1
    shift
    "$bin/$program" "$@" || problem "$program $* exits $?"
}

server_help=$(help_of cassiopeia-server --help)
check_page "$server_help" program "$man_dir/cassiopeia-server.8"
check_page "$server_help" config "$man_dir/cassiopeia-server.conf.5"

client_help=$(help_of cassiopeia-client --help)
check_page "$client_help" program "$man_dir/cassiopeia-client.8"
check_page "$client_help" config "$man_dir/cassiopeia-client.conf.5"

# cassiopeia-record prints its usage (several options a line), and each command its options.
record_help=$(help_of cassiopeia-record --help; help_of cassiopeia-record decode --help
    help_of cassiopeia-record encode --help)
check_names "$man_dir/cassiopeia-record.1" "options" \
    < <(grep -oE -- '--[A-Za-z0-9][A-Za-z0-9._-]*' <<<"$record_help" | sort -u)

# groff's warnings, as lintian asks for them.
if command -v man >/dev/null 2>&1; then
    for page in "$man_dir"/*.[158]; do
        warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" \
            2>&1 >/dev/null || true)
        [[ -z $warnings ]] || problem "$(basename "$page"): $warnings"
    done
else
    echo "man_options: man is not installed, rendering not checked"
fi

if ((problems > 0)); then
    echo "man_options: $problems problem(s)" >&2
    exit 1
fi
echo "man_options: every --help option and configuration key is in its manual page"
