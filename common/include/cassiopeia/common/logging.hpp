// log4cplus set-up shared by both daemons: a properties file, or UTC ISO-8601 lines on stderr.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <log4cplus/logger.h>
#include <log4cplus/loggingmacros.h>

#include <memory>
#include <string>

namespace cassiopeia::common {

/** Initialises log4cplus for the life of main() (a library guard, docs/style.md §4). */
class LoggingGuard final {
public:
    LoggingGuard();
    ~LoggingGuard();
    LoggingGuard(const LoggingGuard&) = delete;
    LoggingGuard& operator=(const LoggingGuard&) = delete;

    /**
     * Reads `properties` (log4cplus format; again on SIGHUP, which reopens the files); an empty
     * path logs `default_level` and up to stderr. Throws cassiopeia::Error{config} when the
     * file defines no appender.
     */
    static void configure(const std::string& properties,
                          log4cplus::LogLevel default_level = log4cplus::INFO_LOG_LEVEL);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

[[nodiscard]] log4cplus::Logger logger(const char* name);

/** True when the root logger writes to the console (stderr or stdout), not only to files. */
[[nodiscard]] bool logs_to_console();

}  // namespace cassiopeia::common
