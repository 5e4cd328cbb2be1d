// Least privilege for the signer.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "privileges.hpp"

#include <librecord/errors.hpp>
#include <librecord/pkcs11.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cassiopeia::server {

namespace {

[[noreturn]] void fail(const std::string& call, const std::string& what) {
    throw Error(ErrorKind::config, call, what);
}

}  // namespace

void harden_process() {
    const rlimit none{0, 0};
    if (::setrlimit(RLIMIT_CORE, &none) != 0) {
        fail("setrlimit", std::strerror(errno));
    }
    // Secrets never reach core dumps (brief: standards); also blocks ptrace by the same uid.
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        fail("prctl", std::strerror(errno));
    }
    ::umask(077);
}

void check_key_file_mode(const std::string& path) {
    if (librecord::pkcs11::is_uri(path)) {
        return;  // a key in a token: no file (docs/hsm.md)
    }

    struct stat st {};

    if (::stat(path.c_str(), &st) != 0) {
        fail("stat", path + ": " + std::strerror(errno));
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        fail("key file", path + " is readable by group or others (chmod 0600 it)");
    }
}

namespace {

/** A supplementary group 0 would give back root's group rights: refused. */
void refuse_root_group() {
    std::array<gid_t, 256> groups{};
    const int n = ::getgroups(static_cast<int>(groups.size()), groups.data());
    if (n < 0) {
        fail("getgroups", std::strerror(errno));
    }
    for (int i = 0; i < n; ++i) {
        if (groups.at(static_cast<size_t>(i)) == 0) {
            fail("user", "the signer's user is a member of group 0 (root)");
        }
    }
}

}  // namespace

void drop_privileges(const std::string& user, const std::string& group) {
    if (::geteuid() != 0) {
        return;
    }
    if (user.empty()) {
        fail("user", "refusing to serve as root: set 'user' (and 'group') in the configuration");
    }
    const passwd* pw = ::getpwnam(user.c_str());
    if (pw == nullptr) {
        fail("getpwnam", "no such user '" + user + "'");
    }
    const uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (!group.empty()) {
        const struct group* gr = ::getgrnam(group.c_str());
        if (gr == nullptr) {
            fail("getgrnam", "no such group '" + group + "'");
        }
        gid = gr->gr_gid;
    }
    if (uid == 0) {
        fail("user", "'" + user + "' is root");
    }
    // The user's supplementary groups stay (initgroups): membership of `dialout` is what lets
    // the signer re-open its line as its own user after a hang-up (docs/protocol.md §8.1).
    if (::initgroups(user.c_str(), gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
        fail("setuid", std::strerror(errno));
    }
    refuse_root_group();
    if (::setuid(0) == 0 || ::geteuid() == 0 || ::getegid() == 0) {
        fail("setuid", "root could be regained after dropping privileges");
    }
    // setuid cleared the dumpable flag's effect; set it again for good measure.
    (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace cassiopeia::server
