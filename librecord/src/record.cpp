// Cassiopeia record lines: hex coding, checksums, chunking and reassembly (docs/protocol.md §4).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/record.hpp"

#include "librecord/byte_reader.hpp"
#include "librecord/errors.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

namespace librecord {

std::optional<Command> to_command(uint16_t code) noexcept {
    switch (code) {
        case 0x01:
            return Command::set_csr;
        case 0x02:
            return Command::set_spkac;
        case 0x03:
            return Command::set_openpgp_key;
        case 0x10:
            return Command::set_signature_type;
        case 0x11:
            return Command::set_profile;
        case 0x12:
            return Command::wish_from;
        case 0x13:
            return Command::wish_to;
        case 0x14:
            return Command::ocsp_target_ca;
        case 0x18:
            return Command::add_san;
        case 0x19:
            return Command::add_ava;
        case 0x20:
            return Command::set_request_id;
        case 0x40:
            return Command::add_proof_line;
        case 0x80:
            return Command::sign;
        case 0x81:
            return Command::log_saved;
        case 0x100:
            return Command::revoke;
        case 0x101:
            return Command::get_full_crl;
        case 0x102:
            return Command::add_serial;
        case 0xC0:
            return Command::get_timestamp;
        case 0xD0:
            return Command::get_status_report;
        default:
            return std::nullopt;
    }
}

std::optional<Reply> to_reply(uint16_t code) noexcept {
    switch (code) {
        case 0x80:
            return Reply::set_log;
        case 0x81:
            return Reply::respond_certificate;
        case 0x82:
            return Reply::signing_ca;
        case 0x100:
            return Reply::revoked;
        case 0x101:
            return Reply::full_crl;
        case 0xC0:
            return Reply::timestamp_response;
        case 0xD0:
            return Reply::status_report;
        case 0xE0:
            return Reply::error;
        default:
            return std::nullopt;
    }
}

std::string_view command_name(Command c) noexcept {
    switch (c) {
        case Command::set_csr:
            return "setCSR";
        case Command::set_spkac:
            return "setSPKAC";
        case Command::set_openpgp_key:
            return "setOpenPGPKey";
        case Command::set_signature_type:
            return "setSignatureType";
        case Command::set_profile:
            return "setProfile";
        case Command::wish_from:
            return "wishFrom";
        case Command::wish_to:
            return "wishTo";
        case Command::ocsp_target_ca:
            return "ocspTargetCA";
        case Command::add_san:
            return "addSAN";
        case Command::add_ava:
            return "addAVA";
        case Command::set_request_id:
            return "setRequestId";
        case Command::add_proof_line:
            return "addProofLine";
        case Command::sign:
            return "sign";
        case Command::log_saved:
            return "logSaved";
        case Command::revoke:
            return "revoke";
        case Command::get_full_crl:
            return "getFullCRL";
        case Command::add_serial:
            return "addSerial";
        case Command::get_timestamp:
            return "getTimestamp";
        case Command::get_status_report:
            return "getStatusReport";
    }
    return {};
}

std::string_view reply_name(Reply r) noexcept {
    switch (r) {
        case Reply::set_log:
            return "setLog";
        case Reply::respond_certificate:
            return "respondCertificate";
        case Reply::signing_ca:
            return "signingCA";
        case Reply::revoked:
            return "revoked";
        case Reply::full_crl:
            return "fullCRL";
        case Reply::timestamp_response:
            return "timestampResponse";
        case Reply::status_report:
            return "statusReport";
        case Reply::error:
            return "error";
    }
    return {};
}

namespace {

// §4: the bitwise complement of the 8-bit sum of every byte before the checksum.
uint8_t checksum_of(std::span<const uint8_t> bytes) noexcept {
    unsigned sum = 0;
    for (const uint8_t b : bytes) {
        sum += b;
    }
    return static_cast<uint8_t>(~sum & 0xFFU);
}

// §4: the length every chunk must have, given what is still missing of the payload.
size_t expected_chunk(uint32_t total, size_t received) noexcept {
    return std::min(limits::max_chunk_size, size_t{total} - received);
}

// §4: number of chunk records for a payload (an empty payload is one record).
size_t chunk_count(size_t total) noexcept {
    return total == 0 ? 1 : (total - 1) / limits::max_chunk_size + 1;
}

// offset is a u16: chunk numbers 0..65535.
constexpr size_t max_chunks = size_t{std::numeric_limits<uint16_t>::max()} + 1;

}  // namespace

std::optional<HeaderPeek> peek_header(std::string_view line) noexcept {
    // ':' then the hex of command u16 | flags u8 | session u32 | counter u16.
    constexpr size_t peek_bytes = 2 + 1 + 4 + 2;
    if (line.size() < 1 + 2 * peek_bytes || line.front() != ':') {
        return std::nullopt;
    }
    const auto raw = from_hex(line.substr(1, 2 * peek_bytes));
    if (!raw) {
        return std::nullopt;
    }
    ByteReader r{*raw};
    (void)r.skip(3);  // command and flags
    const auto session = r.u32_le();
    const auto counter = r.u16_le();
    if (!session || !counter) {
        return std::nullopt;
    }
    return HeaderPeek{*session, *counter};
}

Result<Record> decode_record(std::string_view line) {
    if (!line.empty() && line.back() == '\n') {
        line.remove_suffix(1);
    }
    // §7: ':' + hex + '\n' is at most max_record_line characters.
    if (line.size() > limits::max_record_line - 1) {
        return Errc::line_too_long;
    }
    if (line.empty() || line.front() != ':') {
        return Errc::missing_colon;
    }
    auto bytes = from_hex(line.substr(1));  // a '\r' before '\n' lands here as bad_hex
    if (!bytes) {
        return bytes.error();
    }
    ByteReader r{*bytes};
    if (r.remaining() < limits::record_header_size + limits::record_checksum_size) {
        return Errc::truncated;
    }
    const auto covered = r.take(r.remaining() - limits::record_checksum_size);
    const auto checksum = r.u8();
    if (!covered || !checksum || !r.expect_end()) {
        return Errc::truncated;
    }
    if (checksum_of(*covered) != *checksum) {
        return Errc::bad_checksum;
    }

    ByteReader h{*covered};
    Record rec;
    const auto command = h.u16_le();
    const auto flags = h.u8();
    const auto session = h.u32_le();
    const auto counter = h.u16_le();
    const auto total = h.u32_le();
    const auto offset = h.u16_le();
    const auto length = h.u16_le();
    if (!command || !flags || !session || !counter || !total || !offset || !length) {
        return Errc::truncated;
    }
    // §4: reserved flags must be zero.
    if (*flags != 0) {
        return Errc::bad_flags;
    }
    // §4: no chunk carries more than 0xF000 bytes.
    if (*length > limits::max_chunk_size) {
        return Errc::bad_chunk_size;
    }
    if (*length != h.remaining()) {
        return Errc::length_mismatch;
    }
    const auto payload = h.take(*length);
    if (!payload || !h.expect_end()) {
        return Errc::length_mismatch;
    }
    rec.command = *command;
    rec.flags = *flags;
    rec.session = *session;
    rec.counter = *counter;
    rec.total_length = *total;
    rec.offset = *offset;
    rec.payload.assign(payload->begin(), payload->end());
    return rec;
}

std::string encode_record(const Record& r) {
    if (r.payload.size() > limits::max_chunk_size) {
        throw cassiopeia::Error(
            cassiopeia::ErrorKind::internal,
            "encode_record",
            "chunk of " + std::to_string(r.payload.size()) + " bytes exceeds 0xF000");
    }
    ByteWriter w{limits::record_header_size + r.payload.size() + limits::record_checksum_size};
    bool ok = w.u16_le(r.command) && w.u8(r.flags) && w.u32_le(r.session) && w.u16_le(r.counter) &&
              w.u32_le(r.total_length) && w.u16_le(r.offset) &&
              w.u16_le(static_cast<uint16_t>(r.payload.size())) && w.bytes(r.payload);
    ok = ok && w.u8(checksum_of(w.data()));
    if (!ok) {
        throw cassiopeia::Error(
            cassiopeia::ErrorKind::internal, "encode_record", "record exceeds its capacity");
    }
    std::string line;
    line.reserve(2 * w.size() + 2);
    line.push_back(':');
    line += to_hex(w.data());
    line.push_back('\n');
    return line;
}

void encode_message(const Message& m, std::string& out) {
    const size_t total = m.payload.size();
    if (total > std::numeric_limits<uint32_t>::max() || chunk_count(total) > max_chunks) {
        throw cassiopeia::Error(
            cassiopeia::ErrorKind::internal,
            "encode_message",
            "payload of " + std::to_string(total) + " bytes does not fit the record format");
    }
    ByteReader r{m.payload};
    const size_t chunks = chunk_count(total);
    for (size_t i = 0; i < chunks; ++i) {
        const auto part = r.take(std::min(limits::max_chunk_size, r.remaining()));
        if (!part) {
            throw cassiopeia::Error(
                cassiopeia::ErrorKind::internal, "encode_message", "chunking overran the payload");
        }
        Record rec;
        rec.command = m.command;
        rec.session = m.session;
        rec.counter = m.counter;
        rec.total_length = static_cast<uint32_t>(total);
        rec.offset = static_cast<uint16_t>(i);
        rec.payload.assign(part->begin(), part->end());
        out += encode_record(rec);
    }
}

void LineSplitter::feed(std::span<const uint8_t> in, std::vector<Item>& out) {
    while (!in.empty()) {
        const auto nl = std::find(in.begin(), in.end(), uint8_t{'\n'});
        const auto piece = in.first(static_cast<size_t>(nl - in.begin()));
        const bool complete = nl != in.end();
        in = in.subspan(piece.size() + (complete ? 1 : 0));
        if (!m_discarding) {
            if (piece.size() > m_max - std::min(m_max, m_buf.size())) {
                // Too long: report once, then skip up to the '\n' (§7).
                m_buf.clear();
                m_discarding = true;
                out.push_back({{}, make_error_code(Errc::line_too_long)});
            } else {
                m_buf.append(piece.begin(), piece.end());
            }
        }
        if (complete) {
            if (!m_discarding) {
                out.push_back({std::move(m_buf), {}});
            }
            m_buf.clear();
            m_discarding = false;
        }
    }
}

void LineSplitter::reset() noexcept {
    m_buf.clear();
    m_discarding = false;
}

Result<std::optional<Message>> MessageAssembler::add(Record r) {
    if (m_partial) {
        if (r.command != m_partial->command || r.counter != m_partial->counter ||
            r.session != m_partial->session) {
            reset();
            return Errc::interleaved;
        }
        if (r.total_length != m_total) {
            reset();
            return Errc::bad_chunk_size;
        }
        if (r.offset != m_next_offset) {
            reset();
            return Errc::chunk_out_of_order;
        }
    } else {
        // §4: a message starts with chunk 0.
        if (r.offset != 0) {
            return Errc::chunk_out_of_order;
        }
        // §7: total_length is checked against the limit before anything is allocated.
        if (r.total_length > m_max || chunk_count(r.total_length) > max_chunks) {
            return Errc::payload_too_large;
        }
    }
    const size_t received = m_partial ? m_partial->payload.size() : 0;
    if (r.payload.size() != expected_chunk(r.total_length, received)) {
        reset();
        return Errc::bad_chunk_size;
    }
    if (!m_partial) {
        if (r.payload.size() == r.total_length) {
            return std::optional<Message>{
                Message{r.command, r.session, r.counter, std::move(r.payload)}};
        }
        Message m{r.command, r.session, r.counter, {}};
        m.payload.reserve(r.total_length);
        m_partial = std::move(m);
        m_total = r.total_length;
        m_next_offset = 0;
    }
    m_partial->payload.insert(m_partial->payload.end(), r.payload.begin(), r.payload.end());
    ++m_next_offset;
    if (m_partial->payload.size() == m_total) {
        std::optional<Message> done = std::move(m_partial);
        reset();
        return done;
    }
    return std::optional<Message>{};
}

}  // namespace librecord
