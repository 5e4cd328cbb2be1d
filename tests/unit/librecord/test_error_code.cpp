// Unit tests of the error code registry of docs/protocol.md §5.8 and the `error` payload
// (librecord/error_code.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/error_code.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using librecord::ErrorCode;
using librecord::Refusal;

namespace {

// The table of docs/protocol.md §5.8, written out here so that a missing or misspelt word in the
// library fails this test.
constexpr std::array<std::pair<ErrorCode, std::string_view>, 24> section_5_8{{
    {ErrorCode::bad_request, "bad_request"},
    {ErrorCode::too_many, "too_many"},
    {ErrorCode::bad_csr, "bad_csr"},
    {ErrorCode::csr_signature, "csr_signature"},
    {ErrorCode::weak_key, "weak_key"},
    {ErrorCode::unknown_profile, "unknown_profile"},
    {ErrorCode::unknown_ca, "unknown_ca"},
    {ErrorCode::profile_local_only, "profile_local_only"},
    {ErrorCode::san_invalid, "san_invalid"},
    {ErrorCode::san_not_allowed, "san_not_allowed"},
    {ErrorCode::ava_not_allowed, "ava_not_allowed"},
    {ErrorCode::hash_not_allowed, "hash_not_allowed"},
    {ErrorCode::validity_cap, "validity_cap"},
    {ErrorCode::bad_validity, "bad_validity"},
    {ErrorCode::proof_missing, "proof_missing"},
    {ErrorCode::proof_stale, "proof_stale"},
    {ErrorCode::proof_future, "proof_future"},
    {ErrorCode::request_mismatch, "request_mismatch"},
    {ErrorCode::log_mismatch, "log_mismatch"},
    {ErrorCode::lint, "lint"},
    {ErrorCode::unknown_serial, "unknown_serial"},
    {ErrorCode::wrong_ca, "wrong_ca"},
    {ErrorCode::pgp_key, "pgp_key"},
    {ErrorCode::internal, "internal"},
}};

std::span<const uint8_t> bytes_of(std::string_view text) {
    // reinterpret_cast: the payload's text read as the bytes on the line
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

Refusal parse(std::string_view text) {
    return librecord::parse_refusal(bytes_of(text));
}

std::string_view word(ErrorCode c) {
    return librecord::to_string(c);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(error_code)

BOOST_AUTO_TEST_CASE(every_registry_code_has_its_section_5_8_word) {
    for (const auto& [code, text] : section_5_8) {
        BOOST_TEST(word(code) == text);
    }
}

BOOST_AUTO_TEST_CASE(every_enumerator_is_in_the_registry_table) {
    // The enumerators are contiguous from bad_request to internal; the table lists each once.
    BOOST_TEST(static_cast<int>(ErrorCode::bad_request) == 0);
    BOOST_TEST(static_cast<size_t>(ErrorCode::internal) + 1 == section_5_8.size());
    std::set<int> seen;
    for (const auto& entry : section_5_8) {
        seen.insert(static_cast<int>(entry.first));
    }
    BOOST_TEST(seen.size() == section_5_8.size());
}

BOOST_AUTO_TEST_CASE(words_are_distinct) {
    std::set<std::string_view> words;
    for (int i = 0; i <= static_cast<int>(ErrorCode::internal); ++i) {
        words.insert(word(static_cast<ErrorCode>(i)));
    }
    BOOST_TEST(words.size() == section_5_8.size());
}

BOOST_AUTO_TEST_CASE(every_word_round_trips_through_to_error_code) {
    for (const auto& [code, text] : section_5_8) {
        const auto back = librecord::to_error_code(text);
        BOOST_REQUIRE_MESSAGE(back.has_value(), text);
        BOOST_TEST((*back == code), text);
        BOOST_TEST(librecord::to_error_code(word(code)).has_value());
    }
}

BOOST_AUTO_TEST_CASE(unknown_words_are_refused) {
    for (const char* text : {"",
                             " ",
                             "ok",
                             "error",
                             "bad",
                             "bad_csr_",
                             "badcsr",
                             "bad-csr",
                             "lints",
                             "internal_error",
                             "pgp",
                             "0",
                             "E0"}) {
        BOOST_TEST(!librecord::to_error_code(text).has_value(), text);
    }
}

BOOST_AUTO_TEST_CASE(case_variants_and_surrounding_space_are_refused) {
    for (const auto& [code, text] : section_5_8) {
        std::string upper{text};
        for (char& c : upper) {
            if (c >= 'a' && c <= 'z') {
                c = static_cast<char>(c - 'a' + 'A');
            }
        }
        std::string capital{text};
        capital[0] = static_cast<char>(capital[0] - 'a' + 'A');
        for (const std::string& bad : {upper,
                                       capital,
                                       std::string{text} + " ",
                                       " " + std::string{text},
                                       std::string{text} + "\n",
                                       std::string{text} + '\0'}) {
            BOOST_TEST(!librecord::to_error_code(bad).has_value(), bad);
        }
    }
}

BOOST_AUTO_TEST_CASE(payload_is_code_space_message) {
    BOOST_TEST((Refusal{ErrorCode::proof_stale, "line 3 is 40 days old"}.payload() ==
                "proof_stale line 3 is 40 days old"));
    BOOST_TEST(
        (librecord::refuse(ErrorCode::lint, "e_dnsname_bad").payload() == "lint e_dnsname_bad"));
    BOOST_TEST((Refusal{ErrorCode::bad_csr, ""}.payload() == "bad_csr "));
}

BOOST_AUTO_TEST_CASE(default_refusal_is_internal) {
    const Refusal r;
    BOOST_TEST((r.code == ErrorCode::internal));
    BOOST_TEST(r.message.empty());
}

BOOST_AUTO_TEST_CASE(parse_reads_code_and_message) {
    const Refusal r = parse("san_not_allowed dNSName b.example.org: not in the profile");
    BOOST_TEST((r.code == ErrorCode::san_not_allowed));
    BOOST_TEST(r.message == "dNSName b.example.org: not in the profile");
}

BOOST_AUTO_TEST_CASE(parse_keeps_spaces_inside_and_after_the_message) {
    const Refusal r = parse("lint  two  spaces ");
    BOOST_TEST((r.code == ErrorCode::lint));
    BOOST_TEST(r.message == " two  spaces ");
}

BOOST_AUTO_TEST_CASE(parse_without_message_gives_empty_message) {
    for (const char* text : {"bad_request", "bad_request "}) {
        const Refusal r = parse(text);
        BOOST_TEST((r.code == ErrorCode::bad_request), text);
        BOOST_TEST(r.message.empty(), text);
    }
}

BOOST_AUTO_TEST_CASE(payload_round_trips_through_parse_for_every_code) {
    for (const auto& [code, text] : section_5_8) {
        for (const char* message : {"", "x", "what and where: a b c"}) {
            const Refusal r{code, message};
            BOOST_TEST((parse(r.payload()) == r), text << ' ' << message);
        }
    }
}

BOOST_AUTO_TEST_CASE(empty_payload_is_internal) {
    const Refusal r = librecord::parse_refusal({});
    BOOST_TEST((r.code == ErrorCode::internal));
    BOOST_TEST(r.message.find("unregistered") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unregistered_code_is_internal_with_the_whole_payload) {
    for (const char* text : {"new_code something went wrong",
                             "BAD_CSR upper case",
                             " bad_csr leading",
                             "bad_csr\tmessage",
                             "no_space_at_all"}) {
        const Refusal r = parse(text);
        BOOST_TEST((r.code == ErrorCode::internal), text);
        BOOST_TEST(r.message.find(text) != std::string::npos, text << " -> " << r.message);
    }
}

BOOST_AUTO_TEST_CASE(parse_keeps_non_utf8_and_nul_bytes_of_the_message) {
    const std::string text{"internal incident \0\xFF id", 23};
    const Refusal r = parse(text);
    BOOST_TEST((r.code == ErrorCode::internal));
    BOOST_TEST(r.message == text.substr(9));
}

BOOST_AUTO_TEST_SUITE_END()
