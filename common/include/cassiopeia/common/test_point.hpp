// Named steps of the sign flow where a test build can stop the process dead (the fault matrix,
// docs/reliability.md). The production mains install no handler, so test_point() does nothing
// there; only cassiopeia-server-test and cassiopeia-client-test install one.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <string_view>

namespace cassiopeia::common {

/** Called with the name of each step reached; must not throw. */
using TestPointHandler = void (*)(std::string_view point) noexcept;

/** Installs the handler (a test build's main, before any work). nullptr removes it. */
void set_test_point_handler(TestPointHandler handler) noexcept;

/** The flow reached `point` (names: docs/reliability.md, "Kill points"). */
void test_point(std::string_view point) noexcept;

}  // namespace cassiopeia::common
