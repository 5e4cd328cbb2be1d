// Fuzz target: OpenPGP packet framing (RFC 4880 §4.2) and the signer's trim of the keyblock it
// returns (docs/protocol.md §5.5).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
//
// Target functions: librecord::openpgp::split_packets, cassiopeia::server::pgp::trim_keyblock,
// cassiopeia::server::pgp::armour_public_key. The first byte chooses which user IDs the trim
// keeps (bit i: the i-th user ID of the block); the rest is the binary keyblock. A refusal
// (nullopt) is a normal return; an escaping exception or a broken invariant aborts.
#include "gpg/openpgp_packets.hpp"

#include <librecord/openpgp.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace {

namespace pgp = cassiopeia::server::pgp;
namespace tag = librecord::openpgp::tag;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_openpgp_packets: invariant broken: %s\n", what);
        std::abort();
    }
}

/** The packets tile the input: each starts where the previous ended, bodies end their packet. */
void check_tiling(std::span<const uint8_t> bytes, const std::vector<pgp::Packet>& packets) {
    size_t off = 0;
    for (const auto& p : packets) {
        check(p.whole.data() == bytes.data() + off, "a packet does not start where one ended");
        check(!p.whole.empty() && p.body.size() < p.whole.size(), "a packet without a header");
        check(p.body.data() + p.body.size() == p.whole.data() + p.whole.size(),
              "a body does not end its packet");
        off += p.whole.size();
    }
    check(off == bytes.size(), "the packets do not cover the input");
}

std::set<std::string> chosen_uids(uint8_t mask, const std::vector<pgp::Packet>& packets) {
    std::set<std::string> keep;
    unsigned i = 0;
    for (const auto& p : packets) {
        if (p.tag == tag::user_id) {
            if (i < 8 && ((mask >> i) & 1U) != 0) {
                keep.emplace(p.body.begin(), p.body.end());
            }
            ++i;
        }
    }
    return keep;
}

/** The trimmed block: the primary key first, then only kept user IDs and signatures. */
void check_trimmed(const std::vector<uint8_t>& out, const std::set<std::string>& keep) {
    const auto again = pgp::split_packets(out);
    check(again.has_value() && !again->empty(), "the trimmed block does not split");
    check(again->front().tag == tag::public_key, "the trimmed block does not start with its key");
    for (size_t i = 1; i < again->size(); ++i) {
        const auto& p = (*again)[i];
        check(p.tag == tag::user_id || p.tag == tag::signature, "a dropped packet kind stayed");
        check(p.tag != tag::user_id || keep.count(std::string(p.body.begin(), p.body.end())) != 0,
              "a user ID that was not asked for stayed");
    }
    const std::string armoured = pgp::armour_public_key(out);
    check(armoured.rfind("-----BEGIN PGP PUBLIC KEY BLOCK-----\n", 0) == 0, "armour header");
}

void run(std::span<const uint8_t> all) {
    if (all.empty()) {
        return;
    }
    const auto bytes = all.subspan(1);
    const auto packets = pgp::split_packets(bytes);
    if (!packets) {
        check(!pgp::trim_keyblock(bytes, {}), "trim accepted a block that does not split");
        return;
    }
    check_tiling(bytes, *packets);
    const auto keep = chosen_uids(all[0], *packets);
    const auto trimmed = pgp::trim_keyblock(bytes, keep);
    if (!trimmed) {
        return;
    }
    check(!packets->empty() && packets->front().tag == tag::public_key, "trim of a non-key");
    check(trimmed->size() <= bytes.size(), "the trimmed block grew");
    check_trimmed(*trimmed, keep);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        run({data, size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_openpgp_packets: unexpected exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
