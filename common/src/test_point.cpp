// Named steps of the sign flow for the test builds (test_point.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "cassiopeia/common/test_point.hpp"

#include <atomic>

namespace cassiopeia::common {

namespace {

std::atomic<TestPointHandler> g_handler{nullptr};

}  // namespace

void set_test_point_handler(TestPointHandler handler) noexcept {
    g_handler.store(handler);
}

void test_point(std::string_view point) noexcept {
    if (const auto handler = g_handler.load(); handler != nullptr) {
        handler(point);
    }
}

}  // namespace cassiopeia::common
