// log4cplus set-up for the signer: a properties file, or UTC ISO-8601 lines on stderr.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <log4cplus/logger.h>
#include <log4cplus/loggingmacros.h>

#include <memory>
#include <string>

namespace cassiopeia::server {

/** Initialises log4cplus for the life of main() (style.md §4.3 LibraryGuard). */
class LoggingGuard final {
public:
    LoggingGuard();
    ~LoggingGuard();
    LoggingGuard(const LoggingGuard&) = delete;
    LoggingGuard& operator=(const LoggingGuard&) = delete;

    /** Reads `properties` (log4cplus format); an empty path logs INFO and up to stderr. */
    static void configure(const std::string& properties);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

[[nodiscard]] log4cplus::Logger logger(const char* name);

}  // namespace cassiopeia::server
