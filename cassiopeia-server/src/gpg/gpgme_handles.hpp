// RAII owners of GPGME handles and the GPGME error checker (docs/style.md §4, §5). Only src/gpg/.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/c_handle.hpp>

#include <gpgme.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace cassiopeia::server::gpg {

using ContextPtr =
    std::unique_ptr<std::remove_pointer_t<gpgme_ctx_t>, librecord::CFree<&::gpgme_release>>;
using DataPtr =
    std::unique_ptr<std::remove_pointer_t<gpgme_data_t>, librecord::CFree<&::gpgme_data_release>>;
using KeyPtr =
    std::unique_ptr<std::remove_pointer_t<gpgme_key_t>, librecord::CFree<&::gpgme_key_unref>>;

/** Throws cassiopeia::Error{gpg, call, gpgme_strerror(err)} unless err is GPG_ERR_NO_ERROR. */
void check_gpgme(gpgme_error_t err, const char* call);

/** The error code part of a GPGME error (GPG_ERR_EOF, GPG_ERR_NO_ERROR, ...). */
[[nodiscard]] inline gpgme_err_code_t code_of(gpgme_error_t err) noexcept {
    return ::gpgme_err_code(err);
}

/** A new key reference to the same key (gpgme_key_ref), as a second owner. */
[[nodiscard]] KeyPtr share(gpgme_key_t key) noexcept;

/**
 * Asks the gpg-agent of `home` to exit (Assuan KILLAGENT on the socket that gpgconf names for
 * `home`) and waits up to 2 s for its socket to go, so that no agent, and no secret it holds,
 * outlives the signer. Best effort: does nothing when no agent socket is there.
 */
void stop_agent(const std::filesystem::path& home) noexcept;

/** A context for the OpenPGP engine on `home`, with pinentry in loopback mode. */
[[nodiscard]] ContextPtr make_context(const char* home);

/**
 * Has the agent of `home` (started first, by a secret key listing) learn the keys of its
 * smartcard daemon and write stubs for them (Assuan `LEARN --force`): a key whose secret half
 * is in a token then shows as a secret key of `home` (docs/hsm.md). Throws
 * cassiopeia::Error{gpg} when the agent cannot be reached or the learning fails.
 */
void learn_card_keys(const std::filesystem::path& home);

/** A data object over a copy of `bytes` (GPGME copies, so `bytes` may go away). */
[[nodiscard]] DataPtr make_data(std::span<const uint8_t> bytes);

/**
 * A data object that reads `bytes` in place, without a copy (for secrets, so that the caller's
 * buffer is the only one to wipe). `bytes` must outlive the data object.
 */
[[nodiscard]] DataPtr make_data_view(std::span<const uint8_t> bytes);

/** An empty data object that GPGME writes into. */
[[nodiscard]] DataPtr make_output_data();

/** Takes the contents of a memory data object (and leaves it empty). */
[[nodiscard]] std::vector<uint8_t> take_bytes(DataPtr& data);

}  // namespace cassiopeia::server::gpg
