// Unit tests of record lines, hex, chunking, LineSplitter and MessageAssembler (§4, §5).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "grind.hpp"
#include "librecord/errors.hpp"
#include "librecord/limits.hpp"
#include "librecord/record.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace limits = librecord::limits;
using librecord::Command;
using librecord::Errc;
using librecord::make_error_code;
using librecord::Message;
using librecord::MessageAssembler;
using librecord::Record;
using librecord::Reply;
using Bytes = std::vector<uint8_t>;

namespace {

constexpr size_t chunk = limits::max_chunk_size;

/** A record built field by field, independently of encode_record, so tests can break it. */
struct Raw {
    uint16_t command = 0x01;
    uint8_t flags = 0;
    uint32_t session = 0x01020304;
    uint16_t counter = 7;
    std::optional<uint32_t> total;  // default: payload size
    uint16_t offset = 0;
    std::optional<uint16_t> length;  // default: payload size
    Bytes payload;
    Bytes extra;                      // bytes between payload and checksum
    std::optional<uint8_t> checksum;  // default: the correct one
};

void put_le(Bytes& out, uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
        out.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
}

Bytes raw_bytes(const Raw& r) {
    Bytes b;
    put_le(b, r.command, 2);
    put_le(b, r.flags, 1);
    put_le(b, r.session, 4);
    put_le(b, r.counter, 2);
    put_le(b, r.total.value_or(static_cast<uint32_t>(r.payload.size())), 4);
    put_le(b, r.offset, 2);
    put_le(b, r.length.value_or(static_cast<uint16_t>(r.payload.size())), 2);
    b.insert(b.end(), r.payload.begin(), r.payload.end());
    b.insert(b.end(), r.extra.begin(), r.extra.end());
    unsigned sum = 0;
    for (const uint8_t x : b) {
        sum += x;
    }
    b.push_back(r.checksum.value_or(static_cast<uint8_t>(~sum & 0xFFU)));
    return b;
}

Raw with_payload(Bytes payload) {
    Raw r;
    r.payload = std::move(payload);
    return r;
}

Raw with_length(Bytes payload, uint16_t length) {
    Raw r = with_payload(std::move(payload));
    r.length = length;
    return r;
}

Raw with_extra(Bytes payload, Bytes extra) {
    Raw r = with_payload(std::move(payload));
    r.extra = std::move(extra);
    return r;
}

Raw with_flags(uint8_t flags) {
    Raw r;
    r.flags = flags;
    return r;
}

std::string line_of(const Bytes& b) {
    return ":" + librecord::to_hex(b) + "\n";
}

std::string line_of(const Raw& r) {
    return line_of(raw_bytes(r));
}

std::error_code err(Errc e) {
    return make_error_code(e);
}

Bytes pattern(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) {
        b[i] = static_cast<uint8_t>(i * 7 + i / 251);
    }
    return b;
}

/** Splitter + decoder + assembler: each message or error as text. */
std::vector<std::string> pipeline(const cass::test::Pieces& pieces,
                                  size_t max_total = limits::max_reply_payload) {
    librecord::LineSplitter splitter;
    MessageAssembler assembler{max_total};
    std::vector<std::string> out;
    std::vector<librecord::LineSplitter::Item> lines;
    for (const auto p : pieces) {
        splitter.feed(p, lines);
    }
    for (auto& item : lines) {
        if (item.ec) {
            out.push_back("E:" + cass::test::errc_name(item.ec));
            continue;
        }
        auto rec = librecord::decode_record(item.line);
        if (!rec) {
            out.push_back("E:" + cass::test::errc_name(rec.error()));
            continue;
        }
        auto msg = assembler.add(std::move(rec).value());
        if (!msg) {
            out.push_back("E:" + cass::test::errc_name(msg.error()));
        } else if (*msg) {
            const Message& m = **msg;
            out.push_back("M:" + std::to_string(m.command) + "/" + std::to_string(m.session) + "/" +
                          std::to_string(m.counter) + "/" + std::to_string(m.payload.size()) + "/" +
                          librecord::to_hex(m.payload));
        }
    }
    if (assembler.partial()) {
        out.emplace_back("partial");
    }
    return out;
}

std::string message_text(const Message& m) {
    return "M:" + std::to_string(m.command) + "/" + std::to_string(m.session) + "/" +
           std::to_string(m.counter) + "/" + std::to_string(m.payload.size()) + "/" +
           librecord::to_hex(m.payload);
}

