// The WebDB job queue as the client daemon works it: claim, complete, fail, retry, release.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "pq/pq.hpp"
#include "webdb/job_error_code.hpp"

#include <librecord/request_id.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cassiopeia::client {

enum class JobKind { certificate, revocation, openpgp };

/** docs/conventions.md §5: pending → running → done | failed, and retrying between attempts. */
enum class JobState { pending, running, done, failed, retrying };

[[nodiscard]] std::string_view to_string(JobKind kind) noexcept;
[[nodiscard]] std::string_view to_string(JobState state) noexcept;
[[nodiscard]] std::optional<JobKind> to_job_kind(std::string_view text) noexcept;
[[nodiscard]] std::optional<JobState> to_job_state(std::string_view text) noexcept;

/**
 * A serial the WebDB may store: the canonical text of docs/protocol.md §5.4
 * (librecord::canonical_serial) of a positive serial (RFC 5280 §4.1.2.2); nullopt for text the
 * reader refuses, and for zero.
 */
[[nodiscard]] std::optional<std::string> job_serial(std::string_view text);

/**
 * `text` as a jobs.error_message that every database encoding takes: printable ASCII is kept,
 * every other byte (and the backslash) becomes `\xNN`. For messages about data the WebDB
 * refused, which may quote the very bytes it refused.
 */
[[nodiscard]] std::string ascii_message(std::string_view text);

/** Inputs of request_certificate, as the web application gave them (unchecked). */
struct CertificateJob {
    std::string csr;      ///< PEM/DER text, or "SPKAC:" followed by the SPKAC
    std::string profile;  ///< empty for an OCSP responder certificate
    std::string ocsp_ca;  ///< the time CA an OCSP responder certificate is for, else empty
    std::vector<std::string> sans;
    std::vector<std::string> avas;
    std::vector<std::string> proofs;
    std::optional<std::string> valid_from;  ///< YYYY-MM-DDTHH:MM:SSZ (UTC, whole seconds)
    std::optional<std::string> valid_to;    ///< as given: a time or a period such as "90d"
    std::string hash;                       ///< e.g. "sha256"
};

/** Inputs of request_revocation: "<serial>" or "<serial>,<reason>" items (docs/protocol.md §5.6).
 */
struct RevocationJob {
    std::string ca;
    std::vector<std::string> serials;
};

/** Inputs of request_openpgp. */
struct OpenpgpJob {
    std::string key;  ///< ASCII-armoured
    std::vector<std::string> proofs;
};

/** A claimed job: this worker holds its lease for attempt number `attempt`. */
struct Job {
    int64_t id = 0;
    JobKind kind = JobKind::certificate;
    int attempt = 0;  ///< attempts counted so far, this one included
    std::string worker;
    std::variant<CertificateJob, RevocationJob, OpenpgpJob> input;

    /** The request id the daemon sends (docs/conventions.md §1): "webdb:<job id>". */
    [[nodiscard]] std::string request_id() const {
        return librecord::make_request_id(librecord::webdb_namespace, static_cast<uint64_t>(id));
    }
};

/** One serial that a revocation put on the CRL. */
struct RevokedSerial {
    std::string serial;                 ///< any form job_serial accepts
    std::string revoked_at;             ///< YYYY-MM-DDTHH:MM:SSZ
    std::optional<std::string> reason;  ///< RFC 5280 name; none = unspecified
};

struct QueueOptions {
    /** A job whose attempt number reaches this fails instead of retrying (run.max_attempts). */
    int max_attempts = 5;
    /** A running job whose heartbeat is older than this is taken again (run.lease_seconds). */
    std::chrono::seconds lease{300};
};

/** What is left in the queue (run --once stops when `due` is 0). */
struct QueueSummary {
    int64_t due = 0;      ///< pending, retrying and due, or running with an expired lease
    int64_t waiting = 0;  ///< retrying, not yet due
    int64_t running = 0;  ///< running with a live lease
    std::optional<std::chrono::milliseconds> next_retry_in;  ///< until the next waiting job
};

/**
 * The daemon's side of the queue over one connection. Every method is one transaction that
 * writes the result and the state change together; a method that acts on a claimed job
 * changes it only while this worker still holds it (same worker, same attempt, state
 * running) and returns false, writing nothing, when the lease was lost to another worker.
 * Database failures throw pq::PqError (test pq::is_connection_error).
 */
class JobQueue final {
public:
    /** The channel the schema NOTIFYs with the job id when a job becomes pending. */
    static constexpr std::string_view channel = "cassiopeia_jobs";

    JobQueue(pq::Connection& conn, QueueOptions options) : m_conn(conn), m_options(options) {}

    /** LISTEN on `channel`; then wait with pq::Connection::wait_notification. */
    void listen();

