#include "solarhook/store/sqlite.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/temp_dir.hpp"

namespace solarhook::store {
namespace {

TEST(sqlite, bind_ref_stores_the_text_it_points_at_when_run) {
    test::temp_dir dir;
    database db(dir.file("a.db"), database::mode::read_write_create);
    db.exec("CREATE TABLE t (a TEXT, b TEXT)");
    {
        std::string a = "first, long enough to live on the heap";
        const std::string b(5000, 'b');
        db.cached("INSERT INTO t(a, b) VALUES(?1, ?2)").bind_ref(1, a).bind_ref(2, b).run();
        a.assign(a.size(), 'x');  // changed after run(): the row keeps what was bound
    }
    db.cached("INSERT INTO t(a, b) VALUES(?1, ?2)").bind_ref(1, "second").bind(2, "c").run();
    auto st = db.prepare("SELECT a, length(b) FROM t ORDER BY rowid");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.text_at(0), "first, long enough to live on the heap");
    EXPECT_EQ(st.int_at(1), 5000);
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.text_at(0), "second");
    EXPECT_FALSE(st.step());
}

TEST(sqlite, cached_gives_the_same_statement_reset_and_unbound) {
    test::temp_dir dir;
    database db(dir.file("a.db"), database::mode::read_write_create);
    const std::string sql = "SELECT ?1";
    auto& first = db.cached(sql);
    first.bind(1, "bound");
    ASSERT_TRUE(first.step());
    auto& again = db.cached(std::string_view(sql));  // mid-row: it comes back reset
    EXPECT_EQ(&again, &first);
    ASSERT_TRUE(again.step());
    EXPECT_TRUE(again.null_at(0)) << "the earlier binding was not cleared";
}

}  // namespace
}  // namespace solarhook::store
