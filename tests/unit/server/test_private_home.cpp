// Tests of the certifier's private in-memory GnuPG home (docs/openpgp.md, "The GnuPG home").
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "gpg/gpgme_guard.hpp"
#include "gpg/private_home.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

namespace fs = std::filesystem;
using namespace cassiopeia::server::gpg;  // NOLINT(google-build-using-namespace): test file

namespace {

// wipe_home asks gpgconf, through GPGME, where the home's agent socket is.
const cassiopeia::server::GpgmeGuard& gpgme_guard() {
    static const cassiopeia::server::GpgmeGuard guard;
    return guard;
}

// A folder below `parent`, removed at the end.
class Scratch final {
public:
    explicit Scratch(const std::string& parent) {
        (void)gpgme_guard();
        std::string tmpl = parent + "/cass-home-XXXXXX";
        BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        m_path = tmpl;
    }

    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    Scratch(Scratch&&) = delete;
    Scratch& operator=(Scratch&&) = delete;

    ~Scratch() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }

    [[nodiscard]] const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

bool is_empty_folder(const fs::path& p) {
    return fs::is_directory(p) && fs::directory_iterator(p) == fs::directory_iterator();
}

cassiopeia::ErrorKind kind_of_create_failure(const fs::path& base) {
    try {
        (void)PrivateHome::create(base);
    } catch (const cassiopeia::Error& e) {
        return e.kind();
    }
    BOOST_FAIL("PrivateHome::create accepted " << base);
    return cassiopeia::ErrorKind::internal;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(PrivateHomeTests)

BOOST_AUTO_TEST_CASE(makes_a_private_folder_on_tmpfs_and_wipes_it) {
    const Scratch base{"/dev/shm"};
    fs::path made;
    {
        const auto home = PrivateHome::create(base.path());
        made = home.path();
        BOOST_TEST(made.parent_path() == base.path());
        BOOST_TEST(made.filename().string().rfind("cassiopeia-gnupg-", 0) == 0U);
        BOOST_TEST(((fs::status(made).permissions() & fs::perms::all) == fs::perms::owner_all));
        BOOST_TEST(on_memory_filesystem(made));
        fs::create_directory(made / "private-keys-v1.d");
        std::ofstream(made / "private-keys-v1.d/k.key") << "secret";
    }
    BOOST_TEST(!fs::exists(made));
    BOOST_TEST(is_empty_folder(base.path()));
}

BOOST_AUTO_TEST_CASE(wipe_overwrites_files_in_place_before_removing_them) {
    const Scratch base{"/dev/shm"};
    const fs::path home = base.path() / "h";
    fs::create_directories(home / "private-keys-v1.d");
    const std::string secret = "(11:private-key(3:ecc(5:curve7:Ed25519)))";
    std::ofstream(home / "private-keys-v1.d/k.key") << secret;
    // A second name for the same inode outside the home shows what became of its bytes.
    fs::create_hard_link(home / "private-keys-v1.d/k.key", base.path() / "witness");
    wipe_home(home);
    BOOST_TEST(!fs::exists(home));
    std::ifstream in(base.path() / "witness", std::ios::binary);
    const std::string left{std::istreambuf_iterator<char>(in), {}};
    BOOST_TEST(left == std::string(secret.size(), '\0'));
    BOOST_CHECK_NO_THROW(wipe_home(home));  // nothing there: nothing to do
}

BOOST_AUTO_TEST_CASE(refuses_a_base_on_disk_or_missing) {
    const Scratch disk{CASS_BINARY_DIR};
    if (!on_memory_filesystem(disk.path())) {
        BOOST_TEST((kind_of_create_failure(disk.path()) == cassiopeia::ErrorKind::config));
        BOOST_TEST(is_empty_folder(disk.path()));
    }
    BOOST_TEST((kind_of_create_failure("/dev/shm/cass-no-such-folder/x") ==
                cassiopeia::ErrorKind::config));
    BOOST_TEST(!on_memory_filesystem("/dev/shm/cass-no-such-folder/x"));
}

BOOST_AUTO_TEST_CASE(a_moved_home_is_wiped_once_by_its_new_owner) {
    const Scratch base{"/dev/shm"};
    auto first = PrivateHome::create(base.path());
    const fs::path made = first.path();
    auto second = std::move(first);
    // The moved-from state is part of the contract (a moved-from home owns nothing).
    // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
    BOOST_TEST(first.path().empty());
    BOOST_TEST(second.path() == made);
    auto third = PrivateHome::create(base.path());
    const fs::path other = third.path();
    third = std::move(second);  // the home third owned is wiped
    BOOST_TEST(!fs::exists(other));
    BOOST_TEST(fs::exists(made));
}

BOOST_AUTO_TEST_CASE(default_base_is_the_runtime_directory_else_dev_shm) {
    const char* saved = std::getenv("RUNTIME_DIRECTORY");  // NOLINT(concurrency-mt-unsafe)
    const std::string keep = saved == nullptr ? "" : saved;
    // NOLINTNEXTLINE(concurrency-mt-unsafe): the test runs on one thread
    ::setenv("RUNTIME_DIRECTORY", "/run/cassiopeia-server:/run/other", 1);
    BOOST_TEST(PrivateHome::default_base() == fs::path("/run/cassiopeia-server"));
    ::unsetenv("RUNTIME_DIRECTORY");  // NOLINT(concurrency-mt-unsafe)
    BOOST_TEST(PrivateHome::default_base() == fs::path("/dev/shm"));
    if (saved != nullptr) {
        ::setenv("RUNTIME_DIRECTORY", keep.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
    }
}

BOOST_AUTO_TEST_SUITE_END()
