// Grind tests (docs/style.md §9): feed a stream whole, split at every offset, and byte by byte;
// plus the reader for tests/data/*.vec files and Errc names used by the vectors.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "librecord/errors.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace cass::test {

using Pieces = std::vector<std::span<const uint8_t>>;

/**
 * Runs `run(pieces)` over (a) the whole of `bytes`, (b) every split into two pieces (including
 * the empty first and last piece) and (c) one byte per piece, and checks that every run gives
 * the same result as (a). `run` must build a fresh decoder each call and return a value
 * comparable with ==. @return the result of the whole-stream run.
 */
template <class Run>
auto grind(std::span<const uint8_t> bytes, Run run) {
    const auto whole = run(Pieces{bytes});
    size_t split_failures = 0;
    for (size_t cut = 0; cut <= bytes.size(); ++cut) {
        if (!(run(Pieces{bytes.first(cut), bytes.subspan(cut)}) == whole)) {
            ++split_failures;
            BOOST_TEST_MESSAGE("grind: split at " << cut << " differs from the whole stream");
        }
    }
    BOOST_TEST(split_failures == 0U);
    Pieces singles;
    singles.reserve(bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) {
        singles.push_back(bytes.subspan(i, 1));
    }
    BOOST_TEST((run(singles) == whole), "grind: byte-at-a-time run differs from the whole stream");
    return whole;
}

inline std::span<const uint8_t> as_bytes(std::string_view s) {
    // reinterpret_cast: char and uint8_t share size and alignment; the view outlives the span.
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

/** The name a .vec file uses for an error code, e.g. "bad_crc". */
inline std::string errc_name(std::error_code ec) {
    using librecord::Errc;

    struct Entry {
        Errc e;
        const char* name;
    };

    static const Entry table[] = {
        {Errc::truncated, "truncated"},
        {Errc::trailing_bytes, "trailing_bytes"},
        {Errc::capacity_exceeded, "capacity_exceeded"},
        {Errc::bad_escape, "bad_escape"},
        {Errc::frame_too_long, "frame_too_long"},
        {Errc::bad_crc, "bad_crc"},
        {Errc::unknown_frame_type, "unknown_frame_type"},
        {Errc::bad_frame_length, "bad_frame_length"},
        {Errc::bad_version, "bad_version"},
        {Errc::missing_colon, "missing_colon"},
        {Errc::bad_hex, "bad_hex"},
        {Errc::bad_checksum, "bad_checksum"},
        {Errc::length_mismatch, "length_mismatch"},
        {Errc::line_too_long, "line_too_long"},
        {Errc::bad_flags, "bad_flags"},
        {Errc::unknown_command, "unknown_command"},
        {Errc::chunk_out_of_order, "chunk_out_of_order"},
        {Errc::bad_chunk_size, "bad_chunk_size"},
        {Errc::interleaved, "interleaved"},
        {Errc::payload_too_large, "payload_too_large"},
        {Errc::wrong_session, "wrong_session"},
    };
    for (const auto& entry : table) {
        if (ec == librecord::make_error_code(entry.e)) {
            return entry.name;
        }
    }
    return "unnamed:" + ec.message();
}

/** One `Input = …` / `Expect = …` pair of a .vec file. */
struct Vector {
    std::string file;
    int line = 0;
    std::string input;
    std::string expect;
};

inline std::ostream& operator<<(std::ostream& os, const Vector& v) {
    return os << v.file << ':' << v.line;
}

/**
 * Reads tests/data/<name>: `#` comments and blank lines are skipped, every `Input = x` must be
 * followed by `Expect = y`. A malformed file yields an empty list, which the tests refuse.
 */
inline std::vector<Vector> load_vectors(const std::string& name) {
    std::ifstream in(std::string(CASS_SOURCE_DIR) + "/tests/data/" + name);
    std::vector<Vector> out;
    std::string line;
    int number = 0;
    Vector pending;
    bool have_input = false;
    const auto value_of = [](const std::string& l, std::string_view key, std::string& v) {
        if (l.rfind(key, 0) != 0) {
            return false;
        }
        v = l.substr(key.size());
        return true;
    };
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line.front() == '#') {
            continue;
        }
        std::string value;
        if (!have_input && value_of(line, "Input = ", value)) {
            pending = Vector{name, number, value, {}};
            have_input = true;
        } else if (!have_input && line == "Input =") {
            pending = Vector{name, number, {}, {}};
            have_input = true;
        } else if (have_input && value_of(line, "Expect = ", value)) {
            pending.expect = value;
            out.push_back(pending);
            have_input = false;
        } else if (have_input && line == "Expect =") {
            out.push_back(pending);
            have_input = false;
        } else {
            return {};
        }
    }
    return have_input ? std::vector<Vector>{} : out;
}

}  // namespace cass::test
