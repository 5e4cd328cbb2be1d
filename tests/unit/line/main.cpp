// Boost.Test module of the line emulator's pure parts (tests/support/line_model.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#define BOOST_TEST_MODULE line
#include <boost/test/unit_test.hpp>