    /**
     * Takes the oldest due job (pending, retrying and due, or running with an expired lease),
     * FOR UPDATE SKIP LOCKED so several clients share one WebDB; marks it running with this
     * worker's lease and counts the attempt. nullopt when nothing is due. A job without its
     * request row (written around the functions) is failed with bad_request and skipped; one
     * whose inputs the database or the array reader refuses (a data error, not an outage nor
     * a conflict) is failed with webdb_data and skipped, so one bad row never stops the queue.
     */
    [[nodiscard]] std::optional<Job> claim_next(const std::string& worker_id);

    /**
     * claim_next() for up to `max` jobs in one transaction (one commit for a pipelining
     * worker's window, docs/protocol.md §5.1); fewer when fewer are due, in queue order.
     */
    [[nodiscard]] std::vector<Job> claim_batch(const std::string& worker_id, size_t max);

    /** Renews the lease of a long job. */
    [[nodiscard]] bool heartbeat(const Job& job);

    /** done + the certificate + the signer's log. Throws PqError{integrity} for a duplicate
     *  serial (nothing written, the job stays running). */
    [[nodiscard]] bool complete_certificate(const Job& job,
                                            const std::string& pem,
                                            const std::string& serial,
                                            const std::string& ca,
                                            const std::string& not_before,
                                            const std::string& not_after,
                                            const std::string& log);

    /** One certificate to write back with complete_certificates(). */
    struct IssuedCertificate {
        const Job* job;
        std::string pem;
        std::string serial;
        std::string ca;
        std::string not_before;
        std::string not_after;
        std::string log;
    };

    /**
     * complete_certificate() for several jobs in one transaction (one commit); per job, false
     * when its lease was lost (nothing of it written). A database error writes none of them.
     */
    [[nodiscard]] std::vector<bool> complete_certificates(
        const std::vector<IssuedCertificate>& issued);

    /** done + the revoked serials (an existing entry keeps its original time) + the CRL
     *  (stored when newer than the stored one) + the CRL number reached + the log. */
    [[nodiscard]] bool complete_revocation(const Job& job,
                                           const std::string& ca,
                                           std::span<const uint8_t> crl_der,
                                           uint64_t crl_number,
                                           const std::string& this_update,
                                           const std::string& next_update,
                                           const std::vector<RevokedSerial>& revoked,
                                           const std::string& log);

    /** done + the certified key + the log. */
    [[nodiscard]] bool complete_openpgp(const Job& job,
                                        const std::string& armored,
                                        const std::string& log);

    /** failed, finally (bad_request, a signer refusal): code + message, and the log if any. */
    [[nodiscard]] bool fail(const Job& job,
                            JobErrorCode code,
                            const std::string& message,
                            const std::optional<std::string>& log = std::nullopt);

    /**
     * retrying, due again `delay` after now (database time), or failed when this was attempt
     * max_attempts. Returns the new state; nullopt when the lease was lost.
     */
    [[nodiscard]] std::optional<JobState> retry_later(
        const Job& job,
        JobErrorCode code,
        const std::string& message,
        std::chrono::seconds delay,
        const std::optional<std::string>& log = std::nullopt);

    /** Back to pending without counting the attempt: a link or signer outage never fails a
     *  job. Other workers are woken by the NOTIFY. */
    /**
     * At start: every job still `running` under `worker_id` (this daemon before a crash or a
     * restart) goes back to pending at once, without counting an attempt.
     * @return how many jobs were released.
     */
    int64_t release_worker(const std::string& worker_id);

    [[nodiscard]] bool release(const Job& job);

    /** Stores a CA's CRL when its number is newer than the stored one; true if stored. */
    [[nodiscard]] bool store_crl(const std::string& ca,
                                 std::span<const uint8_t> der,
                                 uint64_t crl_number,
                                 const std::string& this_update,
                                 const std::string& next_update);

    /** The CRL number stored for each CA. */
    [[nodiscard]] std::map<std::string, uint64_t> crl_numbers();

    [[nodiscard]] QueueSummary summary();

private:
    /** Moves a held job to `state`; false when the lease is gone. Inside a transaction. */
    [[nodiscard]] bool finish(const Job& job,
                              JobState state,
                              const std::optional<std::string>& code,
                              const std::optional<std::string>& message);
    void write_log(const Job& job, const std::string& log);
    [[nodiscard]] bool upsert_crl(const std::string& ca,
                                  std::span<const uint8_t> der,
                                  uint64_t crl_number,
                                  const std::string& this_update,
                                  const std::string& next_update);
    [[nodiscard]] std::optional<Job> take_next(const std::string& worker_id, bool& known_kind);
    /** nullopt when the inputs are loaded into `job`; else the code and message to fail it. */
    [[nodiscard]] std::optional<std::pair<std::string, std::string>> input_refused(Job& job,
                                                                                   bool known_kind);
    [[nodiscard]] bool load_input(Job& job);

    pq::Connection& m_conn;
    QueueOptions m_options;
};

}  // namespace cassiopeia::client
