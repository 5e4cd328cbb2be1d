// Boost.Test module of the daemons' shared set-up (common/).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#define BOOST_TEST_MODULE common
#include <boost/test/unit_test.hpp>
