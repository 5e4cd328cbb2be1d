// cassiopeia-record: decode record lines to JSON, or encode a payload as record lines (§4).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include <cassiopeia/common/exit_code.hpp>
#include <librecord/errors.hpp>
#include <librecord/json.hpp>
#include <librecord/record.hpp>

#include <boost/program_options.hpp>

#include <cstdint>
#include <exception>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace po = boost::program_options;

namespace {

namespace exit_code = cassiopeia::exit_code;

constexpr std::string_view usage_text =
    "usage: cassiopeia-record decode            < lines   (one JSON object per record)\n"
    "       cassiopeia-record encode --command N --session N --counter N\n"
    "                                [--payload TEXT | --payload-hex HEX]\n"
    "Numbers are decimal or 0x hex. Run `cassiopeia-record <command> --help` for details.\n";

/** Decimal or 0x-prefixed hex, no sign, no trailing characters, at most `max`. */
std::optional<uint64_t> parse_number(std::string_view s, uint64_t max) {
    unsigned base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
    }
    if (s.empty()) {
        return std::nullopt;
    }
    uint64_t v = 0;
    for (const char c : s) {
        unsigned d = 0;
        if (c >= '0' && c <= '9') {
            d = static_cast<unsigned>(c - '0');
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            d = static_cast<unsigned>(c - 'a' + 10);
        } else if (base == 16 && c >= 'A' && c <= 'F') {
            d = static_cast<unsigned>(c - 'A' + 10);
        } else {
            return std::nullopt;
        }
        if (v > (max - d) / base) {
            return std::nullopt;
        }
        v = v * base + d;
    }
    return v;
}

/** The tool cannot know the direction: a command name first, else a reply-only name. */
std::string_view code_name(uint16_t code) {
    if (const auto c = librecord::to_command(code)) {
        return librecord::command_name(*c);
    }
    if (const auto r = librecord::to_reply(code)) {
        return librecord::reply_name(*r);
    }
    return {};
}

/**
 * An option taking one text argument. untyped_value stores the token as a std::string and
 * avoids typed_value<std::string>::notify, which trips GCC 12's -Wnull-dereference.
 */
po::value_semantic* text_arg() {
    return new po::untyped_value(false);  // owned by the options_description from here on
}

bool is_blank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

int run_decode(const std::vector<std::string>& args) {
    po::options_description opts("cassiopeia-record decode: reads record lines on stdin");
    opts.add_options()("help,h", "this help");
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
    if (vm.count("help") != 0) {
        std::cout << opts
                  << "Prints one JSON object per record; a bad line is reported on "
                     "stderr as `line N: <fault>` and makes the exit status 1.\n";
        return exit_code::ok;
    }
    bool any_bad = false;
    std::string line;
    uint64_t number = 0;
    while (std::getline(std::cin, line)) {
        ++number;
        if (is_blank(line)) {
            continue;
        }
        const auto rec = librecord::decode_record(line);
        if (!rec) {
            std::cerr << "line " << number << ": " << rec.error().message() << '\n';
            any_bad = true;
            continue;
        }
        std::cout << "{\"command\":" << rec->command
                  << ",\"name\":" << librecord::json_string(code_name(rec->command))
                  << ",\"flags\":" << unsigned{rec->flags} << ",\"session\":" << rec->session
                  << ",\"counter\":" << rec->counter << ",\"total_length\":" << rec->total_length
                  << ",\"offset\":" << rec->offset << ",\"length\":" << rec->payload.size()
                  << ",\"payload_hex\":\"" << librecord::to_hex(rec->payload) << "\"}\n";
    }
    std::cout.flush();
    return any_bad ? exit_code::failure : exit_code::ok;
}

int usage_error(std::string_view msg) {
    std::cerr << "cassiopeia-record: " << msg << '\n' << usage_text;
    return exit_code::usage;
}

int run_encode(const std::vector<std::string>& args) {
    po::options_description opts("cassiopeia-record encode: prints a payload as record lines");
    opts.add_options()("help,h", "this help")("command", text_arg(), "command or reply code (u16)")(
        "session", text_arg(), "session id (u32)")("counter", text_arg(), "counter (u16)")(
        "payload", text_arg(), "payload as text (bytes taken verbatim)")(
        "payload-hex", text_arg(), "payload as hex");
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
    if (vm.count("help") != 0) {
        std::cout << opts
                  << "Numbers are decimal or 0x hex. Payloads above 0xF000 bytes are "
                     "split into chunks as docs/protocol.md §4 requires.\n";
        return exit_code::ok;
    }
    for (const char* required : {"command", "session", "counter"}) {
        if (vm.count(required) == 0) {
            return usage_error(std::string("missing --") + required);
        }
    }
    const auto command = parse_number(vm["command"].as<std::string>(), 0xFFFF);
    const auto session =
        parse_number(vm["session"].as<std::string>(), std::numeric_limits<uint32_t>::max());
    const auto counter = parse_number(vm["counter"].as<std::string>(), 0xFFFF);
    if (!command) {
        return usage_error("--command: not a number in 0..0xFFFF");
    }
    if (!session) {
        return usage_error("--session: not a number in 0..0xFFFFFFFF");
    }
    if (!counter) {
        return usage_error("--counter: not a number in 0..0xFFFF");
    }
    if (vm.count("payload") != 0 && vm.count("payload-hex") != 0) {
        return usage_error("give --payload or --payload-hex, not both");
    }
    librecord::Message m;
    m.command = static_cast<uint16_t>(*command);
    m.session = static_cast<uint32_t>(*session);
    m.counter = static_cast<uint16_t>(*counter);
    if (vm.count("payload") != 0) {
        const auto& text = vm["payload"].as<std::string>();
        m.payload.assign(text.begin(), text.end());
    } else if (vm.count("payload-hex") != 0) {
        auto bytes = librecord::from_hex(vm["payload-hex"].as<std::string>());
        if (!bytes) {
            return usage_error("--payload-hex: " + bytes.error().message());
        }
        m.payload = std::move(bytes).value();
    }
    std::string out;
    encode_message(m, out);
    std::cout << out;
    std::cout.flush();
    return exit_code::ok;
}

}  // namespace

int main(int argc, char** argv) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic): argv is argc long
    const std::vector<std::string> all(argv + 1, argv + argc);
    if (all.empty()) {
        return usage_error("missing command");
    }
    const std::string& cmd = all.front();
    const std::vector<std::string> rest(all.begin() + 1, all.end());
    try {
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            std::cout << usage_text;
            return exit_code::ok;
        }
        if (cmd == "decode") {
            return run_decode(rest);
        }
        if (cmd == "encode") {
            return run_encode(rest);
        }
        return usage_error("unknown command `" + cmd + "`");
    } catch (const po::error& e) {
        return usage_error(e.what());
    } catch (const cassiopeia::Error& e) {
        // encode_message refuses payloads that do not fit the record format.
        return usage_error(e.what());
    } catch (const std::exception& e) {
        std::cerr << "cassiopeia-record: " << e.what() << '\n';
        return exit_code::failure;
    }
}
