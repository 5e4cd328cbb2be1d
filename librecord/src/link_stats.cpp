// The operator's rate-limited summary of a line's link counters (docs/protocol.md §2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/link_machine.hpp"

#include <sstream>

namespace librecord {

std::optional<std::string> LinkStatsSummary::take(const LinkStats& total, LinkTime now) {
    if (m_last && now - *m_last < m_period) {
        return std::nullopt;
    }
    const auto dropped = total.frames_dropped - m_seen.frames_dropped;
    const auto resets = total.resets - m_seen.resets;
    const auto failures = total.failures - m_seen.failures;
    if (dropped == 0 && resets == 0 && failures == 0) {
        return std::nullopt;
    }
    const auto seconds =
        m_last ? std::chrono::duration_cast<std::chrono::seconds>(now - *m_last) : m_period;
    m_seen = total;
    m_last = now;
    std::ostringstream text;
    text << dropped << " frames dropped, " << resets << " RESETs, " << failures
         << " link sessions failed in the last " << seconds.count() << " s";
    return text.str();
}

}  // namespace librecord
