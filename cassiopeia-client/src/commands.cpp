// The client's one-shot commands.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "commands.hpp"

#include "connection.hpp"
#include "logging.hpp"

#include <librecord/errors.hpp>

#include <charconv>

namespace cassiopeia::client {

namespace lr = librecord;

namespace {

std::string text_of(const lr::Message& m) {
    return {m.payload.begin(), m.payload.end()};
}

/** Runs one request and maps its outcome to an exit status; calls `done` on success. */
template <class Done>
int run_request(const ClientConfig& config,
                const std::vector<Step>& steps,
                size_t replies,
                std::ostream& err,
                Done done) {
    Connection conn(config);
    const auto outcome = conn.request(steps, replies);
    conn.close();
    if (outcome.refusal) {
        err << "error " << outcome.refusal->code << ' ' << outcome.refusal->message << '\n';
        return exit_code::refused;
    }
    if (outcome.link_error) {
        err << "cassiopeia-client: link to the signer failed: " << outcome.link_error.message()
            << '\n';
        return exit_code::link;
    }
    return done(outcome.replies);
}

int cmd_time(const Invocation& inv, std::ostream& out, std::ostream& err) {
    return run_request(
        inv.config,
        {{lr::Command::get_timestamp, {}}},
        1,
        err,
        [&](const std::vector<lr::Message>& replies) {
            const auto local =
                std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
            const auto& m = replies.front();
            const auto text = text_of(m);
            const auto signer = parse_utc(text);
            if (m.command != static_cast<uint16_t>(lr::Reply::timestamp_response) || !signer) {
                err << "cassiopeia-client: unexpected reply to getTimestamp\n";
                return exit_code::link;
            }
            out << text << ' ' << (*signer - local).count() << '\n';
            return exit_code::ok;
        });
}

int cmd_status(const Invocation& inv, std::ostream& out, std::ostream& err) {
    return run_request(inv.config,
                       {{lr::Command::get_status_report, {}}},
                       1,
                       err,
                       [&](const std::vector<lr::Message>& replies) {
                           const auto& m = replies.front();
                           const auto text = text_of(m);
                           if (m.command != static_cast<uint16_t>(lr::Reply::status_report) ||
                               text.empty() || text.front() != '{' || text.back() != '}') {
                               err << "cassiopeia-client: unexpected reply to getStatusReport\n";
                               return exit_code::link;
                           }
                           out << text << '\n';
                           return exit_code::ok;
                       });
}

bool digits(std::string_view s, int& v) {
    const auto* const end = s.data() + s.size();  // NOLINT
    const auto [p, ec] = std::from_chars(s.data(), end, v);
    return ec == std::errc{} && p == end;
}

}  // namespace

std::optional<std::chrono::sys_seconds> parse_utc(std::string_view t) {
    // YYYY-MM-DDTHH:MM:SSZ, 20 characters.
    if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
        t[16] != ':' || t[19] != 'Z') {
        return std::nullopt;
    }
    int y = 0;
    int mo = 0;
    int d = 0;
    int h = 0;
    int mi = 0;
    int s = 0;
    if (!digits(t.substr(0, 4), y) || !digits(t.substr(5, 2), mo) || !digits(t.substr(8, 2), d) ||
        !digits(t.substr(11, 2), h) || !digits(t.substr(14, 2), mi) ||
        !digits(t.substr(17, 2), s)) {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year{y},
                                          std::chrono::month{static_cast<unsigned>(mo)},
                                          std::chrono::day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 59) {
        return std::nullopt;
    }
    return std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
           std::chrono::seconds{s};
}

int run_command(const Invocation& inv, std::ostream& out, std::ostream& err) {
    if (inv.command == "time" && inv.args.empty()) {
        return cmd_time(inv, out, err);
    }
    if (inv.command == "status" && inv.args.empty()) {
        return cmd_status(inv, out, err);
    }
    err << "cassiopeia-client: unknown command or arguments: " << inv.command << " (try --help)\n";
    return exit_code::usage;
}

}  // namespace cassiopeia::client
