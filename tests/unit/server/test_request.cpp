// Tests of the sign request set-up commands: syntax, limits, first failure (§5.1, §5.2, §7).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/request.hpp"
#include "issuance_test_support.hpp"

#include <librecord/limits.hpp>

#include <boost/test/unit_test.hpp>

#include <functional>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
using cassiopeia::server::test::at;
using cassiopeia::server::test::csr_fixture;

namespace {

std::string failure_code(const SignRequest& r) {
    return r.failure() ? std::string(librecord::to_string(r.failure()->code)) : "ok";
}

SignRequest base_request() {
    SignRequest r;
    r.set_csr(csr_fixture("ec256.der"));
    r.set_signature_type("sha256");
    r.set_profile("server");
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request)

BOOST_AUTO_TEST_CASE(dns_names) {
    BOOST_TEST(normalise_dns_name("WWW.Example.ORG", false).value() == "www.example.org");
    BOOST_TEST(normalise_dns_name("xn--bcher-kva.example", false).value() ==
               "xn--bcher-kva.example");
    BOOST_TEST(normalise_dns_name("*.example.org", true).value() == "*.example.org");
    BOOST_TEST(normalise_dns_name(std::string(63, 'a') + ".org", false).has_value());
    for (const char* bad : {"",
                            "localhost",
                            "example.org.",
                            ".example.org",
                            "a..b.org",
                            "-a.example.org",
                            "a-.example.org",
                            "a_b.example.org",
                            "bücher.example",
                            "ab--cd.example.org",
                            "a.*.example.org",
                            "*example.org",
                            "*.org.",
                            "example.123",
                            "a b.org",
                            "*.example.org"}) {
        BOOST_TEST(!normalise_dns_name(bad, false).has_value(), bad);
    }
    BOOST_TEST(!normalise_dns_name(std::string(64, 'a') + ".org", false).has_value());
    std::string long_name;
    while (long_name.size() < 250) {
        long_name += "abcdefghi.";
    }
    long_name += "abcd";  // 254 characters
    BOOST_TEST(!normalise_dns_name(long_name, false).has_value());
    long_name.erase(0, 10);
    BOOST_TEST(normalise_dns_name(long_name, false).has_value());
}

BOOST_AUTO_TEST_CASE(email_addresses) {
    BOOST_TEST(valid_email("a.b+c@example.org"));
    BOOST_TEST(valid_email("A@EXAMPLE.ORG"));
    for (const char* bad : {"",
                            "a",
                            "@example.org",
                            "a@",
                            "a@localhost",
                            ".a@example.org",
                            "a.@example.org",
                            "a..b@example.org",
                            "a b@example.org",
                            "\"a\"@example.org",
                            "ä@example.org",
                            "a@exa_mple.org",
                            "a@@example.org"}) {
        BOOST_TEST(!valid_email(bad), bad);
    }
    BOOST_TEST(!valid_email(std::string(65, 'a') + "@example.org"));
}

BOOST_AUTO_TEST_CASE(utf8) {
    BOOST_TEST(valid_utf8("Zoë Ärger 東京 😀"));
    BOOST_TEST(!valid_utf8("\xc3"));
    BOOST_TEST(!valid_utf8("\xc0\xaf"));
    BOOST_TEST(!valid_utf8("\xed\xa0\x80"));
    BOOST_TEST(!valid_utf8("\xf4\x90\x80\x80"));
}

BOOST_AUTO_TEST_CASE(accumulates_a_valid_set_up) {
    SignRequest r = base_request();
    r.add_san("DNS,WWW.Example.org");
    r.add_ava("2.5.4.3,www.example.org");
    r.add_ava("O,Example, Inc.");
    r.wish_from("now");
    r.wish_to("90d");
    r.add_proof_line("2026-11-24T12:00:00Z,domains,17,name=www.example.org");
    BOOST_TEST(failure_code(r) == "ok");
    BOOST_TEST(r.check_complete().ok());
    BOOST_REQUIRE(r.sans().size() == 1U);
    BOOST_TEST(r.sans()[0].value == "www.example.org");
    BOOST_REQUIRE(r.avas().size() == 2U);
    BOOST_TEST(r.avas()[0].short_name == "CN");
    BOOST_TEST(r.avas()[1].value == "Example, Inc.");
    BOOST_TEST(r.key_description() == "EC P-256");
    BOOST_TEST(r.proofs().size() == 1U);
}

BOOST_AUTO_TEST_CASE(remembers_the_first_failure_naming_the_command) {
    SignRequest r = base_request();
    r.add_san("DNS,bad_name.example.org");
    r.add_ava("XX,whatever");
    r.set_signature_type("md5");
    BOOST_REQUIRE(r.failure().has_value());
    BOOST_TEST(r.failure()->code == cassiopeia::server::ErrorCode::san_invalid);
    BOOST_TEST(r.failure()->message.rfind("addSAN: ", 0) == 0U);
    BOOST_TEST(r.check_complete().error().code == cassiopeia::server::ErrorCode::san_invalid);
}

BOOST_AUTO_TEST_CASE(each_command_reports_its_code) {
    const std::vector<std::pair<std::function<void(SignRequest&)>, std::string>> cases = {
        {[](SignRequest& r) { r.set_csr(csr_fixture("rsa1024.der")); }, "weak_key"},
        {[](SignRequest& r) { r.set_csr(csr_fixture("rsa2048-badsig.der")); }, "csr_signature"},
        {[](SignRequest& r) {
             r.set_csr(std::vector<uint8_t>{1, 2, 3});
         },
         "bad_csr"},
        {[](SignRequest& r) { r.set_signature_type("sha1"); }, "hash_not_allowed"},
        {[](SignRequest& r) { r.set_profile("no such/profile"); }, "unknown_profile"},
        {[](SignRequest& r) { r.wish_from("yesterday"); }, "bad_validity"},
        {[](SignRequest& r) { r.wish_to("0d"); }, "bad_validity"},
        {[](SignRequest& r) { r.add_san("IP,10.0.0.1"); }, "san_not_allowed"},
        {[](SignRequest& r) { r.add_san("email,not-an-address"); }, "san_invalid"},
        {[](SignRequest& r) {
             r.add_san("DNS,a.example.org");
             r.add_san("DNS,A.example.org");
         },
         "san_invalid"},
        {[](SignRequest& r) { r.add_ava("OU,Sales"); }, "ava_not_allowed"},
        {[](SignRequest& r) { r.add_ava("C,de"); }, "ava_not_allowed"},
        {[](SignRequest& r) { r.add_ava("C,DEU"); }, "ava_not_allowed"},
        {[](SignRequest& r) { r.add_ava("CN," + std::string(65, 'x')); }, "ava_not_allowed"},
        {[](SignRequest& r) { r.add_ava("L," + std::string(129, 'x')); }, "ava_not_allowed"},
        {[](SignRequest& r) { r.add_ava("CN,a\xff"); }, "bad_request"},
        {[](SignRequest& r) { r.add_ava("CN"); }, "bad_request"},
        {[](SignRequest& r) {
             r.add_ava("CN,a");
             r.add_ava("CN,b");
         },
         "ava_not_allowed"},
        {[](SignRequest& r) { r.add_proof_line("x"); }, "bad_request"},
        {[](SignRequest& r) {
             r.set_csr(csr_fixture("ec256.der"));
             r.set_spkac("x");
         },
         "bad_request"},
        {[](SignRequest& r) {
             r.set_signature_type("sha256");
             r.set_signature_type("sha256");
         },
         "bad_request"},
    };
    for (const auto& [step, code] : cases) {
        SignRequest r;
        step(r);
        BOOST_TEST(failure_code(r) == code);
    }
    // 64 characters of UTF-8 (multi-byte) is within the CN bound.
    SignRequest ok = base_request();
    std::string cn;
    for (int i = 0; i < 64; ++i) {
        cn += "é";
    }
    ok.add_ava("CN," + cn);
    BOOST_TEST(failure_code(ok) == "ok");
}

BOOST_AUTO_TEST_CASE(limits_of_section_7) {
    namespace limits = librecord::limits;
    SignRequest sans = base_request();
    for (size_t i = 0; i < limits::max_sans; ++i) {
        sans.add_san("DNS,h" + std::to_string(i) + ".example.org");
    }
    BOOST_TEST(failure_code(sans) == "ok");
    sans.add_san("DNS,one-more.example.org");
    BOOST_TEST(failure_code(sans) == "too_many");

    SignRequest proofs = base_request();
    for (size_t i = 0; i <= limits::max_proof_lines; ++i) {
        proofs.add_proof_line("2026-11-24T12:00:00Z,domains," + std::to_string(i) +
                              ",name=example.org");
    }
    BOOST_TEST(failure_code(proofs) == "too_many");
}

BOOST_AUTO_TEST_CASE(incomplete_requests) {
    SignRequest none;
    BOOST_TEST(none.check_complete().error().code == cassiopeia::server::ErrorCode::bad_request);
    SignRequest no_hash;
    no_hash.set_csr(csr_fixture("ec256.der"));
    no_hash.set_profile("server");
    BOOST_TEST(no_hash.check_complete().error().code == cassiopeia::server::ErrorCode::bad_request);
    SignRequest ocsp;
    ocsp.set_csr(csr_fixture("ec256.der"));
    ocsp.set_signature_type("sha256");
    ocsp.set_ocsp_target_ca("server_2026_1");
    BOOST_TEST(ocsp.check_complete().ok());
    BOOST_TEST(ocsp.profile_name() == "ocsp");
    ocsp.set_profile("server");
    BOOST_TEST(failure_code(ocsp) == "bad_request");
}

BOOST_AUTO_TEST_CASE(profile_checks) {
    const auto set = ProfileSet::load(test::profiles_dir());
    {
        SignRequest r = base_request();
        r.add_san("email,a@example.org");
        BOOST_TEST(check_against_profile(r, *set.find("server")).error().code ==
                   cassiopeia::server::ErrorCode::san_not_allowed);
    }
    {
        SignRequest r = base_request();
        r.add_san("DNS,*.example.org");
        BOOST_TEST(check_against_profile(r, *set.find("server")).ok());
        BOOST_TEST(check_against_profile(r, *set.find("client")).error().code ==
                   cassiopeia::server::ErrorCode::san_not_allowed);
    }
    {
        SignRequest r = base_request();
        r.add_san("DNS,example.org");
        r.add_ava("O,Example");
        BOOST_TEST(check_against_profile(r, *set.find("server")).error().code ==
                   cassiopeia::server::ErrorCode::ava_not_allowed);
        BOOST_TEST(check_against_profile(r, *set.find("server-org")).ok());
    }
    {
        SignRequest r = base_request();
        BOOST_TEST(check_against_profile(r, *set.find("server")).error().code ==
                   cassiopeia::server::ErrorCode::san_invalid);
    }
}

BOOST_AUTO_TEST_CASE(proofs_for_sans_and_avas) {
    const auto set = ProfileSet::load(test::profiles_dir());
    const auto now = at("2026-11-25T12:00:00Z");
    std::vector<std::string> log;
    SignRequest r;
    r.set_csr(csr_fixture("ec256.der"));
    r.set_signature_type("sha256");
    r.set_profile("client-org");
    r.add_san("email,zoe@example.org");
    r.add_ava("CN,Zoë Example");
    r.add_ava("O,Example, Inc.");
    r.add_ava("C,DE");
    r.add_proof_line("2026-11-20T00:00:00Z,emails,1,address=zoe@EXAMPLE.org");
    BOOST_TEST(check_request_proofs(r, *set.find("client-org"), now, log).error().code ==
               cassiopeia::server::ErrorCode::proof_missing);
    r.add_proof_line("2026-11-20T00:00:00Z,names,9,name=Zoë Example");
    BOOST_TEST(check_request_proofs(r, *set.find("client-org"), now, log).error().code ==
               cassiopeia::server::ErrorCode::proof_missing);
    r.add_proof_line("2026-11-20T00:00:00Z,organisations,3,name=Example%2C Inc.,country=DE");
    BOOST_TEST(check_request_proofs(r, *set.find("client-org"), now, log).ok());
    // Wildcards need the proof of the base domain; CN must repeat a SAN in server profiles.
    SignRequest w = base_request();
    w.add_san("DNS,*.example.org");
    w.add_ava("CN,other.example.org");
    w.add_proof_line("2026-11-20T00:00:00Z,domains,1,name=example.org");
    BOOST_TEST(check_request_proofs(w, *set.find("server"), now, log).error().code ==
               cassiopeia::server::ErrorCode::proof_missing);
    SignRequest w2 = base_request();
    w2.add_san("DNS,*.example.org");
    w2.add_ava("CN,*.example.org");
    w2.add_proof_line("2026-11-20T00:00:00Z,domains,1,name=example.org");
    BOOST_TEST(check_request_proofs(w2, *set.find("server"), now, log).ok());
}

BOOST_AUTO_TEST_CASE(organisation_fields_come_from_one_proven_row) {
    const auto set = ProfileSet::load(test::profiles_dir());
    const auto& profile = *set.find("client-org");
    const auto now = at("2026-11-25T12:00:00Z");
    std::vector<std::string> log;
    SignRequest r;
    r.set_csr(csr_fixture("ec256.der"));
    r.set_signature_type("sha256");
    r.set_profile("client-org");
    r.add_san("email,zoe@example.org");
    r.add_ava("O,Example");
    r.add_ava("C,DE");
    r.add_ava("L,Berlin");
    r.add_proof_line("2026-11-20T00:00:00Z,emails,1,address=zoe@example.org");
    // Each field is proven, but by rows of two different organisations.
    r.add_proof_line("2026-11-20T00:00:00Z,organisations,3,name=Example,country=FR");
    r.add_proof_line("2026-11-20T00:00:00Z,organisations,4,name=Other,country=DE,locality=Berlin");
    BOOST_TEST(check_request_proofs(r, profile, now, log).error().code ==
               cassiopeia::server::ErrorCode::proof_missing);
    // A stale row with all three is stale, not a proof.
    r.add_proof_line(
        "2025-01-01T00:00:00Z,organisations,5,name=Example,country=DE,locality=Berlin");
    BOOST_TEST(check_request_proofs(r, profile, now, log).error().code ==
               cassiopeia::server::ErrorCode::proof_stale);
    // One fresh row with every field (and more columns) proves the whole organisation.
    r.add_proof_line(
        "2026-11-21T00:00:00Z,organisations,6,name=Example,country=DE,state=BE,locality=Berlin");
    BOOST_TEST(check_request_proofs(r, profile, now, log).ok());
}

BOOST_AUTO_TEST_CASE(a_labels_are_checked_as_idna_2008) {
    // bücher.example: a valid A-label, in any case, is stored lower-case.
    BOOST_TEST(normalise_dns_name("xn--bcher-kva.example", false).value_or("") ==
               "xn--bcher-kva.example");
    BOOST_TEST(normalise_dns_name("XN--BCHER-KVA.Example", false).value_or("") ==
               "xn--bcher-kva.example");
    BOOST_TEST(normalise_dns_name("*.Xn--bcher-kva.example", true).value_or("") ==
               "*.xn--bcher-kva.example");
    // Punycode that does not decode, decodes to ASCII, or to a U-label IDNA 2008 disallows.
    BOOST_TEST(!normalise_dns_name("xn--.example", false));
    BOOST_TEST(!normalise_dns_name("xn--zzzzzzzzzzzzzzzzzzzzzzzzz.example", false));
    BOOST_TEST(!normalise_dns_name("xn--abc-.example", false));
    BOOST_TEST(!normalise_dns_name("xn--bcher-kva.xn--a.example", false));
    BOOST_TEST(!normalise_dns_name("xn--ls8h.example", false));  // U+1F4A9, DISALLOWED
    BOOST_TEST(!normalise_dns_name("xn--bcher-kva-.example", false));
    SignRequest r = base_request();
    r.add_san("DNS,xn--ls8h.example.org");
    BOOST_TEST(failure_code(r) == "san_invalid");
}

BOOST_AUTO_TEST_CASE(refuses_control_and_bidi_characters_in_avas_and_sans) {
    const std::vector<std::string> bad = {
        "Evil\x01"
        "Corp",
        "Evil\x7f",
        "Evil\xc2\x85"
        "Corp",                  // U+0085 NEL (C1)
        "Evil\xe2\x80\xaeproC",  // U+202E RIGHT-TO-LEFT OVERRIDE
        "Evil\xe2\x80\x8f",      // U+200F
        "Evil\xe2\x81\xa6x",     // U+2066
        "Evil\xd8\x9c",          // U+061C ARABIC LETTER MARK
    };
    for (const auto& v : bad) {
        SignRequest r = base_request();
        r.add_ava("O," + v);
        BOOST_TEST(failure_code(r) == "ava_not_allowed", v);
        SignRequest s = base_request();
        s.add_san("email,a@example.org" + v);
        BOOST_TEST(failure_code(s) == "san_invalid", v);
    }
    SignRequest ok = base_request();
    ok.add_ava("O,Zo\xc3\xab \xe6\x9d\xb1\xe4\xba\xac GmbH");
    BOOST_TEST(failure_code(ok) == "ok");
}

BOOST_AUTO_TEST_CASE(an_echoed_attribute_is_cut_at_a_character_boundary) {
    SignRequest r = base_request();
    // 63 ASCII bytes then 'é': a cut at 64 bytes would split it.
    r.add_ava(std::string(63, 'X') + "\xc3\xa9\xc3\xa9,value");
    BOOST_REQUIRE(r.failure().has_value());
    BOOST_TEST(valid_utf8(r.failure()->message));
    SignRequest c = base_request();
    c.add_ava(std::string{"X\n\xff"} + ",value");
    BOOST_REQUIRE(c.failure().has_value());
    BOOST_TEST(valid_utf8(c.failure()->message));
    BOOST_TEST(!has_forbidden_char(c.failure()->message));
}

BOOST_AUTO_TEST_SUITE_END()
