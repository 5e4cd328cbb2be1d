// The record protocol on one TLS session (docs/protocol.md §4, §5.1): session and counter
// checks, reassembly, set-up commands remembered until their closing command, replies,
// pipelined signs signed together (group commit) and their results waiting for logSaved.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "issuance/request.hpp"
#include "request_hash.hpp"
#include "util/signer_error.hpp"
#include "waiting_results.hpp"

#include <librecord/link.hpp>
#include <librecord/record.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
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

    /** One X.509 sign request of a batch; the referenced objects outlive the call. */
    struct SignJob {
        const std::string& request_id;
        const Sha256Digest& request_hash;
        const SignRequest& request;
    };

    /**
     * Signs each job, in order, or returns the stored result of an earlier request with the
     * same id and hash (§6; a later job with the id of an earlier one in the same batch gets
     * that one's result). Everything is committed before this returns, in one commit for the
     * whole batch (group commit, docs/repository.md). Refusals (including request_mismatch)
     * are values and are not stored; a job that fails unexpectedly gets `internal` with an
     * incident id, and the others are not undone.
     * @return one result per job, in the jobs' order
     */
    [[nodiscard]] virtual std::vector<Refusable<Signed>> sign_batch(
        std::span<const SignJob> jobs) = 0;

    /** sign_batch of one job. */
    [[nodiscard]] Refusable<Signed> sign(const std::string& request_id,
                                         const Sha256Digest& request_hash,
                                         const SignRequest& request) {
        const SignJob job{request_id, request_hash, request};
        return std::move(sign_batch(std::span<const SignJob>(&job, 1)).at(0));
    }

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

/**
 * Serves records for one line; a fresh state for every TLS session.
 *
 * Group commit: an X.509 `sign` that passes its checks is held in a batch, not signed at once.
 * The batch is signed (Services::sign_batch, one commit) and answered in arrival order when the
 * records read with it are all handled (on_input_done), before anything else is answered, and
 * when its results and those waiting for logSaved reach WaitingResults::capacity. So the signs
 * of one read of the line share one commit, and replies keep the order of the commands.
 */
class RecordSession final : public librecord::ServerLinkHandler {
public:
    RecordSession(Services& services, std::string line_name);

    void on_session_start(librecord::ServerLink& link) override;
    void on_line(librecord::ServerLink& link, const librecord::LineSplitter::Item& line) override;
    void on_session_end(librecord::ServerLink& link, std::error_code why) override;
    void on_input_done(librecord::ServerLink& link) override;
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
    /** Signs and answers the held batch first, then sends (replies stay in arrival order). */
    void reply(librecord::ServerLink& link,
               librecord::Reply reply,
               uint16_t counter,
               std::span<const uint8_t> payload);
    /** Refuses the current request: the batch is answered first, then the refusal is logged
     * once, with the request id (`request_id`, or the current one), and sent. */
    void refuse(librecord::ServerLink& link, uint16_t counter, const Refusal& r);
    void refuse(librecord::ServerLink& link,
                uint16_t counter,
                const Refusal& r,
                const std::string& request_id);
    /** Sends at once; only for the batch's own answers. */
    void send(librecord::ServerLink& link,
              librecord::Reply reply,
              uint16_t counter,
              std::span<const uint8_t> payload);
    void send_refusal(librecord::ServerLink& link,
                      uint16_t counter,
                      const Refusal& r,
                      const std::string& request_id);
    /** Signs the held batch in one Services::sign_batch call and answers each sign in order. */
    void sign_pending(librecord::ServerLink& link);
    /** setLog (the result then waits for logSaved) or the refusal, for one sign. */
    void answer_sign(librecord::ServerLink& link,
                     const std::string& request_id,
                     uint16_t counter,
                     Refusable<Services::Signed> result);
    /** Whether a sign that passed its checks is refused: WaitingResults::capacity reached. */
    [[nodiscard]] bool refuse_when_full(librecord::ServerLink& link, uint16_t counter);
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

    // A sign that passed its checks, held for the batch (group commit).
    struct Pending {
        std::string request_id;
        Sha256Digest request_hash{};
        std::unique_ptr<SignRequest> request;
        uint16_t counter = 0;
    };

    std::vector<Pending> m_batch;
    // Signed results waiting for logSaved (§5.1): kept until released or the session ends.
    WaitingResults m_waiting;
};

}  // namespace cassiopeia::server
