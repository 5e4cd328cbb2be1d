// Signed results waiting for logSaved, per session.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "waiting_results.hpp"

#include "request_hash.hpp"

#include <librecord/errors.hpp>
#include <librecord/hex.hpp>

#include <openssl/crypto.h>

namespace cassiopeia::server {

void WaitingResults::add(std::span<const uint8_t> log,
                         std::vector<uint8_t> issued,
                         std::string signing_ca) {
    if (m_entries.size() >= capacity) {
        throw Error{ErrorKind::internal, "WaitingResults::add", "more results than may wait"};
    }
    m_entries.push_back(Entry{librecord::to_hex(Sha256::digest(log), librecord::HexCase::lower),
                              Released{std::move(issued), std::move(signing_ca)}});
}

std::optional<WaitingResults::Released> WaitingResults::release(
    std::span<const uint8_t> log_hash_hex) {
    auto match = m_entries.end();
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
        const auto& want = it->log_hash_hex;
        const bool same = log_hash_hex.size() == want.size() &&
                          ::CRYPTO_memcmp(log_hash_hex.data(), want.data(), want.size()) == 0;
        if (same && match == m_entries.end()) {
            match = it;  // the oldest match; the others are still compared
        }
    }
    if (match == m_entries.end()) {
        return std::nullopt;
    }
    Released out = std::move(match->result);
    m_entries.erase(match);
    return out;
}

}  // namespace cassiopeia::server
