// Fuzz target of the signer's proof-line parser (addProofLine, docs/protocol.md §5.3).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
//
// Target functions: cassiopeia::server::parse_proof_line, cassiopeia::server::percent_decode.
// The input is one addProofLine payload. Refusals are normal returns; an escaping exception,
// a parsed line outside §5.3's tables or a refusal message that is not valid UTF-8 aborts.
#include "issuance/proof.hpp"
#include "issuance/text.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace cs = cassiopeia::server;
    try {
        // reinterpret_cast: the payload is text; view the bytes as characters.
        const std::string_view text{reinterpret_cast<const char*>(data), size};
        const auto line = cs::parse_proof_line(text);
        if (line.ok()) {
            const auto& tables = cs::proof_tables::all;
            if (std::find(tables.begin(), tables.end(), line->table) == tables.end() ||
                line->primary_key.empty() || line->columns.empty()) {
                std::abort();
            }
        } else if (!cs::valid_utf8(line.error().message)) {
            std::abort();  // refusal messages reach the WebDB as text
        }
        (void)cs::percent_decode(text);
    } catch (const std::exception&) {
        std::abort();
    }
    return 0;
}
