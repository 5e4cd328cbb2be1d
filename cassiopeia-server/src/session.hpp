// The record protocol on one TLS session (docs/protocol.md §4, §5.1): session and counter
// checks, reassembly, set-up commands remembered until their closing command, replies.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/link.hpp>
#include <librecord/record.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cassiopeia::server {

/** What a session needs from the rest of the signer. */
class Services {
public:
    Services() = default;
    Services(const Services&) = delete;
    Services& operator=(const Services&) = delete;
    virtual ~Services() = default;

    [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
    /** The status report of protocol §5.7, one JSON object. */
    [[nodiscard]] virtual std::string status_json() = 0;
};

/** A refusal: `<code> <message>` of protocol §5.8. */
struct Refusal {
    std::string code;
    std::string message;
};

/** Serves records for one line; a fresh state for every TLS session. */
class RecordSession final : public librecord::ServerLinkHandler {
public:
    RecordSession(Services& services, std::string line_name);

    void on_session_start(librecord::ServerLink& link) override;
    void on_line(librecord::ServerLink& link, const librecord::LineSplitter::Item& line) override;
    void on_session_end(librecord::ServerLink& link, std::error_code why) override;
    void on_event(std::string_view what) override;

private:
    void on_message(librecord::ServerLink& link, librecord::Message msg);
    void on_setup(librecord::Command command, const librecord::Message& msg);
    void on_closing(librecord::ServerLink& link, librecord::Command command, uint16_t counter);
    void reply(librecord::ServerLink& link,
               librecord::Reply reply,
               uint16_t counter,
               std::span<const uint8_t> payload);
    void refuse(librecord::ServerLink& link, uint16_t counter, const Refusal& r);
    void clear_request() noexcept;

    Services& m_services;
    std::string m_line;
    std::optional<uint32_t> m_session;
    librecord::MessageAssembler m_assembler{librecord::limits::max_request_payload};
    std::vector<std::pair<uint16_t, std::vector<uint8_t>>> m_setup;
    std::optional<Refusal> m_failure;
    size_t m_sans = 0;
    size_t m_avas = 0;
    size_t m_proofs = 0;
    size_t m_serials = 0;
};

/** Session and counter read from the header of a record line that failed to decode. */
struct HeaderGuess {
    std::optional<uint32_t> session;
    uint16_t counter = 0;
};

/**
 * Reads the session and counter of a damaged record line when the first 9 header bytes are
 * still valid hex; counter 0 and no session otherwise (docs/protocol.md §8.3).
 */
[[nodiscard]] HeaderGuess guess_header(std::string_view line) noexcept;

}  // namespace cassiopeia::server
