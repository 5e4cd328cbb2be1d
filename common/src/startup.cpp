// What both daemons' mains do before their work.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "cassiopeia/common/startup.hpp"

#include "cassiopeia/common/exit_code.hpp"

#include <ostream>

namespace cassiopeia::common {

int answer_early(Early early, std::string_view program, std::string_view help, std::ostream& out) {
    if (early == Early::version) {
        out << program << ' ' << CASSIOPEIA_VERSION << '\n';
    } else {
        out << help;
    }
    return exit_code::ok;
}

int usage_error(std::string_view program, const cassiopeia::Error& e, std::ostream& err) {
    err << program << ": " << e.detail() << " (try --help)\n";
    return exit_code::usage;
}

}  // namespace cassiopeia::common
