// Boost.Test module of the client's unit tests.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#define BOOST_TEST_MODULE client
#include <boost/test/unit_test.hpp>
