// Boost.Test module of librecord's unit tests.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#define BOOST_TEST_MODULE librecord
#include <boost/test/unit_test.hpp>
