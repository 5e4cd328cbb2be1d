#!/usr/bin/env bash
# CI stage lint: clang-format 14, module include boundaries (docs/style.md §2), shellcheck, and,
# with CASS_TIDY=1, clang-tidy 14 on the C++ files changed since CASS_TIDY_BASE (default HEAD~1).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

problems=0
problem() {
    echo "lint: $*" >&2
    problems=$((problems + 1))
}

# Every C++ source of the project, tracked or new, without build trees.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t listed < <(git ls-files -co --exclude-standard -- '*.cpp' '*.hpp')
else
    mapfile -t listed < <(find . -path './build*' -prune -o -type f \
        \( -name '*.cpp' -o -name '*.hpp' \) -print | sed 's|^\./||' | sort)
fi
sources=()
for f in "${listed[@]}"; do
    [[ -f $f ]] && sources+=("$f")
done
[[ ${#sources[@]} -gt 0 ]] || { echo "lint: no C++ sources found" >&2; exit 1; }

# 1. Formatting.
for f in "${sources[@]}"; do
    clang-format-14 --dry-run -Werror "$f" >/dev/null 2>&1 ||
        problem "clang-format-14 would reformat $f"
done

# 2. Include boundaries of the product code (tests may include anything, docs/style.md §2).
product=()
for f in "${sources[@]}"; do
    [[ $f == tests/* ]] || product+=("$f")
done

# includes_of REGEX: "file:line:text" for every #include matching REGEX in the product code.
includes_of() {
    grep -HnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*$1" "${product[@]}" || true
}

# only_under REGEX ALLOWED_PATH_REGEX WHAT: the include may appear only in matching paths.
only_under() {
    local hit
    while IFS= read -r hit; do
        [[ ${hit%%:*} =~ $2 ]] || problem "$3: ${hit}"
    done < <(includes_of "$1")
}

only_under '<gnutls/' '^librecord/src/(gnutls/|tls_engine\.cpp$)' \
    "GnuTLS is included only in librecord/src/gnutls/ and tls_engine.cpp"
only_under '<libpq-fe\.h>' '^cassiopeia-client/src/pq/' \
    "<libpq-fe.h> is included only in cassiopeia-client/src/pq/"
only_under '<sqlite3\.h>' '^cassiopeia-server/src/sqlite/' \
    "<sqlite3.h> is included only in cassiopeia-server/src/sqlite/"
only_under '<gpgme\.h>' '^cassiopeia-server/src/gpg/' \
    "<gpgme.h> is included only in cassiopeia-server/src/gpg/"
only_under '<idn2\.h>' '^cassiopeia-server/src/issuance/idna\.cpp$' \
    "<idn2.h> is included only in cassiopeia-server/src/issuance/idna.cpp"

# librecord's core uses the standard library only.
core_files='(byte_reader|crc32|slip|record|errors|limits|result|openpgp|c_handle|utc|json)'
core="^librecord/(src|include/librecord)/${core_files}\\.[ch]pp$"
while IFS= read -r hit; do
    [[ ${hit%%:*} =~ $core ]] &&
        problem "librecord core uses the standard library only: ${hit}"
done < <(includes_of '<(boost|openssl|gnutls|log4cplus|libpq-fe\.h|gpgme\.h|sqlite3\.h|idn2\.h)')

# librecord never logs nor parses options: that is daemon set-up, in common/ (cassiopeia_common).
only_under '<log4cplus/' '^(common|cassiopeia-server|cassiopeia-client)/' \
    "log4cplus is daemon set-up: never under librecord/ (common/ configures it)"
only_under '<boost/program_options' '^(common|tools|cassiopeia-server|cassiopeia-client)/' \
    "Boost.Program_options is daemon set-up: never under librecord/"
grep -qE '^[^#]*(cassiopeia_common|cassiopeia::common)' librecord/CMakeLists.txt 2>/dev/null &&
    problem "librecord/CMakeLists.txt links cassiopeia_common (the wire never sees daemon set-up)"

# librecord is sans-I/O but for its transport: Asio only in librecord/src/io/.
while IFS= read -r hit; do
    [[ ${hit%%:*} =~ ^librecord/ && ! ${hit%%:*} =~ ^librecord/src/io/ ]] &&
        problem "Asio is used only by librecord's transport (librecord/src/io/): ${hit}"
done < <(includes_of '<boost/asio')

# Server and client never include each other; nothing outside librecord includes librecord/src.
while IFS= read -r hit; do
    case ${hit%%:*} in
        cassiopeia-client/*) [[ $hit =~ cassiopeia[-_]server|server/src ]] &&
            problem "the client includes server code: ${hit}" ;;
        cassiopeia-server/*) [[ $hit =~ cassiopeia[-_]client|client/src ]] &&
            problem "the server includes client code: ${hit}" ;;
    esac
    case ${hit%%:*} in
        librecord/*) ;;
        *) [[ $hit =~ librecord/src ]] && problem "librecord/src is private: ${hit}" ;;
    esac
done < <(includes_of '')
grep -qE 'cassiopeia_server_core' cassiopeia-client/CMakeLists.txt 2>/dev/null &&
    problem "cassiopeia-client/CMakeLists.txt links the server's core library"
grep -qE 'cassiopeia_client_core' cassiopeia-server/CMakeLists.txt 2>/dev/null &&
    problem "cassiopeia-server/CMakeLists.txt links the client's core library"

# 3. Shell scripts.
if command -v shellcheck >/dev/null 2>&1; then
    mapfile -t scripts < <(grep -lE '^#!/usr/bin/env bash|^#!/bin/(ba)?sh' \
        scripts/* keys/* tests/ci/*.sh tests/integration/*.sh tests/faults/*.sh \
        tests/packages/*.sh debian/*.postinst debian/*.postrm debian/*.prerm .ci/run 2>/dev/null || true)
    if [[ ${#scripts[@]} -gt 0 ]] && ! shellcheck -x -P SCRIPTDIR -S warning "${scripts[@]}"; then
        problem "shellcheck found warnings (above)"
    fi
else
    echo "lint: shellcheck is not installed, shell scripts not checked (scripts/deps installs it)"
fi

# 4. clang-tidy on changed files, when asked for.
if [[ ${CASS_TIDY:-0} == 1 ]]; then
    tidy_build=$(realpath -m "${CASS_TIDY_BUILD_DIR:-build-tidy}")
    cmake -S . -B "$tidy_build" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
    base=${CASS_TIDY_BASE:-$(git rev-parse -q --verify HEAD~1 || echo HEAD)}
    mapfile -t changed < <(git diff --name-only --diff-filter=d "$base" -- '*.cpp')
    for f in "${changed[@]}"; do
        [[ $f == tests/fuzz/* ]] && continue
        clang-tidy-14 -p "$tidy_build" --quiet "$f" || problem "clang-tidy-14 fails on $f"
    done
fi

if ((problems > 0)); then
    echo "lint: $problems problem(s)" >&2
    exit 1
fi
echo "lint: clean (${#sources[@]} C++ files)"
