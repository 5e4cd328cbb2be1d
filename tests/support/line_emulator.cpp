// cass-line-emulator: a serial cable between two ptys that misbehaves on command. It relays
// pty A <-> pty B, paces each direction at a baud rate, injects bit errors, drops, duplicates
// and delays bytes, stalls, and cuts the line (both ptys closed, links gone, new ptys under the
// same links later, as a replugged USB adapter). Driven over a unix control socket, one
// command a line (line_model.hpp, command_help()). A test tool: scripts/testbed starts it with
// CASS_LINE=emulator.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "line_model.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/program_options.hpp>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <grp.h>
#include <iostream>
#include <memory>
#include <optional>
#include <pwd.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <termios.h>
#include <unistd.h>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace po = boost::program_options;
namespace cl = cassiopeia::line;
using cl::Clock;

constexpr size_t max_queue = 4096;  // bytes waiting in one direction before reading pauses
constexpr auto read_retry = std::chrono::milliseconds{50};

[[noreturn]] void sys_fail(const std::string& what) {
    throw std::system_error{errno, std::generic_category(), what};
}

struct Owner {
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
};

// A pty whose slave side is published under `link`. The emulator keeps the slave open too, so
// the slave's raw settings stay and the master never reads EIO while no daemon has it open.
struct Pty {
    int master = -1;
    int slave = -1;
    std::string link;
};

void set_raw(int fd) {
    termios t{};
    if (::tcgetattr(fd, &t) != 0) {
        sys_fail("tcgetattr");
    }
    ::cfmakeraw(&t);
    if (::tcsetattr(fd, TCSANOW, &t) != 0) {
        sys_fail("tcsetattr");
    }
}

