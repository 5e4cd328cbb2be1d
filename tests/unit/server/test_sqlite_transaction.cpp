// Tests of sqlite/database.hpp's Transaction: nesting as savepoints (group commit,
// docs/repository.md). Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "sqlite/database.hpp"
#include "temp_dir.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace sq = cassiopeia::server::sqlite;
using cassiopeia::test::TempDir;

namespace {

struct Db {
    TempDir dir;
    sq::Database db = sq::Database::open((dir.path() / "t.sqlite").string(), sq::OpenMode::create);

    Db() { db.exec("CREATE TABLE t (v INTEGER NOT NULL UNIQUE)"); }

    void insert(int64_t v) { db.prepare("INSERT INTO t (v) VALUES (?1)").bind_int64(1, v).run(); }

    std::vector<int64_t> values() {
        std::vector<int64_t> out;
        auto st = db.prepare("SELECT v FROM t ORDER BY v");
        while (st.step()) {
            out.push_back(st.column_int64(0));
        }
        return out;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite_transaction)

BOOST_AUTO_TEST_CASE(a_transaction_inside_another_is_a_savepoint) {
    Db d;
    sq::Transaction outer{d.db};
    BOOST_TEST(!outer.nested());
    {
        sq::Transaction inner{d.db};
        BOOST_TEST(inner.nested());
        d.insert(1);
        inner.commit();
    }
    BOOST_TEST(d.db.in_transaction());  // RELEASE kept the outer transaction open
    outer.commit();
    BOOST_TEST(!d.db.in_transaction());
    BOOST_TEST(d.values() == std::vector<int64_t>{1}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_inner_rollback_undoes_only_the_inner_changes) {
    Db d;
    sq::Transaction outer{d.db};
    d.insert(1);
    {
        sq::Transaction inner{d.db};
        d.insert(2);
        {
            sq::Transaction innermost{d.db};
            d.insert(3);
            innermost.commit();  // released into `inner`, which is then rolled back
        }
        // no commit: rolled back
    }
    {
        sq::Transaction inner{d.db};
        d.insert(4);
        inner.commit();
    }
    BOOST_TEST(d.db.in_transaction());
    outer.commit();
    BOOST_TEST(d.values() == (std::vector<int64_t>{1, 4}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_failed_statement_in_a_savepoint_leaves_the_outer_work) {
    Db d;
    sq::Transaction outer{d.db};
    d.insert(1);
    try {
        sq::Transaction inner{d.db};
        d.insert(2);
        d.insert(1);  // UNIQUE: throws
        inner.commit();
        BOOST_FAIL("a duplicate was inserted");
    } catch (const cassiopeia::Error&) {  // NOLINT(bugprone-empty-catch): expected
    }
    {
        sq::Transaction inner{d.db};  // the savepoint names are free again
        d.insert(5);
        inner.commit();
    }
    outer.commit();
    BOOST_TEST(d.values() == (std::vector<int64_t>{1, 5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_outer_rollback_undoes_released_savepoints) {
    Db d;
    {
        sq::Transaction outer{d.db};
        sq::Transaction inner{d.db};
        d.insert(1);
        inner.commit();
    }
    BOOST_TEST(!d.db.in_transaction());
    BOOST_TEST(d.values().empty());
    sq::Transaction again{d.db};  // a fresh outermost transaction, not a savepoint
    BOOST_TEST(!again.nested());
    d.insert(2);
    again.commit();
    BOOST_TEST(d.values() == std::vector<int64_t>{2}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
