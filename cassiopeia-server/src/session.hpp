// The record protocol on one TLS session (docs/protocol.md §4, §5.1): session and counter
// checks, reassembly, set-up commands remembered until their closing command, replies.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "issuance/request.hpp"
#include "request_hash.hpp"
#include "util/signer_error.hpp"

#include <librecord/link.hpp>
#include <librecord/record.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
    /** The status report of docs/protocol.md §5.7, one JSON object. */
    [[nodiscard]] virtual std::string status_json() = 0;

    /**
     * Whether profile `name` is served on the line, checked when setProfile arrives (§5.1: the
     * first failure is the one reported): unknown_profile, or profile_local_only (§5.2).
     */
    [[nodiscard]] virtual Status check_profile(std::string_view name) const = 0;

    /** What `sign` answers and `logSaved` releases (§5.2, §5.5). */
    struct Signed {
        std::vector<uint8_t> log;  ///< the setLog payload
        /// The respondCertificate payload: DER certificate, or the certified OpenPGP key
        /// ASCII-armoured (docs/protocol.md §5.5).
        std::vector<uint8_t> issued;
        /// The signingCA payload: the time CA's name, or the certifying OpenPGP key's name.
        std::string signing_ca;
    };

    /**
     * Signs `request` for `request_id`, or returns the stored result of an earlier request
     * with the same id and hash (§6); the result is committed before this returns.
     * Refusals (including request_mismatch) are values and are not stored.
     */
    [[nodiscard]] virtual Refusable<Signed> sign(const std::string& request_id,
                                                 const Sha256Digest& request_hash,
                                                 const SignRequest& request) = 0;

    /**
     * Certifies the proven user IDs of `armoured_key` (§5.5) under the `openpgp` profile, or
     * returns the stored result of the same request id and hash; committed before returning.
     */
    [[nodiscard]] virtual Refusable<Signed> certify(const std::string& request_id,
                                                    const Sha256Digest& request_hash,
                                                    std::string_view armoured_key,
                                                    const SignRequest& request) = 0;

    /**
     * Revokes `serials` (addSerial payloads: `<serial>` or `<serial>,<reason>`) of `ca` and
     * returns the DER RevokedDelta of §5.6 (the current one when nothing changed).
     */
    [[nodiscard]] virtual Refusable<std::vector<uint8_t>> revoke(
        const std::string& ca, const std::vector<std::string>& serials) = 0;

    /** The current CRL of `ca`, DER (§5.6 getFullCRL). */
    [[nodiscard]] virtual Refusable<std::vector<uint8_t>> full_crl(const std::string& ca) = 0;
};

/** Serves records for one line; a fresh state for every TLS session. */
class RecordSession final : public librecord::ServerLinkHandler {
public:
    RecordSession(Services& services, std::string line_name);

    void on_session_start(librecord::ServerLink& link) override;
    void on_line(librecord::ServerLink& link, const librecord::LineSplitter::Item& line) override;
    void on_session_end(librecord::ServerLink& link, std::error_code why) override;
    void on_event(std::string_view what) override;
    void on_link_summary(std::string_view what) override;

private:
    void on_message(librecord::ServerLink& link, librecord::Message msg);
    void on_setup(librecord::Command command, const librecord::Message& msg);
    void on_set_profile(std::string_view text);
    void on_add_serial(std::string_view text);
    void on_closing(librecord::ServerLink& link,
                    librecord::Command command,
                    const librecord::Message& msg);
    void reply(librecord::ServerLink& link,
               librecord::Reply reply,
               uint16_t counter,
               std::span<const uint8_t> payload);
    void refuse(librecord::ServerLink& link, uint16_t counter, const Refusal& r);
    void on_sign(librecord::ServerLink& link, uint16_t counter);
    void on_revoke(librecord::ServerLink& link, uint16_t counter, std::string_view ca);
    void on_log_saved(librecord::ServerLink& link,
                      uint16_t counter,
                      std::span<const uint8_t> payload);
    void fail(ErrorCode code, librecord::Command command, const std::string& why);
    void clear_request();

    Services& m_services;
    std::string m_line;
    std::optional<uint32_t> m_session;
    librecord::MessageAssembler m_assembler{librecord::limits::max_request_payload};
    // The request being set up (§5.1): cleared by every closing command.
    bool m_has_setup = false;
    std::optional<std::string> m_request_id;
    std::unique_ptr<RequestHasher> m_hasher;
    std::unique_ptr<SignRequest> m_sign;
    std::vector<std::string> m_serials;
    bool m_sign_setup = false;  // a set-up command of sign (anything but addSerial) was seen
    std::optional<std::string> m_pgp_key;  // setOpenPGPKey (§5.5)
    std::optional<Refusal> m_failure;

    // A signed result waiting for logSaved (§5.1's one exception).
    struct Awaiting {
        Sha256Digest log_hash{};
        std::vector<uint8_t> issued;  ///< Signed::issued
        std::string signing_ca;       ///< Signed::signing_ca
    };

    std::optional<Awaiting> m_awaiting;
};

}  // namespace cassiopeia::server
