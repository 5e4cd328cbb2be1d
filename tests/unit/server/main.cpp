// Boost.Test module of the signer's core library (test_server).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#define BOOST_TEST_MODULE server
#include <boost/test/unit_test.hpp>
