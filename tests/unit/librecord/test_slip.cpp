// Unit tests of the SLIP decoder/encoder, link frames, HELLO bodies and FrameReader (§2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "grind.hpp"
#include "librecord/crc32.hpp"
#include "librecord/errors.hpp"
#include "librecord/limits.hpp"
#include "librecord/record.hpp"
#include "librecord/slip.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace slip = librecord::slip;
namespace limits = librecord::limits;
using librecord::Errc;
using librecord::FrameType;
using librecord::make_error_code;
using Bytes = std::vector<uint8_t>;

namespace {

/** type | body | crc32-le: a decoded link frame. */
Bytes raw_frame(uint8_t type, const Bytes& body) {
    Bytes f{type};
    f.insert(f.end(), body.begin(), body.end());
    const uint32_t crc = librecord::crc32(f);
    for (unsigned shift = 0; shift < 32; shift += 8) {
        f.push_back(static_cast<uint8_t>(crc >> shift));
    }
    return f;
}

Bytes slip_encoded(const Bytes& frame) {
    Bytes out;
    slip::encode(frame, out);
    return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

/** Every decoder event as text: "F:<hex>" for a frame, "E:<errc name>" for an error. */
std::vector<std::string> decode_events(const cass::test::Pieces& pieces,
                                       size_t max = limits::max_frame_size) {
    slip::Decoder d{max};
    std::vector<std::string> out;
    for (auto p : pieces) {
        while (!p.empty()) {
            const auto step = d.feed(p);
            BOOST_REQUIRE(step.consumed > 0);
            BOOST_REQUIRE(step.consumed <= p.size());
            p = p.subspan(step.consumed);
            if (step.status == slip::Status::frame_ready) {
                out.push_back("F:" + librecord::to_hex(d.frame()));
            } else if (step.status == slip::Status::error) {
                out.push_back("E:" + cass::test::errc_name(step.ec));
            } else {
                BOOST_REQUIRE(p.empty());  // need_more only once the input is used up
            }
        }
    }
    return out;
}

std::vector<std::string> decode_events(const Bytes& in, size_t max = limits::max_frame_size) {
    return decode_events(cass::test::Pieces{in}, max);
}

std::string frame_event(const Bytes& frame) {
    return "F:" + librecord::to_hex(frame);
}

/** FrameReader output as text, and its drop count. */
struct ReaderResult {
    std::vector<std::string> frames;
    uint64_t dropped = 0;
    bool operator==(const ReaderResult&) const = default;
};

ReaderResult read_frames(const cass::test::Pieces& pieces) {
    librecord::FrameReader reader;
    std::vector<librecord::LinkFrame> frames;
    for (const auto p : pieces) {
        reader.feed(p, frames);
    }
    ReaderResult r;
    for (const auto& f : frames) {
        r.frames.push_back(std::to_string(static_cast<unsigned>(f.type)) + ":" +
                           librecord::to_hex(f.body));
    }
    r.dropped = reader.dropped();
    return r;
}

Bytes nonce_body(uint8_t version = 0x01) {
    return {version, 1, 2, 3, 4, 5, 6, 7, 8};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(slip_decoder)

BOOST_AUTO_TEST_CASE(decodes_one_frame_and_reports_consumed_bytes) {
    const Bytes in{slip::end, 0x01, 0x02, slip::end, 0x09};
    slip::Decoder d;
    auto step = d.feed(in);
    BOOST_TEST((step.status == slip::Status::frame_ready));
    BOOST_TEST(step.consumed == 4U);
    BOOST_TEST(!step.ec);
    const Bytes expect{0x01, 0x02};
    const Bytes got(d.frame().begin(), d.frame().end());
    BOOST_TEST(got == expect, boost::test_tools::per_element());
    step = d.feed(std::span<const uint8_t>(in).subspan(4));
    BOOST_TEST((step.status == slip::Status::need_more));
    BOOST_TEST(step.consumed == 1U);
    BOOST_TEST(d.frame().empty());
}

BOOST_AUTO_TEST_CASE(ignores_empty_frames) {
    const Bytes in{slip::end, slip::end, slip::end, 0x05, slip::end, slip::end};
    const auto ev = decode_events(in);
    BOOST_REQUIRE(ev.size() == 1U);
    BOOST_TEST(ev[0] == "F:05");
}

BOOST_AUTO_TEST_CASE(frame_without_leading_end_is_decoded) {
    const auto ev = decode_events(Bytes{0x07, 0x08, slip::end});
    BOOST_REQUIRE(ev.size() == 1U);
    BOOST_TEST(ev[0] == "F:0708");
}

BOOST_AUTO_TEST_CASE(round_trips_every_byte_value) {
    Bytes all;
    for (unsigned b = 0; b < 256; ++b) {
        all.push_back(static_cast<uint8_t>(b));
    }
    const auto ev = decode_events(slip_encoded(all));
    BOOST_REQUIRE(ev.size() == 1U);
    BOOST_TEST(ev[0] == frame_event(all));
}

BOOST_AUTO_TEST_CASE(encoder_escapes_end_and_esc) {
    const Bytes expect{
        slip::end, 0x01, slip::esc, slip::esc_end, slip::esc, slip::esc_esc, 0x02, slip::end};
    BOOST_TEST(slip_encoded(Bytes{0x01, slip::end, slip::esc, 0x02}) == expect,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(esc_at_end_of_one_feed_then_esc_end_in_the_next) {
    slip::Decoder d;
    const Bytes first{slip::end, 0x01, slip::esc};
    const Bytes second{slip::esc_end, 0x02, slip::end};
    auto step = d.feed(first);
    BOOST_TEST((step.status == slip::Status::need_more));
    BOOST_TEST(step.consumed == 3U);
    step = d.feed(second);
    BOOST_TEST((step.status == slip::Status::frame_ready));
    const Bytes expect{0x01, slip::end, 0x02};
    BOOST_TEST(Bytes(d.frame().begin(), d.frame().end()) == expect,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(esc_at_end_of_input_gives_no_frame) {
    const auto ev = decode_events(Bytes{slip::end, 0x01, slip::esc});
    BOOST_TEST(ev.empty());
}

BOOST_AUTO_TEST_CASE(rejects_esc_followed_by_invalid_byte_then_resynchronises) {
    const Bytes in =
        concat({Bytes{slip::end, 0x01, slip::esc, 0x41, 0x02, 0x03}, slip_encoded(Bytes{0x0A})});
    const auto ev = decode_events(in);
    BOOST_REQUIRE(ev.size() == 2U);
    BOOST_TEST(ev[0] == "E:bad_escape");
    BOOST_TEST(ev[1] == "F:0A");
}

BOOST_AUTO_TEST_CASE(esc_followed_by_end_keeps_the_next_frame) {
    // The END after a bad ESC closes the broken frame; the frame right after it survives.
    const Bytes in{slip::end, 0x01, slip::esc, slip::end, 0x0B, slip::end};
    const auto ev = decode_events(in);
    BOOST_REQUIRE(ev.size() == 2U);
    BOOST_TEST(ev[0] == "E:bad_escape");
    BOOST_TEST(ev[1] == "F:0B");
}

BOOST_AUTO_TEST_CASE(esc_followed_by_esc_is_an_error) {
    const auto ev = decode_events(Bytes{slip::end, slip::esc, slip::esc, slip::esc_end, slip::end});
    BOOST_REQUIRE(ev.size() == 1U);
    BOOST_TEST(ev[0] == "E:bad_escape");
}

BOOST_AUTO_TEST_CASE(accepts_frame_of_exactly_the_maximum) {
    const Bytes frame(limits::max_frame_size, 0x11);
    const auto ev = decode_events(slip_encoded(frame));
    BOOST_REQUIRE(ev.size() == 1U);
    BOOST_TEST(ev[0] == frame_event(frame));
}

BOOST_AUTO_TEST_CASE(frame_over_the_limit_then_valid_frame_resynchronises) {
    const Bytes too_long(limits::max_frame_size + 1, 0x22);
    const Bytes in = concat({slip_encoded(too_long), slip_encoded(Bytes{0x33})});
    const auto ev = decode_events(in);
    BOOST_REQUIRE(ev.size() == 2U);
    BOOST_TEST(ev[0] == "E:frame_too_long");
    BOOST_TEST(ev[1] == "F:33");
}

BOOST_AUTO_TEST_CASE(escaped_byte_over_the_limit_is_too_long) {
    // Small limit: 3 bytes, the fourth arrives as an escape sequence.
    const Bytes in{slip::end, 1, 2, 3, slip::esc, slip::esc_esc, 4, 5, slip::end, 6, slip::end};
    const auto ev = decode_events(in, 3);
    BOOST_REQUIRE(ev.size() == 2U);
    BOOST_TEST(ev[0] == "E:frame_too_long");
    BOOST_TEST(ev[1] == "F:06");
}

BOOST_AUTO_TEST_CASE(endless_garbage_is_reported_once_and_never_buffered) {
    // 100 kB without END: one error, then silence until END (the decoder stays bounded).
    const Bytes noise(100000, 0x55);
    const auto ev = decode_events(concat({noise, Bytes{slip::end, 0x44, slip::end}}));
    BOOST_REQUIRE(ev.size() == 2U);
    BOOST_TEST(ev[0] == "E:frame_too_long");
    BOOST_TEST(ev[1] == "F:44");
}

BOOST_AUTO_TEST_CASE(truncated_frame_at_every_offset_gives_nothing) {
    const Bytes full = slip_encoded(raw_frame(0x01, Bytes{slip::end, slip::esc, 0x10}));
    for (size_t cut = 0; cut < full.size(); ++cut) {
        const Bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
        BOOST_TEST(decode_events(part).empty(), "cut at " << cut);
    }
}

BOOST_AUTO_TEST_CASE(reset_discards_the_partial_frame_up_to_the_next_end) {
    slip::Decoder d;
    const Bytes first{slip::end, 0x01, 0x02};
    BOOST_TEST((d.feed(first).status == slip::Status::need_more));
    d.reset();
    const Bytes second{0x03, slip::end, 0x04, slip::end};
    auto step = d.feed(second);
    BOOST_TEST((step.status == slip::Status::frame_ready));
    BOOST_TEST(step.consumed == 4U);
    BOOST_TEST(librecord::to_hex(d.frame()) == "04");
}

BOOST_AUTO_TEST_CASE(grind_gives_identical_events) {
    const Bytes stream = concat({
        Bytes{0x99, 0x98},  // noise before the first END
        slip_encoded(raw_frame(0x01, Bytes{slip::end, slip::esc, 0x00, slip::esc_end})),
        Bytes{slip::end, slip::end},
        Bytes{slip::end, 0x01, slip::esc, 0x07, 0x02, slip::end},  // bad escape
        slip_encoded(raw_frame(0x02, nonce_body())),
        slip_encoded(Bytes(40, 0x66)),  // too long for the 32-byte limit below
        slip_encoded(raw_frame(0x04, {})),
    });
    const auto whole =
        cass::test::grind(stream, [](const cass::test::Pieces& p) { return decode_events(p, 32); });
    // The noise before the first END is a frame to the decoder (FrameReader drops it).
    const std::vector<std::string> kinds{
        "F:9998", "F", "E:bad_escape", "F", "E:frame_too_long", "F"};
    BOOST_REQUIRE(whole.size() == kinds.size());
    for (size_t i = 0; i < kinds.size(); ++i) {
        BOOST_TEST(whole[i].rfind(kinds[i], 0) == 0U, "event " << i << ": " << whole[i]);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(link_frame)

BOOST_AUTO_TEST_CASE(maps_frame_types) {
    BOOST_TEST((librecord::to_frame_type(0x01) == FrameType::data));
    BOOST_TEST((librecord::to_frame_type(0x02) == FrameType::hello));
    BOOST_TEST((librecord::to_frame_type(0x03) == FrameType::hello_ack));
    BOOST_TEST((librecord::to_frame_type(0x04) == FrameType::reset));
    for (const uint8_t b : {uint8_t{0x00}, uint8_t{0x05}, uint8_t{0x80}, uint8_t{0xFF}}) {
        BOOST_TEST(!librecord::to_frame_type(b).has_value());
    }
}

BOOST_AUTO_TEST_CASE(parses_each_type) {
    auto data = librecord::parse_link_frame(raw_frame(0x01, Bytes{0xAB}));
    BOOST_REQUIRE(data.ok());
    BOOST_TEST((data->type == FrameType::data));
    BOOST_TEST(data->body == Bytes{0xAB}, boost::test_tools::per_element());
    BOOST_TEST(librecord::parse_link_frame(raw_frame(0x02, nonce_body())).ok());
    BOOST_TEST(librecord::parse_link_frame(raw_frame(0x03, nonce_body())).ok());
    auto reset = librecord::parse_link_frame(raw_frame(0x04, {}));
    BOOST_REQUIRE(reset.ok());
    BOOST_TEST((reset->type == FrameType::reset));
    BOOST_TEST(reset->body.empty());
}

BOOST_AUTO_TEST_CASE(data_body_length_limits) {
    const auto err = [](size_t n) {
        return librecord::parse_link_frame(raw_frame(0x01, Bytes(n, 0x5A))).error();
    };
    BOOST_TEST(!err(1));
    BOOST_TEST(!err(limits::max_data_body));
    BOOST_TEST((err(limits::max_data_body + 1) == make_error_code(Errc::bad_frame_length)));
    BOOST_TEST((err(0) == make_error_code(Errc::bad_frame_length)));
}

BOOST_AUTO_TEST_CASE(hello_and_reset_body_lengths) {
    for (const uint8_t type : {uint8_t{0x02}, uint8_t{0x03}}) {
        for (const size_t n : {size_t{0}, size_t{8}, size_t{10}}) {
            BOOST_TEST((librecord::parse_link_frame(raw_frame(type, Bytes(n, 0x01))).error() ==
                        make_error_code(Errc::bad_frame_length)));
        }
    }
    BOOST_TEST((librecord::parse_link_frame(raw_frame(0x04, Bytes{0x00})).error() ==
                make_error_code(Errc::bad_frame_length)));
}

BOOST_AUTO_TEST_CASE(rejects_unknown_type_with_valid_crc) {
    for (const uint8_t t : {uint8_t{0x00}, uint8_t{0x05}, uint8_t{0xFF}}) {
        BOOST_TEST((librecord::parse_link_frame(raw_frame(t, Bytes{0x01})).error() ==
                    make_error_code(Errc::unknown_frame_type)));
    }
}

BOOST_AUTO_TEST_CASE(rejects_bad_crc_on_every_bit_flip) {
    Bytes f = raw_frame(0x01, Bytes{0x10, 0x20, 0x30});
    for (size_t i = 0; i < f.size(); ++i) {
        for (unsigned bit = 0; bit < 8; ++bit) {
            f[i] = static_cast<uint8_t>(f[i] ^ (1U << bit));
            BOOST_TEST((librecord::parse_link_frame(f).error() == make_error_code(Errc::bad_crc)),
                       "byte " << i << " bit " << bit);
            f[i] = static_cast<uint8_t>(f[i] ^ (1U << bit));
        }
    }
}

BOOST_AUTO_TEST_CASE(truncated_at_every_offset_is_refused) {
    const Bytes f = raw_frame(0x02, nonce_body());
    for (size_t cut = 0; cut < f.size(); ++cut) {
        const std::span<const uint8_t> part(f.data(), cut);
        const auto r = librecord::parse_link_frame(part);
        BOOST_TEST(!r.ok(), "cut at " << cut);
        if (cut < limits::frame_overhead) {
            BOOST_TEST((r.error() == make_error_code(Errc::truncated)));
        }
    }
}

BOOST_AUTO_TEST_CASE(trailing_garbage_is_refused) {
    Bytes f = raw_frame(0x04, {});
    f.push_back(0x00);
    BOOST_TEST((librecord::parse_link_frame(f).error() == make_error_code(Errc::bad_crc)));
    // With the CRC made to cover the extra byte, the length rule refuses it.
    Bytes body = nonce_body();
    body.push_back(0xEE);
    BOOST_TEST((librecord::parse_link_frame(raw_frame(0x02, body)).error() ==
                make_error_code(Errc::bad_frame_length)));
}

BOOST_AUTO_TEST_CASE(encode_link_frame_round_trips_through_frame_reader) {
    Bytes wire;
    const Bytes body{slip::end, slip::esc, 0x00, 0xFF};
    librecord::encode_link_frame(FrameType::data, body, wire);
    librecord::encode_link_frame(FrameType::reset, {}, wire);
    BOOST_TEST(wire.front() == slip::end);
    const auto r = read_frames({wire});
    BOOST_REQUIRE(r.frames.size() == 2U);
    BOOST_TEST(r.frames[0] == "1:C0DB00FF");
    BOOST_TEST(r.frames[1] == "4:");
    BOOST_TEST(r.dropped == 0U);
}

BOOST_AUTO_TEST_CASE(encode_link_frame_refuses_bad_body_lengths) {
    Bytes wire;
    BOOST_CHECK_THROW(librecord::encode_link_frame(FrameType::data, {}, wire), cassiopeia::Error);
    const Bytes big(limits::max_data_body + 1, 0);
    BOOST_CHECK_THROW(librecord::encode_link_frame(FrameType::data, big, wire), cassiopeia::Error);
    const Bytes short_hello(8, 0);
    BOOST_CHECK_THROW(librecord::encode_link_frame(FrameType::hello, short_hello, wire),
                      cassiopeia::Error);
    BOOST_TEST(wire.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hello)

BOOST_AUTO_TEST_CASE(parses_and_encodes) {
    const auto h = librecord::parse_hello(nonce_body());
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->version == 0x01);
    BOOST_TEST(h->nonce[0] == 1);
    BOOST_TEST(h->nonce[7] == 8);
    BOOST_TEST(librecord::encode_hello(*h) == nonce_body(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rejects_wrong_length) {
    for (const size_t n : {size_t{0}, size_t{1}, size_t{8}, size_t{10}}) {
        BOOST_TEST((librecord::parse_hello(Bytes(n, 0x01)).error() ==
                    make_error_code(Errc::bad_frame_length)));
    }
}

BOOST_AUTO_TEST_CASE(rejects_wrong_version) {
    for (const uint8_t v : {uint8_t{0x00}, uint8_t{0x02}, uint8_t{0xFF}}) {
        BOOST_TEST(
            (librecord::parse_hello(nonce_body(v)).error() == make_error_code(Errc::bad_version)));
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(frame_reader)

BOOST_AUTO_TEST_CASE(keeps_valid_frames_and_counts_dropped_ones) {
    Bytes bad_crc = raw_frame(0x01, Bytes{0x01});
    bad_crc.back() ^= 0x01;
    const Bytes stream = concat({
        Bytes{0x13, 0x37},                                      // stale bytes: no CRC (1)
        slip_encoded(raw_frame(0x02, nonce_body())),            // ok
        slip_encoded(bad_crc),                                  // bad CRC (2)
        slip_encoded(raw_frame(0x09, Bytes{0x01})),             // unknown type (3)
        slip_encoded(raw_frame(0x01, {})),                      // empty DATA (4)
        Bytes{slip::end, 0x01, slip::esc, 0x00, slip::end},     // bad escape (5)
        slip_encoded(Bytes(limits::max_frame_size + 1, 0x01)),  // too long (6)
        slip_encoded(raw_frame(0x01, Bytes(200, 0xC0))),        // ok
        slip_encoded(raw_frame(0x03, nonce_body(0x02))),        // ok: version is link.cpp's
    });
    const auto r = cass::test::grind(stream, read_frames);
    BOOST_TEST(r.frames.size() == 3U);
    BOOST_TEST(r.dropped == 6U);
    BOOST_TEST(r.frames[0] == "2:010102030405060708");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

const std::vector<cass::test::Vector> slip_vectors = cass::test::load_vectors("slip.vec");

/** Decoder events of the input, frames shown as `type|body` after parse_link_frame. */
std::string run_slip_vector(const Bytes& in) {
    slip::Decoder d;
    std::string out;
    std::span<const uint8_t> rest = in;
    while (!rest.empty()) {
        const auto step = d.feed(rest);
        rest = rest.subspan(step.consumed);
        std::string ev;
        if (step.status == slip::Status::error) {
            ev = "error:" + cass::test::errc_name(step.ec);
        } else if (step.status == slip::Status::frame_ready) {
            const auto f = librecord::parse_link_frame(d.frame());
            if (f) {
                Bytes tb{static_cast<uint8_t>(f->type)};
                tb.insert(tb.end(), f->body.begin(), f->body.end());
                ev = librecord::to_hex(tb);
            } else {
                ev = "error:" + cass::test::errc_name(f.error());
            }
        } else {
            continue;
        }
        out += out.empty() ? ev : "," + ev;
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(slip_vectors_file)

BOOST_AUTO_TEST_CASE(vector_file_is_present) {
    BOOST_TEST(slip_vectors.size() >= 20U);
}

BOOST_DATA_TEST_CASE(matches_vector, boost::unit_test::data::make(slip_vectors), v) {
    const auto in = librecord::from_hex(v.input);
    BOOST_REQUIRE_MESSAGE(in.ok(), "bad Input hex in " << v);
    BOOST_TEST(run_slip_vector(*in) == v.expect);
}

BOOST_AUTO_TEST_SUITE_END()
