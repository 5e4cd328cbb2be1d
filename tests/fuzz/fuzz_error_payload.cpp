// Fuzz target: the `error` payload reader of docs/protocol.md §5.8 and the record header peek
// of §4.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
// Target functions: librecord::parse_refusal, to_error_code, to_string, Refusal::payload,
// peek_header, decode_record.
#include <librecord/error_code.hpp>
#include <librecord/record.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string>
#include <string_view>

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_error_payload: invariant broken: %s\n", what);
        std::abort();
    }
}

std::span<const uint8_t> bytes_of(std::string_view text) {
    // reinterpret_cast: the payload's text read back as bytes
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

void check_refusal(std::span<const uint8_t> input, std::string_view text) {
    namespace lr = librecord;
    const lr::Refusal r = lr::parse_refusal(input);
    // The code's word is in the registry and reads back as the same code.
    const auto back = lr::to_error_code(lr::to_string(r.code));
    check(back.has_value() && *back == r.code, "to_string does not read back");
    // Nothing of the payload is lost: a registered code keeps its message, any other payload
    // lands whole in the message of an `internal` refusal.
    const auto space = text.find(' ');
    const auto word = text.substr(0, space);
    if (const auto code = lr::to_error_code(word)) {
        check(*code == r.code, "registered code not kept");
        check(lr::to_string(*code) == word, "to_error_code is not exact");
        check(space == std::string_view::npos ? r.message.empty()
                                              : r.message == text.substr(space + 1),
              "message not kept");
        if (space != std::string_view::npos) {
            check(r.payload() == text, "payload of a registered refusal differs");
        }
    } else {
        check(r.code == lr::ErrorCode::internal, "unregistered code not internal");
        check(r.message.find(text) != std::string::npos, "payload lost from the message");
    }
    // A refusal's own payload reads back as the same refusal.
    const std::string again = r.payload();
    check(lr::parse_refusal(bytes_of(again)) == r, "payload does not read back");
}

void check_peek(std::string_view text) {
    namespace lr = librecord;
    const auto peek = lr::peek_header(text);
    const auto rec = lr::decode_record(text);
    // Every line that decodes can be peeked, and the peek agrees with the decoder.
    if (rec.ok()) {
        check(peek.has_value(), "a decodable line does not peek");
        check(peek->session == rec->session && peek->counter == rec->counter,
              "peek differs from the decoder");
    }
    if (peek) {
        check(text.size() >= 19 && text.front() == ':', "peeked a short or colon-less line");
    }
}

void run(std::span<const uint8_t> input) {
    // reinterpret_cast: the fuzzer's bytes read as text
    const std::string_view text{reinterpret_cast<const char*>(input.data()), input.size()};
    check_refusal(input, text);
    check_peek(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        run({data, size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_error_payload: unexpected exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
