// The pure parts of the line emulator: pacing, fault injection, control commands.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "line_model.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <system_error>
#include <vector>

namespace cassiopeia::line {

namespace {

constexpr uint64_t bit_times_per_byte = 10;  // 8N1: start bit, 8 data bits, stop bit
constexpr uint64_t ns_per_s = 1'000'000'000;
constexpr size_t unthrottled_burst = 65536;
constexpr uint32_t bursts_per_s = 1000;  // a paced write carries at most 1 ms of bytes

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < line.size()) {
        const size_t start = line.find_first_not_of(" \t", i);
        if (start == std::string_view::npos) {
            break;
        }
        size_t end = line.find_first_of(" \t", start);
        end = end == std::string_view::npos ? line.size() : end;
        words.push_back(line.substr(start, end - start));
        i = end;
    }
    return words;
}

std::optional<double> parse_number(std::string_view word, double low, double high) {
    double v = 0;
    const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
    if (ec != std::errc{} || end != word.data() + word.size() || !std::isfinite(v) || v < low ||
        v > high) {
        return std::nullopt;
    }
    return v;
}

struct VerbSpec {
    std::string_view name;
    Verb verb;
    double low;
    double high;
    size_t args;  // numbers after the verb
};

constexpr std::array<VerbSpec, 11> verbs{{
    {"baud", Verb::baud, 0, command_limits::max_baud, 1},
    {"ber", Verb::ber, 0, 0.5, 1},
    {"drop", Verb::drop, 0, 1, 1},
    {"dup", Verb::duplicate, 0, 1, 1},
    {"delay", Verb::delay, 0, 1, 2},
    {"stall", Verb::stall, 0, command_limits::max_seconds, 1},
    {"cut", Verb::cut, 0, command_limits::max_seconds, 1},
    {"noise", Verb::noise, 0, command_limits::max_noise_bytes, 2},
    {"stats", Verb::stats, 0, 0, 0},
    {"help", Verb::help, 0, 0, 0},
    {"quit", Verb::quit, 0, 0, 0},
}};

}  // namespace

void Pacer::set_baud(uint32_t baud, Clock::time_point now) {
    m_baud = baud;
    m_free_at = baud == 0 ? Clock::time_point{} : std::min(m_free_at, now);
}

size_t Pacer::allowance(Clock::time_point now) const {
    if (m_baud == 0) {
        return unthrottled_burst;
    }
    if (now < m_free_at) {
        return 0;
    }
    return std::max<size_t>(1, m_baud / bit_times_per_byte / bursts_per_s);
}

void Pacer::sent(size_t n, Clock::time_point now) {
    if (m_baud != 0) {
        m_free_at = std::max(m_free_at, now) + wire_time(n);
    }
}

Clock::duration Pacer::wire_time(size_t n) const {
    if (m_baud == 0) {
        return Clock::duration::zero();
    }
    const uint64_t ns = uint64_t{n} * bit_times_per_byte * ns_per_s / m_baud;
    return std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds{ns});
}

void Injector::set_rates(const FaultRates& rates) {
    m_rates = rates;
    if (m_rates.ber > 0) {
        draw_next_error();
    }
}

void Injector::draw_next_error() {
    std::geometric_distribution<uint64_t> gap{m_rates.ber};
    m_bits_to_error = gap(m_random);
}

bool Injector::chance(double p) {
    if (p <= 0) {
        return false;
    }
    std::uniform_real_distribution<double> u{0.0, 1.0};
    return u(m_random) < p;
}

ByteFate Injector::pass(uint8_t byte) {
    ByteFate fate{byte, 1, 0};
    if (m_rates.ber > 0) {
        uint64_t bit = m_bits_to_error;
        while (bit < 8) {
            fate.byte = static_cast<uint8_t>(fate.byte ^ (1U << bit));
            ++m_counters.bit_errors;
            draw_next_error();
            bit += m_bits_to_error + 1;
        }
        m_bits_to_error = bit - 8;
    }
    if (chance(m_rates.drop)) {
        ++m_counters.dropped;
        fate.copies = 0;
        return fate;
    }
    if (chance(m_rates.duplicate)) {
        ++m_counters.duplicated;
        fate.copies = 2;
    }
    if (chance(m_rates.delay)) {
        ++m_counters.delayed;
        fate.delay_ms = m_rates.delay_ms;
    }
    return fate;
}

std::vector<uint8_t> Injector::noise(size_t n) {
    std::uniform_int_distribution<unsigned> byte{0, 255};
    std::vector<uint8_t> out(n);
    for (auto& b : out) {
        b = static_cast<uint8_t>(byte(m_random));
    }
    m_counters.injected += n;
    return out;
}

std::variant<Command, std::string> parse_command(std::string_view line) {
    if (line.size() > command_limits::max_line) {
        return std::string{"line too long"};
    }
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    const auto words = split_words(line);
    if (words.empty()) {
        return std::string{"empty command"};
    }
    const auto* spec = std::find_if(
        verbs.begin(), verbs.end(), [&](const VerbSpec& s) { return s.name == words[0]; });
    if (spec == verbs.end()) {
        return std::string{"unknown command (try help)"};
    }
    if (words.size() != spec->args + 1) {
        return std::string{spec->name} + ": wants " + std::to_string(spec->args) + " argument(s)";
    }
    Command cmd{spec->verb, 0, 0};
    if (spec->args >= 1) {
        const auto v = parse_number(words[1], spec->low, spec->high);
        const bool whole = spec->verb == Verb::baud || spec->verb == Verb::noise;
        if (!v || (whole && *v != std::floor(*v))) {
            return std::string{spec->name} + ": bad or out-of-range number";
        }
        cmd.value = *v;
    }
    if (spec->args >= 2) {
        const auto ms = parse_number(words[2], 0, command_limits::max_delay_ms);
        if (!ms || *ms != std::floor(*ms)) {
            return std::string{spec->name} + ": bad or out-of-range milliseconds";
        }
        cmd.ms = static_cast<uint32_t>(*ms);
        if (spec->verb == Verb::noise && cmd.ms != 0 && cmd.ms < 10) {
            return std::string{"noise: a period below 10 ms"};
        }
    }
    return cmd;
}

std::string_view command_help() {
    return "baud N        pace each direction at N baud (8N1: N/10 bytes/s); 0 = unthrottled\n"
           "ber X         flip each bit with probability X (0 .. 0.5)\n"
           "drop P        lose each byte with probability P\n"
           "dup P         send each byte twice with probability P\n"
           "delay P MS    hold the stream MS ms before a byte, with probability P per byte\n"
           "stall S       forward nothing for S seconds (bytes wait; writers block when full)\n"
           "cut S         close both ptys and remove the links (both ends see a hang-up), make\n"
           "              new ptys under the same links after S seconds\n"
           "noise N MS    put N random bytes onto each direction now, and again every MS ms\n"
           "              (MS 0: once; `noise 0 0` stops)\n"
           "stats         one line: key=value counters (bytes each way, faults, cuts)\n"
           "help          this text\n"
           "quit          remove the links and exit\n"
           "Replies: `ok`, `ok key=value ...` (stats), `error <reason>`; one line per command.\n";
}

}  // namespace cassiopeia::line
