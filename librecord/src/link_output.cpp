// Helpers the two link machines share, and the default source of randomness.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "link_output.hpp"

#include "librecord/errors.hpp"

#include <algorithm>
#include <cerrno>
#include <sys/random.h>

namespace librecord {

void system_random_fill(std::span<uint8_t> out) {
    // Nonces and session ids need only be unpredictable: the kernel's CSPRNG.
    size_t done = 0;
    while (done < out.size()) {
        const auto n = ::getrandom(out.subspan(done).data(), out.size() - done, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw cassiopeia::Error(cassiopeia::ErrorKind::internal, "getrandom", "failed");
        }
        done += static_cast<size_t>(n);
    }
}

namespace detail {

void queue_frame(FrameType type,
                 std::span<const uint8_t> body,
                 uint64_t session,
                 std::vector<LinkWrite>& out) {
    LinkWrite w;
    w.session = session;
    encode_link_frame(type, body, w.wire);
    out.push_back(std::move(w));
}

void queue_data_frames(std::span<const uint8_t> data,
                       uint64_t session,
                       std::vector<LinkWrite>& out) {
    while (!data.empty()) {
        const size_t n = std::min(data.size(), limits::max_data_body);
        queue_frame(FrameType::data, data.first(n), session, out);
        data = data.subspan(n);
    }
}

std::span<const uint8_t> as_bytes(std::string_view text) noexcept {
    // Record lines are ASCII text; the TLS layer carries them as bytes (char to uint8_t).
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

}  // namespace detail

}  // namespace librecord
