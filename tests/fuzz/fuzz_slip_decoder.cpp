// Fuzz target: SLIP decoding and link-frame parsing across arbitrary feed() boundaries (§2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
// Target functions: librecord::slip::Decoder::feed, librecord::slip::encode,
// librecord::parse_link_frame, librecord::encode_link_frame, librecord::parse_hello,
// librecord::encode_hello, librecord::FrameReader::feed.
#include "librecord/byte_reader.hpp"
#include "librecord/limits.hpp"
#include "librecord/slip.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string>
#include <vector>

namespace {

using librecord::slip::Decoder;
using librecord::slip::Status;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_slip_decoder: invariant broken: %s\n", what);
        std::abort();
    }
}

/** One decoder event: a frame (ok, bytes) or an error (its code). */
struct Event {
    bool frame = false;
    int code = 0;
    std::vector<uint8_t> bytes;
    bool operator==(const Event&) const = default;
};

/** Feeds `in` in pieces whose sizes cycle through `sizes` (0 = the rest at once). */
template <class Fn>
void in_pieces(std::span<const uint8_t> in, const std::array<size_t, 4>& sizes, Fn fn) {
    size_t i = 0;
    while (!in.empty()) {
        const size_t want = sizes[i++ % sizes.size()];
        const size_t n = (want == 0 || want > in.size()) ? in.size() : want;
        fn(in.first(n));
        in = in.subspan(n);
    }
}

std::vector<Event> decode(std::span<const uint8_t> in,
                          const std::array<size_t, 4>& sizes,
                          size_t max) {
    Decoder d{max};
    std::vector<Event> out;
    in_pieces(in, sizes, [&](std::span<const uint8_t> piece) {
        while (!piece.empty()) {
            const auto step = d.feed(piece);
            check(step.consumed > 0 && step.consumed <= piece.size(), "consumed in 1..size");
            piece = piece.subspan(step.consumed);
            if (step.status == Status::frame_ready) {
                check(!d.frame().empty(), "no empty frame");
                check(d.frame().size() <= max, "frame within max");
                out.push_back({true, 0, {d.frame().begin(), d.frame().end()}});
            } else if (step.status == Status::error) {
                check(static_cast<bool>(step.ec), "error has a code");
                out.push_back({false, step.ec.value(), {}});
            } else {
                check(piece.empty(), "need_more only at the end of the input");
            }
        }
    });
    return out;
}

void check_frame(const std::vector<uint8_t>& decoded) {
    // SLIP round trip of the decoded bytes.
    std::vector<uint8_t> wire;
    librecord::slip::encode(decoded, wire);
    const auto again = decode(wire, {0, 0, 0, 0}, librecord::limits::max_frame_size);
    check(again.size() == 1 && again[0].frame && again[0].bytes == decoded, "SLIP round trip");

    const auto frame = librecord::parse_link_frame(decoded);
    if (!frame) {
        return;
    }
    std::vector<uint8_t> rewire;
    librecord::encode_link_frame(frame->type, frame->body, rewire);
    librecord::FrameReader reader;
    std::vector<librecord::LinkFrame> back;
    reader.feed(rewire, back);
    check(back.size() == 1 && back[0].type == frame->type && back[0].body == frame->body &&
              reader.dropped() == 0,
          "link frame round trip");
    if (frame->type == librecord::FrameType::hello ||
        frame->type == librecord::FrameType::hello_ack) {
        const auto hello = librecord::parse_hello(frame->body);
        if (hello) {
            check(librecord::encode_hello(*hello) == frame->body, "HELLO round trip");
        }
    }
}

struct ReaderOut {
    std::vector<std::pair<int, std::vector<uint8_t>>> frames;
    uint64_t dropped = 0;
    bool operator==(const ReaderOut&) const = default;
};

ReaderOut read(std::span<const uint8_t> in, const std::array<size_t, 4>& sizes) {
    librecord::FrameReader reader;
    std::vector<librecord::LinkFrame> frames;
    in_pieces(in, sizes, [&](std::span<const uint8_t> piece) { reader.feed(piece, frames); });
    ReaderOut out;
    for (auto& f : frames) {
        out.frames.emplace_back(static_cast<int>(f.type), std::move(f.body));
    }
    out.dropped = reader.dropped();
    return out;
}

void run(std::span<const uint8_t> data) {
    librecord::ByteReader r{data};
    // The first four bytes choose the feed() piece sizes (0: the rest in one piece).
    std::array<size_t, 4> sizes{};
    for (auto& s : sizes) {
        s = r.u8().value_or(0);
    }
    const auto stream = r.rest();
    const std::array<size_t, 4> whole{0, 0, 0, 0};

    for (const size_t max : {librecord::limits::max_frame_size, size_t{16}}) {
        const auto chunked = decode(stream, sizes, max);
        check(chunked == decode(stream, whole, max), "chunked decode equals whole decode");
        if (max == librecord::limits::max_frame_size) {
            for (const auto& e : chunked) {
                if (e.frame) {
                    check_frame(e.bytes);
                }
            }
        }
    }
    check(read(stream, sizes) == read(stream, whole), "FrameReader chunked equals whole");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        run({data, size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_slip_decoder: escaped exception: %s\n", e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "fuzz_slip_decoder: escaped unknown exception\n");
        std::abort();
    }
    return 0;
}
