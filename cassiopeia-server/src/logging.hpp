// Logging of the signer: log4cplus through the daemons' shared set-up (common/).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cassiopeia/common/logging.hpp>

#include <string>

namespace cassiopeia::server {

using common::logger;
using common::LoggingGuard;

/** Reads the properties file; without one, INFO and up go to stderr. */
inline void configure_logging(const std::string& properties) {
    LoggingGuard::configure(properties, log4cplus::INFO_LOG_LEVEL);
}

}  // namespace cassiopeia::server