std::vector<Record> records_of(const Message& m) {
    std::string text;
    librecord::encode_message(m, text);
    std::vector<Record> out;
    size_t start = 0;
    while (start < text.size()) {
        const size_t nl = text.find('\n', start);
        BOOST_REQUIRE(nl != std::string::npos);
        auto rec = librecord::decode_record(std::string_view(text).substr(start, nl - start + 1));
        BOOST_REQUIRE(rec.ok());
        out.push_back(std::move(rec).value());
        start = nl + 1;
    }
    return out;
}

Record chunk_record(
    uint32_t total, uint16_t offset, size_t len, uint16_t command = 0x01, uint16_t counter = 1) {
    Record r;
    r.command = command;
    r.session = 9;
    r.counter = counter;
    r.total_length = total;
    r.offset = offset;
    r.payload.assign(len, static_cast<uint8_t>(offset + 1));
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(record_codes)

BOOST_AUTO_TEST_CASE(maps_every_command_and_its_name) {
    const std::vector<std::pair<uint16_t, std::string>> commands{{0x01, "setCSR"},
                                                                 {0x02, "setSPKAC"},
                                                                 {0x03, "setOpenPGPKey"},
                                                                 {0x10, "setSignatureType"},
                                                                 {0x11, "setProfile"},
                                                                 {0x12, "wishFrom"},
                                                                 {0x13, "wishTo"},
                                                                 {0x14, "ocspTargetCA"},
                                                                 {0x18, "addSAN"},
                                                                 {0x19, "addAVA"},
                                                                 {0x20, "setRequestId"},
                                                                 {0x40, "addProofLine"},
                                                                 {0x80, "sign"},
                                                                 {0x81, "logSaved"},
                                                                 {0x100, "revoke"},
                                                                 {0x101, "getFullCRL"},
                                                                 {0x102, "addSerial"},
                                                                 {0xC0, "getTimestamp"},
                                                                 {0xD0, "getStatusReport"}};
    for (const auto& [code, name] : commands) {
        const auto c = librecord::to_command(code);
        BOOST_REQUIRE_MESSAGE(c.has_value(), "code " << code);
        BOOST_TEST(static_cast<uint16_t>(*c) == code);
        BOOST_TEST(librecord::command_name(*c) == name);
    }
    size_t known = 0;
    for (unsigned code = 0; code <= 0xFFFF; ++code) {
        known += librecord::to_command(static_cast<uint16_t>(code)).has_value() ? 1U : 0U;
    }
    BOOST_TEST(known == commands.size());
}

BOOST_AUTO_TEST_CASE(maps_every_reply_and_its_name) {
    const std::vector<std::pair<uint16_t, std::string>> replies{{0x80, "setLog"},
                                                                {0x81, "respondCertificate"},
                                                                {0x82, "signingCA"},
                                                                {0x100, "revoked"},
                                                                {0x101, "fullCRL"},
                                                                {0xC0, "timestampResponse"},
                                                                {0xD0, "statusReport"},
                                                                {0xE0, "error"}};
    for (const auto& [code, name] : replies) {
        const auto r = librecord::to_reply(code);
        BOOST_REQUIRE_MESSAGE(r.has_value(), "code " << code);
        BOOST_TEST(static_cast<uint16_t>(*r) == code);
        BOOST_TEST(librecord::reply_name(*r) == name);
    }
    size_t known = 0;
    for (unsigned code = 0; code <= 0xFFFF; ++code) {
        known += librecord::to_reply(static_cast<uint16_t>(code)).has_value() ? 1U : 0U;
    }
    BOOST_TEST(known == replies.size());
}

BOOST_AUTO_TEST_CASE(rejects_unknown_codes) {
    for (const uint16_t code :
         {uint16_t{0}, uint16_t{0x04}, uint16_t{0x82}, uint16_t{0xE0}, uint16_t{0xFFFF}}) {
        BOOST_TEST(!librecord::to_command(code).has_value());
    }
    for (const uint16_t code : {uint16_t{0}, uint16_t{0x01}, uint16_t{0x102}, uint16_t{0xFFFF}}) {
        BOOST_TEST(!librecord::to_reply(code).has_value());
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(record_line)

BOOST_AUTO_TEST_CASE(decodes_a_known_line) {
    // setCSR, session 7, counter 1, payload "hello"; checksum by hand: ~0x27 = 0xD8.
    const auto r = librecord::decode_record(":010000070000000100050000000000050068656C6C6FD8\n");
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->command == 0x01);
    BOOST_TEST(r->flags == 0);
    BOOST_TEST(r->session == 7U);
    BOOST_TEST(r->counter == 1);
    BOOST_TEST(r->total_length == 5U);
    BOOST_TEST(r->offset == 0);
    BOOST_TEST(librecord::to_hex(r->payload) == "68656C6C6F");
}

BOOST_AUTO_TEST_CASE(decodes_all_header_fields_little_endian) {
    Raw raw;
    raw.command = 0x0102;
    raw.session = 0xA1B2C3D4;
    raw.counter = 0xBEEF;
    raw.total = 0x00F0F001;
    raw.offset = 0x1234;
    raw.payload = pattern(3);
    const auto r = librecord::decode_record(line_of(raw));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->command == 0x0102);
    BOOST_TEST(r->session == 0xA1B2C3D4U);
    BOOST_TEST(r->counter == 0xBEEF);
    BOOST_TEST(r->total_length == 0x00F0F001U);
    BOOST_TEST(r->offset == 0x1234);
    BOOST_TEST(r->payload == pattern(3), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(encode_matches_independent_builder_and_round_trips) {
    Raw raw;
    raw.payload = pattern(300);
    raw.total = 5000;
    raw.offset = 0;
    Record rec;
    rec.command = raw.command;
    rec.session = raw.session;
    rec.counter = raw.counter;
    rec.total_length = 5000;
    rec.payload = raw.payload;
    const std::string line = librecord::encode_record(rec);
    BOOST_TEST(line == line_of(raw));
    const auto back = librecord::decode_record(line);
    BOOST_REQUIRE(back.ok());
    BOOST_TEST((*back == rec));
}

BOOST_AUTO_TEST_CASE(accepts_lower_case_and_no_newline) {
    std::string line = line_of(with_payload(Bytes{0xAB, 0xCD}));
    for (auto& c : line) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const auto lower = librecord::decode_record(line);
    BOOST_REQUIRE(lower.ok());
    BOOST_TEST(librecord::to_hex(lower->payload) == "ABCD");
    line.pop_back();
    BOOST_TEST(librecord::decode_record(line).ok());
}

BOOST_AUTO_TEST_CASE(rejects_carriage_return_and_missing_colon) {
    std::string line = line_of(Raw{});
    line.insert(line.size() - 1, "\r");
    BOOST_TEST((librecord::decode_record(line).error() == err(Errc::bad_hex)));
    BOOST_TEST((librecord::decode_record("").error() == err(Errc::missing_colon)));
    BOOST_TEST((librecord::decode_record("\n").error() == err(Errc::missing_colon)));
    BOOST_TEST(
        (librecord::decode_record(line_of(Raw{}).substr(1)).error() == err(Errc::missing_colon)));
    BOOST_TEST((librecord::decode_record(";" + line_of(Raw{}).substr(1)).error() ==
                err(Errc::missing_colon)));
}

BOOST_AUTO_TEST_CASE(rejects_bad_hex_and_odd_length) {
    std::string line = line_of(with_payload(Bytes{1, 2}));
    std::string odd = line;
    odd.erase(3, 1);
    BOOST_TEST((librecord::decode_record(odd).error() == err(Errc::bad_hex)));
    std::string bad = line;
    bad[5] = 'G';
    BOOST_TEST((librecord::decode_record(bad).error() == err(Errc::bad_hex)));
    bad[5] = ' ';
    BOOST_TEST((librecord::decode_record(bad).error() == err(Errc::bad_hex)));
}

BOOST_AUTO_TEST_CASE(truncated_at_every_offset_is_refused) {
    const std::string line = line_of(with_payload(pattern(4)));
    // Keep ':' and every prefix of the hex digits (the '\n' itself is optional).
    for (size_t cut = 1; cut + 1 < line.size(); ++cut) {
        const auto r = librecord::decode_record(line.substr(0, cut));
        BOOST_TEST(!r.ok(), "cut at " << cut);
        const size_t digits = cut - 1;
        if (digits % 2 == 1) {
            BOOST_TEST((r.error() == err(Errc::bad_hex)));
        } else if (digits / 2 < limits::record_header_size + 1) {
            BOOST_TEST((r.error() == err(Errc::truncated)));
        }
    }
}

BOOST_AUTO_TEST_CASE(length_field_at_maximum_is_accepted) {
    const auto r = librecord::decode_record(line_of(with_payload(pattern(chunk))));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->payload.size() == chunk);
}

BOOST_AUTO_TEST_CASE(length_field_at_maximum_plus_one_is_refused) {
    // The length field says 0xF001; the line itself stays within max_record_line.
    const auto r = librecord::decode_record(line_of(with_length(pattern(chunk), chunk + 1)));
    BOOST_TEST((r.error() == err(Errc::bad_chunk_size)));
    // A real 0xF001-byte chunk does not even fit in a record line.
    const auto too_long = librecord::decode_record(line_of(with_payload(pattern(chunk + 1))));
    BOOST_TEST((too_long.error() == err(Errc::line_too_long)));
}

BOOST_AUTO_TEST_CASE(length_field_zero_is_accepted) {
    const auto r = librecord::decode_record(line_of(Raw{}));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->payload.empty());
}

BOOST_AUTO_TEST_CASE(length_field_larger_than_remaining_is_refused) {
    for (const uint16_t len : {uint16_t{3}, uint16_t{100}, uint16_t{0xF000}, uint16_t{0xFFFF}}) {
        const auto r = librecord::decode_record(line_of(with_length(pattern(2), len)));
        BOOST_TEST(!r.ok());
        BOOST_TEST((r.error() == err(len > chunk ? Errc::bad_chunk_size : Errc::length_mismatch)));
    }
}

BOOST_AUTO_TEST_CASE(trailing_garbage_is_refused) {
    const auto r = librecord::decode_record(line_of(with_extra(pattern(2), Bytes{0x00})));
    BOOST_TEST((r.error() == err(Errc::length_mismatch)));
    // Garbage after the checksum: 0x00 is always a valid checksum then (the sum of bytes and
    // their complement is 0xFF), so the length check must catch it; other bytes fail the sum.
    std::string line = line_of(with_payload(pattern(2)));
    line.insert(line.size() - 1, "00");
    BOOST_TEST((librecord::decode_record(line).error() == err(Errc::length_mismatch)));
    line.replace(line.size() - 3, 2, "01");
    BOOST_TEST((librecord::decode_record(line).error() == err(Errc::bad_checksum)));
}

BOOST_AUTO_TEST_CASE(rejects_nonzero_flags) {
    for (const uint8_t f : {uint8_t{1}, uint8_t{0x80}, uint8_t{0xFF}}) {
        BOOST_TEST(
            (librecord::decode_record(line_of(with_flags(f))).error() == err(Errc::bad_flags)));
    }
}

BOOST_AUTO_TEST_CASE(rejects_bad_checksum_on_every_bit_flip) {
    const Bytes good = raw_bytes(with_payload(pattern(3)));
    for (size_t i = 0; i < good.size(); ++i) {
        for (unsigned bit = 0; bit < 8; ++bit) {
            Bytes b = good;
            b[i] = static_cast<uint8_t>(b[i] ^ (1U << bit));
            BOOST_TEST((librecord::decode_record(line_of(b)).error() == err(Errc::bad_checksum)),
                       "byte " << i << " bit " << bit);
        }
    }
}

BOOST_AUTO_TEST_CASE(rejects_lines_over_the_limit) {
    const std::string longest = line_of(with_payload(pattern(chunk)));
    BOOST_TEST(longest.size() == limits::max_record_line);
    BOOST_TEST(librecord::decode_record(longest).ok());
    std::string over = longest;
    over.insert(over.size() - 1, "00");
    BOOST_TEST((librecord::decode_record(over).error() == err(Errc::line_too_long)));
}

BOOST_AUTO_TEST_CASE(encode_refuses_oversized_chunk) {
    Record r;
    r.payload.resize(chunk + 1);
    BOOST_CHECK_THROW((void)librecord::encode_record(r), cassiopeia::Error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(message_chunking)

BOOST_AUTO_TEST_CASE(chunks_follow_protocol_section_4) {
    struct Case {
        size_t size;
        std::vector<size_t> lengths;
    };

    const std::vector<Case> cases{
        {0, {0}},
        {1, {1}},
        {chunk, {chunk}},
        {chunk + 1, {chunk, 1}},
        {2 * chunk + 5, {chunk, chunk, 5}},
    };
    for (const auto& c : cases) {
        const Message m{0x81, 0xCAFE, 3, pattern(c.size)};
        const auto recs = records_of(m);
        BOOST_REQUIRE_MESSAGE(recs.size() == c.lengths.size(), "size " << c.size);
        for (size_t i = 0; i < recs.size(); ++i) {
            BOOST_TEST(recs[i].command == 0x81);
            BOOST_TEST(recs[i].session == 0xCAFEU);
            BOOST_TEST(recs[i].counter == 3);
            BOOST_TEST(recs[i].flags == 0);
            BOOST_TEST(recs[i].total_length == c.size);
            BOOST_TEST(recs[i].offset == i);
            BOOST_TEST(recs[i].payload.size() == c.lengths[i]);
        }
        MessageAssembler a{limits::max_reply_payload};
        std::optional<Message> done;
        for (size_t i = 0; i < recs.size(); ++i) {
            auto step = a.add(recs[i]);
            BOOST_REQUIRE(step.ok());
            BOOST_TEST(step->has_value() == (i + 1 == recs.size()));
            if (*step) {
                done = std::move(**step);
            }
        }
        BOOST_REQUIRE(done.has_value());
        BOOST_TEST(message_text(*done) == message_text(m));
        BOOST_TEST(!a.partial());
    }
}

BOOST_AUTO_TEST_CASE(encode_message_appends_to_existing_text) {
    std::string out = "keep";
    librecord::encode_message(Message{0xC0, 1, 2, {}}, out);
    BOOST_TEST(out.rfind("keep:", 0) == 0U);
    BOOST_TEST(out.back() == '\n');
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(line_splitter)

BOOST_AUTO_TEST_CASE(splits_lines_and_keeps_partial_ones) {
    librecord::LineSplitter s;
    std::vector<librecord::LineSplitter::Item> out;
    s.feed(cass::test::as_bytes("ab\n\ncd"), out);
    BOOST_REQUIRE(out.size() == 2U);
    BOOST_TEST(out[0].line == "ab");
    BOOST_TEST(out[1].line.empty());
    BOOST_TEST(!out[1].ec);
    s.feed(cass::test::as_bytes("e\r\n"), out);
    BOOST_REQUIRE(out.size() == 3U);
    BOOST_TEST(out[2].line == "cde\r");
}

BOOST_AUTO_TEST_CASE(reports_too_long_line_once_then_continues) {
    librecord::LineSplitter s{5};
    std::vector<librecord::LineSplitter::Item> out;
    s.feed(cass::test::as_bytes("12345\n1234"), out);
    s.feed(cass::test::as_bytes("56"), out);
    s.feed(cass::test::as_bytes("789"), out);
    s.feed(cass::test::as_bytes("\nok\n"), out);
    BOOST_REQUIRE(out.size() == 3U);
    BOOST_TEST(out[0].line == "12345");
    BOOST_TEST((out[1].ec == err(Errc::line_too_long)));
    BOOST_TEST(out[2].line == "ok");
    BOOST_TEST(!out[2].ec);
}

BOOST_AUTO_TEST_CASE(reset_drops_the_partial_line) {
    librecord::LineSplitter s;
    std::vector<librecord::LineSplitter::Item> out;
    s.feed(cass::test::as_bytes("stale"), out);
    s.reset();
    s.feed(cass::test::as_bytes("new\n"), out);
    BOOST_REQUIRE(out.size() == 1U);
    BOOST_TEST(out[0].line == "new");
}

BOOST_AUTO_TEST_CASE(grind_gives_identical_lines) {
    const std::string text = "a\n\nbcdefgh\nijklmnopqrstu\nvw\nxyz";
    const auto run = [](const cass::test::Pieces& pieces) {
        librecord::LineSplitter s{8};
        std::vector<librecord::LineSplitter::Item> items;
        for (const auto p : pieces) {
            s.feed(p, items);
        }
        std::vector<std::string> out;
        for (const auto& i : items) {
            out.push_back(i.ec ? "E:" + cass::test::errc_name(i.ec) : "L:" + i.line);
        }
        return out;
    };
    const auto whole = cass::test::grind(cass::test::as_bytes(text), run);
    const std::vector<std::string> expect{"L:a", "L:", "L:bcdefgh", "E:line_too_long", "L:vw"};
    BOOST_TEST(whole == expect, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(message_assembler)

BOOST_AUTO_TEST_CASE(first_record_must_have_offset_zero) {
    MessageAssembler a{limits::max_request_payload};
    BOOST_TEST((a.add(chunk_record(5, 1, 5)).error() == err(Errc::chunk_out_of_order)));
    BOOST_TEST(!a.partial());
}

BOOST_AUTO_TEST_CASE(total_length_limit) {
    MessageAssembler a{2 * chunk};
    BOOST_TEST(
        (a.add(chunk_record(2 * chunk + 1, 0, chunk)).error() == err(Errc::payload_too_large)));
    BOOST_TEST(a.add(chunk_record(2 * chunk, 0, chunk)).ok());
    auto last = a.add(chunk_record(2 * chunk, 1, chunk));
    BOOST_REQUIRE(last.ok());
    BOOST_REQUIRE(last->has_value());
    BOOST_TEST((*last)->payload.size() == 2 * chunk);
}

BOOST_AUTO_TEST_CASE(refuses_totals_needing_more_than_65536_chunks) {
    MessageAssembler a{0xFFFFFFFFU};
    BOOST_TEST(
        (a.add(chunk_record(0xFFFFFFFFU, 0, chunk)).error() == err(Errc::payload_too_large)));
}

BOOST_AUTO_TEST_CASE(chunk_sizes_must_match_protocol) {
    MessageAssembler a{limits::max_reply_payload};
    // A short first chunk of a long message.
    BOOST_TEST(
        (a.add(chunk_record(chunk + 10, 0, chunk - 1)).error() == err(Errc::bad_chunk_size)));
    // A single chunk longer or shorter than total.
    BOOST_TEST((a.add(chunk_record(5, 0, 6)).error() == err(Errc::bad_chunk_size)));
    BOOST_TEST((a.add(chunk_record(5, 0, 4)).error() == err(Errc::bad_chunk_size)));
    // A last chunk with too many bytes: partial dropped.
    BOOST_TEST(a.add(chunk_record(chunk + 10, 0, chunk)).ok());
    BOOST_TEST(a.partial());
    BOOST_TEST((a.add(chunk_record(chunk + 10, 1, 11)).error() == err(Errc::bad_chunk_size)));
    BOOST_TEST(!a.partial());
    // total_length changing mid-message.
    BOOST_TEST(a.add(chunk_record(chunk + 10, 0, chunk)).ok());
    BOOST_TEST((a.add(chunk_record(chunk + 9, 1, 9)).error() == err(Errc::bad_chunk_size)));
    BOOST_TEST(!a.partial());
}

BOOST_AUTO_TEST_CASE(offset_must_be_the_next_expected) {
    MessageAssembler a{limits::max_reply_payload};
    BOOST_TEST(a.add(chunk_record(3 * chunk, 0, chunk)).ok());
    BOOST_TEST((a.add(chunk_record(3 * chunk, 2, chunk)).error() == err(Errc::chunk_out_of_order)));
    BOOST_TEST(!a.partial());
    BOOST_TEST(a.add(chunk_record(3 * chunk, 0, chunk)).ok());
    BOOST_TEST((a.add(chunk_record(3 * chunk, 0, chunk)).error() == err(Errc::chunk_out_of_order)));
}

BOOST_AUTO_TEST_CASE(other_command_or_counter_while_partial_is_interleaved) {
    MessageAssembler a{limits::max_reply_payload};
    BOOST_TEST(a.add(chunk_record(chunk + 1, 0, chunk, 0x01, 1)).ok());
    BOOST_TEST((a.add(chunk_record(1, 0, 1, 0x02, 1)).error() == err(Errc::interleaved)));
    BOOST_TEST(!a.partial());
    BOOST_TEST(a.add(chunk_record(chunk + 1, 0, chunk, 0x01, 1)).ok());
    BOOST_TEST((a.add(chunk_record(chunk + 1, 1, 1, 0x01, 2)).error() == err(Errc::interleaved)));
    BOOST_TEST(!a.partial());
    // Ready for a new message after the error.
    auto ok = a.add(chunk_record(1, 0, 1, 0x01, 3));
    BOOST_REQUIRE(ok.ok());
    BOOST_TEST(ok->has_value());
}

BOOST_AUTO_TEST_CASE(reset_drops_partial_message) {
    MessageAssembler a{limits::max_reply_payload};
    BOOST_TEST(a.add(chunk_record(chunk + 1, 0, chunk)).ok());
    a.reset();
    BOOST_TEST(!a.partial());
    BOOST_TEST((a.add(chunk_record(chunk + 1, 1, 1)).error() == err(Errc::chunk_out_of_order)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(record_pipeline)

BOOST_AUTO_TEST_CASE(grind_small_messages_through_splitter_decoder_assembler) {
    std::string text;
    librecord::encode_message(Message{0x01, 5, 1, Bytes{0x30, 0x82}}, text);
    librecord::encode_message(Message{0x80, 5, 2, {}}, text);
    text += ":0100\n";               // truncated record
    text += line_of(with_flags(1));  // bad flags
    librecord::encode_message(Message{0xE0, 5, 3, pattern(20)}, text);
    const auto whole =
        cass::test::grind(cass::test::as_bytes(text), [](const auto& p) { return pipeline(p); });
    BOOST_REQUIRE(whole.size() == 5U);
    BOOST_TEST(whole[0] == "M:1/5/1/2/3082");
    BOOST_TEST(whole[1] == "M:128/5/2/0/");
    BOOST_TEST(whole[2] == "E:truncated");
    BOOST_TEST(whole[3] == "E:bad_flags");
    BOOST_TEST(whole[4].rfind("M:224/5/3/20/", 0) == 0U);
}

BOOST_AUTO_TEST_CASE(round_trips_multi_chunk_messages_in_any_split) {
    const std::vector<Message> messages{
        {0x01, 77, 1, pattern(0)},
        {0x01, 77, 2, pattern(chunk)},
        {0x101, 77, 3, pattern(2 * chunk + 5)},
        {0xD0, 77, 4, pattern(1)},
    };
    std::string text;
    std::vector<std::string> expect;
    for (const auto& m : messages) {
        librecord::encode_message(m, text);
        expect.push_back(message_text(m));
    }
    const auto bytes = cass::test::as_bytes(text);
    BOOST_TEST(pipeline({bytes}) == expect, boost::test_tools::per_element());
    // Byte at a time, and splits around every line boundary (a full grind is too slow here).
    cass::test::Pieces singles;
    for (size_t i = 0; i < bytes.size(); ++i) {
        singles.push_back(bytes.subspan(i, 1));
    }
    BOOST_TEST(pipeline(singles) == expect, boost::test_tools::per_element());
    for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', nl + 1)) {
        for (size_t cut = nl - 1; cut <= nl + 2 && cut <= bytes.size(); ++cut) {
            BOOST_TEST(pipeline({bytes.first(cut), bytes.subspan(cut)}) == expect,
                       boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(interleaved_chunks_are_refused_in_the_stream) {
    std::string a;
    std::string b;
    librecord::encode_message(Message{0x01, 1, 1, pattern(chunk + 3)}, a);
    librecord::encode_message(Message{0x02, 1, 2, pattern(4)}, b);
    const std::string first_line = a.substr(0, a.find('\n') + 1);
    const auto out = pipeline({cass::test::as_bytes(first_line + b)});
    const std::vector<std::string> expect{"E:interleaved"};
    BOOST_TEST(out == expect, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(request_limit_is_enforced_through_the_stream) {
    std::string text;
    librecord::encode_message(Message{0x01, 1, 1, pattern(limits::max_request_payload + 1)}, text);
    const auto out = pipeline({cass::test::as_bytes(text)}, limits::max_request_payload);
    BOOST_REQUIRE(!out.empty());
    BOOST_TEST(out[0] == "E:payload_too_large");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

const std::vector<cass::test::Vector> record_vectors = cass::test::load_vectors("record.vec");

}  // namespace

BOOST_AUTO_TEST_SUITE(record_vectors_file)

BOOST_AUTO_TEST_CASE(vector_file_is_present) {
    BOOST_TEST(record_vectors.size() >= 20U);
}

// Input = the line after ':'; Expect = the canonical re-encoding after ':' or error:<name>.
BOOST_DATA_TEST_CASE(matches_vector, boost::unit_test::data::make(record_vectors), v) {
    const auto r = librecord::decode_record(":" + v.input + "\n");
    if (r.ok()) {
        BOOST_TEST(librecord::encode_record(*r) == ":" + v.expect + "\n");
    } else {
        BOOST_TEST("error:" + cass::test::errc_name(r.error()) == v.expect);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(record_peek_header)

BOOST_AUTO_TEST_CASE(peeks_session_and_counter_of_an_encoded_line) {
    Record r;
    r.command = 0x80;
    r.session = 0xDEADBEEF;
    r.counter = 0x1234;
    r.payload = pattern(10);
    r.total_length = 10;
    const std::string line = librecord::encode_record(r);
    for (const std::string& text : {line, line.substr(0, line.size() - 1)}) {
        const auto h = librecord::peek_header(text);
        BOOST_REQUIRE(h.has_value());
        BOOST_TEST(h->session == 0xDEADBEEFU);
        BOOST_TEST(h->counter == 0x1234);
    }
}

BOOST_AUTO_TEST_CASE(reads_fields_little_endian) {
    // command 0x0201, flags 0, session bytes 01 02 03 04, counter bytes 05 06.
    const auto h = librecord::peek_header(":0102000102030405060000");
    BOOST_REQUIRE(h.has_value());
    BOOST_TEST(h->session == 0x04030201U);
    BOOST_TEST(h->counter == 0x0605);
}

BOOST_AUTO_TEST_CASE(peeks_a_line_that_does_not_decode) {
    Raw raw;
    raw.session = 0xA1B2C3D4;
    raw.counter = 0xBEEF;
    raw.payload = pattern(4);
    raw.checksum = 0x00;
    const std::string bad_sum = line_of(raw);
    BOOST_TEST((librecord::decode_record(bad_sum).error() == err(Errc::bad_checksum)));
    raw.checksum.reset();
    raw.flags = 1;
    const std::string bad_flags = line_of(raw);
    BOOST_TEST((librecord::decode_record(bad_flags).error() == err(Errc::bad_flags)));
    // Damage after the header: a non-hex digit, an odd length, a '\r' before '\n'.
    std::string bad_hex = line_of(raw);
    bad_hex[25] = 'Z';
    for (const std::string& line : {bad_sum,
                                    bad_flags,
                                    bad_hex,
                                    bad_sum.substr(0, 20),
                                    bad_sum.substr(0, bad_sum.size() - 1) + "\r\n"}) {
        const auto h = librecord::peek_header(line);
        BOOST_REQUIRE_MESSAGE(h.has_value(), line);
        BOOST_TEST(h->session == 0xA1B2C3D4U);
        BOOST_TEST(h->counter == 0xBEEF);
    }
}

BOOST_AUTO_TEST_CASE(accepts_lower_case_hex) {
    const auto h = librecord::peek_header(":01000004030201efbe");
    BOOST_REQUIRE(h.has_value());
    BOOST_TEST(h->session == 0x01020304U);
    BOOST_TEST(h->counter == 0xBEEF);
}

BOOST_AUTO_TEST_CASE(needs_exactly_the_first_nine_bytes) {
    const std::string header = ":010000040302010700";  // ':' + 18 hex digits
    BOOST_REQUIRE(header.size() == 19U);
    BOOST_TEST(librecord::peek_header(header).has_value());
    for (size_t n = 0; n < header.size(); ++n) {
        BOOST_TEST(!librecord::peek_header(header.substr(0, n)).has_value(), n);
    }
}

BOOST_AUTO_TEST_CASE(refuses_a_line_without_leading_colon) {
    const std::string line = line_of(with_payload(pattern(2)));
    BOOST_TEST(librecord::peek_header(line).has_value());
    BOOST_TEST(!librecord::peek_header(line.substr(1)).has_value());
    BOOST_TEST(!librecord::peek_header(";" + line.substr(1)).has_value());
    BOOST_TEST(!librecord::peek_header(" " + line).has_value());
    BOOST_TEST(!librecord::peek_header("").has_value());
}

BOOST_AUTO_TEST_CASE(refuses_a_non_hex_digit_in_the_header) {
    const std::string line = line_of(with_payload(pattern(2)));
    for (size_t i = 1; i < 19; ++i) {
        for (const char c : {'G', 'x', ' ', ':', '\n'}) {
            std::string bad = line;
            bad[i] = c;
            BOOST_TEST(!librecord::peek_header(bad).has_value(), i << ' ' << int{c});
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