Pty make_pty(const std::string& link, const std::optional<Owner>& owner) {
    Pty p{::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), -1, link};
    if (p.master < 0 || ::grantpt(p.master) != 0 || ::unlockpt(p.master) != 0) {
        sys_fail("posix_openpt");
    }
    std::array<char, 128> name{};
    if (::ptsname_r(p.master, name.data(), name.size()) != 0) {
        sys_fail("ptsname_r");
    }
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): open(2)
    p.slave = ::open(name.data(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (p.slave < 0) {
        sys_fail(std::string{"open "} + name.data());
    }
    set_raw(p.slave);
    if (owner && ::chown(name.data(), owner->uid, owner->gid) != 0) {
        sys_fail(std::string{"chown "} + name.data());
    }
    if (::chmod(name.data(), 0660) != 0) {
        sys_fail(std::string{"chmod "} + name.data());
    }
    const std::string tmp = link + ".new";
    ::unlink(tmp.c_str());
    if (::symlink(name.data(), tmp.c_str()) != 0 || ::rename(tmp.c_str(), link.c_str()) != 0) {
        sys_fail("symlink " + link);
    }
    return p;
}

struct DirState {
    cl::Pacer pacer;
    cl::Injector injector;
    uint64_t in = 0;
    uint64_t out = 0;
};

// What outlives a cut: rates, pacing, counters.
struct State {
    std::array<DirState, 2> dir;  // [0] A to B, [1] B to A
    Clock::time_point stalled_until{};
    uint64_t cuts = 0;
};

// One direction of one plugged-in line.
class Flow final : public std::enable_shared_from_this<Flow> {
public:
    Flow(asio::io_context& io,
         DirState& dir,
         const State& state,
         asio::posix::stream_descriptor& from,
         asio::posix::stream_descriptor& to)
        : m_dir{dir}, m_state{state}, m_from{from}, m_to{to}, m_timer{io}, m_read_timer{io} {}

    void close() {
        m_closed = true;
        m_timer.cancel();
        m_read_timer.cancel();
    }

    [[nodiscard]] size_t queued() const { return m_queue.size(); }

    // Line noise: the bytes go out behind what is queued, as if the wire made them up.
    void inject(const std::vector<uint8_t>& bytes) {
        const auto due = std::max(m_last_due, Clock::now());
        for (const uint8_t b : bytes) {
            m_queue.push_back({b, due});
        }
        pump();
    }

    void read() {
        if (m_closed || m_reading || m_queue.size() >= max_queue) {
            return;
        }
        m_reading = true;
        m_from.async_read_some(
            asio::buffer(m_rbuf), [self = shared_from_this()](auto ec, size_t n) {
                self->m_reading = false;
                if (self->m_closed) {
                    return;
                }
                if (ec) {  // not expected while the slave is held open; try again shortly
                    self->m_read_timer.expires_after(read_retry);
                    self->m_read_timer.async_wait([self](auto e) {
                        if (!e && !self->m_closed) {
                            self->read();
                        }
                    });
                    return;
                }
                self->accept(n);
                self->pump();
                self->read();
            });
    }

    void pump() {
        if (m_closed || m_writing) {
            return;
        }
        const auto now = Clock::now();
        if (now < m_state.stalled_until) {
            arm(m_state.stalled_until);
            return;
        }
        const size_t allowed = m_dir.pacer.allowance(now);
        size_t n = 0;
        while (n < m_queue.size() && n < allowed && m_queue[n].due <= now) {
            ++n;
        }
        if (n == 0) {
            if (!m_queue.empty()) {
                arm(std::max(m_queue.front().due, m_dir.pacer.ready_at()));
            }
            return;
        }
        m_wbuf.clear();
        for (size_t i = 0; i < n; ++i) {
            m_wbuf.push_back(m_queue.front().byte);
            m_queue.pop_front();
        }
        m_dir.pacer.sent(n, now);
        m_writing = true;
        asio::async_write(
            m_to, asio::buffer(m_wbuf), [self = shared_from_this()](auto ec, size_t k) {
                self->m_writing = false;
                if (self->m_closed) {
                    return;
                }
                self->m_dir.out += ec ? 0 : k;
                self->pump();
                self->read();
            });
    }

private:
    struct Item {
        uint8_t byte;
        Clock::time_point due;
    };

    void accept(size_t n) {
        const auto now = Clock::now();
        m_dir.in += n;
        for (size_t i = 0; i < n; ++i) {
            const cl::ByteFate fate = m_dir.injector.pass(m_rbuf.at(i));
            const auto due = std::max(m_last_due, now + std::chrono::milliseconds{fate.delay_ms});
            for (unsigned c = 0; c < fate.copies; ++c) {
                m_queue.push_back({fate.byte, due});
            }
            m_last_due = due;
        }
    }

    void arm(Clock::time_point when) {
        m_timer.expires_at(when);
        m_timer.async_wait([self = shared_from_this()](auto ec) {
            if (!ec && !self->m_closed) {
                self->pump();
            }
        });
    }

    DirState& m_dir;
    const State& m_state;
    asio::posix::stream_descriptor& m_from;
    asio::posix::stream_descriptor& m_to;
    asio::steady_timer m_timer;
    asio::steady_timer m_read_timer;
    std::deque<Item> m_queue;
    Clock::time_point m_last_due{};
    std::array<uint8_t, 1024> m_rbuf{};
    std::vector<uint8_t> m_wbuf;
    bool m_reading = false;
    bool m_writing = false;
    bool m_closed = false;
};

// Both ptys of one plugged-in line and its two flows.
class Line final {
public:
    Line(asio::io_context& io, State& state, Pty a, Pty b)
        : m_a{std::move(a)},
          m_b{std::move(b)},
          m_fa{io, m_a.master},
          m_fb{io, m_b.master},
          m_flows{std::make_shared<Flow>(io, state.dir[0], state, m_fa, m_fb),
                  std::make_shared<Flow>(io, state.dir[1], state, m_fb, m_fa)} {
        for (const auto& f : m_flows) {
            f->read();
        }
    }

    Line(const Line&) = delete;
    Line& operator=(const Line&) = delete;
    Line(Line&&) = delete;
    Line& operator=(Line&&) = delete;

    ~Line() {
        try {
            for (const auto& f : m_flows) {
                f->close();
            }
        } catch (const std::exception&) {  // a timer that cannot cancel: the ptys close anyway
        }
        boost::system::error_code ignored;
        m_fa.close(ignored);  // the masters: both ends see a hang-up
        m_fb.close(ignored);
        for (const Pty* p : {&m_a, &m_b}) {
            ::close(p->slave);
            ::unlink(p->link.c_str());
        }
    }

    void kick() {
        for (const auto& f : m_flows) {
            f->pump();
        }
    }

    [[nodiscard]] size_t queued(size_t i) const { return m_flows.at(i)->queued(); }

    void inject(size_t i, const std::vector<uint8_t>& bytes) { m_flows.at(i)->inject(bytes); }

private:
    Pty m_a;
    Pty m_b;
    asio::posix::stream_descriptor m_fa;
    asio::posix::stream_descriptor m_fb;
    std::array<std::shared_ptr<Flow>, 2> m_flows;
};

struct Options {
    std::string link_a;
    std::string link_b;
    std::string control;
    std::optional<Owner> owner_a;
    uint32_t baud = 0;
    cl::FaultRates rates;
    uint64_t seed = 1;
};

class Emulator final {
public:
    Emulator(asio::io_context& io, Options opt)
        : m_io{io},
          m_opt{std::move(opt)},
          m_state{
              {DirState{cl::Pacer{m_opt.baud}, cl::Injector{m_opt.seed}},
               DirState{cl::Pacer{m_opt.baud}, cl::Injector{m_opt.seed ^ 0x9e3779b97f4a7c15ULL}}}},
          m_replug{io},
          m_noise{io} {
        for (auto& d : m_state.dir) {
            d.injector.set_rates(m_opt.rates);
        }
        plug();
    }

    void shutdown() {
        m_replug.cancel();
        m_noise.cancel();
        m_line.reset();
    }

    // One control line in, one reply line out (without newline).
    std::string handle(std::string_view text);

private:
    void plug() {
        m_line = std::make_unique<Line>(m_io,
                                        m_state,
                                        make_pty(m_opt.link_a, m_opt.owner_a),
                                        make_pty(m_opt.link_b, std::nullopt));
    }

    void cut(double seconds);
    void noise(size_t bytes, uint32_t every_ms);

    void set_rates(const cl::FaultRates& rates) {
        m_opt.rates = rates;
        for (auto& d : m_state.dir) {
            d.injector.set_rates(rates);
        }
    }

    [[nodiscard]] std::string stats() const;

    asio::io_context& m_io;
    Options m_opt;
    State m_state;
    asio::steady_timer m_replug;
    asio::steady_timer m_noise;
    std::unique_ptr<Line> m_line;
};

std::chrono::nanoseconds seconds_ns(double s) {
    return std::chrono::nanoseconds{static_cast<int64_t>(s * 1e9)};
}

void Emulator::cut(double seconds) {
    m_line.reset();
    ++m_state.cuts;
    m_replug.expires_after(seconds_ns(seconds));
    m_replug.async_wait([this](auto ec) {
        if (!ec) {
            plug();
        }
    });
}

void Emulator::noise(size_t bytes, uint32_t every_ms) {
    m_noise.cancel();
    if (bytes == 0) {
        return;
    }
    if (m_line) {  // a cut line carries no noise
        for (size_t i = 0; i < m_state.dir.size(); ++i) {
            m_line->inject(i, m_state.dir.at(i).injector.noise(bytes));
        }
    }
    if (every_ms == 0) {
        return;
    }
    m_noise.expires_after(std::chrono::milliseconds{every_ms});
    m_noise.async_wait([this, bytes, every_ms](auto ec) {
        if (!ec) {
            noise(bytes, every_ms);
        }
    });
}

std::string Emulator::stats() const {
    const auto& ab = m_state.dir[0];
    const auto& ba = m_state.dir[1];
    const auto sum = [&](uint64_t cl::FaultCounters::*f) {
        return ab.injector.counters().*f + ba.injector.counters().*f;
    };
    std::ostringstream s;
    s << "ok a_to_b_in=" << ab.in << " a_to_b_out=" << ab.out << " b_to_a_in=" << ba.in
      << " b_to_a_out=" << ba.out << " queued_a_to_b=" << (m_line ? m_line->queued(0) : 0)
      << " queued_b_to_a=" << (m_line ? m_line->queued(1) : 0)
      << " bit_errors=" << sum(&cl::FaultCounters::bit_errors)
      << " dropped=" << sum(&cl::FaultCounters::dropped)
      << " duplicated=" << sum(&cl::FaultCounters::duplicated)
      << " delayed=" << sum(&cl::FaultCounters::delayed)
      << " injected=" << sum(&cl::FaultCounters::injected) << " cuts=" << m_state.cuts
      << " plugged=" << (m_line ? 1 : 0) << " baud=" << ab.pacer.baud();
    return s.str();
}

std::string Emulator::handle(std::string_view text) {
    const auto parsed = cl::parse_command(text);
    if (const auto* why = std::get_if<std::string>(&parsed)) {
        return "error " + *why;
    }
    const auto& cmd = std::get<cl::Command>(parsed);
    cl::FaultRates rates = m_opt.rates;
    switch (cmd.verb) {
        case cl::Verb::baud:
            for (auto& d : m_state.dir) {
                d.pacer.set_baud(static_cast<uint32_t>(cmd.value), Clock::now());
            }
            break;
        case cl::Verb::ber:
            rates.ber = cmd.value;
            break;
        case cl::Verb::drop:
            rates.drop = cmd.value;
            break;
        case cl::Verb::duplicate:
            rates.duplicate = cmd.value;
            break;
        case cl::Verb::delay:
            rates.delay = cmd.value;
            rates.delay_ms = cmd.ms;
            break;
        case cl::Verb::stall:
            m_state.stalled_until = Clock::now() + seconds_ns(cmd.value);
            break;
        case cl::Verb::cut:
            cut(cmd.value);
            return "ok";
        case cl::Verb::noise:
            noise(static_cast<size_t>(cmd.value), cmd.ms);
            return "ok";
        case cl::Verb::stats:
            return stats();
        case cl::Verb::help:
            return "ok see --help";
        case cl::Verb::quit:
            shutdown();
            m_io.stop();
            return "ok";
    }
    set_rates(rates);
    if (m_line) {
        m_line->kick();
    }
    return "ok";
}

// One client of the control socket: reads lines, answers each, closes at its EOF.
class Control final : public std::enable_shared_from_this<Control> {
public:
    Control(asio::local::stream_protocol::socket socket, Emulator& emu)
        : m_socket{std::move(socket)}, m_emu{emu} {}

    void next() {
        asio::async_read_until(
            m_socket, m_in, '\n', [self = shared_from_this()](auto ec, size_t n) {
                if (ec) {
                    return;
                }
                std::string line(n - 1, '\0');
                self->m_in.sgetn(line.data(), static_cast<std::streamsize>(n - 1));
                self->m_in.consume(1);
                self->m_out = self->m_emu.handle(line) + "\n";
                asio::async_write(
                    self->m_socket, asio::buffer(self->m_out), [self](auto e, size_t) {
                        if (!e) {
                            self->next();
                        }
                    });
            });
    }

private:
    asio::local::stream_protocol::socket m_socket;
    Emulator& m_emu;
    asio::streambuf m_in{cl::command_limits::max_line + 1};
    std::string m_out;
};

void accept_control(asio::local::stream_protocol::acceptor& acceptor, Emulator& emu) {
    acceptor.async_accept([&acceptor, &emu](auto ec, asio::local::stream_protocol::socket s) {
        if (ec) {
            return;
        }
        std::make_shared<Control>(std::move(s), emu)->next();
        accept_control(acceptor, emu);
    });
}

Owner lookup_owner(const std::string& user) {
    const passwd* pw = ::getpwnam(user.c_str());  // NOLINT(concurrency-mt-unsafe): start-up
    if (pw == nullptr) {
        throw std::runtime_error{"no such user: " + user};
    }
    return Owner{pw->pw_uid, pw->pw_gid};
}

std::optional<Options> parse_options(int argc, char** argv) {
    Options o;
    std::string owner;
    po::options_description desc{
        "Usage: cass-line-emulator --link-a PATH --link-b PATH --control PATH [options]\n"
        "A serial cable between two ptys whose slave sides appear under the two links.\n"
        "Options"};
    desc.add_options()("help,h", "this text and the control commands")(
        "link-a", po::value(&o.link_a)->required(), "symlink to pty A (the signer's side)")(
        "link-b", po::value(&o.link_b)->required(), "symlink to pty B (the client's side)")(
        "control", po::value(&o.control)->required(), "unix control socket to create")(
        "owner-a", po::value(&owner), "user that owns pty A (again after each cut)")(
        "baud", po::value(&o.baud), "initial baud rate, 0 = unthrottled (default)")(
        "ber", po::value(&o.rates.ber), "initial bit error rate")(
        "drop", po::value(&o.rates.drop), "initial drop probability per byte")(
        "dup", po::value(&o.rates.duplicate), "initial duplicate probability per byte")(
        "seed", po::value(&o.seed), "seed of the fault injection (default 1)");
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help") != 0) {
        std::cout << desc << "\nControl commands (one a line on the control socket):\n"
                  << cl::command_help();
        return std::nullopt;
    }
    po::notify(vm);
    if (!owner.empty()) {
        o.owner_a = lookup_owner(owner);
    }
    return o;
}

int run(const Options& opt) {
    asio::io_context io;
    ::unlink(opt.control.c_str());
    asio::local::stream_protocol::acceptor acceptor{
        io, asio::local::stream_protocol::endpoint{opt.control}};
    Emulator emu{io, opt};
    accept_control(acceptor, emu);
    asio::signal_set signals{io, SIGINT, SIGTERM};
    signals.async_wait([&](auto, int) {
        emu.shutdown();
        io.stop();
    });
    io.run();
    emu.shutdown();
    ::unlink(opt.control.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const auto opt = parse_options(argc, argv);
        return opt ? run(*opt) : 0;
    } catch (const std::exception& e) {
        std::cerr << "cass-line-emulator: " << e.what() << '\n';
        return 1;
    }
}
