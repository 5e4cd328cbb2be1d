// log4cplus set-up for the client.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "logging.hpp"

#include <librecord/errors.hpp>

#include <log4cplus/configurator.h>
#include <log4cplus/consoleappender.h>
#include <log4cplus/initializer.h>
#include <log4cplus/layout.h>

namespace cassiopeia::client {

struct LoggingGuard::Impl {
    log4cplus::Initializer init;
};

LoggingGuard::LoggingGuard() : m_impl(std::make_unique<Impl>()) {}

LoggingGuard::~LoggingGuard() = default;

void LoggingGuard::configure(const std::string& properties) {
    if (!properties.empty()) {
        log4cplus::PropertyConfigurator::doConfigure(properties);
        if (!log4cplus::Logger::getRoot().getAllAppenders().empty()) {
            return;
        }
        throw Error(ErrorKind::config, "log_config", properties + " defines no appender");
    }
    // Conventions §6: UTC ISO-8601 time, level, logger.
    log4cplus::SharedAppenderPtr err(new log4cplus::ConsoleAppender(true, true));
    err->setLayout(std::make_unique<log4cplus::PatternLayout>(
        LOG4CPLUS_TEXT("%d{%Y-%m-%dT%H:%M:%S.%qZ} %-5p %c - %m%n")));
    auto root = log4cplus::Logger::getRoot();
    root.removeAllAppenders();
    root.addAppender(err);
    root.setLogLevel(log4cplus::WARN_LOG_LEVEL);
}

log4cplus::Logger logger(const char* name) {
    return log4cplus::Logger::getInstance(LOG4CPLUS_C_STR_TO_TSTRING(name));
}

}  // namespace cassiopeia::client
