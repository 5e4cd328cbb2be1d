// The line emulator's pacing arithmetic, seeded fault injection and control commands.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <line_model.hpp>
#include <string>
#include <variant>
#include <vector>

namespace {

namespace cl = cassiopeia::line;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr cl::Clock::time_point t0{seconds{1000}};

// Sends `total` bytes through a pacer as fast as it allows; returns the time the last went out.
cl::Clock::time_point send_all(cl::Pacer& p, size_t total) {
    auto now = t0;
    while (total > 0) {
        const size_t n = std::min(total, p.allowance(now));
        if (n == 0) {
            now = p.ready_at();
            continue;
        }
        p.sent(n, now);
        total -= n;
    }
    return now;
}

std::vector<cl::ByteFate> run(uint64_t seed, const cl::FaultRates& rates, size_t n) {
    cl::Injector inj{seed};
    inj.set_rates(rates);
    std::vector<cl::ByteFate> out;
    for (size_t i = 0; i < n; ++i) {
        out.push_back(inj.pass(static_cast<uint8_t>(i)));
    }
    return out;
}

bool same(const std::vector<cl::ByteFate>& a, const std::vector<cl::ByteFate>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
        return x.byte == y.byte && x.copies == y.copies && x.delay_ms == y.delay_ms;
    });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pacer)

BOOST_AUTO_TEST_CASE(baud_over_ten_bytes_per_second) {
    cl::Pacer p{115200};
    BOOST_TEST(p.wire_time(11520).count() ==
               std::chrono::duration_cast<cl::Clock::duration>(seconds{1}).count());
    // 1 s of bytes at 11520 bytes/s: the last write goes out just before 1 s has passed.
    const auto last = send_all(p, 11520);
    // Each write's wire time is rounded down to a nanosecond: 1048 writes lose at most 1048 ns.
    const auto busy = p.ready_at() - t0;
    BOOST_TEST((busy <= seconds{1}));
    BOOST_TEST((busy > seconds{1} - std::chrono::microseconds{2}));
    BOOST_TEST((last - t0 < seconds{1}));
    BOOST_TEST((last - t0 > milliseconds{998}));
}

BOOST_AUTO_TEST_CASE(busy_line_allows_nothing_idle_time_is_not_banked) {
    cl::Pacer p{9600};
    BOOST_TEST(p.allowance(t0) == 1U);  // less than a byte a millisecond: one at a time
    p.sent(96, t0);
    BOOST_TEST(p.allowance(t0 + milliseconds{99}) == 0U);
    BOOST_TEST(p.allowance(t0 + milliseconds{100}) == 1U);
    cl::Pacer fast{1000000};
    BOOST_TEST(fast.allowance(t0) == 100U);  // 1 ms of 100000 bytes/s
    // After an idle minute the line is not owed a minute of bytes.
    p.sent(1, t0 + seconds{60});
    BOOST_TEST(p.allowance(t0 + seconds{60}) == 0U);
}

