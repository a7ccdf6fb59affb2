#include "solarhook/store/sqlite.hpp"

#include <fmt/format.h>

namespace solarhook::store {

database::database(const std::string& path, mode m) {
    int flags = SQLITE_OPEN_NOMUTEX;
    switch (m) {
        case mode::read_write_create:
            flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
            break;
        case mode::read_write:
            flags |= SQLITE_OPEN_READWRITE;
            break;
        case mode::read_only:
            flags |= SQLITE_OPEN_READONLY;
            break;
    }
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw store_error(rc & 0xff, fmt::format("cannot open database {}: {}", path, msg));
    }
    sqlite3_extended_result_codes(db_, 1);
}

database::~database() {
    cache_.clear();  // statements first: the connection closes once none is left
    sqlite3_close_v2(db_);
}

void database::fail(int rc, std::string_view context) const {
    throw store_error(rc & 0xff,
                      fmt::format("{}: {} ({})", context, sqlite3_errmsg(db_), sqlite3_errstr(rc)));
}

void database::exec(std::string_view sql) {
    char* err = nullptr;
    const std::string s(sql);
    const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        const std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw store_error(rc & 0xff, fmt::format("{}: {}", s.substr(0, 60), msg));
    }
}

statement database::prepare(std::string_view sql) {
    return statement(*this, sql);
}

statement& database::cached(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        it = cache_.emplace(std::string(sql), std::make_unique<statement>(*this, sql)).first;
    }
    it->second->reset();
    return *it->second;
}

statement::statement(database& db, std::string_view sql) : db_(&db), stmt_(nullptr) {
    const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) {
        db.fail(rc, fmt::format("prepare \"{}\"", sql.substr(0, 60)));
    }
}

statement::~statement() {
    sqlite3_finalize(stmt_);
}

statement& statement::bind(int i, std::int64_t v) {
    if (const int rc = sqlite3_bind_int64(stmt_, i, v); rc != SQLITE_OK) {
        db_->fail(rc, "bind");
    }
    return *this;
}

statement& statement::bind(int i, std::string_view v) {
    return bind_text_(i, v, SQLITE_TRANSIENT);
}

statement& statement::bind_ref(int i, std::string_view v) {
    return bind_text_(i, v, SQLITE_STATIC);
}

statement& statement::bind_text_(int i, std::string_view v, sqlite3_destructor_type how) {
    if (const int rc = sqlite3_bind_text64(stmt_, i, v.data(), v.size(), how, SQLITE_UTF8);
        rc != SQLITE_OK) {
        db_->fail(rc, "bind");
    }
    return *this;
}

statement& statement::bind_null(int i) {
    if (const int rc = sqlite3_bind_null(stmt_, i); rc != SQLITE_OK) {
        db_->fail(rc, "bind");
    }
    return *this;
}

bool statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    const std::string sql = sqlite3_sql(stmt_) != nullptr ? sqlite3_sql(stmt_) : "";
    sqlite3_reset(stmt_);
    db_->fail(rc, fmt::format("step \"{}\"", sql.substr(0, 60)));
}

void statement::run() {
    while (step()) {
    }
    reset();
}

void statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t statement::int_at(int col) const {
    return sqlite3_column_int64(stmt_, col);
}

std::string statement::text_at(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p != nullptr ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                        : std::string();
}

bool statement::null_at(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

}  // namespace solarhook::store
