// The test builds' crash switch (kill_at.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "kill_at.hpp"

#include <cassiopeia/common/test_point.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

namespace cassiopeia::test {

namespace {

struct KillAt {
    std::string point;
    int64_t nth = 1;
    int64_t delay_ms = 0;
    int signal = SIGKILL;  ///< SIGSTOP with CASSIOPEIA_TEST_KILL_SIGNAL=STOP: frozen, not dead
    std::atomic<int64_t> seen{0};
};

KillAt& kill_at() {
    static KillAt k;
    return k;
}

void on_point(std::string_view point) noexcept {
    auto& k = kill_at();
    if (point != k.point || k.seen.fetch_add(1) + 1 != k.nth) {
        return;
    }
    if (k.delay_ms == 0) {
        ::raise(k.signal);
        return;  // SIGSTOP: continued by the test
    }
    try {
        std::thread([ms = k.delay_ms, sig = k.signal] {
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            ::raise(sig);
        }).detach();
    } catch (...) {
        ::raise(k.signal);  // no thread: now rather than never
    }
}

/** The variable NAME as a count; `fallback` when unset; nothing (message) when invalid. */
std::optional<int64_t> env_count(std::string_view program, const char* name, int64_t fallback) {
    const char* text = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): before any thread
    if (text == nullptr || *text == '\0') {
        return fallback;
    }
    auto n = parse_count(text);
    if (!n) {
        std::cerr << program << ": " << name << " is no whole number\n";
    }
    return n;
}

}  // namespace

std::optional<int64_t> parse_count(std::string_view text) noexcept {
    constexpr int64_t limit = 1'000'000'000;
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || text.front() == '-' || ec != std::errc{} ||
        end != text.data() + text.size() || n >= limit) {
        return std::nullopt;
    }
    return n;
}

bool install_kill_at_from_env(std::string_view program) {
    const char* point = std::getenv("CASSIOPEIA_TEST_KILL_AT");  // NOLINT(concurrency-mt-unsafe)
    if (point == nullptr || *point == '\0') {
        return true;
    }
    const auto nth = env_count(program, "CASSIOPEIA_TEST_KILL_NTH", 1);
    const auto delay = env_count(program, "CASSIOPEIA_TEST_KILL_DELAY_MS", 0);
    if (!nth || !delay || *nth == 0) {
        return false;
    }
    const char* sig = std::getenv("CASSIOPEIA_TEST_KILL_SIGNAL");  // NOLINT(concurrency-mt-unsafe)
    const std::string_view sig_name = sig == nullptr ? "KILL" : sig;
    if (sig_name != "KILL" && sig_name != "STOP") {
        std::cerr << program << ": CASSIOPEIA_TEST_KILL_SIGNAL is KILL or STOP\n";
        return false;
    }
    auto& k = kill_at();
    k.signal = sig_name == "STOP" ? SIGSTOP : SIGKILL;
    k.point = point;
    k.nth = *nth;
    k.delay_ms = *delay;
    common::set_test_point_handler(on_point);
    return true;
}

}  // namespace cassiopeia::test
