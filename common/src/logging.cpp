// log4cplus set-up shared by both daemons.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "cassiopeia/common/logging.hpp"

#include <librecord/errors.hpp>

#include <log4cplus/configurator.h>
#include <log4cplus/consoleappender.h>
#include <log4cplus/initializer.h>
#include <log4cplus/layout.h>

#include <algorithm>

namespace cassiopeia::common {

struct LoggingGuard::Impl {
    log4cplus::Initializer init;
};

LoggingGuard::LoggingGuard() : m_impl(std::make_unique<Impl>()) {}

LoggingGuard::~LoggingGuard() = default;

void LoggingGuard::configure(const std::string& properties, log4cplus::LogLevel default_level) {
    if (!properties.empty()) {
        log4cplus::PropertyConfigurator::doConfigure(properties);
        if (!log4cplus::Logger::getRoot().getAllAppenders().empty()) {
            return;
        }
        throw cassiopeia::Error(
            cassiopeia::ErrorKind::config, "log_config", properties + " defines no appender");
    }
    // docs/conventions.md §6: UTC ISO-8601 time, level, logger.
    log4cplus::SharedAppenderPtr err(new log4cplus::ConsoleAppender(true, true));
    err->setLayout(std::make_unique<log4cplus::PatternLayout>(
        LOG4CPLUS_TEXT("%d{%Y-%m-%dT%H:%M:%S.%qZ} %-5p %c - %m%n")));
    auto root = log4cplus::Logger::getRoot();
    root.removeAllAppenders();
    root.addAppender(err);
    root.setLogLevel(default_level);
}

bool logs_to_console() {
    return std::ranges::any_of(
        log4cplus::Logger::getRoot().getAllAppenders(),
        [](const log4cplus::SharedAppenderPtr& appender) {
            return dynamic_cast<const log4cplus::ConsoleAppender*>(appender.get()) != nullptr;
        });
}

log4cplus::Logger logger(const char* name) {
    return log4cplus::Logger::getInstance(LOG4CPLUS_C_STR_TO_TSTRING(name));
}

}  // namespace cassiopeia::common
