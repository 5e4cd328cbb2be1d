// Unit tests of the command line both daemons share (cassiopeia/common/options.hpp, startup.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include <cassiopeia/common/exit_code.hpp>
#include <cassiopeia/common/options.hpp>
#include <cassiopeia/common/startup.hpp>
#include <librecord/errors.hpp>

#include <boost/program_options.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace common = cassiopeia::common;
namespace po = boost::program_options;

namespace {

/** A small daemon: one command-line-only option, two file settings, one command option. */
struct Daemon {
    std::string config_file;
    std::string family;
    std::string line;
    unsigned baud = 0;
    std::string out;
    po::options_description generic = common::generic_options("Usage: d -c FILE", config_file);
    po::options_description config{"Configuration"};
    po::options_description commands{"Command options"};

    Daemon() {
        generic.add_options()("family", po::value(&family), "a family");
        config.add_options()("line", po::value(&line), "a line")(
            "baud", po::value(&baud)->default_value(9600), "a rate");
        commands.add_options()("out", po::value(&out), "a file");
    }

    common::CommandLine parse(std::vector<const char*> args) {
        args.insert(args.begin(), "d");
        return common::parse_command_line(static_cast<int>(args.size()),
                                          args.data(),
                                          {generic, config, &commands, "  go  do it\n", "inspect"});
    }
};

/** A configuration file removed at the end of the test. */
struct ConfigFile {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("cass_common_" + std::to_string(::getpid()) + ".conf");

    explicit ConfigFile(const std::string& text) { std::ofstream(path) << text; }

    ~ConfigFile() { std::filesystem::remove(path); }

    ConfigFile(const ConfigFile&) = delete;
    ConfigFile& operator=(const ConfigFile&) = delete;
};

bool is_config_error(const cassiopeia::Error& e) {
    return e.kind() == cassiopeia::ErrorKind::config;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(help_stops_before_the_file_and_lists_every_group) {
    Daemon d;
    const auto cl = d.parse({"--help", "--family", "x"});
    BOOST_TEST((cl.early == common::Early::help));
    BOOST_TEST(cl.help.rfind("Usage: d -c FILE:\n", 1) == 1U);
    for (const char* part : {"--help",
                             "--version",
                             "--config",
                             "--family",
                             "Configuration",
                             "--baud",
                             "Command options",
                             "--out",
                             "\nCommands:\n  go  do it\n"}) {
        BOOST_TEST(cl.help.find(part) != std::string::npos, part);
    }
}

BOOST_AUTO_TEST_CASE(version_stops_before_the_file) {
    Daemon d;
    BOOST_TEST((d.parse({"--version"}).early == common::Early::version));
}

BOOST_AUTO_TEST_CASE(no_or_an_unreadable_file_is_a_config_error) {
    Daemon d;
    BOOST_CHECK_EXCEPTION(d.parse({"go"}), cassiopeia::Error, is_config_error);
    BOOST_CHECK_EXCEPTION(
        d.parse({"-c", "/nonexistent/cass.conf", "go"}), cassiopeia::Error, is_config_error);
    BOOST_CHECK_EXCEPTION(d.parse({"--bogus"}), cassiopeia::Error, is_config_error);
}

BOOST_AUTO_TEST_CASE(only_the_command_without_config_may_leave_out_the_file) {
    Daemon d;
    const auto cl = d.parse({"inspect", "a.pem", "--out", "x"});
    BOOST_TEST(cl.words.size() == 2U);
    BOOST_TEST(d.out == "x");
    BOOST_CHECK_EXCEPTION(d.parse({"go", "inspect"}), cassiopeia::Error, is_config_error);
    BOOST_CHECK_EXCEPTION(d.parse({"--out", "inspect"}), cassiopeia::Error, is_config_error);
    // Given all the same, the file is read (and must be readable).
    BOOST_CHECK_EXCEPTION(
        d.parse({"inspect", "-c", "/nonexistent/d.conf"}), cassiopeia::Error, is_config_error);
}

BOOST_AUTO_TEST_CASE(reads_the_file_and_the_command_line_wins) {
    const ConfigFile file("line = /dev/ttyS0\nbaud = 115200\n");
    Daemon d;
    const auto cl =
        d.parse({"-c", file.path.c_str(), "--line", "/dev/pts/3", "--out", "o.pem", "go", "now"});
    BOOST_TEST((cl.early == common::Early::none));
    BOOST_TEST(d.config_file == file.path.string());
    BOOST_TEST(d.line == "/dev/pts/3");
    BOOST_TEST(d.baud == 115200U);
    BOOST_TEST(d.out == "o.pem");
    BOOST_TEST(cl.words == (std::vector<std::string>{"go", "now"}),
               boost::test_tools::per_element());
    BOOST_TEST(cl.values.count("out") == 1U);
}

BOOST_AUTO_TEST_CASE(a_command_option_in_the_file_is_refused) {
    const ConfigFile file("out = o.pem\n");
    Daemon d;
    BOOST_CHECK_EXCEPTION(d.parse({"-c", file.path.c_str()}), cassiopeia::Error, is_config_error);
}

BOOST_AUTO_TEST_CASE(require_setting_names_the_setting) {
    BOOST_CHECK_NO_THROW(common::require_setting("x", "line"));
    try {
        common::require_setting("", "line");
        BOOST_FAIL("no throw");
    } catch (const cassiopeia::Error& e) {
        BOOST_TEST(is_config_error(e));
        BOOST_TEST(e.detail() == "missing setting 'line'");
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(startup)

BOOST_AUTO_TEST_CASE(answers_help_and_version_with_status_ok) {
    std::ostringstream help;
    BOOST_TEST(common::answer_early(common::Early::help, "d", "the help\n", help) ==
               cassiopeia::exit_code::ok);
    BOOST_TEST(help.str() == "the help\n");
    std::ostringstream version;
    BOOST_TEST(common::answer_early(common::Early::version, "d", "the help\n", version) ==
               cassiopeia::exit_code::ok);
    BOOST_TEST(version.str() == std::string("d ") + CASSIOPEIA_VERSION + "\n");
}

BOOST_AUTO_TEST_CASE(a_usage_error_points_at_help_with_status_usage) {
    std::ostringstream err;
    const cassiopeia::Error e(cassiopeia::ErrorKind::config, "configuration", "no command given");
    BOOST_TEST(common::usage_error("d", e, err) == cassiopeia::exit_code::usage);
    BOOST_TEST(err.str() == "d: no command given (try --help)\n");
}

BOOST_AUTO_TEST_SUITE_END()
