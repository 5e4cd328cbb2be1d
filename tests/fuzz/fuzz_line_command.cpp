// Fuzz target: the line emulator's control command parser (tests/support/line_model.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
// Target function: cassiopeia::line::parse_command.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <line_model.hpp>
#include <string_view>
#include <variant>

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_line_command: invariant broken: %s\n", what);
        std::abort();
    }
}

void run(std::string_view text) {
    namespace cl = cassiopeia::line;
    const auto parsed = cl::parse_command(text);
    if (const auto* cmd = std::get_if<cl::Command>(&parsed)) {
        check(text.size() <= cl::command_limits::max_line, "overlong line accepted");
        check(std::isfinite(cmd->value) && cmd->value >= 0,
              "value not a finite non-negative number");
        check(cmd->ms <= cl::command_limits::max_delay_ms, "delay over the limit");
        if (cmd->verb == cl::Verb::ber) {
            check(cmd->value <= 0.5, "ber over 0.5");
            // An accepted rate must be usable by the injector.
            cl::Injector inj{1};
            inj.set_rates({cmd->value, 0, 0, 0, 0});
            (void)inj.pass(0);
        }
    } else {
        check(!std::get<std::string>(parsed).empty(), "refusal without a reason");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        // reinterpret_cast: the fuzzer's bytes read as text
        run({reinterpret_cast<const char*>(data), size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_line_command: unexpected exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
