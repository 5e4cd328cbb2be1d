// Helpers the two link machines share: frames onto the output queue, text as bytes.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "librecord/link_machine.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace librecord::detail {

/** Appends one link frame of `type` as its own LinkWrite, tagged with `session`. */
void queue_frame(FrameType type,
                 std::span<const uint8_t> body,
                 uint64_t session,
                 std::vector<LinkWrite>& out);

/**
 * Appends `data` as DATA frames of at most limits::max_data_body bytes (§2), one LinkWrite
 * each, so that the driver gives every frame its own deadline (§7).
 */
void queue_data_frames(std::span<const uint8_t> data,
                       uint64_t session,
                       std::vector<LinkWrite>& out);

/** Record lines are ASCII text; the TLS layer carries them as bytes. */
[[nodiscard]] std::span<const uint8_t> as_bytes(std::string_view text) noexcept;

}  // namespace librecord::detail
