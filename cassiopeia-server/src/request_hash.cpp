// The request hash of docs/protocol.md §6 and the EVP SHA-256 it is built on.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "request_hash.hpp"

#include <librecord/errors.hpp>
#include <librecord/ossl/handles.hpp>

#include <limits>

namespace cassiopeia::server {

namespace {

using ossl::check_ossl;
using ossl::EvpMdCtxPtr;

}  // namespace

struct Sha256::Impl {
    EvpMdCtxPtr ctx;
    bool finished = false;
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {
    m_impl->ctx.reset(::EVP_MD_CTX_new());
    check_ossl(m_impl->ctx != nullptr, "EVP_MD_CTX_new");
    check_ossl(::EVP_DigestInit_ex(m_impl->ctx.get(), ::EVP_sha256(), nullptr) == 1,
               "EVP_DigestInit_ex");
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const uint8_t> bytes) {
    if (m_impl->finished) {
        throw Error{ErrorKind::internal, "Sha256::update", "digest already finished"};
    }
    if (!bytes.empty()) {
        check_ossl(::EVP_DigestUpdate(m_impl->ctx.get(), bytes.data(), bytes.size()) == 1,
                   "EVP_DigestUpdate");
    }
}

void Sha256::update(std::string_view text) {
    // reinterpret_cast: hashing the bytes of a char string
    update(std::span<const uint8_t>{reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

Sha256Digest Sha256::finish() {
    if (m_impl->finished) {
        throw Error{ErrorKind::internal, "Sha256::finish", "digest already finished"};
    }
    Sha256Digest out{};
    unsigned int n = 0;
    check_ossl(::EVP_DigestFinal_ex(m_impl->ctx.get(), out.data(), &n) == 1, "EVP_DigestFinal_ex");
    m_impl->finished = true;
    if (n != out.size()) {
        throw Error{ErrorKind::crypto, "EVP_DigestFinal_ex", "unexpected digest length"};
    }
    return out;
}

Sha256Digest Sha256::digest(std::span<const uint8_t> bytes) {
    Sha256 sha;
    sha.update(bytes);
    return sha.finish();
}

void RequestHasher::add(uint16_t command, std::span<const uint8_t> payload) {
    if (payload.size() > std::numeric_limits<uint32_t>::max()) {
        throw Error{ErrorKind::internal, "RequestHasher::add", "payload longer than 2^32-1"};
    }
    const auto length = static_cast<uint32_t>(payload.size());
    const std::array<uint8_t, 6> header{
        static_cast<uint8_t>(command & 0xFFU),
        static_cast<uint8_t>(command >> 8U),
        static_cast<uint8_t>(length & 0xFFU),
        static_cast<uint8_t>((length >> 8U) & 0xFFU),
        static_cast<uint8_t>((length >> 16U) & 0xFFU),
        static_cast<uint8_t>(length >> 24U),
    };
    m_sha.update(header);
    m_sha.update(payload);
}

Sha256Digest RequestHasher::finish() {
    return m_sha.finish();
}

}  // namespace cassiopeia::server
