// Fuzz target: record text stream -> lines -> records -> reassembled messages (§4).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
// Target functions: librecord::LineSplitter::feed, librecord::decode_record,
// librecord::MessageAssembler::add, librecord::to_command, librecord::to_reply.
#include "librecord/byte_reader.hpp"
#include "librecord/limits.hpp"
#include "librecord/record.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

constexpr size_t chunk = librecord::limits::max_chunk_size;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_record_parser: invariant broken: %s\n", what);
        std::abort();
    }
}

struct Item {
    std::string line;
    int code = 0;
    bool operator==(const Item&) const = default;
};

std::vector<Item> split(std::span<const uint8_t> in, size_t piece, size_t max_line) {
    librecord::LineSplitter s{max_line};
    std::vector<librecord::LineSplitter::Item> items;
    while (!in.empty()) {
        const size_t n = (piece == 0 || piece > in.size()) ? in.size() : piece;
        s.feed(in.first(n), items);
        in = in.subspan(n);
    }
    std::vector<Item> out;
    for (auto& i : items) {
        check(i.line.size() <= max_line, "line within the limit");
        check(i.line.find('\n') == std::string::npos, "no newline inside a line");
        check(!i.ec || i.line.empty(), "an error carries no line");
        out.push_back({std::move(i.line), i.ec.value()});
    }
    return out;
}

void check_message(const librecord::Message& m, uint32_t total) {
    check(m.payload.size() == total, "message payload equals total_length");
    (void)librecord::to_command(m.command);
    (void)librecord::to_reply(m.command);
}

/** Text path: whatever the bytes, the pipeline returns values and keeps its invariants. */
void text_path(std::span<const uint8_t> text, size_t piece, size_t small_max) {
    const auto items = split(text, piece, librecord::limits::max_record_line);
    check(items == split(text, 0, librecord::limits::max_record_line),
          "chunked split equals whole split");
    (void)split(text, piece, small_max);

    librecord::MessageAssembler assembler{librecord::limits::max_request_payload};
    for (const auto& item : items) {
        if (item.code != 0) {
            continue;
        }
        auto rec = librecord::decode_record(item.line);
        if (!rec) {
            continue;
        }
        check(rec->payload.size() <= chunk, "decoded chunk within 0xF000");
        const uint32_t total = rec->total_length;
        auto msg = assembler.add(std::move(rec).value());
        if (msg && *msg) {
            check_message(**msg, total);
        }
        if (!msg) {
            check(!assembler.partial(), "an error drops the partial message");
        }
    }
}

/**
 * Record path: descriptors drive MessageAssembler with chunks of up to 0xF000 bytes, which a
 * short text input cannot reach. Each chunk's bytes are its offset + 1, so a reassembled
 * message can be checked byte by byte.
 */
void record_path(librecord::ByteReader& r) {
    librecord::MessageAssembler assembler{librecord::limits::max_reply_payload};
    uint32_t last_total = 0;
    for (int n = 0; n < 24; ++n) {
        const auto cmd = r.u8();
        const auto counter = r.u8();
        const auto total_sel = r.u16_le();
        const auto offset = r.u8();
        const auto len_sel = r.u8();
        if (!cmd || !counter || !total_sel || !offset || !len_sel) {
            return;
        }
        librecord::Record rec;
        rec.command = *cmd & 0x3U;
        rec.counter = *counter & 0x3U;
        rec.session = 1;
        // Totals near chunk multiples and the reply limit.
        const uint32_t base = static_cast<uint32_t>(*total_sel >> 4U) * chunk;
        rec.total_length =
            (*total_sel & 0xFU) == 0xF ? (*total_sel >> 4U) * 0x10001U : base + (*total_sel & 0x7U);
        rec.offset = *offset & 0x7U;
        const size_t before = size_t{rec.offset} * chunk;
        const size_t rest = rec.total_length > before ? rec.total_length - before : 0;
        size_t len = 0;
        switch (*len_sel & 0x3U) {
            case 0:
                len = std::min(chunk, rest);
                break;
            case 1:
                len = std::min(chunk, rest) + 1;
                break;
            case 2:
                len = std::min(chunk, rest) == 0 ? 0 : std::min(chunk, rest) - 1;
                break;
            default:
                len = *len_sel >> 2U;
                break;
        }
        len = std::min(len, chunk);
        rec.payload.assign(len, static_cast<uint8_t>(rec.offset + 1));
        last_total = rec.total_length;
        auto msg = assembler.add(std::move(rec));
        if (!msg) {
            check(!assembler.partial(), "an error drops the partial message");
            continue;
        }
        if (*msg) {
            const auto& m = **msg;
            check_message(m, last_total);
            librecord::ByteReader body{m.payload};
            for (size_t i = 0; !body.expect_end(); ++i) {
                const auto part = body.take(std::min(chunk, body.remaining()));
                check(part.has_value(), "take within the payload");
                for (const uint8_t b : *part) {
                    check(b == static_cast<uint8_t>(i + 1), "chunks reassembled in order");
                }
            }
        }
    }
}

void run(std::span<const uint8_t> data) {
    librecord::ByteReader r{data};
    const uint8_t mode = r.u8().value_or(0);
    const uint8_t piece = r.u8().value_or(0);
    if ((mode & 0x80U) != 0) {
        record_path(r);
        return;
    }
    text_path(r.rest(), piece, size_t{16} + (mode & 0x7FU));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        run({data, size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_record_parser: escaped exception: %s\n", e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "fuzz_record_parser: escaped unknown exception\n");
        std::abort();
    }
    return 0;
}
