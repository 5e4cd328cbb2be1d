// Values of the URL-bearing extensions (extension_values.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/extension_values.hpp"

namespace cassiopeia::server {

using ossl::check_ossl;

GENERAL_NAME* new_ia5_name(int type, const std::string& value) {
    ASN1_IA5STRING* ia5 = ::ASN1_IA5STRING_new();
    check_ossl(ia5 != nullptr, "ASN1_IA5STRING_new");
    if (::ASN1_STRING_set(ia5, value.data(), static_cast<int>(value.size())) != 1) {
        ::ASN1_IA5STRING_free(ia5);
        check_ossl(false, "ASN1_STRING_set");
    }
    GENERAL_NAME* gn = ::GENERAL_NAME_new();
    if (gn == nullptr) {
        ::ASN1_IA5STRING_free(ia5);
        check_ossl(false, "GENERAL_NAME_new");
    }
    ::GENERAL_NAME_set0_value(gn, type, ia5);  // gn now owns ia5
    return gn;
}

void push_name(GENERAL_NAMES* names, GENERAL_NAME* gn) {
    if (sk_GENERAL_NAME_push(names, gn) <= 0) {
        ::GENERAL_NAME_free(gn);
        check_ossl(false, "sk_GENERAL_NAME_push");
    }
    // names now owns gn
}

ossl::CrlDistPointsPtr crl_distribution_points(const std::vector<std::string>& urls) {
    ossl::CrlDistPointsPtr points{sk_DIST_POINT_new_null()};
    check_ossl(points != nullptr, "sk_DIST_POINT_new_null");
    DIST_POINT* dp = ::DIST_POINT_new();
    check_ossl(dp != nullptr, "DIST_POINT_new");
    if (sk_DIST_POINT_push(points.get(), dp) <= 0) {
        ::DIST_POINT_free(dp);
        check_ossl(false, "sk_DIST_POINT_push");
    }
    // points now owns dp
    dp->distpoint = ::DIST_POINT_NAME_new();
    check_ossl(dp->distpoint != nullptr, "DIST_POINT_NAME_new");
    dp->distpoint->type = 0;  // fullName
    dp->distpoint->name.fullname = sk_GENERAL_NAME_new_null();
    check_ossl(dp->distpoint->name.fullname != nullptr, "sk_GENERAL_NAME_new_null");
    for (const auto& url : urls) {
        push_name(dp->distpoint->name.fullname, new_ia5_name(GEN_URI, url));
    }
    return points;
}

void push_access_description(AUTHORITY_INFO_ACCESS* aia, int method, const std::string& url) {
    ACCESS_DESCRIPTION* ad = ::ACCESS_DESCRIPTION_new();
    check_ossl(ad != nullptr, "ACCESS_DESCRIPTION_new");
    if (sk_ACCESS_DESCRIPTION_push(aia, ad) <= 0) {
        ::ACCESS_DESCRIPTION_free(ad);
        check_ossl(false, "sk_ACCESS_DESCRIPTION_push");
    }
    // aia now owns ad
    ::ASN1_OBJECT_free(ad->method);
    ad->method = ::OBJ_nid2obj(method);
    ::GENERAL_NAME_free(ad->location);
    ad->location = new_ia5_name(GEN_URI, url);
}

}  // namespace cassiopeia::server
