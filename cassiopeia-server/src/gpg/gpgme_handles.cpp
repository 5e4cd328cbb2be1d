// GPGME handle owners, the error checker and the library guard (docs/style.md §4.3).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "gpg/gpgme_handles.hpp"

#include "gpg/gpgme_guard.hpp"

#include <librecord/errors.hpp>

#include <gpgme.h>

#include <atomic>
#include <chrono>
#include <clocale>
#include <string>
#include <thread>

namespace cassiopeia::server {

namespace {

// The version we build and test with (Debian 12).
constexpr const char* min_gpgme_version = "1.18.0";
std::atomic<bool> g_ready{false};

}  // namespace

GpgmeGuard::GpgmeGuard() {
    if (::gpgme_check_version(min_gpgme_version) == nullptr) {
        throw cassiopeia::Error{ErrorKind::gpg,
                                "gpgme_check_version",
                                std::string{"GPGME "} + min_gpgme_version +
                                    " or newer required, found " + ::gpgme_check_version(nullptr)};
    }
    // GPGME passes the locale to the gpg child (pinentry, messages); LC_MESSAGES may be absent.
    gpg::check_gpgme(::gpgme_set_locale(nullptr, LC_CTYPE, std::setlocale(LC_CTYPE, nullptr)),
                     "gpgme_set_locale");
#ifdef LC_MESSAGES
    gpg::check_gpgme(::gpgme_set_locale(nullptr, LC_MESSAGES, std::setlocale(LC_MESSAGES, nullptr)),
                     "gpgme_set_locale");
#endif
    gpg::check_gpgme(::gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP),
                     "gpgme_engine_check_version");
    g_ready.store(true);
}

GpgmeGuard::~GpgmeGuard() {
    g_ready.store(false);
}

const char* GpgmeGuard::version() noexcept {
    return ::gpgme_check_version(nullptr);
}

bool GpgmeGuard::ready() noexcept {
    return g_ready.load();
}

