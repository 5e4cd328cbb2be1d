// The pure parts of the line emulator (tests/support/line_emulator.cpp): pacing arithmetic,
// seeded fault injection and the control commands. No I/O here, so unit tests and the fuzz
// target drive them directly.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cassiopeia::line {

using Clock = std::chrono::steady_clock;

// One direction of an 8N1 line: 10 bit times per byte, so baud/10 bytes per second. Baud 0 is
// unthrottled. The line is busy until ready_at(); a write may send at most max_burst() bytes.
class Pacer final {
public:
    explicit Pacer(uint32_t baud = 0) : m_baud{baud} {}

    void set_baud(uint32_t baud, Clock::time_point now);

    [[nodiscard]] uint32_t baud() const { return m_baud; }

    // How many bytes may go onto the line at `now` (0 while the previous ones are on the wire).
    [[nodiscard]] size_t allowance(Clock::time_point now) const;
    // Records that n bytes went onto the line at `now`.
    void sent(size_t n, Clock::time_point now);

    // When the line is free again for the next byte.
    [[nodiscard]] Clock::time_point ready_at() const { return m_free_at; }

    // The wire time of n bytes at the current baud rate.
    [[nodiscard]] Clock::duration wire_time(size_t n) const;

private:
    uint32_t m_baud;
    Clock::time_point m_free_at{};
};

struct FaultRates {
    double ber = 0;           // probability that a bit is flipped
    double drop = 0;          // probability that a byte is lost
    double duplicate = 0;     // probability that a byte arrives twice
    double delay = 0;         // probability that the line holds a byte back...
    uint32_t delay_ms = 100;  // ...for this long (the bytes behind it wait too)
};

struct FaultCounters {
    uint64_t bit_errors = 0;
    uint64_t dropped = 0;
    uint64_t duplicated = 0;
    uint64_t delayed = 0;
    uint64_t injected = 0;  // noise bytes put onto the line (`noise`)
};

// What the line does to one byte.
struct ByteFate {
    uint8_t byte = 0;       // after bit errors
    unsigned copies = 1;    // 0 dropped, 1 normal, 2 duplicated
    uint32_t delay_ms = 0;  // hold the stream this long before the byte
};

// Seeded fault injection: the same seed, rates and bytes give the same faults. Bit errors are
// spaced by a geometric distribution, so a BER costs one draw per error, not one per bit.
class Injector final {
public:
    explicit Injector(uint64_t seed) : m_random{seed} {}

    void set_rates(const FaultRates& rates);

    [[nodiscard]] const FaultRates& rates() const { return m_rates; }

    [[nodiscard]] ByteFate pass(uint8_t byte);

    // n random bytes of line noise (seeded like the faults), counted as injected.
    [[nodiscard]] std::vector<uint8_t> noise(size_t n);

    [[nodiscard]] const FaultCounters& counters() const { return m_counters; }

private:
    bool chance(double p);
    void draw_next_error();

    std::mt19937_64 m_random;
    FaultRates m_rates{};
    FaultCounters m_counters{};
    uint64_t m_bits_to_error = 0;  // clean bits before the next flipped one; unused at BER 0
};

enum class Verb { baud, ber, drop, duplicate, delay, stall, cut, noise, stats, help, quit };

struct Command {
    Verb verb = Verb::help;
    double value = 0;  // baud, rate, probability, seconds or noise bytes
    uint32_t ms = 0;   // delay: how long; noise: the period (0: once)
};

namespace command_limits {
constexpr size_t max_line = 256;
constexpr double max_seconds = 86400;
constexpr double max_baud = 4000000;
constexpr uint32_t max_delay_ms = 60000;
constexpr double max_noise_bytes = 65536;
}  // namespace command_limits

// One control line (without its newline): the command or why it was refused.
[[nodiscard]] std::variant<Command, std::string> parse_command(std::string_view line);

// The control commands, one a line, for --help and `help`.
[[nodiscard]] std::string_view command_help();

}  // namespace cassiopeia::line
