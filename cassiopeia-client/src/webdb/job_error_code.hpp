// The word a failed or retried job stores in jobs.error_code: a code of the signer's registry
// (docs/protocol.md §5.8) or one of the client's own codes (the client-side table there).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/error_code.hpp>

#include <string_view>
#include <variant>

namespace cassiopeia::client {

/** Failures only the client sees; docs/protocol.md §5.8 lists them beside the signer's codes. */
enum class ClientErrorCode {
    verification,  ///< a result from the signer failed local verification (retried later)
    webdb_data,    ///< the WebDB refused the job's data (its input or result); failed at once
    webdb_busy,    ///< the WebDB refused a write for a conflict (serialisation, deadlock, lock)
};

[[nodiscard]] constexpr std::string_view to_string(ClientErrorCode code) noexcept {
    switch (code) {
        case ClientErrorCode::verification:
            return "verification";
        case ClientErrorCode::webdb_data:
            return "webdb_data";
        case ClientErrorCode::webdb_busy:
            return "webdb_busy";
    }
    return "verification";
}

/** A registry code or a client code, as stored in jobs.error_code. */
class JobErrorCode final {
public:
    // Implicit on purpose: a call site names the code it means, `ErrorCode::bad_request`.
    JobErrorCode(librecord::ErrorCode code)
        : m_code(code) {}  // NOLINT(google-explicit-constructor,hicpp-explicit-conversions)

    JobErrorCode(ClientErrorCode code)
        : m_code(code) {}  // NOLINT(google-explicit-constructor,hicpp-explicit-conversions)

    /** The stored word. */
    [[nodiscard]] std::string_view text() const noexcept {
        if (const auto* c = std::get_if<librecord::ErrorCode>(&m_code)) {
            return librecord::to_string(*c);
        }
        return to_string(std::get<ClientErrorCode>(m_code));
    }

private:
    std::variant<librecord::ErrorCode, ClientErrorCode> m_code;
};

}  // namespace cassiopeia::client