namespace gpg {

void check_gpgme(gpgme_error_t err, const char* call) {
    if (::gpgme_err_code(err) != GPG_ERR_NO_ERROR) {
        throw cassiopeia::Error{ErrorKind::gpg, call, ::gpgme_strerror(err)};
    }
}

KeyPtr share(gpgme_key_t key) noexcept {
    ::gpgme_key_ref(key);
    return KeyPtr{key};
}

ContextPtr make_context(const char* home) {
    gpgme_ctx_t raw = nullptr;
    check_gpgme(::gpgme_new(&raw), "gpgme_new");
    ContextPtr ctx{raw};
    check_gpgme(::gpgme_set_protocol(ctx.get(), GPGME_PROTOCOL_OpenPGP), "gpgme_set_protocol");
    // nullptr file name: the gpg that GPGME found; only the home folder changes.
    check_gpgme(::gpgme_ctx_set_engine_info(ctx.get(), GPGME_PROTOCOL_OpenPGP, nullptr, home),
                "gpgme_ctx_set_engine_info");
    check_gpgme(::gpgme_set_pinentry_mode(ctx.get(), GPGME_PINENTRY_MODE_LOOPBACK),
                "gpgme_set_pinentry_mode");
    return ctx;
}

namespace {

/** The agent socket of `home` as gpgconf names it: in the home, or below /run/user/<uid>/gnupg
 * when that exists. The home's S.gpg-agent when gpgconf cannot say. */
std::string agent_socket(const std::filesystem::path& home) {
    gpgme_ctx_t raw = nullptr;
    if (::gpgme_new(&raw) != 0) {
        return (home / "S.gpg-agent").string();
    }
    const ContextPtr ctx{raw};
    char* dir = nullptr;
    if (::gpgme_set_protocol(ctx.get(), GPGME_PROTOCOL_GPGCONF) != 0 ||
        ::gpgme_ctx_set_engine_info(ctx.get(), GPGME_PROTOCOL_GPGCONF, nullptr, home.c_str()) !=
            0 ||
        ::gpgme_op_conf_dir(ctx.get(), "agent-socket", &dir) != 0 || dir == nullptr) {
        return (home / "S.gpg-agent").string();
    }
    std::string socket{dir};
    ::gpgme_free(dir);
    return socket;
}

/** Sends KILLAGENT to the agent at `socket`; the connection closes on return. */
void send_killagent(const std::filesystem::path& home, const std::string& socket) {
    gpgme_ctx_t raw = nullptr;
    if (::gpgme_new(&raw) != 0) {
        return;
    }
    const ContextPtr ctx{raw};
    gpgme_error_t op_err = 0;
    if (::gpgme_set_protocol(ctx.get(), GPGME_PROTOCOL_ASSUAN) == 0 &&
        ::gpgme_ctx_set_engine_info(
            ctx.get(), GPGME_PROTOCOL_ASSUAN, socket.c_str(), home.c_str()) == 0) {
        (void)::gpgme_op_assuan_transact_ext(
            ctx.get(), "KILLAGENT", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, &op_err);
    }
}

}  // namespace

void learn_card_keys(const std::filesystem::path& home) {
    {
        // gpg starts the home's agent to list secret keys; the Assuan context below cannot.
        const auto ctx = make_context(home.c_str());
        check_gpgme(::gpgme_op_keylist_start(ctx.get(), nullptr, 1), "gpgme_op_keylist_start");
        gpgme_key_t key = nullptr;
        while (::gpgme_op_keylist_next(ctx.get(), &key) == 0) {
            ::gpgme_key_unref(key);
        }
    }
    gpgme_ctx_t raw = nullptr;
    check_gpgme(::gpgme_new(&raw), "gpgme_new");
    const ContextPtr ctx{raw};
    const std::string socket = agent_socket(home);
    check_gpgme(::gpgme_set_protocol(ctx.get(), GPGME_PROTOCOL_ASSUAN), "gpgme_set_protocol");
    check_gpgme(
        ::gpgme_ctx_set_engine_info(ctx.get(), GPGME_PROTOCOL_ASSUAN, socket.c_str(), home.c_str()),
        "gpgme_ctx_set_engine_info");
    gpgme_error_t op_err = 0;
    check_gpgme(::gpgme_op_assuan_transact_ext(ctx.get(),
                                               "LEARN --force",
                                               nullptr,
                                               nullptr,
                                               nullptr,
                                               nullptr,
                                               nullptr,
                                               nullptr,
                                               &op_err),
                "gpgme_op_assuan_transact_ext(LEARN)");
    check_gpgme(op_err, "LEARN --force");
}

void stop_agent(const std::filesystem::path& home) noexcept {
    try {
        if (home.empty()) {
            return;
        }
        const std::string socket = agent_socket(home);
        std::error_code ec;
        if (!std::filesystem::exists(socket, ec)) {
            return;
        }
        send_killagent(home, socket);
        // The agent removes its socket as it exits, once our connection is closed.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (std::filesystem::exists(socket, ec) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    } catch (...) {  // NOLINT(bugprone-empty-catch): shutting down; nothing left to report to
    }
}

DataPtr make_data(std::span<const uint8_t> bytes) {
    gpgme_data_t raw = nullptr;
    // GPGME reads char; copy = 1, so the span need not outlive the data object.
    check_gpgme(::gpgme_data_new_from_mem(
                    &raw, reinterpret_cast<const char*>(bytes.data()), bytes.size(), 1),
                "gpgme_data_new_from_mem");
    return DataPtr{raw};
}

DataPtr make_data_view(std::span<const uint8_t> bytes) {
    gpgme_data_t raw = nullptr;
    // GPGME reads char; copy = 0: GPGME reads the caller's buffer, which must outlive it.
    check_gpgme(::gpgme_data_new_from_mem(
                    &raw, reinterpret_cast<const char*>(bytes.data()), bytes.size(), 0),
                "gpgme_data_new_from_mem");
    return DataPtr{raw};
}

DataPtr make_output_data() {
    gpgme_data_t raw = nullptr;
    check_gpgme(::gpgme_data_new(&raw), "gpgme_data_new");
    return DataPtr{raw};
}

std::vector<uint8_t> take_bytes(DataPtr& data) {
    size_t len = 0;
    // Ownership of the buffer moves to us; the data object is released.
    char* buf = ::gpgme_data_release_and_get_mem(data.release(), &len);
    std::vector<uint8_t> out;
    if (buf != nullptr) {
        // char buffer from GPGME viewed as bytes.
        const auto* p = reinterpret_cast<const uint8_t*>(buf);
        out.assign(p, p + len);  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        ::gpgme_free(buf);
    }
    data = make_output_data();
    return out;
}

}  // namespace gpg
}  // namespace cassiopeia::server