BOOST_AUTO_TEST_CASE(unthrottled_and_switching) {
    cl::Pacer p{0};
    BOOST_TEST(p.allowance(t0) > 1000U);
    p.sent(1000000, t0);
    BOOST_TEST(p.allowance(t0) > 1000U);
    p.set_baud(300, t0);
    p.sent(3, t0);  // 30 bytes/s: 100 ms
    BOOST_TEST(p.allowance(t0 + milliseconds{99}) == 0U);
    BOOST_TEST(p.allowance(t0 + milliseconds{100}) == 1U);
    p.set_baud(0, t0);
    BOOST_TEST(p.allowance(t0) > 1000U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(injector)

BOOST_AUTO_TEST_CASE(clean_line_changes_nothing) {
    const auto fates = run(7, {}, 10000);
    for (size_t i = 0; i < fates.size(); ++i) {
        BOOST_TEST(fates[i].byte == static_cast<uint8_t>(i));
        BOOST_TEST(fates[i].copies == 1U);
        BOOST_TEST(fates[i].delay_ms == 0U);
    }
}

BOOST_AUTO_TEST_CASE(same_seed_same_faults_other_seed_other_faults) {
    const cl::FaultRates rates{1e-3, 0.01, 0.01, 0.01, 20};
    const auto a = run(42, rates, 100000);
    BOOST_TEST(same(a, run(42, rates, 100000)));
    BOOST_TEST(!same(a, run(43, rates, 100000)));
}

BOOST_AUTO_TEST_CASE(rates_come_out_near_what_was_asked) {
    cl::Injector inj{1};
    inj.set_rates({1e-3, 0.02, 0.03, 0.04, 5});
    size_t flipped_bits = 0;
    const size_t n = 200000;
    for (size_t i = 0; i < n; ++i) {
        const auto f = inj.pass(0);
        flipped_bits += static_cast<size_t>(__builtin_popcount(f.byte));
    }
    const auto& c = inj.counters();
    BOOST_TEST(c.bit_errors == flipped_bits);
    // 1.6e6 bits at 1e-3: 1600 expected; drops, duplicates, delays 2 %, 3 %, 4 % of bytes.
    BOOST_TEST(c.bit_errors > 1400U);
    BOOST_TEST(c.bit_errors < 1800U);
    BOOST_TEST(c.dropped > 3600U);
    BOOST_TEST(c.dropped < 4400U);
    BOOST_TEST(c.duplicated > 5300U);
    BOOST_TEST(c.duplicated < 6400U);
    BOOST_TEST(c.delayed > 7100U);
    BOOST_TEST(c.delayed < 8600U);
}

BOOST_AUTO_TEST_CASE(ber_one_half_flips_about_half) {
    cl::Injector inj{3};
    inj.set_rates({0.5, 0, 0, 0, 0});
    for (int i = 0; i < 1000; ++i) {
        (void)inj.pass(0);
    }
    BOOST_TEST(inj.counters().bit_errors > 3600U);
    BOOST_TEST(inj.counters().bit_errors < 4400U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(commands)

BOOST_AUTO_TEST_CASE(good_commands) {
    const auto ber = std::get<cl::Command>(cl::parse_command("ber 1e-5"));
    BOOST_TEST((ber.verb == cl::Verb::ber));
    BOOST_TEST(ber.value == 1e-5);
    const auto baud = std::get<cl::Command>(cl::parse_command("  baud\t115200 \r"));
    BOOST_TEST((baud.verb == cl::Verb::baud));
    BOOST_TEST(baud.value == 115200.0);
    const auto delay = std::get<cl::Command>(cl::parse_command("delay 0.01 250"));
    BOOST_TEST((delay.verb == cl::Verb::delay));
    BOOST_TEST(delay.ms == 250U);
    BOOST_TEST((std::get<cl::Command>(cl::parse_command("stall 45")).verb == cl::Verb::stall));
    BOOST_TEST((std::get<cl::Command>(cl::parse_command("cut 0.5")).verb == cl::Verb::cut));
    BOOST_TEST((std::get<cl::Command>(cl::parse_command("dup 1")).verb == cl::Verb::duplicate));
    BOOST_TEST((std::get<cl::Command>(cl::parse_command("stats")).verb == cl::Verb::stats));
    BOOST_TEST((std::get<cl::Command>(cl::parse_command("quit")).verb == cl::Verb::quit));
    const auto noise = std::get<cl::Command>(cl::parse_command("noise 20 50"));
    BOOST_TEST((noise.verb == cl::Verb::noise));
    BOOST_TEST(noise.value == 20.0);
    BOOST_TEST(noise.ms == 50U);
    BOOST_TEST(std::get<cl::Command>(cl::parse_command("noise 500 0")).ms == 0U);
}

BOOST_AUTO_TEST_CASE(noise_is_seeded_random_bytes_and_counted) {
    cl::Injector a{42};
    cl::Injector b{42};
    const auto x = a.noise(500);
    BOOST_TEST(x.size() == 500U);
    BOOST_TEST(x == b.noise(500), boost::test_tools::per_element());
    BOOST_TEST(a.counters().injected == 500U);
    // Not one repeated byte: at least a hundred distinct values among 500 random bytes.
    std::vector<bool> seen(256);
    for (const uint8_t v : x) {
        seen.at(v) = true;
    }
    BOOST_TEST(std::count(seen.begin(), seen.end(), true) > 100);
}

BOOST_AUTO_TEST_CASE(bad_commands_are_refused) {
    const std::vector<std::string> bad{
        "",
        "   ",
        "bogus",
        "BER 1e-5",
        "ber",
        "ber 1e-5 2",
        "ber x",
        "ber 1e-5x",
        "ber -1e-5",
        "ber 0.6",
        "ber nan",
        "ber inf",
        "drop 1.5",
        "baud 9600.5",
        "baud -1",
        "baud 1e9",
        "delay 0.1",
        "delay 0.1 -5",
        "delay 0.1 1.5",
        "delay 0.1 999999",
        "stall 1e10",
        "cut",
        "stats now",
        "quit 1",
        "stall 0x10",
        "noise 20",
        "noise 1.5 0",
        "noise 70000 0",
        "noise 20 5",
        "noise 20 -50",
        std::string(300, 'a'),
    };
    for (const auto& line : bad) {
        BOOST_TEST_INFO("line: '" << line << "'");
        BOOST_TEST(std::holds_alternative<std::string>(cl::parse_command(line)));
    }
}

BOOST_AUTO_TEST_SUITE_END()
